#include <stdexcept>

#include "nets/spec.h"
#include "testsupport.h"

using namespace reslab;

class TestSpec : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void depth_data() {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<qint64>("depth");
        // The paper counts weighted layers: 6n+2 for the CIFAR nets (section 4.2).
        for (int d : {18, 34, 50, 101, 152, 20, 32, 44, 56, 110, 1202}) {
            QTest::newRow(qPrintable(QString("resnet%1").arg(d)))
                << QString("resnet%1").arg(d) << qint64(d);
            QTest::newRow(qPrintable(QString("plain%1").arg(d)))
                << QString("plain%1").arg(d) << qint64(d);
        }
    }
    void depth() {
        QFETCH(QString, arch);
        QFETCH(qint64, depth);
        const ResNetSpec spec = named_spec(arch.toStdString());
        QCOMPARE(spec.depth(), depth);
        QCOMPARE(spec.residual, arch.startsWith("resnet"));
        QCOMPARE(QString::fromStdString(spec.name), arch);
    }

    void cifarFamilyFollowsThePaper() {
        // Section 4.2: 16/32/64 filters on 32/16/8 maps, option A shortcuts, 10 classes.
        const ResNetSpec spec = named_spec("resnet56");
        QCOMPARE(spec.widths, (std::vector<int64_t>{16, 32, 64}));
        QCOMPARE(spec.blocks, (std::vector<int64_t>{9, 9, 9}));
        QCOMPARE(spec.shortcut, Shortcut::A);
        QCOMPARE(spec.stem, Stem::Cifar);
        QCOMPARE(spec.input_size, int64_t(32));
    }

    void twinSwapsResidualOnly() {
        const ResNetSpec plain = twin_of(named_spec("resnet56"));
        QCOMPARE(plain.name, std::string("plain56"));
        QVERIFY(!plain.residual);
        QCOMPARE(plain.blocks, named_spec("resnet56").blocks);
        QCOMPARE(twin_of(plain).name, std::string("resnet56"));
    }

    void unknownNamesAreRefused_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("empty") << "";
        QTest::newRow("depth not in the family") << "resnet19";
        QTest::newRow("no digits") << "resnet";
        QTest::newRow("junk after digits") << "resnet18x";
        QTest::newRow("other family") << "vgg16";
    }
    void unknownNamesAreRefused() {
        QFETCH(QString, name);
        try {
            named_spec(name.toStdString());
            QFAIL("no exception");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(QString(e.what()).contains("resnet18"), e.what()); // lists the known names
        }
    }

    void enumsRoundTrip() {
        for (Shortcut s : {Shortcut::A, Shortcut::B, Shortcut::C})
            QCOMPARE(shortcut_from_string(to_string(s)), s);
        for (BlockKind k : {BlockKind::Basic, BlockKind::Bottleneck})
            QCOMPARE(block_kind_from_string(to_string(k)), k);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, shortcut_from_string("D"));
    }
};

QTEST_APPLESS_MAIN(TestSpec)
#include "test_spec.moc"

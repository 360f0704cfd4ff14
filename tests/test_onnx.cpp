// ONNX export (reslab-cli export --format onnx): the files pass onnx.checker for the named nets and
// their plain twins; for torchvision's resnet18 and resnet50 the graph has the operators of
// torch.onnx.export in the same order and the same initializers; and an interpreter of the ONNX
// nodes in plain PyTorch ops gives ResLab's own logits.
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include "io/onnx_export.h"
#include "io/weights.h"
#include "testsupport.h"

using namespace reslab;

class TestOnnx : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    QString file(const QString& name) const { return m_dir.filePath(name); }

    bool exportNet(const QStringList& args, QString* why) {
        int code = -1;
        QByteArray err;
        test::runCli(QStringList{QStringLiteral("export"), QStringLiteral("--format"),
                                 QStringLiteral("onnx")} +
                         args,
                     &code, &err);
        *why = QString::fromUtf8(err);
        return code == 0;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        if (!onnx_export_available())
            QSKIP("built without libonnx-dev (tools/bootstrap installs it)");
    }

    // resnet101, resnet152 and resnet1202 are left out for the time and disk they take (60 M
    // parameters); they are the same blocks in greater numbers.
    void namedNetsAndTwinsPassTheChecker() {
        QStringList files;
        for (const char* arch : {"resnet18", "resnet34", "resnet50", "resnet20", "resnet32",
                                 "resnet44", "resnet56", "resnet110"})
            for (QString name : {QString::fromLatin1(arch),
                                 QString::fromLatin1(arch).replace(QStringLiteral("resnet"),
                                                                   QStringLiteral("plain"))}) {
                const QString out = file(name + QStringLiteral(".onnx"));
                QString why;
                QVERIFY2(
                    exportNet({QStringLiteral("--arch"), name, QStringLiteral("--out"), out}, &why),
                    qPrintable(why));
                files << out;
            }
        const QByteArray out = test::runPython(QStringLiteral("onnx_reference.py"),
                                               QStringList{QStringLiteral("check")} + files, 900);
        const QList<QByteArray> lines = out.trimmed().split('\n');
        QCOMPARE(lines.size(), files.size());
        for (const QByteArray& line : lines) {
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            const QString name = o.value(QStringLiteral("file")).toString();
            const QStringList ops = o.value(QStringLiteral("ops")).toVariant().toStringList();
            // A plain net has no addition; a residual one has one per block.
            QCOMPARE(ops.contains(QStringLiteral("Add")), !name.contains(QStringLiteral("/plain")));
            // Option A (the CIFAR nets) subsamples and pads; options B and C project.
            const bool cifar = !name.contains(QStringLiteral("18")) &&
                               !name.contains(QStringLiteral("34")) &&
                               !name.contains(QStringLiteral("50"));
            QCOMPARE(ops.contains(QStringLiteral("Pad")),
                     cifar && !name.contains(QStringLiteral("/plain")));
            QCOMPARE(ops.contains(QStringLiteral("MaxPool")), !cifar);
        }
    }

    void torchvisionsExportHasTheSameGraph_data() {
        QTest::addColumn<QString>("arch");
        QTest::newRow("resnet18") << "resnet18";
        QTest::newRow("resnet50") << "resnet50";
    }
    void torchvisionsExportHasTheSameGraph() {
        QFETCH(QString, arch);
        const QString weights = file(arch + QStringLiteral("-tv.pth"));
        const QString out = file(arch + QStringLiteral("-tv.onnx"));
        test::runPython(QStringLiteral("onnx_reference.py"),
                        {QStringLiteral("weights"), arch, weights});
        QVERIFY(QFile::exists(weights));
        QString why;
        QVERIFY2(exportNet({QStringLiteral("--arch"), arch, QStringLiteral("--weights"), weights,
                            QStringLiteral("--out"), out},
                           &why),
                 qPrintable(why));
        const QJsonObject o =
            QJsonDocument::fromJson(
                test::runPython(QStringLiteral("onnx_reference.py"),
                                {QStringLiteral("torchvision"), arch, weights, out}))
                .object();
        QVERIFY2(o.value(QStringLiteral("ops")).toInt() > 60, "torch.onnx.export's graph differs");
    }

    void theNodesComputeResLabsLogits_data() {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<int>("side");
        QTest::newRow("resnet20 (option A: Slice + Pad)") << "resnet20" << 32;
        QTest::newRow("plain20") << "plain20" << 32;
        QTest::newRow("resnet18 (max pool, projections)") << "resnet18" << 64;
    }
    void theNodesComputeResLabsLogits() {
        QFETCH(QString, arch);
        QFETCH(int, side);
        const QString weights = file(arch + QStringLiteral("-run.pth"));
        const QString model = file(arch + QStringLiteral("-run.onnx"));
        const QString input = file(arch + QStringLiteral("-x.pt"));
        const QString ours = file(arch + QStringLiteral("-ours.pt"));
        const QString theirs = file(arch + QStringLiteral("-onnx.pt"));
        int code = -1;
        test::runCli({QStringLiteral("init"), QStringLiteral("--arch"), arch,
                      QStringLiteral("--seed"), QStringLiteral("5"), QStringLiteral("--out"),
                      weights},
                     &code);
        QCOMPARE(code, 0);
        torch::manual_seed(7);
        write_tensor_file(torch::randn({2, 3, side, side}), input.toStdString());
        QString why;
        QVERIFY2(exportNet({QStringLiteral("--arch"), arch, QStringLiteral("--weights"), weights,
                            QStringLiteral("--out"), model},
                           &why),
                 qPrintable(why));
        test::runCli({QStringLiteral("predict"), QStringLiteral("--arch"), arch,
                      QStringLiteral("--weights"), weights, QStringLiteral("--input-tensor"), input,
                      QStringLiteral("--output-tensor"), ours},
                     &code);
        QCOMPARE(code, 0);
        test::runPython(QStringLiteral("onnx_reference.py"),
                        {QStringLiteral("run"), model, input, theirs});
        const torch::Tensor a = read_tensor_file(ours.toStdString());
        const torch::Tensor b = read_tensor_file(theirs.toStdString());
        QCOMPARE(a.sizes().vec(), b.sizes().vec());
        const double scale = a.abs().max().item<double>();
        QVERIFY(scale > 0);
        const double relative = (a - b).abs().max().item<double>() / scale;
        QVERIFY2(relative <= 1e-4, qPrintable(QString::number(relative)));
    }

    void aMissingWeightsFileIsNamed() {
        QString why;
        QVERIFY(!exportNet({QStringLiteral("--arch"), QStringLiteral("resnet20"),
                            QStringLiteral("--weights"), QStringLiteral("/nonexistent/w.pth"),
                            QStringLiteral("--out"), file(QStringLiteral("x.onnx"))},
                           &why));
        QVERIFY2(why.contains(QStringLiteral("/nonexistent/w.pth")), qPrintable(why));
        QVERIFY(!QFile::exists(file(QStringLiteral("x.onnx"))));
    }
};

QTEST_APPLESS_MAIN(TestOnnx)
#include "test_onnx.moc"

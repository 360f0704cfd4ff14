#include <QFile>
#include <QImage>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "featuregrid.h"
#include "featuresview.h"
#include "selection.h"

// The feature-maps tab driven as a user would: weights written by reslab-cli, images made here.
class TestFeaturesView : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString file(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }

    static bool waitForCapture(FeaturesView& view, QSignalSpy& spy, int before) {
        return QTest::qWaitFor([&] { return spy.count() > before && !view.busy(); }, 60000);
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QProcess cli;
        cli.start(QStringLiteral(RESLAB_CLI),
                  {"init", "--arch", "resnet20", "--seed", "1", "--out", file("r20.pth")});
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 0);
        QImage colour(40, 30, QImage::Format_RGB32);
        for (int y = 0; y < 30; ++y)
            for (int x = 0; x < 40; ++x)
                colour.setPixel(x, y, qRgb(x * 6, y * 8, 128));
        QVERIFY(colour.save(file("colour.png")));
        QImage grey(32, 32, QImage::Format_Grayscale8);
        grey.fill(90);
        QVERIFY(grey.save(file("grey.png")));
        QFile text(file("notes.png"));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("not a picture\n");
    }

    void capturesEveryLayer() {
        Selection selection;
        FeaturesView view(&selection);
        QSignalSpy ready(&view, &FeaturesView::captureReady);
        QVERIFY(view.loadWeights(file("r20.pth")));
        QVERIFY(view.loadImageFile(file("colour.png")));
        QVERIFY(waitForCapture(view, ready, 0));
        QCOMPARE(view.netName(), QStringLiteral("resnet20"));
        // resnet20: conv1, relu, then per block conv1, conv2 (+ shortcut padding) and output.
        const QStringList layers = view.layerNames();
        QVERIFY(layers.contains(QStringLiteral("layer1.0")));
        QVERIFY(layers.contains(QStringLiteral("layer3.2.conv2")));
        QVERIFY(layers.contains(QStringLiteral("fc")));
        view.setLayer(QStringLiteral("layer2.0"));
        QCOMPARE(view.currentLayer(), QStringLiteral("layer2.0"));
        QCOMPARE(view.grid()->tileCount(), 32); // resnet20's second stage is 32 wide
        QCOMPARE(selection.layer(), QStringLiteral("layer2.0"));
        QCOMPARE(view.topPredictions().size(), 5);
        for (const QString& name : view.topPredictions()) // CIFAR-10's names, not class numbers
            QVERIFY2(!name.startsWith(QStringLiteral("class ")), qPrintable(name));

        // The block graph picks a layer: the grid follows.
        selection.setLayer(QStringLiteral("layer3.1.conv1"));
        QCOMPARE(view.currentLayer(), QStringLiteral("layer3.1.conv1"));
        QCOMPARE(view.grid()->tileCount(), 64);
        // A module path without its own map (bn1 is conv1's response) shows the nearest one.
        selection.setLayer(QStringLiteral("layer1.2.bn2"));
        QCOMPARE(view.currentLayer(), QStringLiteral("layer1.2.conv2"));

        QVERIFY(view.exportGrid(file("grid.png")));
        QVERIFY(!QImage(file("grid.png")).isNull());
        QVERIFY(view.exportResponses(file("responses.png")));
    }

    void greyImageIsConvertedAndSaidSo() {
        FeaturesView view(nullptr);
        QSignalSpy ready(&view, &FeaturesView::captureReady);
        QVERIFY(view.loadWeights(file("r20.pth")));
        QVERIFY(view.loadImageFile(file("grey.png")));
        QVERIFY(waitForCapture(view, ready, 0));
        QVERIFY2(view.message().contains(QStringLiteral("grey")), qPrintable(view.message()));
    }

    void badInputKeepsWhatWasShown() {
        FeaturesView view(nullptr);
        QSignalSpy ready(&view, &FeaturesView::captureReady);
        QSignalSpy failed(&view, &FeaturesView::loadFailed);
        QVERIFY(view.loadWeights(file("r20.pth")));
        QVERIFY(view.loadImageFile(file("colour.png")));
        QVERIFY(waitForCapture(view, ready, 0));
        view.setLayer(QStringLiteral("layer1.1"));
        const QStringList layers = view.layerNames();

        // Not an image: refused at once, with the file named.
        QString error;
        QVERIFY(!view.loadImageFile(file("notes.png"), &error));
        QVERIFY2(error.contains(QStringLiteral("notes.png")), qPrintable(error));
        QCOMPARE(view.message(), error);

        // Weights that do not fit the chosen architecture: refused in the background.
        QVERIFY(view.loadWeights(file("r20.pth"), QStringLiteral("resnet50")));
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 2, 60000);
        QVERIFY2(view.message().contains(QStringLiteral("do not fit resnet50")),
                 qPrintable(view.message()));
        // Not weights at all.
        QVERIFY(view.loadWeights(file("notes.png")));
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 3, 60000);
        QVERIFY(!view.loadWeights(file("missing.pth")));

        // Everything shown before is still there.
        QCOMPARE(view.netName(), QStringLiteral("resnet20"));
        QCOMPARE(view.layerNames(), layers);
        QCOMPARE(view.currentLayer(), QStringLiteral("layer1.1"));
        QCOMPARE(view.grid()->tileCount(), 16);
        QCOMPARE(ready.count(), 1);
    }

    void samplesAreShipped() {
        FeaturesView view(nullptr);
        QVERIFY(view.sampleNames().contains(QStringLiteral("shapes")));
        QVERIFY(view.sampleNames().contains(QStringLiteral("shirt")));
        QSignalSpy ready(&view, &FeaturesView::captureReady);
        QVERIFY(view.useRandomWeights(QStringLiteral("resnet20")));
        QVERIFY(view.loadSample(QStringLiteral("shirt")));
        QVERIFY(waitForCapture(view, ready, 0));
        QVERIFY(!view.loadSample(QStringLiteral("no-such-sample")));
    }

    // File > Export net as ONNX writes the net shown; test_onnx checks such files in depth.
    void theNetShownExportsAsOnnx() {
        FeaturesView view(nullptr);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("net.onnx"));
        QString error;
        QVERIFY(!view.exportOnnx(path, &error)); // no net yet
        QVERIFY(!QFile::exists(path));
        QVERIFY(view.useRandomWeights(QStringLiteral("resnet20")));
        QTRY_VERIFY_WITH_TIMEOUT(!view.netName().isEmpty(), 30000);
        QVERIFY2(view.exportOnnx(path, &error), qPrintable(error));
        // 269,722 float parameters and the batch norms' statistics: over a megabyte.
        QVERIFY(QFileInfo(path).size() > 269722 * 4);
    }
};

QTEST_MAIN(TestFeaturesView)
#include "test_featuresview.moc"

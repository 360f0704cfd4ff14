#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "featuressession.h"
#include "inspect/inspection.h"

// The feature maps view's session without a widget: loads and captures come back as signals,
// and a capture overtaken by a newer image is dropped, never shown over it.
class TestFeaturesSession : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    static reslab::InputImage image(int channels, uint8_t value) {
        std::vector<uint8_t> pixels(static_cast<size_t>(40 * 30 * channels), value);
        return reslab::input_image_from_pixels(pixels.data(), 30, 40, channels, 0);
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void aNewerImageOvertakesTheCapture() {
        FeaturesSession session;
        QSignalSpy loaded(&session, &FeaturesSession::netLoaded);
        QSignalSpy captured(&session, &FeaturesSession::captured);
        QSignalSpy dropped(&session, &FeaturesSession::captureDropped);
        QSignalSpy failed(&session, &FeaturesSession::failed);
        session.useRandomNet(QStringLiteral("resnet20"));
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(loaded.first().at(1).toString(), QStringLiteral("resnet20"));

        // A grey image, and before its capture is back, a colour one.
        session.setImage(image(1, 90), QStringLiteral("grey"));
        session.capture(false, false, false);
        session.setImage(image(3, 200), QStringLiteral("colour"));
        session.capture(false, false, false);
        QVERIFY(QTest::qWaitFor([&] { return !session.busy(); }, 60000));
        QCOMPARE(failed.count(), 0);
        QCOMPARE(dropped.count(), 1);
        QCOMPARE(captured.count(), 1);
        // The capture shown is the colour image's: no note about a grey image made RGB.
        QCOMPARE(captured.first().at(1).toString(), QString());
        const auto& state = session.state();
        QCOMPARE(state.imageDescription, QStringLiteral("colour"));
        QCOMPARE(state.seen.channels, int64_t(3));
        // What the net sees of a uniform 200 image is 200/255 everywhere.
        for (float v : state.seen.values)
            QVERIFY(std::abs(v - 200.0f / 255.0f) < 1e-3f);
        QCOMPARE(static_cast<int>(state.top.size()), 5);

        // Grad-CAM and the twin come back for this capture.
        QSignalSpy cam(&session, &FeaturesSession::gradCamReady);
        QSignalSpy twin(&session, &FeaturesSession::twinCaptured);
        session.gradCam(state.top.front().index);
        session.captureTwin();
        QVERIFY(QTest::qWaitFor([&] { return cam.count() == 1 && twin.count() == 1; }, 60000));
        QCOMPARE(state.camClass, state.top.front().index);
        QVERIFY(!state.cam.empty());
        QCOMPARE(QString::fromStdString(state.twin->spec.name), QStringLiteral("plain20"));
        QVERIFY(state.twinCapture);
    }

    void aFailedLoadKeepsTheNet() {
        FeaturesSession session;
        session.useRandomNet(QStringLiteral("resnet20"));
        QSignalSpy failed(&session, &FeaturesSession::failed);
        QSignalSpy loaded(&session, &FeaturesSession::netLoaded);
        const QString junk = m_dir.filePath(QStringLiteral("junk.pth"));
        QFile f(junk);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not weights");
        f.close();
        session.loadNet(junk, QString());
        QVERIFY(QTest::qWaitFor([&] { return failed.count() == 1; }, 60000));
        QVERIFY2(failed.first().first().toString().contains(QStringLiteral("junk.pth")),
                 qPrintable(failed.first().first().toString()));
        QCOMPARE(loaded.count(), 0);
        QCOMPARE(QString::fromStdString(session.state().net->spec.name),
                 QStringLiteral("resnet20"));
        QVERIFY_THROWS_EXCEPTION(std::exception, session.useRandomNet(QStringLiteral("resnet19")));
        QCOMPARE(QString::fromStdString(session.state().net->spec.name),
                 QStringLiteral("resnet20"));
    }
};

QTEST_GUILESS_MAIN(TestFeaturesSession)
#include "test_featuressession.moc"

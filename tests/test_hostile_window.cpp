#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "featuresview.h"
#include "mainwindow.h"
#include "qttestsupport.h"
#include "runregistry.h"

// The window against the hostile inputs of tests/fuzz/hostile_inputs.py (issue 22): the script
// makes the files the CLI's sweep makes, and says for each what the window must do with it (its
// --window mode). Run folders go to File > Open run folder, weights and images to the feature
// maps. A refusal must name what the CLI's message names (the file, the field, the limit), hold
// nothing raw (std::bad_alloc, a LibTorch backtrace, allocator text), and leave what the window
// showed before as it was; a FIFO must not block it; nothing may crash it.
class TestHostileWindow : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QJsonObject m_manifest;
    QStringList m_raw;

    // Every word of expect in text, and none of the raw fragments; else why not.
    QString judge(const QString& text, const QJsonArray& expect) const {
        QStringList lacks;
        for (const auto& w : expect)
            if (!text.contains(w.toString()))
                lacks << w.toString();
        for (const QString& r : m_raw)
            if (text.contains(r))
                return QStringLiteral("raw text '%1' in: %2").arg(r, text);
        if (!lacks.isEmpty())
            return QStringLiteral("lacks %1 in: %2").arg(lacks.join(QStringLiteral(", ")), text);
        return {};
    }

    QJsonArray cases(const QString& kind) const {
        QJsonArray out;
        for (const auto& c : m_manifest[QStringLiteral("cases")].toArray())
            if (c.toObject()[QStringLiteral("kind")].toString() == kind)
                out.append(c);
        return out;
    }

    QString good(const char* what) const {
        return m_manifest[QStringLiteral("good")].toObject()[QLatin1String(what)].toString();
    }

    // Waits for the feature maps to finish what they load or capture.
    static bool settle(FeaturesView* view) {
        return QTest::qWaitFor([view] { return !view->busy(); }, 120000);
    }

    // The good weights, and the good image with them, in the feature maps.
    bool showGood(FeaturesView* view, bool withImage) const {
        QString error;
        if (!view->loadWeights(good("weights"), QStringLiteral("resnet20"), &error) ||
            !settle(view) || !view->net()) {
            qWarning("the good weights: %s %s", qPrintable(error), qPrintable(view->message()));
            return false;
        }
        return !withImage || (view->loadImageFile(good("image"), &error) && settle(view));
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        isolateSettings(m_dir.path(), QStringLiteral("test_hostile_window"));
        QProcess make;
        make.start(QStringLiteral(RESLAB_TEST_PYTHON),
                   {QStringLiteral(RESLAB_SOURCE_DIR "/tests/fuzz/hostile_inputs.py"),
                    QStringLiteral(RESLAB_CLI), QStringLiteral("--window"), m_dir.path()});
        QVERIFY(make.waitForFinished(600000));
        QVERIFY2(make.exitCode() == 0, make.readAllStandardError().constData());
        QFile file(m_dir.filePath(QStringLiteral("window.json")));
        QVERIFY(file.open(QIODevice::ReadOnly));
        m_manifest = QJsonDocument::fromJson(file.readAll()).object();
        for (const auto& r : m_manifest[QStringLiteral("raw")].toArray())
            m_raw << r.toString();
        // The sweep's classes are all here: refusals and files that open, of each kind.
        QVERIFY(cases(QStringLiteral("run")).size() >= 40);
        QVERIFY(cases(QStringLiteral("image")).size() >= 20);
        QVERIFY(cases(QStringLiteral("weights")).size() >= 5);
    }

    void runFolders() {
        MainWindow window;
        window.setRunsFolder(m_dir.filePath(QStringLiteral("window-runs")));
        QString error;
        QVERIFY2(window.openRunFolder(good("run"), &error), qPrintable(error));
        const QList<int> before = window.runs().ids();
        int refused = 0, opened = 0;
        for (const auto& item : cases(QStringLiteral("run"))) {
            const QJsonObject c = item.toObject();
            const QString name = c[QStringLiteral("case")].toString();
            const QString outcome = c[QStringLiteral("outcome")].toString();
            error.clear();
            const bool ok = window.openRunFolder(c[QStringLiteral("path")].toString(), &error);
            QTest::qWait(50); // a followed folder is read again on a timer: that must not block
            if (ok) {
                QVERIFY2(outcome != QLatin1String("refused"),
                         qPrintable(name + QStringLiteral(": opened; it must be refused")));
                ++opened;
                for (int id : window.runs().ids())
                    if (!before.contains(id))
                        window.removeRun(id);
            } else {
                QVERIFY2(outcome != QLatin1String("opens"), qPrintable(name + ": " + error));
                const QString why = judge(error, outcome == QLatin1String("refused")
                                                     ? c[QStringLiteral("expect")].toArray()
                                                     : QJsonArray());
                QVERIFY2(why.isEmpty(), qPrintable(name + ": " + why));
                ++refused;
            }
            // What was open before still is, and nothing else.
            QCOMPARE(window.runs().ids(), before);
        }
        qInfo("run folders: %d refused, %d opened", refused, opened);
    }

    void weightsAndRunFoldersInTheFeatureMaps() {
        MainWindow window;
        FeaturesView* view = window.featuresView();
        QVERIFY(showGood(view, true));
        QString error;
        auto net = view->net();
        QImage seen = view->seenImage();
        QVERIFY(!seen.isNull());
        QJsonArray all = cases(QStringLiteral("weights"));
        // A run folder whose spec.json is refused is refused as weights too (the net is described
        // from it off the GUI thread, or bounded first).
        for (const auto& item : cases(QStringLiteral("run"))) {
            QJsonObject c = item.toObject();
            const QJsonArray expect = c[QStringLiteral("expect")].toArray();
            if (c[QStringLiteral("outcome")].toString() == QLatin1String("refused") &&
                expect.contains(QStringLiteral("spec.json"))) {
                c[QStringLiteral("arch")] = QString();
                all.append(c);
            }
        }
        int refused = 0;
        for (const auto& item : all) {
            const QJsonObject c = item.toObject();
            const QString name = c[QStringLiteral("case")].toString();
            error.clear();
            const bool started = view->loadWeights(c[QStringLiteral("path")].toString(),
                                                   c[QStringLiteral("arch")].toString(), &error);
            QVERIFY2(settle(view), qPrintable(name + ": still loading"));
            const QString message = started ? view->message() : error;
            if (c[QStringLiteral("outcome")].toString() == QLatin1String("either") &&
                view->net() != net) {
                QVERIFY(showGood(view, true));
                net = view->net();
                seen = view->seenImage();
                continue;
            }
            const QString why =
                judge(message, c[QStringLiteral("outcome")].toString() == QLatin1String("refused")
                                   ? c[QStringLiteral("expect")].toArray()
                                   : QJsonArray());
            QVERIFY2(why.isEmpty(), qPrintable(name + ": " + why));
            // The net and the picture shown before stay.
            QVERIFY2(view->net() == net, qPrintable(name + ": the net shown was replaced"));
            QCOMPARE(view->seenImage(), seen);
            ++refused;
        }
        qInfo("weights: %d refused of %lld", refused, static_cast<long long>(all.size()));
    }

    void images() {
        MainWindow window;
        FeaturesView* view = window.featuresView();
        QVERIFY(showGood(view, false));
        QString error;
        int refused = 0, opened = 0;
        for (const auto& item : cases(QStringLiteral("image"))) {
            const QJsonObject c = item.toObject();
            const QString name = c[QStringLiteral("case")].toString();
            QVERIFY(view->loadImageFile(good("image"), &error) && settle(view));
            const QImage seen = view->seenImage();
            const QString outcome = c[QStringLiteral("outcome")].toString();
            error.clear();
            const bool ok = view->loadImageFile(c[QStringLiteral("path")].toString(), &error);
            QVERIFY2(settle(view), qPrintable(name + ": still capturing"));
            if (ok) {
                QVERIFY2(outcome != QLatin1String("refused"),
                         qPrintable(name + QStringLiteral(": read; PIL refuses it")));
                ++opened;
                continue;
            }
            // PIL reads a few formats ResLab refuses by name (CMYK JPEG, GIF, WebP, RLE BMP).
            const bool byFormat = c[QStringLiteral("may_refuse_by_format")].toBool() &&
                                  (error.contains(QLatin1String("not a PNG, JPEG or BMP")) ||
                                   error.contains(QLatin1String("ResLab does not read")));
            QVERIFY2(outcome != QLatin1String("opens") || byFormat,
                     qPrintable(name + ": PIL reads it; the window refuses: " + error));
            const QString why = judge(error, outcome == QLatin1String("either")
                                                 ? QJsonArray()
                                                 : c[QStringLiteral("expect")].toArray());
            QVERIFY2(why.isEmpty(), qPrintable(name + ": " + why));
            QVERIFY2(view->message().contains(error.left(40)),
                     qPrintable(name + ": the window does not show " + error));
            QCOMPARE(view->seenImage(), seen);
            ++refused;
        }
        qInfo("images: %d refused, %d read", refused, opened);
    }
};

QTEST_MAIN(TestHostileWindow)
#include "test_hostile_window.moc"

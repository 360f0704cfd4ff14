// The installed ResLab: `cmake --install` into a temporary prefix, the installed programs run
// from there (from a folder outside the build tree), the desktop files pass Debian's validators,
// and `cpack -G DEB` makes a package whose dependencies are the Debian packages ResLab links.
#include <cmath>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

namespace {

struct Result {
    int code = -1;
    QByteArray out;
    QByteArray err;
};

Result run(const QString& program,
           const QStringList& args,
           const QString& workingDir,
           int timeoutMs = 300000,
           const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    QProcess p;
    p.setWorkingDirectory(workingDir);
    p.setProcessEnvironment(env);
    p.start(program, args);
    Result r;
    if (!p.waitForStarted(30000) || !p.waitForFinished(timeoutMs)) {
        r.err = "did not run: " + p.errorString().toUtf8();
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

} // namespace

class TestInstall : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_prefix;
    QString m_elsewhere; // a working folder outside the source and build trees

    QString installed(const QString& path) const { return QDir(m_prefix).filePath(path); }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_prefix = m_dir.filePath(QStringLiteral("prefix"));
        m_elsewhere = m_dir.filePath(QStringLiteral("elsewhere"));
        QVERIFY(QDir().mkpath(m_elsewhere));
        const Result r = run(QStringLiteral(RESLAB_CMAKE),
                             {QStringLiteral("--install"), QStringLiteral(RESLAB_BUILD_DIR),
                              QStringLiteral("--prefix"), m_prefix},
                             m_elsewhere);
        QVERIFY2(r.code == 0, r.err.constData());
    }

    void everythingIsInstalledWhereDebianLooks() {
        for (const char* path :
             {"bin/reslab", "bin/reslab-cli", "share/applications/reslab.desktop",
              "share/metainfo/org.reslab.ResLab.metainfo.xml", "share/mime/packages/reslab.xml",
              "share/icons/hicolor/scalable/apps/reslab.svg", "share/man/man1/reslab.1",
              "share/man/man1/reslab-cli.1"})
            QVERIFY2(QFileInfo::exists(installed(QString::fromLatin1(path))), path);
        for (int size : {16, 24, 32, 48, 64, 128, 256}) {
            const QImage icon(
                installed(QStringLiteral("share/icons/hicolor/%1x%1/apps/reslab.png").arg(size)));
            QCOMPARE(icon.size(), QSize(size, size));
            QVERIFY(icon.pixelColor(size / 2, size / 2).alpha() > 0); // drawn, not blank
        }
        // The man pages carry the version the programs report.
        QFile page(installed(QStringLiteral("share/man/man1/reslab-cli.1")));
        QVERIFY(page.open(QIODevice::ReadOnly));
        const Result version = run(installed(QStringLiteral("bin/reslab")),
                                   {QStringLiteral("--version")}, m_elsewhere, 60000, offscreen());
        QCOMPARE(version.code, 0);
        const QByteArray number = version.out.trimmed().split(' ').last();
        QVERIFY2(page.readAll().contains("ResLab " + number), number.constData());
    }

    void theInstalledCliRuns() {
        const Result r = run(installed(QStringLiteral("bin/reslab-cli")),
                             {QStringLiteral("info"), QStringLiteral("--arch"),
                              QStringLiteral("resnet20"), QStringLiteral("--json")},
                             m_elsewhere);
        QVERIFY2(r.code == 0, r.err.constData());
        // resnet20 has 0.27 M parameters (the paper's Table 6).
        const QJsonObject info = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(info.value(QStringLiteral("arch")).toString(), QStringLiteral("resnet20"));
        QCOMPARE(std::round(info.value(QStringLiteral("params")).toDouble() / 1e4) / 100, 0.27);
    }

    void theInstalledWindowOpens() {
        const QString shot = QDir(m_elsewhere).filePath(QStringLiteral("window.png"));
        const Result r = run(
            installed(QStringLiteral("bin/reslab")),
            {QStringLiteral("--screenshot"), shot, QStringLiteral("--after"), QStringLiteral("1")},
            m_elsewhere, 120000, offscreen());
        QVERIFY2(r.code == 0, r.err.constData());
        const QImage image(shot);
        QVERIFY2(image.width() > 600 && image.height() > 400, qPrintable(shot));
    }

    void theInstalledProgramsNameNoBuildPath() {
        for (const char* program : {"bin/reslab", "bin/reslab-cli"}) {
            const Result r =
                run(QStringLiteral("readelf"),
                    {QStringLiteral("-d"), installed(QString::fromLatin1(program))}, m_elsewhere);
            QCOMPARE(r.code, 0);
            QVERIFY2(!r.out.contains(RESLAB_BUILD_DIR), r.out.constData()); // no RPATH into it
        }
    }

    void desktopFilesPassTheValidators() {
        Result r =
            run(QStringLiteral("desktop-file-validate"),
                {installed(QStringLiteral("share/applications/reslab.desktop"))}, m_elsewhere);
        QVERIFY2(r.code == 0 && r.out.isEmpty(), (r.out + r.err).constData());
        r = run(QStringLiteral("appstreamcli"),
                {QStringLiteral("validate"), QStringLiteral("--no-net"),
                 installed(QStringLiteral("share/metainfo/org.reslab.ResLab.metainfo.xml"))},
                m_elsewhere);
        QVERIFY2(r.code == 0, (r.out + r.err).constData());
    }

    void theDebianPackageDependsOnWhatItLinks() {
        const QString out = m_dir.filePath(QStringLiteral("package"));
        const Result r =
            run(QStringLiteral(RESLAB_CPACK),
                {QStringLiteral("-G"), QStringLiteral("DEB"), QStringLiteral("-B"), out,
                 QStringLiteral("--config"), QStringLiteral(RESLAB_BUILD_DIR "/CPackConfig.cmake")},
                m_elsewhere, 900000);
        QVERIFY2(r.code == 0, (r.out + r.err).constData());
        const QStringList debs = QDir(out).entryList({QStringLiteral("reslab_*.deb")}, QDir::Files);
        QCOMPARE(debs.size(), 1);
        const QString deb = QDir(out).filePath(debs.first());
        const Result fields =
            run(QStringLiteral("dpkg-deb"), {QStringLiteral("-f"), deb, QStringLiteral("Depends")},
                m_elsewhere);
        QCOMPARE(fields.code, 0);
        for (const char* package : {"libtorch", "libqt6widgets6", "libqcustomplot", "libc6"})
            QVERIFY2(fields.out.contains(package), fields.out.constData());
        const Result contents =
            run(QStringLiteral("dpkg-deb"), {QStringLiteral("-c"), deb}, m_elsewhere);
        for (const char* path : {"./usr/bin/reslab", "./usr/bin/reslab-cli",
                                 "./usr/share/applications/reslab.desktop"})
            QVERIFY2(contents.out.contains(path), path);
    }

private:
    static QProcessEnvironment offscreen() {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        return env;
    }
};

QTEST_GUILESS_MAIN(TestInstall)
#include "test_install.moc"

#pragma once
// Helpers for the widget and window tests (no torch here).

#include <QCoreApplication>
#include <QProcess>
#include <QSettings>
#include <QStandardPaths>
#include <QString>

/// Sends the settings a test's windows save to `folder`, not to the user's own, under `testName`.
inline void isolateSettings(const QString& folder, const QString& testName) {
    QStandardPaths::setTestModeEnabled(true);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, folder);
    QCoreApplication::setOrganizationName(QStringLiteral("ResLabTest"));
    QCoreApplication::setApplicationName(testName);
}

#ifdef RESLAB_CLI
/// Runs reslab-cli (built beside the tests) with args; true when it exits 0. Its stdout goes to
/// *out; on a failure its stderr is printed.
inline bool runReslabCli(const QStringList& args, QString* out = nullptr, int timeoutMs = 300000) {
    QProcess cli;
    cli.start(QStringLiteral(RESLAB_CLI), args);
    if (!cli.waitForFinished(timeoutMs) || cli.exitCode() != 0) {
        qWarning("%s", cli.readAllStandardError().constData());
        return false;
    }
    if (out)
        *out = QString::fromUtf8(cli.readAllStandardOutput());
    return true;
}
#endif

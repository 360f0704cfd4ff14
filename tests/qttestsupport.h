#pragma once
// Helpers for the widget and window tests (no torch here).

#include <QCoreApplication>
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

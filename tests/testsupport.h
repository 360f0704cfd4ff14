#pragma once

#include <QString>
#include <QStringList>

namespace reslab::test {

/// Runs a script from tests/python/ with Debian's Python torch; returns its stdout. Fails the
/// current test (QFAIL-style, via QTest) and returns an empty string when it exits non-zero.
/// Timeout in seconds.
QByteArray runPython(const QString& script, const QStringList& args, int timeoutSec = 300);

/// Runs reslab-cli with args; exitCode receives its exit status, stderr its error output.
QByteArray runCli(const QStringList& args, int* exitCode, QByteArray* stdErr = nullptr);

/// tests/python/<name>
QString pythonScript(const QString& name);

} // namespace reslab::test

#pragma once

#include <torch/types.h>

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace reslab::test {

/// Runs a script from tests/python/ with Debian's Python torch; returns its stdout. Fails the
/// current test (QFAIL-style, via QTest) and returns an empty string when it exits non-zero.
/// Timeout in seconds.
QByteArray runPython(const QString& script, const QStringList& args, int timeoutSec = 300);

/// Runs reslab-cli with args; exitCode receives its exit status, stderr its error output.
QByteArray runCli(const QStringList& args, int* exitCode, QByteArray* stdErr = nullptr);

/// "float32", "int64", ...: the dtype names Python prints.
QString dtypeName(torch::ScalarType dtype);

/// Compares a tensor with what Python printed for it (dtype, shape and every value, exactly);
/// on a difference returns false and says why.
bool sameTensor(const torch::Tensor& t, const QJsonObject& expected, QString* why);

/// tests/python/<name>
QString pythonScript(const QString& name);

} // namespace reslab::test

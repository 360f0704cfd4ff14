#pragma once

#include <torch/types.h>

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include "train/config.h"

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

/// A small, quick run on the synthetic set (1024 images of 28 x 28): arch's layout at widths
/// 8/16/32, batch 32, a constant learning rate of 0.05, a record every 5 steps, an evaluation
/// every 20, a probe every 10 and a checkpoint every 10.
RunConfig smallRun(const std::string& arch, int64_t steps, uint64_t seed = 1);

} // namespace reslab::test

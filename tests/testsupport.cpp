#include "testsupport.h"

#include <QJsonArray>
#include <QProcess>
#include <QtTest>

#include "train/presets.h"

namespace reslab::test {

RunConfig smallRun(const std::string& arch, int64_t steps, uint64_t seed) {
    TrainConfig t;
    t.dataset = "synthetic";
    t.synthetic_size = 1024;
    t.batch_size = 32;
    t.steps = steps;
    t.schedule.kind = Schedule::Kind::Constant;
    t.schedule.base_lr = 0.05;
    t.record_every = 5;
    t.eval_every = 20;
    t.probe_every = 10;
    t.checkpoint_every = 10;
    t.seed = seed;
    RunConfig c = make_run_config(arch, t, 1);
    c.net.stem_width = 8;
    c.net.widths = {8, 16, 32};
    return c;
}

QString pythonScript(const QString& name) {
    return QStringLiteral(RESLAB_SOURCE_DIR "/tests/python/") + name;
}

QByteArray runPython(const QString& script, const QStringList& args, int timeoutSec) {
    QProcess process;
    process.start(QStringLiteral(RESLAB_TEST_PYTHON), QStringList{pythonScript(script)} + args);
    if (!process.waitForFinished(timeoutSec * 1000)) {
        process.kill();
        qWarning("python %s did not finish in %d s", qPrintable(script), timeoutSec);
        return {};
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        qWarning("python %s failed (%d): %s", qPrintable(script), process.exitCode(),
                 process.readAllStandardError().constData());
        return {};
    }
    return process.readAllStandardOutput();
}

QByteArray runCli(const QStringList& args, int* exitCode, QByteArray* stdErr) {
    QProcess process;
    process.start(QStringLiteral(RESLAB_CLI), args);
    if (!process.waitForFinished(300 * 1000)) {
        process.kill();
        process.waitForFinished();
        if (exitCode)
            *exitCode = -1;
        return {};
    }
    if (exitCode)
        *exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
    if (stdErr)
        *stdErr = process.readAllStandardError();
    return process.readAllStandardOutput();
}

QString dtypeName(torch::ScalarType dtype) {
    switch (dtype) {
    case torch::kFloat:
        return "float32";
    case torch::kHalf:
        return "float16";
    case torch::kBFloat16:
        return "bfloat16";
    case torch::kDouble:
        return "float64";
    case torch::kLong:
        return "int64";
    case torch::kInt:
        return "int32";
    case torch::kByte:
        return "uint8";
    case torch::kBool:
        return "bool";
    default:
        return "other";
    }
}

// Compares a tensor with what Python printed for it: dtype, shape and every value, exactly.
bool sameTensor(const torch::Tensor& t, const QJsonObject& expected, QString* why) {
    if (!t.defined()) {
        *why = "undefined tensor";
        return false;
    }
    if (dtypeName(t.scalar_type()) != expected["dtype"].toString()) {
        *why = "dtype " + dtypeName(t.scalar_type()) + ", Python " + expected["dtype"].toString();
        return false;
    }
    const QJsonArray shape = expected["shape"].toArray();
    if (t.dim() != shape.size()) {
        *why = "rank differs";
        return false;
    }
    for (int d = 0; d < shape.size(); ++d) {
        if (t.size(d) != shape[d].toInteger()) {
            *why = QString("size %1 differs").arg(d);
            return false;
        }
    }
    const QJsonArray values = expected["values"].toArray();
    if (t.numel() != values.size()) {
        *why = "element count differs";
        return false;
    }
    const torch::Tensor flat = t.detach().flatten();
    for (int i = 0; i < values.size(); ++i) {
        bool same;
        if (t.is_floating_point())
            same = flat[i].item<double>() == values[i].toDouble();
        else if (t.scalar_type() == torch::kBool)
            same = flat[i].item<bool>() == values[i].toBool();
        else
            same = flat[i].item<int64_t>() == values[i].toInteger();
        if (!same) {
            *why = QString("element %1 differs").arg(i);
            return false;
        }
    }
    return true;
}

} // namespace reslab::test

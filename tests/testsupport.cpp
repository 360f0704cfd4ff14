#include "testsupport.h"

#include <QProcess>
#include <QtTest>

namespace reslab::test {

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

} // namespace reslab::test

// Data-parallel training (model/train/distributed, reslab-cli train --nproc) against PyTorch's
// own DistributedDataParallel on Gloo (tests/python/ddp_reference.py): the same initial weights
// (the run's snapshots/step-00000000.pth), data order, batch split and per-process BN. Also the
// sharding rule against torch.utils.data.DistributedSampler itself.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include "testsupport.h"
#include "train/distributed.h"

using namespace reslab;

namespace {

/// reslab-cli train on the fixture: resnet20, a constant rate, a record every step, the initial
/// weights kept for the reference.
QStringList trainArgs(const QString& data, const QString& out, int steps, int nproc) {
    return {"train",
            "--arch",
            "resnet20",
            "--dataset",
            "mnist",
            "--data-dir",
            data,
            "--steps",
            QString::number(steps),
            "--batch",
            "32",
            "--lr",
            "0.001",
            "--schedule",
            "constant",
            "--eval-every",
            "0",
            "--probe-every",
            "0",
            "--record-every",
            "1",
            "--snapshots",
            "1",
            "--seed",
            "3",
            "--quiet",
            "--nproc",
            QString::number(nproc),
            "--out",
            out};
}

QVector<double> recordedLosses(const QString& folder) {
    QFile file(folder + "/metrics.jsonl");
    QVector<double> losses;
    if (!file.open(QIODevice::ReadOnly))
        return losses;
    for (const QByteArray& line : file.readAll().split('\n')) {
        const QJsonObject record = QJsonDocument::fromJson(line).object();
        if (record.value("kind").toString() == "train")
            losses.push_back(record.value("loss").toDouble());
    }
    return losses;
}

} // namespace

class TestDistributed : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void samplerMatchesPyTorch();
    void matchesPyTorchDdp_data();
    void matchesPyTorchDdp();

private:
    QTemporaryDir m_dir;
    QString m_data;
};

void TestDistributed::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_data = m_dir.filePath("data");
    QVERIFY(QDir().mkpath(m_data));
    test::runPython("ddp_reference.py", {"data", m_data});
    QVERIFY(QFile::exists(m_data + "/train-images-idx3-ubyte"));
}

void TestDistributed::samplerMatchesPyTorch() {
    // torch.utils.data.DistributedSampler itself, padded (n not a multiple of world) and cut.
    const QByteArray out = test::runPython("ddp_reference.py", {"sampler", "10", "3", "7", "2"});
    const QJsonObject expected = QJsonDocument::fromJson(out).object();
    QVERIFY2(!expected.isEmpty(), out.constData());
    for (const bool drop_last : {false, true}) {
        for (int rank = 0; rank < 3; ++rank) {
            const QJsonArray want =
                expected.value(drop_last ? "drop_last" : "padded").toArray().at(rank).toArray();
            const torch::Tensor got =
                distributed_sampler_indices(10, 3, rank, /*seed=*/7, /*epoch=*/2, drop_last);
            QCOMPARE(got.size(0), static_cast<int64_t>(want.size()));
            for (int i = 0; i < want.size(); ++i)
                QCOMPARE(got[i].item<int64_t>(), static_cast<int64_t>(want.at(i).toInt()));
        }
    }
}

void TestDistributed::matchesPyTorchDdp_data() {
    QTest::addColumn<int>("nproc");
    QTest::addColumn<int>("steps");
    QTest::addColumn<double>("tolerance");
    // Two steps: the same numbers as PyTorch to float32 rounding (measured 2.4e-7 for 2
    // processes, 5.2e-7 for one). Twenty: each step amplifies float32 rounding differences about
    // threefold in this net (PyTorch against itself, channels-last against NCHW, differs by
    // 1.1e-3 in the parameters after 20 steps at this rate), so 1e-5 is out of reach of any two
    // implementations that round differently; the bound there is PyTorch's own spread, five times
    // below the gap between per-process BN over two halves and BN over the whole batch (5.8e-3).
    QTest::newRow("2 processes, 2 steps") << 2 << 2 << 1e-5;
    QTest::newRow("1 process, 2 steps") << 1 << 2 << 1e-5;
    QTest::newRow("2 processes, 20 steps") << 2 << 20 << 2e-3;
}

void TestDistributed::matchesPyTorchDdp() {
    QFETCH(int, nproc);
    QFETCH(int, steps);
    QFETCH(double, tolerance);
    const QString out = m_dir.filePath(QString("run-%1-%2").arg(nproc).arg(steps));
    int code = -1;
    QByteArray err;
    test::runCli(trainArgs(m_data, out, steps, nproc), &code, &err);
    QVERIFY2(code == 0, err.constData());
    const QByteArray json =
        test::runPython("ddp_reference.py", {"train", out, QString::number(nproc)});
    const QJsonObject reference = QJsonDocument::fromJson(json).object();
    QVERIFY2(!reference.isEmpty(), json.constData());

    const double diff = reference.value("max_abs_diff_params").toDouble(1.0);
    QVERIFY2(diff < tolerance, qPrintable(QString("parameters differ from PyTorch by %1 (%2)")
                                              .arg(diff)
                                              .arg(reference.value("worst").toString())));
    if (steps <= 2) {
        // Running statistics and counters too.
        QVERIFY2(reference.value("max_abs_diff").toDouble(1.0) < tolerance, json.constData());
        QVERIFY(reference.value("buffers_equal").toBool());
    }
    const QJsonArray expected = reference.value("losses").toArray();
    const QVector<double> losses = recordedLosses(out);
    QCOMPARE(losses.size(), expected.size());
    QCOMPARE(losses.size(), steps);
    for (int i = 0; i < losses.size(); ++i)
        QVERIFY2(std::abs(losses[i] - expected.at(i).toDouble()) < tolerance,
                 qPrintable(QString("step %1: loss %2, PyTorch %3")
                                .arg(i + 1)
                                .arg(losses[i], 0, 'g', 9)
                                .arg(expected.at(i).toDouble(), 0, 'g', 9)));
    // Rank 0 alone wrote the folder; a world of 2 differs from a world of 1 at the same global
    // batch only through BN over each half, as in PyTorch (the first step's loss: 2.4785 against
    // 2.4845), so the split is really tested.
    if (nproc == 2 && steps == 2) {
        const QByteArray single = test::runPython("ddp_reference.py", {"train", out, "1"});
        const double alone =
            QJsonDocument::fromJson(single).object().value("losses").toArray().at(0).toDouble();
        QVERIFY2(std::abs(alone - losses[0]) > 1e-3,
                 "one process and two give the same first loss: the batch was not split");
    }
}

QTEST_APPLESS_MAIN(TestDistributed)
#include "test_distributed.moc"

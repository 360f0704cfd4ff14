// The lesion study (Veit et al. 2016) on a tiny net trained in the test: the intact net scores its
// own test error, a removed residual block changes the logits exactly as silencing its branch does,
// plain blocks that change the shape are kept, and a study can be cancelled.
#include <QtTest>

#include <cmath>

#include "inspect/lesion.h"
#include "io/weights.h"
#include "testsupport.h"
#include "train/presets.h"
#include "train/run.h"

using namespace reslab;

namespace {

RunConfig tinyRun(const std::string& arch) {
    RunConfig c = test::smallRun(arch, 300, /*seed=*/5);
    c.train.synthetic_size = 768;
    c.train.schedule.kind = Schedule::Kind::Cosine; // annealed: a settled net on any CPU
    c.train.schedule.base_lr = 0.1;
    c.train.record_every = 10;
    c.train.eval_every = 300;
    c.train.probe_every = 0;
    c.train.checkpoint_every = 300;
    c.train.channels_last = false; // evaluation and the study then run the very same kernels
    return c;
}

/// Trains a run into folder and returns its last evaluation.
EvalRecord train(const RunConfig& config, const QString& folder) {
    Run run(config, load_run_data(config.train), folder.toStdString());
    while (!run.done())
        run.step();
    return run.last_eval();
}

} // namespace

class TestLesion : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_residual = m_dir.filePath(QStringLiteral("resnet20"));
        m_plain = m_dir.filePath(QStringLiteral("plain20"));
        m_residualEval = train(tinyRun("resnet20"), m_residual);
        m_plainEval = train(tinyRun("plain20"), m_plain);
        // The nets learned something, so removing blocks has something to break.
        qInfo("resnet20 test error %.3f, plain20 %.3f", m_residualEval.test_error,
              m_plainEval.test_error);
        QVERIFY2(m_residualEval.test_error < 0.5,
                 qPrintable(QString::number(m_residualEval.test_error)));
    }

    void intactNetScoresItsOwnTestError() {
        LesionSubject s = load_lesion_subject(m_residual.toStdString());
        LesionOptions o;
        o.max_images = 0; // the whole test split, as the run evaluated it
        o.random_counts = 2;
        o.random_trials = 1;
        const LesionResult r = lesion_study(*s.net, *s.test, o);
        QCOMPARE(r.images, s.test->size());
        QCOMPARE(r.baseline_error, m_residualEval.test_error);
        QCOMPARE(static_cast<int>(r.blocks.size()), 9);
        QCOMPARE(r.blocks.front(), std::string("layer1.0"));
        QCOMPARE(r.blocks.back(), std::string("layer3.2"));
        for (size_t i = 0; i < r.blocks.size(); ++i) {
            QVERIFY(r.removable[i]); // a residual block always keeps its shortcut
            QVERIFY(std::isfinite(r.error_without[i]));
        }
        QCOMPARE(r.removed_counts, (std::vector<int>{1, 9}));
        QCOMPARE(r.random_mean.size(), size_t(2));
    }

    void removedBlockEqualsSilencedBranch_data() {
        QTest::addColumn<int>("block");
        QTest::newRow("layer1.1 (identity shortcut)") << 1;
        QTest::newRow("layer2.0 (option A, padded)") << 3;
        QTest::newRow("layer3.2 (last)") << 8;
    }
    void removedBlockEqualsSilencedBranch() {
        QFETCH(int, block);
        LesionSubject lesioned = load_lesion_subject(m_residual.toStdString());
        LesionSubject silenced = load_lesion_subject(m_residual.toStdString());
        lesioned.net->eval();
        silenced.net->eval();
        // A branch whose last BN has zero scale and shift outputs exactly zero, so the block adds
        // nothing to its shortcut: an independent way to take the branch out.
        auto* basic =
            dynamic_cast<BasicBlockImpl*>(silenced.net->blocks()[static_cast<size_t>(block)].get());
        QVERIFY(basic);
        {
            torch::NoGradGuard no_grad;
            basic->bn2->weight.zero_();
            basic->bn2->bias.zero_();
        }
        torch::NoGradGuard no_grad;
        const torch::Tensor x =
            torch::randn({16, 1, 14, 14}, torch::TensorOptions().dtype(torch::kFloat32));
        std::vector<bool> removed(9, false);
        removed[static_cast<size_t>(block)] = true;
        const torch::Tensor a = lesioned.net->forward_lesioned(x, removed);
        const torch::Tensor b = silenced.net->forward(x);
        const torch::Tensor intact = lesioned.net->forward(x);
        QVERIFY2(torch::allclose(a, b, 1e-5, 1e-6),
                 qPrintable(QString::number((a - b).abs().max().item<double>())));
        QVERIFY((a - intact).abs().max().item<double>() > 1e-4); // removing it did change something
    }

    void plainBlocksThatReshapeAreKept() {
        LesionSubject s = load_lesion_subject(m_plain.toStdString());
        LesionOptions o;
        o.max_images = 200;
        o.random_trials = 2;
        const LesionResult r = lesion_study(*s.net, *s.test, o);
        // plain-20: layer2.0 and layer3.0 halve the map and double the channels.
        for (size_t i = 0; i < r.blocks.size(); ++i) {
            const bool reshapes = r.blocks[i] == "layer2.0" || r.blocks[i] == "layer3.0";
            QCOMPARE(bool(r.removable[i]), !reshapes);
            QCOMPARE(std::isnan(r.error_without[i]), reshapes);
        }
        QCOMPARE(r.removed_counts.back(), 7);
        std::vector<bool> removed(9, false);
        removed[3] = true;
        torch::NoGradGuard no_grad;
        QVERIFY_THROWS_EXCEPTION(std::logic_error,
                                 s.net->forward_lesioned(torch::zeros({1, 1, 14, 14}), removed));
    }

    void cancelStopsEarly() {
        LesionSubject s = load_lesion_subject(m_residual.toStdString());
        LesionOptions o;
        o.max_images = 100;
        int calls = 0;
        std::vector<bool> seenRemoved;
        const LesionResult r = lesion_study(
            *s.net, *s.test, o, [&](int done, int total, const std::vector<bool>& removed) {
                ++calls;
                if (done == 2)
                    seenRemoved = removed;
                return total > 0 && done < 3;
            });
        QVERIFY(r.cancelled);
        QCOMPARE(calls, 4);
        // The third evaluation removes the second block alone: what the block graph greys out.
        QCOMPARE(seenRemoved,
                 (std::vector<bool>{false, true, false, false, false, false, false, false, false}));
    }

    void folderWithoutCheckpointIsRefused() {
        QTemporaryDir empty;
        try {
            (void)load_lesion_subject(empty.path().toStdString());
            QFAIL("an empty folder was accepted");
        } catch (const std::exception& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(QStringLiteral("spec.json")),
                     e.what());
        }
        QTemporaryDir noCheckpoint;
        QFile::copy(m_residual + QStringLiteral("/spec.json"),
                    noCheckpoint.filePath(QStringLiteral("spec.json")));
        try {
            (void)load_lesion_subject(noCheckpoint.path().toStdString());
            QFAIL("a folder without a checkpoint was accepted");
        } catch (const std::exception& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(QStringLiteral("checkpoint")),
                     e.what());
        }
    }

private:
    QTemporaryDir m_dir;
    QString m_residual, m_plain;
    EvalRecord m_residualEval, m_plainEval;
};

QTEST_APPLESS_MAIN(TestLesion)
#include "test_lesion.moc"

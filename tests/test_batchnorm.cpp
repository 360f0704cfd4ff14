// ResLab's channels-last batch norm against LibTorch's own (torch::nn::BatchNorm2d, the C++ twin of
// PyTorch's) computed in float64: the same output, gradients and running statistics within float32
// rounding, for channel counts that fill a tile and for ones that do not; the same bits on one
// thread and on two; LibTorch's own path wherever ours does not apply; and the synchronised batch
// norm (SyncBatchNormScope) of two ranks on half a batch each against LibTorch's on the whole.
// The batch norm with its ReLU in one kernel (batch_norm_relu), and with a residual sum before the
// ReLU (batch_norm_add_relu), give the same bits as the operations apart, alone and inside whole
// nets, plain and residual, basic and bottleneck. A net of grey images stored channels-last runs
// every one of its batch norms on ResLab's kernel, the first one too.
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/function.h>

#include "nets/batchnorm.h"
#include "nets/resnet.h"
#include "testsupport.h"

using namespace reslab;

namespace {

struct Result {
    torch::Tensor y, dx, dw, db, running_mean, running_var, tracked;
    torch::Tensor didentity; // the residual's gradient, where there is one
};

/// A BatchNorm2d of c channels in training mode, its weight in [0.5, 1.5] and its bias in
/// [-0.5, 0.5] (about half of the normalised values then fall below 0).
torch::nn::BatchNorm2d trainingBatchNorm(int64_t c) {
    torch::nn::BatchNorm2d bn(c);
    {
        torch::NoGradGuard no_grad;
        bn->weight.uniform_(0.5, 1.5);
        bn->bias.uniform_(-0.5, 0.5);
    }
    bn->train();
    return bn;
}

/// The parameters' gradients and the running statistics of bn, into r.
void readBack(const torch::nn::BatchNorm2d& bn, Result& r) {
    r.dw = bn->weight.grad().clone();
    r.db = bn->bias.grad().clone();
    r.running_mean = bn->running_mean.clone();
    r.running_var = bn->running_var.clone();
    r.tracked = bn->num_batches_tracked.clone();
}

/// Two training steps of a BatchNorm2d: ResLab's kernel (own), or LibTorch's in float64.
Result run(bool own, int64_t n, int64_t c, int64_t h, int64_t w, int steps = 2) {
    torch::manual_seed(static_cast<uint64_t>(c * 1000 + h));
    torch::nn::BatchNorm2d bn = trainingBatchNorm(c);
    const auto dtype = own ? torch::kFloat32 : torch::kFloat64;
    Result r;
    for (int s = 0; s < steps; ++s) {
        // A mean far from zero against its spread, where a one-pass variance would lose digits.
        torch::Tensor x =
            (torch::randn({n, c, h, w}) * 0.5 + 3.0).contiguous(torch::MemoryFormat::ChannelsLast);
        const torch::Tensor g =
            torch::randn({n, c, h, w}).contiguous(torch::MemoryFormat::ChannelsLast).to(dtype);
        x = x.to(dtype).requires_grad_(true);
        if (s == 0)
            bn->to(dtype);
        bn->zero_grad();
        r.y = own ? batch_norm(bn, x) : bn->forward(x);
        r.y.backward(g);
        r.dx = x.grad();
    }
    readBack(bn, r);
    for (torch::Tensor* t : {&r.y, &r.dx, &r.dw, &r.db, &r.running_mean, &r.running_var})
        *t = t->to(torch::kFloat64);
    return r;
}

/// Two training steps of ResLab's batch norm followed by a ReLU, with a residual added before it
/// or not: in one kernel (fused), or batch_norm and then LibTorch's + and torch::relu.
Result runWithRelu(bool fused, bool residual, int64_t n, int64_t c, int64_t side) {
    torch::manual_seed(static_cast<uint64_t>(c * 1000 + side));
    torch::nn::BatchNorm2d bn = trainingBatchNorm(c);
    Result r;
    for (int s = 0; s < 2; ++s) {
        const auto cl = torch::MemoryFormat::ChannelsLast;
        const torch::Tensor x =
            (torch::randn({n, c, side, side}) * 0.5 + 3.0).contiguous(cl).requires_grad_(true);
        const torch::Tensor g = torch::randn({n, c, side, side}).contiguous(cl);
        const torch::Tensor identity =
            (torch::randn({n, c, side, side}) * 0.5).contiguous(cl).requires_grad_(true);
        bn->zero_grad();
        if (!residual)
            r.y = fused ? batch_norm_relu(bn, x) : torch::relu(batch_norm(bn, x));
        else
            r.y = fused ? batch_norm_add_relu(bn, x, identity)
                        : torch::relu(batch_norm(bn, x) + identity);
        r.y.backward(g);
        r.dx = x.grad();
        r.didentity = residual ? identity.grad() : torch::Tensor();
    }
    readBack(bn, r);
    return r;
}

/// The rows of the fused kernels' tests: with and without the residual sum, the preset's sizes,
/// a tile that is not a multiple of the vectors' width, and a batch that ends inside a tile.
void addReluRows() {
    QTest::addColumn<bool>("residual");
    QTest::addColumn<int>("n");
    QTest::addColumn<int>("c");
    QTest::addColumn<int>("side");
    for (const bool residual : {false, true}) {
        const QByteArray sum = residual ? "bn + identity, " : "";
        QTest::newRow(sum + "plain-56's first stage: 8 channels at 14 x 14")
            << residual << 128 << 8 << 14;
        QTest::newRow(sum + "32 channels at 4 x 4") << residual << 32 << 32 << 4;
        QTest::newRow(sum + "3 channels, a tile of 66 floats") << residual << 16 << 3 << 5;
        QTest::newRow(sum + "a batch that ends inside a tile") << residual << 3 << 24 << 3;
    }
}

/// Whether two results are the same bits, field by field; names the first that differs.
QString sameBits(const Result& a, const Result& b) {
    const std::pair<const char*, torch::Tensor Result::*> fields[] = {
        {"y", &Result::y},
        {"dx", &Result::dx},
        {"dw", &Result::dw},
        {"db", &Result::db},
        {"running_mean", &Result::running_mean},
        {"running_var", &Result::running_var},
        {"didentity", &Result::didentity}};
    for (const auto& [name, field] : fields) {
        const torch::Tensor &x = a.*field, &y = b.*field;
        if (x.defined() != y.defined() || (x.defined() && !torch::equal(x, y)))
            return QString::fromLatin1(name);
    }
    return {};
}

/// A net's logits and every parameter's gradient after one training step on a fixed batch,
/// traced (every batch norm's output recorded before its ReLU, so no fused kernel) or not.
std::vector<torch::Tensor> stepOf(const ResNetSpec& spec, bool traced) {
    ResNet net = build_seeded(spec, 3);
    use_channels_last(*net);
    net->train();
    torch::manual_seed(11);
    const torch::Tensor x = channels_last(torch::randn({16, spec.in_channels, 14, 14}));
    const torch::Tensor target = torch::randint(spec.classes, {16});
    NetTrace trace;
    const torch::Tensor logits = traced ? net->forward_traced(x, trace) : net->forward(x);
    torch::cross_entropy_loss(logits, target).backward();
    std::vector<torch::Tensor> out{logits.detach()};
    for (const auto& p : net->parameters())
        out.push_back(p.grad().clone());
    for (const auto& b : net->buffers())
        out.push_back(b.clone());
    return out;
}

bool close(const torch::Tensor& a, const torch::Tensor& b, double rtol, double atol, QString* why) {
    if (torch::allclose(a, b, rtol, atol))
        return true;
    *why = QStringLiteral("largest difference %1").arg((a - b).abs().max().item<double>());
    return false;
}

/// Two ranks as two threads of this process: all_reduce_sum waits for both and gives each the sum.
struct TwoRanks {
    std::mutex mutex;
    std::condition_variable done;
    int arrived = 0;
    int64_t generation = 0;
    torch::Tensor sum, result;

    struct Rank : BatchNormReducer {
        TwoRanks* ranks = nullptr;
        int reductions = 0;
        void all_reduce_sum(torch::Tensor& t) override {
            ++reductions;
            std::unique_lock<std::mutex> lock(ranks->mutex);
            const int64_t mine = ranks->generation;
            ranks->sum = ranks->arrived == 0 ? t.clone() : ranks->sum + t;
            if (++ranks->arrived == 2) {
                ranks->result = ranks->sum;
                ranks->arrived = 0;
                ++ranks->generation;
                ranks->done.notify_all();
            } else {
                ranks->done.wait(lock, [&] { return ranks->generation != mine; });
            }
            t.copy_(ranks->result);
        }
    };
};

} // namespace

class TestBatchNorm : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sameAsLibTorch_data() {
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("c");
        QTest::addColumn<int>("side");
        QTest::newRow("plain-56's first stage: 8 channels at 14 x 14") << 128 << 8 << 14;
        QTest::newRow("16 channels at 7 x 7") << 64 << 16 << 7;
        QTest::newRow("32 channels at 4 x 4") << 32 << 32 << 4;
        QTest::newRow("3 channels, a tile of 66 floats") << 16 << 3 << 5;
        QTest::newRow("a batch that ends inside a tile") << 3 << 24 << 3;
        QTest::newRow("one image of 1 x 2") << 1 << 5 << 2;
    }
    void sameAsLibTorch() {
        QFETCH(int, n);
        QFETCH(int, c);
        QFETCH(int, side);
        const int w = side == 2 ? 1 : side;
        const Result theirs = run(false, n, c, side, w), ours = run(true, n, c, side, w);
        QString why;
        // float32 inputs and outputs: a few units in the last place of values near 1 to 10, and of
        // sums over up to 25k elements for the parameters' gradients.
        QVERIFY2(close(ours.y, theirs.y, 1e-5, 1e-5, &why), qPrintable("output: " + why));
        QVERIFY2(close(ours.dx, theirs.dx, 1e-4, 1e-5, &why), qPrintable("input gradient: " + why));
        QVERIFY2(close(ours.dw, theirs.dw, 1e-4, 1e-3, &why),
                 qPrintable("weight gradient: " + why));
        QVERIFY2(close(ours.db, theirs.db, 1e-4, 1e-3, &why), qPrintable("bias gradient: " + why));
        QVERIFY2(close(ours.running_mean, theirs.running_mean, 1e-6, 1e-6, &why),
                 qPrintable("running mean: " + why));
        QVERIFY2(close(ours.running_var, theirs.running_var, 1e-5, 1e-6, &why),
                 qPrintable("running var: " + why));
        QCOMPARE(ours.tracked.item<int64_t>(), theirs.tracked.item<int64_t>());
        QVERIFY(ours.y.is_contiguous(torch::MemoryFormat::ChannelsLast));
    }

    void sameBitsOnOneAndTwoThreads() {
        const int before = at::get_num_threads();
        at::set_num_threads(1);
        const Result one = run(true, 128, 8, 14, 14);
        at::set_num_threads(2);
        const Result two = run(true, 128, 8, 14, 14);
        at::set_num_threads(before);
        QVERIFY(torch::equal(one.y, two.y));
        QVERIFY(torch::equal(one.dx, two.dx));
        QVERIFY(torch::equal(one.dw, two.dw));
        QVERIFY(torch::equal(one.running_var, two.running_var));
    }

    void fusedReluSameBitsAsApart_data() { addReluRows(); }
    void fusedReluSameBitsAsApart() {
        QFETCH(bool, residual);
        QFETCH(int, n);
        QFETCH(int, c);
        QFETCH(int, side);
        const Result apart = runWithRelu(false, residual, n, c, side),
                     fused = runWithRelu(true, residual, n, c, side);
        // The ReLU must have had something to cut, and its backward something to mask.
        const double zeros = (apart.y == 0).to(torch::kFloat64).mean().item<double>();
        QVERIFY2(zeros > 0.2 && zeros < 0.8, qPrintable(QString::number(zeros)));
        QVERIFY(torch::equal(fused.y, apart.y));
        QVERIFY(torch::equal(fused.dx, apart.dx));
        QVERIFY(torch::equal(fused.dw, apart.dw));
        QVERIFY(torch::equal(fused.db, apart.db));
        QVERIFY(torch::equal(fused.running_mean, apart.running_mean));
        QVERIFY(torch::equal(fused.running_var, apart.running_var));
        QCOMPARE(fused.tracked.item<int64_t>(), apart.tracked.item<int64_t>());
        QVERIFY(fused.y.is_contiguous(torch::MemoryFormat::ChannelsLast));
        QCOMPARE(fused.didentity.defined(), residual);
        if (residual)
            QVERIFY(torch::equal(fused.didentity, apart.didentity));
    }

    void avx2LoopsSameBitsAsSse2_data() { addReluRows(); }
    void avx2LoopsSameBitsAsSse2() {
        // The kernel's loops compiled for AVX2 and for SSE2 (batchnorm_kernels.inc) must give the
        // same bits, forward and backward, fused or not: a run's numbers may not depend on which
        // the processor takes.
        QFETCH(bool, residual);
        QFETCH(int, n);
        QFETCH(int, c);
        QFETCH(int, side);
        if (!set_batch_norm_avx2(true))
            QSKIP("this processor has no AVX2: only the SSE2 loops run here");
        QVERIFY(batch_norm_avx2());
        const Result wide = runWithRelu(true, residual, n, c, side);
        const Result wideAlone = run(true, n, c, side, side);
        set_batch_norm_avx2(false);
        const bool held = !batch_norm_avx2();
        const Result narrow = runWithRelu(true, residual, n, c, side);
        const Result narrowAlone = run(true, n, c, side, side);
        set_batch_norm_avx2(true);
        QVERIFY(held);
        QVERIFY2(sameBits(wide, narrow).isEmpty(), qPrintable(sameBits(wide, narrow)));
        QVERIFY2(sameBits(wideAlone, narrowAlone).isEmpty(),
                 qPrintable(sameBits(wideAlone, narrowAlone)));
    }

    void fusedReluInsideNets_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("bottleneck");
        for (const char* name : {"resnet20", "plain20"}) {
            QTest::newRow(name) << QString::fromLatin1(name) << false;
            QTest::newRow(qPrintable(QStringLiteral("%1, bottleneck").arg(QLatin1String(name))))
                << QString::fromLatin1(name) << true;
        }
    }
    void fusedReluInsideNets() {
        // A traced forward keeps each batch norm's output before its ReLU, and so takes the two
        // apart; an untraced one fuses them. The step must come out the same to the bit.
        QFETCH(QString, name);
        QFETCH(bool, bottleneck);
        ResNetSpec spec = named_spec(name.toStdString());
        spec.in_channels = 1;
        spec.widths = {8, 16, 32};
        spec.stem_width = 8;
        spec.blocks = {2, 1, 1};
        if (bottleneck)
            spec.block = BlockKind::Bottleneck;
        const std::vector<torch::Tensor> apart = stepOf(spec, true), fused = stepOf(spec, false);
        QCOMPARE(fused.size(), apart.size());
        for (size_t i = 0; i < fused.size(); ++i)
            QVERIFY2(
                torch::equal(fused[i], apart[i]),
                qPrintable(QStringLiteral("tensor %1 of %2 differs").arg(i).arg(fused.size())));
    }

    void syncedOverTwoRanksIsOneBatch_data() {
        QTest::addColumn<bool>("channelsLast");
        QTest::newRow("channels-last (the tiled kernels)") << true;
        QTest::newRow("NCHW (float64 torch ops)") << false;
    }
    void syncedOverTwoRanksIsOneBatch() {
        // SyncBatchNormScope: two ranks, each on half of a batch, against LibTorch's BatchNorm2d
        // on the whole batch in float64. The loss is sum(y * g), so each rank's dy is its rows
        // of g: its input gradient must be the whole batch's rows, the two ranks' weight and
        // bias gradients must add up to the whole batch's, and each rank's running statistics
        // must be the whole batch's.
        QFETCH(bool, channelsLast);
        constexpr int64_t n = 16, c = 12, side = 5;
        torch::manual_seed(7);
        const torch::Tensor x = torch::randn({n, c, side, side}) * 0.7 + 2.0;
        const torch::Tensor g = torch::randn({n, c, side, side});
        const torch::Tensor weight = torch::rand({c}) + 0.5, bias = torch::rand({c}) - 0.5;

        torch::nn::BatchNorm2d full(c);
        full->to(torch::kFloat64);
        {
            torch::NoGradGuard no_grad;
            full->weight.copy_(weight);
            full->bias.copy_(bias);
        }
        full->train();
        const torch::Tensor xf = x.to(torch::kFloat64).requires_grad_(true);
        const torch::Tensor yf = full->forward(xf);
        (yf * g.to(torch::kFloat64)).sum().backward();

        TwoRanks ranks;
        struct Out {
            torch::Tensor y, dx, dw, db, mean, var;
            int reductions = 0;
        } out[2];
        std::thread threads[2];
        for (int r = 0; r < 2; ++r)
            threads[r] = std::thread([&, r] {
                torch::nn::BatchNorm2d bn(c);
                {
                    torch::NoGradGuard no_grad;
                    bn->weight.copy_(weight);
                    bn->bias.copy_(bias);
                }
                bn->train();
                TwoRanks::Rank rank;
                rank.ranks = &ranks;
                torch::Tensor xr = x.narrow(0, r * n / 2, n / 2).clone();
                if (channelsLast)
                    xr = xr.contiguous(torch::MemoryFormat::ChannelsLast);
                xr.requires_grad_(true);
                torch::Tensor y;
                {
                    SyncBatchNormScope sync(&rank);
                    y = batch_norm(bn, xr);
                }
                (y * g.narrow(0, r * n / 2, n / 2)).sum().backward();
                out[r] = {y.detach(),
                          xr.grad(),
                          bn->weight.grad(),
                          bn->bias.grad(),
                          bn->running_mean.clone(),
                          bn->running_var.clone(),
                          rank.reductions};
            });
        for (auto& t : threads)
            t.join();
        QString why;
        const auto d = [](const torch::Tensor& t) { return t.to(torch::kFloat64); };
        for (int r = 0; r < 2; ++r) {
            QCOMPARE(out[r].reductions, 3); // count and sum, squared deviations, backward's sums
            QVERIFY2(close(d(out[r].y), yf.detach().narrow(0, r * n / 2, n / 2), 0, 1e-5, &why),
                     qPrintable("output: " + why));
            QVERIFY2(close(d(out[r].dx), xf.grad().narrow(0, r * n / 2, n / 2), 0, 1e-5, &why),
                     qPrintable("input gradient: " + why));
            QVERIFY2(close(d(out[r].mean), full->running_mean, 0, 1e-6, &why),
                     qPrintable("running mean: " + why));
            QVERIFY2(close(d(out[r].var), full->running_var, 0, 1e-6, &why),
                     qPrintable("running var: " + why));
        }
        QVERIFY2(close(d(out[0].dw + out[1].dw), full->weight.grad(), 0, 1e-4, &why),
                 qPrintable("weight gradient: " + why));
        QVERIFY2(close(d(out[0].db + out[1].db), full->bias.grad(), 0, 1e-4, &why),
                 qPrintable("bias gradient: " + why));
    }

    void greyNetRunsEveryBatchNormOnItsOwnKernel_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("plain20") << QStringLiteral("plain20");
        QTest::newRow("resnet20") << QStringLiteral("resnet20");
    }
    void greyNetRunsEveryBatchNormOnItsOwnKernel() {
        // A batch of one channel is contiguous in both formats to LibTorch, and so is the first
        // convolution's weight: made channels-last by contiguous() alone they keep NCHW strides,
        // the first convolution answers in NCHW, and its batch norm falls back to LibTorch's.
        QFETCH(QString, name);
        ResNetSpec spec = named_spec(name.toStdString());
        spec.in_channels = 1;
        spec.widths = {8, 16, 32};
        spec.stem_width = 8;
        ResNet net = build_seeded(spec, 3);
        use_channels_last(*net);
        net->train();
        const torch::Tensor grey = torch::randn({8, 1, 14, 14});
        const torch::Tensor x = channels_last(grey);
        QCOMPARE(x.stride(1), int64_t{1});
        QVERIFY(torch::equal(x, grey));
        // Channels-last in order but with gaps (a slice): copied dense.
        const torch::Tensor sliced = torch::randn({8, 3, 6, 6})
                                         .contiguous(torch::MemoryFormat::ChannelsLast)
                                         .narrow(2, 0, 3);
        QVERIFY(channels_last(sliced).is_contiguous(torch::MemoryFormat::ChannelsLast));
        QVERIFY(torch::equal(channels_last(sliced), sliced));
        QCOMPARE(net->conv1->weight.stride(1), int64_t{1});
        int batchNorms = 0;
        for (const auto& m : net->modules(/*include_self=*/false))
            if (m->as<torch::nn::BatchNorm2d>())
                ++batchNorms;

        // The batch restrided, and as contiguous() leaves it: the weight's strides decide then.
        for (const torch::Tensor& input : {x, grey.contiguous(torch::MemoryFormat::ChannelsLast)}) {
            std::map<std::string, int> nodes; // every node of the backward graph, by name
            const torch::Tensor logits = net->forward(input); // holds the graph
            std::vector<torch::autograd::Node*> todo{logits.grad_fn().get()};
            std::set<torch::autograd::Node*> seen;
            while (!todo.empty()) {
                torch::autograd::Node* node = todo.back();
                todo.pop_back();
                if (!node || !seen.insert(node).second)
                    continue;
                ++nodes[node->name()];
                for (const auto& edge : node->next_edges())
                    todo.push_back(edge.function.get());
            }
            int ours = 0;
            for (const auto& [nodeName, count] : nodes) {
                QVERIFY2(nodeName.find("NativeBatchNorm") == std::string::npos,
                         qPrintable(QStringLiteral("%1 of LibTorch's batch norms in the graph, "
                                                   "input strides %2")
                                        .arg(count)
                                        .arg(QString::fromStdString(c10::str(input.strides())))));
                if (nodeName.find("ChannelsLastBatchNorm") != std::string::npos)
                    ours += count;
            }
            QCOMPARE(ours, batchNorms);
        }
    }

    void libTorchsPathElsewhere() {
        torch::nn::BatchNorm2d bn(8);
        const torch::Tensor cl =
            torch::randn({4, 8, 5, 5}).contiguous(torch::MemoryFormat::ChannelsLast);
        QVERIFY(uses_own_batch_norm(bn, cl));
        QVERIFY(!uses_own_batch_norm(bn, torch::randn({4, 8, 5, 5}))); // NCHW
        QVERIFY(!uses_own_batch_norm(bn, cl.to(torch::kBFloat16)));    // autocast's
        bn->eval(); // running statistics: LibTorch's, as the parity tests with torchvision need
        QVERIFY(!uses_own_batch_norm(bn, cl));
        QVERIFY(torch::equal(batch_norm(bn, cl), bn->forward(cl)));
    }
};

QTEST_APPLESS_MAIN(TestBatchNorm)
#include "test_batchnorm.moc"

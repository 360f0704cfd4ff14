// FlatSGD against LibTorch's own torch::optim::SGD (the C++ twin of torch.optim.SGD) on the same
// net, data and learning rates: the same weights after several steps, for plain, momentum, weight
// decay and Nesterov settings; the parameters and gradients stay views of the flat buffers through
// backward; momentum saved and loaded continues the same.
#include <torch/nn/functional/loss.h>
#include <torch/optim/sgd.h>

#include "nets/resnet.h"
#include "testsupport.h"
#include "train/optimizer.h"

using namespace reslab;

namespace {

ResNet smallNet() {
    ResNetSpec spec = named_spec("resnet20");
    spec.in_channels = 1;
    spec.classes = 10;
    spec.stem_width = 8;
    spec.widths = {8, 16, 32};
    torch::manual_seed(11);
    ResNet net(spec);
    torch::NoGradGuard no_grad;
    for (auto& p : net->parameters())
        if (p.dim() == 4)
            p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
    return net;
}

void copyWeights(ResNet& from, ResNet& to) {
    torch::NoGradGuard no_grad;
    auto a = from->parameters(), b = to->parameters();
    for (size_t i = 0; i < a.size(); ++i)
        b[i].copy_(a[i]);
    auto x = from->buffers(), y = to->buffers();
    for (size_t i = 0; i < x.size(); ++i)
        y[i].copy_(x[i]);
}

torch::Tensor lossOf(ResNet& net, int step) {
    torch::manual_seed(100 + step);
    const torch::Tensor x =
        torch::randn({16, 1, 12, 12}).contiguous(torch::MemoryFormat::ChannelsLast);
    const torch::Tensor y = torch::randint(0, 10, {16}, torch::kInt64);
    return torch::nn::functional::cross_entropy(net->forward(x), y);
}

constexpr double kLrs[] = {0.1, 0.05, 0.2, 0.01, 0.1, 0.03};

} // namespace

class TestOptimizer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sameStepsAsLibTorchSgd_data() {
        QTest::addColumn<double>("momentum");
        QTest::addColumn<double>("weightDecay");
        QTest::addColumn<bool>("nesterov");
        QTest::newRow("plain") << 0.0 << 0.0 << false;
        QTest::newRow("momentum") << 0.9 << 0.0 << false;
        QTest::newRow("momentum and decay (the paper's)") << 0.9 << 1e-4 << false;
        QTest::newRow("Nesterov") << 0.9 << 5e-4 << true;
    }
    void sameStepsAsLibTorchSgd() {
        QFETCH(double, momentum);
        QFETCH(double, weightDecay);
        QFETCH(bool, nesterov);
        ResNet reference = smallNet(), flat = smallNet();
        copyWeights(reference, flat);
        torch::optim::SGD sgd(reference->parameters(), torch::optim::SGDOptions(0.1)
                                                           .momentum(momentum)
                                                           .weight_decay(weightDecay)
                                                           .nesterov(nesterov));
        FlatSGD ours(flat->parameters(), momentum, weightDecay, nesterov);
        for (int step = 0; step < 6; ++step) {
            static_cast<torch::optim::SGDOptions&>(sgd.param_groups()[0].options()).lr(kLrs[step]);
            sgd.zero_grad();
            lossOf(reference, step).backward();
            sgd.step();
            ours.zero_grad();
            lossOf(flat, step).backward();
            ours.step(kLrs[step]);
        }
        const auto a = reference->named_parameters(), b = flat->named_parameters();
        QCOMPARE(a.size(), b.size());
        double worst = 0.0;
        for (size_t i = 0; i < a.size(); ++i) {
            // The same arithmetic; only the rounding of vectorised and scalar lanes may differ.
            QVERIFY2(torch::allclose(a[i].value(), b[i].value(), 1e-5, 1e-7), a[i].key().c_str());
            worst = std::max(worst, (a[i].value() - b[i].value()).abs().max().item<double>());
        }
        qInfo("largest difference from torch::optim::SGD after 6 steps: %g", worst);
        // The steps changed the weights, so the comparison says something.
        ResNet untrained = smallNet();
        QVERIFY(!torch::allclose(untrained->fc->weight, flat->fc->weight));
    }

    void parametersAndGradientsStayViewsOfOneBuffer() {
        ResNet net = smallNet();
        FlatSGD sgd(net->parameters(), 0.9, 1e-4, false);
        for (int step = 0; step < 2; ++step) {
            sgd.zero_grad();
            lossOf(net, step).backward();
            sgd.step(0.1);
        }
        auto params = net->parameters();
        int64_t total = 0;
        for (const auto& p : params)
            total += p.numel();
        const auto* base = params.front().data_ptr<float>();
        const auto* gradBase = params.front().grad().data_ptr<float>();
        for (const auto& p : params) {
            QVERIFY(p.data_ptr<float>() >= base && p.data_ptr<float>() + p.numel() <= base + total);
            QVERIFY(p.grad().data_ptr<float>() >= gradBase &&
                    p.grad().data_ptr<float>() + p.numel() <= gradBase + total);
            if (p.dim() == 4) // channels-last stays channels-last
                QVERIFY(p.is_contiguous(torch::MemoryFormat::ChannelsLast));
        }
        QCOMPARE(params.front().storage().nbytes(), size_t(total) * sizeof(float));
    }

    void savedMomentumContinuesTheSame() {
        ResNet a = smallNet(), b = smallNet();
        FlatSGD first(a->parameters(), 0.9, 1e-4, false);
        for (int step = 0; step < 3; ++step) {
            first.zero_grad();
            lossOf(a, step).backward();
            first.step(0.1);
        }
        copyWeights(a, b);
        FlatSGD second(b->parameters(), 0.9, 1e-4, false);
        std::vector<torch::Tensor> saved;
        for (size_t i = 0; i < first.size(); ++i)
            saved.push_back(first.momentum(i).clone());
        second.set_momentum(saved);
        for (int step = 3; step < 5; ++step) {
            first.zero_grad();
            lossOf(a, step).backward();
            first.step(0.1);
            second.zero_grad();
            lossOf(b, step).backward();
            second.step(0.1);
        }
        const auto pa = a->parameters(), pb = b->parameters();
        for (size_t i = 0; i < pa.size(); ++i)
            QVERIFY(torch::equal(pa[i], pb[i]));
        saved.pop_back();
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, second.set_momentum(saved));
    }
};

QTEST_APPLESS_MAIN(TestOptimizer)
#include "test_optimizer.moc"

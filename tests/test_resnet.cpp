#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "io/weights.h"
#include "nets/resnet.h"
#include "testsupport.h"

using namespace reslab;

namespace {

std::vector<int64_t> toShape(const QJsonArray& array) {
    std::vector<int64_t> shape;
    for (const auto& v : array)
        shape.push_back(v.toInteger());
    return shape;
}

} // namespace

class TestResNet : public QObject {
    Q_OBJECT
private:
    QJsonObject m_reference; // torchvision's keys and counts, made once by Python

private Q_SLOTS:
    void initTestCase() {
        const QByteArray out =
            test::runPython("nets_reference.py", {"resnet18", "resnet34", "resnet50"});
        QVERIFY2(!out.isEmpty(), "the torchvision reference script failed");
        m_reference = QJsonDocument::fromJson(out).object();
        QVERIFY(m_reference.contains("keys"));
    }

    void parameterCount_data() {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<qint64>("params");
        // torchvision's published counts.
        QTest::newRow("resnet18") << "resnet18" << qint64(11689512);
        QTest::newRow("resnet34") << "resnet34" << qint64(21797672);
        QTest::newRow("resnet50") << "resnet50" << qint64(25557032);
        QTest::newRow("resnet101") << "resnet101" << qint64(44549160);
        QTest::newRow("resnet152") << "resnet152" << qint64(60192808);
        // The CIFAR reproductions' published counts (option A, 3 channels, 10 classes).
        QTest::newRow("resnet20") << "resnet20" << qint64(269722);
        QTest::newRow("resnet32") << "resnet32" << qint64(464154);
        QTest::newRow("resnet44") << "resnet44" << qint64(658586);
        QTest::newRow("resnet56") << "resnet56" << qint64(853018);
        QTest::newRow("resnet110") << "resnet110" << qint64(1727962);
    }
    void parameterCount() {
        QFETCH(QString, arch);
        QFETCH(qint64, params);
        ResNet net(named_spec(arch.toStdString()));
        QCOMPARE(parameter_count(*net), params);
        // The count from the spec alone, which bounds a spec before anything is built, is the
        // same, for the net, its plain twin, and the other shortcut options.
        QCOMPARE(static_cast<qint64>(net->spec().parameters()), params);
        for (const Shortcut option : {Shortcut::A, Shortcut::B, Shortcut::C})
            for (const bool residual : {true, false}) {
                ResNetSpec spec = net->spec();
                spec.shortcut = option;
                spec.residual = residual;
                spec.blocks = {1, 2, 1};
                spec.widths = {8, 16, 32};
                QCOMPARE(static_cast<qint64>(spec.parameters()),
                         static_cast<qint64>(parameter_count(*ResNet(spec))));
            }
        // Option A adds no parameters, so the plain twin of a CIFAR net has the same count.
        if (net->spec().shortcut == Shortcut::A) {
            ResNet plain(twin_of(net->spec()));
            QCOMPARE(parameter_count(*plain), params);
        }
    }

    void plainTwinDropsTheProjections_data() {
        QTest::addColumn<QString>("arch");
        QTest::newRow("resnet18") << "resnet18";
        QTest::newRow("resnet34") << "resnet34";
        QTest::newRow("resnet50") << "resnet50";
    }
    void plainTwinDropsTheProjections() {
        QFETCH(QString, arch);
        const qint64 all = m_reference["params"].toObject()[arch].toInteger();
        const qint64 projections = m_reference["downsample_params"].toObject()[arch].toInteger();
        QVERIFY(projections > 0);
        ResNet plain(twin_of(named_spec(arch.toStdString())));
        QCOMPARE(parameter_count(*plain), all - projections);
        for (const auto& [name, tensor] : state_dict_of(*plain))
            QVERIFY2(name.find("downsample") == std::string::npos, name.c_str());
    }

    void keysAndShapesMatchTorchvision_data() {
        QTest::addColumn<QString>("arch");
        QTest::newRow("resnet18") << "resnet18";
        QTest::newRow("resnet34") << "resnet34";
        QTest::newRow("resnet50") << "resnet50";
    }
    void keysAndShapesMatchTorchvision() {
        QFETCH(QString, arch);
        const QJsonArray expected = m_reference["keys"].toObject()[arch].toArray();
        ResNet net(named_spec(arch.toStdString()));
        const StateDict ours = state_dict_of(*net);
        QCOMPARE(qsizetype(ours.size()), expected.size());
        for (qsizetype i = 0; i < expected.size(); ++i) {
            const QJsonArray entry = expected[i].toArray();
            // Same names in the same order as torchvision's state_dict(), num_batches_tracked
            // included.
            QCOMPARE(QString::fromStdString(ours[i].first), entry[0].toString());
            QCOMPARE(ours[i].second.sizes().vec(), toShape(entry[1].toArray()));
        }
    }

    void outputShape_data() {
        QTest::addColumn<QString>("arch");
        for (const auto& name : named_spec_names())
            QTest::newRow(name.c_str()) << QString::fromStdString(name);
    }
    void outputShape() {
        QFETCH(QString, arch);
        ResNet net(named_spec(arch.toStdString()));
        // Training mode: BN normalises with the batch's statistics. (In eval mode an untrained
        // resnet1202 sums 600 unnormalised branches and overflows, in PyTorch as here.)
        net->train();
        torch::NoGradGuard no_grad;
        const auto& spec = net->spec();
        const auto y =
            net->forward(torch::randn({2, spec.in_channels, spec.input_size, spec.input_size}));
        QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{2, spec.classes}));
        QVERIFY(torch::isfinite(y).all().item<bool>());
    }

    void shortcutOptionCProjectsEveryBlock() {
        ResNetSpec spec = named_spec("resnet20");
        spec.shortcut = Shortcut::C;
        ResNet net(spec);
        int64_t blocks = 0;
        for (size_t s = 0; s < net->stage_count(); ++s)
            for (const auto& block : net->stage(s)) {
                QVERIFY(block->downsample);
                ++blocks;
            }
        QCOMPARE(blocks, int64_t(9));
        // Option B on the same net projects only where the shape changes: 2 of the 9 blocks.
        spec.shortcut = Shortcut::B;
        ResNet b(spec);
        int64_t projected = 0;
        for (size_t s = 0; s < b->stage_count(); ++s)
            for (const auto& block : b->stage(s))
                projected += block->downsample ? 1 : 0;
        QCOMPARE(projected, int64_t(2));
    }

    void optionASubsamplesAndZeroPads() {
        // With the residual branch silenced (last BN scaled to zero), the block computes
        // relu(shortcut(x)): the input taken every other pixel, with 8 zero channels on each side.
        ResNetSpec spec = named_spec("resnet20");
        spec.zero_init_residual = true;
        ResNet net(spec);
        net->eval();
        torch::NoGradGuard no_grad;
        auto& block = net->stage(1)[0]; // 16 -> 32 channels, stride 2
        const auto x = torch::randn({2, 16, 8, 8});
        const auto y = block->forward(x);
        QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{2, 32, 4, 4}));
        using namespace torch::indexing;
        const auto sub = x.index({Slice(), Slice(), Slice(None, None, 2), Slice(None, None, 2)});
        QVERIFY(torch::equal(y.narrow(1, 8, 16), torch::relu(sub)));
        QCOMPARE(y.narrow(1, 0, 8).abs().sum().item<double>(), 0.0);
        QCOMPARE(y.narrow(1, 24, 8).abs().sum().item<double>(), 0.0);
    }

    void zeroInitResidualMakesIdentityBlocks() {
        ResNetSpec spec = named_spec("resnet50");
        spec.zero_init_residual = true;
        ResNet net(spec);
        net->eval();
        torch::NoGradGuard no_grad;
        auto& block = net->stage(0)[1]; // 256 -> 256, no projection
        const auto x = torch::randn({1, 256, 14, 14});
        QVERIFY(torch::equal(block->forward(x), torch::relu(x)));
        // Without the option the branch contributes.
        ResNet plain_init(named_spec("resnet50"));
        plain_init->eval();
        QVERIFY(!torch::equal(plain_init->stage(0)[1]->forward(x), torch::relu(x)));
    }

    void kaimingNormalFanOut() {
        // torchvision: kaiming_normal_(mode="fan_out", nonlinearity="relu"): std = sqrt(2 /
        // fan_out).
        torch::manual_seed(1);
        ResNet net(named_spec("resnet50"));
        const auto w = net->stage(2)[1]->as<BottleneckImpl>()->conv2->weight; // 256 x 256 x 3 x 3
        const double expected = std::sqrt(2.0 / (256 * 9));
        QVERIFY(std::abs(w.std().item<double>() / expected - 1.0) < 0.02);
        QVERIFY(std::abs(w.mean().item<double>()) / expected < 0.02);
        QCOMPARE(net->bn1->weight.min().item<double>(), 1.0);
        QCOMPARE(net->bn1->bias.abs().max().item<double>(), 0.0);
    }

    void seedGivesTheSameNet() {
        torch::manual_seed(7);
        ResNet a(named_spec("resnet20"));
        torch::manual_seed(7);
        ResNet b(named_spec("resnet20"));
        torch::manual_seed(8);
        ResNet c(named_spec("resnet20"));
        QVERIFY(torch::equal(a->fc->weight, b->fc->weight));
        QVERIFY(torch::equal(a->conv1->weight, b->conv1->weight));
        QVERIFY(!torch::equal(a->conv1->weight, c->conv1->weight));
    }

    void tracedForwardMatchesForward() {
        ResNet net(named_spec("resnet20"));
        net->eval();
        torch::NoGradGuard no_grad;
        const auto x = torch::randn({2, 3, 32, 32});
        NetTrace trace;
        const auto traced = net->forward_traced(x, trace);
        QVERIFY(torch::equal(traced, net->forward(x)));
        QCOMPARE(trace.blocks.size(), size_t(9));
        QCOMPARE(trace.block_names.front(), std::string("layer1.0"));
        const BlockTrace& b = trace.blocks[4];
        QVERIFY(torch::allclose(b.output, torch::relu(b.branch + b.shortcut)));
        QCOMPARE(b.responses.size(), size_t(2));
    }

    // The folded net against the same net's eval-mode forward (which test_parity holds to
    // torchvision's), with batch norms whose statistics and parameters are far from 0 and 1: option
    // A and plain blocks, the projection (option B) with the ImageNet stem, and the bottleneck.
    void foldedBatchNormGivesTheEvalForward_data() {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<int>("size");
        QTest::newRow("resnet20") << "resnet20" << 32;
        QTest::newRow("plain20") << "plain20" << 32;
        QTest::newRow("resnet18") << "resnet18" << 64;
        QTest::newRow("resnet50") << "resnet50" << 64;
    }
    void foldedBatchNormGivesTheEvalForward() {
        QFETCH(QString, arch);
        QFETCH(int, size);
        torch::manual_seed(3);
        ResNet net(named_spec(arch.toStdString()));
        torch::NoGradGuard no_grad;
        for (const auto& m : net->modules(/*include_self=*/false))
            if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(m.get())) {
                const int64_t c = bn->running_mean.size(0);
                bn->running_mean.copy_(0.5 * torch::randn({c}));
                bn->running_var.copy_(0.5 + torch::rand({c}));
                bn->weight.copy_(1.0 + 0.3 * torch::randn({c}));
                bn->bias.copy_(0.3 * torch::randn({c}));
            }
        net->eval();
        const auto x = torch::randn({3, 3, size, size});
        const auto expected = net->forward(x);
        const size_t keys = net->named_parameters().size();
        net->fold_batch_norm();
        const auto folded = net->forward(x);
        const double scale = expected.abs().max().item<double>();
        const double off = (folded - expected).abs().max().item<double>();
        QVERIFY2(off <= 1e-4 * scale,
                 qPrintable(QString("%1 off by %2 of %3").arg(arch).arg(off).arg(scale)));
        // Folding leaves the net's parameters as they are named (the state_dict is unchanged)...
        QCOMPARE(net->named_parameters().size(), keys);
        // ... and a folded net is not trained.
        net->train();
        QVERIFY_THROWS_EXCEPTION(std::logic_error, net->forward(x));
    }

    void badSpecsAreRefused() {
        ResNetSpec spec = named_spec("resnet18");
        spec.widths.pop_back();
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ResNet{spec});
        spec = named_spec("resnet18");
        spec.classes = 0;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ResNet{spec});
    }
};

QTEST_APPLESS_MAIN(TestResNet)
#include "test_resnet.moc"

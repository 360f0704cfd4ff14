#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "inspect/describe.h"
#include "inspect/graph_json.h"
#include "testsupport.h"

using namespace reslab;

class TestDescribe : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void macs_data() {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<double>("gmacs");
        QTest::addColumn<double>("tolerance");
        // torchvision's published GFLOPS (which count multiply-accumulates) at 224 x 224: the
        // issue gives 18 and 50 to three decimals, the model docs the rest to two.
        QTest::newRow("resnet18") << "resnet18" << 1.814 << 0.0005;
        QTest::newRow("resnet50") << "resnet50" << 4.089 << 0.0005;
        QTest::newRow("resnet34") << "resnet34" << 3.66 << 0.005;
        QTest::newRow("resnet101") << "resnet101" << 7.80 << 0.005;
        QTest::newRow("resnet152") << "resnet152" << 11.51 << 0.005;
        // docs/PERFORMANCE.md: resnet20 and resnet56 on 1 x 28 x 28 (Fashion-MNIST).
    }
    void macs() {
        QFETCH(QString, arch);
        QFETCH(double, gmacs);
        QFETCH(double, tolerance);
        ResNet net(named_spec(arch.toStdString()));
        const NetGraph g = describe(*net, 224, 224);
        QVERIFY2(std::abs(g.macs / 1e9 - gmacs) <= tolerance, qPrintable(QString::number(g.macs)));
        QCOMPARE(g.params, parameter_count(*net));
    }

    void smallInputMacs() {
        // docs/PERFORMANCE.md gives resnet20 at 1 x 28 x 28 as 30.8 M MACs and resnet56 as 95.8 M.
        for (const auto& [arch, mmacs] :
             {std::pair{"resnet20", 30.8}, std::pair{"resnet56", 95.8}}) {
            ResNetSpec spec = named_spec(arch);
            spec.in_channels = 1;
            ResNet net(spec);
            const NetGraph g = describe(*net, 28, 28);
            QVERIFY2(std::abs(g.macs / 1e6 - mmacs) < 0.05, qPrintable(QString::number(g.macs)));
        }
    }

    void shapesMatchAForwardPass_data() {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<int>("size");
        QTest::newRow("resnet18@224") << "resnet18" << 224;
        QTest::newRow("resnet50@97") << "resnet50" << 97; // odd sizes round the way PyTorch does
        QTest::newRow("resnet20@32") << "resnet20" << 32;
        QTest::newRow("plain20@29") << "plain20" << 29;
    }
    void shapesMatchAForwardPass() {
        QFETCH(QString, arch);
        QFETCH(int, size);
        ResNet net(named_spec(arch.toStdString()));
        net->eval();
        torch::NoGradGuard no_grad;
        NetTrace trace;
        net->forward_traced(torch::randn({1, 3, size, size}), trace);
        const NetGraph g = describe(*net, size, size);
        QCOMPARE(g.nodes[g.find("stem")].shape, trace.stem.sizes().slice(1).vec());
        for (size_t i = 0; i < trace.blocks.size(); ++i) {
            const int node = g.find(trace.block_names[i]);
            QVERIFY(node >= 0);
            QCOMPARE(g.nodes[node].shape, trace.blocks[i].output.sizes().slice(1).vec());
            const auto& responses = trace.blocks[i].responses;
            for (size_t r = 0; r < responses.size(); ++r) {
                const std::string bn = trace.block_names[i] + ".bn" + std::to_string(r + 1);
                QCOMPARE(g.nodes[g.find(bn)].shape, responses[r].sizes().slice(1).vec());
            }
        }
        QCOMPARE(g.nodes[g.find("fc")].shape, (std::vector<int64_t>{net->spec().classes}));
    }

    void shortcutsFollowTheSpec() {
        auto count = [](const NetGraph& g, GraphEdge::Kind kind) {
            int n = 0;
            for (const auto& e : g.edges)
                n += e.kind == kind ? 1 : 0;
            return n;
        };
        // torchvision's resnet18 has a downsample in layer2.0, layer3.0 and layer4.0: each is drawn
        // as conv -> BN -> add (3 projection edges); the other 5 blocks add their identity.
        ResNet r18(named_spec("resnet18"));
        const NetGraph g18 = describe(*r18, 224, 224);
        QCOMPARE(count(g18, GraphEdge::Kind::Projection), 3 * 3);
        QCOMPARE(count(g18, GraphEdge::Kind::Identity), 5);
        QVERIFY(g18.find("layer2.0.downsample.0") >= 0);
        QVERIFY(g18.find("layer1.0.downsample.0") < 0);
        // resnet20, option A: two blocks change shape and pad, seven add their identity.
        ResNet r20(named_spec("resnet20"));
        const NetGraph g20 = describe(*r20, 32, 32);
        QCOMPARE(count(g20, GraphEdge::Kind::PaddedIdentity), 2);
        QCOMPARE(count(g20, GraphEdge::Kind::Identity), 7);
        QCOMPARE(count(g20, GraphEdge::Kind::Projection), 0);
        // A plain twin has no shortcut and no addition at all.
        ResNet p20(named_spec("plain20"));
        const NetGraph gp = describe(*p20, 32, 32);
        QCOMPARE(count(gp, GraphEdge::Kind::Main), int(gp.edges.size()));
        QCOMPARE(gp.find("layer1.0.add"), -1);
    }

    void layersMatchTheBuiltNet_data() {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<int>("shortcut");
        QTest::addColumn<int>("size");
        QTest::newRow("resnet18") << "resnet18" << int(Shortcut::B) << 224;
        QTest::newRow("resnet50") << "resnet50" << int(Shortcut::B) << 224;
        QTest::newRow("resnet50 option C") << "resnet50" << int(Shortcut::C) << 64;
        QTest::newRow("resnet20") << "resnet20" << int(Shortcut::A) << 32;
        QTest::newRow("resnet20 option B") << "resnet20" << int(Shortcut::B) << 32;
        QTest::newRow("plain34") << "plain34" << int(Shortcut::B) << 96;
        QTest::newRow("plain56") << "plain56" << int(Shortcut::A) << 28;
    }
    void layersMatchTheBuiltNet() {
        // The description follows the spec without building the net; the net LibTorch builds from
        // the same spec must have exactly the described layers, with the same parameters, and run
        // to the described output shape of every block.
        QFETCH(QString, arch);
        QFETCH(int, shortcut);
        QFETCH(int, size);
        ResNetSpec spec = named_spec(arch.toStdString());
        spec.shortcut = static_cast<Shortcut>(shortcut);
        ResNet net(spec);
        const NetGraph g = describe(spec, size, size);

        std::map<std::string, int64_t> moduleParams; // "layer1.0.conv1" -> its parameters
        for (const auto& p : net->named_parameters()) {
            const std::string name = p.key().substr(0, p.key().rfind('.'));
            moduleParams[name] += p.value().numel();
        }
        std::map<std::string, int64_t> described;
        int64_t total = 0;
        for (const auto& n : g.nodes)
            if (n.level == GraphNode::Level::Layer && n.params > 0) {
                described[n.name] = n.params;
                total += n.params;
            }
        QCOMPARE(described, moduleParams);
        QCOMPARE(g.params, total);

        torch::NoGradGuard noGrad;
        net->eval();
        torch::Tensor x = torch::randn({1, spec.in_channels, size, size});
        x = net->conv1->forward(x);
        x = torch::relu(net->bn1->forward(x));
        if (spec.stem == Stem::ImageNet)
            x = torch::max_pool2d(x, 3, 2, 1);
        for (size_t s = 0; s < net->stage_count(); ++s)
            for (size_t b = 0; b < net->stage(s).size(); ++b) {
                x = net->stage(s)[b]->forward(x, nullptr);
                const std::string name = "layer" + std::to_string(s + 1) + "." + std::to_string(b);
                const auto& shape = g.nodes[static_cast<size_t>(g.find(name))].shape;
                QCOMPARE(std::vector<int64_t>(x.sizes().begin() + 1, x.sizes().end()), shape);
            }
    }

    void blocksPerStage() {
        ResNet net(named_spec("resnet152"));
        const NetGraph g = describe(*net, 224, 224);
        const std::vector<int> expected{3, 8, 36, 3};
        for (size_t s = 0; s < expected.size(); ++s) {
            const int stage = g.find("layer" + std::to_string(s + 1));
            int blocks = 0;
            for (const auto& n : g.nodes)
                blocks += (n.level == GraphNode::Level::Block && n.parent == stage) ? 1 : 0;
            QCOMPARE(blocks, expected[s]);
        }
    }

    void jsonHoldsTheSummary() {
        ResNet net(named_spec("resnet18"));
        const NetGraph g = describe(*net, 224, 224);
        const QJsonObject j =
            QJsonDocument::fromJson(QByteArray::fromStdString(graph_to_json(g))).object();
        QCOMPARE(j["arch"].toString(), QString("resnet18"));
        QCOMPARE(j["params"].toInteger(), qint64(11689512));
        QCOMPARE(j["macs"].toInteger(), qint64(g.macs));
        QCOMPARE(j["layers"].toArray().size(), qsizetype(g.layers().size()));
        qint64 sum = 0;
        for (const auto& layer : j["layers"].toArray())
            sum += layer.toObject()["macs"].toInteger();
        QCOMPARE(sum, qint64(g.macs));
        QVERIFY(QString::fromStdString(graph_to_table(g)).contains("11,689,512"));
    }
};

QTEST_APPLESS_MAIN(TestDescribe)
#include "test_describe.moc"

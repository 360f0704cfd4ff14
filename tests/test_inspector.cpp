#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include "inspect/inspector.h"
#include "inspect/probes.h"
#include "io/weights.h"
#include "nets/recognize.h"
#include "testsupport.h"

using namespace reslab;

// The inspector's captures against torchvision's forward hooks on the same weights and input.
class TestInspector : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    LoadedNetPtr m_net;
    Capture m_capture;

    std::string path(const char* name) const { return (m_dir.path() + "/" + name).toStdString(); }

    static torch::Tensor tensorOf(const FeatureMap& m) {
        return torch::from_blob(const_cast<float*>(m.values.data()),
                                {1, m.channels, m.height, m.width})
            .clone();
    }
    static double maxDiff(const torch::Tensor& a, const torch::Tensor& b) {
        return (a - b).abs().max().item<double>();
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        test::runPython("inspector_reference.py", {"make", m_dir.path()});
        QVERIFY2(QFile::exists(m_dir.filePath("gradcam.pt")), "the reference script failed");
        m_net = load_net(path("resnet18.pth"));
        m_capture = capture(*m_net, read_tensor_file(path("x.pt")));
    }

    void recognisesTorchvisionResnet18() {
        QCOMPARE(QString::fromStdString(m_net->spec.name), QStringLiteral("resnet18"));
        QVERIFY(m_net->preprocessing.imagenet_crop);
        QCOMPARE(m_net->labels.size(), size_t(1000));
    }

    void recognisesOtherArchitectures_data() {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<bool>("withNote");
        QTest::newRow("resnet50") << "resnet50" << false;
        QTest::newRow("resnet20 (option A: no shortcut keys)") << "resnet20" << true;
        QTest::newRow("plain18") << "plain18" << true;
    }
    void recognisesOtherArchitectures() {
        QFETCH(QString, arch);
        QFETCH(bool, withNote);
        ResNet net(named_spec(arch.toStdString()));
        const RecognizedSpec r = recognize_spec(state_dict_of(*net));
        QCOMPARE(QString::fromStdString(r.spec.name), arch);
        QCOMPARE(!r.note.empty(), withNote);
    }

    void layer3MatchesForwardHook() {
        const FeatureMap* layer3 = m_capture.layer("layer3");
        QVERIFY(layer3);
        const auto expected = read_tensor_file(path("layer3.pt"));
        const auto ours = tensorOf(*layer3);
        QCOMPARE(ours.sizes().vec(), expected.sizes().vec());
        const double diff = maxDiff(ours, expected);
        qInfo("layer3: max |ResLab - PyTorch| = %.3g", diff);
        QVERIFY2(diff < 1e-4, qPrintable(QString::number(diff)));
    }

    void residualBranchMatchesForwardHook() {
        const BlockCapture* block = m_capture.block("layer1.0");
        QVERIFY(block);
        const auto expected = read_tensor_file(path("layer1_0_branch.pt"));
        const auto ours = tensorOf(m_capture.layers[block->branch]);
        QCOMPARE(ours.sizes().vec(), expected.sizes().vec());
        const double diff = maxDiff(ours, expected);
        qInfo("layer1.0 F(x): max |ResLab - PyTorch| = %.3g", diff);
        QVERIFY2(diff < 1e-4, qPrintable(QString::number(diff)));
        // The module path of bn2 names the same map.
        QCOMPARE(m_capture.layer("layer1.0.bn2"), &m_capture.layers[block->branch]);
    }

    void outputIsReluOfBranchPlusShortcut_data() {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<int>("size");
        QTest::newRow("resnet18 (torchvision weights)") << "" << 224;
        QTest::newRow("resnet50 (projection shortcuts)") << "resnet50" << 96;
        QTest::newRow("resnet20 (option A)") << "resnet20" << 32;
        QTest::newRow("plain20") << "plain20" << 32;
    }
    void outputIsReluOfBranchPlusShortcut() {
        QFETCH(QString, arch);
        QFETCH(int, size);
        LoadedNetPtr net = arch.isEmpty() ? m_net : random_net(arch.toStdString(), 3);
        torch::manual_seed(4);
        const Capture c = arch.isEmpty()
                              ? m_capture
                              : capture(*net, torch::randn({1, net->spec.in_channels, size, size}));
        QCOMPARE(int64_t(c.blocks.size()),
                 std::accumulate(net->spec.blocks.begin(), net->spec.blocks.end(), int64_t{0}));
        for (const auto& b : c.blocks) {
            const auto branch = tensorOf(c.layers[b.branch]);
            const auto output = tensorOf(c.layers[b.output]);
            const auto expected = b.residual ? torch::relu(branch + tensorOf(c.layers[b.shortcut]))
                                             : torch::relu(branch);
            const double diff = maxDiff(output, expected);
            QVERIFY2(
                diff < 1e-5,
                qPrintable(QStringLiteral("%1: %2").arg(QString::fromStdString(b.name)).arg(diff)));
            QVERIFY(b.input_norm > 0);
            QVERIFY(std::abs(b.branch_norm - branch.norm().item<double>()) <
                    1e-3 * (1 + b.branch_norm));
        }
    }

    void probesAndInspectorMeasureAlike() {
        // One definition of ||F(x)||/||x|| and of a response's std: the probe of a traced pass
        // (what the gradient views show) and the inspector's capture of the same image in the
        // same mode (what the feature maps show) give the same numbers.
        LoadedNetPtr net = random_net("resnet20", 5);
        torch::manual_seed(2);
        const torch::Tensor x = torch::randn({1, net->spec.in_channels, 32, 32});
        const Capture c = capture(*net, x);
        ResNet model = net->net;
        NetTrace trace;
        model->forward_traced(x, trace).sum().backward();
        const ProbeRecord p = take_probe(*model, trace, 1);
        model->zero_grad();
        QCOMPARE(p.residual_ratios.size(), c.blocks.size());
        for (size_t i = 0; i < c.blocks.size(); ++i)
            QVERIFY2(std::abs(p.residual_ratios[i] - c.blocks[i].ratio) <= 1e-9 * c.blocks[i].ratio,
                     qPrintable(QString::fromStdString(c.blocks[i].name)));
        int compared = 0;
        for (const auto& r : c.responses)
            for (size_t i = 0; i < p.responses.size(); ++i)
                if (p.responses[i] == r.name) {
                    QVERIFY2(std::abs(p.response_stds[i] - r.std) <= 1e-9 * r.std, r.name.c_str());
                    ++compared;
                }
        QCOMPARE(compared, 18); // the 18 3x3 layers of resnet20's blocks
    }

    void responseStdsMatchFig7Hooks() {
        QFile file(m_dir.filePath("stds.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject expected = QJsonDocument::fromJson(file.readAll()).object();
        QCOMPARE(qsizetype(m_capture.responses.size()), expected.size());
        for (const auto& r : m_capture.responses) {
            const QString name = QString::fromStdString(r.name);
            QVERIFY2(expected.contains(name), qPrintable(name));
            const double e = expected.value(name).toDouble();
            QVERIFY2(std::abs(r.std - e) < 1e-4 * (1 + e),
                     qPrintable(QStringLiteral("%1: %2 vs %3").arg(name).arg(r.std).arg(e)));
        }
        // The batch variant on a batch of one gives the same numbers.
        const auto batch = response_stds(*m_net, read_tensor_file(path("x.pt")));
        QCOMPARE(batch.size(), m_capture.responses.size());
        QVERIFY(std::abs(batch[3].std - m_capture.responses[3].std) < 1e-6);
    }

    void gradCamMatchesDefinition() {
        const FeatureMap cam = grad_cam(*m_net, read_tensor_file(path("x.pt")), 7);
        const auto expected = read_tensor_file(path("gradcam.pt"));
        const auto ours = tensorOf(cam);
        QCOMPARE(ours.sizes().vec(), expected.sizes().vec());
        const double diff = maxDiff(ours, expected);
        qInfo("Grad-CAM: max |ResLab - PyTorch| = %.3g", diff);
        QVERIFY2(diff < 1e-4, qPrintable(QString::number(diff)));
    }

    void topKIsSortedAndNamed() {
        const auto top = top_k(m_capture, 5, m_net->labels);
        QCOMPARE(top.size(), size_t(5));
        const auto probs = torch::tensor(m_capture.probabilities);
        QCOMPARE(top[0].index, probs.argmax().item<int64_t>());
        for (size_t i = 1; i < top.size(); ++i)
            QVERIFY(top[i - 1].probability >= top[i].probability);
        QCOMPARE(QString::fromStdString(top[0].name),
                 QString::fromStdString(m_net->labels[top[0].index]));
        QVERIFY(std::abs(probs.sum().item<double>() - 1.0) < 1e-4);
    }

    void greyImageIsConvertedAndSaidSo() {
        const InputImage image = read_input_image(path("grey.png"), 3);
        QCOMPARE(image.file_channels, 1);
        QCOMPARE(image.pixels.sizes().vec(), (std::vector<int64_t>{3, 30, 40}));
        QVERIFY(!image.note.empty());
        QVERIFY(torch::equal(image.pixels[0], image.pixels[2]));
        // Pixel (x=5, y=2) was written as (5 * 8 + 2 * 3) % 256 = 46.
        QCOMPARE(qRound(image.pixels[1][2][5].item<float>() * 255), 46);
        const InputImage same = read_input_image(path("grey.png"), 1);
        QVERIFY(same.note.empty());
    }

    void nonImageIsRefused() {
        try {
            read_input_image(path("not_an_image.png"), 3);
            QFAIL("a text file was read as an image");
        } catch (const ImageError& e) {
            QVERIFY2(QString(e.what()).contains(QStringLiteral("not_an_image.png")), e.what());
        }
    }

    void weightsThatDoNotFitAreRefused() {
        try {
            load_net(path("resnet18.pth"), "resnet50");
            QFAIL("resnet18's weights loaded into resnet50");
        } catch (const WeightsError& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.contains(QStringLiteral("do not fit resnet50")), e.what());
        }
        try {
            load_net(path("not_an_image.png"));
            QFAIL("a text file was read as weights");
        } catch (const WeightsError&) {
        }
    }

    void twinKeepsTheSharedWeights() {
        const LoadedNetPtr twin = twin_net(*m_net);
        QCOMPARE(QString::fromStdString(twin->spec.name), QStringLiteral("plain18"));
        QVERIFY(!twin->note.empty());
        QVERIFY(torch::equal(twin->net->conv1->weight, m_net->net->conv1->weight));
        const Capture c = capture(*twin, read_tensor_file(path("x.pt")));
        // The stem is shared, so its output is the same; after the first block the nets differ.
        QVERIFY(maxDiff(tensorOf(*c.layer("maxpool")), tensorOf(*m_capture.layer("maxpool"))) <
                1e-6);
        QVERIFY(maxDiff(tensorOf(*c.layer("layer1.0")), tensorOf(*m_capture.layer("layer1.0"))) >
                1e-3);
    }

    void seenImageUndoesNormalisation() {
        const InputImage image = read_input_image(path("grey.png"), 3);
        const torch::Tensor input = prepare_input(*m_net, image.pixels);
        QCOMPARE(input.sizes().vec(), (std::vector<int64_t>{1, 3, 224, 224}));
        const FeatureMap seen = seen_image(*m_net, input);
        QCOMPARE(seen.channels, int64_t(3));
        const auto minmax = std::minmax_element(seen.values.begin(), seen.values.end());
        QVERIFY(*minmax.first >= 0.0f && *minmax.second <= 1.0f);
    }
};

QTEST_APPLESS_MAIN(TestInspector)
#include "test_inspector.moc"

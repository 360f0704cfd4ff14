#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include "io/weights.h"
#include "nets/resnet.h"
#include "testsupport.h"

using namespace reslab;

// ResLab's nets against torchvision's on the same weights: PyTorch's own output is the reference.
class TestParity : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::string path(const char* name) const { return (m_dir.path() + "/" + name).toStdString(); }

    double maxDiff(const torch::Tensor& a, const torch::Tensor& b) {
        return (a - b).abs().max().item<double>();
    }

    torch::Tensor ourLogits(const std::string& arch, const std::string& weights) {
        ResNet net(named_spec(arch));
        load_state_dict(*net, read_state_dict(weights));
        net->eval();
        torch::NoGradGuard no_grad;
        return net->forward(read_tensor_file(path("x.pt")));
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        const QByteArray out = test::runPython("parity_reference.py", {"make", m_dir.path()});
        QVERIFY2(QFile::exists(m_dir.filePath("resnet50_logits.pt")),
                 "the reference script failed");
    }

    void torchvisionWeightsGiveTorchvisionLogits_data() {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<QString>("file");
        QTest::newRow("resnet18 zip") << "resnet18"
                                      << "resnet18.pth";
        QTest::newRow("resnet50 zip") << "resnet50"
                                      << "resnet50.pth";
        QTest::newRow("resnet18 legacy") << "resnet18"
                                         << "resnet18_legacy.pth";
        QTest::newRow("resnet50 legacy") << "resnet50"
                                         << "resnet50_legacy.pth";
        QTest::newRow("resnet18 wrapped, module.") << "resnet18"
                                                   << "resnet18_wrapped.pth";
    }
    void torchvisionWeightsGiveTorchvisionLogits() {
        QFETCH(QString, arch);
        QFETCH(QString, file);
        const auto expected = read_tensor_file(path((arch + "_logits.pt").toUtf8().constData()));
        const auto ours = ourLogits(arch.toStdString(), path(file.toUtf8().constData()));
        QCOMPARE(ours.sizes().vec(), (std::vector<int64_t>{2, 1000}));
        const double diff = maxDiff(ours, expected);
        qInfo("%s: max |ResLab - PyTorch| = %.3g (logits up to %.3g)", qPrintable(file), diff,
              expected.abs().max().item<double>());
        QVERIFY2(diff < 1e-4, qPrintable(QString::number(diff)));
    }

    void writtenWeightsLoadStrictlyInPython_data() {
        QTest::addColumn<QString>("arch");
        QTest::newRow("resnet18") << "resnet18";
        QTest::newRow("resnet50") << "resnet50";
    }
    void writtenWeightsLoadStrictlyInPython() {
        QFETCH(QString, arch);
        torch::manual_seed(5);
        ResNet net(named_spec(arch.toStdString()));
        {
            // Move BN away from the identity so that eval mode matters on both sides.
            torch::NoGradGuard no_grad;
            for (auto& m : net->modules(false))
                if (auto* bn = m->as<torch::nn::BatchNorm2d>()) {
                    bn->running_mean.uniform_(-0.2, 0.2);
                    bn->running_var.uniform_(0.5, 2.0);
                    bn->weight.uniform_(0.5, 1.5);
                }
        }
        net->eval();
        torch::NoGradGuard no_grad;
        write_state_dict(state_dict_of(*net), path("ours.pth"));
        write_tensor_file(net->forward(read_tensor_file(path("x.pt"))), path("ours_logits.pt"));
        const QByteArray out =
            test::runPython("parity_reference.py", {"check", m_dir.path(), arch});
        const QJsonObject result = QJsonDocument::fromJson(out).object();
        QVERIFY2(result.contains("max_abs_diff"), out.constData());
        QVERIFY2(result["max_abs_diff"].toDouble() < 1e-4, out.constData());
    }
};

QTEST_APPLESS_MAIN(TestParity)
#include "test_parity.moc"

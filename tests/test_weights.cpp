#include <algorithm>
#include <functional>
#include <stdexcept>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include "io/weights.h"
#include "testsupport.h"

using namespace reslab;
using test::sameTensor;

namespace {

// The net Python builds in io_weights_check.py; Sequential names its children "0", "1" in both.
torch::nn::Sequential smallNet() {
    return torch::nn::Sequential(
        torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, /*kernel_size=*/3).bias(false)),
        torch::nn::BatchNorm2d(4));
}

// Copies of every tensor, to prove later that nothing changed.
std::vector<torch::Tensor> snapshot(const torch::nn::Module& module) {
    std::vector<torch::Tensor> copies;
    for (const auto& [name, tensor] : state_dict_of(module))
        copies.push_back(tensor.detach().clone());
    return copies;
}

bool unchanged(const torch::nn::Module& module, const std::vector<torch::Tensor>& before) {
    const StateDict now = state_dict_of(module);
    if (now.size() != before.size())
        return false;
    for (size_t i = 0; i < now.size(); ++i)
        if (!torch::equal(now[i].second, before[i]))
            return false;
    return true;
}

QString refusal(const std::function<void()>& action) {
    try {
        action();
    } catch (const WeightsError& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

StateDict without(StateDict state, const std::string& name) {
    state.erase(std::remove_if(state.begin(), state.end(),
                               [&](const auto& entry) { return entry.first == name; }),
                state.end());
    return state;
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestWeights : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // Writes the C++ side's files, then one Python run loads them and writes its own fixtures.
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        torch::manual_seed(7);
        m_written = {
            {"weight", torch::randn({3, 4})},
            {"half", torch::randn({5}).to(torch::kHalf)},
            {"bf16", torch::randn({2, 3}).to(torch::kBFloat16)},
            {"double", torch::randn({3}, torch::kDouble)},
            {"long", torch::tensor({int64_t(-(int64_t(1) << 62)), int64_t(5), int64_t(1) << 40})},
            {"int", torch::tensor({-7, 2147483647}, torch::kInt)},
            {"byte", torch::tensor({0, 255, 9}, torch::kByte)},
            {"bool", torch::tensor({true, false, false})},
            {"num_batches_tracked", torch::tensor(int64_t(42))},
            {"empty", torch::zeros({0, 2})},
            {"transposed", torch::randn({3, 5}).t()},
            {"slice", torch::arange(20, torch::kFloat).narrow(0, 5, 4)},
            {"param", torch::randn({2, 2}).requires_grad_()},
            {"größe.weight", torch::ones({1})},
        };
        write_state_dict(m_written, at("cpp_sd.pth"));
        m_tensor = torch::randn({4, 6}).t();
        write_tensor_file(m_tensor, at("cpp_tensor.pth"));
        torch::manual_seed(8);
        auto net = smallNet();
        write_state_dict(state_dict_of(*net), at("cpp_net.pth"));
        m_netWritten = state_dict_of(*net);

        const QByteArray out = test::runPython("io_weights_check.py", {m_dir.path()});
        QVERIFY2(!out.isEmpty(), "the Python check script failed");
        m_python = QJsonDocument::fromJson(out).object();
        QVERIFY(m_python.contains("cpp_sd"));
    }

    void writtenStateDictLoadsInPython() {
        // torch.save hands out an OrderedDict; so do we.
        QCOMPARE(m_python["cpp_sd_type"].toString(), QString("OrderedDict"));
        const QJsonArray loaded = m_python["cpp_sd"].toArray();
        QCOMPARE(loaded.size(), int(m_written.size()));
        for (int i = 0; i < loaded.size(); ++i) {
            const QJsonArray entry = loaded[i].toArray();
            QCOMPARE(entry[0].toString(), QString::fromStdString(m_written[i].first));
            QString why;
            QVERIFY2(sameTensor(m_written[i].second, entry[1].toObject(), &why),
                     qPrintable(entry[0].toString() + ": " + why));
        }
    }

    void writtenTensorLoadsInPython() {
        QString why;
        QVERIFY2(sameTensor(m_tensor, m_python["cpp_tensor"].toObject(), &why), qPrintable(why));
    }

    void writtenNetLoadsStrictlyInPython() {
        QVERIFY(m_python["cpp_net_loaded"].toBool());
        const QJsonArray loaded = m_python["cpp_net"].toArray();
        QCOMPARE(loaded.size(), int(m_netWritten.size()));
        for (int i = 0; i < loaded.size(); ++i) {
            QString why;
            QVERIFY2(sameTensor(m_netWritten[i].second, loaded[i].toArray()[1].toObject(), &why),
                     qPrintable(why));
        }
    }

    void roundTripInCpp() {
        const StateDict back = read_state_dict(at("cpp_sd.pth"));
        QCOMPARE(back.size(), m_written.size());
        for (size_t i = 0; i < back.size(); ++i) {
            QVERIFY(back[i].first == m_written[i].first);
            QVERIFY2(torch::equal(back[i].second, m_written[i].second.detach()),
                     back[i].first.c_str());
        }
        QVERIFY(torch::equal(read_tensor_file(at("cpp_tensor.pth")), m_tensor));
    }

    void stateDictOfFollowsPythonOrder() {
        // Python's order: each module's parameters, then its buffers, then its children.
        auto net = smallNet();
        QStringList names;
        for (const auto& [name, tensor] : state_dict_of(*net))
            names << QString::fromStdString(name);
        QStringList python;
        for (const auto& name : m_python["py_net_keys"].toArray())
            python << name.toString();
        QCOMPARE(names, python);
        QVERIFY(state_dict_of(*net).back().second.scalar_type() == torch::kLong);
    }

    void loadCopiesExactly_data() {
        QTest::addColumn<QString>("file");
        QTest::newRow("zip") << "py_net.pth";
        QTest::newRow("DataParallel keys, legacy") << "py_net_dp.pth";
    }
    void loadCopiesExactly() {
        QFETCH(QString, file);
        auto net = smallNet();
        load_state_dict(*net, read_state_dict(at(file)));
        const StateDict loaded = state_dict_of(*net);
        const QJsonArray python = m_python["py_net"].toArray();
        QCOMPARE(int(loaded.size()), python.size());
        for (int i = 0; i < python.size(); ++i) {
            QCOMPARE(QString::fromStdString(loaded[i].first), python[i].toArray()[0].toString());
            QString why;
            QVERIFY2(sameTensor(loaded[i].second, python[i].toArray()[1].toObject(), &why),
                     qPrintable(python[i].toArray()[0].toString() + ": " + why));
        }
        // Loading replaced values, not the module's tensors: they still train.
        QVERIFY((*net)[0]->as<torch::nn::Conv2d>()->weight.requires_grad());
    }

    void loadRefusesMismatches_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("key");
        QTest::newRow("missing") << "missing"
                                 << "1.running_var";
        QTest::newRow("unexpected") << "unexpected"
                                    << "2.weight";
        QTest::newRow("wrong shape") << "shape"
                                     << "0.weight: file [4, 3, 5, 5], net [4, 3, 3, 3]";
    }
    void loadRefusesMismatches() {
        QFETCH(QString, kind);
        QFETCH(QString, key);
        StateDict state = read_state_dict(at("py_net.pth"));
        if (kind == "missing")
            state = without(state, "1.running_var");
        else if (kind == "unexpected")
            state.emplace_back("2.weight", torch::ones({4}));
        else
            state[0].second = torch::zeros({4, 3, 5, 5});
        torch::manual_seed(3);
        auto net = smallNet();
        const auto before = snapshot(*net);
        const QString message = refusal([&] { load_state_dict(*net, state); });
        QVERIFY2(message.contains(key), qPrintable(message));
        QVERIFY2(unchanged(*net, before), "a refused load changed the module");

        const StateDictMismatch m = compare_state_dict(*net, state);
        QCOMPARE(int(m.missing.size() + m.unexpected.size() + m.wrong_shape.size()), 1);
    }

    void loadAcceptsOldCheckpointsWithoutStepCounter() {
        // Checkpoints from before PyTorch 0.4.1 lack num_batches_tracked; PyTorch loads it as 0.
        auto net = smallNet();
        (*net)[1]->as<torch::nn::BatchNorm2d>()->num_batches_tracked.fill_(9);
        const StateDict state = without(read_state_dict(at("py_net.pth")), "1.num_batches_tracked");
        QVERIFY(compare_state_dict(*net, state).empty());
        load_state_dict(*net, state);
        QCOMPARE(state_dict_of(*net).back().second.item<int64_t>(), int64_t(0));
    }

    void loadConvertsDtypes() {
        StateDict state = read_state_dict(at("py_net.pth"));
        for (auto& [name, tensor] : state)
            if (tensor.is_floating_point())
                tensor = tensor.to(torch::kDouble);
        auto net = smallNet();
        load_state_dict(*net, state);
        const StateDict loaded = state_dict_of(*net);
        for (size_t i = 0; i < loaded.size(); ++i) {
            QVERIFY(loaded[i].second.scalar_type() != torch::kDouble);
            QVERIFY(torch::equal(loaded[i].second, state[i].second.to(loaded[i].second.dtype())));
        }
    }

    void normalizeKeys_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("normalized");
        QTest::newRow("DataParallel") << "module.conv1.weight"
                                      << "conv1.weight";
        QTest::newRow("CIFAR classifier") << "linear.weight"
                                          << "fc.weight";
        QTest::newRow("both") << "module.linear.bias"
                              << "fc.bias";
        QTest::newRow("inner linear") << "layer1.0.linear.weight"
                                      << "layer1.0.linear.weight";
        QTest::newRow("modules") << "modules.x"
                                 << "modules.x";
        QTest::newRow("fc") << "fc.weight"
                            << "fc.weight";
        QTest::newRow("module inside") << "layer1.module.w"
                                       << "layer1.module.w";
    }
    void normalizeKeys() {
        QFETCH(QString, name);
        QFETCH(QString, normalized);
        const auto t = torch::ones({1});
        const StateDict out = normalize_keys({{name.toStdString(), t}});
        QCOMPARE(QString::fromStdString(out[0].first), normalized);
        QVERIFY(out[0].second.is_same(t));
    }

    void describeListsAndTruncates() {
        StateDictMismatch m;
        QCOMPARE(QString::fromStdString(m.describe()), QString("the weights fit the net"));
        for (int i = 0; i < 20; ++i)
            m.missing.push_back("layer" + std::to_string(i) + ".weight");
        m.unexpected = {"extra.weight"};
        m.wrong_shape = {"fc.weight: file [10, 64], net [100, 64]"};
        const QString text = QString::fromStdString(m.describe());
        QVERIFY2(text.contains("20 in the net but not in the file: layer0.weight, layer1.weight"),
                 qPrintable(text));
        QVERIFY2(text.contains("layer7.weight ... and 12 more"), qPrintable(text));
        QVERIFY2(!text.contains("layer8.weight"), qPrintable(text));
        QVERIFY2(text.contains("1 in the file but not in the net: extra.weight"), qPrintable(text));
        QVERIFY2(text.contains("1 with the wrong shape: fc.weight: file [10, 64], net [100, 64]"),
                 qPrintable(text));
    }

    void writeToMissingFolderFails() {
        const QString target = m_dir.filePath("no/such/folder/x.pth");
        const QString message = refusal([&] { write_state_dict(m_written, target.toStdString()); });
        QVERIFY2(message.contains("'" + target + "'") && message.contains("does not exist"),
                 qPrintable(message));
        QVERIFY(!QDir(m_dir.filePath("no")).exists());
    }

    void failedWriteLeavesOldFile_data() {
        QTest::addColumn<QString>("fault");
        QTest::newRow("undefined tensor") << "undefined";
        QTest::newRow("complex dtype") << "complex";
        QTest::newRow("name twice") << "twice";
    }
    void failedWriteLeavesOldFile() {
        QFETCH(QString, fault);
        QTemporaryDir dir;
        const QString target = dir.filePath("checkpoint.pth");
        write_state_dict({{"a", torch::ones({2})}}, target.toStdString());
        const QByteArray before = readAll(target);

        StateDict bad = {{"a", torch::zeros({3})}, {"b", torch::zeros({3})}};
        if (fault == "undefined")
            bad.emplace_back("c", torch::Tensor());
        else if (fault == "complex")
            bad.emplace_back("c", torch::zeros({2}, torch::kComplexFloat));
        else
            bad.emplace_back("a", torch::zeros({1}));
        const QString message = refusal([&] { write_state_dict(bad, target.toStdString()); });
        QVERIFY2(message.contains("'" + target + "'"), qPrintable(message));
        QCOMPARE(readAll(target), before);
        // No temporary file is left behind.
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden),
                 QStringList{"checkpoint.pth"});
    }

    void writeReplacesFile() {
        QTemporaryDir dir;
        const QString target = dir.filePath("checkpoint.pth");
        write_state_dict({{"a", torch::ones({2})}}, target.toStdString());
        write_state_dict({{"b", torch::full({3}, 2.0)}}, target.toStdString());
        const StateDict back = read_state_dict(target.toStdString());
        QCOMPARE(back.size(), size_t(1));
        QVERIFY(back[0].first == "b");
        QVERIFY(torch::equal(back[0].second, torch::full({3}, 2.0)));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden),
                 QStringList{"checkpoint.pth"});
    }

    void writeOverFolderFails() {
        const QString message =
            refusal([&] { write_tensor_file(torch::ones({1}), m_dir.path().toStdString()); });
        QVERIFY2(message.contains("is a folder"), qPrintable(message));
    }

    // Found by fuzzing (tests/fuzz/fuzz_weights): LibTorch's zip reader throws on a bad version
    // record after miniz opened the archive, and never closes it (a leak per file); the reader
    // checks the record itself before LibTorch sees the file.
    void badVersionRecord_data() {
        QTest::addColumn<QByteArray>("version"); // replaces "3\n", so the same length
        QTest::addColumn<QString>("fault");
        QTest::newRow("version 0") << QByteArray("0\n") << "has file format version 0";
        QTest::newRow("version 99") << QByteArray("99") << "has file format version 99";
        QTest::newRow("not a number") << QByteArray("x\n") << "is not a version number";
        QTest::newRow("negative") << QByteArray("-1") << "is not a version number";
    }
    void badVersionRecord() {
        QFETCH(QByteArray, version);
        QFETCH(QString, fault);
        QTemporaryDir dir;
        const QString path = dir.filePath("bad-version.pth");
        write_state_dict({{"w", torch::ones({2})}}, path.toStdString());
        QByteArray bytes = readAll(path);
        // The record's bytes follow its local header: 30 bytes, the name, then the extra field.
        const QByteArray name("archive/version");
        const int nameAt = bytes.indexOf(name); // local headers come before the directory
        QVERIFY(nameAt >= 30);
        QCOMPARE(bytes.mid(nameAt - 30, 4), QByteArray("PK\x03\x04"));
        const int extra = uint8_t(bytes[nameAt - 2]) | uint8_t(bytes[nameAt - 1]) << 8;
        const int dataAt = nameAt + name.size() + extra;
        QCOMPARE(bytes.mid(dataAt, 2), QByteArray("3\n"));
        bytes.replace(dataAt, 2, version);
        rewriteAndExpectRefusal(path, bytes, fault);
    }

    // Found by fuzzing (tests/fuzz/fuzz_weights): miniz extracts nothing from a record whose
    // directory entry carries the MS-DOS folder attribute, and LibTorch then read an unwritten
    // buffer as the version or as a tensor's bytes; an encrypted version record made LibTorch's
    // reader throw after miniz opened the archive, which leaked it.
    void damagedRecordEntries_data() {
        QTest::addColumn<QByteArray>("record");
        QTest::addColumn<int>("field"); // offset in the 46-byte central directory header
        QTest::addColumn<int>("bits");  // ORed into that byte
        QTest::addColumn<QString>("fault");
        const int flags = 8, attributes = 38;
        QTest::newRow("version marked as a folder")
            << QByteArray("archive/version") << attributes << 0x10 << "is marked as a folder";
        QTest::newRow("tensor data marked as a folder")
            << QByteArray("archive/data/0") << attributes << 0x10 << "is marked as a folder";
        QTest::newRow("encrypted version")
            << QByteArray("archive/version") << flags << 0x01 << "marked as encrypted";
        QTest::newRow("strongly encrypted tensor data")
            << QByteArray("archive/data/0") << flags << 0x40 << "marked as encrypted";
    }
    void damagedRecordEntries() {
        QFETCH(QByteArray, record);
        QFETCH(int, field);
        QFETCH(int, bits);
        QFETCH(QString, fault);
        QTemporaryDir dir;
        const QString path = dir.filePath("damaged-entry.pth");
        write_state_dict({{"w", torch::ones({2})}}, path.toStdString());
        QByteArray bytes = readAll(path);
        // The central directory comes last: a record's entry is its name's last occurrence,
        // right after the entry's 46-byte header.
        const int header = bytes.lastIndexOf(record) - 46;
        QVERIFY(header >= 0);
        QCOMPARE(bytes.mid(header, 4), QByteArray("PK\x01\x02"));
        bytes[header + field] = char(bytes[header + field] | bits);
        rewriteAndExpectRefusal(path, bytes, fault);
    }

private:
    std::string at(const QString& file) const { return m_dir.filePath(file).toStdString(); }

    /// Writes the damaged bytes over path and checks that reading it is refused, naming the file
    /// and the fault.
    void
    rewriteAndExpectRefusal(const QString& path, const QByteArray& bytes, const QString& fault) {
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(out.write(bytes), bytes.size());
        out.close();
        const QString message = refusal([&] { read_state_dict(path.toStdString()); });
        QVERIFY2(message.contains("'" + path + "'"), qPrintable(message));
        QVERIFY2(message.contains(fault), qPrintable(message));
    }

    QTemporaryDir m_dir;
    QJsonObject m_python;
    StateDict m_written;
    StateDict m_netWritten;
    torch::Tensor m_tensor;
};

QTEST_APPLESS_MAIN(TestWeights)
#include "test_weights.moc"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>

#include <QDir>
#include <QTemporaryDir>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data/file_bytes.h"
#include "data/image.h"
#include "data/labels.h"
#include "io/atomicfile.h"
#include "io/filecheck.h"
#include "io/runfolder.h"
#include "io/weights.h"
#include "nets/resnet.h"
#include "testsupport.h"
#include "train/config.h"
#include "train/presets.h"

using namespace reslab;

namespace {

MetricRecord trainRecord(int64_t step, double loss) {
    MetricRecord r;
    r.kind = MetricRecord::Kind::Train;
    r.train.step = step;
    r.train.loss = loss;
    r.train.error = 0.25;
    r.train.lr = 0.1;
    return r;
}

void appendRaw(const QString& path, const std::string& text) {
    std::ofstream out(path.toStdString(), std::ios::app | std::ios::binary);
    out << text;
}

} // namespace

class TestRunFolder : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void recordsRoundTrip() {
        MetricRecord probe;
        probe.kind = MetricRecord::Kind::Probe;
        probe.probe.step = 50;
        probe.probe.layers = {"conv1.weight", "layer1.0.conv1.weight", "fc.weight"};
        probe.probe.grad_norms = {0.5, INFINITY, std::nan("")};
        probe.probe.blocks = {"layer1.0"};
        probe.probe.residual_ratios = {0.125};
        const auto back = parse_json_line(to_json_line(probe));
        QVERIFY(back);
        QCOMPARE(int(back->kind), int(MetricRecord::Kind::Probe));
        QCOMPARE(back->probe.layers, probe.probe.layers); // order kept
        QCOMPARE(back->probe.grad_norms[0], 0.5);
        QVERIFY(std::isinf(back->probe.grad_norms[1]) && back->probe.grad_norms[1] > 0); // not NaN
        QVERIFY(std::isnan(back->probe.grad_norms[2])); // NaN stays NaN, not zero
        QCOMPARE(back->probe.residual_ratios[0], 0.125);

        const auto train = parse_json_line(to_json_line(trainRecord(7, INFINITY)));
        QVERIFY(train);
        QVERIFY(std::isinf(train->train.loss));
        QCOMPARE(train->train.step, int64_t(7));
        QVERIFY(QByteArray::fromStdString(to_json_line(trainRecord(7, INFINITY)))
                    .contains("\"nonfinite\""));

        QVERIFY(!parse_json_line("{\"kind\": \"train\", \"ste"));
        QVERIFY(!parse_json_line("[1, 2]"));
        QVERIFY(!parse_json_line("{\"kind\": \"other\", \"step\": 1}"));
    }

    void writeReadAndFollow() {
        QTemporaryDir dir;
        const QString path = dir.filePath("metrics.jsonl");
        MetricsFollower follower(path.toStdString());
        QVERIFY(follower.poll().empty()); // not there yet: nothing, no error
        {
            MetricsWriter writer(path.toStdString());
            writer.append(trainRecord(10, 2.0));
            writer.append(trainRecord(20, 1.5));
            // Flushed per record: a reader sees both before the writer closes.
            QCOMPARE(follower.poll().size(), size_t(2));
        }
        // A torn last line (a writer mid-record) is waited for, not an error.
        const std::string line = to_json_line(trainRecord(30, 1.0));
        appendRaw(path, line.substr(0, 12));
        QVERIFY(follower.poll().empty());
        appendRaw(path, line.substr(12) + "\n");
        const auto more = follower.poll();
        QCOMPARE(more.size(), size_t(1));
        QCOMPARE(more[0].train.step, int64_t(30));
        QCOMPARE(follower.skipped(), int64_t(0));

        // read_metrics of a folder whose last line was torn by a crash: the whole records only.
        appendRaw(path, line.substr(0, 20));
        int64_t skipped = -1;
        QCOMPARE(read_metrics(path.toStdString(), &skipped).size(), size_t(3));
        QCOMPARE(skipped, int64_t(0));
    }

    void specKeepsTheWorldSize() {
        // A run that trained alone writes no "distributed"; a job's run keeps its world size, and
        // a damaged one is refused by its field.
        const TrainConfig defaults; // a named one: GCC 12 warns of a temporary's vector here
        RunConfig c = make_run_config("resnet20", defaults, 1);
        QVERIFY(to_json(c).find("distributed") == std::string::npos);
        QCOMPARE(run_config_from_json(to_json(c)).world_size, 1);
        c.world_size = 4;
        QCOMPARE(run_config_from_json(to_json(c)).world_size, 4);
        std::string text = to_json(c);
        const std::string four = "\"world_size\": 4";
        text.replace(text.find(four), four.size(), "\"world_size\": 0");
        try {
            run_config_from_json(text);
            QFAIL("a world size of 0 was taken");
        } catch (const std::runtime_error& e) {
            QVERIFY2(std::string(e.what()).find("world_size") != std::string::npos, e.what());
        }
    }

    void readsInBoundedChunks() {
        // A file read 7 bytes a poll gives the same records as one read; a follower that has not
        // caught up says so, and records split across chunks are whole.
        QTemporaryDir dir;
        const QString path = dir.filePath("metrics.jsonl");
        {
            MetricsWriter writer(path.toStdString());
            for (int s = 10; s <= 200; s += 10)
                writer.append(trainRecord(s, 1.0 / s));
        }
        const auto whole = read_metrics(path.toStdString());
        QCOMPARE(whole.size(), size_t(20));
        const auto chunked = read_metrics(path.toStdString(), nullptr, 7);
        QCOMPARE(chunked.size(), whole.size());
        for (size_t i = 0; i < whole.size(); ++i)
            QCOMPARE(to_json_line(chunked[i]), to_json_line(whole[i]));
        MetricsFollower follower(path.toStdString(), 64);
        follower.poll();
        QVERIFY(!follower.caught_up());
        size_t seen = 0;
        for (int polls = 0; polls < 10000 && !follower.caught_up(); ++polls)
            seen += follower.poll().size();
        QVERIFY(follower.caught_up());
        QVERIFY(seen >= 19);
    }

    void refusesAnOversizedFile() {
        // 3 GiB of (sparse) nothing: refused by its size, before anything is allocated for it.
        QTemporaryDir dir;
        const QString path = dir.filePath("metrics.jsonl");
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QVERIFY(f.resize(qint64(3) << 30));
        }
        try {
            read_metrics(path.toStdString());
            QFAIL("a 3 GiB metrics.jsonl was read");
        } catch (const RunFolderError& e) {
            const QString message = QString::fromStdString(e.what());
            QVERIFY2(message.contains(path) && message.contains(QStringLiteral("3072 MiB")) &&
                         message.contains(QStringLiteral("2048 MiB")),
                     e.what());
        }
    }

    void truncateKeepsEarlierRecords() {
        QTemporaryDir dir;
        const QString path = dir.filePath("metrics.jsonl");
        {
            MetricsWriter writer(path.toStdString());
            for (int s = 10; s <= 50; s += 10)
                writer.append(trainRecord(s, 1.0 / s));
        }
        MetricsFollower follower(path.toStdString());
        QCOMPARE(follower.poll().size(), size_t(5));
        truncate_metrics(path.toStdString(), 30);
        const auto kept = read_metrics(path.toStdString());
        QCOMPARE(kept.size(), size_t(3));
        QCOMPARE(kept.back().train.step, int64_t(30));
        // The follower notices that the file was rewritten and reads it again.
        QCOMPARE(follower.poll().size(), size_t(3));
        QVERIFY(follower.restarted());
    }

    void atomicWriteKeepsThePreviousFile() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("spec.json").toStdString();
        write_text_atomic(path, "first");
        QCOMPARE(read_text(path), std::string("first"));
        write_text_atomic(path, "second");
        QCOMPARE(read_text(path), std::string("second"));
        // Nothing left beside it: the temporary file was renamed over it.
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{"spec.json"});
        QVERIFY_THROWS_EXCEPTION(RunFolderError,
                                 write_text_atomic("/nonexistent/dir/spec.json", "x"));
        QVERIFY_THROWS_EXCEPTION(RunFolderError, read_text("/nonexistent/spec.json"));
        QVERIFY_THROWS_EXCEPTION(RunFolderError, MetricsWriter("/nonexistent/dir/metrics.jsonl"));
    }

    void atomicFileAbandonedKeepsThePreviousFile() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("checkpoint.pth").toStdString();
        write_text_atomic(path, "good");
        {
            AtomicFile file(path);
            file.write("half", 4);
            // Its temporary file is one that resuming a run folder would clear away.
            const QStringList names = QDir(dir.path()).entryList(QDir::Files | QDir::Hidden);
            QCOMPARE(names.size(), 2);
            for (const QString& name : names)
                QCOMPARE(is_interrupted_write(name.toStdString()), name != "checkpoint.pth");
        } // an exception before commit() ends here the same way
        QCOMPARE(read_text(path), std::string("good"));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden),
                 QStringList{"checkpoint.pth"});
        QVERIFY(is_interrupted_write("spec.json.tmp")); // as ResLab 0.x left them
        QVERIFY(!is_interrupted_write("metrics.jsonl"));
    }

    // A named pipe or a folder where a file is expected: every reader says what it is at once,
    // where opening a pipe used to block forever and a folder gave std::bad_alloc.
    void pipesAndFoldersAreNotFiles_data() {
        QTest::addColumn<bool>("pipe");
        QTest::newRow("named pipe") << true;
        QTest::newRow("folder") << false;
    }
    void pipesAndFoldersAreNotFiles() {
        QFETCH(bool, pipe);
        QTemporaryDir dir;
        const std::string path = dir.filePath("thing").toStdString();
        if (pipe)
            QCOMPARE(::mkfifo(path.c_str(), 0600), 0);
        else
            QVERIFY(std::filesystem::create_directory(path));
        const std::string kind = pipe ? "named pipe" : "folder";
        const std::vector<std::pair<const char*, std::function<void()>>> readers = {
            {"weights", [&] { read_state_dict(path); }},
            {"image", [&] { load_image(path, 3); }},
            {"IDX file", [&] { read_file_bytes(path); }},
            {"spec.json", [&] { read_text(path); }},
            {"metrics.jsonl", [&] { MetricsFollower(path).poll(); }},
            {"label list", [&] { class_labels(path); }},
        };
        for (const auto& [what, read] : readers) {
            try {
                read();
                QFAIL(qPrintable(QString("the %1 reader accepted a %2").arg(what, kind.c_str())));
            } catch (const std::exception& e) {
                const std::string message = e.what();
                QVERIFY2(message.find(kind) != std::string::npos &&
                             message.find(path) != std::string::npos,
                         (std::string(what) + ": " + message).c_str());
            }
        }
    }

    // The one bounded way to open a file: the size is known and checked before anything is read,
    // with both sizes in the message, and a missing file is told apart by its errno.
    void boundedReadsCheckTheSizeFirst() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("big").toStdString();
        {
            std::ofstream out(path, std::ios::binary);
            out.seekp((int64_t{3} << 30) - 1); // sparse: 3 GiB on no disk
            out.put('x');
        }
        try {
            read_bounded(path, int64_t{1} << 20, "a label list");
            QFAIL("no error");
        } catch (const FileFault& e) {
            QCOMPARE(e.error, EFBIG);
            QVERIFY2(QString(e.what()).contains("it is 3 GiB (3221225472 bytes), more than a label "
                                                "list is read (at most 1048576 bytes, 1 MiB)"),
                     e.what());
        }
        const OpenFile file(path, UINT64_MAX);
        QCOMPARE(file.size(), uint64_t{3} << 30);
        QCOMPARE(file.read_at((uint64_t{3} << 30) - 1, 10), std::vector<uint8_t>{'x'});
        try {
            OpenFile missing(dir.filePath("missing").toStdString(), 1);
            QFAIL("no error");
        } catch (const FileFault& e) {
            QCOMPARE(e.error, ENOENT);
        }
        // The readers built on it say so with the file's name.
        const QString labels = QString::fromStdString(path);
        try {
            class_labels(path);
            QFAIL("no error");
        } catch (const std::runtime_error& e) {
            QVERIFY2(QString(e.what()).contains("'" + labels + "'") &&
                         QString(e.what()).contains("at most 16777216 bytes, 16 MiB"),
                     e.what());
        }
        try {
            load_image(path, 3);
            QFAIL("no error");
        } catch (const ImageError& e) {
            QVERIFY2(QString(e.what()).contains("'" + labels + "'") &&
                         QString(e.what()).contains("more than an image file is read"),
                     e.what());
        }
    }

    // Any file only a run writes makes a folder a run's, which train --out must not write into:
    // snapshots/ and a landscape were not counted, and a new run was shown with the old one's
    // landscape.
    void anyRunFileMakesARunFolder() {
        QTemporaryDir dir;
        const std::string folder = dir.path().toStdString();
        QCOMPARE(run_file_in(folder), std::string());
        QVERIFY(QDir(dir.path()).mkdir("snapshots"));
        QCOMPARE(run_file_in(folder), std::string("snapshots"));
        QVERIFY(QDir(dir.path()).rmdir("snapshots"));
        write_text_atomic(folder + "/landscape-0.json", "{}");
        QCOMPARE(run_file_in(folder), std::string("landscape-0.json"));
        write_text_atomic(folder + "/metrics.jsonl", "");
        QCOMPARE(run_file_in(folder), std::string("metrics.jsonl"));
        // A broken link named like a run file counts too: it was one.
        QTemporaryDir other;
        QVERIFY(QFile::link(other.filePath("gone"), other.filePath("trainer.pth")));
        QCOMPARE(run_file_in(other.path().toStdString()), std::string("trainer.pth"));
    }

    // A run folder whose spec.json is a pipe is a run's folder with an unreadable spec, not "no
    // run folder": resume said "holds no spec.json" of a folder that holds one.
    void aSpecThatIsAPipeIsNamed() {
        QTemporaryDir dir;
        const std::string folder = dir.path().toStdString();
        QCOMPARE(::mkfifo((folder + "/spec.json").c_str(), 0600), 0);
        try {
            run_folders_in(folder);
            QFAIL("no error");
        } catch (const RunFolderError& e) {
            QVERIFY2(QString(e.what()).contains("spec.json': it is a named pipe (FIFO)"), e.what());
        }
    }

    // Found by fuzzing (tests/fuzz/fuzz_runfolder): a "nonfinite" entry that is not a string made
    // parse_json_line throw nlohmann's type_error, so one odd line made a followed run unreadable
    // instead of being read (its value as NaN).
    void oddNonfiniteEntries_data() {
        QTest::addColumn<QString>("nonfinite");
        QTest::newRow("number") << R"({"loss": 1})";
        QTest::newRow("null") << R"({"loss": null})";
        QTest::newRow("object") << R"({"loss": {"x": "inf"}})";
        QTest::newRow("array") << R"(["loss"])";
        QTest::newRow("string") << R"("loss")";
    }
    void oddNonfiniteEntries() {
        QFETCH(QString, nonfinite);
        const std::string line = R"({"kind": "train", "step": 3, "loss": null, "nonfinite": )" +
                                 nonfinite.toStdString() + "}";
        std::optional<MetricRecord> record;
        try {
            record = parse_json_line(line);
        } catch (const std::exception& e) {
            QFAIL(qPrintable(QString("parse_json_line threw: ") + e.what()));
        }
        QVERIFY(record);
        QCOMPARE(record->train.step, int64_t(3));
        QVERIFY(std::isnan(record->train.loss));

        QTemporaryDir dir;
        const QString path = dir.filePath("metrics.jsonl");
        appendRaw(path, to_json_line(trainRecord(1, 2.0)) + "\n" + line + "\n");
        int64_t skipped = -1;
        QCOMPARE(read_metrics(path.toStdString(), &skipped).size(), size_t(2));
        QCOMPARE(skipped, int64_t(0));
    }

    // Found by fuzzing: nlohmann casts a float to an integer field unchecked, undefined behaviour
    // for 1e300; spec.json now takes only integers that fit there.
    void specIntegersOutOfRange_data() {
        QTest::addColumn<QString>("train");
        QTest::addColumn<QString>("field");
        QTest::newRow("seed 1e300") << R"({"seed": 1e300})"
                                    << "seed";
        QTest::newRow("steps -1e300") << R"({"steps": -1e300})"
                                      << "steps";
        QTest::newRow("steps 2.5") << R"({"steps": 2.5})"
                                   << "steps";
        QTest::newRow("seed -1") << R"({"seed": -1})"
                                 << "seed";
        QTest::newRow("threads 2^40") << R"({"threads": 1099511627776})"
                                      << "threads";
        QTest::newRow("milestones [1e300]") << R"({"milestones": [1e300]})"
                                            << "milestones";
    }
    void specIntegersOutOfRange() {
        QFETCH(QString, train);
        QFETCH(QString, field);
        const std::string text = R"({"net": {}, "train": )" + train.toStdString() + "}";
        try {
            run_config_from_json(text);
            QFAIL("no error");
        } catch (const std::runtime_error& e) {
            QVERIFY2(QString(e.what()).contains("'" + field + "'"), e.what());
        }
        // In range, the same fields read.
        const RunConfig ok = run_config_from_json(
            R"({"net": {}, "train": {"seed": 18446744073709551615, "steps": 5, "threads": 2,
                                     "milestones": [10, 20]}})");
        QCOMPARE(ok.train.seed, std::numeric_limits<uint64_t>::max());
        QCOMPARE(ok.train.steps, int64_t(5));
        QCOMPARE(ok.train.schedule.milestones, (std::vector<int64_t>{10, 20}));
    }

    // The hardening issue: sizes in spec.json are refused by name before anything is built.
    void specSizesOutOfRange_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("field");
        QTest::newRow("a billion blocks")
            << R"({"net": {"blocks": [1000000000, 3, 3]}, "train": {}})"
            << "blocks";
        QTest::newRow("widths of 1e6") << R"({"net": {"widths": [1000000, 2, 3]}, "train": {}})"
                                       << "widths";
        QTest::newRow("1e9 classes") << R"({"net": {"classes": 1000000000}, "train": {}})"
                                     << "classes";
        QTest::newRow("synthetic set of 1e12")
            << R"({"net": {}, "train": {"synthetic_size": 1000000000000}})"
            << "synthetic_size";
        QTest::newRow("1000 threads") << R"({"net": {}, "train": {"threads": 100000}})"
                                      << "threads";
        QTest::newRow("batch 0") << R"({"net": {}, "train": {"batch_size": 0}})"
                                 << "batch_size";
        QTest::newRow("momentum NaN-like 2") << R"({"net": {}, "train": {"momentum": 2.0}})"
                                             << "momentum";
    }
    void specSizesOutOfRange() {
        QFETCH(QString, json);
        QFETCH(QString, field);
        try {
            run_config_from_json(json.toStdString());
            QFAIL("no error");
        } catch (const std::runtime_error& e) {
            QVERIFY2(QString(e.what()).contains("'" + field + "' is out of range"), e.what());
        }
    }

    // Every field in its bounds, the net they make together may still not fit: refused from the
    // spec alone, by its parameter count (or its stages), before anything is built.
    void specNetsThatCannotBeBuilt_data() {
        QTest::addColumn<QString>("net");
        QTest::addColumn<QString>("message");
        QTest::newRow("widths 4096, 2000 blocks a stage")
            << R"({"widths": [4096, 4096, 4096], "blocks": [2000, 2000, 2000]})"
            << "parameters, at most 1073741824 (ResNet-152 has 60 M)";
        QTest::newRow("widths 16384") << R"({"widths": [16384, 16384, 16384], "blocks": [3, 3, 3]})"
                                      << "parameters, at most 1073741824";
        QTest::newRow("a wide fc, 100000 classes")
            << R"({"widths": [16, 32, 16384], "blocks": [3, 3, 3], "classes": 100000})"
            << "parameters, at most 1073741824";
        QTest::newRow("no stages") << R"({"blocks": [], "widths": []})"
                                   << "the net has 0 stages (blocks) and 0 stage widths";
        QTest::newRow("widths for two of three stages")
            << R"({"blocks": [3, 3, 3], "widths": [16, 32]})"
            << "3 stages (blocks) and 2 stage widths";
    }
    void specNetsThatCannotBeBuilt() {
        QFETCH(QString, net);
        QFETCH(QString, message);
        const std::string text = R"({"net": )" + net.toStdString() + R"(, "train": {}})";
        try {
            run_config_from_json(text);
            QFAIL("no error");
        } catch (const std::runtime_error& e) {
            QVERIFY2(QString(e.what()).contains(message), e.what());
        }
        // Built directly, the net is refused by the same count, before any layer is allocated.
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, [] {
            ResNetSpec spec = named_spec("resnet20");
            spec.widths = {16384, 16384, 16384};
            ResNet net(spec);
        }());
    }

    // A field of the wrong type is named with its value and what it must be.
    void specWrongTypesSayTheValue_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("message");
        QTest::newRow("lr as a word") << R"({"net": {}, "train": {"lr": "fast"}})"
                                      << R"(the field 'lr' is "fast" where a number is wanted)";
        QTest::newRow("block as a number") << R"({"net": {"block": 7}, "train": {}})"
                                           << "the field 'block' is 7 where a string is wanted";
        QTest::newRow("a word among the blocks")
            << R"({"net": {"blocks": ["three", 3, 3]}, "train": {}})"
            << R"(the field 'blocks' is ["three",3,3] where a list of whole numbers is wanted)";
        QTest::newRow("flip as a number") << R"({"net": {}, "train": {"augment_flip": 3}})"
                                          << "the field 'augment_flip' is 3 where true or false";
        QTest::newRow("a long value, cut short")
            << QString(R"({"net": {}, "train": {"dataset": [%1]}})")
                   .arg(QString("1,").repeated(400) + "1")
            << "the field 'dataset' is [" + QString("1,").repeated(28) + "... where a string";
        QTest::newRow("train not an object") << R"({"net": {}, "train": 5})"
                                             << "'train' is not an object";
        // 200000 stages are within each element's bounds; describing them froze the window.
        QTest::newRow("200000 stages") << QString(R"({"net": {"blocks": [%1]}, "train": {}})")
                                              .arg(QString("1,").repeated(199999) + "1")
                                       << "the field 'blocks' lists 200000 items, at most 16";
        QTest::newRow("17 stages of widths") << QString(R"({"net": {"widths": [%1]}, "train": {}})")
                                                    .arg(QString("8,").repeated(16) + "8")
                                             << "the field 'widths' lists 17 items, at most 16";
    }
    void specWrongTypesSayTheValue() {
        QFETCH(QString, json);
        QFETCH(QString, message);
        try {
            run_config_from_json(json.toStdString());
            QFAIL("no error");
        } catch (const std::runtime_error& e) {
            QVERIFY2(QString(e.what()).contains(message), e.what());
            QVERIFY2(QString(e.what()).size() < 200, e.what());
        }
        // Read from a folder, the message starts with the file.
        QTemporaryDir dir;
        QFile spec(dir.filePath("spec.json"));
        QVERIFY(spec.open(QIODevice::WriteOnly));
        spec.write(json.toUtf8());
        spec.close();
        try {
            read_run_folder(dir.path().toStdString());
            QFAIL("no error");
        } catch (const std::runtime_error& e) {
            QVERIFY2(QString(e.what()).startsWith("'" + dir.filePath("spec.json") + "': "),
                     e.what());
        }
    }

    void anOversizedSpecIsRefusedUnread() {
        // A spec.json of 2 MiB (a valid one padded with spaces) is not one ResLab wrote: refused
        // by its size before it is read.
        QTemporaryDir dir;
        const std::string folder = dir.path().toStdString();
        std::string text = to_json(test::smallRun("resnet20", 5));
        text += std::string(2 << 20, ' ');
        write_text_atomic(folder + "/spec.json", text);
        try {
            read_run_folder(folder);
            QFAIL("no error");
        } catch (const RunFolderError& e) {
            QVERIFY2(QString(e.what()).contains("spec.json' is 2") &&
                         QString(e.what()).contains("at most 1048576"),
                     e.what());
        }
        // Without the padding it reads.
        write_text_atomic(folder + "/spec.json", to_json(test::smallRun("resnet20", 5)));
        QCOMPARE(read_run_folder(folder).config.train.steps, int64_t(5));
    }

    // Found by handing the window the sweep's files (test_hostile_window): a run folder whose
    // metrics.jsonl was a named pipe or a folder opened, and its plot stayed empty. Any of a run's
    // files that is there but no regular file now refuses the whole folder, naming the file.
    void aRunFileThatIsNoFileRefusesTheFolder_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<bool>("pipe");
        for (const char* file : {"metrics.jsonl", "checkpoint.pth", "trainer.pth", "status.json"}) {
            QTest::newRow(qPrintable(QString("%1 a pipe").arg(file))) << file << true;
            QTest::newRow(qPrintable(QString("%1 a folder").arg(file))) << file << false;
        }
    }
    void aRunFileThatIsNoFileRefusesTheFolder() {
        QFETCH(QString, file);
        QFETCH(bool, pipe);
        QTemporaryDir dir;
        const std::string folder = dir.path().toStdString();
        write_text_atomic(folder + "/spec.json", to_json(test::smallRun("resnet20", 5)));
        QCOMPARE(read_run_folder(folder).config.train.steps, int64_t(5));
        const std::string path = folder + "/" + file.toStdString();
        if (pipe)
            QCOMPARE(::mkfifo(path.c_str(), 0600), 0);
        else
            QVERIFY(std::filesystem::create_directory(path));
        try {
            read_run_folder(folder);
            QFAIL("no error");
        } catch (const RunFolderError& e) {
            const QString message = e.what();
            QVERIFY2(message.contains(file + "': it is a " + (pipe ? "named pipe" : "folder")),
                     e.what());
        }
    }

    void statusRoundTripAndTheWriterGone() {
        QTemporaryDir dir;
        const std::string folder = dir.path().toStdString();
        QVERIFY(!read_folder_status(folder)); // none yet: an older run folder
        FolderStatus s = this_writer();
        s.state = RunState::Diverged;
        s.step = 41;
        s.total_steps = 600;
        s.message = "the loss became NaN";
        write_folder_status(folder, s);
        const auto back = read_folder_status(folder);
        QVERIFY(back);
        QCOMPARE(int(back->state), int(RunState::Diverged));
        QCOMPARE(back->step, int64_t(41));
        QCOMPARE(back->total_steps, int64_t(600));
        QCOMPARE(back->message, s.message);
        QCOMPARE(back->pid, int64_t(getpid()));

        // Running: live while its process is, gone once it has ended, live on another machine.
        s.state = RunState::Running;
        QVERIFY(!writer_gone(s)); // this process
        const pid_t child = fork();
        if (child == 0)
            _exit(0);
        QVERIFY(child > 0);
        QCOMPARE(waitpid(child, nullptr, 0), child);
        s.pid = child;
        QVERIFY(writer_gone(s));
        s.host = "another-machine";
        QVERIFY(!writer_gone(s));
        s.host = this_writer().host;
        s.state = RunState::Finished; // an ended run's writer may well be gone: that says nothing
        QVERIFY(!writer_gone(s));

        // A damaged file is no status, not an error.
        appendRaw(QString::fromStdString(RunPaths(folder).status), "{\"state\": ");
        QVERIFY(!read_folder_status(folder));
    }

    void aRunFolderIsReadOnce() {
        QTemporaryDir dir;
        const std::string folder = dir.path().toStdString();
        auto message = [](const std::string& f) {
            try {
                read_run_folder(f);
            } catch (const RunFolderError& e) {
                return std::string(e.what());
            }
            return std::string("accepted");
        };
        QVERIFY2(message(folder + "/missing").find("no such folder") != std::string::npos,
                 message(folder + "/missing").c_str());
        QVERIFY2(message(folder).find("holds no spec.json") != std::string::npos,
                 message(folder).c_str());
        appendRaw(dir.filePath("spec.json"),
                  R"({"net": {"widths": [1000000, 2, 3]}, "train": {}})");
        const std::string damaged = message(folder);
        QVERIFY2(damaged.find("spec.json") != std::string::npos &&
                     damaged.find("widths") != std::string::npos,
                 damaged.c_str());

        RunConfig c;
        c.name = "plain56";
        c.net = named_spec("plain56");
        c.train.dataset = "fashion-mnist";
        c.train.downsample = 2;
        write_text_atomic(RunPaths(folder).spec, to_json(c));
        RunFolder f = read_run_folder(folder);
        QCOMPARE(f.config.name, std::string("plain56"));
        QCOMPARE(f.config.net.depth(), int64_t(56));
        QCOMPARE(f.input_side(), int64_t(14)); // Fashion-MNIST's 28, averaged 2 x 2
        QVERIFY(!f.status);
        FolderStatus s = this_writer();
        s.state = RunState::Stopped;
        write_folder_status(folder, s);
        f = read_run_folder(folder);
        QVERIFY(f.status);
        QCOMPARE(int(f.status->state), int(RunState::Stopped));
    }

    void runFoldersInAFolder() {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        // An experiment's folder with two runs and a folder that is not a run.
        for (const char* name : {"b-run", "a-run", "notes"})
            QVERIFY(std::filesystem::create_directory(root + "/" + name));
        appendRaw(dir.filePath("a-run/spec.json"), "{}");
        appendRaw(dir.filePath("b-run/spec.json"), "{}");

        QCOMPARE(run_folders_in(root),
                 (std::vector<std::string>{root + "/a-run", root + "/b-run"}));
        QCOMPARE(run_folders_in(root + "/b-run"), (std::vector<std::string>{root + "/b-run"}));

        // Named twice, or through the folder that holds it: each run once, in the order first
        // named.
        QCOMPARE(run_folders_in(std::vector<std::string>{root + "/b-run", root, root + "/a-run/"}),
                 (std::vector<std::string>{root + "/b-run", root + "/a-run"}));

        // A folder with no run: an error that names it.
        try {
            run_folders_in(root + "/notes");
            QFAIL("a folder with no run was accepted");
        } catch (const RunFolderError& e) {
            QVERIFY2(std::string(e.what()).find("notes") != std::string::npos, e.what());
        }
        QVERIFY_THROWS_EXCEPTION(RunFolderError, run_folders_in(root + "/missing"));
    }
};

QTEST_APPLESS_MAIN(TestRunFolder)
#include "test_runfolder.moc"

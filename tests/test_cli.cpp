#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include "data/image.h"
#include "inspect/inspector.h"
#include "io/weights.h"
#include "testsupport.h"

using namespace reslab;

class TestCli : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString file(const QString& name) const { return m_dir.filePath(name); }

    QByteArray cli(const QStringList& args, int expectedExit = 0, QByteArray* err = nullptr) {
        int code = -1;
        QByteArray stdErr;
        const QByteArray out = test::runCli(args, &code, &stdErr);
        if (code != expectedExit)
            qWarning("reslab-cli %s exited %d: %s", qPrintable(args.join(' ')), code,
                     stdErr.constData());
        [&] { QCOMPARE(code, expectedExit); }();
        if (err)
            *err = stdErr;
        return out;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        test::runPython("cli_reference.py", {"make", m_dir.path()});
        QVERIFY2(QFile::exists(file("photo_logits.pt")), "the reference script failed");
    }

    void infoJson() {
        const QByteArray out = cli({"info", "--arch", "resnet18", "--json"});
        const QJsonObject j = QJsonDocument::fromJson(out).object();
        QCOMPARE(j["arch"].toString(), QString("resnet18"));
        QCOMPARE(j["params"].toInteger(), qint64(11689512)); // torchvision's published count
        QVERIFY(std::abs(j["macs"].toDouble() / 1e9 - 1.814) < 0.0005);
        const QJsonArray layers = j["layers"].toArray();
        QVERIFY(layers.size() > 50);
        QCOMPARE(layers.first().toObject()["name"].toString(), QString("conv1"));
        QCOMPARE(layers.first().toObject()["shape"].toArray(), (QJsonArray{64, 112, 112}));
        QCOMPARE(layers.last().toObject()["name"].toString(), QString("fc"));
    }

    void infoTableAtAnotherSize() {
        const QByteArray out =
            cli({"info", "--arch", "resnet56", "--input-size", "28", "--in-channels", "1"});
        QVERIFY(out.contains("layer3.8.relu"));
        QVERIFY(out.contains("64x7x7"));
        QVERIFY(out.contains("0.096 G")); // docs/PERFORMANCE.md: resnet56 at 28 x 28 is 95.8 M MACs
    }

    void initWritesWeightsPythonLoads() {
        cli({"init", "--arch", "resnet18", "--seed", "3", "--out", file("init.pth")});
        const QByteArray out =
            test::runPython("cli_reference.py", {"strict", file("init.pth"), "resnet18"});
        QCOMPARE(QJsonDocument::fromJson(out).object()["params"].toInteger(), qint64(11689512));
        // The seed decides the weights.
        cli({"init", "--arch", "resnet18", "--seed", "3", "--out", file("again.pth")});
        cli({"init", "--arch", "resnet18", "--seed", "4", "--out", file("other.pth")});
        const auto a = read_state_dict(file("init.pth").toStdString());
        const auto b = read_state_dict(file("again.pth").toStdString());
        const auto c = read_state_dict(file("other.pth").toStdString());
        QVERIFY(torch::equal(a[0].second, b[0].second));
        QVERIFY(!torch::equal(a[0].second, c[0].second));
    }

    void predictTensorMatchesPyTorch() {
        const QByteArray out =
            cli({"predict", "--arch", "resnet18", "--weights", file("r18.pth"), "--input-tensor",
                 file("x.pt"), "--output-tensor", file("y.pt"), "--topk", "3"});
        const auto ours = read_tensor_file(file("y.pt").toStdString());
        const auto theirs = read_tensor_file(file("x_logits.pt").toStdString());
        QVERIFY((ours - theirs).abs().max().item<double>() < 1e-4);
        // The top class, by name from the ImageNet list.
        const int64_t top = theirs.argmax(1).item<int64_t>();
        const QList<QByteArray> lines = out.trimmed().split('\n');
        QCOMPARE(lines.size(), 3);
        QVERIFY2(lines[0].contains(QByteArray::number(qint64(top))), out.constData());
    }

    void predictImageMatchesTorchvisionTransforms() {
        const QByteArray out =
            cli({"predict", "--arch", "resnet18", "--weights", file("r18.pth"), "--image",
                 file("photo.png"), "--output-tensor", file("yi.pt")});
        const auto ours = read_tensor_file(file("yi.pt").toStdString());
        const auto theirs = read_tensor_file(file("photo_logits.pt").toStdString());
        const double diff = (ours - theirs).abs().max().item<double>();
        QVERIFY2(diff < 1e-3, qPrintable(QString::number(diff)));
        QCOMPARE(out.trimmed().split('\n').size(), 5); // top-5 by default
    }

    // A preset fills what the user left open; what the user gave wins (--eval-every and --warmup
    // were once overwritten by the preset's own choices without a word).
    void comparePresetKeepsTheOptionsGiven() {
        const QString out = file("compare-preset");
        cli({"compare", "--preset", "degradation", "--dataset", "synthetic", "--batch", "8",
             "--steps", "4", "--eval-every", "2", "--warmup", "1", "--warmup-lr", "0.02", "--quiet",
             "--out", out});
        for (const QString run : {"plain20", "plain56", "resnet20", "resnet56"}) {
            QFile specFile(out + "/" + run + "/spec.json");
            QVERIFY2(specFile.open(QIODevice::ReadOnly), qPrintable(specFile.fileName()));
            const QJsonObject train =
                QJsonDocument::fromJson(specFile.readAll()).object()["train"].toObject();
            QCOMPARE(train["eval_every"].toInteger(), qint64(2));
            QCOMPARE(train["warmup_steps"].toInteger(), qint64(1));
            QCOMPARE(train["warmup_lr"].toDouble(), 0.02);
            QCOMPARE(train["downsample"].toInteger(), qint64(2)); // the preset's, not given
            QCOMPARE(train["batch_size"].toInteger(), qint64(8));
            // The test set was scored where the user asked: at step 2 and at the end.
            QFile metrics(out + "/" + run + "/metrics.jsonl");
            QVERIFY(metrics.open(QIODevice::ReadOnly));
            QList<qint64> evaluated;
            for (const QByteArray& line : metrics.readAll().split('\n')) {
                const QJsonObject record = QJsonDocument::fromJson(line).object();
                if (record["kind"].toString() == "eval")
                    evaluated << record["step"].toInteger();
            }
            QCOMPARE(evaluated, (QList<qint64>{2, 4}));
        }
    }

    void compareSaysHowTheRunsShareTheCores() {
        QByteArray err;
        cli({"compare", "--arch", "resnet20,plain20", "--dataset", "synthetic", "--batch", "8",
             "--steps", "2", "--parallel-runs", "2", "--threads", "1", "--out", file("split")},
            0, &err);
        QVERIFY2(err.contains("training 2 runs: 2 runs side by side, 1 thread each (as asked)"),
                 err.constData());
        // An absurd thread count is capped at the cores, and the run says so.
        cli({"compare", "--arch", "resnet20,plain20", "--dataset", "synthetic", "--batch", "8",
             "--steps", "2", "--threads", "1000", "--out", file("split-capped")},
            0, &err);
        const QByteArray cores = QByteArray::number(QThread::idealThreadCount());
        QVERIFY2(err.contains("threads capped at the " + cores + " cores"), err.constData());
    }

    void predictOnARunFolderSeesWhatTheWindowSees() {
        // A run of the degradation preset's layout on 14 x 14 inputs (synthetic, averaged from 28).
        const QString run = file("run-for-predict");
        cli({"train", "--arch", "resnet20", "--dataset", "synthetic", "--downsample", "2",
             "--steps", "2", "--batch", "8", "--quiet", "--out", run});
        // A 20 x 20 colour BMP, written by hand (rows bottom-up, padded to four bytes).
        const QString image = file("gradient.bmp");
        {
            const int w = 20, h = 20, row = (3 * w + 3) / 4 * 4;
            QByteArray bmp(54 + row * h, '\0');
            auto put32 = [&](int at, quint32 v) {
                for (int i = 0; i < 4; ++i)
                    bmp[at + i] = char((v >> (8 * i)) & 0xff);
            };
            bmp[0] = 'B';
            bmp[1] = 'M';
            put32(2, quint32(bmp.size()));
            put32(10, 54);
            put32(14, 40);
            put32(18, w);
            put32(22, h);
            bmp[26] = 1;
            bmp[28] = 24;
            for (int y = 0; y < h; ++y)
                for (int x = 0; x < w; ++x)
                    for (int c = 0; c < 3; ++c)
                        bmp[54 + y * row + 3 * x + c] = char((x * 12 + y * 5 * c) & 0xff);
            QFile f(image);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(bmp);
        }
        const QString logitsFile = file("run-logits.pt");
        const QByteArray out =
            cli({"predict", "--weights", run, "--image", image, "--output-tensor", logitsFile});
        QVERIFY2(out.contains("resize to 14x14"),
                 out.constData()); // the data set's 28, averaged by 2
        // The window's inspector on the same folder and image.
        const LoadedNetPtr net = load_net(run.toStdString());
        QCOMPARE(net->preprocessing.size, int64_t(14));
        const torch::Tensor input =
            prepare_input(*net, load_image(image.toStdString(), net->spec.in_channels));
        QCOMPARE(input.sizes(), (torch::IntArrayRef{1, 1, 14, 14}));
        torch::NoGradGuard no_grad;
        ResNet model = net->net;
        const torch::Tensor logits = model->forward(input);
        QVERIFY(torch::equal(read_tensor_file(logitsFile.toStdString()), logits));
    }

    void errorsAreClear_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown arch")
            << QStringList{"info", "--arch", "resnet19"} << "unknown architecture";
        QTest::newRow("empty --out") << QStringList{"train", "--out", ""} << "not an empty one";
        QTest::newRow("bench threads past the cap")
            << QStringList{"bench", "--threads", "100000"} << "--threads";
        QTest::newRow("missing weights") << QStringList{"predict",
                                                        "--arch",
                                                        "resnet18",
                                                        "--weights",
                                                        "/nonexistent/w.pth",
                                                        "--input-tensor",
                                                        "x"}
                                         << "/nonexistent/w.pth";
        QTest::newRow("not an image")
            << QStringList{"predict",  "--arch",  "resnet18",     "--weights",
                           "@r18.pth", "--image", "@notimage.png"}
            << "notimage.png";
        QTest::newRow("wrong architecture")
            << QStringList{"predict",  "--arch",         "resnet18", "--weights",
                           "@r34.pth", "--input-tensor", "@x.pt"}
            << "layer1.2.conv1.weight";
        QTest::newRow("a depth past any net's")
            << QStringList{"info", "--arch", "resnet99999999999999999999"}
            << "unknown architecture";
        QTest::newRow("NaN learning rate")
            << QStringList{"train", "--arch", "resnet20", "--dataset", "synthetic",
                           "--lr",  "nan",    "--out",    "@nan-run"}
            << "'nan' is not a finite number";
        QTest::newRow("weights that do not fit, named")
            << QStringList{"predict",  "--arch",         "resnet34", "--weights",
                           "@r18.pth", "--input-tensor", "@x.pt"}
            << "the weights in '";
        QTest::newRow("channels past --in-channels' limit")
            << QStringList{"predict",   "--arch",         "resnet18", "--weights",
                           "@wide.pth", "--input-tensor", "@x.pt"}
            << "take 100 input channels (conv1.weight), outside 1 to 64";
        QTest::newRow("input tensor expanded by stride 0")
            << QStringList{"predict",  "--arch",         "resnet18",    "--weights",
                           "@r18.pth", "--input-tensor", "@expanded.pt"}
            << "15052800000 elements: more than the 268435456";
        QTest::newRow("weights as input tensor")
            << QStringList{"predict",  "--arch",         "resnet18", "--weights",
                           "@r18.pth", "--input-tensor", "@r18.pth"}
            << "r18.pth";
        QTest::newRow("no input") << QStringList{"predict", "--arch", "resnet18", "--weights",
                                                 "@r18.pth"}
                                  << "--image or --input-tensor";
        QTest::newRow("unwritable output") << QStringList{"init",
                                                          "--arch",
                                                          "resnet20",
                                                          "--seed",
                                                          "1",
                                                          "--out",
                                                          "/nonexistent/dir/w.pth"}
                                           << "/nonexistent/dir/w.pth";
        QTest::newRow("the same net twice")
            << QStringList{"compare",   "--arch",    "resnet20,resnet20",
                           "--dataset", "synthetic", "--steps",
                           "1",         "--out",     "@twice"}
            << "the runs resnet20 and resnet20 would both write to '";
        // model/ refuses a spec.json field; the CLI names the option that gave it.
        QTest::newRow("a warm-up past its range, by its option")
            << QStringList{"train", "--arch",   "resnet20", "--dataset", "synthetic", "--steps",
                           "1",     "--warmup", "-5",       "--out",     "@run"}
            << "the field 'warmup_steps' is out of range (-5; from 0.0 to 1000000000.0) (--warmup)";
        // model/ says what is missing; the CLI says which of its options names it.
        QTest::newRow("no data folder")
            << QStringList{"train",   "--arch", "resnet20", "--dataset", "cifar10",
                           "--steps", "1",      "--out",    "@run"}
            << "CIFAR-10 needs the folder of its binary batches, and none was given (--data-dir)";
    }
    void errorsAreClear() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        for (auto& a : args)
            if (a.startsWith('@'))
                a = file(a.mid(1));
        QByteArray err;
        int code = 0;
        test::runCli(args, &code, &err);
        QVERIFY2(code > 0, qPrintable(QString("exit %1").arg(code))); // an error, not a crash
        QVERIFY2(err.contains(message.toUtf8()), err.constData());
        // Refused before anything was written: no half-made run folder stays behind.
        for (const auto& folder : {"twice", "nan-run", "run"})
            QVERIFY2(!QFileInfo::exists(file(folder)), folder);
    }

    // An output file that is one of the command's inputs, or a run's own checkpoint, is refused
    // before anything is written: predict --output-tensor over its --weights replaced them with
    // the logits, init --out over a run's checkpoint.pth replaced its trained weights.
    void outputsNeverReplaceInputs() {
        const QString weights = file("own.pth"), input = file("own-x.pt");
        QFile::remove(weights);
        QFile::remove(input);
        QVERIFY(QFile::copy(file("r18.pth"), weights) && QFile::copy(file("x.pt"), input));
        const auto bytesOf = [](const QString& path) {
            QFile f(path);
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        };
        const QByteArray weightsBefore = bytesOf(weights), inputBefore = bytesOf(input);
        QByteArray err;
        cli({"predict", "--arch", "resnet18", "--weights", weights, "--input-tensor", input,
             "--output-tensor", weights},
            1, &err);
        QVERIFY2(err.contains("is the --weights file it reads"), err.constData());
        cli({"predict", "--arch", "resnet18", "--weights", weights, "--input-tensor", input,
             "--output-tensor", m_dir.path() + "/./own-x.pt"},
            1, &err);
        QVERIFY2(err.contains("is the --input-tensor file it reads"), err.constData());
        QCOMPARE(bytesOf(weights), weightsBefore);
        QCOMPARE(bytesOf(input), inputBefore);

        const QString run = file("own-run");
        QVERIFY(QDir().mkpath(run));
        QFile spec(run + "/spec.json");
        QVERIFY(spec.open(QIODevice::WriteOnly));
        spec.write("{}");
        spec.close();
        QVERIFY(QFile::copy(weights, run + "/checkpoint.pth"));
        cli({"init", "--arch", "resnet18", "--seed", "2", "--out", run + "/checkpoint.pth"}, 1,
            &err);
        QVERIFY2(err.contains("is the checkpoint.pth of the run in '"), err.constData());
        QCOMPARE(bytesOf(run + "/checkpoint.pth"), weightsBefore);
    }

    void memoryThatRunsOutSaysWhatToLower() {
#if defined(__SANITIZE_ADDRESS__)
        QSKIP("AddressSanitizer reserves more address space than the limit this test sets");
#endif
        // 4 GiB of address space: LibTorch starts, resnet56's step at batch 2048 (several GiB of
        // activations) does not fit.
        const QString cli = QStringLiteral(RESLAB_CLI);
        QProcess p;
        p.start(QStringLiteral("/bin/sh"),
                {"-c", "ulimit -v 4000000; exec \"$0\" \"$@\"", cli, "train", "--arch", "resnet56",
                 "--dataset", "synthetic", "--batch", "2048", "--steps", "1", "--threads", "1",
                 "--out", file("oom")});
        QVERIFY(p.waitForFinished(300000));
        const QByteArray err = p.readAllStandardError();
        QVERIFY2(p.exitCode() > 0, err.constData());
        QVERIFY2(err.contains("not enough memory at step 1 (batch 2048, on cpu)"), err.constData());
        QVERIFY2(err.contains("Lower the batch size"), err.constData());
        QVERIFY2(!err.contains("frame #"), err.constData()); // no LibTorch backtrace
        QFile status(file("oom/status.json"));
        QVERIFY(status.open(QIODevice::ReadOnly));
        const QByteArray text = status.readAll();
        QVERIFY2(text.contains("not enough memory") && !text.contains("frame #"), text.constData());
    }

    void resumeNamesTheFileOfAnUnknownDataSet() {
        const QString run = file("unknown-data");
        int code = 0;
        test::runCli({"train", "--arch", "resnet20", "--dataset", "synthetic", "--steps", "1",
                      "--quiet", "--out", run},
                     &code);
        QCOMPARE(code, 0);
        QFile spec(run + "/spec.json");
        QVERIFY(spec.open(QIODevice::ReadOnly));
        QByteArray text = spec.readAll();
        spec.close();
        QVERIFY(text.contains("\"synthetic\""));
        text.replace("\"synthetic\"", "\"imagenet22k\"");
        QVERIFY(spec.open(QIODevice::WriteOnly | QIODevice::Truncate));
        spec.write(text);
        spec.close();
        QByteArray err;
        test::runCli({"resume", run}, &code, &err);
        QCOMPARE(code, 1);
        QVERIFY2(err.contains(
                     QString("'%1/spec.json': unknown data set 'imagenet22k'").arg(run).toUtf8()),
                 err.constData());
    }

    // A resume refused once the run is being set up (its trainer.pth does not fit the net its
    // spec.json now describes) leaves status.json as it was: it read "running" by a process
    // that had gone, where the run had finished.
    void aRefusedResumeKeepsTheStatus() {
        const QString run = file("refused-resume");
        int code = 0;
        test::runCli({"train", "--arch", "resnet20", "--dataset", "synthetic", "--steps", "1",
                      "--quiet", "--out", run},
                     &code);
        QCOMPARE(code, 0);
        const auto bytesOf = [](const QString& path) {
            QFile f(path);
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        };
        QByteArray spec = bytesOf(run + "/spec.json");
        const QByteArray status = bytesOf(run + "/status.json");
        QVERIFY(status.contains("\"finished\""));
        const int at = spec.indexOf("\"widths\"");
        QVERIFY(at > 0);
        spec.replace(spec.indexOf("64", at), 2, "128");
        QFile out(run + "/spec.json");
        QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
        out.write(spec);
        out.close();
        QByteArray err;
        test::runCli({"resume", run}, &code, &err);
        QCOMPARE(code, 1);
        QVERIFY2(err.contains("do not fit the net"), err.constData());
        QCOMPARE(bytesOf(run + "/status.json"), status);
    }

    void aRunThatCannotStartLeavesTheOthersUnmade() {
        // The second run's folder already holds a run: the first one's is not made either.
        const QString out = file("half");
        QVERIFY(QDir().mkpath(out + "/plain20"));
        QFile status(out + "/plain20/status.json");
        QVERIFY(status.open(QIODevice::WriteOnly));
        status.write("{}");
        status.close();
        QByteArray err;
        int code = 0;
        test::runCli({"compare", "--arch", "resnet20,plain20", "--dataset", "synthetic", "--steps",
                      "1", "--out", out},
                     &code, &err);
        QCOMPARE(code, 1);
        QVERIFY2(err.contains("already holds a run (status.json)"), err.constData());
        QVERIFY(!QFileInfo::exists(out + "/resnet20"));
        QCOMPARE(QDir(out + "/plain20").entryList(QDir::Files), QStringList{"status.json"});
    }
};

QTEST_APPLESS_MAIN(TestCli)
#include "test_cli.moc"

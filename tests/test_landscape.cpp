#include <cmath>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <torch/nn/functional/loss.h>

#include "data/augment.h"
#include "inspect/inspector.h"
#include "inspect/landscape.h"
#include "io/runfolder.h"
#include "io/weights.h"
#include "testsupport.h"
#include "train/experiment.h"
#include "train/run.h"

using namespace reslab;

// The loss surface of issue 18 against plain PyTorch (tests/python/landscape_reference.py): the
// same weights, directions and images give the same grid; the directions are filter-normalised;
// the grid fills coarse to fine, stops when asked, and goes into the run folder and back.
class TestLandscape : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::vector<int64_t> m_seenP, m_seenR; // image counts per point seen so far, per surface
    QString file(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }
    std::string path(const char* name) const { return file(name).toStdString(); }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        test::runPython(QStringLiteral("landscape_reference.py"), {"make", m_dir.path()});
    }

    void theGridIsPyTorchs() {
        const LoadedNetPtr net = load_net(path("resnet18.pth"));
        const torch::Tensor x = read_tensor_file(path("x.pt"));
        const torch::Tensor y = read_tensor_file(path("y.pt"));
        const Directions d = filter_normalized_directions(*net->net, 7);
        write_directions(d, path("directions.pth"));
        Landscape l;
        l.options.grid = 5;
        l.options.range = 0.5;
        l.options.batch = 6; // three batches of the 16 images, the last short
        compute_landscape(*net->net, x, y, d, l);
        QVERIFY(l.complete());
        QJsonObject grid;
        auto array = [](const std::vector<double>& v) {
            QJsonArray a;
            for (double x : v)
                a.append(x);
            return a;
        };
        grid["coords"] = array(l.coords);
        grid["losses"] = array(l.loss);
        grid["errors"] = array(l.error);
        QFile out(file("grid.json"));
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(QJsonDocument(grid).toJson());
        out.close();

        const QJsonObject r =
            QJsonDocument::fromJson(
                test::runPython(QStringLiteral("landscape_reference.py"), {"check", m_dir.path()}))
                .object();
        QCOMPARE(r["points"].toInt(), 25);
        QVERIFY2(r["max_rel_loss_diff"].toDouble(1) < 1e-4,
                 qPrintable(QString::number(r["max_rel_loss_diff"].toDouble(1))));
        QVERIFY(r["max_error_diff"].toDouble(1) <= 1.0 / 16 + 1e-9); // one image, at a tie
        QVERIFY2(r["max_rel_filter_norm_diff"].toDouble(1) < 1e-4,
                 qPrintable(QString::number(r["max_rel_filter_norm_diff"].toDouble(1))));
        QVERIFY(r["biasbn_zero"].toBool());

        // At a = b = 0 the loss is the net's own on these images, and the net itself was not
        // moved (the points are evaluated on a copy).
        torch::NoGradGuard no_grad;
        const double own =
            torch::nn::functional::cross_entropy(net->net.ptr()->forward(x), y).item<double>();
        QVERIFY2(std::abs(l.loss_at(2, 2) - own) <= 1e-5 * own,
                 qPrintable(QString("%1 vs %2").arg(l.loss_at(2, 2)).arg(own)));
        // Further out the loss is another: the directions move the net.
        QVERIFY(std::abs(l.loss_at(0, 0) - own) > 1e-3 * own);
    }

    void directionsAreSeededAndFilterNormalised() {
        const ResNet net = build_seeded(test::smallRun("resnet20", 1).net, 1);
        const Directions a = filter_normalized_directions(*net, 3);
        const Directions b = filter_normalized_directions(*net, 3);
        const Directions c = filter_normalized_directions(*net, 4);
        QCOMPARE(a.names.size(), net->named_parameters().size());
        int filters = 0;
        for (size_t i = 0; i < a.names.size(); ++i) {
            QVERIFY(torch::equal(a.d1[i], b.d1[i]) && torch::equal(a.d2[i], b.d2[i]));
            const torch::Tensor w = net->named_parameters()[a.names[i]];
            if (w.dim() <= 1) {
                QVERIFY2(a.d1[i].abs().max().item<float>() == 0.0f, a.names[i].c_str());
                continue;
            }
            QVERIFY(!torch::equal(a.d1[i], c.d1[i]));
            QVERIFY(!torch::equal(a.d1[i], a.d2[i]));
            const torch::Tensor dn = a.d2[i].reshape({w.size(0), -1}).norm(2, 1);
            const torch::Tensor wn = w.reshape({w.size(0), -1}).norm(2, 1);
            QVERIFY2(((dn - wn).abs() / wn).max().item<float>() < 1e-5f, a.names[i].c_str());
            filters += static_cast<int>(w.size(0));
        }
        QVERIFY(filters > 100); // every conv of resnet20 and the fc were checked
    }

    void theGridFillsCoarseToFineAndStopsWhenAsked() {
        const auto order = coarse_to_fine(21);
        QCOMPARE(order.size(), size_t(441));
        std::set<std::pair<int64_t, int64_t>> seen(order.begin(), order.end());
        QCOMPARE(seen.size(), size_t(441));
        // The first picture: every 4th point, the corners among them; then every 2nd.
        for (int i = 0; i < 36; ++i)
            QVERIFY(order[i].first % 4 == 0 && order[i].second % 4 == 0);
        for (int i = 36; i < 121; ++i)
            QVERIFY(order[i].first % 2 == 0 && order[i].second % 2 == 0);
        QVERIFY(seen.count({20, 20}) &&
                std::find(order.begin(), order.begin() + 36,
                          std::make_pair<int64_t, int64_t>(20, 20)) != order.begin() + 36);

        ResNet net = build_seeded(test::smallRun("resnet20", 1).net, 1);
        net->eval();
        const torch::Tensor x = torch::randn({8, 1, 28, 28});
        const torch::Tensor y = torch::randint(0, 10, {8}, torch::kInt64);
        Landscape l;
        l.options.grid = 9;
        int calls = 0;
        compute_landscape(*net, x, y, filter_normalized_directions(*net, 1), l,
                          [&](const Landscape&) { return ++calls < 10; });
        QCOMPARE(l.computed, int64_t(10));
        QCOMPARE(calls, 10);
        int finite = 0;
        for (double v : l.loss)
            finite += std::isfinite(v);
        QCOMPARE(finite, 10);
        QVERIFY(!l.complete());
    }

    void coarsePointsComeFirstOnTheirFirstImages() {
        // Two surfaces together, 8 images in chunks of 2: the coarse points (every 4th of a
        // 9-point axis: 3 x 3) of both come first, each on its first 2 images, taking turns; a
        // point's first value is the mean over just those images (evaluated apart here).
        ResNet p = build_seeded(test::smallRun("plain20", 1).net, 1);
        ResNet r = build_seeded(test::smallRun("resnet20", 1).net, 2);
        p->eval();
        r->eval();
        const torch::Tensor x = torch::randn({8, 1, 28, 28});
        const torch::Tensor y = torch::randint(0, 10, {8}, torch::kInt64);
        const Directions dp = filter_normalized_directions(*p, 3);
        const Directions dr = filter_normalized_directions(*r, 3);
        Landscape lp, lr;
        lp.options.grid = lr.options.grid = 9;
        lp.options.batch = lr.options.batch = 2;
        struct Event {
            size_t job;
            int64_t point, images;
            double loss;
        };
        std::vector<Event> events;
        std::vector<int64_t> last(2, -1);
        compute_landscapes(
            {{p.get(), x, y, &dp, &lp}, {r.get(), x, y, &dr, &lr}},
            [&](size_t job, const Landscape& now) {
                // The point that changed: the one whose image count grew.
                int64_t changed = -1;
                std::vector<int64_t>& before = job == 0 ? m_seenP : m_seenR;
                before.resize(81, 0);
                for (int64_t i = 0; i < 81; ++i)
                    if (now.images_at[static_cast<size_t>(i)] != before[static_cast<size_t>(i)]) {
                        changed = i;
                        before[static_cast<size_t>(i)] = now.images_at[static_cast<size_t>(i)];
                    }
                if (changed < 0)
                    return false; // every call reports a change
                events.push_back({job, changed, now.images_at[static_cast<size_t>(changed)],
                                  now.loss[static_cast<size_t>(changed)]});
                return true;
            },
            {1, 1}); // one worker: the events come in the work's order
        QVERIFY(lp.complete() && lr.complete());
        QCOMPARE(events.size(), size_t(2 * 9 + 2 * 9 + 2 * (81 - 9)));
        Landscape fp, fr; // both surfaces on the first 2 images alone
        fp.options.grid = fr.options.grid = 9;
        compute_landscape(*p, x.narrow(0, 0, 2), y.narrow(0, 0, 2), dp, fp);
        compute_landscape(*r, x.narrow(0, 0, 2), y.narrow(0, 0, 2), dr, fr);
        for (size_t k = 0; k < 18; ++k) {
            const Event& e = events[k];
            QCOMPARE(e.job, k % 2);
            QVERIFY((e.point / 9) % 4 == 0 && (e.point % 9) % 4 == 0);
            QCOMPARE(e.images, int64_t(2));
            const double apart = (e.job == 0 ? fp : fr).loss[static_cast<size_t>(e.point)];
            QVERIFY2(std::abs(e.loss - apart) <= 1e-5 * std::abs(apart),
                     qPrintable(QStringLiteral("%1 vs %2").arg(e.loss).arg(apart)));
        }
        for (size_t k = 18; k < 36; ++k) // then the same points on all their images
            QCOMPARE(events[k].images, int64_t(8));
        for (size_t k = 36; k < events.size(); ++k)
            QVERIFY((events[k].point / 9) % 4 != 0 || (events[k].point % 9) % 4 != 0);
        // The summary leaves out what is not done on all its images: here the centre.
        Landscape half = lp;
        half.images_at[40] = 2;
        QVERIFY(std::isfinite(summarize(lp).centre_loss));
        QVERIFY(std::isnan(summarize(half).centre_loss));
    }

    void theNumbersAreTheSameOnAnySplit() {
        // One worker or several, the chunks' sums are added in the same order: equal bit for bit.
        ResNet net = build_seeded(test::smallRun("resnet20", 1).net, 4);
        net->eval();
        const torch::Tensor x = torch::randn({12, 1, 28, 28});
        const torch::Tensor y = torch::randint(0, 10, {12}, torch::kInt64);
        const Directions d = filter_normalized_directions(*net, 5);
        std::vector<Landscape> ls(3);
        const LandscapeSplit splits[] = {{1, 1}, {2, 1}, {3, 1}};
        for (size_t i = 0; i < ls.size(); ++i) {
            ls[i].options.grid = 5;
            ls[i].options.batch = 5; // chunks of 5, 5 and 2
            compute_landscape(*net, x, y, d, ls[i], {}, splits[i]);
            QVERIFY(ls[i].complete());
        }
        QVERIFY(ls[0].loss == ls[1].loss && ls[0].loss == ls[2].loss);
        QVERIFY(ls[0].error == ls[1].error && ls[0].error == ls[2].error);
    }

    void trajectoryDirectionsArePrincipalComponents() {
        // Snapshots that lie in a plane spanned by two known directions u and v (over the
        // conv and fc weights): the first two principal directions span that plane, and each
        // snapshot's projection keeps its distance from the final weights.
        torch::manual_seed(5);
        ResNet net = build_seeded(test::smallRun("resnet20", 1).net, 1);
        const auto params = net->named_parameters();
        std::vector<torch::Tensor> u, v;
        double uu = 0, vv = 0;
        for (const auto& p : params) {
            const bool moved = p.value().dim() > 1;
            u.push_back(moved ? torch::randn_like(p.value()) : torch::zeros_like(p.value()));
            v.push_back(moved ? torch::randn_like(p.value()) : torch::zeros_like(p.value()));
            uu += u.back().pow(2).sum().item<double>();
        }
        for (auto& t : u)
            t /= std::sqrt(uu);
        double uv = 0;
        for (size_t i = 0; i < v.size(); ++i)
            uv += (u[i] * v[i]).sum().item<double>();
        for (size_t i = 0; i < v.size(); ++i)
            v[i] -= uv * u[i]; // orthogonal to u
        for (const auto& t : v)
            vv += t.pow(2).sum().item<double>();
        for (auto& t : v)
            t /= std::sqrt(vv);
        const std::vector<std::pair<double, double>> c = {{3, 1}, {2, -1.5}, {1, 0.5}, {0.2, 0.1}};
        std::vector<std::pair<int64_t, StateDict>> snapshots;
        for (size_t k = 0; k < c.size(); ++k) {
            StateDict state;
            for (size_t i = 0; i < params.size(); ++i)
                state.emplace_back(
                    params[i].key(),
                    (params[i].value().detach() + c[k].first * u[i] + c[k].second * v[i]).clone());
            snapshots.emplace_back(static_cast<int64_t>(k) * 10, state);
        }
        Trajectory t;
        const Directions d = pca_directions(*net, snapshots, &t);
        auto dot = [&](const std::vector<torch::Tensor>& x, const std::vector<torch::Tensor>& y) {
            double s = 0;
            for (size_t i = 0; i < x.size(); ++i)
                s += (x[i].to(torch::kFloat64) * y[i].to(torch::kFloat64)).sum().item<double>();
            return s;
        };
        QVERIFY(std::abs(dot(d.d1, d.d1) - 1) < 1e-4);
        QVERIFY(std::abs(dot(d.d2, d.d2) - 1) < 1e-4);
        QVERIFY(std::abs(dot(d.d1, d.d2)) < 1e-4);
        for (const auto* dir : {&d.d1, &d.d2}) // in the plane of u and v
            QVERIFY(std::abs(std::pow(dot(*dir, u), 2) + std::pow(dot(*dir, v), 2) - 1) < 1e-3);
        for (size_t i = 0; i < params.size(); ++i)
            if (params[i].value().dim() <= 1)
                QVERIFY(d.d1[i].abs().max().item<float>() == 0.0f);
        QCOMPARE(t.steps, (std::vector<int64_t>{0, 10, 20, 30}));
        for (size_t k = 0; k < c.size(); ++k) {
            const double want = std::hypot(c[k].first, c[k].second);
            QVERIFY2(std::abs(std::hypot(t.a[k], t.b[k]) - want) < 1e-3 * want,
                     qPrintable(QString::number(k)));
        }
        QVERIFY(std::abs(t.explained[0] + t.explained[1] - 1) < 1e-6); // all in the plane
        QVERIFY(t.explained[0] >= t.explained[1]);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 pca_directions(*net, {snapshots.front()}, nullptr));
    }

    void aRunFolderKeepsItsSurface() {
        const std::string folder = path("run");
        {
            Experiment e({test::smallRun("resnet20", 10)}, {folder});
            while (!e.runs().front()->done())
                e.runs().front()->step();
        }
        LandscapeOptions o;
        o.grid = 5;
        o.images = 64;
        o.seed = 11;
        const Landscape l = landscape_for_run(folder, o);
        QVERIFY(l.complete());
        QCOMPARE(l.options.images, int64_t(64));
        const Landscape back = read_landscape(landscape_json_path(folder, 11));
        QCOMPARE(back.options.grid, int64_t(5));
        QCOMPARE(back.coords, l.coords);
        QCOMPARE(back.loss, l.loss);
        QCOMPARE(back.error, l.error);
        const StateDict d = read_state_dict(landscape_directions_path(folder, 11));
        QCOMPARE(d.size(),
                 2 * build_seeded(test::smallRun("resnet20", 1).net, 1)->named_parameters().size());
        QCOMPARE(QString::fromStdString(d.front().first), QStringLiteral("d1.conv1.weight"));
        const LandscapeSummary s = summarize(l);
        QVERIFY(s.min_loss <= s.centre_loss && s.centre_loss <= s.max_loss);
        QVERIFY(s.local_minima >= 1);

        // The line from the initial weights: at alpha 1 the trained net (the surface's centre);
        // at alpha 0 the run's initial parameters with the trained BN statistics, evaluated here
        // on the same images.
        const Interpolation line = interpolation_for_run(folder, o);
        QCOMPARE(line.alpha, (std::vector<double>{-0.5, 0.0, 0.5, 1.0, 1.5}));
        QVERIFY(std::abs(line.loss[3] - l.loss_at(2, 2)) <= 1e-6 * l.loss_at(2, 2));
        {
            torch::NoGradGuard no_grad;
            const RunConfig config = read_run_folder(folder).config;
            ResNet initial = build_seeded(config.net, config.train.seed);
            const StateDict trained = read_state_dict(folder + "/checkpoint.pth");
            for (auto& b : initial->named_buffers())
                for (const auto& [name, t] : trained)
                    if (name == b.key())
                        b.value().copy_(t);
            initial->eval();
            const RunData data = load_run_data(config.train);
            const torch::Tensor indices = read_tensor_file(folder + "/landscape-11-images.pth");
            QCOMPARE(indices.size(0), int64_t(64));
            const torch::Tensor x = make_batch(*data.train, indices);
            const torch::Tensor y = data.train->labels.index_select(0, indices);
            const double own =
                torch::nn::functional::cross_entropy(initial->forward(x), y).item<double>();
            QVERIFY2(std::abs(line.loss[1] - own) <= 1e-5 * own,
                     qPrintable(QString("%1 vs %2").arg(line.loss[1]).arg(own)));
            QVERIFY(std::abs(line.loss[1] - line.loss[3]) > 1e-3);
        }
        QVERIFY(QFileInfo::exists(QString::fromStdString(interpolation_json_path(folder, 11))));

        // A cancelled surface writes nothing; a damaged file is refused by name.
        o.seed = 12;
        landscape_for_run(folder, o, [](const Landscape&) { return false; });
        QVERIFY(!QFileInfo::exists(QString::fromStdString(landscape_json_path(folder, 12))));
        QFile json(QString::fromStdString(landscape_json_path(folder, 11)));
        QVERIFY(json.open(QIODevice::WriteOnly | QIODevice::Truncate));
        json.write(R"({"grid": 100000, "losses": []})");
        json.close();
        try {
            read_landscape(landscape_json_path(folder, 11));
            QFAIL("no error");
        } catch (const RunFolderError& e) {
            QVERIFY2(QString(e.what()).contains("landscape-11.json") &&
                         QString(e.what()).contains("at most 201"),
                     e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TestLandscape)
#include "test_landscape.moc"

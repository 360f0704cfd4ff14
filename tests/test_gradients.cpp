// The gradient views fed by real runs that reslab-cli trains: the heat maps hold every layer and
// probe record of the run, on one log colour scale spanning the data; zero and NaN norms are drawn,
// not dropped; picking a row selects the layer; and the lesion study of the GUI runs on the runs'
// checkpoints and greys out what it removes.
#include <QtTest>

#include <cmath>

#include <QProcess>
#include <QTemporaryDir>

#include "barplot.h"
#include "curveplot.h"
#include "gradientsview.h"
#include "heatmapplot.h"
#include "io/runfolder.h"
#include "lesionview.h"
#include "mainwindow.h"
#include "selection.h"

using namespace reslab;

namespace {

std::vector<MetricRecord> probes(const std::vector<MetricRecord>& records) {
    std::vector<MetricRecord> out;
    for (const auto& r : records)
        if (r.kind == MetricRecord::Kind::Probe)
            out.push_back(r);
    return out;
}

} // namespace

class TestGradients : public QObject {
    Q_OBJECT
private:
    /// The view shown with the two runs of initTestCase, plain on the left, residual on the right
    /// (their records not given yet).
    static void showTwins(GradientsView& view) {
        view.resize(1200, 800);
        view.show();
        view.addRun(1, QStringLiteral("plain20"), Qt::blue, true, 20);
        view.addRun(2, QStringLiteral("resnet20"), Qt::red, false, 20);
    }

private Q_SLOTS:
    // The views pair the deepest plain run with the residual run of its depth, the depth taken
    // from each run's spec: names that carry no depth (or a misleading one) change nothing.
    void twinsArePairedByTheirSpecsDepth() {
        Selection selection;
        GradientsView gradients(&selection);
        LesionView lesion(&selection);
        const struct {
            int id;
            const char* name;
            bool plain;
            int depth;
        } runs[] = {{1, "deep-plain", true, 56},
                    {2, "shallow-plain", true, 20},
                    {3, "twin-of-20", false, 20},
                    {4, "net110", false, 56}};
        for (const auto& r : runs) {
            gradients.addRun(r.id, QString::fromLatin1(r.name), Qt::blue, r.plain, r.depth);
            lesion.addRun(r.id, QString::fromLatin1(r.name), Qt::blue, r.plain, QString(), r.depth);
        }
        QCOMPARE(gradients.leftRun(), 1);
        QCOMPARE(gradients.rightRun(), 4);
        QCOMPARE(lesion.residualRun(), 4);
        QCOMPARE(lesion.plainRun(), 1);
    }

    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QProcess cli;
        cli.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        cli.start(QStringLiteral(RESLAB_CLI),
                  {QStringLiteral("compare"), QStringLiteral("--arch"),
                   QStringLiteral("plain20,resnet20"), QStringLiteral("--dataset"),
                   QStringLiteral("synthetic"), QStringLiteral("--steps"), QStringLiteral("60"),
                   QStringLiteral("--batch"), QStringLiteral("32"), QStringLiteral("--lr"),
                   QStringLiteral("0.05"), QStringLiteral("--probe-every"), QStringLiteral("5"),
                   QStringLiteral("--eval-every"), QStringLiteral("60"), QStringLiteral("--quiet"),
                   QStringLiteral("--out"), m_dir.path()});
        QVERIFY(cli.waitForFinished(300000));
        QCOMPARE(cli.exitCode(), 0);
        m_plain =
            read_metrics(m_dir.filePath(QStringLiteral("plain20/metrics.jsonl")).toStdString());
        m_residual =
            read_metrics(m_dir.filePath(QStringLiteral("resnet20/metrics.jsonl")).toStdString());
        QCOMPARE(probes(m_plain).size(), size_t(13)); // step 1 and every 5th of 60
        QCOMPARE(probes(m_residual).size(), size_t(13));
    }

    void heatMapsHoldEveryLayerAndRecord() {
        Selection selection;
        GradientsView view(&selection);
        showTwins(view);
        view.appendRecords(1, m_plain);
        view.appendRecords(2, m_residual);
        QCOMPARE(view.leftRun(), 1); // the plain run on the left, its residual twin on the right
        QCOMPARE(view.rightRun(), 2);

        const ProbeRecord first = probes(m_plain).front().probe;
        // plain-20: conv1, 18 convs in the blocks, fc.
        QCOMPARE(first.layers.size(), size_t(20));
        for (HeatmapPlot* map : {view.leftMap(), view.rightMap()}) {
            map->flush();
            QCOMPARE(map->rowCount(), 20);
            QCOMPARE(map->columnCount(), 13);
            QVERIFY(map->logColorScale());
        }
        QCOMPARE(view.leftMap()->rows().front(), QStringLiteral("conv1.weight"));
        QCOMPARE(view.leftMap()->rows().back(), QStringLiteral("fc.weight"));
        QCOMPARE(view.leftMap()->columnStep(0), 1.0);
        QCOMPARE(view.leftMap()->columnStep(1), 5.0);
        QCOMPARE(view.leftMap()->value(3, 7), probes(m_plain)[7].probe.grad_norms[3]);

        // One colour scale spanning both runs' smallest and largest norm.
        double lo = INFINITY, hi = 0;
        for (const auto* records : {&m_plain, &m_residual})
            for (const auto& r : probes(*records))
                for (double g : r.probe.grad_norms)
                    if (std::isfinite(g) && g > 0) {
                        lo = std::min(lo, g);
                        hi = std::max(hi, g);
                    }
        for (HeatmapPlot* map : {view.leftMap(), view.rightMap()}) {
            QCOMPARE(map->colorRange().first, lo);
            QCOMPARE(map->colorRange().second, hi);
        }

        // The first-to-last ratios and the caption come from the records.
        const QVector<double> ratios = view.firstToLastRatios(1);
        QCOMPARE(ratios.size(), 13);
        const std::vector<MetricRecord> plainProbes = probes(m_plain);
        const auto& last = plainProbes.back().probe.grad_norms;
        QCOMPARE(ratios.back(), last.front() / last.back());
        QVERIFY(view.caption().contains(QStringLiteral("plain20")));
        QVERIFY(view.caption().contains(QStringLiteral("at iteration 1 and")));
        QVERIFY(view.caption().contains(QStringLiteral("iteration 60")));
        QCOMPARE(view.ratioPlot()->pointCount(1, 1), 13);
    }

    void zeroAndNanAreDrawn() {
        HeatmapPlot map;
        map.resize(600, 400);
        map.setRows({QStringLiteral("conv1.weight"), QStringLiteral("layer1.0.conv1.weight"),
                     QStringLiteral("fc.weight")});
        map.appendColumn(10, {0.5, 0.0, 2.0});
        map.appendColumn(20, {0.25, std::nan(""), 4.0});
        map.flush();
        QCOMPARE(map.columnCount(), 2);
        QCOMPARE(map.colorRange().first, 0.25); // the zero does not pull a log scale to nothing
        QCOMPARE(map.colorRange().second, 4.0);
        const QColor zero = map.cellColor(1, 0);
        QVERIFY(zero.isValid());
        QCOMPARE(zero.alpha(), 255);
        QCOMPARE(zero, map.cellColor(0, 1)); // the lowest colour, as the smallest norm
        QVERIFY(zero != map.cellColor(2, 1));
        QVERIFY(zero != HeatmapPlot::nanColor());
        QCOMPARE(map.cellColor(1, 1), HeatmapPlot::nanColor());
    }

    void hiddenMapDrawsWhenShown() {
        // A map on a tab nobody looks at: records arrive, nothing is drawn until it is shown.
        QWidget window;
        auto* map = new HeatmapPlot(&window);
        window.resize(600, 400);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        map->setRows({QStringLiteral("conv1.weight"), QStringLiteral("fc.weight")});
        map->hide();
        QTest::qWait(100); // the replots of showing and laying out settle
        QSignalSpy replots(map->canvas(), SIGNAL(afterReplot()));
        for (int i = 0; i < 20; ++i)
            map->appendColumn(10.0 * (i + 1), {1.0 + i, 0.5});
        QTest::qWait(300);
        QCOMPARE(replots.count(), 0);
        map->show();
        QTRY_VERIFY(replots.count() >= 1);
        QCOMPARE(map->drawnColumns(), 20);
    }

    void longRunsShareCellsAndKeepNan() {
        HeatmapPlot map;
        map.resize(600, 400);
        map.setRows({QStringLiteral("conv1.weight"), QStringLiteral("fc.weight")});
        const int records = 3000; // three records a cell
        for (int i = 0; i < records; ++i)
            map.appendColumn(10.0 * (i + 1),
                             {i == 1500 ? std::nan("") : 1.0 + (i % 3), 0.1 * (1 + i % 7)});
        QCOMPARE(map.columnCount(), records);
        QCOMPARE(map.drawnColumns(), 1000);
        QCOMPARE(map.value(0, 1501), 2.0); // the records themselves are kept
        // A NaN among a cell's records is not averaged away.
        QCOMPARE(map.cellColor(0, 1500), HeatmapPlot::nanColor());
        QCOMPARE(map.cellColor(0, 1502), HeatmapPlot::nanColor());
        QVERIFY(map.cellColor(0, 1503) != HeatmapPlot::nanColor());
        // The others show their records' mean: 1, 2 and 3 make the colour of 2.
        HeatmapPlot two;
        two.resize(600, 400);
        two.setRows({QStringLiteral("conv1.weight")});
        two.appendColumn(10, {2.0});
        two.setColorRange(map.colorRange().first, map.colorRange().second);
        QCOMPARE(map.cellColor(0, 0), two.cellColor(0, 0));
        QVERIFY(map.cellColor(0, 0) != map.cellColor(1, 0));
    }

    void liveRecordsDrawAsASavedRunDoes() {
        // Live, the map is rebuilt after every few records and keeps the cells that were whole;
        // it must end up drawing exactly what a map given every record at once draws, across the
        // points where records start to share cells (1024, 2048), and with a new minimum in the
        // last record (zeros are drawn just below the colour range, so whole cells of zeros
        // change).
        const QStringList rows{QStringLiteral("conv1.weight"),
                               QStringLiteral("layer1.0.conv1.weight"),
                               QStringLiteral("fc.weight")};
        auto record = [](int i) {
            const double first = i == 1700 ? std::nan("") : 1.0 + (i % 3);
            const double second = i % 5 == 0 || (i >= 600 && i < 660) ? 0.0 : 0.1 * (1 + i % 7);
            const double third = i == 2099 ? 0.01 : 2.0 + std::sin(0.01 * i);
            return QVector<double>{first, second, third};
        };
        HeatmapPlot live, saved;
        for (HeatmapPlot* map : {&live, &saved}) {
            map->resize(600, 400);
            map->setRows(rows);
        }
        const int records = 2100;
        for (int i = 0; i < records; ++i) {
            live.appendColumn(10.0 * (i + 1), record(i));
            saved.appendColumn(10.0 * (i + 1), record(i));
            if (i % 7 == 0 || (i > 1020 && i < 1030) || i > 2075)
                live.flush();
        }
        QCOMPARE(live.drawnColumns(), saved.drawnColumns());
        QCOMPARE(live.drawnColumns(), 700); // three records a cell
        QCOMPARE(live.colorRange(), saved.colorRange());
        for (int c = 0; c < records; ++c)
            for (int r = 0; r < rows.size(); ++r)
                QVERIFY2(live.cellColor(r, c) == saved.cellColor(r, c),
                         qPrintable(QStringLiteral("row %1, record %2").arg(r).arg(c)));
        QCOMPARE(live.cellColor(0, 1700), HeatmapPlot::nanColor());
    }

    void rowsAndSelectionFollowEachOther() {
        Selection selection;
        GradientsView view(&selection);
        showTwins(view);
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.appendRecords(1, m_plain);
        view.appendRecords(2, m_residual);
        HeatmapPlot* map = view.leftMap();
        QTest::mouseClick(map->canvas(), Qt::LeftButton, Qt::NoModifier, map->cellCenter(5, 4));
        QCOMPARE(selection.layer(), QString(map->rows()[5]).remove(QStringLiteral(".weight")));
        // A layer picked elsewhere (a block, in the block graph) is highlighted here.
        selection.setLayer(QStringLiteral("layer2.1"));
        QCOMPARE(view.rightMap()->highlightedRow(), QStringLiteral("layer2.1.conv1.weight"));
        QCOMPARE(view.residualMap()->highlightedRow(), QStringLiteral("layer2.1"));
        QCOMPARE(view.layerPlot()->pointCount(2, 1), 13);
    }

    void pinnedLayersKeepTheirLines() {
        Selection selection;
        GradientsView view(&selection);
        showTwins(view);
        // Half the probes, then pins, then the rest: pinned lines append as records arrive.
        const std::vector<MetricRecord> plain = probes(m_plain), residual = probes(m_residual);
        view.appendRecords(1, {plain.begin(), plain.begin() + 6});
        view.appendRecords(2, {residual.begin(), residual.begin() + 6});
        selection.setLayer(QStringLiteral("layer1.0.conv1"));
        view.pinLayer(selection.layer());
        selection.setLayer(QStringLiteral("layer3.2")); // a block: its first layer
        view.pinLayer(selection.layer());
        view.pinLayer(selection.layer()); // pinned once only
        selection.setLayer(QStringLiteral("fc"));
        view.appendRecords(1, {plain.begin() + 6, plain.end()});
        view.appendRecords(2, {residual.begin() + 6, residual.end()});
        QCOMPARE(view.pinnedLayers(), (QStringList{QStringLiteral("layer1.0.conv1.weight"),
                                                   QStringLiteral("layer3.2.conv1.weight")}));
        if (const QString shots = qEnvironmentVariable("RESLAB_TEST_SHOTS"); !shots.isEmpty()) {
            QTest::qWait(200); // to look at: the lines drawn
            view.grab().save(shots + QStringLiteral("/gradients-pinned.png"));
        }

        // Every line holds every probe's norm of its layer, as the records have it.
        QTemporaryDir dir;
        const QString csv = dir.filePath(QStringLiteral("layers.csv"));
        QVERIFY(view.layerPlot()->exportCsv(csv));
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QMap<QString, QVector<double>> lines; // "run/series" -> values
        const QList<QByteArray> rows = file.readAll().split('\n');
        for (int i = 1; i < rows.size(); ++i) {
            const QList<QByteArray> f = rows[i].split(',');
            if (f.size() == 6)
                lines[QString::fromUtf8(f[0] + '/' + f[1])].append(f[5].toDouble());
        }
        QCOMPARE(lines.size(), 6); // two runs x (the selected layer and two pinned)
        for (const auto& [run, records] : {std::pair{QStringLiteral("plain20"), &plain},
                                           std::pair{QStringLiteral("resnet20"), &residual}})
            for (const QString layer : {"fc", "layer1.0.conv1", "layer3.2.conv1"}) {
                const auto& names = records->front().probe.layers;
                const auto at =
                    std::find(names.begin(), names.end(), (layer + ".weight").toStdString());
                QVERIFY(at != names.end());
                const QVector<double> line = lines.value(run + '/' + layer);
                QCOMPARE(line.size(), int(records->size()));
                for (size_t i = 0; i < records->size(); ++i)
                    QCOMPARE(line[int(i)],
                             (*records)[i].probe.grad_norms[size_t(at - names.begin())]);
            }

        for (const QString layer : {"layer2.0.conv1", "layer2.1.conv1", "layer2.2.conv1"})
            view.pinLayer(layer); // one too many
        QCOMPARE(view.pinnedLayers().size(), GradientsView::maxPinnedLayers());
        view.unpinLayers();
        QVERIFY(view.pinnedLayers().isEmpty());
        QCOMPARE(view.layerPlot()->seriesIds(), QVector<int>{1});
        QCOMPARE(view.layerPlot()->seriesLabel(1), QStringLiteral("fc"));
        QCOMPARE(view.layerPlot()->pointCount(1, 1), 13);
    }

    void lesionStudyOfTheRuns() {
        Selection selection;
        LesionView view(&selection);
        view.resize(1200, 700);
        view.addRun(1, QStringLiteral("plain20"), Qt::blue, true,
                    m_dir.filePath(QStringLiteral("plain20")), 20);
        view.addRun(2, QStringLiteral("resnet20"), Qt::red, false,
                    m_dir.filePath(QStringLiteral("resnet20")), 20);
        QCOMPARE(view.residualRun(), 2);
        QCOMPARE(view.plainRun(), 1);
        // A run the study does not cover: the random-removal plot never names it.
        view.addRun(3, QStringLiteral("resnet20-other"), Qt::green, false,
                    m_dir.filePath(QStringLiteral("resnet20")), 20);
        view.setPair(2, 1);
        QVERIFY(!view.randomPlot()->hasRun(3));
        QVERIFY(!view.randomPlot()->hasRun(2)); // nor a studied run before it has results
        view.setMaxImages(100000);              // the whole test split, as the runs evaluated it
        QSignalSpy lesions(&view, &LesionView::lesionChanged);
        QSignalSpy finished(&view, &LesionView::studyFinished);
        QString error;
        QVERIFY2(view.startStudy(&error), qPrintable(error));
        QVERIFY(!view.startStudy(&error)); // one study at a time
        // Well under a minute in a Release build; 12 minutes under ASan on 2 busy cores.
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 840000);
        QVERIFY2(finished.front().at(0).toBool(), qPrintable(finished.front().at(1).toString()));

        const QVector<double> residual = view.errorsWithout(2);
        const QVector<double> plain = view.errorsWithout(1);
        QCOMPARE(residual.size(), 9);
        QCOMPARE(plain.size(), 9);
        for (double e : residual)
            QVERIFY(std::isfinite(e));
        for (int i = 0; i < 9; ++i)
            QCOMPARE(std::isnan(plain[i]),
                     i == 3 || i == 6); // layer2.0 and layer3.0 change the shape
        QCOMPARE(view.singlePlot()->nanMarkCount(), 2);
        // The intact net scores the run's own last test error (up to an image whose logits tie
        // differently in the run's channels-last evaluation).
        double runError = -1;
        for (const auto& r : m_residual)
            if (r.kind == MetricRecord::Kind::Eval)
                runError = r.eval.test_error;
        QVERIFY2(std::abs(view.baselineError(2) - runError) <= 0.0041,
                 qPrintable(QStringLiteral("%1 vs %2").arg(view.baselineError(2)).arg(runError)));

        // While it ran, the view said which blocks were out; at the end, none.
        bool sawSingle = false;
        for (const auto& args : lesions)
            sawSingle =
                sawSingle || args.at(0).toStringList() == QStringList{QStringLiteral("layer1.0")};
        QVERIFY(sawSingle);
        QVERIFY(lesions.back().at(0).toStringList().isEmpty());
        QVERIFY(view.summary().contains(QStringLiteral("resnet20")));
        QVERIFY(view.randomPlot()->hasRun(1));
        QVERIFY(view.randomPlot()->hasRun(2));
        QVERIFY(!view.randomPlot()->hasRun(3));
        QVERIFY(!view.summary().contains(QStringLiteral("resnet20-other")));
    }

    void lesionWithoutCheckpointSaysSo() {
        Selection selection;
        LesionView view(&selection);
        QTemporaryDir empty;
        view.addRun(1, QStringLiteral("resnet20"), Qt::red, false, empty.path(), 20);
        QSignalSpy finished(&view, &LesionView::studyFinished);
        QString error;
        QVERIFY(view.startStudy(&error));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        QVERIFY(!finished.front().at(0).toBool());
        QVERIFY2(finished.front().at(1).toString().contains(QStringLiteral("spec.json")),
                 qPrintable(finished.front().at(1).toString()));
        QVERIFY(!view.isRunning());
    }

    // `reslab --view residuals`: the gradients view at its residual diagnostics.
    void theCommandLineOpensTheResidualDiagnostics() {
        MainWindow window;
        ViewRequest request;
        request.view = QStringLiteral("residuals");
        QString error;
        QVERIFY2(window.applyViewRequest(request, &error), qPrintable(error));
        auto* views = qobject_cast<QTabWidget*>(window.centralWidget());
        QVERIFY(views);
        QCOMPARE(views->tabText(views->currentIndex()), QStringLiteral("Gradients"));
        QTabWidget* inner = window.gradientsView()->tabs();
        QCOMPARE(inner->tabText(inner->currentIndex()), QStringLiteral("Residual diagnostics"));
        request.view = QStringLiteral("gradients");
        QVERIFY2(window.applyViewRequest(request, &error), qPrintable(error));
        request.view = QStringLiteral("residual");
        QVERIFY(!window.applyViewRequest(request, &error));
        QVERIFY2(error.contains(QStringLiteral("residuals")), qPrintable(error));
    }

private:
    QTemporaryDir m_dir;
    std::vector<MetricRecord> m_plain, m_residual;
};

QTEST_MAIN(TestGradients)
#include "test_gradients.moc"

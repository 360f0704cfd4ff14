// The gradients view. Past 500 lines because its heat maps, bars, layer lines and residual
// diagnostics all read one store of each run's probes and one chosen pair of runs.
#include "gradientsview.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSlider>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

#include "barplot.h"
#include "curveplot.h"
#include "heatmapplot.h"
#include "plotexport.h"
#include "selection.h"

namespace {

constexpr int kSelectedSeries = 1;
constexpr int kFirstPinnedSeries = 100; // then 101, ...: the pinned layers, in the order pinned
constexpr CurvePlot::Marker kPinMarkers[] = {CurvePlot::Marker::Circle, CurvePlot::Marker::Square,
                                             CurvePlot::Marker::Triangle,
                                             CurvePlot::Marker::Diamond};
constexpr int kRatioSeries = 1;
constexpr int kResponseSeries = 1;
constexpr int kLeftBars = 1;
constexpr int kRightBars = 2;

/// A splitter that asks for no more height than its least. The caption below it wraps, so the
/// scroll area around the view makes the view as tall as its layout prefers at that width, which
/// adds the plots' preferred heights to the caption's: on a projector's 1280 x 720 that was more
/// than the screen, and the caption scrolled out of sight. The splitter takes the height left over
/// all the same (its stretch).
class CompactSplitter : public QSplitter {
public:
    using QSplitter::QSplitter;
    QSize sizeHint() const override {
        return {QSplitter::sizeHint().width(), minimumSizeHint().height()};
    }
};

QVector<double> toVector(const std::vector<double>& v) {
    return QVector<double>(v.begin(), v.end());
}

QStringList toList(const std::vector<std::string>& v) {
    QStringList out;
    for (const auto& s : v)
        out << QString::fromStdString(s);
    return out;
}

/// 540x, 3.2x, 0.25x: a ratio as a reader takes it in at a glance.
QString times(double r) {
    if (!std::isfinite(r))
        return QStringLiteral("NaN");
    if (r >= 10)
        return QStringLiteral("%1x").arg(r, 0, 'f', 0);
    if (r >= 1)
        return QStringLiteral("%1x").arg(r, 0, 'f', 1);
    return QStringLiteral("%1x").arg(r, 0, 'g', 2);
}

} // namespace

GradientsView::GradientsView(Selection* selection, QWidget* parent)
    : QWidget(parent), m_selection(selection) {
    m_tabs = new QTabWidget(this);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);

    auto* bar = new QHBoxLayout;
    m_leftPicker = new QComboBox(this);
    m_rightPicker = new QComboBox(this);
    m_leftPicker->setMinimumContentsLength(9);
    m_rightPicker->setMinimumContentsLength(9);
    auto* exportButton = new QPushButton(tr("Export…"), this);
    exportButton->setToolTip(tr("Save every plot of this tab as PNG, PDF or SVG"));
    bar->addWidget(new QLabel(tr("left:"), this));
    bar->addWidget(m_leftPicker);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(tr("right:"), this));
    bar->addWidget(m_rightPicker);
    bar->addStretch(1);
    bar->addWidget(exportButton);
    layout->addLayout(bar);
    layout->addWidget(m_tabs, 1);

    // Gradient norms: the two maps side by side, below them the bars and the lines.
    auto* norms = new QWidget(this);
    auto* normsLayout = new QVBoxLayout(norms);
    normsLayout->setContentsMargins(0, 0, 0, 0);
    auto* split = new CompactSplitter(Qt::Vertical, norms);
    auto* maps = new QSplitter(Qt::Horizontal, split);
    m_leftMap = new HeatmapPlot(maps);
    m_rightMap = new HeatmapPlot(maps);
    for (HeatmapPlot* map : {m_leftMap, m_rightMap}) {
        map->setValueLabel(tr("gradient L2 norm"));
    }
    auto* lower = new QSplitter(Qt::Horizontal, split);
    m_bars = new BarPlot(lower);
    m_bars->setLogY(true);
    m_bars->setYLabel(tr("gradient L2 norm"));
    auto* lines = new QTabWidget(lower);
    // The selected layer's norm over training (bold), beside the layers pinned (thin, marked).
    auto* layersTab = new QWidget(lines);
    auto* layersLayout = new QVBoxLayout(layersTab);
    layersLayout->setContentsMargins(0, 2, 0, 0);
    auto* pinRow = new QHBoxLayout;
    m_pinButton = new QPushButton(tr("Pin layer"), layersTab);
    m_pinButton->setToolTip(tr("Keep the selected layer's line while you select others (up to %1)")
                                .arg(maxPinnedLayers()));
    m_unpinButton = new QPushButton(tr("Unpin all"), layersTab);
    m_unpinButton->setEnabled(false);
    pinRow->addWidget(m_pinButton);
    pinRow->addWidget(m_unpinButton);
    pinRow->addStretch(1);
    layersLayout->addLayout(pinRow);
    m_layerPlot = new CurvePlot(layersTab);
    m_layerPlot->addSeries(kSelectedSeries, tr("selected layer"), CurvePlot::SeriesRole::Bold,
                           false);
    m_layerPlot->setLogY(true);
    m_layerPlot->setYLabel(tr("gradient L2 norm"));
    layersLayout->addWidget(m_layerPlot, 1);
    connect(m_pinButton, &QPushButton::clicked, this, [this] { pinLayer(m_selection->layer()); });
    connect(m_unpinButton, &QPushButton::clicked, this, &GradientsView::unpinLayers);
    m_ratioPlot = new CurvePlot(lines);
    m_ratioPlot->addSeries(kRatioSeries, tr("first conv / last layer"), CurvePlot::SeriesRole::Bold,
                           false);
    m_ratioPlot->setLogY(true);
    m_ratioPlot->setYLabel(tr("first conv's norm / last layer's"));
    lines->addTab(layersTab, tr("Layers"));
    lines->addTab(m_ratioPlot, tr("First / last"));
    lower->setStretchFactor(0, 3);
    lower->setStretchFactor(1, 2);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    // Laid out by their size hints, which are their least heights, the maps took a third of the
    // lower row's height; three sevenths of the height from the start leave the rows below room
    // for their axes' labels, which take more of it.
    split->setSizes({3000, 4000});
    normsLayout->addWidget(split, 1);
    m_caption = new QLabel(norms);
    m_caption->setWordWrap(true);
    m_caption->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_caption->setStyleSheet(
        QStringLiteral("padding: 4px; background: #f6f6f0; border: 1px solid #ddd"));
    normsLayout->addWidget(m_caption);
    m_tabs->addTab(norms, tr("Gradient norms"));

    // Residual diagnostics: ||F(x)|| / ||x|| per block, and the responses along depth.
    auto* diag = new QSplitter(Qt::Horizontal, this);
    m_residualMap = new HeatmapPlot(diag);
    m_residualMap->setValueLabel(tr("||F(x)|| / ||x||"));
    auto* responses = new QWidget(diag);
    auto* responsesLayout = new QVBoxLayout(responses);
    responsesLayout->setContentsMargins(0, 0, 0, 0);
    m_responsePlot = new CurvePlot(responses);
    m_responsePlot->addSeries(kResponseSeries, tr("std of the responses"),
                              CurvePlot::SeriesRole::Bold, false);
    m_responsePlot->setStepLabel(tr("conv, in depth order"));
    m_responsePlot->setYLabel(tr("std of responses after BN"));
    auto* stepRow = new QHBoxLayout;
    m_responseStep = new QSlider(Qt::Horizontal, responses);
    m_responseStep->setRange(0, 0);
    m_responseStepLabel = new QLabel(responses);
    stepRow->addWidget(new QLabel(tr("probe:"), responses));
    stepRow->addWidget(m_responseStep, 1);
    stepRow->addWidget(m_responseStepLabel);
    responsesLayout->addWidget(m_responsePlot, 1);
    responsesLayout->addLayout(stepRow);
    m_tabs->addTab(diag, tr("Residual diagnostics"));
    m_diagnostics = diag;

    connect(m_leftPicker, &QComboBox::activated, this,
            [this] { setPair(m_leftPicker->currentData().toInt(), m_right); });
    connect(m_rightPicker, &QComboBox::activated, this,
            [this] { setPair(m_left, m_rightPicker->currentData().toInt()); });
    for (HeatmapPlot* map : {m_leftMap, m_rightMap}) {
        connect(map, &HeatmapPlot::columnHovered, this, &GradientsView::updateBars);
        connect(map, &HeatmapPlot::rowClicked, this, [this](const QString& row) {
            QString layer = row;
            if (layer.endsWith(QLatin1String(".weight")))
                layer.chop(7);
            m_selection->setLayer(layer);
        });
        connect(map, &HeatmapPlot::dataRangeChanged, this, &GradientsView::updateColorRange);
    }
    connect(m_residualMap, &HeatmapPlot::rowClicked, m_selection, &Selection::setLayer);
    connect(m_bars, &BarPlot::categoryClicked, this, [this](const QString& row) {
        QString layer = row;
        if (layer.endsWith(QLatin1String(".weight")))
            layer.chop(7);
        m_selection->setLayer(layer);
    });
    connect(m_selection, &Selection::layerChanged, this, &GradientsView::onLayerSelected);
    connect(m_responseStep, &QSlider::valueChanged, this, &GradientsView::reloadResponses);
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export plots"), QStringLiteral("gradients.png"), PlotExport::fileFilter());
        if (path.isEmpty())
            return;
        QStringList written;
        QString error;
        if (!exportImages(path, &written, &error))
            QMessageBox::warning(this, tr("ResLab"),
                                 tr("The plots could not be saved:\n\n%1").arg(error));
    });
    updateCaption();
}

void GradientsView::addRun(
    int runId, const QString& name, const QColor& color, bool plain, int depth) {
    RunProbes& r = m_runs[runId];
    r.name = name;
    r.color = color;
    r.plain = plain;
    r.depth = depth;
    m_layerPlot->addRun(runId, name, color, plain);
    m_ratioPlot->addRun(runId, name, color, plain);
    m_responsePlot->addRun(runId, name, color, plain);
    fillPickers();
    choosePair();
}

void GradientsView::removeRun(int runId) {
    m_runs.remove(runId);
    m_layerPlot->removeRun(runId);
    m_ratioPlot->removeRun(runId);
    m_responsePlot->removeRun(runId);
    fillPickers();
    if (m_left == runId || m_right == runId) {
        m_left = m_left == runId ? -1 : m_left;
        m_right = m_right == runId ? -1 : m_right;
        m_pairChosen = false;
        choosePair();
        reloadMaps();
    }
    updateCaption();
}

void GradientsView::appendRecords(int runId, const std::vector<reslab::MetricRecord>& records) {
    auto it = m_runs.find(runId);
    if (it == m_runs.end())
        return;
    RunProbes& r = *it;
    const QString selectedRow = gradientRow(m_selection->layer());
    const int first = r.steps.size();
    for (const auto& record : records) {
        if (record.kind != reslab::MetricRecord::Kind::Probe)
            continue;
        const reslab::ProbeRecord& p = record.probe;
        if (r.layers.isEmpty()) {
            r.layers = toList(p.layers);
            r.responses = toList(p.responses);
            r.blocks = toList(p.blocks);
            if (runId == m_left)
                m_leftMap->setRows(r.layers);
            if (runId == m_right) {
                m_rightMap->setRows(r.layers);
                m_residualMap->setRows(r.blocks);
            }
        }
        r.steps.append(static_cast<double>(p.step));
        r.gradNorms.append(toVector(p.grad_norms));
        r.responseStds.append(toVector(p.response_stds));
        r.ratios.append(toVector(p.residual_ratios));
        if (runId == m_left)
            m_leftMap->appendColumn(static_cast<double>(p.step), r.gradNorms.back());
        if (runId == m_right) {
            m_rightMap->appendColumn(static_cast<double>(p.step), r.gradNorms.back());
            m_residualMap->appendColumn(static_cast<double>(p.step), r.ratios.back());
        }
    }
    if (r.steps.size() == first)
        return;
    // The lines append, too: the new probes' points only.
    QVector<CurvePoint> ratio;
    for (int i = first; i < r.steps.size(); ++i) {
        CurvePoint point;
        point.step = r.steps[i];
        const QVector<double>& g = r.gradNorms[i];
        point.value =
            g.size() >= 2 ? g.front() / g.back() : std::numeric_limits<double>::quiet_NaN();
        ratio.append(point);
    }
    m_layerPlot->appendPoints(runId, kSelectedSeries, layerPoints(r, selectedRow, first));
    for (int p = 0; p < m_pinned.size(); ++p)
        m_layerPlot->appendPoints(runId, kFirstPinnedSeries + p,
                                  layerPoints(r, m_pinned[p], first));
    m_ratioPlot->appendPoints(runId, kRatioSeries, ratio);

    int most = 0;
    for (const RunProbes& run : std::as_const(m_runs))
        most = std::max(most, static_cast<int>(run.steps.size()));
    const bool following = m_responseStep->value() >= m_responseStep->maximum();
    m_responseStep->setRange(0, std::max(most - 1, 0));
    if (following)
        m_responseStep->setValue(m_responseStep->maximum());
    reloadResponses();
    if (m_hovered < 0)
        updateBars(-1);
    updateCaption();
}

void GradientsView::setPair(int leftRun, int rightRun) {
    m_pairChosen = true; // from now on, runs that arrive do not move the pair
    m_left = m_runs.contains(leftRun) ? leftRun : -1;
    m_right = m_runs.contains(rightRun) ? rightRun : -1;
    m_leftPicker->setCurrentIndex(std::max(0, m_leftPicker->findData(m_left)));
    m_rightPicker->setCurrentIndex(std::max(0, m_rightPicker->findData(m_right)));
    reloadMaps();
    updateBars(-1);
    updateCaption();
}

void GradientsView::fillPickers() {
    for (QComboBox* picker : {m_leftPicker, m_rightPicker}) {
        picker->clear();
        picker->addItem(tr("(none)"), -1);
        for (auto it = m_runs.cbegin(); it != m_runs.cend(); ++it)
            picker->addItem(it->name, it.key());
    }
    m_leftPicker->setCurrentIndex(std::max(0, m_leftPicker->findData(m_left)));
    m_rightPicker->setCurrentIndex(std::max(0, m_rightPicker->findData(m_right)));
}

void GradientsView::choosePair() {
    if (m_pairChosen)
        return;
    // The deepest plain run on the left and the residual run of the same depth on the right
    // (plain56 beside resnet56); otherwise the first two runs.
    int plain = -1, residual = -1, depth = -1;
    for (auto it = m_runs.cbegin(); it != m_runs.cend(); ++it)
        if (it->plain && it->depth > depth) {
            plain = it.key();
            depth = it->depth;
        }
    for (auto it = m_runs.cbegin(); it != m_runs.cend(); ++it)
        if (!it->plain && (residual < 0 || it->depth == depth))
            residual = it.key();
    if (plain < 0 || residual < 0) {
        const QList<int> ids = m_runs.keys();
        plain = ids.value(0, -1);
        residual = ids.value(1, -1);
    }
    if (plain == m_left && residual == m_right)
        return;
    m_left = plain;
    m_right = residual;
    m_leftPicker->setCurrentIndex(std::max(0, m_leftPicker->findData(m_left)));
    m_rightPicker->setCurrentIndex(std::max(0, m_rightPicker->findData(m_right)));
    reloadMaps();
}

void GradientsView::reloadMaps() {
    auto load = [this](HeatmapPlot* map, int id) {
        const RunProbes r = m_runs.value(id);
        map->setTitle(id >= 0 ? tr("%1: gradient norm per layer").arg(r.name) : tr("(pick a run)"));
        map->setRows(r.layers);
        for (int i = 0; i < r.steps.size(); ++i)
            map->appendColumn(r.steps[i], r.gradNorms[i]);
    };
    load(m_leftMap, m_left);
    load(m_rightMap, m_right);
    const RunProbes right = m_runs.value(m_right);
    m_residualMap->setTitle(m_right >= 0 ? tr("%1: ||F(x)|| / ||x|| per block").arg(right.name)
                                         : tr("(pick a run on the right)"));
    m_residualMap->setRows(right.blocks);
    for (int i = 0; i < right.steps.size(); ++i)
        m_residualMap->appendColumn(right.steps[i], right.ratios[i]);
    onLayerSelected(m_selection->layer());
}

void GradientsView::updateColorRange() {
    // One scale for both maps, so a colour means the same norm on either side.
    const auto a = m_leftMap->dataRange();
    const auto b = m_rightMap->dataRange();
    double lo = std::numeric_limits<double>::infinity(), hi = 0;
    for (const auto& r : {a, b})
        if (r.first <= r.second) {
            lo = std::min(lo, r.first);
            hi = std::max(hi, r.second);
        }
    if (lo < hi) {
        if (m_leftMap->colorRange() != qMakePair(lo, hi) ||
            m_rightMap->colorRange() != qMakePair(lo, hi)) {
            QSignalBlocker l(m_leftMap), r(m_rightMap);
            m_leftMap->setColorRange(lo, hi);
            m_rightMap->setColorRange(lo, hi);
        }
        m_bars->setYRange(lo, hi);
    }
}

void GradientsView::updateBars(int column) {
    m_hovered = column;
    // Bars show the hovered probe, or the latest one when the cursor is elsewhere.
    auto* source = qobject_cast<HeatmapPlot*>(sender());
    const RunProbes left = m_runs.value(m_left);
    const RunProbes right = m_runs.value(m_right);
    double step = -1;
    if (column >= 0 && source)
        step = source->columnStep(column);
    auto at = [step](const RunProbes& r) {
        if (r.steps.isEmpty())
            return QVector<double>();
        if (step < 0)
            return r.gradNorms.back();
        const auto it = std::lower_bound(r.steps.begin(), r.steps.end(), step);
        return r
            .gradNorms[std::min<int>(static_cast<int>(it - r.steps.begin()), r.steps.size() - 1)];
    };
    const QStringList categories =
        left.layers.size() >= right.layers.size() ? left.layers : right.layers;
    if (m_bars->categories() != categories)
        m_bars->setCategories(categories);
    const double shownStep = step >= 0 ? step
                                       : std::max(left.steps.value(left.steps.size() - 1, 0),
                                                  right.steps.value(right.steps.size() - 1, 0));
    m_bars->setTitle(tr("all layers at iteration %1").arg(shownStep));
    if (m_left >= 0)
        m_bars->setSeries(kLeftBars, left.name, left.color, at(left), left.plain);
    else
        m_bars->removeSeries(kLeftBars);
    if (m_right >= 0)
        m_bars->setSeries(kRightBars, right.name, right.color, at(right), right.plain);
    else
        m_bars->removeSeries(kRightBars);
}

QString GradientsView::gradientRow(const QString& layer) const {
    if (layer.isEmpty())
        return QStringLiteral("conv1.weight");
    const QString exact =
        layer.endsWith(QLatin1String(".weight")) ? layer : layer + QLatin1String(".weight");
    for (const RunProbes& r : m_runs) {
        if (r.layers.contains(exact))
            return exact;
        // A block or a stage: its first layer.
        for (const QString& row : r.layers)
            if (row.startsWith(layer + QLatin1Char('.')))
                return row;
    }
    return exact;
}

void GradientsView::onLayerSelected(const QString& layer) {
    const QString row = gradientRow(layer);
    m_leftMap->setHighlightedRow(row);
    m_rightMap->setHighlightedRow(row);
    m_bars->setHighlightedCategory(row);
    QString block = layer;
    while (!block.isEmpty() && !m_residualMap->rows().contains(block) &&
           block.contains(QLatin1Char('.')))
        block = block.left(block.lastIndexOf(QLatin1Char('.')));
    m_residualMap->setHighlightedRow(block);
    reloadLayerLines();
}

QVector<CurvePoint> GradientsView::layerPoints(const RunProbes& run, const QString& row, int from) {
    QVector<CurvePoint> points;
    const int index = run.layers.indexOf(row);
    if (index < 0)
        return points;
    for (int i = from; i < run.steps.size(); ++i) {
        CurvePoint p;
        p.step = run.steps[i];
        p.value = run.gradNorms[i][index];
        points.append(p);
    }
    return points;
}

int GradientsView::maxPinnedLayers() {
    return static_cast<int>(std::size(kPinMarkers));
}

void GradientsView::pinLayer(const QString& layer) {
    const QString row = gradientRow(layer);
    if (m_pinned.contains(row) || m_pinned.size() >= maxPinnedLayers())
        return;
    m_pinned.append(row);
    reloadLayerLines();
}

void GradientsView::unpinLayers() {
    m_pinned.clear();
    reloadLayerLines();
}

void GradientsView::reloadLayerLines() {
    const auto label = [](QString row) {
        row.chop(row.endsWith(QLatin1String(".weight")) ? 7 : 0);
        return row;
    };
    const QString row = gradientRow(m_selection->layer());
    m_layerPlot->addSeries(kSelectedSeries, label(row), CurvePlot::SeriesRole::Bold, false);
    for (int id : m_layerPlot->seriesIds())
        if (id >= kFirstPinnedSeries)
            m_layerPlot->removeSeries(id);
    for (int p = 0; p < m_pinned.size(); ++p) {
        m_layerPlot->addSeries(kFirstPinnedSeries + p, label(m_pinned[p]),
                               CurvePlot::SeriesRole::Thin, false);
        m_layerPlot->setSeriesMarker(kFirstPinnedSeries + p, kPinMarkers[p]);
    }
    for (auto it = m_runs.cbegin(); it != m_runs.cend(); ++it) {
        m_layerPlot->removeRun(it.key());
        m_layerPlot->addRun(it.key(), it->name, it->color, it->plain);
        m_layerPlot->appendPoints(it.key(), kSelectedSeries, layerPoints(*it, row, 0));
        for (int p = 0; p < m_pinned.size(); ++p)
            m_layerPlot->appendPoints(it.key(), kFirstPinnedSeries + p,
                                      layerPoints(*it, m_pinned[p], 0));
    }
    m_pinButton->setEnabled(m_pinned.size() < maxPinnedLayers());
    m_unpinButton->setEnabled(!m_pinned.isEmpty());
}

void GradientsView::reloadResponses() {
    const int probe = m_responseStep->value();
    double step = -1;
    for (auto it = m_runs.cbegin(); it != m_runs.cend(); ++it) {
        m_responsePlot->removeRun(it.key());
        m_responsePlot->addRun(it.key(), it->name, it->color, it->plain);
        if (it->responseStds.isEmpty())
            continue;
        const int i = std::min(probe, static_cast<int>(it->responseStds.size()) - 1);
        step = std::max(step, it->steps[i]);
        QVector<CurvePoint> points;
        for (int j = 0; j < it->responses.size(); ++j) {
            CurvePoint p;
            p.step = j + 1;
            p.value = it->responseStds[i].value(j);
            points.append(p);
        }
        m_responsePlot->appendPoints(it.key(), kResponseSeries, points);
    }
    m_responseStepLabel->setText(step >= 0 ? tr("iteration %1").arg(step) : tr("no probes yet"));
}

QVector<double> GradientsView::firstToLastRatios(int runId) const {
    QVector<double> out;
    for (const QVector<double>& g : m_runs.value(runId).gradNorms)
        out.append(g.size() >= 2 ? g.front() / g.back() : std::numeric_limits<double>::quiet_NaN());
    return out;
}

void GradientsView::showResidualDiagnostics() {
    m_tabs->setCurrentWidget(m_diagnostics);
}

QString GradientsView::caption() const {
    return m_caption->text();
}

void GradientsView::updateCaption() {
    QStringList parts;
    QList<int> shown;
    for (int id : {m_left, m_right})
        if (id >= 0 && !m_runs.value(id).steps.isEmpty())
            shown << id;
    if (shown.isEmpty()) {
        m_caption->setText(
            tr("The gradient norms appear here as the runs' probes arrive (at iteration 1 and "
               "every 50 by default). Hover a map to see every layer's norm at that iteration "
               "below it; click a row to select the layer in every view."));
        return;
    }
    struct Spread {
        double lo = std::numeric_limits<double>::infinity(), hi = 0;
    };
    QMap<int, Spread> spreads;
    for (int id : shown) {
        const RunProbes& r = m_runs[id];
        const QVector<double> ratios = firstToLastRatios(id);
        Spread s;
        int nonFinite = 0;
        for (double v : ratios) {
            if (!std::isfinite(v)) {
                ++nonFinite;
                continue;
            }
            s.lo = std::min(s.lo, v);
            s.hi = std::max(s.hi, v);
        }
        spreads[id] = s;
        QString text = tr("<b>%1</b>: the first conv's gradient norm is %2 the last layer's at "
                          "iteration %3 and %4 at "
                          "iteration %5")
                           .arg(r.name.toHtmlEscaped(), times(ratios.front()))
                           .arg(r.steps.front())
                           .arg(times(ratios.back()))
                           .arg(r.steps.back());
        if (std::isfinite(s.lo) && ratios.size() > 2)
            text += tr(" (between %1 and %2 over %3 probes)")
                        .arg(times(s.lo), times(s.hi))
                        .arg(ratios.size());
        if (nonFinite)
            text += tr("; %1 probes have NaN or infinite norms").arg(nonFinite);
        parts << text + QLatin1Char('.');
    }
    QString text = parts.join(QLatin1Char(' '));
    if (shown.size() == 2 && spreads[shown[0]].hi > 0 && spreads[shown[1]].hi > 0) {
        const double a = spreads[shown[0]].hi / spreads[shown[0]].lo;
        const double b = spreads[shown[1]].hi / spreads[shown[1]].lo;
        if (std::isfinite(a) && std::isfinite(b)) {
            const int wide = a >= b ? 0 : 1;
            text += tr(" The ratio swings over a factor of %1 in %2 and %3 in %4.")
                        .arg(std::max(a, b), 0, 'f', 0)
                        .arg(m_runs[shown[wide]].name.toHtmlEscaped())
                        .arg(std::min(a, b), 0, 'f', 1)
                        .arg(m_runs[shown[1 - wide]].name.toHtmlEscaped());
        }
    }
    text += tr("<br><i>The paper (section 4.1) reports that with BN the plain nets' gradients keep "
               "healthy norms, "
               "and so calls degradation an optimisation difficulty rather than vanishing "
               "gradients; the numbers "
               "above are what these runs measured.</i>");
    m_caption->setText(text);
}

bool GradientsView::exportImages(const QString& path, QStringList* written, QString* error) {
    const QFileInfo info(path);
    const QString suffix = info.suffix().isEmpty() ? QStringLiteral("png") : info.suffix();
    const QString base = info.dir().filePath(info.completeBaseName());
    QList<QPair<QString, std::function<bool(const QString&, QString*)>>> plots;
    if (m_tabs->currentIndex() == 0) {
        plots = {{QStringLiteral("left"),
                  [this](const QString& p, QString* e) { return m_leftMap->exportImage(p, e); }},
                 {QStringLiteral("right"),
                  [this](const QString& p, QString* e) { return m_rightMap->exportImage(p, e); }},
                 {QStringLiteral("bars"),
                  [this](const QString& p, QString* e) { return m_bars->exportImage(p, e); }},
                 {QStringLiteral("layer"),
                  [this](const QString& p, QString* e) { return m_layerPlot->exportImage(p, e); }},
                 {QStringLiteral("ratio"),
                  [this](const QString& p, QString* e) { return m_ratioPlot->exportImage(p, e); }}};
    } else {
        plots = {
            {QStringLiteral("residual"),
             [this](const QString& p, QString* e) { return m_residualMap->exportImage(p, e); }},
            {QStringLiteral("responses"),
             [this](const QString& p, QString* e) { return m_responsePlot->exportImage(p, e); }}};
    }
    for (const auto& [name, write] : plots) {
        const QString file = QStringLiteral("%1-%2.%3").arg(base, name, suffix);
        if (!write(file, error))
            return false;
        if (written)
            written->append(file);
    }
    return true;
}

#include "curvesview.h"

#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSettings>
#include <QTabWidget>
#include <QVBoxLayout>

#include "curveplot.h"

namespace {

enum SeriesId { kTrain = 0, kTest = 1 };

CurvePoint point(double step, double epoch, double time, double value) {
    CurvePoint p;
    p.step = step;
    p.epoch = epoch;
    p.time = time;
    p.value = value;
    return p;
}

} // namespace

CurvesView::CurvesView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);

    auto* controls = new QHBoxLayout;
    m_xAxis = new QComboBox(this);
    m_xAxis->addItems({tr("iteration"), tr("epoch"), tr("wall time")});
    m_smoothing = new QComboBox(this);
    m_smoothing->addItems({tr("none"), tr("EMA (debiased)"), tr("moving average")});
    m_amount = new QDoubleSpinBox(this);
    m_amount->setRange(0.0, 0.999);
    m_amount->setDecimals(3);
    m_amount->setSingleStep(0.05);
    m_amount->setValue(0.6);
    m_amount->setToolTip(
        tr("Smoothing weight: the EMA's factor; the moving average uses a window of "
           "(1 + w) / (1 - w) points"));
    m_logX = new QCheckBox(tr("log x"), this);
    m_logY = new QCheckBox(tr("log y"), this);
    controls->addWidget(new QLabel(tr("x:"), this));
    controls->addWidget(m_xAxis);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("smoothing:"), this));
    controls->addWidget(m_smoothing);
    controls->addWidget(m_amount);
    controls->addSpacing(12);
    controls->addWidget(m_logX);
    controls->addWidget(m_logY);
    controls->addStretch(1);
    auto* legend =
        new QLabel(tr("thin: training · bold: test · dashed: plain · solid: residual"), this);
    legend->setWordWrap(true); // wraps rather than widening the window
    legend->setStyleSheet(QStringLiteral("color: palette(mid);"));
    controls->addWidget(legend);
    layout->addLayout(controls);

    m_tabs = new QTabWidget(this);
    m_error = new CurvePlot(this);
    m_error->setPercent(true);
    m_error->setYLabel(tr("error"));
    m_error->addSeries(kTrain, tr("training error"), CurvePlot::SeriesRole::Thin);
    m_error->addSeries(kTest, tr("test error"), CurvePlot::SeriesRole::Bold, /*smoothed=*/false);
    m_loss = new CurvePlot(this);
    m_loss->setYLabel(tr("cross-entropy loss"));
    m_loss->addSeries(kTrain, tr("training loss"), CurvePlot::SeriesRole::Thin);
    m_loss->addSeries(kTest, tr("test loss"), CurvePlot::SeriesRole::Bold, /*smoothed=*/false);
    m_lr = new CurvePlot(this);
    m_lr->setYLabel(tr("learning rate"));
    m_lr->addSeries(kTrain, tr("learning rate"), CurvePlot::SeriesRole::Thin);
    m_depth = new DepthSweepPlot(this);
    m_tabs->addTab(m_error, tr("Error"));
    m_tabs->addTab(m_loss, tr("Loss"));
    m_tabs->addTab(m_lr, tr("Learning rate"));
    m_tabs->addTab(m_depth, tr("Depth sweep"));
    m_tabs->setTabVisible(3, false);
    layout->addWidget(m_tabs, 1);

    for (CurvePlot* plot : curvePlots())
        connect(plot, &CurvePlot::runVisibilityToggled, this, [this](int runId, bool visible) {
            // A legend click in one plot hides the run in all of them.
            setRunVisible(runId, visible);
            Q_EMIT runVisibilityToggled(runId, visible);
        });
    connect(m_xAxis, &QComboBox::currentIndexChanged, this, &CurvesView::applyAxisOptions);
    connect(m_smoothing, &QComboBox::currentIndexChanged, this, &CurvesView::applyAxisOptions);
    connect(m_amount, &QDoubleSpinBox::valueChanged, this, &CurvesView::applyAxisOptions);
    connect(m_logX, &QCheckBox::toggled, this, &CurvesView::applyAxisOptions);
    connect(m_logY, &QCheckBox::toggled, this, &CurvesView::applyAxisOptions);
}

void CurvesView::applyAxisOptions() {
    const auto x = static_cast<CurvePlot::XAxis>(m_xAxis->currentIndex());
    const auto smoothing = static_cast<CurvePlot::Smoothing>(m_smoothing->currentIndex());
    m_amount->setEnabled(smoothing != CurvePlot::Smoothing::None);
    for (CurvePlot* plot : curvePlots()) {
        plot->setXAxis(x);
        plot->setSmoothing(smoothing, m_amount->value());
        plot->setLogX(m_logX->isChecked());
        plot->setLogY(m_logY->isChecked());
    }
}

void CurvesView::addRun(int runId, const QString& name, const QColor& color, bool plain) {
    for (CurvePlot* plot : curvePlots())
        plot->addRun(runId, name, color, plain);
}

void CurvesView::removeRun(int runId) {
    for (CurvePlot* plot : curvePlots())
        plot->removeRun(runId);
}

void CurvesView::setRunVisible(int runId, bool visible) {
    for (CurvePlot* plot : curvePlots())
        if (plot->isRunVisible(runId) != visible)
            plot->setRunVisible(runId, visible);
}

void CurvesView::appendRecords(int runId, const std::vector<reslab::MetricRecord>& records) {
    QVector<CurvePoint> trainError, trainLoss, lr, testError, testLoss;
    for (const auto& r : records) {
        if (r.kind == reslab::MetricRecord::Kind::Train) {
            const auto& t = r.train;
            const double step = static_cast<double>(t.step);
            trainError.push_back(point(step, t.epoch, t.time, t.error));
            trainLoss.push_back(point(step, t.epoch, t.time, t.loss));
            lr.push_back(point(step, t.epoch, t.time, t.lr));
        } else if (r.kind == reslab::MetricRecord::Kind::Eval) {
            const auto& e = r.eval;
            const double step = static_cast<double>(e.step);
            testError.push_back(point(step, e.epoch, e.time, e.test_error));
            testLoss.push_back(point(step, e.epoch, e.time, e.test_loss));
        }
    }
    if (!trainError.isEmpty()) {
        m_error->appendPoints(runId, kTrain, trainError);
        m_loss->appendPoints(runId, kTrain, trainLoss);
        m_lr->appendPoints(runId, kTrain, lr);
    }
    if (!testError.isEmpty()) {
        m_error->appendPoints(runId, kTest, testError);
        m_loss->appendPoints(runId, kTest, testLoss);
    }
}

void CurvesView::setVerdict(const QString& text) {
    m_verdict = text;
    m_error->setNote(text);
}

void CurvesView::setDepthSweep(const QVector<DepthPoint>& points) {
    m_depth->setPoints(points);
    m_tabs->setTabVisible(m_tabs->indexOf(m_depth), !points.isEmpty());
}

void CurvesView::showDepthSweep() {
    m_tabs->setCurrentWidget(m_depth);
}

bool CurvesView::exportImage(const QString& path, QString* error) {
    QWidget* current = m_tabs->currentWidget();
    if (current == m_depth)
        return m_depth->exportImage(path, error);
    return static_cast<CurvePlot*>(current)->exportImage(path, error);
}

bool CurvesView::exportCsv(const QString& path, QString* error) {
    // One file with every series (training and test error, loss, learning rate) is what a
    // spreadsheet wants; the series labels tell them apart.
    return CurvePlot::exportCsv(path, {m_error, m_loss, m_lr}, error);
}

void CurvesView::saveSettings(QSettings& settings) const {
    settings.setValue(QStringLiteral("curves/xAxis"), m_xAxis->currentIndex());
    settings.setValue(QStringLiteral("curves/smoothing"), m_smoothing->currentIndex());
    settings.setValue(QStringLiteral("curves/amount"), m_amount->value());
    settings.setValue(QStringLiteral("curves/logX"), m_logX->isChecked());
    settings.setValue(QStringLiteral("curves/logY"), m_logY->isChecked());
}

void CurvesView::restoreSettings(const QSettings& settings) {
    m_xAxis->setCurrentIndex(settings.value(QStringLiteral("curves/xAxis"), 0).toInt());
    m_smoothing->setCurrentIndex(settings.value(QStringLiteral("curves/smoothing"), 0).toInt());
    m_amount->setValue(settings.value(QStringLiteral("curves/amount"), 0.6).toDouble());
    m_logX->setChecked(settings.value(QStringLiteral("curves/logX"), false).toBool());
    m_logY->setChecked(settings.value(QStringLiteral("curves/logY"), false).toBool());
    applyAxisOptions();
}

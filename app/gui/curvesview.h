#pragma once

#include <vector>

#include <QColor>
#include <QWidget>

#include "depthsweepplot.h"
#include "train/records.h"

class CurvePlot;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QSettings;
class QTabWidget;

/// The centre of the window: training curves of every run, the paper's way (thin training error,
/// bold test error, plain nets dashed), in tabs for error, loss and learning rate, plus the
/// depth-sweep chart; with the x-axis, smoothing, log-scale and export controls above them.
class CurvesView : public QWidget {
    Q_OBJECT
public:
    explicit CurvesView(QWidget* parent = nullptr);

    void addRun(int runId, const QString& name, const QColor& color, bool plain);
    void removeRun(int runId);
    void setRunVisible(int runId, bool visible);
    /// Appends a run's new records to every plot (points are added, nothing is rebuilt).
    void appendRecords(int runId, const std::vector<reslab::MetricRecord>& records);

    /// A plain-language verdict drawn on the error plot; empty hides it.
    void setVerdict(const QString& text);
    QString verdict() const { return m_verdict; }
    /// Final training error against depth; an empty list hides the tab.
    void setDepthSweep(const QVector<DepthPoint>& points);

    /// Saves the plot of the current tab (PNG, PDF or SVG by suffix).
    bool exportImage(const QString& path, QString* error = nullptr);
    /// Saves every run's curves as CSV (run, series, step, epoch, time, value).
    bool exportCsv(const QString& path, QString* error = nullptr);

    CurvePlot* errorPlot() const { return m_error; }
    CurvePlot* lossPlot() const { return m_loss; }
    CurvePlot* lrPlot() const { return m_lr; }
    DepthSweepPlot* depthSweepPlot() const { return m_depth; }
    /// Brings the depth-sweep tab to the front (it shows once the runs have several depths).
    void showDepthSweep();
    QTabWidget* tabs() const { return m_tabs; }

    void saveSettings(QSettings& settings) const;
    void restoreSettings(const QSettings& settings);

Q_SIGNALS:
    /// The user toggled a run in a plot's legend.
    void runVisibilityToggled(int runId, bool visible);

private:
    void applyAxisOptions();
    QList<CurvePlot*> curvePlots() const { return {m_error, m_loss, m_lr}; }

    QTabWidget* m_tabs = nullptr;
    CurvePlot* m_error = nullptr;
    CurvePlot* m_loss = nullptr;
    CurvePlot* m_lr = nullptr;
    DepthSweepPlot* m_depth = nullptr;
    QComboBox* m_xAxis = nullptr;
    QComboBox* m_smoothing = nullptr;
    QDoubleSpinBox* m_amount = nullptr;
    QCheckBox* m_logX = nullptr;
    QCheckBox* m_logY = nullptr;
    QString m_verdict;
};

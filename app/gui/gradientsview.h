#pragma once

#include <vector>

#include <QColor>
#include <QMap>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include "curveplot.h"
#include "train/records.h"

class BarPlot;
class CurvePlot;
class HeatmapPlot;
class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QTabWidget;
class Selection;

/// Gradient flow and the residual diagnostics of the runs, from their probe records: per-layer
/// gradient norms as heat maps (a plain run beside its residual twin, on one colour scale), the
/// norms of every layer at the iteration under the cursor, the selected layer's norm (and those of
/// up to four pinned layers) and the first conv's norm over the last layer's along training, a
/// caption that states what the runs show, and per block ||F(x)|| / ||x|| and the std of the layer
/// responses along depth (the paper's Fig. 7).
class GradientsView : public QWidget {
    Q_OBJECT
public:
    explicit GradientsView(Selection* selection, QWidget* parent = nullptr);

    /// depth: the run's weighted layers, from its spec; the view pairs runs of one depth.
    void addRun(int runId, const QString& name, const QColor& color, bool plain, int depth);
    void removeRun(int runId);
    /// Appends the probe records among these (others are ignored).
    void appendRecords(int runId, const std::vector<reslab::MetricRecord>& records);
    /// Shows these two runs side by side (-1 leaves a side empty); until this is called the view
    /// picks the deepest plain run and the residual run of the same depth.
    void setPair(int leftRun, int rightRun);
    int leftRun() const { return m_left; }
    int rightRun() const { return m_right; }

    /// What the shown runs measured, beside what the paper says.
    QString caption() const;
    /// first conv's gradient norm / the last layer's, at each probe of the run.
    QVector<double> firstToLastRatios(int runId) const;

    /// Keeps the layer's norm over training on the line plot beside the selected one's (a block or
    /// stage: its first layer); up to maxPinnedLayers(), each with its own mark.
    void pinLayer(const QString& layer);
    void unpinLayers();
    QStringList pinnedLayers() const { return m_pinned; }
    static int maxPinnedLayers();

    /// Saves every plot of the current tab, one file each (base-left.png, base-right.png, ...).
    bool exportImages(const QString& path, QStringList* written, QString* error = nullptr);

    HeatmapPlot* leftMap() const { return m_leftMap; }
    HeatmapPlot* rightMap() const { return m_rightMap; }
    BarPlot* bars() const { return m_bars; }
    CurvePlot* layerPlot() const { return m_layerPlot; }
    CurvePlot* ratioPlot() const { return m_ratioPlot; }
    HeatmapPlot* residualMap() const { return m_residualMap; }
    CurvePlot* responsePlot() const { return m_responsePlot; }
    QTabWidget* tabs() const { return m_tabs; }
    /// Shows the residual diagnostics tab (`reslab --view residuals`).
    void showResidualDiagnostics();

private:
    struct RunProbes {
        QString name;
        QColor color;
        bool plain = false;
        int depth = 0;
        QStringList layers;    // "conv1.weight", ..., "fc.weight"
        QStringList responses; // "layer1.0.conv1", ...
        QStringList blocks;    // "layer1.0", ...
        QVector<double> steps;
        QVector<QVector<double>> gradNorms; // per probe, parallel to layers
        QVector<QVector<double>> responseStds;
        QVector<QVector<double>> ratios;
    };

    void fillPickers();
    void choosePair();
    void reloadMaps();
    void reloadLayerLines();
    // The run's norms of the gradient row from probe `from` on; none when the run lacks the row.
    static QVector<CurvePoint> layerPoints(const RunProbes& run, const QString& row, int from);
    void reloadResponses();
    void updateBars(int column);
    void updateCaption();
    void updateColorRange();
    void onLayerSelected(const QString& layer);
    QString gradientRow(const QString& layer) const;

    Selection* m_selection = nullptr;
    QMap<int, RunProbes> m_runs;
    int m_left = -1;
    int m_right = -1;
    int m_hovered = -1;
    bool m_pairChosen = false; // by the user (or setPair); until then the pair follows the runs

    QTabWidget* m_tabs = nullptr;
    QWidget* m_diagnostics = nullptr; // the residual diagnostics tab
    QComboBox* m_leftPicker = nullptr;
    QComboBox* m_rightPicker = nullptr;
    HeatmapPlot* m_leftMap = nullptr;
    HeatmapPlot* m_rightMap = nullptr;
    BarPlot* m_bars = nullptr;
    CurvePlot* m_layerPlot = nullptr;
    QStringList m_pinned; // gradient rows ("layer3.2.conv1.weight"), in the order pinned
    QPushButton* m_pinButton = nullptr;
    QPushButton* m_unpinButton = nullptr;
    CurvePlot* m_ratioPlot = nullptr;
    QLabel* m_caption = nullptr;
    HeatmapPlot* m_residualMap = nullptr;
    CurvePlot* m_responsePlot = nullptr;
    QSlider* m_responseStep = nullptr;
    QLabel* m_responseStepLabel = nullptr;
};

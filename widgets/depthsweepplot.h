#pragma once

#include <limits>

#include <QMetaType>
#include <QString>
#include <QVector>
#include <QWidget>

// qcustomplot.h uses Qt's bare keywords, which targets that see torch switch off (QT_NO_KEYWORDS).
class QCPGraph;
class QCustomPlot;

/// The final errors of one finished run in a depth sweep.
struct DepthPoint {
    int depth = 0; // weighted layers: 20, 32, 44, 56, 110 for the paper's CIFAR nets
    bool plain = false;
    double trainError = 0;                                       // fraction, 0.25 is 25%
    double testError = std::numeric_limits<double>::quiet_NaN(); // NaN: never evaluated
};
Q_DECLARE_METATYPE(DepthPoint)

/// Final error against depth for plain and residual nets on one chart: the paper's Fig. 6 folded
/// into one picture of the degradation problem. Training error is drawn bold with filled markers
/// (it is what degrades), test error thin and faint with hollow markers; plain dashed, residual
/// solid. Runs of the same kind and depth (several seeds) are averaged into one point.
class DepthSweepPlot : public QWidget {
    Q_OBJECT
public:
    explicit DepthSweepPlot(QWidget* parent = nullptr);

    void setPoints(const QVector<DepthPoint>& points);
    void setShowTestError(bool show); // shown by default

    // PNG, PDF or SVG by the suffix, at the widget's size.
    bool exportImage(const QString& path, QString* error = nullptr);

    QCustomPlot* plot() const { return m_plot; }
    QCPGraph* trainGraph(bool plain) const { return plain ? m_plainTrain : m_residualTrain; }
    QCPGraph* testGraph(bool plain) const { return plain ? m_plainTest : m_residualTest; }

private:
    void fitRanges();

    QCustomPlot* m_plot = nullptr;
    QCPGraph* m_plainTrain = nullptr;
    QCPGraph* m_residualTrain = nullptr;
    QCPGraph* m_plainTest = nullptr;
    QCPGraph* m_residualTest = nullptr;
};

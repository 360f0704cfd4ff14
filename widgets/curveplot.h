#pragma once

#include <limits>
#include <vector>

#include <QColor>
#include <QFont>
#include <QList>
#include <QMetaType>
#include <QRect>
#include <QString>
#include <QTimer>
#include <QVector>
#include <QWidget>

// qcustomplot.h uses Qt's bare keywords, which targets that see torch switch off (QT_NO_KEYWORDS);
// so this header only names QCustomPlot's classes and the .cpp includes it.
class QCPAbstractLegendItem;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;
class QCPLegend;
class QCPLayoutGrid;
class QCustomPlot;
class QIODevice;
class QLabel;
class QMouseEvent;

/// One measurement on a training curve: when it was taken (three ways) and what it measured.
struct CurvePoint {
    double step = 0;  // iteration
    double epoch = 0; // fractional epochs
    double time = 0;  // wall-clock seconds since the run started
    double value = 0;
};
Q_DECLARE_METATYPE(CurvePoint)

/// A live plot of many runs' curves against iteration, epoch or wall time; plain runs are dashed,
/// residual runs solid, and each run may have a thin and a bold series (training and test).
class CurvePlot : public QWidget {
    Q_OBJECT
public:
    enum class SeriesRole { Thin, Bold };
    // A mark at every point of a series, to tell several series of the same role apart.
    enum class Marker { None, Circle, Square, Triangle, Diamond };
    enum class XAxis { Iteration, Epoch, Time };
    enum class Smoothing { None, Ema, MovingAverage };

    explicit CurvePlot(QWidget* parent = nullptr);
    ~CurvePlot() override;

    // A kind of curve that every run has on this plot ("train error", "test error"); declare each
    // once, before or after the runs. Declaring an id again changes its label, role and smoothing.
    // `smoothed` says whether setSmoothing applies: an evaluation curve (a point per epoch, on the
    // whole test set) is hardly noisy, and smoothing its few points only makes it lag.
    void addSeries(int seriesId, const QString& label, SeriesRole role, bool smoothed = true);
    void setSeriesMarker(int seriesId, Marker marker);
    // Takes the series out of every run, with its points.
    void removeSeries(int seriesId);
    QVector<int> seriesIds() const;
    QString seriesLabel(int seriesId) const;
    void addRun(int runId, const QString& name, const QColor& color, bool plain);
    void removeRun(int runId);
    void clearRuns();
    bool hasRun(int runId) const { return findRun(runId) != nullptr; }
    // Appends to the run's series without touching what is already there; points for an unknown
    // run or series are dropped (a record may arrive after its run was removed).
    void appendPoints(int runId, int seriesId, const QVector<CurvePoint>& points);

    // Hides or shows every curve of the run; its legend entry stays, greyed, so it can be clicked
    // back on. Clicking a legend entry toggles it and emits runVisibilityToggled.
    void setRunVisible(int runId, bool visible);
    bool isRunVisible(int runId) const;

    void setXAxis(XAxis axis);
    XAxis xAxis() const { return m_xAxis; }
    void setYLabel(const QString& label);
    // What the step of a point counts, on the axis and in the crosshair ("iteration" unless told:
    // "layer" for a profile along the depth, "blocks removed").
    void setStepLabel(const QString& label);
    // Values are fractions shown as percent (error rates): 0.25 is drawn and labelled 25%.
    void setPercent(bool percent);
    // Ema: TensorBoard's debiased EMA with weight `amount` in [0, 0.999].
    // MovingAverage: the mean of the last movingAverageWindow(amount) points, so one slider works
    // for both.
    void setSmoothing(Smoothing smoothing, double amount);
    Smoothing smoothing() const { return m_smoothing; }
    double smoothingAmount() const { return m_smoothingAmount; }
    // round((1 + a) / (1 - a)), at least 1: the window whose noise reduction matches the EMA's
    // (a = 0: 1 point, 0.5: 3, 0.9: 19, 0.99: 199).
    static int movingAverageWindow(double amount);
    // True logarithmic axes; points with a value <= 0 (x <= 0 on a log x axis) are not drawn.
    void setLogX(bool logX);
    void setLogY(bool logY);
    // A plain-language verdict boxed in the top right of the plot; an empty text hides it.
    /// Line widths and the axes' and legend's type times scale (the presenter layout enlarges
    /// both for a projector).
    void setLineScale(double scale);
    void setNote(const QString& text);
    QString note() const { return m_note; }

    // PNG, PDF or SVG by the suffix, at the widget's size, without the crosshair.
    bool exportImage(const QString& path, QString* error = nullptr);
    // run,series,step,epoch,time,value: one line per raw (unsmoothed) point.
    bool exportCsv(const QString& path, QString* error = nullptr) const;
    // The same for several plots in one file, one header, their series one after the other.
    static bool
    exportCsv(const QString& path, const QList<const CurvePlot*>& plots, QString* error = nullptr);

    int pointCount(int runId, int seriesId) const;
    // Points the curve actually draws: fewer than pointCount on log axes or with NaN values.
    int drawnPointCount(int runId, int seriesId) const;
    // NaN or infinite values of the curve, each marked with a cross where the curve breaks off and
    // read out as "NaN" or "inf" by the crosshair.
    int nonFinitePointCount(int runId, int seriesId) const;
    QCustomPlot* plot() const { return m_plot; }
    // Every graph of the run: per series in declaration order, the raw line, then the smoothed one.
    QVector<QCPGraph*> graphs(int runId) const;
    // The run's legend entry in plot() coordinates; empty for an unknown run.
    QRect legendItemRect(int runId) const;

    // Colours that stay apart for the colour-blind (Okabe and Ito), cycled by index.
    static QColor runColor(int index);

    // Shows x from lower to upper (until the next fit: fitAll, or new data while following).
    void setXRange(double lower, double upper);

public Q_SLOTS:
    // Fits the axes to every visible point and follows new data again until the user zooms or pans.
    void fitAll();

Q_SIGNALS:
    void runVisibilityToggled(int runId, bool visible);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    struct Series {
        int id = 0;
        QString label;
        SeriesRole role = SeriesRole::Thin;
        bool smoothed = true;
        Marker marker = Marker::None;
    };
    // The running state of the smoothing filter, so appends cost O(new points).
    struct SmoothState {
        double biased = 0;      // EMA before debiasing
        double weightPower = 1; // amount^t, for the debiasing divisor 1 - amount^t
        QVector<double> window; // moving average: ring buffer of the last values
        int head = 0;
        double sum = 0;
    };
    // Extent of the drawn raw points, kept up to date on append so fitting never scans the data.
    struct Bounds {
        double xMin = 0, xMax = 0, yMin = 0, yMax = 0;
        bool valid = false;
        void add(double x, double y);
        void unite(const Bounds& other);
    };
    // One series of one run.
    struct Curve {
        QVector<CurvePoint> points;
        QVector<double> smoothed; // parallel to points while smoothing is on
        SmoothState smooth;
        Bounds bounds;
        bool xMonotone = true; // lets the crosshair binary-search points by the current x
        double lastX = -std::numeric_limits<double>::infinity();
        QCPGraph* raw = nullptr;
        QCPGraph* smoothedGraph = nullptr;
        // A cross for each NaN or infinite value, where the curve breaks off (its last finite y).
        QCPGraph* nonFinite = nullptr;
        double lastFiniteY = std::numeric_limits<double>::quiet_NaN();
    };
    struct Run {
        int id = 0;
        QString name;
        QColor color;
        bool plain = false;
        bool visible = true;
        std::vector<Curve> curves; // parallel to m_series
        QCPAbstractLegendItem* legendItem = nullptr;
    };

    void writeCsvRows(QIODevice& out) const;
    Run* findRun(int runId);
    const Run* findRun(int runId) const;
    int seriesIndex(int seriesId) const;
    Curve makeCurve(const Run& run, const Series& series);
    // Adds the point to the curve's data, and its cross where the value is NaN or infinite.
    void placePoint(Curve& curve,
                    double x,
                    double value,
                    QVector<double>& keys,
                    QVector<double>& values,
                    QVector<double>& crossKeys,
                    QVector<double>& crossValues) const;
    void styleCurve(const Run& run, const Series& series, Curve& curve) const;
    bool smooths(const Series& series) const;
    void resmooth(Curve& curve, const Series& series);
    void rebuildCurve(Curve& curve, const Series& series);
    void rebuildAll();
    void updateXAxisLabel();
    double xOf(const CurvePoint& point) const;
    double smoothNext(SmoothState& state, double value) const;
    double displayValue(double value) const;
    void updateLegendKey();
    void updateNoteText();
    void fitLegendColumns();
    /// Moves the legend beside the plot area (PlotStyle::apply's place) or into a row below it.
    void placeLegend(bool below);
    void applyAxisScales();
    void scheduleReplot();
    void replotNow();
    void fitRanges();
    void onMouseMove(QMouseEvent* event);
    void onMouseDoubleClick(QMouseEvent* event);
    void onLegendClick(QCPLegend* legend, QCPAbstractLegendItem* item, QMouseEvent* event);
    void updateCrosshair(double x, const QPoint& cursor);
    void hideCrosshair();
    int lastIndexAtOrBefore(const Curve& curve, double x) const;
    QString formatValue(double value) const;
    QString formatX(double x) const;

    QCustomPlot* m_plot = nullptr;
    std::vector<Series> m_series;
    std::vector<Run> m_runs;
    QVector<QCPAbstractLegendItem*> m_keyItems; // the line-style explanations under the runs
    QCPItemText* m_noteItem = nullptr;
    QCPItemStraightLine* m_crosshair = nullptr;
    QLabel* m_readout = nullptr;
    QTimer m_replotTimer;

    XAxis m_xAxis = XAxis::Iteration;
    QString m_yLabel;
    QString m_stepLabel = tr("iteration");
    QString m_note;
    int m_noteWrapWidth = 0;
    QCPLayoutGrid* m_legendSide = nullptr; // the column beside the plot area (PlotStyle::apply)
    bool m_legendBelow = false;
    Smoothing m_smoothing = Smoothing::None;
    double m_smoothingAmount = 0;
    bool m_percent = false;
    double m_lineScale = 1.0;
    bool m_logX = false;
    bool m_logY = false;
    bool m_replotWhenShown = false; // data arrived while the plot was hidden
    bool m_followData = true;       // refit on new data until the user zooms or pans
};

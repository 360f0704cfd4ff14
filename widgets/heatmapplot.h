#pragma once

#include <vector>

#include <QPair>
#include <QRect>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <QVector>
#include <QWidget>

// qcustomplot.h uses Qt's bare keywords (see curveplot.h): only its class names here.
class QCPColorMap;
class QCPColorScale;
class QCPItemRect;
class QCPItemStraightLine;
class QCustomPlot;
class QMouseEvent;

/// A heat map of one positive value per row and record, on a logarithmic colour scale with its
/// legend: per-layer gradient norms with the layers down the side (as many names as fit without
/// overlapping, the first and last always; the tooltip names every row) and the probe records
/// along the bottom. Columns are appended as records arrive; the map is rebuilt at most
/// every few tens of milliseconds, however many arrive. A value of exactly zero is painted in the
/// lowest colour (a log scale has no place for it, but it must not vanish) and NaN or infinity in
/// the NaN colour.
class HeatmapPlot : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapPlot(QWidget* parent = nullptr);
    ~HeatmapPlot() override;

    // Rows from top to bottom ("conv1.weight", "layer1.0.conv1.weight", ...); clears the columns.
    void setRows(const QStringList& names);
    QStringList rows() const { return m_rows; }
    void setTitle(const QString& title);
    void setValueLabel(const QString& label);

    // One record: a value per row (missing values are NaN) at this step. Past 1024 records,
    // neighbouring records share a drawn cell (their mean; a NaN or infinity among them wins), so
    // a long run redraws as fast as a short one; value() and cellColor() stay per record.
    void appendColumn(double step, const QVector<double>& values);
    void clearColumns();
    int rowCount() const { return m_rows.size(); }
    int columnCount() const { return static_cast<int>(m_steps.size()); }
    double value(int row, int column) const;
    double columnStep(int column) const { return m_steps[static_cast<size_t>(column)]; }
    // The column whose step is nearest to step; -1 when there are none.
    int columnAt(double step) const;

    // The smallest and largest finite positive value (zeros, NaN and infinities left out);
    // lower > upper when there is none.
    QPair<double, double> dataRange() const { return {m_dataMin, m_dataMax}; }
    // Fixes the colour range, so that twins share one scale; lower >= upper follows the data again.
    void setColorRange(double lower, double upper);
    QPair<double, double> colorRange() const;
    bool logColorScale() const;
    // The colour the record's cell is painted in (after any pending rebuild).
    QColor cellColor(int row, int column);
    // Cells drawn across: the records, or at most 1024 once records share cells.
    int drawnColumns();
    static QColor nanColor();

    void setHighlightedRow(const QString& name);
    QString highlightedRow() const { return m_highlighted; }
    // The centre of a cell in canvas() coordinates (for tests and tooltips).
    QPoint cellCenter(int row, int column);
    // The rows whose names are written beside the map (top to bottom; the rest are left out so
    // that none overlap) and where each name is, in canvas() coordinates; after a replot.
    QVector<int> labelledRows();
    QVector<QRect> visibleLabelRects();
    // Where the colour scale's tick labels are, in canvas() coordinates.
    QVector<QRect> scaleLabelRects();
    // The widget the map is drawn on and that takes the mouse.
    QWidget* canvas() const;

    // PNG, PDF or SVG by the suffix.
    bool exportImage(const QString& path, QString* error = nullptr);
    QCustomPlot* plot() const { return m_plot; }

public Q_SLOTS:
    // Rebuilds the map now instead of at the next timer tick.
    void flush();

Q_SIGNALS:
    void columnHovered(int column); // -1 when the cursor leaves the map
    void rowClicked(const QString& name);
    void dataRangeChanged(double lower, double upper);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    void scheduleRebuild();
    void rebuildIfShown();
    void rebuild();
    void updateRowTicks();
    void updateHighlight();
    int rowAt(const QPoint& pos) const;

    QCustomPlot* m_plot = nullptr;
    QCPColorMap* m_map = nullptr;
    QCPColorScale* m_scale = nullptr;
    QCPItemRect* m_highlight = nullptr;
    QCPItemStraightLine* m_cursor = nullptr;
    QStringList m_rows;
    int recordsPerCell() const;

    std::vector<double> m_steps;
    std::vector<QVector<double>> m_columns; // one per record, each parallel to m_rows
    // What the last rebuild drew: each cell's mean over its records (NaN when one of them is not
    // finite), cell by cell, m_meansRows values each; the records per cell and records they hold.
    std::vector<double> m_cellMeans;
    int m_meansPer = 0, m_meansRows = 0, m_meansRecords = 0;
    double m_drawnBelow = 0.0; // the value zeros were drawn as
    double m_dataMin = 1.0, m_dataMax = 0.0;
    double m_fixedLower = 1.0, m_fixedUpper = 0.0;
    QString m_highlighted;
    QPoint m_pressPos;
    QTimer m_rebuildTimer;
    bool m_dirty = false;
};

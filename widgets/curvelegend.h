#pragma once
// Internal to widgets/: includes qcustomplot.h, whose bare Qt keywords a file that sees torch
// cannot compile (see curveplot.h).

#include <QColor>
#include <QPen>
#include <QString>
#include <qcustomplot.h>

/// A legend row of a line sample and a text: a run (clickable, greyed while hidden) or a key that
/// explains a line style. One row per run, whatever number of graphs the run has.
class LineLegendItem : public QCPAbstractLegendItem {
public:
    static constexpr double kMarkerSize = 6.0;
    static QColor hiddenColor() { return QColor(185, 185, 185); }

    LineLegendItem(QCPLegend* legend, int runId) : QCPAbstractLegendItem(legend), m_runId(runId) {}

    int runId() const { return m_runId; }
    void setLine(const QPen& pen) { m_pen = pen; }
    void setText(const QString& text) { m_text = text; }
    void setHidden(bool hidden) { m_hidden = hidden; }
    void setMarker(QCPScatterStyle::ScatterShape shape) { m_marker = shape; }

protected:
    void draw(QCPPainter* painter) override;
    QSize minimumOuterSizeHint() const override;

private:
    int m_runId = -1; // -1 for a key row
    QPen m_pen;
    QString m_text;
    bool m_hidden = false;
    QCPScatterStyle::ScatterShape m_marker = QCPScatterStyle::ssNone;
};

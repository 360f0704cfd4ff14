#pragma once

#include <limits>

#include <QColor>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>

// qcustomplot.h uses Qt's bare keywords (see curveplot.h): only its class names here.
class QCPBars;
class QCPBarsGroup;
class QCPItemRect;
class QCPItemStraightLine;
class QCPItemText;
class QCustomPlot;
class QMouseEvent;

/// Bars per named category (a layer, a block), one series beside the other: every layer's
/// gradient norm at one iteration for a plain net and its residual twin, or the test error with
/// each block removed. A NaN value has no bar but a cross at the foot of its slot, with the series'
/// reason in its tooltip ("cannot be removed", "NaN"), so a missing value never reads as zero.
class BarPlot : public QWidget {
    Q_OBJECT
public:
    explicit BarPlot(QWidget* parent = nullptr);
    ~BarPlot() override;

    void setCategories(const QStringList& names);
    QStringList categories() const { return m_categories; }
    // Adds or replaces a series; values parallel to the categories. `hatched` draws it as a plain
    // net's (lighter, hatched), as the curves dash plain runs. nanReason names what a NaN means.
    void setSeries(int id,
                   const QString& label,
                   const QColor& color,
                   const QVector<double>& values,
                   bool hatched = false,
                   const QString& nanReason = QStringLiteral("NaN"));
    void removeSeries(int id);
    void clearSeries();
    QVector<double> values(int id) const;
    int seriesCount() const { return m_series.size(); }
    // Crosses drawn for NaN values, over all series.
    int nanMarkCount() const { return m_nanMarks.size(); }

    void setTitle(const QString& title);
    void setYLabel(const QString& label);
    void setLogY(bool logY);
    // Fractions shown as percent.
    void setPercent(bool percent);
    // A dashed horizontal line with a label (the intact net's test error); NaN hides it.
    void setReference(double value, const QString& label);
    void setHighlightedCategory(const QString& name);
    // Fixes the y range (twins on one scale); lower >= upper fits the data again.
    void setYRange(double lower, double upper);

    bool exportImage(const QString& path, QString* error = nullptr);
    QCustomPlot* plot() const { return m_plot; }

Q_SIGNALS:
    void categoryClicked(const QString& name);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    struct Series {
        QString label;
        QColor color;
        QVector<double> values;
        bool hatched = false;
        QString nanReason;
        QCPBars* bars = nullptr;
    };
    void rebuild();
    void fit();
    void placeTickLabels();
    double shown(double value) const;

    QCustomPlot* m_plot = nullptr;
    QCPBarsGroup* m_group = nullptr;
    QStringList m_categories;
    QMap<int, Series> m_series;
    QVector<QCPItemText*> m_nanMarks;
    QCPItemStraightLine* m_reference = nullptr;
    QCPItemText* m_referenceLabel = nullptr;
    QCPItemRect* m_highlight = nullptr;
    QString m_highlighted;
    double m_referenceValue = std::numeric_limits<double>::quiet_NaN();
    bool m_logY = false;
    bool m_percent = false;
    double m_fixedLower = 1, m_fixedUpper = 0;
};

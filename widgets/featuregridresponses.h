#pragma once

#include <vector>

#include <QColor>
#include <QImage>
#include <QString>
#include <QStringList>
#include <QWidget>

/// One net's layer-response stds along its depth (the paper's Fig. 7).
struct ResponseSeries {
    QString name; // "resnet20", "plain20"
    QColor color;
    bool dashed = false;      // plain nets dashed, as on the curves
    std::vector<double> stds; // one per 3x3 layer, in depth order
};

/// A small line plot of layer-response stds against layer index, plain beside residual, drawn
/// with QPainter (it needs no zooming) so the features view can show it without QCustomPlot.
class ResponsesPlot : public QWidget {
    Q_OBJECT
public:
    explicit ResponsesPlot(QWidget* parent = nullptr);

    void setSeries(std::vector<ResponseSeries> series, const QString& subtitle = {});
    const std::vector<ResponseSeries>& series() const { return m_series; }
    /// The plot as an image of this size, for export.
    QImage exportImage(const QSize& size = {800, 500}) const;
    QSize sizeHint() const override { return {420, 260}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    void draw(QPainter& p, const QRect& area) const;

    std::vector<ResponseSeries> m_series;
    QString m_subtitle;
};

#include "plotexport.h"

#include <algorithm>

#include <qcustomplot.h>

#include <QFile>
#include <QFileInfo>
#include <QSvgGenerator>

#include "colormaps.h"

namespace PlotStyle {

QCPColorGradient viridisGradient(const QColor& nanColor) {
    QCPColorGradient g;
    g.clearColorStops();
    const auto& stops = colormap::kViridisStops;
    for (size_t i = 0; i < stops.size(); ++i)
        g.setColorStopAt(double(i) / double(stops.size() - 1), QColor::fromRgb(stops[i]));
    g.setColorInterpolation(QCPColorGradient::ciRGB);
    g.setLevelCount(256);
    g.setNanHandling(QCPColorGradient::nhNanColor);
    g.setNanColor(nanColor);
    return g;
}

QFont textFont(const QFont& baseFont) {
    QFont font = baseFont;
    font.setPointSizeF(9);
    return font;
}

QFont titleFont(const QFont& baseFont) {
    QFont font = baseFont;
    font.setPointSizeF(10);
    font.setBold(true);
    return font;
}

void apply(QCustomPlot* plot, const QFont& baseFont) {
    const QColor text(40, 40, 40);
    const QColor axisColor(130, 130, 130);
    const QFont tickFont = textFont(baseFont);
    QFont labelFont = baseFont;
    labelFont.setPointSizeF(10);

    plot->setBackground(Qt::white);
    plot->setAutoAddPlottableToLegend(false);
    for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
        axis->setTickLabelFont(tickFont);
        axis->setLabelFont(labelFont);
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
        axis->setBasePen(QPen(axisColor, 0));
        axis->setTickPen(QPen(axisColor, 0));
        axis->setSubTickPen(QPen(axisColor, 0));
        axis->grid()->setPen(QPen(QColor(230, 230, 230), 0));
        axis->grid()->setZeroLinePen(Qt::NoPen);
        axis->grid()->setSubGridVisible(false);
    }

    // Outside the plot area the legend never hides a curve, and the area's top right stays free
    // for a note.
    QCPLegend* legend = plot->legend;
    legend->setVisible(true);
    legend->setFont(tickFont);
    legend->setTextColor(text);
    legend->setBorderPen(Qt::NoPen);
    legend->setBrush(Qt::NoBrush);
    legend->setIconSize(28, 10);
    legend->setRowSpacing(1);
    legend->setMargins(QMargins(4, 0, 8, 0));
    legend->setSelectableParts(QCPLegend::spNone);
    plot->axisRect()->insetLayout()->take(legend);
    auto* side = new QCPLayoutGrid;
    plot->plotLayout()->addElement(0, 1, side);
    side->addElement(0, 0, legend);
    side->addElement(1, 0, new QCPLayoutElement(plot)); // takes the height below the legend
    side->setRowStretchFactor(0, 0.001);
    side->setMargins(QMargins(0, 12, 0, 0));
    plot->plotLayout()->setColumnStretchFactor(1, 0.001);
}

namespace {

constexpr const char* kScale = "reslabTypeScale";

// Sets the font to scale times the point size it had when it was first scaled. That size is kept
// on the object that owns the font, under the font's own key, so every scale starts from the
// plot's own type; with onlyNew, fonts scaled before are left as they are.
template <typename Set>
void scaleFont(QObject* owner, const char* key, QFont font, double scale, bool onlyNew, Set set) {
    QVariant base = owner->property(key);
    if (base.isValid() && onlyNew)
        return;
    if (!base.isValid()) {
        base = font.pointSizeF();
        owner->setProperty(key, base);
    }
    font.setPointSizeF(base.toDouble() * scale);
    set(font);
}

void scaleFonts(QCustomPlot* plot, double scale, bool onlyNew) {
    for (QCPAxis* axis : plot->findChildren<QCPAxis*>()) { // colour scales' axes included
        scaleFont(axis, "reslabTickPointSize", axis->tickLabelFont(), scale, onlyNew,
                  [axis](const QFont& f) { axis->setTickLabelFont(f); });
        scaleFont(axis, "reslabLabelPointSize", axis->labelFont(), scale, onlyNew,
                  [axis](const QFont& f) { axis->setLabelFont(f); });
    }
    // The legend is not the plot's child object; setFont passes its type on to its items.
    scaleFont(plot->legend, "reslabPointSize", plot->legend->font(), scale, onlyNew,
              [plot](const QFont& f) { plot->legend->setFont(f); });
    for (QCPTextElement* text : plot->findChildren<QCPTextElement*>())
        scaleFont(text, "reslabPointSize", text->font(), scale, onlyNew,
                  [text](const QFont& f) { text->setFont(f); });
    for (QCPItemText* text : plot->findChildren<QCPItemText*>())
        scaleFont(text, "reslabPointSize", text->font(), scale, onlyNew,
                  [text](const QFont& f) { text->setFont(f); });
}

} // namespace

void scaleType(QCustomPlot* plot, double scale) {
    if (!plot->property(kScale).isValid()) {
        // Text the plot makes later (a title set afterwards, a bar's mark) takes the scale before
        // it is first drawn; at the desk's scale it is right as made.
        QObject::connect(plot, &QCustomPlot::beforeReplot, plot, [plot] {
            const double now = plot->property(kScale).toDouble();
            if (now != 1.0)
                scaleFonts(plot, now, true);
        });
    }
    plot->setProperty(kScale, scale);
    scaleFonts(plot, scale, false);
    plot->replot(QCustomPlot::rpQueuedReplot);
}

namespace {

constexpr char kFullLabel[] = "reslabFullLabel";
constexpr char kFitsLabel[] = "reslabFitsLabel";

/// Sets the axis's label to as much of its full label (kFullLabel) as `length` pixels hold,
/// elided; under three letters and the ellipsis it says nothing, and is dropped (a title or a
/// tooltip still does). Another frame is queued where the label came or went, which changes the
/// margin laid out for this one.
void fitLabel(QCPAxis* axis, int length) {
    const QVariant full = axis->property(kFullLabel);
    if (!full.isValid())
        return;
    const QFontMetrics metrics(axis->labelFont());
    QString text = metrics.elidedText(full.toString(), Qt::ElideRight, std::max(length, 0));
    if (text != full.toString() && text.size() < 4)
        text.clear();
    if (text == axis->label())
        return;
    const bool marginChanges = text.isEmpty() != axis->label().isEmpty();
    axis->setLabel(text);
    if (marginChanges)
        axis->parentPlot()->replot(QCustomPlot::rpQueuedReplot);
}

void fitScaleLabel(QCPColorScale* scale) {
    const QRect bar = scale->rect();
    fitLabel(scale->axis(),
             scale->axis()->orientation() == Qt::Vertical ? bar.height() : bar.width());
}

} // namespace

void setScaleLabel(QCPColorScale* scale, const QString& label) {
    scale->axis()->setProperty(kFullLabel, label);
    scale->axis()->setLabel(label); // fitted to the bar once the next replot has laid it out
    scale->parentPlot()->replot(QCustomPlot::rpQueuedReplot);
}

void setAxisLabel(QCPAxis* axis, const QString& label) {
    axis->setProperty(kFullLabel, label);
    axis->setLabel(label); // fitted to the axis once the next replot has laid it out
    if (!axis->property(kFitsLabel).toBool()) {
        axis->setProperty(kFitsLabel, true);
        QObject::connect(axis->parentPlot(), &QCustomPlot::afterLayout, axis, [axis] {
            const QRect area = axis->axisRect()->rect();
            fitLabel(axis, axis->orientation() == Qt::Vertical ? area.height() : area.width());
        });
    }
}

void addColorScaleBeside(QCustomPlot* plot, QCPColorScale* scale) {
    // The row takes the axis rect's cell; the cells beside it (apply's legend column) stay.
    QCPLayoutGrid* layout = plot->plotLayout();
    QCPAxisRect* rect = plot->axisRect();
    int row = 0, column = 0;
    for (int i = 0; i < layout->elementCount(); ++i)
        if (layout->elementAt(i) == rect) {
            layout->indexToRowCol(i, row, column);
            break;
        }
    layout->take(rect);
    auto* pair = new QCPLayoutGrid;
    layout->addElement(row, column, pair);
    pair->addElement(0, 0, rect);
    pair->addElement(0, 1, scale);
    QObject::connect(plot, &QCustomPlot::afterLayout, scale, [scale] { fitScaleLabel(scale); });
}

void scaleTypeIn(QWidget* root, double scale) {
    for (QCustomPlot* plot : root->findChildren<QCustomPlot*>())
        scaleType(plot, scale);
}

} // namespace PlotStyle

namespace PlotExport {

namespace {

void setError(QString* error, const QString& message) {
    if (error)
        *error = message;
}

// QCustomPlot's save functions only answer true or false; opening the file first gives the user
// the reason (no such folder, permission denied) instead of a bare failure.
bool checkWritable(const QString& path, QString* error) {
    QFile probe(path);
    if (!probe.open(QIODevice::WriteOnly)) {
        setError(error, QStringLiteral("cannot write %1: %2").arg(path, probe.errorString()));
        return false;
    }
    return true;
}

bool saveSvg(QCustomPlot* plot, const QString& path) {
    QSvgGenerator generator;
    generator.setFileName(path);
    generator.setSize(plot->size());
    generator.setViewBox(QRect(QPoint(0, 0), plot->size()));
    generator.setTitle(QFileInfo(path).completeBaseName());
    // Fonts are sized in points; at the generator's default 72 dpi the text would come out a
    // quarter smaller than on screen, out of proportion with the boxes sized around it.
    generator.setResolution(plot->logicalDpiX());
    QCPPainter painter;
    if (!painter.begin(&generator))
        return false;
    // The modes savePdf uses too: no pixmap caches, and pen widths that scale with the drawing.
    painter.setMode(QCPPainter::pmVectorized);
    painter.setMode(QCPPainter::pmNoCaching);
    painter.setMode(QCPPainter::pmNonCosmetic);
    plot->toPainter(&painter, plot->width(), plot->height());
    return painter.end();
}

} // namespace

bool saveImage(QCustomPlot* plot, const QString& path, QString* error) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix != QLatin1String("png") && suffix != QLatin1String("pdf") &&
        suffix != QLatin1String("svg")) {
        setError(
            error,
            QStringLiteral("cannot export to %1: use a .png, .pdf or .svg file name").arg(path));
        return false;
    }
    if (!checkWritable(path, error))
        return false;

    bool ok = false;
    if (suffix == QLatin1String("png"))
        ok = plot->savePng(path, 0, 0, /*scale=*/1.0);
    else if (suffix == QLatin1String("pdf"))
        ok = plot->savePdf(path, 0, 0, QCP::epNoCosmetic, QString(),
                           QFileInfo(path).completeBaseName());
    else
        ok = saveSvg(plot, path);
    if (!ok)
        setError(error, QStringLiteral("cannot write %1").arg(path));
    return ok;
}

QString fileFilter() {
    return QStringLiteral("PNG image (*.png);;PDF document (*.pdf);;SVG drawing (*.svg)");
}

} // namespace PlotExport

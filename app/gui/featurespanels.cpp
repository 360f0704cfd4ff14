// The feature maps view's panels: a capture shown as the grid, the large tile, the block, the
// twin, the responses and what the net sees; and their exports.
#include "featuresview.h"

#include <algorithm>
#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QListWidget>
#include <QPainter>
#include <QTabWidget>

#include "featuregrid.h"
#include "featuregridresponses.h"
#include "featuressession.h"
#include "io/onnx_export.h"

using namespace features_detail;

namespace {

FeatureMapData toData(const reslab::FeatureMap& m) {
    FeatureMapData d;
    d.name = qs(m.name);
    d.channels = static_cast<int>(m.channels);
    d.height = static_cast<int>(m.height);
    d.width = static_cast<int>(m.width);
    d.values = m.values;
    return d;
}

/// A symmetric range over channel c of several maps, so x, F(x) and the output share one scale.
featuregrid::Range sharedRange(std::initializer_list<const FeatureMapData*> maps, int c) {
    float m = 0.0f;
    for (const auto* d : maps)
        if (d && !d->isEmpty() && c < d->channels) {
            const auto r = featuregrid::channelRange(*d, c, FeatureColorMap::Diverging);
            m = std::max(m, r.high);
        }
    return {-m, m};
}

QImage toImage(const reslab::FeatureMap& m) {
    if (m.empty())
        return {};
    QImage image(static_cast<int>(m.width), static_cast<int>(m.height), QImage::Format_RGB32);
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            auto v = [&](int64_t c) {
                return std::clamp(static_cast<int>(std::lround(255 * m.at(c, y, x))), 0, 255);
            };
            image.setPixel(x, y, m.channels >= 3 ? qRgb(v(0), v(1), v(2)) : qRgb(v(0), v(0), v(0)));
        }
    return image;
}

} // namespace

QImage FeaturesView::seenImage() const {
    return toImage(m_session->state().seen);
}

void FeaturesView::showCapture(bool live) {
    const auto& c = *m_session->state().capture;
    QStringList names;
    for (const auto& name : c.layer_names())
        names << qs(name);
    if (names != layerNames()) { // refilled for a new net only: a live frame keeps the list open
        m_layerCombo->clear();
        m_layerCombo->addItems(names);
    }
    if (m_layer.isEmpty() || !c.layer(m_layer.toStdString()))
        m_layer = QStringLiteral("layer1.0");
    showLayer();
    m_lastCaptureMs = m_sinceChosen.isValid() ? m_sinceChosen.nsecsElapsed() / 1e6 : 0.0;

    m_topList->clear();
    m_camClass->clear();
    for (const auto& p : m_session->state().top) {
        m_topList->addItem(
            QStringLiteral("%1%  %2").arg(100.0 * p.probability, 5, 'f', 1).arg(qs(p.name)));
        m_camClass->addItem(qs(p.name), QVariant::fromValue<qlonglong>(p.index));
    }
    const auto& pre = m_session->state().net->preprocessing;
    m_prepLabel->setText(tr("%1 x %2 after: %3")
                             .arg(m_session->state().seen.width)
                             .arg(m_session->state().seen.height)
                             .arg(qs(pre.describe())));
    showSeenImage();
    showResponses();
    m_netLabel->setToolTip(qs(m_session->state().net->source));
    // Live, the twin runs only for the pages that are about it: on the Block page it would halve
    // the frames per second for one tile.
    if (m_side->currentIndex() >= (live ? 2 : 1))
        startTwinCapture();
    if (m_camCheck->isChecked() && !live)
        startGradCam();
    Q_EMIT captureReady();
}

void FeaturesView::showLayer() {
    if (!m_session->state().capture)
        return;
    const reslab::FeatureMap* map = m_session->state().capture->layer(m_layer.toStdString());
    if (!map)
        return;
    const QString name = qs(map->name);
    m_layerCombo->setCurrentIndex(m_layerCombo->findText(name));
    FeatureMapData data = toData(*map);
    const auto [lo, hi] = std::minmax_element(map->values.begin(), map->values.end());
    FeatureColorMap colors = FeatureColorMap::Viridis;
    switch (m_colorCombo->currentIndex()) {
    case 0:
        colors = *lo < 0.0f ? FeatureColorMap::Diverging : FeatureColorMap::Viridis;
        break;
    case 1:
        colors = FeatureColorMap::Grey;
        break;
    case 2:
        colors = FeatureColorMap::Viridis;
        break;
    default:
        colors = FeatureColorMap::Diverging;
    }
    m_grid->setColorMap(colors);
    m_grid->setNormalization(m_normCombo->currentIndex() == 1 ? FeatureNormalization::PerLayer
                                                              : FeatureNormalization::PerChannel);
    m_grid->setSort(m_sortCombo->currentIndex() == 1 ? FeatureSort::MeanDescending
                                                     : FeatureSort::Index);
    m_grid->setData(std::move(data));
    m_channel = std::clamp(m_channel, 0, std::max(0, static_cast<int>(map->channels) - 1));
    m_grid->setCurrentChannel(m_channel);
    m_gridLabel->setText(tr("%1 · %2 channels of %3 x %4 · values %5 to %6")
                             .arg(name)
                             .arg(map->channels)
                             .arg(map->width)
                             .arg(map->height)
                             .arg(*lo, 0, 'g', 3)
                             .arg(*hi, 0, 'g', 3));
    onTileClicked(m_channel);
}

void FeaturesView::onTileClicked(int channel) {
    m_channel = channel;
    const FeatureMapData& d = m_grid->data();
    m_tile->setTile(d, channel, m_grid->colorMap(), m_grid->rangeOf(channel),
                    tr("%1, channel %2").arg(d.name).arg(channel));
    showBlockPanel();
    showTwinPanel();
}

void FeaturesView::showBlockPanel() {
    for (auto* t : m_blockTiles)
        t->clear();
    if (!m_session->state().capture)
        return;
    const auto& c = *m_session->state().capture;
    const reslab::BlockCapture* block = c.block(m_layer.toStdString());
    if (!block) {
        m_blockLabel->setText(
            tr("Pick a layer inside a residual block (layerS.B…) to see x, F(x) and F(x)+x."));
        return;
    }
    const FeatureMapData branch = toData(c.layers[block->branch]);
    const FeatureMapData x = toData(c.layers[block->residual ? block->shortcut : block->input]);
    const FeatureMapData out = toData(c.layers[block->output]);
    const int ch = std::min(m_channel, branch.channels - 1);
    FeatureMapData twinOut;
    QString twinName;
    if (m_session->state().twinCapture)
        if (const auto* tb = m_session->state().twinCapture->block(block->name)) {
            twinOut = toData(m_session->state().twinCapture->layers[tb->output]);
            twinName = qs(m_session->state().twin->spec.name);
        }
    const auto range = sharedRange({&x, &branch, &out, &twinOut}, ch);
    const auto map = FeatureColorMap::Diverging;
    const QString ratio = QStringLiteral("||F(x)||/||x|| = %1").arg(block->ratio, 0, 'f', 2);
    if (block->residual) {
        m_blockTiles[0]->setTile(x, ch, map, range, tr("x (shortcut) · ch %1").arg(ch));
        const float* xc = x.channel(ch);
        if (std::all_of(xc, xc + static_cast<size_t>(x.height) * x.width,
                        [](float v) { return v == 0.0f; }))
            m_blockTiles[0]->setCaption(tr("zero: option A padding"));
        m_blockTiles[1]->setTile(branch, ch, map, range, tr("F(x)"));
        m_blockTiles[1]->setCaption(ratio);
        m_blockTiles[2]->setTile(out, ch, map, range, tr("relu(F(x) + x)"));
    } else {
        m_blockTiles[0]->setTile(x, ch, map, range, tr("x (input) · ch %1").arg(ch));
        m_blockTiles[1]->setTile(branch, ch, map, range, tr("F(x)"));
        m_blockTiles[2]->setTile(out, ch, map, range, tr("relu(F(x)): no shortcut"));
    }
    if (!twinOut.isEmpty())
        m_blockTiles[3]->setTile(twinOut, std::min(ch, twinOut.channels - 1), map, range,
                                 tr("%1: output").arg(twinName));
    m_blockLabel->setText(
        tr("<b>%1</b> (%2 block): %3 for this image. In trained nets the paper finds the residual "
           "functions generally small (Fig. 7): the block adds a small change to x.%4")
            .arg(qs(block->name), block->residual ? tr("residual") : tr("plain"), ratio,
                 twinOut.isEmpty() ? tr(" The twin's output shows on the Twin page's first visit.")
                                   : QString()));
}

void FeaturesView::showTwinPanel() {
    for (auto* t : m_twinTiles)
        t->clear();
    if (!m_session->state().capture || !m_session->state().twinCapture) {
        m_twinLabel->setText(m_session->state().capture ? tr("Running the twin…") : QString());
        return;
    }
    const auto* a = m_session->state().capture->layer(m_layer.toStdString());
    const auto* b = m_session->state().twinCapture->layer(m_layer.toStdString());
    if (!a || !b || a->values.size() != b->values.size()) {
        m_twinLabel->setText(tr("The twin has no map of this shape at %1").arg(m_layer));
        return;
    }
    const FeatureMapData da = toData(*a), db = toData(*b);
    FeatureMapData diff = da;
    diff.name = da.name + QStringLiteral(" difference");
    for (size_t i = 0; i < diff.values.size(); ++i)
        diff.values[i] = da.values[i] - db.values[i];
    const int ch = std::min(m_channel, da.channels - 1);
    const auto range = sharedRange({&da, &db}, ch);
    const bool residual = m_session->state().net->spec.residual;
    const QString netName = qs(m_session->state().net->spec.name),
                  twinName = qs(m_session->state().twin->spec.name);
    m_twinTiles[0]->setTile(da, ch, FeatureColorMap::Diverging, range,
                            tr("%1, ch %2").arg(netName).arg(ch));
    m_twinTiles[1]->setTile(db, ch, FeatureColorMap::Diverging, range, twinName);
    m_twinTiles[2]->setTile(
        diff, ch, FeatureColorMap::Diverging,
        featuregrid::channelRange(diff, ch, FeatureColorMap::Diverging),
        tr("%1 − %2").arg(residual ? netName : twinName, residual ? twinName : netName));
    m_twinLabel->setText(
        tr("%1 at %2. Twin: %3").arg(netName, qs(a->name), qs(m_session->state().twin->note)));
}

void FeaturesView::showResponses() {
    if (!m_session->state().capture)
        return;
    auto series = [](const QString& name, bool residual,
                     const std::vector<reslab::LayerResponse>& r) {
        ResponseSeries s;
        s.name = name;
        s.color = residual ? QColor(0x1f77b4) : QColor(0xd62728);
        s.dashed = !residual;
        for (const auto& l : r)
            s.stds.push_back(l.std);
        return s;
    };
    const bool batch = m_session->state().batchSize > 0;
    std::vector<ResponseSeries> all;
    all.push_back(
        series(qs(m_session->state().net->spec.name), m_session->state().net->spec.residual,
               batch ? m_session->state().batchNet : m_session->state().capture->responses));
    if (m_session->state().twin && (batch || m_session->state().twinCapture))
        all.push_back(series(
            qs(m_session->state().twin->spec.name), m_session->state().twin->spec.residual,
            batch ? m_session->state().batchTwin : m_session->state().twinCapture->responses));
    m_responses->setSeries(std::move(all),
                           batch ? tr("%1 test images").arg(m_session->state().batchSize)
                                 : tr("this image"));
}

void FeaturesView::showSeenImage() {
    QImage image = toImage(m_session->state().seen);
    if (image.isNull()) {
        m_seenLabel->clear();
        return;
    }
    const auto& cam = m_session->state().cam;
    if (m_camCheck->isChecked() && !cam.empty() && cam.width == image.width() &&
        cam.height == image.height()) {
        // The map over the image, half transparent, in viridis so hot and cold read at a glance.
        QImage overlay(image.size(), QImage::Format_ARGB32);
        for (int y = 0; y < image.height(); ++y)
            for (int x = 0; x < image.width(); ++x) {
                QColor c = QColor::fromRgb(
                    featuregrid::colorAt(FeatureColorMap::Viridis, cam.at(0, y, x)));
                c.setAlphaF(0.55);
                overlay.setPixelColor(x, y, c);
            }
        QPainter p(&image);
        p.drawImage(0, 0, overlay);
    }
    const bool small = image.width() < kSeenSide / 2;
    m_seenLabel->setPixmap(QPixmap::fromImage(
        image.scaled(kSeenSide, kSeenSide, Qt::KeepAspectRatio,
                     small ? Qt::FastTransformation : Qt::SmoothTransformation)));
}

bool FeaturesView::exportOnnx(const QString& path, QString* error) const {
    const auto loaded = net();
    if (!loaded) {
        if (error)
            *error = tr("no net is loaded");
        return false;
    }
    try {
        reslab::write_onnx(*loaded->net, loaded->preprocessing.size, path.toStdString());
    } catch (const std::exception& e) {
        if (error)
            *error = qs(e.what());
        return false;
    }
    return true;
}

bool FeaturesView::exportGrid(const QString& path, QString* error) const {
    const QImage image = m_grid->gridImage(3);
    if (image.isNull() || !image.save(path, "PNG")) {
        if (error)
            *error =
                image.isNull() ? tr("there is no grid to export") : tr("cannot write %1").arg(path);
        return false;
    }
    return true;
}

bool FeaturesView::exportTile(const QString& path, QString* error) const {
    const QImage image = m_tile->exportImage();
    if (image.isNull() || !image.save(path, "PNG")) {
        if (error)
            *error = image.isNull() ? tr("there is no tile to export: click one")
                                    : tr("cannot write %1").arg(path);
        return false;
    }
    return true;
}

bool FeaturesView::exportResponses(const QString& path, QString* error) const {
    if (!m_responses->exportImage().save(path, "PNG")) {
        if (error)
            *error = tr("cannot write %1").arg(path);
        return false;
    }
    return true;
}

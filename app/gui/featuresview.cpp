// The feature maps view. Still two things in one file, and the next to split: the session (the
// net, the image and the background jobs that load and capture them) and the panels that show it.
#include "featuresview.h"
#include "weightssnapshot.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMimeData>
#include <QPainter>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSettings>
#include <QShortcut>
#include <QSplitter>
#include <QTabWidget>
#include <QThreadPool>
#include <QToolButton>
#include <QVBoxLayout>

#include "data/dataset.h"
#include "featuregrid.h"
#include "featuregridresponses.h"
#include "featuresstate.h"
#include "framesource.h"
#include "inspect/inspection.h"
#include "io/onnx_export.h"
#include "selection.h"

namespace {

constexpr int kTopK = 5;
constexpr int kBatchImages = 64; // test images for the batch responses (Fig. 7)
constexpr int kSeenSide = 224;   // pixels the "what the net sees" image is shown at

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

/// c10::Error carries a C++ backtrace after its first line; the first line is the message.
QString firstLine(const char* what) {
    const QString text = QString::fromUtf8(what);
    return text.section(QLatin1Char('\n'), 0, 0);
}

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

FeaturesView::FeaturesView(Selection* selection, QWidget* parent)
    : QWidget(parent), m_selection(selection), m_state(std::make_unique<FeaturesState>()) {
    setObjectName(QStringLiteral("FeaturesView"));
    // One job at a time: a capture, a twin pass and Grad-CAM would only fight over the same cores,
    // and the net is never run from two threads at once.
    m_state->pool.setMaxThreadCount(1);
    setAcceptDrops(true);
    m_frames = new FrameSource(this);
    connect(m_frames, &FrameSource::frameReady, this, &FeaturesView::onLiveFrame);
    connect(m_frames, &FrameSource::failed, this, &FeaturesView::onLiveEnded);
    connect(m_frames, &FrameSource::ended, this, [this] { onLiveEnded(QString()); });
    buildUi();
    if (m_selection)
        connect(m_selection, &Selection::layerChanged, this, &FeaturesView::onSelectionChanged);
    auto* pasteShortcut = new QShortcut(QKeySequence::Paste, this);
    pasteShortcut->setContext(Qt::WidgetWithChildrenShortcut);
    connect(pasteShortcut, &QShortcut::activated, this, &FeaturesView::paste);
}

FeaturesView::~FeaturesView() {
    // Jobs post their results to this object: let them finish before it goes.
    m_state->pool.waitForDone();
}

void FeaturesView::buildUi() {
    auto* root = new QVBoxLayout(this);
    root->setContentsMargins(6, 6, 6, 6);

    auto* imageRow = new QHBoxLayout;
    imageRow->addWidget(new QLabel(tr("<b>Image</b>"), this));
    auto* openImage = new QPushButton(tr("Open…"), this);
    openImage->setToolTip(tr("A PNG, JPEG or BMP file, colour or grey; or drop one here"));
    connect(openImage, &QPushButton::clicked, this, &FeaturesView::openImageDialog);
    auto* pasteButton = new QPushButton(tr("Paste"), this);
    pasteButton->setToolTip(tr("The image on the clipboard (Ctrl+V)"));
    connect(pasteButton, &QPushButton::clicked, this, &FeaturesView::paste);
    auto* testButton = new QPushButton(tr("Test image"), this);
    testButton->setToolTip(tr("A random image of the test split of the net's data set"));
    connect(testButton, &QPushButton::clicked, this, [this] { loadTestSample(-1); });
    m_sampleCombo = new QComboBox(this);
    m_sampleCombo->addItem(tr("Sample…"));
    m_sampleCombo->addItems(sampleNames());
    m_sampleCombo->setToolTip(tr("Images drawn by ResLab itself (resources/samples)"));
    connect(m_sampleCombo, &QComboBox::activated, this, [this](int i) {
        if (i > 0)
            loadSample(m_sampleCombo->itemText(i));
        m_sampleCombo->setCurrentIndex(0);
    });
    m_cameraButton = new QToolButton(this);
    m_cameraButton->setText(tr("Camera"));
    m_cameraButton->setToolTip(
        tr("Frames from a camera or a video file, live through the net (frames it cannot keep "
           "up with are dropped)"));
    m_cameraButton->setPopupMode(QToolButton::InstantPopup);
    m_cameraButton->setMenu(new QMenu(m_cameraButton));
    // Listed when opened: a camera plugged in after start shows up.
    connect(m_cameraButton->menu(), &QMenu::aboutToShow, this, &FeaturesView::buildCameraMenu);
    for (QWidget* w : std::initializer_list<QWidget*>{openImage, pasteButton, testButton,
                                                      m_sampleCombo, m_cameraButton})
        imageRow->addWidget(w);
    m_imageLabel = new QLabel(tr("no image"), this);
    m_imageLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Long paths must not widen the window: the label shrinks and elides instead.
    m_imageLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    imageRow->addWidget(m_imageLabel, 1);
    root->addLayout(imageRow);

    auto* netRow = new QHBoxLayout;
    netRow->addWidget(new QLabel(tr("<b>Weights</b>"), this));
    auto* openWeights = new QPushButton(tr(".pth file…"), this);
    connect(openWeights, &QPushButton::clicked, this, &FeaturesView::openWeightsDialog);
    auto* openRun = new QPushButton(tr("Run folder…"), this);
    openRun->setToolTip(tr("A run's checkpoint.pth, with its spec.json"));
    connect(openRun, &QPushButton::clicked, this, &FeaturesView::openRunDialog);
    auto* currentRun = new QPushButton(tr("Current run"), this);
    currentRun->setToolTip(
        tr("The latest checkpoint of the run selected in the run list (or being trained); "
           "the trainer writes it between steps"));
    connect(currentRun, &QPushButton::clicked, this, &FeaturesView::useCurrentRun);
    m_archCombo = new QComboBox(this);
    m_archCombo->addItem(tr("recognise"));
    for (const auto& name : reslab::named_spec_names())
        m_archCombo->addItem(qs(name));
    m_archCombo->setToolTip(
        tr("The architecture for a .pth file: recognised from its keys and shapes, or chosen"));
    auto* random = new QPushButton(tr("Random"), this);
    random->setToolTip(
        tr("Freshly initialised weights for the chosen architecture (resnet18 if none)"));
    connect(random, &QPushButton::clicked, this, [this] {
        useRandomWeights(m_archCombo->currentIndex() > 0 ? m_archCombo->currentText()
                                                         : QStringLiteral("resnet18"));
    });
    for (QWidget* w : std::initializer_list<QWidget*>{
             openWeights, openRun, currentRun, new QLabel(tr("arch"), this), m_archCombo, random})
        netRow->addWidget(w);
    m_netLabel = new QLabel(tr("no net"), this);
    m_netLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_netLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    netRow->addWidget(m_netLabel, 1);
    root->addLayout(netRow);

    m_messageLabel = new QLabel(this);
    m_messageLabel->setWordWrap(true);
    m_messageLabel->setVisible(false);
    root->addWidget(m_messageLabel);

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    root->addWidget(splitter, 1);

    // Left: the image as the net sees it, the predictions, Grad-CAM.
    auto* left = new QWidget(splitter);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(new QLabel(tr("What the net sees"), left));
    m_seenLabel = new QLabel(left);
    m_seenLabel->setFixedSize(kSeenSide, kSeenSide);
    m_seenLabel->setAlignment(Qt::AlignCenter);
    m_seenLabel->setStyleSheet(QStringLiteral("background: #e8e8e8"));
    leftLayout->addWidget(m_seenLabel);
    m_prepLabel = new QLabel(left);
    m_prepLabel->setWordWrap(true);
    m_prepLabel->setMaximumWidth(kSeenSide);
    leftLayout->addWidget(m_prepLabel);
    m_invertCheck = new QCheckBox(tr("Invert (light on dark)"), left);
    m_invertCheck->setToolTip(
        tr("Fashion-MNIST and MNIST draw light objects on black; a camera sees dark objects on "
           "a light ground. Shown while the camera or a video plays."));
    m_invertCheck->setVisible(false);
    leftLayout->addWidget(m_invertCheck);
    auto* camRow = new QHBoxLayout;
    m_camCheck = new QCheckBox(tr("Grad-CAM for"), left);
    m_camCheck->setObjectName(QStringLiteral("gradCamCheck"));
    m_camCheck->setToolTip(tr("Where the last stage looks for this class (Selvaraju et al. 2017)"));
    m_camClass = new QComboBox(left);
    camRow->addWidget(m_camCheck);
    camRow->addWidget(m_camClass, 1);
    leftLayout->addLayout(camRow);
    connect(m_camCheck, &QCheckBox::toggled, this, [this](bool on) {
        if (on)
            startGradCam();
        else
            showSeenImage();
    });
    connect(m_camClass, &QComboBox::activated, this, [this] {
        if (m_camCheck->isChecked())
            startGradCam();
    });
    leftLayout->addWidget(new QLabel(tr("Top %1").arg(kTopK), left));
    m_topList = new QListWidget(left);
    m_topList->setMaximumWidth(kSeenSide);
    leftLayout->addWidget(m_topList, 1);
    left->setMaximumWidth(kSeenSide + 12);

    // Centre: the layer and its grid.
    auto* centre = new QWidget(splitter);
    auto* centreLayout = new QVBoxLayout(centre);
    centreLayout->setContentsMargins(0, 0, 0, 0);
    auto* controls = new QHBoxLayout;
    m_layerCombo = new QComboBox(centre);
    m_layerCombo->setMinimumContentsLength(12);
    m_layerCombo->setToolTip(tr("The layer shown; follows the block graph's selection"));
    connect(m_layerCombo, &QComboBox::activated, this, [this](int i) {
        m_layer = m_layerCombo->itemText(i);
        showLayer();
        if (m_selection)
            m_selection->setLayer(m_layer);
    });
    m_colorCombo = new QComboBox(centre);
    m_colorCombo->addItems({tr("auto colours"), tr("grey"), tr("viridis"), tr("diverging")});
    m_colorCombo->setToolTip(
        tr("auto: diverging for signed maps (before a ReLU), viridis otherwise"));
    m_normCombo = new QComboBox(centre);
    m_normCombo->addItems({tr("per channel"), tr("per layer")});
    m_sortCombo = new QComboBox(centre);
    m_sortCombo->addItems({tr("by index"), tr("by mean")});
    for (QComboBox* c : {m_colorCombo, m_normCombo, m_sortCombo})
        connect(c, &QComboBox::activated, this, [this] { showLayer(); });
    auto* exportGridButton = new QPushButton(tr("Export…"), centre);
    exportGridButton->setToolTip(tr("Save the grid as a PNG"));
    connect(exportGridButton, &QPushButton::clicked, this, [this] { exportDialog(0); });
    // Two rows, so that the grid's controls do not make the window wider than a laptop screen.
    controls->addWidget(new QLabel(tr("Layer"), centre));
    controls->addWidget(m_layerCombo, 1);
    controls->addWidget(exportGridButton);
    centreLayout->addLayout(controls);
    auto* looks = new QHBoxLayout;
    looks->addWidget(m_colorCombo);
    looks->addWidget(m_normCombo);
    looks->addWidget(m_sortCombo);
    looks->addStretch(1);
    centreLayout->addLayout(looks);
    m_gridLabel = new QLabel(centre);
    m_gridLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    centreLayout->addWidget(m_gridLabel);
    m_grid = new FeatureGrid(centre);
    centreLayout->addWidget(m_grid, 1);
    connect(m_grid, &FeatureGrid::tileClicked, this, &FeaturesView::onTileClicked);

    // Right: one channel large, the block, the twin, the responses.
    m_side = new QTabWidget(splitter);
    auto* tilePage = new QWidget(m_side);
    auto* tileLayout = new QVBoxLayout(tilePage);
    m_tile = new FeatureTileView(tilePage);
    tileLayout->addWidget(m_tile, 1);
    auto* exportTileButton = new QPushButton(tr("Export tile…"), tilePage);
    connect(exportTileButton, &QPushButton::clicked, this, [this] { exportDialog(1); });
    tileLayout->addWidget(exportTileButton);
    m_side->addTab(tilePage, tr("Tile"));

    auto* blockPage = new QWidget(m_side);
    auto* blockLayout = new QGridLayout(blockPage);
    for (int i = 0; i < 4; ++i) {
        m_blockTiles[i] = new FeatureTileView(blockPage);
        blockLayout->addWidget(m_blockTiles[i], i / 2, i % 2);
    }
    m_blockLabel = new QLabel(blockPage);
    m_blockLabel->setWordWrap(true);
    blockLayout->addWidget(m_blockLabel, 2, 0, 1, 2);
    m_side->addTab(blockPage, tr("Block"));

    auto* twinPage = new QWidget(m_side);
    auto* twinLayout = new QVBoxLayout(twinPage);
    for (auto& t : m_twinTiles) {
        t = new FeatureTileView(twinPage);
        twinLayout->addWidget(t, 1);
    }
    m_twinLabel = new QLabel(twinPage);
    m_twinLabel->setWordWrap(true);
    twinLayout->addWidget(m_twinLabel);
    m_side->addTab(twinPage, tr("Twin"));

    auto* respPage = new QWidget(m_side);
    auto* respLayout = new QVBoxLayout(respPage);
    m_responses = new ResponsesPlot(respPage);
    respLayout->addWidget(m_responses, 1);
    auto* respButtons = new QHBoxLayout;
    auto* batch = new QPushButton(tr("%1 test images").arg(kBatchImages), respPage);
    batch->setToolTip(
        tr("The stds over a batch of the data set's test images instead of this image"));
    connect(batch, &QPushButton::clicked, this, &FeaturesView::responsesForBatch);
    auto* exportPlot = new QPushButton(tr("Export plot…"), respPage);
    connect(exportPlot, &QPushButton::clicked, this, [this] { exportDialog(2); });
    respButtons->addWidget(batch);
    respButtons->addWidget(exportPlot);
    respLayout->addLayout(respButtons);
    m_side->addTab(respPage, tr("Responses"));
    // The twin's pass runs only when a page needs it.
    connect(m_side, &QTabWidget::currentChanged, this, [this](int page) {
        if (page >= 1)
            startTwinCapture();
    });

    // The block page first: x, F(x) and F(x)+x side by side are the point of a residual net.
    m_side->setCurrentIndex(1);

    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 3);
    splitter->setStretchFactor(2, 2);
    splitter->setSizes({kSeenSide + 12, 440, 380});
}

void FeaturesView::showMessage(const QString& text, bool error) {
    m_message = text;
    m_messageLabel->setText(text);
    m_messageLabel->setStyleSheet(error ? QStringLiteral("color: #b00020; font-weight: bold")
                                        : QStringLiteral("color: #555"));
    m_messageLabel->setVisible(!text.isEmpty());
}

QString FeaturesView::message() const {
    return m_message;
}
QString FeaturesView::currentLayer() const {
    return m_layerCombo->currentText();
}
std::shared_ptr<const reslab::LoadedNet> FeaturesView::net() const {
    return m_state->net;
}

QString FeaturesView::netName() const {
    return m_state->net ? qs(m_state->net->spec.name) : QString();
}

QStringList FeaturesView::layerNames() const {
    QStringList names;
    for (int i = 0; i < m_layerCombo->count(); ++i)
        names << m_layerCombo->itemText(i);
    return names;
}

QImage FeaturesView::seenImage() const {
    return toImage(m_state->seen);
}

QStringList FeaturesView::topPredictions() const {
    QStringList out;
    for (const auto& p : m_state->top)
        out << qs(p.name);
    return out;
}

template <class Work, class Done> void FeaturesView::runInBackground(Work work, Done done) {
    ++m_pending;
    m_state->pool.start([this, work = std::move(work), done = std::move(done)]() mutable {
        using Result = decltype(work());
        auto result = std::make_shared<std::optional<Result>>();
        auto error = std::make_shared<QString>();
        try {
            result->emplace(work());
        } catch (const std::exception& e) {
            *error = firstLine(e.what());
        }
        QMetaObject::invokeMethod(
            this,
            [this, result, error, done = std::move(done)]() mutable {
                --m_pending;
                if (!result->has_value()) {
                    showMessage(*error, true);
                    Q_EMIT loadFailed(*error);
                    return;
                }
                done(std::move(**result));
            },
            Qt::QueuedConnection);
    });
}

bool FeaturesView::loadWeights(const QString& path, const QString& arch, QString* error) {
    if (!QFileInfo::exists(path)) {
        const QString why = tr("There is no weights file or run folder %1").arg(path);
        showMessage(why, true);
        if (error)
            *error = why;
        return false;
    }
    showMessage(tr("Loading %1…").arg(QDir::toNativeSeparators(path)), false);
    const std::string p = path.toStdString(), a = arch.toStdString();
    runInBackground([p, a] { return reslab::load_net(p, a); },
                    [this, path](reslab::LoadedNetPtr net) {
                        const QString name = qs(net->spec.name);
                        const QString note = qs(net->note);
                        adoptNet(std::move(net), path,
                                 tr("%1 from %2").arg(name, QDir::toNativeSeparators(path)), name,
                                 note);
                    });
    return true;
}

bool FeaturesView::useRandomWeights(const QString& arch, QString* error) {
    reslab::LoadedNetPtr net;
    try {
        net = reslab::random_net(arch.toStdString(), 0);
    } catch (const std::exception& e) {
        const QString why = firstLine(e.what());
        showMessage(why, true);
        if (error)
            *error = why;
        return false;
    }
    adoptNet(std::move(net), QString(), tr("%1 with random weights (seed 0)").arg(arch), arch,
             QString());
    return true;
}

void FeaturesView::adoptNet(reslab::LoadedNetPtr net,
                            const QString& path,
                            const QString& label,
                            const QString& name,
                            const QString& note) {
    m_state->net = std::move(net);
    m_state->netPath = path;
    m_state->twin.reset();
    m_state->batchSize = 0;
    m_state->testSet.reset();
    m_netLabel->setText(label);
    showMessage(note, false);
    // Light-on-dark data sets see a camera's dark-on-light world inverted.
    m_invertCheck->setChecked(reslab::draws_light_on_dark(*m_state->net));
    Q_EMIT netChanged(name);
    m_sinceChosen.start();
    if (isLive())
        return; // the next frame goes through the new net
    if (m_state->image)
        startCapture();
    else
        warmUp();
}

bool FeaturesView::loadImageFile(const QString& path, QString* error) {
    stopLive();
    m_sinceChosen.start();
    try {
        m_state->image = reslab::read_input_image(path.toStdString(), 0);
    } catch (const std::exception& e) {
        const QString why = firstLine(e.what());
        showMessage(why, true);
        Q_EMIT loadFailed(why);
        if (error)
            *error = why;
        return false;
    }
    m_state->imageDescription = QDir::toNativeSeparators(path);
    m_imageLabel->setText(m_state->imageDescription);
    showMessage(QString(), false);
    startCapture();
    return true;
}

bool FeaturesView::loadImage(const QImage& image, const QString& description, QString* error) {
    stopLive();
    m_sinceChosen.start();
    if (image.isNull()) {
        const QString why = tr("%1 holds no image").arg(description);
        showMessage(why, true);
        if (error)
            *error = why;
        return false;
    }
    try {
        m_state->image = inputFromQImage(image);
    } catch (const std::exception& e) {
        const QString why = firstLine(e.what());
        showMessage(why, true);
        if (error)
            *error = why;
        return false;
    }
    m_state->imageDescription = description;
    m_imageLabel->setText(description);
    showMessage(QString(), false);
    startCapture();
    return true;
}

QStringList FeaturesView::sampleNames() const {
    QStringList names;
    for (const QString& f : QDir(QStringLiteral(":/samples"))
                                .entryList({QStringLiteral("*.png")}, QDir::Files, QDir::Name))
        names << QFileInfo(f).completeBaseName();
    return names;
}

bool FeaturesView::loadSample(const QString& name, QString* error) {
    const QString path = QStringLiteral(":/samples/%1.png").arg(name);
    QImage image(path);
    if (image.isNull()) {
        const QString why = tr("There is no sample image '%1'; the samples are: %2")
                                .arg(name, sampleNames().join(QStringLiteral(", ")));
        showMessage(why, true);
        if (error)
            *error = why;
        return false;
    }
    return loadImage(image, tr("sample: %1").arg(name), error);
}

void FeaturesView::loadTestSample(int index) {
    if (!m_state->net) {
        showMessage(tr("Load weights first: the test image comes from the net's data set"), true);
        return;
    }
    const std::string dataset = m_state->net->preprocessing.dataset;
    if (dataset == "imagenet") {
        showMessage(
            tr("ImageNet's test split is not on this machine: open an image file or pick a sample"),
            true);
        return;
    }
    stopLive();
    m_sinceChosen.start();
    auto cached = m_state->testSetName == dataset ? m_state->testSet : nullptr;
    runInBackground(
        [dataset, cached] {
            if (cached)
                return cached;
            reslab::DataOptions options;
            options.name = dataset;
            options.split = reslab::Split::Test;
            return std::shared_ptr<const reslab::Dataset>(
                std::make_shared<reslab::Dataset>(reslab::load_dataset(options)));
        },
        [this, dataset, index](std::shared_ptr<const reslab::Dataset> set) {
            m_state->testSet = set;
            m_state->testSetName = dataset;
            const int64_t n = set->images.size(0);
            const int64_t i = index >= 0 ? std::min<int64_t>(index, n - 1)
                                         : QRandomGenerator::global()->bounded(static_cast<int>(n));
            m_state->image = reslab::input_image_from_dataset(set->images[i], 0);
            const int64_t label = set->labels[i].item<int64_t>();
            const QString name = label < static_cast<int64_t>(set->classes.size())
                                     ? qs(set->classes[label])
                                     : QString::number(label);
            m_state->imageDescription =
                tr("%1 test image #%2 (label: %3)").arg(qs(dataset)).arg(i).arg(name);
            m_imageLabel->setText(m_state->imageDescription);
            startCapture();
        });
}

void FeaturesView::startCapture(bool live) {
    if (!m_state->net || !m_state->image) {
        if (live)
            m_frames->frameDone();
        return;
    }
    const quint64 generation = ++m_generation;
    auto net = m_state->net;
    const reslab::InputImage image = *m_state->image;
    // A still image shows its grid first and its Grad-CAM after, in a job of its own; a live
    // frame has both in one job, so the overlay always belongs to the frame under it.
    const int64_t cam = live && m_camCheck->isChecked() ? reslab::kCamTopClass : reslab::kNoCam;
    const reslab::FrameFit fit{live && m_invertCheck->isChecked()};
    struct Result {
        std::optional<reslab::Inspection> inspection;
        QString error;
    };
    runInBackground(
        [net, image, cam, live, fit] {
            Result r;
            try {
                r.inspection = reslab::inspect_image(
                    *net, live ? reslab::fit_frame(image, *net, fit) : image, kTopK, cam);
            } catch (const std::exception& e) {
                if (!live)
                    throw;
                r.error = firstLine(e.what()); // the live view stops with it
            }
            return r;
        },
        [this, generation, live](Result r) {
            if (live && !r.error.isEmpty()) {
                onLiveEnded(r.error);
                return;
            }
            if (generation != m_generation) { // a newer image or net was chosen meanwhile
                if (live)
                    m_frames->frameDone();
                return;
            }
            reslab::Inspection& i = *r.inspection;
            m_state->input = i.input;
            m_state->capture = i.capture;
            m_state->seen = std::move(i.seen);
            m_state->top = std::move(i.top);
            m_state->twinCapture.reset();
            m_state->cam = std::move(i.cam);
            m_state->camClass = i.cam_class;
            if (!i.note.empty() && !live)
                showMessage(qs(i.note), false);
            showCapture(live);
            if (live) {
                Q_EMIT liveFrameShown();
                m_frames->frameDone();
                updateLiveCaption();
            }
        });
}

void FeaturesView::warmUp() {
    // The first forward pass of a process or a net allocates its buffers and picks its kernels,
    // several times slower than the next; do it while the user picks an image, not after.
    auto net = m_state->net;
    runInBackground(
        [net] {
            torch::NoGradGuard no_grad;
            const int64_t side = net->preprocessing.imagenet_crop ? 224 : net->preprocessing.size;
            net->net.ptr()->forward(torch::zeros({1, net->spec.in_channels, side, side}));
            return true;
        },
        [](bool) {});
}

void FeaturesView::startTwinCapture() {
    if (!m_state->net || !m_state->capture || m_state->twinCapture)
        return;
    const quint64 generation = m_generation;
    auto net = m_state->net;
    auto twin = m_state->twin;
    const torch::Tensor input = m_state->input;
    const std::string path = m_state->netPath.toStdString();
    struct Result {
        reslab::LoadedNetPtr twin;
        std::shared_ptr<const reslab::Capture> capture;
    };
    runInBackground(
        [net, twin, input, path] {
            Result r;
            r.twin = twin ? twin : reslab::twin_net(*net, path);
            r.capture = std::make_shared<const reslab::Capture>(reslab::capture(*r.twin, input));
            return r;
        },
        [this, generation](Result r) {
            if (generation != m_generation)
                return;
            m_state->twin = r.twin;
            m_state->twinCapture = r.capture;
            showBlockPanel();
            showTwinPanel();
            showResponses();
        });
}

void FeaturesView::startGradCam() {
    if (!m_state->net || !m_state->capture)
        return;
    const int64_t cls =
        m_camClass->currentData().isValid() ? m_camClass->currentData().toLongLong() : 0;
    const quint64 generation = m_generation;
    auto net = m_state->net;
    const torch::Tensor input = m_state->input;
    runInBackground([net, input, cls] { return reslab::grad_cam(*net, input, cls); },
                    [this, generation, cls](reslab::FeatureMap cam) {
                        if (generation != m_generation)
                            return;
                        m_state->cam = std::move(cam);
                        m_state->camClass = cls;
                        showSeenImage();
                    });
}

void FeaturesView::showCapture(bool live) {
    const auto& c = *m_state->capture;
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
    for (const auto& p : m_state->top) {
        m_topList->addItem(
            QStringLiteral("%1%  %2").arg(100.0 * p.probability, 5, 'f', 1).arg(qs(p.name)));
        m_camClass->addItem(qs(p.name), QVariant::fromValue<qlonglong>(p.index));
    }
    const auto& pre = m_state->net->preprocessing;
    m_prepLabel->setText(tr("%1 x %2 after: %3")
                             .arg(m_state->seen.width)
                             .arg(m_state->seen.height)
                             .arg(qs(pre.describe())));
    showSeenImage();
    showResponses();
    m_netLabel->setToolTip(qs(m_state->net->source));
    // Live, the twin runs only for the pages that are about it: on the Block page it would halve
    // the frames per second for one tile.
    if (m_side->currentIndex() >= (live ? 2 : 1))
        startTwinCapture();
    if (m_camCheck->isChecked() && !live)
        startGradCam();
    Q_EMIT captureReady();
}

void FeaturesView::showLayer() {
    if (!m_state->capture)
        return;
    const reslab::FeatureMap* map = m_state->capture->layer(m_layer.toStdString());
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
    if (!m_state->capture)
        return;
    const auto& c = *m_state->capture;
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
    if (m_state->twinCapture)
        if (const auto* tb = m_state->twinCapture->block(block->name)) {
            twinOut = toData(m_state->twinCapture->layers[tb->output]);
            twinName = qs(m_state->twin->spec.name);
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
    if (!m_state->capture || !m_state->twinCapture) {
        m_twinLabel->setText(m_state->capture ? tr("Running the twin…") : QString());
        return;
    }
    const auto* a = m_state->capture->layer(m_layer.toStdString());
    const auto* b = m_state->twinCapture->layer(m_layer.toStdString());
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
    const bool residual = m_state->net->spec.residual;
    const QString netName = qs(m_state->net->spec.name), twinName = qs(m_state->twin->spec.name);
    m_twinTiles[0]->setTile(da, ch, FeatureColorMap::Diverging, range,
                            tr("%1, ch %2").arg(netName).arg(ch));
    m_twinTiles[1]->setTile(db, ch, FeatureColorMap::Diverging, range, twinName);
    m_twinTiles[2]->setTile(
        diff, ch, FeatureColorMap::Diverging,
        featuregrid::channelRange(diff, ch, FeatureColorMap::Diverging),
        tr("%1 − %2").arg(residual ? netName : twinName, residual ? twinName : netName));
    m_twinLabel->setText(
        tr("%1 at %2. Twin: %3").arg(netName, qs(a->name), qs(m_state->twin->note)));
}

void FeaturesView::showResponses() {
    if (!m_state->capture)
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
    const bool batch = m_state->batchSize > 0;
    std::vector<ResponseSeries> all;
    all.push_back(series(qs(m_state->net->spec.name), m_state->net->spec.residual,
                         batch ? m_state->batchNet : m_state->capture->responses));
    if (m_state->twin && (batch || m_state->twinCapture))
        all.push_back(series(qs(m_state->twin->spec.name), m_state->twin->spec.residual,
                             batch ? m_state->batchTwin : m_state->twinCapture->responses));
    m_responses->setSeries(std::move(all),
                           batch ? tr("%1 test images").arg(m_state->batchSize) : tr("this image"));
}

void FeaturesView::responsesForBatch() {
    if (!m_state->net)
        return;
    const std::string dataset = m_state->net->preprocessing.dataset;
    if (dataset == "imagenet") {
        showMessage(tr("ImageNet's test split is not on this machine: the responses are for the "
                       "loaded image"),
                    true);
        return;
    }
    auto net = m_state->net;
    auto twin = m_state->twin;
    auto cached = m_state->testSetName == dataset ? m_state->testSet : nullptr;
    const std::string path = m_state->netPath.toStdString();
    struct Result {
        std::shared_ptr<const reslab::Dataset> set;
        reslab::LoadedNetPtr twin;
        std::vector<reslab::LayerResponse> net, other;
    };
    showMessage(tr("Running %1 test images through both nets…").arg(kBatchImages), false);
    runInBackground(
        [net, twin, cached, dataset, path] {
            Result r;
            r.set = cached;
            if (!r.set) {
                reslab::DataOptions options;
                options.name = dataset;
                options.split = reslab::Split::Test;
                r.set = std::make_shared<reslab::Dataset>(reslab::load_dataset(options));
            }
            std::vector<torch::Tensor> inputs;
            const int64_t n = std::min<int64_t>(kBatchImages, r.set->images.size(0));
            for (int64_t i = 0; i < n; ++i) {
                const auto image =
                    reslab::input_image_from_dataset(r.set->images[i], net->spec.in_channels);
                inputs.push_back(reslab::prepare_input(*net, image.pixels));
            }
            const torch::Tensor batch = torch::cat(inputs);
            r.twin = twin ? twin : reslab::twin_net(*net, path);
            r.net = reslab::response_stds(*net, batch);
            r.other = reslab::response_stds(*r.twin, batch);
            return r;
        },
        [this, net](Result r) {
            if (net != m_state->net)
                return;
            m_state->testSet = r.set;
            m_state->testSetName = net->preprocessing.dataset;
            m_state->twin = r.twin;
            m_state->batchNet = std::move(r.net);
            m_state->batchTwin = std::move(r.other);
            m_state->batchSize =
                static_cast<int>(std::min<int64_t>(kBatchImages, r.set->images.size(0)));
            showMessage(QString(), false);
            showResponses();
        });
}

void FeaturesView::showSeenImage() {
    QImage image = toImage(m_state->seen);
    if (image.isNull()) {
        m_seenLabel->clear();
        return;
    }
    const auto& cam = m_state->cam;
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

void FeaturesView::onSelectionChanged(const QString& layer) {
    if (layer.isEmpty() || layer == m_layer)
        return;
    m_layer = layer;
    showLayer();
}

void FeaturesView::setLayer(const QString& path) {
    m_layer = path;
    showLayer();
    if (m_selection)
        m_selection->setLayer(path);
}

void FeaturesView::openImageDialog() {
    QSettings settings;
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open image"),
        settings.value(QStringLiteral("folders/images"), QDir::homePath()).toString(),
        tr("Images (*.png *.jpg *.jpeg *.bmp);;All files (*)"));
    if (path.isEmpty())
        return;
    settings.setValue(QStringLiteral("folders/images"), QFileInfo(path).absolutePath());
    loadImageFile(path);
}

void FeaturesView::openWeightsDialog() {
    QSettings settings;
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open weights"),
        settings.value(QStringLiteral("folders/weights"), QDir::homePath()).toString(),
        tr("PyTorch weights (*.pth *.pt);;All files (*)"));
    if (path.isEmpty())
        return;
    settings.setValue(QStringLiteral("folders/weights"), QFileInfo(path).absolutePath());
    loadWeights(path, m_archCombo->currentIndex() > 0 ? m_archCombo->currentText() : QString());
}

void FeaturesView::openRunDialog() {
    QSettings settings;
    const QString folder = QFileDialog::getExistingDirectory(
        this, tr("Open run folder"),
        settings.value(QStringLiteral("folders/open"), QDir::homePath()).toString());
    if (!folder.isEmpty())
        loadWeights(folder);
}

void FeaturesView::useCurrentRun() {
    const QString folder = m_currentRun ? m_currentRun() : QString();
    if (folder.isEmpty()) {
        showMessage(tr("No run is being trained or selected; start one, or open a run folder"),
                    true);
        return;
    }
    if (m_requestSnapshot && m_requestSnapshot(folder)) {
        showMessage(tr("Copying the weights of the training net between two steps…"), false);
        return;
    }
    loadWeights(folder);
}

void FeaturesView::loadSnapshot(const QString& folder,
                                const std::shared_ptr<const WeightsSnapshot>& snapshot) {
    const std::string f = folder.toStdString();
    const std::string source = "the training net at step " + std::to_string(snapshot->step);
    runInBackground(
        [f, snapshot, source] { return reslab::load_run_net(f, snapshot->state, source); },
        [this, folder, step = snapshot->step](reslab::LoadedNetPtr net) {
            const QString name = qs(net->spec.name);
            const QString note = qs(net->note);
            adoptNet(std::move(net), folder, tr("%1 while it trains: step %2").arg(name).arg(step),
                     name, note);
        });
}

void FeaturesView::paste() {
    const QMimeData* mime = QApplication::clipboard()->mimeData();
    if (mime && mime->hasImage()) {
        loadImage(qvariant_cast<QImage>(mime->imageData()), tr("clipboard image"));
    } else if (mime && mime->hasUrls() && mime->urls().first().isLocalFile()) {
        loadImageFile(mime->urls().first().toLocalFile());
    } else {
        showMessage(tr("The clipboard holds no image"), true);
    }
}

void FeaturesView::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasImage() || event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void FeaturesView::dropEvent(QDropEvent* event) {
    const QMimeData* mime = event->mimeData();
    if (mime->hasUrls() && mime->urls().first().isLocalFile()) {
        const QString path = mime->urls().first().toLocalFile();
        // A dropped .pth file or run folder is weights; anything else is taken for an image.
        if (QFileInfo(path).isDir() || path.endsWith(QLatin1String(".pth")))
            loadWeights(path);
        else
            loadImageFile(path);
    } else if (mime->hasImage()) {
        loadImage(qvariant_cast<QImage>(mime->imageData()), tr("dropped image"));
    }
    event->acceptProposedAction();
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

void FeaturesView::exportDialog(int what) {
    static const char* const kNames[] = {"features-grid.png", "features-tile.png",
                                         "features-responses.png"};
    QSettings settings;
    const QString folder =
        settings.value(QStringLiteral("folders/export"), QDir::homePath()).toString();
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export PNG"), QDir(folder).filePath(QString::fromLatin1(kNames[what])),
        tr("PNG image (*.png)"));
    if (path.isEmpty())
        return;
    settings.setValue(QStringLiteral("folders/export"), QFileInfo(path).absolutePath());
    QString error;
    const bool ok = what == 0   ? exportGrid(path, &error)
                    : what == 1 ? exportTile(path, &error)
                                : exportResponses(path, &error);
    showMessage(ok ? tr("Exported %1").arg(QDir::toNativeSeparators(path))
                   : tr("Could not export: %1").arg(error),
                !ok);
}

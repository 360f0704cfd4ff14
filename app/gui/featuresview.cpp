// The feature maps view: its widgets, the dialogs and drops that feed it, and what it answers
// about itself. The session's jobs are in featuressession.cpp, the panels that show a capture in
// featurespanels.cpp, the live frames in featureslive.cpp.
#include "featuresview.h"

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
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSplitter>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include "featuregrid.h"
#include "featuregridresponses.h"
#include "featuressession.h"
#include "framesource.h"
#include "selection.h"

using namespace features_detail;

FeaturesView::FeaturesView(Selection* selection, QWidget* parent)
    : QWidget(parent), m_selection(selection) {
    setObjectName(QStringLiteral("FeaturesView"));
    setAcceptDrops(true);
    m_session = new FeaturesSession(this);
    connectSession();
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
    // The session's running job ends here, while the widgets its answer would reach still exist;
    // answers still queued go with it.
    m_frames->stop();
    delete m_session;
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
    return m_session->state().net;
}

QString FeaturesView::netName() const {
    return m_session->state().net ? qs(m_session->state().net->spec.name) : QString();
}

QStringList FeaturesView::layerNames() const {
    QStringList names;
    for (int i = 0; i < m_layerCombo->count(); ++i)
        names << m_layerCombo->itemText(i);
    return names;
}

QStringList FeaturesView::topPredictions() const {
    QStringList out;
    for (const auto& p : m_session->state().top)
        out << qs(p.name);
    return out;
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

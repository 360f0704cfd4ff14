#pragma once

#include <functional>
#include <memory>

#include <QElapsedTimer>
#include <QImage>
#include <QString>
#include <QStringList>
#include <QWidget>

class FeatureGrid;
class FrameSource;
class FeatureTileView;
class QCheckBox;
class QComboBox;
class QDragEnterEvent;
class QDropEvent;
class QLabel;
class QListWidget;
class QPushButton;
class QTabWidget;
class QToolButton;
class ResponsesPlot;
class Selection;
class FeaturesSession;
namespace reslab {
struct LoadedNet;
}
struct WeightsSnapshot;

/// The feature-map inspector (issue 6): an image through a net, every layer's maps as a grid, a
/// residual block's x | F(x) | F(x)+x, the plain twin beside it, top-k, the layer responses of
/// Fig. 7 and Grad-CAM. Loading and the forward pass run on the thread pool and hand plain arrays
/// back; a failed load says why and keeps what was shown before.
class FeaturesView : public QWidget {
    Q_OBJECT
public:
    explicit FeaturesView(Selection* selection, QWidget* parent = nullptr);
    ~FeaturesView() override;

    /// Weights from a .pth file or a run folder (spec.json + checkpoint.pth); arch empty: from
    /// the run folder, or recognised from the keys and shapes. Loads in the background; false
    /// (and why) only for what can be told at once, such as a missing file.
    bool loadWeights(const QString& path, const QString& arch = {}, QString* error = nullptr);
    /// A freshly initialised net (seeded), when there are no weights to hand.
    bool useRandomWeights(const QString& arch, QString* error = nullptr);
    bool loadImageFile(const QString& path, QString* error = nullptr);
    /// An image from the clipboard, a drop or the shipped samples.
    bool loadImage(const QImage& image, const QString& description, QString* error = nullptr);
    /// One of the sample images in resources/samples ("shapes", "shirt", ...).
    bool loadSample(const QString& name, QString* error = nullptr);
    QStringList sampleNames() const;
    /// A random image (index -1) or image `index` of the net's data set's test split.
    void loadTestSample(int index = -1);
    /// Shows a layer by module path ("layer2.0.conv1"); the nearest captured map if not exact.
    void setLayer(const QString& path);
    /// The run folder of the net being trained, asked for when "Current run" is pressed.
    void setCurrentRunProvider(std::function<QString()> provider) {
        m_currentRun = std::move(provider);
    }
    /// Asked first when "Current run" is pressed: true if that run is training and a snapshot of
    /// its weights was asked for (loadSnapshot follows); otherwise its checkpoint is loaded.
    void setSnapshotRequester(std::function<bool(const QString& folder)> requester) {
        m_requestSnapshot = std::move(requester);
    }
    /// Shows the net of the run in folder with a snapshot of its weights taken between two steps.
    void loadSnapshot(const QString& folder,
                      const std::shared_ptr<const WeightsSnapshot>& snapshot);
    /// What "Current run" does: the training net's snapshot, or the run's latest checkpoint.
    void useCurrentRun();

    /// Live view: each frame of a camera (a description from FrameSource::cameras(), empty for
    /// the default) or a video file goes through the net as an image does, on the pool, one at
    /// a time; frames that come while one is being looked at are dropped. Needs a net (loaded or
    /// loading). False, and why, when it cannot start; a failure later stops it and says why.
    bool startCamera(const QString& camera = {}, QString* error = nullptr);
    bool startVideo(const QString& path, bool loop = true, QString* error = nullptr);
    void stopLive();
    bool isLive() const;
    /// Where the live frames come from, with its counts (for the caption and the tests).
    const FrameSource* frameSource() const { return m_frames; }

    bool exportGrid(const QString& path, QString* error = nullptr) const;
    /// The net shown, with its weights, as ONNX (at the input side it is shown at).
    bool exportOnnx(const QString& path, QString* error = nullptr) const;
    bool exportTile(const QString& path, QString* error = nullptr) const;
    bool exportResponses(const QString& path, QString* error = nullptr) const;

    bool busy() const;
    QString message() const;
    QString currentLayer() const;
    QStringList layerNames() const;
    QString netName() const;
    /// The net shown (null before one is loaded).
    std::shared_ptr<const reslab::LoadedNet> net() const;
    QStringList topPredictions() const;
    /// What the net sees (its input with the normalisation undone), without the Grad-CAM overlay.
    QImage seenImage() const;
    FeatureGrid* grid() const { return m_grid; }
    FeatureTileView* blockTile(int i) const { return m_blockTiles[i]; }
    /// Milliseconds from choosing the image to the first grid drawn, for the last capture.
    double lastCaptureMs() const { return m_lastCaptureMs; }

Q_SIGNALS:
    /// A capture finished and the grid shows it.
    void captureReady();
    /// A load failed; the previous net and image stay.
    void loadFailed(const QString& message);
    void netChanged(const QString& name);
    /// A live frame went through the net and is on screen.
    void liveFrameShown();
    /// The live view stopped: why (empty when asked to, or a video's end).
    void liveStopped(const QString& why);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildUi();
    void showMessage(const QString& text, bool error);
    /// Shows why something was refused, hands it to the caller, and returns false.
    bool refuse(const QString& why, QString* error);
    /// The image through the net. live: a frame, fitted to the net, with Grad-CAM in the same
    /// job, and the frame source told when it is on screen.
    void startCapture(bool live = false);
    void onLiveFrame(const QImage& frame);
    void onLiveEnded(const QString& why);
    void updateLiveCaption();
    void buildCameraMenu();
    bool startLive(const std::function<bool(QString*)>& open, QString* error);
    void connectSession();
    /// Shows a newly loaded net (label and note above the grid) and captures the image through it.
    void onNetLoaded(const QString& label, const QString& name, const QString& note);
    void startTwinCapture();
    void startGradCam();
    void showCapture(bool live = false);
    void showLayer();
    void showBlockPanel();
    void showTwinPanel();
    void showResponses();
    void showSeenImage();
    void onTileClicked(int channel);
    void onSelectionChanged(const QString& layer);
    void openImageDialog();
    void openWeightsDialog();
    void openRunDialog();
    void paste();
    void responsesForBatch();
    void exportDialog(int what);

    Selection* m_selection = nullptr;
    FeaturesSession* m_session = nullptr;
    std::function<QString()> m_currentRun;
    std::function<bool(const QString&)> m_requestSnapshot;

    QLabel* m_netLabel = nullptr;
    QLabel* m_imageLabel = nullptr;
    QLabel* m_messageLabel = nullptr;
    QComboBox* m_archCombo = nullptr;
    QComboBox* m_sampleCombo = nullptr;
    QComboBox* m_layerCombo = nullptr;
    QComboBox* m_colorCombo = nullptr;
    QComboBox* m_normCombo = nullptr;
    QComboBox* m_sortCombo = nullptr;
    QLabel* m_seenLabel = nullptr;
    QLabel* m_prepLabel = nullptr;
    QListWidget* m_topList = nullptr;
    FrameSource* m_frames = nullptr;
    QToolButton* m_cameraButton = nullptr;
    QCheckBox* m_invertCheck = nullptr; // live frames: light objects on dark, as MNIST draws them
    QCheckBox* m_camCheck = nullptr;
    QComboBox* m_camClass = nullptr;
    FeatureGrid* m_grid = nullptr;
    QLabel* m_gridLabel = nullptr;
    QTabWidget* m_side = nullptr;
    FeatureTileView* m_tile = nullptr;
    FeatureTileView* m_blockTiles[4] = {nullptr, nullptr, nullptr, nullptr};
    QLabel* m_blockLabel = nullptr;
    FeatureTileView* m_twinTiles[3] = {nullptr, nullptr, nullptr};
    QLabel* m_twinLabel = nullptr;
    ResponsesPlot* m_responses = nullptr;

    QString m_layer;   // the module path asked for
    int m_channel = 0; // the channel shown large
    QElapsedTimer m_sinceChosen;
    double m_lastCaptureMs = 0.0;
    QString m_message;
};

#pragma once

#include <cstdint>
#include <memory>

#include <QObject>
#include <QString>
#include <QThreadPool>

#include "featuresstate.h"

struct WeightsSnapshot;

/// The feature maps view's session, apart from its widgets: the net, the image and what went
/// through them, and the jobs that load and capture them on a pool of one thread (a capture, a
/// twin pass and Grad-CAM would only fight over the same cores, and a net never runs on two
/// threads at once). Results arrive as signals on the thread that owns it; a job whose image or
/// net was replaced while it ran is dropped.
class FeaturesSession : public QObject {
    Q_OBJECT
public:
    explicit FeaturesSession(QObject* parent = nullptr);
    /// Waits for the running job: jobs post their results to this object.
    ~FeaturesSession() override;

    const FeaturesState& state() const { return m_state; }
    bool busy() const { return m_pending > 0; }

    /// A .pth file or a run folder; netLoaded or failed follows.
    void loadNet(const QString& path, const QString& arch);
    /// The net of the run in folder with a snapshot of its weights taken between two steps.
    void loadSnapshot(const QString& folder,
                      const std::shared_ptr<const WeightsSnapshot>& snapshot);
    /// Freshly initialised weights, at once (netLoaded); throws for an unknown architecture.
    void useRandomNet(const QString& arch);
    /// The image to capture next, as read (its own channels).
    void setImage(reslab::InputImage image, const QString& description);
    /// Image index (a random one for -1) of the net's data set's test split; testImageLoaded or
    /// failed follows.
    void loadTestImage(int index);

    /// The image through the net: captured or captureDropped follows (failed for a still image,
    /// liveFailed for a live frame). live: a camera frame, fitted to the net (inverted if asked),
    /// with Grad-CAM for the top class in the same job when cam is set.
    void capture(bool live, bool cam, bool invert);
    /// The first pass of a net allocates and picks its kernels, several times slower than the
    /// next: done while the user picks an image.
    void warmUp();
    /// The twin (found beside the net or made from it) on the same input; twinCaptured follows.
    void captureTwin();
    /// Grad-CAM for class cls on the last capture; gradCamReady follows.
    void gradCam(int64_t cls);
    /// The Fig. 7 stds over images of the test split, net and twin; batchResponsesReady follows.
    void batchResponses(int images);

Q_SIGNALS:
    void netLoaded(const QString& label, const QString& name, const QString& note);
    void testImageLoaded();
    /// note: what was done to fit the image's channels, or empty.
    void captured(bool live, const QString& note);
    /// A capture finished after a newer image or net was chosen; nothing changed.
    void captureDropped(bool live);
    void liveFailed(const QString& message);
    void twinCaptured();
    void gradCamReady();
    void batchResponsesReady();
    /// A job failed; what was shown before stays.
    void failed(const QString& message);

private:
    template <class Work, class Done> void run(Work work, Done done);
    void adopt(reslab::LoadedNetPtr net, const QString& path, const QString& label);

    FeaturesState m_state;
    QThreadPool m_pool;
    int m_pending = 0;        // jobs started and not yet back
    quint64 m_generation = 0; // a capture older than this is stale
};

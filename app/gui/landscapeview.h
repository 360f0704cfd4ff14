#pragma once

#include <atomic>
#include <memory>

#include <QDateTime>
#include <QVector>
#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QThread;
class RunRegistry;
class Selection;
class SurfacePlot;
class CurvePlot;
class QStackedWidget;
class Surface3D;

/// One net's loss surface as the view keeps it: Qt types only, so this header stays torch-free.
struct SurfaceData {
    QString run; // the run's name
    QString folder;
    int grid = 0;
    int images = 0; // training images the loss is averaged over
    QVector<double> coords;
    QVector<double> loss, error; // grid x grid, row by b; NaN until computed
    /// Images each point is averaged over so far (the first picture's coarse points are first
    /// estimated on a part of them); empty once read back whole.
    QVector<qint64> imagesAt;
    int computed = 0;
    double seconds = 0.0;
    QVector<double> alpha, lineLoss; // the line from the initial weights, when computed
    QVector<double> pathA, pathB;    // the training trajectory, with trajectory directions
    QString source;                  // the file it was read from, if it was
    QDateTime sourceTime;            // and when that was written
    bool complete() const { return grid > 0 && computed == grid * grid; }
};

/// The loss landscape (Li et al. 2018) of a run beside its twin: log-loss over two
/// filter-normalised directions as colour maps on one shared scale, a slice through the trained
/// weights, and a caption computed from the surfaces. A surface already in a run folder
/// (landscape-<seed>.json, from here or from reslab-cli landscape) opens at once; a new one is
/// computed on a thread of its own, coarse to fine, on copies of the nets, and can be cancelled.
class LandscapeView : public QWidget {
    Q_OBJECT
public:
    LandscapeView(const RunRegistry* runs, Selection* selection, QWidget* parent = nullptr);
    ~LandscapeView() override;

    /// The runs shown, left and right (-1: none).
    void setPair(int left, int right);
    int leftRun() const;
    int rightRun() const;
    void setGrid(int points);
    void setImages(int images);
    /// The directions' seed; a surface stored with it opens at once.
    void setSeed(int seed);
    /// "random" or "trajectory" (the first two principal directions of the run's snapshots).
    void setDirections(const QString& directions);

    /// Computes the surfaces of the pair that are not in their folders yet; false (and why) when
    /// it cannot start.
    bool compute(QString* error = nullptr);
    void cancel();
    bool isComputing() const { return m_thread != nullptr; }

    const SurfaceData& surface(int side) const { return m_surfaces[side]; }
    /// How the pair is shown: "contours" (colour maps with contour lines) or "3d" (rotatable
    /// surfaces, made when first asked for; they say so where the display has no OpenGL).
    void setShown(const QString& how);
    QString shown() const;
    /// The 3-D view of a side, once made (nullptr before).
    const Surface3D* surface3d(int side) const { return m_3d[side]; }
    QString caption() const;
    bool exportPng(const QString& path, QString* error = nullptr) const;
    bool exportCsv(const QString& path, QString* error = nullptr) const;

Q_SIGNALS:
    /// The computation ended: finished, cancelled or failed (message says which).
    void computeFinished(bool ok, const QString& message);

private:
    void fillPickers();
    void loadStored();
    void redraw();
    void onSurface(int side, const SurfaceData& data);
    void followSelection(const QString& run);
    int twinOf(int id) const;

    const RunRegistry* m_runs = nullptr;
    Selection* m_selection = nullptr;
    QComboBox* m_pick[2] = {nullptr, nullptr};
    QSpinBox* m_grid = nullptr;
    QSpinBox* m_images = nullptr;
    QDoubleSpinBox* m_range = nullptr;
    QSpinBox* m_seed = nullptr;
    QComboBox* m_directions = nullptr;
    QPushButton* m_computeButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QProgressBar* m_progress = nullptr;
    SurfacePlot* m_plots[2] = {nullptr, nullptr};
    QComboBox* m_show = nullptr;
    QStackedWidget* m_stack[2] = {nullptr, nullptr};
    Surface3D* m_3d[2] = {nullptr, nullptr};
    CurvePlot* m_slice = nullptr; // the loss along a at b = 0, through the trained weights
    CurvePlot* m_line = nullptr;  // the loss from the initial weights to the trained ones
    QLabel* m_caption = nullptr;
    QLabel* m_message = nullptr;
    SurfaceData m_surfaces[2];
    QThread* m_thread = nullptr;
    std::shared_ptr<std::atomic<bool>> m_stop;
};

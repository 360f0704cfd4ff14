#pragma once

#include <atomic>
#include <memory>

#include <QColor>
#include <QMap>
#include <QStringList>
#include <QVector>
#include <QWidget>

class BarPlot;
class CurvePlot;
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QThread;
class Selection;

/// The lesion study of Veit et al. 2016 on a run's checkpoint: test error with one block removed at
/// a time (a residual block keeps its shortcut; a plain block that keeps the shape becomes the
/// identity, one that changes it is marked as not removable), for a residual run beside its plain
/// twin, and test error against the number of blocks removed at random. It runs on a thread of
/// its own, on copies loaded from the run folders, so training goes on meanwhile.
class LesionView : public QWidget {
    Q_OBJECT
public:
    explicit LesionView(Selection* selection, QWidget* parent = nullptr);
    ~LesionView() override;

    void addRun(int runId,
                const QString& name,
                const QColor& color,
                bool plain,
                const QString& folder,
                int depth);
    void removeRun(int runId);
    /// The runs the next study covers (-1: none on that side).
    void setPair(int residualRun, int plainRun);
    int residualRun() const;
    int plainRun() const;

    /// Starts the study of the picked runs; false (and why) when it cannot.
    bool startStudy(QString* error = nullptr);
    void cancel();
    bool isRunning() const { return m_thread != nullptr; }
    void setMaxImages(int images);

    /// Test error with each block removed, per run (NaN where the block cannot be removed).
    QVector<double> errorsWithout(int runId) const { return m_results.value(runId).errorWithout; }
    double baselineError(int runId) const { return m_results.value(runId).baseline; }
    QString summary() const;
    BarPlot* singlePlot() const { return m_single; }
    CurvePlot* randomPlot() const { return m_random; }

Q_SIGNALS:
    /// The blocks removed in the evaluation that runs now; empty when the study ends.
    void lesionChanged(const QStringList& removedBlocks);
    void studyFinished(bool ok, const QString& message);

private:
    struct RunEntry {
        QString name;
        QColor color;
        bool plain = false;
        QString folder;
        int depth = 0; // weighted layers, from the run's spec: the deepest pair is studied first
    };
    struct Result {
        QStringList blocks;
        QVector<double> errorWithout;
        double baseline = 0;
        QVector<int> counts;
        QVector<double> mean, lo, hi;
        qint64 images = 0;
    };
    void fillPickers();
    void onProgress(int done, int total, const QStringList& removed);
    void onResult(int runId, const Result& result);
    void onDone(bool ok, const QString& message);
    void redraw();

    Selection* m_selection = nullptr;
    bool m_pairChosen = false; // by the user or setPair; else the deepest pair is shown
    QMap<int, RunEntry> m_runs;
    QMap<int, Result> m_results;
    QComboBox* m_residualPicker = nullptr;
    QComboBox* m_plainPicker = nullptr;
    QSpinBox* m_images = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_summary = nullptr;
    BarPlot* m_single = nullptr;
    CurvePlot* m_random = nullptr;
    QThread* m_thread = nullptr;
    std::shared_ptr<std::atomic<bool>> m_cancel;
};

#pragma once

#include <vector>

#include <QWidget>

#include "train/config.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QSettings;
class QSpinBox;

/// The experiment panel: pick a preset, or put runs together (architecture, depth, plain or
/// residual, shortcut option) and set how they train (data set, batch, learning rate and schedule,
/// length, seed, device). The window starts what the panel describes.
class ExperimentPanel : public QWidget {
    Q_OBJECT
public:
    explicit ExperimentPanel(QWidget* parent = nullptr);

    /// The runs to start: each listed net with the training options of the form.
    std::vector<reslab::RunConfig> runConfigs() const;
    /// Replaces the runs with these (the panel switches to custom runs); their training options
    /// fill the form.
    void setRuns(std::vector<reslab::RunConfig> runs);
    /// "degradation", ..., or "custom" when the runs were put together by hand.
    QString presetName() const;
    void selectPreset(const QString& name);

    reslab::TrainConfig trainConfig() const;
    void setTrainConfig(const reslab::TrainConfig& config);

    void saveSettings(QSettings& settings) const;
    void restoreSettings(const QSettings& settings);

Q_SIGNALS:
    /// The user asked to start what the panel describes.
    void startRequested();

private:
    void applyPreset(int index);
    void addRun();
    void removeRuns();
    void refreshRuns();
    void browseDataDir();

    QComboBox* m_preset = nullptr;
    QLabel* m_description = nullptr;
    QListWidget* m_runList = nullptr;
    QComboBox* m_kind = nullptr;
    QComboBox* m_depth = nullptr;
    QComboBox* m_shortcut = nullptr;
    QSpinBox* m_width = nullptr;

    QComboBox* m_dataset = nullptr;
    QLineEdit* m_dataDir = nullptr;
    QSpinBox* m_downsample = nullptr;
    QCheckBox* m_augment = nullptr;
    QSpinBox* m_batch = nullptr;
    QDoubleSpinBox* m_lr = nullptr;
    QComboBox* m_schedule = nullptr;
    QSpinBox* m_warmup = nullptr;
    QSpinBox* m_steps = nullptr;
    QDoubleSpinBox* m_epochs = nullptr;
    QSpinBox* m_seed = nullptr;
    QComboBox* m_device = nullptr;
    QSpinBox* m_threads = nullptr;
    QSpinBox* m_parallelRuns = nullptr;
    QComboBox* m_precision = nullptr;

    std::vector<reslab::RunConfig> m_runs;
    reslab::TrainConfig
        m_presetTrain; // what the form cannot show (eval/probe intervals, held-out...)
    bool m_applying = false;
};

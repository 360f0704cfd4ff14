#include "experimentpanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include "train/devices.h"
#include "train/presets.h"

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

const char* const kCustom = "custom";

} // namespace

ExperimentPanel::ExperimentPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);

    // Preset
    auto* presetBox = new QGroupBox(tr("Experiment"), this);
    auto* presetLayout = new QVBoxLayout(presetBox);
    m_preset = new QComboBox(presetBox);
    m_preset->addItem(tr("Custom runs"), QString::fromLatin1(kCustom));
    for (const auto& name : reslab::preset_names())
        m_preset->addItem(tr("Preset: %1").arg(qs(name)), qs(name));
    m_description = new QLabel(presetBox);
    m_description->setWordWrap(true);
    m_description->setStyleSheet(QStringLiteral("color: palette(mid);"));
    presetLayout->addWidget(m_preset);
    presetLayout->addWidget(m_description);
    layout->addWidget(presetBox);

    // Runs
    auto* runsBox = new QGroupBox(tr("Runs"), this);
    auto* runsLayout = new QVBoxLayout(runsBox);
    m_runList = new QListWidget(runsBox);
    m_runList->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_runList->setMaximumHeight(110);
    runsLayout->addWidget(m_runList);
    auto* addRow = new QHBoxLayout;
    m_kind = new QComboBox(runsBox);
    m_kind->addItem(tr("residual"), true);
    m_kind->addItem(tr("plain"), false);
    m_depth = new QComboBox(runsBox);
    for (int d : {20, 32, 44, 56, 110})
        m_depth->addItem(QString::number(d), d);
    for (int d : {18, 34, 50})
        m_depth->addItem(tr("%1 (ImageNet)").arg(d), d);
    m_depth->setCurrentIndex(3);
    m_shortcut = new QComboBox(runsBox);
    m_shortcut->addItems({QStringLiteral("A"), QStringLiteral("B"), QStringLiteral("C")});
    m_shortcut->setToolTip(
        tr("Shortcut option (paper, 4.1): A zero-pads, B projects where the shape "
           "changes, C projects everywhere"));
    m_width = new QSpinBox(runsBox);
    m_width->setRange(2, 64);
    m_width->setValue(16);
    m_width->setToolTip(tr("Width of the first stage (the paper's CIFAR nets: 16)"));
    auto* add = new QToolButton(runsBox);
    add->setText(tr("Add"));
    auto* remove = new QToolButton(runsBox);
    remove->setText(tr("Remove"));
    addRow->addWidget(m_kind);
    addRow->addWidget(m_depth);
    addRow->addWidget(m_shortcut);
    addRow->addWidget(m_width);
    addRow->addWidget(add);
    addRow->addWidget(remove);
    runsLayout->addLayout(addRow);
    layout->addWidget(runsBox);

    // Training
    auto* trainBox = new QGroupBox(tr("Training"), this);
    auto* form = new QFormLayout(trainBox);
    m_dataset = new QComboBox(trainBox);
    m_dataset->addItems({QStringLiteral("fashion-mnist"), QStringLiteral("mnist"),
                         QStringLiteral("cifar10"), QStringLiteral("folder"),
                         QStringLiteral("synthetic")});
    form->addRow(tr("Data set"), m_dataset);
    auto* dirRow = new QHBoxLayout;
    m_dataDir = new QLineEdit(trainBox);
    m_dataDir->setPlaceholderText(tr("default place"));
    auto* browse = new QToolButton(trainBox);
    browse->setText(QStringLiteral("…"));
    dirRow->addWidget(m_dataDir);
    dirRow->addWidget(browse);
    form->addRow(tr("Data folder"), dirRow);
    m_downsample = new QSpinBox(trainBox);
    m_downsample->setRange(1, 4);
    m_downsample->setToolTip(tr("Average k x k pixels at load: 2 turns 28 x 28 into 14 x 14"));
    form->addRow(tr("Downsample"), m_downsample);
    m_augment = new QCheckBox(tr("pad-4 crop and flip (the paper's CIFAR recipe)"), trainBox);
    form->addRow(tr("Augment"), m_augment);
    m_batch = new QSpinBox(trainBox);
    m_batch->setRange(1, 4096);
    form->addRow(tr("Batch size"), m_batch);
    m_lr = new QDoubleSpinBox(trainBox);
    m_lr->setDecimals(4);
    m_lr->setRange(0.0001, 10.0);
    m_lr->setSingleStep(0.01);
    form->addRow(tr("Learning rate"), m_lr);
    m_schedule = new QComboBox(trainBox);
    m_schedule->addItem(tr("steps (/10 at 50% and 75%)"), QStringLiteral("step"));
    m_schedule->addItem(tr("cosine"), QStringLiteral("cosine"));
    m_schedule->addItem(tr("constant"), QStringLiteral("constant"));
    form->addRow(tr("Schedule"), m_schedule);
    m_warmup = new QSpinBox(trainBox);
    m_warmup->setRange(0, 100000);
    form->addRow(tr("Warm-up steps"), m_warmup);
    m_steps = new QSpinBox(trainBox);
    m_steps->setRange(0, 10000000);
    m_steps->setSpecialValueText(tr("by epochs"));
    form->addRow(tr("Steps"), m_steps);
    m_epochs = new QDoubleSpinBox(trainBox);
    m_epochs->setRange(0.0, 10000.0);
    m_epochs->setToolTip(tr("Used when steps is 0"));
    form->addRow(tr("Epochs"), m_epochs);
    m_seed = new QSpinBox(trainBox);
    m_seed->setRange(0, 1000000);
    form->addRow(tr("Seed"), m_seed);
    m_device = new QComboBox(trainBox);
    for (const auto& d : reslab::available_devices())
        m_device->addItem(d == "cpu" ? tr("CPU") : qs(d).toUpper(), qs(d));
    form->addRow(tr("Device"), m_device);
    // How the runs share the cores; both automatic by default (small nets side by side with one
    // thread each, a big net alone with every core).
    m_parallelRuns = new QSpinBox(trainBox);
    m_parallelRuns->setRange(0, 64);
    m_parallelRuns->setSpecialValueText(tr("automatic"));
    m_parallelRuns->setToolTip(tr("How many runs train at the same time"));
    form->addRow(tr("Runs at once"), m_parallelRuns);
    m_threads = new QSpinBox(trainBox);
    m_threads->setRange(0, 256);
    m_threads->setSpecialValueText(tr("automatic"));
    m_threads->setToolTip(tr("CPU threads of each run (at most one per core)"));
    form->addRow(tr("Threads a run"), m_threads);
    m_precision = new QComboBox(trainBox);
    m_precision->addItem(tr("float32"), QStringLiteral("float32"));
    m_precision->addItem(tr("bfloat16 autocast (faster, not comparable bit for bit)"),
                         QStringLiteral("bfloat16"));
    form->addRow(tr("Precision"), m_precision);
    layout->addWidget(trainBox);

    auto* start = new QPushButton(tr("Start"), this);
    start->setToolTip(tr("Train these runs side by side (F5)"));
    layout->addWidget(start);
    layout->addStretch(1);

    connect(m_preset, &QComboBox::currentIndexChanged, this, &ExperimentPanel::applyPreset);
    connect(add, &QToolButton::clicked, this, &ExperimentPanel::addRun);
    connect(remove, &QToolButton::clicked, this, &ExperimentPanel::removeRuns);
    connect(browse, &QToolButton::clicked, this, &ExperimentPanel::browseDataDir);
    connect(start, &QPushButton::clicked, this, &ExperimentPanel::startRequested);
    connect(m_dataset, &QComboBox::currentTextChanged, this, [this] {
        if (m_applying)
            return;
        const int64_t channels = reslab::dataset_channels(m_dataset->currentText().toStdString());
        for (auto& run : m_runs)
            run.net.in_channels = channels;
    });

    const reslab::TrainConfig defaults;
    setTrainConfig(defaults);
    selectPreset(QStringLiteral("degradation"));
}

QString ExperimentPanel::presetName() const {
    return m_preset->currentData().toString();
}

void ExperimentPanel::selectPreset(const QString& name) {
    const int index = m_preset->findData(name);
    if (index < 0)
        return;
    if (index == m_preset->currentIndex())
        applyPreset(index);
    else
        m_preset->setCurrentIndex(index);
}

void ExperimentPanel::applyPreset(int index) {
    const QString name = m_preset->itemData(index).toString();
    if (name == QLatin1String(kCustom)) {
        m_description->setText(
            tr("Add nets below; they train side by side on the same data order."));
        return;
    }
    reslab::TrainConfig base = trainConfig();
    base.dataset.clear();
    m_runs = reslab::preset_runs(name.toStdString(), base, /*steps_given=*/false);
    m_description->setText(qs(reslab::preset_description(name.toStdString())));
    if (!m_runs.empty())
        setTrainConfig(m_runs.front().train);
    refreshRuns();
}

void ExperimentPanel::addRun() {
    const bool residual = m_kind->currentData().toBool();
    const int depth = m_depth->currentData().toInt();
    const std::string arch = (residual ? "resnet" : "plain") + std::to_string(depth);
    const reslab::TrainConfig t = trainConfig();
    reslab::RunConfig run = reslab::make_run_config(arch, t, reslab::dataset_channels(t.dataset));
    run.net.shortcut = reslab::shortcut_from_string(m_shortcut->currentText().toStdString());
    const int64_t width = m_width->value();
    if (run.net.stem == reslab::Stem::Cifar) {
        run.net.stem_width = width;
        run.net.widths = {width, width * 2, width * 4};
    }
    // Unique names, so run folders do not collide.
    std::string name =
        arch +
        (run.net.shortcut == reslab::Shortcut::A ? "" : "-" + reslab::to_string(run.net.shortcut));
    int copy = 1;
    auto taken = [&](const std::string& n) {
        for (const auto& r : m_runs)
            if (r.name == n)
                return true;
        return false;
    };
    const std::string stem = name;
    while (taken(name))
        name = stem + "-" + std::to_string(++copy);
    run.name = name;
    m_runs.push_back(run);
    m_applying = true;
    m_preset->setCurrentIndex(0);
    m_applying = false;
    applyPreset(0);
    refreshRuns();
}

void ExperimentPanel::setRuns(std::vector<reslab::RunConfig> runs) {
    m_applying = true;
    m_preset->setCurrentIndex(0);
    m_applying = false;
    applyPreset(0);
    m_runs = std::move(runs);
    if (!m_runs.empty())
        setTrainConfig(m_runs.front().train);
    refreshRuns();
}

void ExperimentPanel::removeRuns() {
    std::vector<reslab::RunConfig> kept;
    for (int i = 0; i < m_runList->count(); ++i)
        if (!m_runList->item(i)->isSelected())
            kept.push_back(m_runs[static_cast<size_t>(i)]);
    if (kept.size() == m_runs.size())
        return;
    m_runs = kept;
    m_preset->setCurrentIndex(0);
    refreshRuns();
}

void ExperimentPanel::refreshRuns() {
    m_runList->clear();
    for (const auto& run : m_runs) {
        const QString text =
            tr("%1   (%2 layers, widths %3, shortcut %4)")
                .arg(qs(run.name))
                .arg(run.net.depth())
                .arg(run.net.widths.empty() ? 0 : run.net.widths.front())
                .arg(run.net.residual ? qs(reslab::to_string(run.net.shortcut)) : tr("none"));
        m_runList->addItem(text);
    }
}

void ExperimentPanel::browseDataDir() {
    const QString dir =
        QFileDialog::getExistingDirectory(this, tr("Data folder"), m_dataDir->text());
    if (!dir.isEmpty())
        m_dataDir->setText(dir);
}

reslab::TrainConfig ExperimentPanel::trainConfig() const {
    reslab::TrainConfig t = m_presetTrain;
    t.dataset = m_dataset->currentText().toStdString();
    t.data_dir = m_dataDir->text().toStdString();
    t.downsample = m_downsample->value();
    t.augment_crop = m_augment->isChecked();
    t.augment_flip = m_augment->isChecked();
    t.batch_size = m_batch->value();
    t.schedule.base_lr = m_lr->value();
    t.schedule.kind =
        reslab::schedule_kind_from_string(m_schedule->currentData().toString().toStdString());
    t.schedule.warmup_steps = m_warmup->value();
    t.steps = m_steps->value();
    t.epochs = t.steps > 0 ? 0.0 : m_epochs->value();
    t.seed = static_cast<uint64_t>(m_seed->value());
    t.device = m_device->currentData().toString().toStdString();
    t.threads = m_threads->value();
    t.parallel_runs = m_parallelRuns->value();
    t.precision = m_precision->currentData().toString().toStdString();
    return t;
}

void ExperimentPanel::setTrainConfig(const reslab::TrainConfig& t) {
    m_applying = true;
    m_presetTrain = t;
    m_dataset->setCurrentText(qs(t.dataset));
    m_dataDir->setText(qs(t.data_dir));
    m_downsample->setValue(static_cast<int>(t.downsample));
    m_augment->setChecked(t.augment_crop);
    m_batch->setValue(static_cast<int>(t.batch_size));
    m_lr->setValue(t.schedule.base_lr);
    m_schedule->setCurrentIndex(
        std::max(0, m_schedule->findData(qs(reslab::to_string(t.schedule.kind)))));
    m_warmup->setValue(static_cast<int>(t.schedule.warmup_steps));
    m_steps->setValue(static_cast<int>(t.steps));
    m_epochs->setValue(t.epochs > 0 ? t.epochs : 10.0);
    m_seed->setValue(static_cast<int>(t.seed));
    const int device = m_device->findData(qs(t.device));
    m_device->setCurrentIndex(device >= 0 ? device : 0);
    m_threads->setValue(t.threads);
    m_parallelRuns->setValue(t.parallel_runs);
    m_precision->setCurrentIndex(std::max(0, m_precision->findData(qs(t.precision))));
    m_applying = false;
}

std::vector<reslab::RunConfig> ExperimentPanel::runConfigs() const {
    std::vector<reslab::RunConfig> runs = m_runs;
    const reslab::TrainConfig t = trainConfig();
    const int64_t channels = reslab::dataset_channels(t.dataset);
    for (auto& run : runs) {
        run.train = t;
        run.net.in_channels = channels;
    }
    return runs;
}

void ExperimentPanel::saveSettings(QSettings& settings) const {
    settings.setValue(QStringLiteral("experiment/preset"), presetName());
    settings.setValue(QStringLiteral("experiment/dataDir"), m_dataDir->text());
    settings.setValue(QStringLiteral("experiment/seed"), m_seed->value());
    settings.setValue(QStringLiteral("experiment/threads"), m_threads->value());
    settings.setValue(QStringLiteral("experiment/parallelRuns"), m_parallelRuns->value());
    settings.setValue(QStringLiteral("experiment/device"), m_device->currentData());
}

void ExperimentPanel::restoreSettings(const QSettings& settings) {
    const QString preset =
        settings.value(QStringLiteral("experiment/preset"), QStringLiteral("degradation"))
            .toString();
    m_dataDir->setText(settings.value(QStringLiteral("experiment/dataDir")).toString());
    m_seed->setValue(settings.value(QStringLiteral("experiment/seed"), 0).toInt());
    m_threads->setValue(settings.value(QStringLiteral("experiment/threads"), 0).toInt());
    m_parallelRuns->setValue(settings.value(QStringLiteral("experiment/parallelRuns"), 0).toInt());
    const int device = m_device->findData(settings.value(QStringLiteral("experiment/device")));
    if (device >= 0)
        m_device->setCurrentIndex(device);
    if (preset != QLatin1String(kCustom))
        selectPreset(preset);
}

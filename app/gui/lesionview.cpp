#include "lesionview.h"

#include <cmath>
#include <limits>

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QThread>
#include <QVBoxLayout>

#include "barplot.h"
#include "curveplot.h"
#include "inspect/lesion.h"
#include "plotexport.h"
#include "selection.h"
#include "train/devices.h"

namespace {

constexpr int kMeanSeries = 1;
constexpr int kMinSeries = 2;
constexpr int kMaxSeries = 3;

QString percent(double v) {
    return std::isfinite(v) ? QStringLiteral("%1%").arg(100 * v, 0, 'f', 1) : QStringLiteral("–");
}

} // namespace

LesionView::LesionView(Selection* selection, QWidget* parent)
    : QWidget(parent), m_selection(selection) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* bar = new QHBoxLayout;
    m_residualPicker = new QComboBox(this);
    m_plainPicker = new QComboBox(this);
    m_residualPicker->setMinimumContentsLength(9);
    m_plainPicker->setMinimumContentsLength(9);
    // A pair the user picks stays picked as runs come and go; until then the view picks.
    for (QComboBox* picker : {m_residualPicker, m_plainPicker})
        connect(picker, &QComboBox::activated, this, [this] { m_pairChosen = true; });
    m_images = new QSpinBox(this);
    m_images->setRange(100, 100000);
    m_images->setSingleStep(500);
    m_images->setValue(2000);
    m_images->setSuffix(tr(" images"));
    m_images->setToolTip(tr("How many test images each lesion is evaluated on"));
    m_start = new QPushButton(tr("Run lesion study"), this);
    m_cancelButton = new QPushButton(tr("Cancel"), this);
    m_cancelButton->setEnabled(false);
    auto* exportButton = new QPushButton(tr("Export…"), this);
    m_progress = new QProgressBar(this);
    m_progress->setMaximumWidth(200);
    m_progress->setVisible(false);
    bar->addWidget(new QLabel(tr("residual:"), this));
    bar->addWidget(m_residualPicker);
    bar->addWidget(new QLabel(tr("plain twin:"), this));
    bar->addWidget(m_plainPicker);
    bar->addWidget(m_images);
    bar->addWidget(m_start);
    bar->addStretch(1);
    bar->addWidget(exportButton);
    layout->addLayout(bar);
    m_status = new QLabel(
        tr("Removes one block at a time from a trained net at test time (Veit et al. 2016): pick "
           "runs that have a checkpoint and press Run."),
        this);
    m_status->setWordWrap(true);
    // The study's progress and its Cancel sit beside what it is doing, below the pickers: in one
    // row with them the bar was wider than a projector's 1366 pixels beside a lesson.
    auto* statusRow = new QHBoxLayout;
    statusRow->addWidget(m_status, 1);
    statusRow->addWidget(m_progress);
    statusRow->addWidget(m_cancelButton);
    layout->addLayout(statusRow);

    auto* split = new QSplitter(Qt::Horizontal, this);
    m_single = new BarPlot(split);
    m_single->setPercent(true);
    m_single->setYLabel(tr("test error with the block removed (%)"));
    m_single->setTitle(tr("one block removed at a time"));
    m_random = new CurvePlot(split);
    m_random->addSeries(kMeanSeries, tr("mean over random draws"), CurvePlot::SeriesRole::Bold,
                        false);
    m_random->addSeries(kMinSeries, tr("best draw"), CurvePlot::SeriesRole::Thin, false);
    m_random->addSeries(kMaxSeries, tr("worst draw"), CurvePlot::SeriesRole::Thin, false);
    m_random->setPercent(true);
    m_random->setYLabel(tr("test error"));
    m_random->setStepLabel(tr("blocks removed at random"));
    // Half each: the random-removal plot carries its legend at the side, and with less than half
    // a 1280-pixel window its x axis had room for no more than two labels.
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);
    m_summary = new QLabel(this);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setStyleSheet(
        QStringLiteral("padding: 4px; background: #f6f6f0; border: 1px solid #ddd"));
    m_summary->setVisible(false);
    layout->addWidget(m_summary);

    connect(m_start, &QPushButton::clicked, this, [this] {
        QString error;
        if (!startStudy(&error))
            QMessageBox::information(this, tr("ResLab"), error);
    });
    connect(m_cancelButton, &QPushButton::clicked, this, &LesionView::cancel);
    connect(m_single, &BarPlot::categoryClicked, m_selection, &Selection::setLayer);
    connect(m_selection, &Selection::layerChanged, m_single, &BarPlot::setHighlightedCategory);
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export plots"), QStringLiteral("lesion.png"), PlotExport::fileFilter());
        if (path.isEmpty())
            return;
        const QFileInfo info(path);
        const QString base = info.dir().filePath(info.completeBaseName());
        const QString suffix = info.suffix().isEmpty() ? QStringLiteral("png") : info.suffix();
        QString error;
        if (!m_single->exportImage(QStringLiteral("%1-single.%2").arg(base, suffix), &error) ||
            !m_random->exportImage(QStringLiteral("%1-random.%2").arg(base, suffix), &error))
            QMessageBox::warning(this, tr("ResLab"),
                                 tr("The plots could not be saved:\n\n%1").arg(error));
    });
}

LesionView::~LesionView() {
    if (m_thread) {
        m_cancel->store(true);
        m_thread->wait();
        delete m_thread;
    }
}

void LesionView::addRun(int runId,
                        const QString& name,
                        const QColor& color,
                        bool plain,
                        const QString& folder,
                        int depth) {
    m_runs[runId] = RunEntry{name, color, plain, folder, depth};
    fillPickers();
}

void LesionView::removeRun(int runId) {
    if (runId == residualRun() || runId == plainRun())
        m_pairChosen = false;
    m_runs.remove(runId);
    m_results.remove(runId);
    m_random->removeRun(runId);
    fillPickers();
    redraw();
}

void LesionView::fillPickers() {
    const int residual = residualRun(), plain = plainRun();
    for (QComboBox* picker : {m_residualPicker, m_plainPicker}) {
        picker->clear();
        picker->addItem(tr("(none)"), -1);
    }
    for (auto it = m_runs.cbegin(); it != m_runs.cend(); ++it)
        (it->plain ? m_plainPicker : m_residualPicker)->addItem(it->name, it.key());
    // Keep the choice; otherwise the deepest residual run and the plain run of the same depth.
    auto depthAt = [this](QComboBox* picker, int i) {
        return m_runs.value(picker->itemData(i).toInt()).depth;
    };
    int bestResidual = m_pairChosen ? m_residualPicker->findData(residual) : -1;
    if (bestResidual <= 0)
        for (int i = 1; i < m_residualPicker->count(); ++i)
            if (bestResidual <= 0 ||
                depthAt(m_residualPicker, i) > depthAt(m_residualPicker, bestResidual))
                bestResidual = i;
    m_residualPicker->setCurrentIndex(std::max(0, bestResidual));
    const int residualDepth = depthAt(m_residualPicker, m_residualPicker->currentIndex());
    int bestPlain = m_pairChosen ? m_plainPicker->findData(plain) : -1;
    if (bestPlain <= 0)
        for (int i = 1; i < m_plainPicker->count(); ++i)
            if (bestPlain <= 0 || depthAt(m_plainPicker, i) == residualDepth)
                bestPlain = i;
    m_plainPicker->setCurrentIndex(std::max(0, bestPlain));
}

void LesionView::setPair(int residualRun, int plainRun) {
    m_residualPicker->setCurrentIndex(std::max(0, m_residualPicker->findData(residualRun)));
    m_plainPicker->setCurrentIndex(std::max(0, m_plainPicker->findData(plainRun)));
    m_pairChosen = true;
}

int LesionView::residualRun() const {
    return m_residualPicker->currentData().isValid() ? m_residualPicker->currentData().toInt() : -1;
}
int LesionView::plainRun() const {
    return m_plainPicker->currentData().isValid() ? m_plainPicker->currentData().toInt() : -1;
}

void LesionView::setMaxImages(int images) {
    m_images->setValue(images);
}

bool LesionView::startStudy(QString* error) {
    if (m_thread) {
        if (error)
            *error = tr("A lesion study is running already.");
        return false;
    }
    QVector<int> ids;
    for (int id : {residualRun(), plainRun()})
        if (id >= 0 && !m_runs[id].folder.isEmpty())
            ids.append(id);
    if (ids.isEmpty()) {
        if (error)
            *error = tr("Pick a run that has a run folder: a trained one, or one opened with File "
                        "→ Open run folder.");
        return false;
    }
    QVector<QPair<int, QString>> jobs;
    for (int id : ids)
        jobs.append({id, m_runs[id].folder});
    for (int id : ids)
        m_results.remove(id);
    redraw();
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    auto cancel = m_cancel;
    const int images = m_images->value();
    m_thread = QThread::create([this, jobs, cancel, images] {
        // OpenMP's thread count is per thread: this one starts at LibTorch's default of 1.
        reslab::set_intra_op_threads(0);
        const int runs = jobs.size();
        for (int j = 0; j < runs; ++j) {
            const auto& [id, folder] = jobs[j];
            try {
                reslab::LesionSubject subject = reslab::load_lesion_subject(folder.toStdString());
                reslab::LesionOptions options;
                options.max_images = images;
                QStringList blockNames;
                for (size_t st = 0; st < subject.net->stage_count(); ++st)
                    for (size_t b = 0; b < subject.net->stage(st).size(); ++b)
                        blockNames << QStringLiteral("layer%1.%2").arg(st + 1).arg(b);
                const reslab::LesionResult r = reslab::lesion_study(
                    *subject.net, *subject.test, options,
                    [&](int done, int total, const std::vector<bool>& removed) {
                        QStringList names;
                        for (size_t i = 0;
                             i < removed.size() && i < static_cast<size_t>(blockNames.size()); ++i)
                            if (removed[i])
                                names << blockNames[static_cast<int>(i)];
                        const int overall = j * total + done;
                        QMetaObject::invokeMethod(
                            this,
                            [this, overall, total, runs, names] {
                                onProgress(overall, total * runs, names);
                            },
                            Qt::QueuedConnection);
                        return !cancel->load();
                    });
                if (r.cancelled) {
                    QMetaObject::invokeMethod(
                        this, [this] { onDone(false, tr("The lesion study was cancelled.")); },
                        Qt::QueuedConnection);
                    return;
                }
                Result out;
                for (const auto& b : r.blocks)
                    out.blocks << QString::fromStdString(b);
                out.errorWithout = QVector<double>(r.error_without.begin(), r.error_without.end());
                out.baseline = r.baseline_error;
                out.counts = QVector<int>(r.removed_counts.begin(), r.removed_counts.end());
                out.mean = QVector<double>(r.random_mean.begin(), r.random_mean.end());
                out.lo = QVector<double>(r.random_min.begin(), r.random_min.end());
                out.hi = QVector<double>(r.random_max.begin(), r.random_max.end());
                out.images = r.images;
                const int runId = id;
                QMetaObject::invokeMethod(
                    this, [this, runId, out] { onResult(runId, out); }, Qt::QueuedConnection);
            } catch (const std::exception& e) {
                const QString message = tr("%1: %2").arg(folder, QString::fromLocal8Bit(e.what()));
                QMetaObject::invokeMethod(
                    this, [this, message] { onDone(false, message); }, Qt::QueuedConnection);
                return;
            }
        }
        QMetaObject::invokeMethod(
            this, [this] { onDone(true, QString()); }, Qt::QueuedConnection);
    });
    m_start->setEnabled(false);
    m_cancelButton->setEnabled(true);
    m_progress->setVisible(true);
    m_progress->setValue(0);
    m_status->setText(tr("Evaluating…"));
    m_thread->start();
    return true;
}

void LesionView::cancel() {
    if (m_cancel)
        m_cancel->store(true);
}

void LesionView::onProgress(int done, int total, const QStringList& removed) {
    m_progress->setRange(0, std::max(total, 1));
    m_progress->setValue(done);
    m_status->setText(removed.isEmpty()
                          ? tr("Evaluating the intact net…")
                          : tr("Evaluating with %n block(s) removed…", nullptr, removed.size()));
    Q_EMIT lesionChanged(removed);
}

void LesionView::onResult(int runId, const Result& result) {
    m_results[runId] = result;
    redraw();
}

void LesionView::onDone(bool ok, const QString& message) {
    if (m_thread) {
        m_thread->wait();
        delete m_thread;
        m_thread = nullptr;
    }
    m_start->setEnabled(true);
    m_cancelButton->setEnabled(false);
    m_progress->setVisible(false);
    m_status->setText(ok ? tr("Done: each bar is the test error of the net with that block "
                              "removed; the dashed line is the "
                              "intact residual net's.")
                         : message);
    Q_EMIT lesionChanged({});
    Q_EMIT studyFinished(ok, message);
}

QString LesionView::summary() const {
    return m_summary->text();
}

void LesionView::redraw() {
    m_single->clearSeries();
    QStringList categories;
    for (const Result& r : std::as_const(m_results))
        if (r.blocks.size() > categories.size())
            categories = r.blocks;
    m_single->setCategories(categories);
    QStringList lines;
    const int residual = residualRun();
    for (auto it = m_results.cbegin(); it != m_results.cend(); ++it) {
        const RunEntry& run = m_runs[it.key()];
        m_single->setSeries(it.key(), run.name, run.color, it->errorWithout, run.plain,
                            run.plain ? tr("cannot be removed: it changes the shape") : tr("NaN"));
        QVector<CurvePoint> mean, lo, hi;
        for (int i = 0; i < it->counts.size(); ++i) {
            CurvePoint p;
            p.step = it->counts[i];
            p.value = it->mean[i];
            mean.append(p);
            p.value = it->lo[i];
            lo.append(p);
            p.value = it->hi[i];
            hi.append(p);
        }
        m_random->removeRun(it.key()); // the plot holds the studied runs only, each drawn afresh
        m_random->addRun(it.key(), run.name, run.color, run.plain);
        m_random->appendPoints(it.key(), kMeanSeries, mean);
        m_random->appendPoints(it.key(), kMinSeries, lo);
        m_random->appendPoints(it.key(), kMaxSeries, hi);
        // The worst single removal, and how many removals stay within a point of the intact net.
        double worst = -1;
        QString worstBlock;
        int harmless = 0, removable = 0;
        for (int i = 0; i < it->errorWithout.size(); ++i) {
            const double e = it->errorWithout[i];
            if (!std::isfinite(e))
                continue;
            ++removable;
            if (e - it->baseline < 0.01)
                ++harmless;
            if (e > worst) {
                worst = e;
                worstBlock = it->blocks.value(i);
            }
        }
        lines << tr("<b>%1</b> (%2 test images): intact %3; removing one block gives %4 of %5 "
                    "removable blocks within a point "
                    "of that, the worst is %6 (%7).")
                     .arg(run.name.toHtmlEscaped())
                     .arg(it->images)
                     .arg(percent(it->baseline))
                     .arg(harmless)
                     .arg(removable)
                     .arg(worstBlock, percent(worst));
    }
    if (m_results.contains(residual))
        m_single->setReference(
            m_results[residual].baseline,
            tr("intact %1: %2").arg(m_runs[residual].name, percent(m_results[residual].baseline)));
    else
        m_single->setReference(std::numeric_limits<double>::quiet_NaN(), QString());
    m_summary->setText(lines.join(QStringLiteral("<br>")));
    m_summary->setVisible(!lines.isEmpty());
    m_random->fitAll();
}

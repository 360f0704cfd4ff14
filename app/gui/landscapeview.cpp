#include "landscapeview.h"

#include <cmath>

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTextStream>
#include <QThread>
#include <QVBoxLayout>

#include "curveplot.h"
#include "inspect/landscape.h"
#include "plotexport.h"
#include "runregistry.h"
#include "selection.h"
#include "surface3d.h"
#include "surfaceplot.h"

namespace {

constexpr int kUpdateMs = 250; // a surface being filled is redrawn at most this often

SurfaceData toSurface(const reslab::Landscape& l, const QString& run, const QString& folder) {
    SurfaceData d;
    d.run = run;
    d.folder = folder;
    d.grid = static_cast<int>(l.options.grid);
    d.coords = QVector<double>(l.coords.begin(), l.coords.end());
    d.loss = QVector<double>(l.loss.begin(), l.loss.end());
    d.error = QVector<double>(l.error.begin(), l.error.end());
    d.imagesAt = QVector<qint64>(l.images_at.begin(), l.images_at.end());
    d.computed = static_cast<int>(l.computed);
    d.images = static_cast<int>(l.options.images);
    d.seconds = l.seconds;
    d.pathA = QVector<double>(l.trajectory.a.begin(), l.trajectory.a.end());
    d.pathB = QVector<double>(l.trajectory.b.begin(), l.trajectory.b.end());
    return d;
}

reslab::Landscape toLandscape(const SurfaceData& d) {
    reslab::Landscape l;
    l.options.grid = d.grid;
    l.coords.assign(d.coords.begin(), d.coords.end());
    l.loss.assign(d.loss.begin(), d.loss.end());
    l.error.assign(d.error.begin(), d.error.end());
    l.images_at.assign(d.imagesAt.begin(), d.imagesAt.end());
    l.options.images = d.images;
    l.computed = d.computed;
    return l;
}

} // namespace

LandscapeView::LandscapeView(const RunRegistry* runs, Selection* selection, QWidget* parent)
    : QWidget(parent), m_runs(runs), m_selection(selection) {
    setObjectName(QStringLiteral("LandscapeView"));
    auto* root = new QVBoxLayout(this);
    root->setContentsMargins(6, 6, 6, 6);

    auto* controls = new QHBoxLayout;
    auto* settings = new QHBoxLayout;
    for (int side = 0; side < 2; ++side) {
        m_pick[side] = new QComboBox(this);
        m_pick[side]->setMinimumContentsLength(10);
        controls->addWidget(new QLabel(side == 0 ? tr("Run") : tr("beside"), this));
        controls->addWidget(m_pick[side]);
        connect(m_pick[side], &QComboBox::activated, this, [this] { loadStored(); });
    }
    m_grid = new QSpinBox(this);
    m_grid->setRange(5, 101);
    m_grid->setValue(21);
    m_grid->setToolTip(tr("Points along each axis"));
    m_images = new QSpinBox(this);
    m_images->setRange(50, 60000);
    m_images->setSingleStep(100);
    m_images->setValue(1000);
    m_images->setToolTip(tr("Training images the loss is averaged over: a seeded subset, the same "
                            "for every point"));
    m_range = new QDoubleSpinBox(this);
    m_range->setRange(0.05, 10.0);
    m_range->setSingleStep(0.25);
    m_range->setValue(1.0);
    m_range->setToolTip(tr("a and b run over [-range, range], in units of the filter norms (along "
                           "the trajectory, the grid covers its path whatever this says)"));
    m_seed = new QSpinBox(this);
    m_seed->setRange(0, 1000000);
    m_seed->setToolTip(
        tr("The directions' seed; a surface already computed with it opens at once"));
    connect(m_seed, &QSpinBox::valueChanged, this, [this] { loadStored(); });
    m_directions = new QComboBox(this);
    m_directions->addItem(tr("random directions"), QStringLiteral("random"));
    m_directions->addItem(tr("training trajectory"), QStringLiteral("trajectory"));
    m_directions->setToolTip(
        tr("Random: two filter-normalised Gaussian directions. Trajectory: the first two "
           "principal directions of the run's weight snapshots, with its path drawn (the run "
           "must have been trained with snapshots)"));
    connect(m_directions, &QComboBox::activated, this, [this] { loadStored(); });
    for (auto [label, w] :
         std::initializer_list<std::pair<QString, QWidget*>>{{tr("grid"), m_grid},
                                                             {tr("images"), m_images},
                                                             {tr("range"), m_range},
                                                             {tr("seed"), m_seed},
                                                             {tr("along"), m_directions}}) {
        settings->addWidget(new QLabel(label, this));
        settings->addWidget(w);
    }
    m_computeButton = new QPushButton(tr("Compute"), this);
    m_computeButton->setToolTip(
        tr("Computes the surfaces not in the run folders yet, on copies of the nets"));
    connect(m_computeButton, &QPushButton::clicked, this, [this] { compute(); });
    m_cancelButton = new QPushButton(tr("Cancel"), this);
    m_cancelButton->setEnabled(false);
    connect(m_cancelButton, &QPushButton::clicked, this, &LandscapeView::cancel);
    m_show = new QComboBox(this);
    m_show->addItem(tr("contours"), QStringLiteral("contours"));
    m_show->addItem(tr("3-D surface"), QStringLiteral("3d"));
    m_show->setToolTip(tr("Colour maps with contour lines, or the surfaces in 3-D (drag to turn "
                          "them, wheel to zoom; the pair turns together)"));
    connect(m_show, &QComboBox::activated, this,
            [this] { setShown(m_show->currentData().toString()); });
    auto* exportButton = new QPushButton(tr("Export…"), this);
    exportButton->setToolTip(tr("The two surfaces as PNG, PDF or SVG, or their points as CSV"));
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export the surfaces"), QStringLiteral("landscape.png"),
            PlotExport::fileFilter() + QStringLiteral(";;CSV (*.csv)"));
        if (path.isEmpty())
            return;
        QString error;
        const bool ok = path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive)
                            ? exportCsv(path, &error)
                            : exportPng(path, &error);
        if (!ok)
            m_message->setText(error);
    });
    controls->addWidget(m_computeButton);
    controls->addWidget(m_cancelButton);
    controls->addWidget(m_show);
    controls->addWidget(exportButton);
    controls->addStretch(1);
    settings->addStretch(1);
    // Two rows, so that the tab fits beside the experiment panel on a laptop's screen.
    root->addLayout(controls);
    root->addLayout(settings);

    m_progress = new QProgressBar(this);
    m_progress->setVisible(false);
    root->addWidget(m_progress);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    root->addWidget(m_message);

    auto* plots = new QHBoxLayout;
    for (int side = 0; side < 2; ++side) {
        m_stack[side] = new QStackedWidget(this);
        m_plots[side] = new SurfacePlot(m_stack[side]);
        m_plots[side]->setScaleVisible(side == 1); // one scale serves both
        m_stack[side]->addWidget(m_plots[side]);
        plots->addWidget(m_stack[side], 1);
    }
    root->addLayout(plots, 3);
    auto* lines = new QHBoxLayout;
    m_slice = new CurvePlot(this);
    m_slice->setStepLabel(tr("a, at b = 0"));
    m_line = new CurvePlot(this);
    m_line->setStepLabel(tr("alpha: 0 initial weights, 1 trained"));
    for (CurvePlot* p : {m_slice, m_line}) {
        p->addSeries(0, tr("training loss"), CurvePlot::SeriesRole::Bold, /*smoothed=*/false);
        p->setYLabel(tr("training loss"));
        p->setLogY(true);
        lines->addWidget(p, 1);
    }
    root->addLayout(lines, 2);
    m_caption = new QLabel(this);
    m_caption->setWordWrap(true);
    m_caption->setTextInteractionFlags(Qt::TextSelectableByMouse);
    root->addWidget(m_caption);

    if (m_runs) {
        connect(m_runs, &RunRegistry::runAdded, this, [this] { fillPickers(); });
        connect(m_runs, &RunRegistry::runRemoved, this, [this] { fillPickers(); });
    }
    if (m_selection)
        connect(m_selection, &Selection::runChanged, this, &LandscapeView::followSelection);
    fillPickers();
}

LandscapeView::~LandscapeView() {
    cancel();
    if (m_thread) { // its last message to this view is dropped with the view
        m_thread->wait();
        delete m_thread;
    }
}

void LandscapeView::setShown(const QString& how) {
    const bool threeD = how == QLatin1String("3d");
    m_show->setCurrentIndex(threeD ? 1 : 0);
    if (threeD && !m_3d[0]) {
        for (int side = 0; side < 2; ++side) {
            m_3d[side] = new Surface3D(m_stack[side]);
            m_stack[side]->addWidget(m_3d[side]);
        }
        // Turning one turns the other, so that the pair is seen from the same side.
        for (int side = 0; side < 2; ++side)
            connect(m_3d[side], &Surface3D::cameraChanged, m_3d[1 - side], &Surface3D::setCamera);
        redraw();
    }
    for (int side = 0; side < 2; ++side)
        m_stack[side]->setCurrentIndex(threeD ? 1 : 0);
}

QString LandscapeView::shown() const {
    return m_show->currentData().toString();
}

int LandscapeView::leftRun() const {
    return m_pick[0]->currentData().isValid() ? m_pick[0]->currentData().toInt() : -1;
}

int LandscapeView::rightRun() const {
    return m_pick[1]->currentData().isValid() ? m_pick[1]->currentData().toInt() : -1;
}

void LandscapeView::setGrid(int points) {
    m_grid->setValue(points);
}

void LandscapeView::setImages(int images) {
    m_images->setValue(images);
}

void LandscapeView::setSeed(int seed) {
    m_seed->setValue(seed);
}

void LandscapeView::setDirections(const QString& directions) {
    m_directions->setCurrentIndex(std::max(0, m_directions->findData(directions)));
    loadStored();
}

int LandscapeView::twinOf(int id) const {
    const RegisteredRun* run = m_runs ? m_runs->find(id) : nullptr;
    if (!run)
        return -1;
    for (int other : m_runs->ids()) {
        const RegisteredRun* o = m_runs->find(other);
        if (other != id && o->residual() != run->residual() &&
            o->config.net.blocks == run->config.net.blocks &&
            o->config.net.widths == run->config.net.widths)
            return other;
    }
    return -1;
}

void LandscapeView::fillPickers() {
    const int left = leftRun(), right = rightRun();
    for (auto* pick : m_pick) {
        pick->clear();
        pick->addItem(tr("(none)"));
        if (m_runs)
            for (int id : m_runs->ids())
                pick->addItem(m_runs->find(id)->name, id);
    }
    auto select = [](QComboBox* pick, int id) {
        const int i = pick->findData(id);
        pick->setCurrentIndex(i >= 0 ? i : 0);
    };
    if (left >= 0 || right >= 0) {
        select(m_pick[0], left);
        // A twin opened after its run takes the empty place beside it.
        select(m_pick[1], right >= 0 ? right : twinOf(left));
    } else if (m_runs) {
        // The deepest plain run beside its residual twin: the paper's (and Li et al.'s) pair.
        int plain = -1;
        for (int id : m_runs->ids()) {
            const RegisteredRun* r = m_runs->find(id);
            if (!r->residual() && (plain < 0 || r->depth() > m_runs->find(plain)->depth()))
                plain = id;
        }
        select(m_pick[0], plain);
        select(m_pick[1], twinOf(plain));
    }
    loadStored();
}

void LandscapeView::setPair(int left, int right) {
    m_pick[0]->setCurrentIndex(std::max(0, m_pick[0]->findData(left)));
    m_pick[1]->setCurrentIndex(std::max(0, m_pick[1]->findData(right)));
    loadStored();
}

void LandscapeView::followSelection(const QString& run) {
    const int id = m_runs ? m_runs->idOf(run) : -1;
    if (id < 0 || isComputing() || id == leftRun() || id == rightRun())
        return;
    setPair(id, twinOf(id));
}

void LandscapeView::loadStored() {
    if (isComputing())
        return;
    m_message->clear();
    for (int side = 0; side < 2; ++side) {
        const int id = side == 0 ? leftRun() : rightRun();
        const RegisteredRun* run = m_runs && id >= 0 ? m_runs->find(id) : nullptr;
        if (!run) {
            m_surfaces[side] = SurfaceData();
            continue;
        }
        const std::string path = reslab::landscape_json_path(
            run->folder.toStdString(), static_cast<uint64_t>(m_seed->value()),
            m_directions->currentData().toString().toStdString());
        const QFileInfo file(QString::fromStdString(path));
        // Runs are added one by one and each refills the pickers: a surface already read from
        // an unchanged file is kept, not parsed again.
        if (m_surfaces[side].source == file.filePath() && file.exists() &&
            m_surfaces[side].sourceTime == file.lastModified())
            continue;
        m_surfaces[side] = SurfaceData();
        m_surfaces[side].run = run->name;
        m_surfaces[side].folder = run->folder;
        if (!file.exists())
            continue;
        try {
            m_surfaces[side] = toSurface(reslab::read_landscape(path), run->name, run->folder);
            m_surfaces[side].source = file.filePath();
            m_surfaces[side].sourceTime = file.lastModified();
            const std::string line = reslab::interpolation_json_path(
                run->folder.toStdString(), static_cast<uint64_t>(m_seed->value()));
            if (QFileInfo::exists(QString::fromStdString(line))) {
                const reslab::Interpolation l = reslab::read_interpolation(line);
                m_surfaces[side].alpha = QVector<double>(l.alpha.begin(), l.alpha.end());
                m_surfaces[side].lineLoss = QVector<double>(l.loss.begin(), l.loss.end());
            }
        } catch (const std::exception& e) {
            m_message->setText(QString::fromUtf8(e.what()));
        }
    }
    redraw();
}

bool LandscapeView::compute(QString* error) {
    auto refuse = [&](const QString& why) {
        m_message->setText(why);
        if (error)
            *error = why;
        return false;
    };
    if (isComputing())
        return refuse(tr("A surface is being computed; cancel it first"));
    struct Job {
        int side;
        QString run, folder;
    };
    QVector<Job> jobs;
    for (int side = 0; side < 2; ++side) {
        const int id = side == 0 ? leftRun() : rightRun();
        const RegisteredRun* run = m_runs && id >= 0 ? m_runs->find(id) : nullptr;
        if (!run)
            continue;
        if (!QFileInfo::exists(run->folder + QStringLiteral("/checkpoint.pth")))
            return refuse(
                tr("%1 has no checkpoint yet: its surface needs trained weights").arg(run->name));
        const SurfaceData& have = m_surfaces[side];
        if (!have.complete() || have.grid != m_grid->value())
            jobs.push_back({side, run->name, run->folder});
    }
    if (jobs.isEmpty())
        return refuse(m_surfaces[0].complete() || m_surfaces[1].complete()
                          ? tr("Both surfaces are already computed for this seed and grid")
                          : tr("Pick a run (and its twin) first"));
    reslab::LandscapeOptions o;
    o.grid = m_grid->value();
    o.images = m_images->value();
    o.range = m_range->value();
    o.seed = static_cast<uint64_t>(m_seed->value());
    o.directions = m_directions->currentData().toString().toStdString();
    m_stop = std::make_shared<std::atomic<bool>>(false);
    auto stop = m_stop;
    const int total = static_cast<int>(jobs.size()) * o.grid * o.grid;
    m_progress->setRange(0, total);
    m_progress->setValue(0);
    m_progress->setVisible(true);
    m_progress->setFormat(tr("%v of %m points"));
    m_computeButton->setEnabled(false);
    m_cancelButton->setEnabled(true);
    m_message->setText(tr("Computing on copies of the nets: training goes on meanwhile"));
    m_thread = QThread::create([this, jobs, o, stop, total] {
        QString failure;
        try {
            // Loaded once for the surface and the line: the net and the training images.
            std::vector<reslab::RunSubject> subjects;
            for (const Job& job : jobs) {
                try {
                    subjects.push_back(reslab::load_run_subject(job.folder.toStdString(), o));
                } catch (const std::exception& e) {
                    throw std::runtime_error(job.run.toStdString() + ": " + e.what());
                }
            }
            std::vector<const reslab::RunSubject*> runs;
            for (const reslab::RunSubject& s : subjects)
                runs.push_back(&s);
            // Both surfaces together: the run and its twin sharpen side by side.
            QElapsedTimer sinceUpdate;
            sinceUpdate.start();
            std::vector<double> images(jobs.size(), 0.0);
            const std::vector<reslab::Landscape> ls =
                reslab::landscapes_for_runs(runs, o, [&](size_t r, const reslab::Landscape& now) {
                    double seen = 0.0;
                    for (int64_t n : now.images_at)
                        seen += static_cast<double>(n);
                    images[r] = seen / std::max<int64_t>(1, now.options.images);
                    if (now.complete() || sinceUpdate.elapsed() >= kUpdateMs) {
                        sinceUpdate.restart();
                        const Job& job = jobs[static_cast<int>(r)];
                        const SurfaceData data = toSurface(now, job.run, job.folder);
                        double done = 0.0;
                        for (double d : images)
                            done += d;
                        const double eta = done > 0 ? now.seconds / done * (total - done) : 0.0;
                        QMetaObject::invokeMethod(
                            this,
                            [this, side = job.side, data, done = static_cast<int>(done), eta] {
                                onSurface(side, data);
                                m_progress->setValue(done);
                                m_progress->setFormat(
                                    tr("%v of %m points, about %1 s left").arg(qRound(eta)));
                            },
                            Qt::QueuedConnection);
                    }
                    return !*stop;
                });
            for (size_t r = 0; r < ls.size() && !*stop; ++r) {
                const Job& job = jobs[static_cast<int>(r)];
                if (!ls[r].complete())
                    continue;
                // The line from the initial weights, on the same images: a few seconds more.
                const reslab::Interpolation line = reslab::interpolation_for_run(subjects[r], o);
                SurfaceData data = toSurface(ls[r], job.run, job.folder);
                data.alpha = QVector<double>(line.alpha.begin(), line.alpha.end());
                data.lineLoss = QVector<double>(line.loss.begin(), line.loss.end());
                QMetaObject::invokeMethod(
                    this, [this, side = job.side, data] { onSurface(side, data); },
                    Qt::QueuedConnection);
            }
        } catch (const std::exception& e) {
            failure = QString::fromUtf8(e.what()).section('\n', 0, 0);
        }
        QMetaObject::invokeMethod(
            this,
            [this, failure, cancelled = stop->load()] {
                m_thread->wait();
                m_thread->deleteLater();
                m_thread = nullptr;
                m_progress->setVisible(false);
                m_computeButton->setEnabled(true);
                m_cancelButton->setEnabled(false);
                const QString message =
                    !failure.isEmpty() ? failure
                    : cancelled
                        ? tr("Cancelled: nothing was written")
                        : tr("Written to the run folders (landscape-%1.json)").arg(m_seed->value());
                m_message->setText(message);
                redraw(); // the slices' notes go with the computation
                Q_EMIT computeFinished(failure.isEmpty() && !cancelled, message);
            },
            Qt::QueuedConnection);
    });
    m_thread->start();
    return true;
}

void LandscapeView::cancel() {
    if (m_stop)
        *m_stop = true;
}

void LandscapeView::onSurface(int side, const SurfaceData& data) {
    m_surfaces[side] = data;
    redraw();
}

void LandscapeView::redraw() {
    double lo = 1.0, hi = 0.0;
    for (int side = 0; side < 2; ++side) {
        const SurfaceData& s = m_surfaces[side];
        // The surface's own settings, which the spin boxes above need not show any more.
        // While the first picture stands on a part of the images, the title says on how many.
        qint64 fewest = s.images;
        for (qint64 n : s.imagesAt)
            if (n > 0)
                fewest = std::min(fewest, n);
        m_plots[side]->setTitle(
            s.run.isEmpty() ? tr("no run")
            : s.grid == 0   ? tr("%1: not computed yet (Compute)").arg(s.run)
            : fewest < s.images
                ? tr("%1 · %2 x %2 points · first estimates on %3 of %4 training images")
                      .arg(s.run)
                      .arg(s.grid)
                      .arg(fewest)
                      .arg(s.images)
                : tr("%1 · %2 x %2 points · %3 training images")
                      .arg(s.run)
                      .arg(s.grid)
                      .arg(s.images));
        if (s.grid > 0) {
            m_plots[side]->setSurface(s.coords, s.loss);
        } else { // nothing yet: the plane the grid will cover, blank
            const double r = m_range->value();
            m_plots[side]->setSurface({-r, r}, QVector<double>(4, qQNaN()));
        }
        m_plots[side]->setPath(s.pathA, s.pathB);
        const auto [a, b] = m_plots[side]->dataRange();
        if (a <= b) {
            lo = lo <= hi ? std::min(lo, a) : a;
            hi = lo <= hi ? std::max(hi, b) : b;
        }
    }
    for (auto* plot : m_plots) // one scale for both, so their colours compare
        plot->setColorRange(lo, hi);
    for (int side = 0; side < 2 && m_3d[side]; ++side) {
        const SurfaceData& s = m_surfaces[side];
        m_3d[side]->setTitle(m_plots[side]->title());
        m_3d[side]->setColorRange(lo, hi);
        m_3d[side]->setSurface(s.coords, s.loss);
        m_3d[side]->setPath(s.pathA, s.pathB);
    }
    m_slice->clearRuns();
    m_line->clearRuns();
    qsizetype slicePoints = 0, linePoints = 0;
    for (int side = 0; side < 2; ++side) {
        const SurfaceData& s = m_surfaces[side];
        const int id = side == 0 ? leftRun() : rightRun();
        const RegisteredRun* run = m_runs && id >= 0 ? m_runs->find(id) : nullptr;
        if (!run || s.grid == 0)
            continue;
        QVector<CurvePoint> slice, line;
        const int mid = s.grid / 2; // b = 0 on an odd grid
        for (int a = 0; a < s.grid; ++a)
            if (std::isfinite(s.loss.value(mid * s.grid + a, qQNaN())))
                slice.push_back({s.coords[a], 0, 0, s.loss[mid * s.grid + a]});
        for (int i = 0; i < s.alpha.size(); ++i)
            if (std::isfinite(s.lineLoss[i]))
                line.push_back({s.alpha[i], 0, 0, s.lineLoss[i]});
        for (CurvePlot* p : {m_slice, m_line})
            p->addRun(side, run->name, run->color, !run->residual());
        m_slice->appendPoints(side, 0, slice);
        m_line->appendPoints(side, 0, line);
        slicePoints += slice.size();
        linePoints += line.size();
    }
    m_slice->fitAll();
    m_line->fitAll();
    // Empty while the surfaces fill (b = 0 is not among the coarse rows; the line comes after the
    // surfaces): the axes span what will be drawn, and a note says when it will be.
    if (slicePoints == 0)
        m_slice->setXRange(-m_range->value(), m_range->value());
    if (linePoints == 0)
        m_line->setXRange(reslab::Interpolation::kFrom, reslab::Interpolation::kTo);
    m_slice->setNote(slicePoints == 0 && isComputing()
                         ? tr("drawn when the points at b = 0 are computed")
                         : QString());
    const bool anySurface = m_surfaces[0].grid > 0 || m_surfaces[1].grid > 0;
    m_line->setNote(linePoints > 0  ? QString()
                    : isComputing() ? tr("drawn when the surfaces are done")
                    : anySurface    ? tr("not computed with these surfaces: reslab-cli landscape "
                                            "RUN... --interpolate computes it")
                                    : QString());
    m_caption->setText(caption());
}

QString LandscapeView::caption() const {
    QStringList parts;
    reslab::LandscapeSummary sum[2];
    bool have[2] = {false, false};
    for (int side = 0; side < 2; ++side) {
        const SurfaceData& s = m_surfaces[side];
        if (!s.complete())
            continue;
        have[side] = true;
        sum[side] = reslab::summarize(toLandscape(s));
        const int minima = static_cast<int>(sum[side].local_minima);
        parts << tr("<b>%1</b>: loss %2 at the trained weights, %3 to %4 on the grid; its edge "
                    "averages %5x the lowest loss; %6")
                     .arg(s.run)
                     .arg(sum[side].centre_loss, 0, 'g', 3)
                     .arg(sum[side].min_loss, 0, 'g', 3)
                     .arg(sum[side].max_loss, 0, 'g', 3)
                     .arg(sum[side].edge_to_min, 0, 'f', 1)
                     .arg(minima == 1 ? tr("1 local minimum") : tr("%1 local minima").arg(minima));
    }
    if (parts.isEmpty())
        return tr("Li et al. (NeurIPS 2018, Fig. 5) find the loss surface of a 56-layer net "
                  "without shortcuts chaotic, and ResNet-56's smooth and nearly convex.") +
               QLatin1Char(' ') +
               (isComputing()
                    ? tr("What these runs' surfaces show is said here when they are complete.")
                    : tr("Compute the surfaces of a run and its twin to see what these runs "
                         "show."));
    QString text = parts.join(QStringLiteral(". ")) + QStringLiteral(".");
    const int l = 0, r = 1;
    if (have[l] && have[r]) {
        const RegisteredRun* left = m_runs ? m_runs->find(leftRun()) : nullptr;
        const RegisteredRun* right = m_runs ? m_runs->find(rightRun()) : nullptr;
        if (left && right && left->residual() != right->residual()) {
            const int plain = left->residual() ? r : l, residual = plain == l ? r : l;
            QStringList why;
            if (sum[plain].local_minima > sum[residual].local_minima)
                why << tr("more local minima (%1 against %2)")
                           .arg(sum[plain].local_minima)
                           .arg(sum[residual].local_minima);
            if (sum[plain].edge_to_min > 1.5 * sum[residual].edge_to_min)
                why << tr("steeper walls (its edge at %1x its lowest loss against %2x)")
                           .arg(sum[plain].edge_to_min, 0, 'f', 1)
                           .arg(sum[residual].edge_to_min, 0, 'f', 1);
            text += !why.isEmpty()
                        ? tr(" The plain net's surface is the rougher here, as Li et al. find "
                             "(Fig. 5): %1.")
                              .arg(why.join(tr(" and ")))
                        : tr(" Li et al. find the surface without shortcuts the rougher "
                             "(Fig. 5); this grid does not show that: the plain net has no "
                             "more local minima and no walls 1.5x steeper than its twin's.");
        }
    }
    return text;
}

bool LandscapeView::exportPng(const QString& path, QString* error) const {
    // Both surfaces side by side in one picture: the window's grab, with the 3-D views' OpenGL
    // pictures (not in a grab) painted in, cut to the pair.
    QWidget* top = window();
    QPixmap all = top->grab();
    Surface3D::paintGraphs(top, all);
    const QRect pair = m_stack[0]->geometry().united(m_stack[1]->geometry());
    const double scale = all.devicePixelRatio();
    const QPoint at = m_stack[0]->parentWidget()->mapTo(top, pair.topLeft());
    const QPixmap pixmap = all.copy(QRect(at * scale, pair.size() * scale));
    if (!path.endsWith(QLatin1String(".png"), Qt::CaseInsensitive)) {
        // PDF and SVG: the left plot alone would be half the story; the left plot's own export
        // keeps vectors.
        return m_plots[0]->exportImage(path, error);
    }
    if (!pixmap.save(path)) {
        if (error)
            *error = tr("Cannot write %1").arg(QDir::toNativeSeparators(path));
        return false;
    }
    return true;
}

bool LandscapeView::exportCsv(const QString& path, QString* error) const {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        if (error)
            *error =
                tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        return false;
    }
    QTextStream out(&file);
    out << "run,a,b,loss,error\n";
    for (const SurfaceData& s : m_surfaces)
        for (int b = 0; b < s.grid; ++b)
            for (int a = 0; a < s.grid; ++a) {
                const double loss = s.loss.value(b * s.grid + a, qQNaN());
                if (std::isnan(loss))
                    continue;
                out << s.run << ',' << s.coords[a] << ',' << s.coords[b] << ','
                    << QString::number(loss, 'g', 10) << ','
                    << QString::number(s.error.value(b * s.grid + a), 'g', 10) << '\n';
            }
    return true;
}

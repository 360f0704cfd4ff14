#include "runlistview.h"

#include <cmath>

#include <QHeaderView>
#include <QPainter>
#include <QPixmap>

namespace {

constexpr int kIdRole = Qt::UserRole + 1;

/// A swatch that shows the run's colour and its line style: dashed for plain nets, solid for
/// residual ones, as the plots draw them.
QIcon swatch(const QColor& color, bool plain) {
    QPixmap pixmap(28, 14);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    QPen pen(color, 3.0);
    if (plain)
        pen.setStyle(Qt::DashLine);
    painter.setPen(pen);
    painter.drawLine(2, 7, 26, 7);
    return QIcon(pixmap);
}

QString percent(double fraction) {
    return std::isfinite(fraction) ? QStringLiteral("%1%").arg(100.0 * fraction, 0, 'f', 2)
                                   : QString();
}

} // namespace

RunListView::RunListView(QWidget* parent) : QTreeWidget(parent) {
    setColumnCount(ColumnCount);
    setHeaderLabels({tr("Run"), tr("State"), tr("Step"), tr("Train error"), tr("Test error")});
    setRootIsDecorated(false);
    setUniformRowHeights(true);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    header()->setSectionResizeMode(NameColumn, QHeaderView::Stretch);
    for (int c = StateColumn; c < ColumnCount; ++c)
        header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    header()->setStretchLastSection(false);
    connect(this, &QTreeWidget::itemChanged, this, &RunListView::onItemChanged);
}

void RunListView::addRun(int runId, const QString& name, const QColor& color, bool plain) {
    removeRun(runId);
    m_updating = true;
    auto* row = new QTreeWidgetItem(this);
    row->setData(NameColumn, kIdRole, runId);
    row->setText(NameColumn, name);
    row->setIcon(NameColumn, swatch(color, plain));
    row->setFlags(row->flags() | Qt::ItemIsUserCheckable);
    row->setCheckState(NameColumn, Qt::Checked);
    for (int c = StepColumn; c < ColumnCount; ++c)
        row->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);
    m_items.insert(runId, row);
    m_visible.insert(runId, true);
    m_updating = false;
}

void RunListView::removeRun(int runId) {
    delete m_items.take(runId);
    m_visible.remove(runId);
}

void RunListView::clearRuns() {
    m_items.clear();
    m_visible.clear();
    clear();
}

QTreeWidgetItem* RunListView::item(int runId) const {
    return m_items.value(runId, nullptr);
}

void RunListView::setRunState(int runId,
                              const QString& state,
                              const QString& message,
                              bool faulty) {
    if (auto* row = item(runId)) {
        row->setText(StateColumn, state);
        row->setToolTip(NameColumn, message);
        row->setToolTip(StateColumn, message);
        row->setForeground(StateColumn, faulty ? QBrush(QColor(190, 30, 30)) : QBrush());
    }
}

void RunListView::setRunStep(int runId, qint64 step, qint64 total) {
    if (auto* row = item(runId))
        row->setText(StepColumn, total > 0 ? QStringLiteral("%1 / %2").arg(step).arg(total)
                                           : QString::number(step));
}

void RunListView::setRunErrors(int runId, double trainError, double testError) {
    if (auto* row = item(runId)) {
        if (std::isfinite(trainError))
            row->setText(TrainErrorColumn, percent(trainError));
        if (std::isfinite(testError))
            row->setText(TestErrorColumn, percent(testError));
    }
}

void RunListView::setRunVisible(int runId, bool visible) {
    if (auto* row = item(runId)) {
        m_updating = true;
        row->setCheckState(NameColumn, visible ? Qt::Checked : Qt::Unchecked);
        m_visible.insert(runId, visible);
        m_updating = false;
    }
}

bool RunListView::isRunVisible(int runId) const {
    const auto* row = item(runId);
    return row && row->checkState(NameColumn) == Qt::Checked;
}

QString RunListView::runState(int runId) const {
    const auto* row = item(runId);
    return row ? row->text(StateColumn) : QString();
}

QList<int> RunListView::runIds() const {
    QList<int> ids;
    for (int i = 0; i < topLevelItemCount(); ++i)
        ids.push_back(topLevelItem(i)->data(NameColumn, kIdRole).toInt());
    return ids;
}

QList<int> RunListView::selectedRunIds() const {
    QList<int> ids;
    for (const auto* row : selectedItems())
        ids.push_back(row->data(NameColumn, kIdRole).toInt());
    return ids;
}

void RunListView::onItemChanged(QTreeWidgetItem* row, int column) {
    if (m_updating || column != NameColumn)
        return;
    // itemChanged also fires for a new tooltip or icon; only a changed checkbox counts.
    const int runId = row->data(NameColumn, kIdRole).toInt();
    const bool visible = row->checkState(NameColumn) == Qt::Checked;
    if (m_visible.value(runId, true) == visible)
        return;
    m_visible.insert(runId, visible);
    Q_EMIT runVisibilityChanged(runId, visible);
}

#pragma once

#include <QColor>
#include <QHash>
#include <QTreeWidget>

/// The runs of the window, one row each: a colour swatch with a checkbox that shows or hides the
/// run in every plot, its name, state, step and current training and test error.
class RunListView : public QTreeWidget {
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        StateColumn,
        StepColumn,
        TrainErrorColumn,
        TestErrorColumn,
        ColumnCount
    };

    explicit RunListView(QWidget* parent = nullptr);

    void addRun(int runId, const QString& name, const QColor& color, bool plain);
    void removeRun(int runId);
    void clearRuns();
    /// state: "running", "finished", ...; message becomes the row's tooltip (why it stopped).
    /// The state column's text; a faulty one (diverged, failed, unreadable) shows in red.
    void
    setRunState(int runId, const QString& state, const QString& message = {}, bool faulty = false);
    void setRunStep(int runId, qint64 step, qint64 total);
    /// Errors as fractions; NaN leaves the cell empty.
    void setRunErrors(int runId, double trainError, double testError);
    void setRunVisible(int runId, bool visible);
    bool isRunVisible(int runId) const;
    QString runState(int runId) const;
    QList<int> runIds() const;
    /// The ids of the selected rows.
    QList<int> selectedRunIds() const;

Q_SIGNALS:
    /// The user ticked or unticked a run's checkbox.
    void runVisibilityChanged(int runId, bool visible);

private:
    QTreeWidgetItem* item(int runId) const;
    void onItemChanged(QTreeWidgetItem* item, int column);

    QHash<int, QTreeWidgetItem*> m_items;
    QHash<int, bool> m_visible;
    bool m_updating = false;
};

#pragma once

#include <map>
#include <string>
#include <vector>

#include <QHash>
#include <QStringList>
#include <QWidget>

#include "blockgraphlayout.h"
#include "inspect/netgraph.h"
#include "nets/spec.h"
#include "train/records.h"

class BlockGraph;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSplitter;
class Selection;

/// The block-graph tab: a named architecture, or the net of the run the views follow, drawn as a
/// block graph, optionally beside its plain or residual twin (aligned block by block); a search
/// box, a tint by a per-block training quantity with its legend, fit and export.
class GraphView : public QWidget {
    Q_OBJECT
public:
    /// What the blocks are tinted by, taken from the latest probe record of the run shown.
    enum class Tint { None, GradNormMean, GradNormMax, ResponseStd, ResidualRatio };

    explicit GraphView(Selection* selection, QWidget* parent = nullptr);

    /// Shows a named spec ("resnet50", "plain56") at its natural input (224, or 32 for the CIFAR
    /// family), with its twin beside it if `twin`. An unknown name keeps what is shown and says
    /// which names exist.
    bool showArch(const QString& arch, bool twin, QString* error = nullptr);
    /// The net of the run the views follow (empty name: there is none). Shown at once when the
    /// picker is on "the selected run".
    void setRunNet(const QString& runName, const reslab::ResNetSpec& spec, int64_t inputSize);
    /// Shows the selected run's net (the picker's first entry).
    void showRunNet();
    QString runName() const { return m_runName; }
    /// Takes the probe records of the run shown and tints its blocks by the chosen quantity.
    void applyRecords(const std::vector<reslab::MetricRecord>& records);
    void setTint(Tint tint);
    Tint tint() const { return m_tint; }
    /// Greys out blocks by name ("layer2.1"), in both twins; the lesion study calls it.
    void setGreyedBlocks(const QStringList& blocks);
    /// Finds a layer by (part of) its name, opens what holds it and selects it; false if none.
    bool findLayer(const QString& text);
    void setTwinVisible(bool visible);
    bool isTwinVisible() const;
    /// Writes the graph (and the twin beside it, if shown: FILE-twin.png) as PNG or SVG.
    bool exportImage(const QString& path, QString* error = nullptr);

    BlockGraph* graph() const { return m_graph; }
    /// The description of the net drawn now (its input shape, parameters and MACs).
    const reslab::NetGraph& shownGraph() const { return m_shown; }
    BlockGraph* twinGraph() const { return m_twin; }
    QString arch() const { return m_arch; }

    /// The description of a named spec's net at an input side; built once, then cached.
    static reslab::NetGraph describeSpec(const reslab::ResNetSpec& spec, int64_t inputSize);
    /// NetGraph (model/) to the widget's plain Qt data.
    static BlockGraphData toBlockGraphData(const reslab::NetGraph& graph);
    /// The natural input side of a named spec: 224 for the ImageNet nets, 32 for the CIFAR family.
    static int64_t naturalInputSize(const reslab::ResNetSpec& spec);

private:
    void onArchPicked(int index);
    void onTwinToggled(bool on);
    void onExport();
    void updateTint();
    void showGraphs(const reslab::ResNetSpec& spec, int64_t inputSize, bool twin);
    void linkTwins();
    void onSelectionChanged(const QString& layer);

    Selection* m_selection = nullptr;
    QComboBox* m_archBox = nullptr;
    QCheckBox* m_twinBox = nullptr;
    QLineEdit* m_search = nullptr;
    QComboBox* m_tintBox = nullptr;
    QLabel* m_message = nullptr;
    QSplitter* m_split = nullptr;
    BlockGraph* m_graph = nullptr;
    BlockGraph* m_twin = nullptr;

    QString m_arch; // what is shown: a named spec, or the run's name
    bool m_showingRun = false;
    QString m_runName;
    reslab::ResNetSpec m_runSpec;
    int64_t m_runInput = 0;
    reslab::NetGraph m_shown;
    bool m_syncing = false; // a twin is following the other: do not echo back

    Tint m_tint = Tint::GradNormMean;
    reslab::ProbeRecord m_probe; // the latest one of the run shown
    bool m_haveProbe = false;
    QStringList m_greyed;
};

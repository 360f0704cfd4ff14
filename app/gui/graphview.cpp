// The block graph view: the controls around widgets/blockgraph, and the run or named net it shows.
#include "graphview.h"

#include <cmath>
#include <map>
#include <stdexcept>
#include <tuple>

#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSettings>
#include <QSignalBlocker>
#include <QSplitter>
#include <QToolBar>
#include <QVBoxLayout>

#include "blockgraph.h"
#include "inspect/describe.h"
#include "nets/resnet.h"
#include "selection.h"

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

QVector<qint64> qshape(const std::vector<int64_t>& shape) {
    QVector<qint64> out;
    out.reserve(static_cast<int>(shape.size()));
    for (int64_t s : shape)
        out.push_back(s);
    return out;
}

/// "layer1.0.conv1.weight" -> "layer1.0"; empty for the stem and the head.
QString blockOfName(const std::string& name) {
    if (name.rfind("layer", 0) != 0)
        return {};
    const auto first = name.find('.');
    if (first == std::string::npos)
        return {};
    const auto second = name.find('.', first + 1);
    return qs(name.substr(0, second));
}

QString tintLabel(GraphView::Tint tint) {
    switch (tint) {
    case GraphView::Tint::GradNormMean:
        return QObject::tr("gradient norm, mean of the block's layers");
    case GraphView::Tint::GradNormMax:
        return QObject::tr("gradient norm, max of the block's layers");
    case GraphView::Tint::ResponseStd:
        return QObject::tr("std of the block's last response");
    case GraphView::Tint::ResidualRatio:
        return QObject::tr("||F(x)|| / ||x||");
    case GraphView::Tint::None:
        break;
    }
    return QObject::tr("none");
}

/// The picker's short name of a quantity; the legend says it in full.
QString tintShortLabel(GraphView::Tint tint) {
    switch (tint) {
    case GraphView::Tint::GradNormMean:
        return QObject::tr("grad norm (mean)");
    case GraphView::Tint::GradNormMax:
        return QObject::tr("grad norm (max)");
    case GraphView::Tint::ResponseStd:
        return QObject::tr("response std");
    case GraphView::Tint::ResidualRatio:
        return QObject::tr("||F(x)||/||x||");
    case GraphView::Tint::None:
        break;
    }
    return QObject::tr("none");
}

} // namespace

GraphView::GraphView(Selection* selection, QWidget* parent)
    : QWidget(parent), m_selection(selection) {
    m_archBox = new QComboBox(this);
    m_archBox->addItem(tr("The selected run"), QString());
    for (const auto& name : reslab::named_spec_names())
        m_archBox->addItem(qs(name), qs(name));
    // Narrow enough that the window fits a 1366-pixel laptop screen; the list shows whole names.
    m_archBox->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_archBox->setMinimumContentsLength(9);
    m_archBox->setToolTip(tr("The net to draw: a named architecture, or the run the views follow"));
    m_twinBox = new QCheckBox(tr("Twin"), this);
    m_twinBox->setToolTip(tr("Draw the plain or residual twin beside it, aligned block by block"));
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Find a layer (layer3.4.conv2)"));
    m_search->setClearButtonEnabled(true);
    m_search->setMaximumWidth(220);
    m_search->setMinimumWidth(80);
    m_tintBox = new QComboBox(this);
    for (Tint t : {Tint::None, Tint::GradNormMean, Tint::GradNormMax, Tint::ResponseStd,
                   Tint::ResidualRatio}) {
        m_tintBox->addItem(tintShortLabel(t), static_cast<int>(t));
        m_tintBox->setItemData(m_tintBox->count() - 1, tintLabel(t), Qt::ToolTipRole);
    }
    m_tintBox->setCurrentIndex(static_cast<int>(m_tint));
    m_tintBox->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_tintBox->setMinimumContentsLength(9);
    m_tintBox->setToolTip(
        tr("Tint the blocks by this quantity, from the latest probe of the run shown"));

    // The view's buttons sit on a tool bar: where the row is narrower than they need (beside a
    // lesson in the presenter layout) the last of them move into its » menu rather than make the
    // tab scroll sideways.
    auto* tools = new QToolBar(this);
    tools->setToolButtonStyle(Qt::ToolButtonTextOnly);
    tools->setMovable(false);
    auto* push = new QWidget(tools); // the buttons to the right end, as the row had them
    push->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    tools->addWidget(push);
    auto button = [this, tools](const QString& text, const QString& tip, auto slot) {
        QAction* a = tools->addAction(text);
        a->setIconText(text); // the tool bar's own would drop "Export..."'s dots
        a->setToolTip(tip);
        connect(a, &QAction::triggered, this, slot);
    };
    button(tr("Fit"), tr("Show the whole net (F)"), [this] { m_graph->fitAll(); });
    button(tr("Fit width"), tr("Readable size, top of the net (0)"),
           [this] { m_graph->fitWidth(); });
    button(tr("Open all"), tr("Open every stage and block"), [this] {
        m_graph->setAllExpanded(true);
        m_twin->setAllExpanded(true);
    });
    button(tr("Close all"), tr("Close every stage and block"), [this] {
        m_graph->setAllExpanded(false);
        m_twin->setAllExpanded(false);
    });
    button(tr("Export..."), tr("Save the graph as PNG or SVG"), [this] { onExport(); });

    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Net:"), this));
    bar->addWidget(m_archBox);
    bar->addWidget(m_twinBox);
    bar->addSpacing(12);
    bar->addWidget(m_search);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(tr("Tint:"), this));
    bar->addWidget(m_tintBox);
    bar->addWidget(tools, 1);

    m_graph = new BlockGraph(this);
    m_graph->setObjectName(QStringLiteral("BlockGraph"));
    m_twin = new BlockGraph(this);
    m_twin->setObjectName(QStringLiteral("TwinBlockGraph"));
    m_split = new QSplitter(Qt::Horizontal, this);
    m_split->addWidget(m_graph);
    m_split->addWidget(m_twin);
    m_split->setChildrenCollapsible(false);
    m_twin->setVisible(false);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(bar);
    layout->addWidget(m_split, 1);
    layout->addWidget(m_message);

    connect(m_archBox, qOverload<int>(&QComboBox::activated), this, &GraphView::onArchPicked);
    connect(m_twinBox, &QCheckBox::toggled, this, &GraphView::onTwinToggled);
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        if (!findLayer(m_search->text()))
            m_message->setText(tr("No layer matches '%1'.").arg(m_search->text()));
    });
    connect(m_tintBox, qOverload<int>(&QComboBox::activated), this,
            [this](int index) { setTint(static_cast<Tint>(m_tintBox->itemData(index).toInt())); });
    for (BlockGraph* g : {m_graph, m_twin})
        connect(g, &BlockGraph::nodeClicked, m_selection, &Selection::setLayer);
    connect(m_selection, &Selection::layerChanged, this, &GraphView::onSelectionChanged);
    linkTwins();
    m_graph->setPlaceholder(tr("No run yet: pick an architecture above, or start an experiment."));
}

void GraphView::linkTwins() {
    // The twins share geometry, so one view and one set of open blocks keeps them aligned.
    auto follow = [this](BlockGraph* from, BlockGraph* to) {
        connect(from, &BlockGraph::viewChanged, this,
                [this, to](qreal zoom, const QPointF& origin) {
                    if (m_syncing || !to->isVisible())
                        return;
                    m_syncing = true;
                    to->setView(zoom, origin);
                    m_syncing = false;
                });
        connect(from, &BlockGraph::expansionChanged, this,
                [this, to](const QString& name, bool open) {
                    if (m_syncing)
                        return;
                    m_syncing = true;
                    to->setExpanded(name, open);
                    m_syncing = false;
                });
    };
    follow(m_graph, m_twin);
    follow(m_twin, m_graph);
}

int64_t GraphView::naturalInputSize(const reslab::ResNetSpec& spec) {
    return spec.stem == reslab::Stem::Cifar ? 32 : spec.input_size;
}

reslab::NetGraph GraphView::describeSpec(const reslab::ResNetSpec& spec, int64_t inputSize) {
    // A net is described once per architecture and size.
    using Key = std::tuple<std::string, bool, int64_t, int64_t, int64_t, std::vector<int64_t>,
                           std::vector<int64_t>, int>;
    static std::map<Key, reslab::NetGraph> cache;
    const Key key{spec.name,    spec.residual, inputSize,   spec.in_channels,
                  spec.classes, spec.widths,   spec.blocks, static_cast<int>(spec.shortcut)};
    if (auto it = cache.find(key); it != cache.end())
        return it->second;
    auto graph = reslab::describe(spec, inputSize, inputSize);
    cache.emplace(key, graph);
    return graph;
}

BlockGraphData GraphView::toBlockGraphData(const reslab::NetGraph& graph) {
    BlockGraphData data;
    data.title = qs(graph.arch);
    data.residual = graph.residual;
    data.inputShape = qshape(graph.input_shape);
    data.params = graph.params;
    data.macs = graph.macs;
    data.nodes.reserve(static_cast<int>(graph.nodes.size()));
    for (const auto& n : graph.nodes) {
        BlockGraphNode node;
        node.name = qs(n.name);
        node.kind = qs(n.kind);
        node.detail = qs(n.detail);
        node.level = static_cast<BlockGraphNode::Level>(static_cast<int>(n.level));
        node.parent = n.parent;
        node.shape = qshape(n.shape);
        node.params = n.params;
        node.macs = n.macs;
        node.shortcut = n.shortcut;
        data.nodes.push_back(std::move(node));
    }
    data.edges.reserve(static_cast<int>(graph.edges.size()));
    for (const auto& e : graph.edges)
        data.edges.push_back({e.from, e.to,
                              static_cast<BlockGraphEdge::Kind>(static_cast<int>(e.kind)),
                              qshape(e.shape)});
    return data;
}

void GraphView::showGraphs(const reslab::ResNetSpec& spec, int64_t inputSize, bool twin) {
    const auto graph = describeSpec(spec, inputSize);
    m_shown = graph;
    m_graph->setGraph(toBlockGraphData(graph));
    QStringList names;
    for (const auto& n : graph.nodes)
        names << qs(n.name);
    auto* completer = new QCompleter(names, m_search);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchContains);
    delete m_search->completer();
    m_search->setCompleter(completer);
    QString text = tr("%1: %2 blocks, input %3x%4, layout %5 ms. Double-click a block or stage to "
                      "open or close it; "
                      "drag to pan, wheel to zoom.")
                       .arg(qs(spec.name))
                       .arg(m_graph->graph().blockCount())
                       .arg(inputSize)
                       .arg(inputSize)
                       .arg(m_graph->lastLayoutMs(), 0, 'f', 2);
    if (twin) {
        m_twin->setGraph(toBlockGraphData(describeSpec(reslab::twin_of(spec), inputSize)));
        m_twin->setVisible(true);
        m_twin->setGreyedBlocks(m_greyed);
        m_split->setSizes({1, 1});
    } else {
        m_twin->setVisible(false);
    }
    m_graph->setGreyedBlocks(m_greyed);
    m_message->setText(text);
    onSelectionChanged(m_selection->layer());
    updateTint();
}

bool GraphView::showArch(const QString& arch, bool twin, QString* error) {
    reslab::ResNetSpec spec;
    try {
        spec = reslab::named_spec(arch.toStdString());
    } catch (const std::exception&) {
        QStringList names;
        for (const auto& n : reslab::named_spec_names())
            names << qs(n);
        const QString message = tr("unknown architecture '%1'; the names are: %2")
                                    .arg(arch, names.join(QStringLiteral(", ")));
        m_message->setText(message);
        if (error)
            *error = message;
        return false;
    }
    {
        const QSignalBlocker blockArch(m_archBox);
        const QSignalBlocker blockTwin(m_twinBox);
        m_archBox->setCurrentIndex(m_archBox->findData(arch));
        m_twinBox->setChecked(twin);
    }
    m_arch = arch;
    m_showingRun = false;
    try {
        showGraphs(spec, naturalInputSize(spec), twin);
    } catch (const std::exception& e) {
        const QString message = tr("cannot describe %1: %2").arg(arch, qs(e.what()));
        m_message->setText(message);
        if (error)
            *error = message;
        return false;
    }
    return true;
}

void GraphView::setRunNet(const QString& runName,
                          const reslab::ResNetSpec& spec,
                          int64_t inputSize) {
    const bool changed = runName != m_runName;
    m_runName = runName;
    m_runSpec = spec;
    m_runInput = inputSize;
    if (changed) {
        m_haveProbe = false;
        m_probe = {};
    }
    m_archBox->setItemText(0,
                           runName.isEmpty() ? tr("The selected run") : tr("Run: %1").arg(runName));
    if (m_archBox->currentIndex() == 0 && (changed || !m_showingRun))
        showRunNet();
}

void GraphView::showRunNet() {
    {
        const QSignalBlocker block(m_archBox);
        m_archBox->setCurrentIndex(0);
    }
    if (m_runName.isEmpty()) {
        m_graph->setGraph({});
        m_graph->setPlaceholder(
            tr("No run yet: pick an architecture above, or start an experiment."));
        m_twin->setVisible(false);
        m_showingRun = false;
        return;
    }
    m_arch = m_runName;
    m_showingRun = true;
    try {
        showGraphs(m_runSpec, m_runInput, m_twinBox->isChecked());
    } catch (const std::exception& e) {
        m_message->setText(tr("cannot describe the net of %1: %2").arg(m_runName, qs(e.what())));
    }
}

void GraphView::onArchPicked(int index) {
    const QString arch = m_archBox->itemData(index).toString();
    if (arch.isEmpty())
        showRunNet();
    else
        showArch(arch, m_twinBox->isChecked());
}

void GraphView::onTwinToggled(bool on) {
    if (m_showingRun)
        showRunNet();
    else if (!m_arch.isEmpty())
        showArch(m_arch, on);
}

void GraphView::setTwinVisible(bool visible) {
    m_twinBox->setChecked(visible);
}

bool GraphView::isTwinVisible() const {
    return m_twin->isVisibleTo(const_cast<GraphView*>(this));
}

void GraphView::onSelectionChanged(const QString& layer) {
    // A layer picked elsewhere (the feature maps, the gradients) gets its own box: open what holds
    // it. The twin opens the same blocks through expansionChanged.
    const bool opened = m_graph->reveal(layer);
    m_graph->setSelectedName(layer);
    if (opened)
        m_graph->centerOn(layer);
    if (m_twin->isVisibleTo(this))
        m_twin->setSelectedName(layer);
}

bool GraphView::findLayer(const QString& text) {
    const QString name = m_graph->findNode(text);
    if (name.isEmpty())
        return false;
    m_graph->reveal(name);
    m_selection->setLayer(name);
    m_graph->setSelectedName(name); // even when the selection already named it
    m_graph->centerOn(name);
    m_message->setText(tr("Found %1.").arg(name));
    return true;
}

void GraphView::setGreyedBlocks(const QStringList& blocks) {
    m_greyed = blocks;
    m_graph->setGreyedBlocks(blocks);
    m_twin->setGreyedBlocks(blocks);
}

void GraphView::applyRecords(const std::vector<reslab::MetricRecord>& records) {
    bool any = false;
    for (const auto& r : records)
        if (r.kind == reslab::MetricRecord::Kind::Probe) {
            m_probe = r.probe;
            any = true;
        }
    if (!any)
        return;
    m_haveProbe = true;
    updateTint();
}

void GraphView::setTint(Tint tint) {
    m_tint = tint;
    const QSignalBlocker block(m_tintBox);
    m_tintBox->setCurrentIndex(m_tintBox->findData(static_cast<int>(tint)));
    updateTint();
}

void GraphView::updateTint() {
    // Probes belong to the run; a named architecture drawn for study shows no tint.
    if (!m_haveProbe || !m_showingRun || m_tint == Tint::None) {
        m_graph->setTint({}, QString());
        return;
    }
    QHash<QString, double> values;
    const auto& p = m_probe;
    if (m_tint == Tint::GradNormMean || m_tint == Tint::GradNormMax) {
        QHash<QString, QPair<double, int>> acc; // sum or max, count
        for (size_t i = 0; i < p.layers.size() && i < p.grad_norms.size(); ++i) {
            const QString block = blockOfName(p.layers[i]);
            const double v = p.grad_norms[i];
            if (block.isEmpty() || !std::isfinite(v))
                continue;
            auto& a = acc[block];
            a.first =
                m_tint == Tint::GradNormMax ? (a.second ? std::max(a.first, v) : v) : a.first + v;
            ++a.second;
        }
        for (auto it = acc.cbegin(); it != acc.cend(); ++it)
            values.insert(it.key(),
                          m_tint == Tint::GradNormMax ? it->first : it->first / it->second);
    } else if (m_tint == Tint::ResponseStd) {
        // The block's last response on the main path: the BN output before the addition.
        for (size_t i = 0; i < p.responses.size() && i < p.response_stds.size(); ++i) {
            if (p.responses[i].find("downsample") != std::string::npos)
                continue;
            const QString block = blockOfName(p.responses[i]);
            if (!block.isEmpty())
                values.insert(block, p.response_stds[i]);
        }
    } else {
        for (size_t i = 0; i < p.blocks.size() && i < p.residual_ratios.size(); ++i)
            values.insert(qs(p.blocks[i]), p.residual_ratios[i]);
    }
    m_graph->setTint(values, tintLabel(m_tint));
}

bool GraphView::exportImage(const QString& path, QString* error) {
    if (!m_graph->exportImage(path, error))
        return false;
    if (m_twin->isVisibleTo(this)) {
        const QFileInfo info(path);
        const QString twinPath =
            info.dir().filePath(info.completeBaseName() + QStringLiteral("-twin.") + info.suffix());
        return m_twin->exportImage(twinPath, error);
    }
    return true;
}

void GraphView::onExport() {
    QSettings settings;
    const QString folder =
        settings.value(QStringLiteral("folders/export"), QDir::homePath()).toString();
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export the block graph"), QDir(folder).filePath(m_arch + QStringLiteral(".png")),
        tr("PNG image (*.png);;SVG drawing (*.svg)"));
    if (path.isEmpty())
        return;
    settings.setValue(QStringLiteral("folders/export"), QFileInfo(path).absolutePath());
    QString error;
    if (!exportImage(path, &error))
        QMessageBox::warning(this, tr("ResLab"), tr("Could not export: %1").arg(error));
    else
        m_message->setText(tr("Exported %1").arg(QDir::toNativeSeparators(path)));
}

// The block graph of every named net against outside references: the paper's and torchvision's
// blocks per stage, torchvision's `downsample` modules for the projections (asked of Python's
// torchvision at test time), and the shapes `reslab-cli info` prints; then the widget driven by
// clicks: selection, collapse and expand, the twin view, tint, export and the window's --view
// graph.
#include <QtTest>

#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QScreen>
#include <QTemporaryDir>
#include <QToolTip>

#include "blockgraph.h"
#include "graphview.h"
#include "mainwindow.h"
#include "qttestsupport.h"
#include "runlistview.h"
#include "selection.h"
#include "train/config.h"
#include "train/presets.h"

namespace {

using Level = BlockGraphNode::Level;
using Kind = BlockGraphEdge::Kind;

/// Blocks per stage: the paper's Table 1 (ImageNet) and section 4.2 (CIFAR-10, 6n+2 layers).
QList<int> publishedLayout(const QString& arch) {
    const int depth = arch.mid(arch.startsWith(QLatin1String("plain")) ? 5 : 6).toInt();
    switch (depth) {
    case 18:
        return {2, 2, 2, 2};
    case 34:
        return {3, 4, 6, 3};
    case 50:
        return {3, 4, 6, 3};
    case 101:
        return {3, 4, 23, 3};
    case 152:
        return {3, 8, 36, 3};
    default: {
        const int n = (depth - 2) / 6;
        return {n, n, n};
    }
    }
}

bool isImageNet(const QString& arch) {
    const int depth = arch.mid(arch.startsWith(QLatin1String("plain")) ? 5 : 6).toInt();
    return depth == 18 || depth == 34 || depth == 50 || depth == 101 || depth == 152;
}

/// The kind of the shortcut that joins each block's addition; blocks without one are absent.
QMap<QString, Kind> shortcutKinds(const BlockGraphData& g) {
    QMap<QString, Kind> out;
    for (const auto& e : g.edges) {
        if (e.kind == Kind::Main)
            continue;
        const auto& to = g.nodes[e.to];
        if (to.kind == QLatin1String("add"))
            out.insert(g.nodes[to.parent].name, e.kind);
    }
    return out;
}

QByteArray runProcess(const QString& program, const QStringList& args, int timeoutMs = 300000) {
    QProcess p;
    p.start(program, args);
    if (!p.waitForFinished(timeoutMs) || p.exitStatus() != QProcess::NormalExit ||
        p.exitCode() != 0) {
        qWarning("%s failed: %s", qPrintable(program), p.readAllStandardError().constData());
        return {};
    }
    return p.readAllStandardOutput();
}

/// A resnet-like net made up here (no model/): a stem, three stages of `blocks` basic blocks
/// (conv, BN, ReLU, conv, BN, addition, ReLU; the first block of stages 2 and 3 with a projection)
/// and a head, with shapes as a CIFAR net of 6n+2 layers has them.
BlockGraphData madeUpResNet(int blocks) {
    BlockGraphData g;
    g.title = QStringLiteral("resnet%1").arg(6 * blocks + 2);
    g.inputShape = {3, 32, 32};
    auto add = [&g](const QString& name, const QString& kind, Level level, int parent,
                    QVector<qint64> shape, bool shortcut = false) {
        BlockGraphNode n;
        n.name = name;
        n.kind = kind;
        n.level = level;
        n.parent = parent;
        n.shape = std::move(shape);
        n.shortcut = shortcut;
        n.detail = kind == QLatin1String("conv") ? QStringLiteral("3x3, %1").arg(n.shape.value(0))
                                                 : QString();
        g.nodes.append(n);
        return g.nodes.size() - 1;
    };
    const int stem =
        add(QStringLiteral("stem"), QStringLiteral("stem"), Level::Stem, -1, {16, 32, 32});
    add(QStringLiteral("conv1"), QStringLiteral("conv"), Level::Layer, stem, {16, 32, 32});
    add(QStringLiteral("bn1"), QStringLiteral("bn"), Level::Layer, stem, {16, 32, 32});
    int last =
        add(QStringLiteral("relu"), QStringLiteral("relu"), Level::Layer, stem, {16, 32, 32});
    for (int s = 1; s <= 3; ++s) {
        const qint64 c = 16 << (s - 1), hw = 32 >> (s - 1);
        const QString stageName = QStringLiteral("layer%1").arg(s);
        const int stage = add(stageName, QStringLiteral("stage"), Level::Stage, -1, {c, hw, hw});
        g.nodes[stage].detail = QStringLiteral("%1 x basic, %2 ch").arg(blocks).arg(c);
        for (int b = 0; b < blocks; ++b) {
            const QString p = stageName + QLatin1Char('.') + QString::number(b);
            const int block = add(p, QStringLiteral("basic"), Level::Block, stage, {c, hw, hw});
            const int input = last;
            for (const char* layer : {"conv1", "bn1", "relu1", "conv2", "bn2"}) {
                const QString l = QString::fromLatin1(layer);
                last = add(p + QLatin1Char('.') + l, l.left(l.size() - 1), Level::Layer, block,
                           {c, hw, hw});
            }
            const bool projection = s > 1 && b == 0;
            if (projection) {
                add(p + QStringLiteral(".downsample.0"), QStringLiteral("conv"), Level::Layer,
                    block, {c, hw, hw}, true);
                add(p + QStringLiteral(".downsample.1"), QStringLiteral("bn"), Level::Layer, block,
                    {c, hw, hw}, true);
            }
            const int sum = add(p + QStringLiteral(".add"), QStringLiteral("add"), Level::Layer,
                                block, {c, hw, hw});
            g.edges.append(
                {input, sum, projection ? Kind::Projection : Kind::Identity, {c, hw, hw}});
            last = add(p + QStringLiteral(".relu"), QStringLiteral("relu"), Level::Layer, block,
                       {c, hw, hw});
        }
    }
    const int head = add(QStringLiteral("head"), QStringLiteral("head"), Level::Head, -1, {10});
    add(QStringLiteral("avgpool"), QStringLiteral("avgpool"), Level::Layer, head, {64});
    add(QStringLiteral("fc"), QStringLiteral("fc"), Level::Layer, head, {10});
    return g;
}

} // namespace

class TestBlockGraph : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_settings;
    QJsonObject m_torchvision; // arch -> {"stages": [[block class...]...], "downsample": [...]}

    void addArchRows() {
        QTest::addColumn<QString>("arch");
        for (const char* kind : {"resnet", "plain"})
            for (int depth : {18, 34, 50, 101, 152, 20, 32, 44, 56, 110, 1202}) {
                const QString arch = QString::fromLatin1(kind) + QString::number(depth);
                QTest::newRow(qPrintable(arch)) << arch;
            }
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_settings.isValid());
        isolateSettings(m_settings.path(), QStringLiteral("test_blockgraph"));
        // torchvision's own modules are the reference for the ImageNet nets.
        const QString script = QStringLiteral(
            "import json, torchvision\n"
            "out = {}\n"
            "for a in ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152']:\n"
            "    m = getattr(torchvision.models, a)()\n"
            "    stages = [[type(b).__name__.lower() for b in getattr(m, 'layer%d' % i)] for i in "
            "range(1, 5)]\n"
            "    down = [n[:-len('.downsample')] for n, _ in m.named_modules() if "
            "n.endswith('.downsample')]\n"
            "    out[a] = {'stages': stages, 'downsample': down}\n"
            "print(json.dumps(out))\n");
        const QByteArray json =
            runProcess(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), script});
        m_torchvision = QJsonDocument::fromJson(json).object();
        QVERIFY2(m_torchvision.contains(QStringLiteral("resnet152")),
                 "torchvision could not be asked");
    }

    void blocksAndShortcuts_data() { addArchRows(); }
    void blocksAndShortcuts() {
        QFETCH(QString, arch);
        Selection selection;
        GraphView view(&selection);
        QString error;
        QVERIFY2(view.showArch(arch, false, &error), qPrintable(error));
        const BlockGraphData& g = view.graph()->graph();
        QCOMPARE(g.title, arch);
        const bool plain = arch.startsWith(QLatin1String("plain"));
        QCOMPARE(g.residual, !plain);

        // Blocks per stage, and their kind.
        QList<int> perStage;
        QStringList kinds;
        for (int i = 0; i < g.nodes.size(); ++i) {
            if (g.nodes[i].level == Level::Stage)
                perStage << 0;
            if (g.nodes[i].level == Level::Block) {
                QVERIFY(!perStage.isEmpty());
                QCOMPARE(g.nodes[g.nodes[i].parent].name,
                         QStringLiteral("layer%1").arg(perStage.size()));
                ++perStage.last();
                kinds << g.nodes[i].kind;
            }
        }
        QCOMPARE(perStage, publishedLayout(arch));
        const QString resnet = plain ? QStringLiteral("resnet") + arch.mid(5) : arch;
        if (isImageNet(arch)) {
            const QJsonObject tv = m_torchvision.value(resnet).toObject();
            QList<int> tvPerStage;
            for (const auto& stage : tv.value(QStringLiteral("stages")).toArray()) {
                tvPerStage << stage.toArray().size();
                for (const auto& b : stage.toArray())
                    QCOMPARE(kinds.takeFirst(), b.toString() == QLatin1String("basicblock")
                                                    ? QStringLiteral("basic")
                                                    : QStringLiteral("bottleneck"));
            }
            QCOMPARE(perStage, tvPerStage);
        } else {
            for (const QString& k : kinds)
                QCOMPARE(k, QStringLiteral("basic"));
        }

        // Shortcut kinds: none at all for a plain twin; projections exactly where torchvision has
        // `downsample`; the paper's option A (zero-padding) where a CIFAR net changes shape.
        const QMap<QString, Kind> shortcuts = shortcutKinds(g);
        int blocks = 0;
        for (int n : perStage)
            blocks += n;
        if (plain) {
            QVERIFY(shortcuts.isEmpty());
            for (const auto& e : g.edges)
                QCOMPARE(e.kind, Kind::Main);
        } else {
            QCOMPARE(shortcuts.size(), blocks);
            QStringList projections, padded;
            for (auto it = shortcuts.cbegin(); it != shortcuts.cend(); ++it) {
                if (it.value() == Kind::Projection)
                    projections << it.key();
                if (it.value() == Kind::PaddedIdentity)
                    padded << it.key();
            }
            if (isImageNet(arch)) {
                QStringList expected;
                for (const auto& d : m_torchvision.value(resnet)
                                         .toObject()
                                         .value(QStringLiteral("downsample"))
                                         .toArray())
                    expected << d.toString();
                QCOMPARE(projections, expected);
                QVERIFY(padded.isEmpty());
            } else {
                QVERIFY(projections.isEmpty());
                QCOMPARE(padded,
                         (QStringList{QStringLiteral("layer2.0"), QStringLiteral("layer3.0")}));
            }
        }

        // The drawing: with every stage open, one arc per shortcut (none for a plain net), in the
        // same style as its kind.
        for (const auto& n : g.nodes)
            if (n.level == Level::Stage)
                view.graph()->setExpanded(n.name, true);
        const auto& layout = view.graph()->layout();
        QCOMPARE(layout.arcs.size(), plain ? 0 : blocks);
        for (const auto& arc : layout.arcs)
            QCOMPARE(arc.kind, shortcuts.value(g.nodes[arc.block].name));
    }

    void shapesMatchCli_data() { addArchRows(); }
    void shapesMatchCli() {
        QFETCH(QString, arch);
        const QByteArray json = runProcess(
            QStringLiteral(RESLAB_CLI),
            {QStringLiteral("info"), QStringLiteral("--arch"), arch, QStringLiteral("--json")});
        const QJsonObject info = QJsonDocument::fromJson(json).object();
        QVERIFY2(!info.isEmpty(), "reslab-cli info gave no JSON");
        Selection selection;
        GraphView view(&selection);
        QVERIFY(view.showArch(arch, false));
        const BlockGraphData& g = view.graph()->graph();
        QJsonArray input;
        for (qint64 s : g.inputShape)
            input << s;
        QCOMPARE(info.value(QStringLiteral("input")).toArray(), input);
        const QJsonArray nodes = info.value(QStringLiteral("nodes")).toArray();
        QCOMPARE(nodes.size(), g.nodes.size());
        for (const auto& value : nodes) {
            const QJsonObject n = value.toObject();
            const int i = g.find(n.value(QStringLiteral("name")).toString());
            QVERIFY2(i >= 0, qPrintable(n.value(QStringLiteral("name")).toString()));
            QJsonArray shape;
            for (qint64 s : g.nodes[i].shape)
                shape << s;
            QCOMPARE(shape, n.value(QStringLiteral("shape")).toArray());
            QCOMPARE(g.nodes[i].params, n.value(QStringLiteral("params")).toInteger());
        }
        QCOMPARE(g.params, info.value(QStringLiteral("params")).toInteger());
    }

    void collapseAndExpandKeepTheSelection() {
        Selection selection;
        GraphView view(&selection);
        view.resize(1100, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(view.showArch(QStringLiteral("resnet50"), false));
        BlockGraph* graph = view.graph();
        selection.setLayer(QStringLiteral("layer2.1.conv2"));
        QCOMPARE(graph->selectedName(), QStringLiteral("layer2.1.conv2"));
        QSignalSpy changes(&selection, &Selection::layerChanged);

        // Selected elsewhere, the layer's block opens to show it; closed again, the selection is
        // drawn on the block that holds it.
        QVERIFY(graph->isExpanded(QStringLiteral("layer2.1")));
        graph->setExpanded(QStringLiteral("layer2.1"), false);
        QCOMPARE(graph->selectedName(), QStringLiteral("layer2.1.conv2"));
        QCOMPARE(graph->nodeRect(QStringLiteral("layer2.1.conv2")),
                 graph->nodeRect(QStringLiteral("layer2.1")));
        graph->setExpanded(QStringLiteral("layer2.1"), true);
        QVERIFY(graph->isExpanded(QStringLiteral("layer2.1")));
        QCOMPARE(graph->selectedName(), QStringLiteral("layer2.1.conv2"));
        const QRectF conv = graph->nodeRect(QStringLiteral("layer2.1.conv2"));
        const QRectF block = graph->nodeRect(QStringLiteral("layer2.1"));
        QVERIFY(!conv.isEmpty());
        QVERIFY(block.contains(conv) && block != conv);
        // The stage closes over it and opens again: the selection stays, and so does the open
        // block.
        graph->setExpanded(QStringLiteral("layer2"), false);
        QCOMPARE(graph->selectedName(), QStringLiteral("layer2.1.conv2"));
        QCOMPARE(graph->nodeRect(QStringLiteral("layer2.1.conv2")),
                 graph->nodeRect(QStringLiteral("layer2")));
        graph->setExpanded(QStringLiteral("layer2"), true);
        QCOMPARE(graph->selectedName(), QStringLiteral("layer2.1.conv2"));
        QVERIFY(graph->isExpanded(QStringLiteral("layer2.1")));
        QCOMPARE(selection.layer(), QStringLiteral("layer2.1.conv2"));
        QCOMPARE(changes.count(), 0);
        // Double-clicking a closed block opens it, as the user does.
        graph->setSelectedName(QStringLiteral("layer2.2")); // scrolls to it
        const QRectF closed = graph->nodeRect(QStringLiteral("layer2.2"));
        QVERIFY(graph->rect().contains(closed.center().toPoint()));
        QTest::mouseDClick(graph, Qt::LeftButton, {}, closed.center().toPoint());
        QVERIFY(graph->isExpanded(QStringLiteral("layer2.2")));
    }

    void clickingABlockSelectsIt() {
        Selection selection;
        GraphView view(&selection);
        view.resize(1100, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(view.showArch(QStringLiteral("resnet56"), true));
        QVERIFY(view.isTwinVisible());
        QCOMPARE(view.twinGraph()->graph().title, QStringLiteral("plain56"));
        BlockGraph* graph = view.graph();
        QSignalSpy changes(&selection, &Selection::layerChanged);
        const QRectF r = graph->nodeRect(QStringLiteral("layer1.1"));
        QVERIFY(graph->rect().contains(r.center().toPoint()));
        QTest::mouseClick(graph, Qt::LeftButton, {}, r.center().toPoint());
        QCOMPARE(changes.count(), 1);
        QCOMPARE(changes.at(0).at(0).toString(), QStringLiteral("layer1.1"));
        QCOMPARE(selection.layer(), QStringLiteral("layer1.1"));
        QCOMPARE(view.twinGraph()->selectedName(), QStringLiteral("layer1.1"));
        // The twins are aligned block by block: the same block sits at the same place in both.
        QCOMPARE(view.twinGraph()->nodeRect(QStringLiteral("layer3.8")),
                 graph->nodeRect(QStringLiteral("layer3.8")));
        // A click in the plain twin selects too.
        const QRectF t = view.twinGraph()->nodeRect(QStringLiteral("layer1.2"));
        QTest::mouseClick(view.twinGraph(), Qt::LeftButton, {}, t.center().toPoint());
        QCOMPARE(selection.layer(), QStringLiteral("layer1.2"));
        QCOMPARE(graph->selectedName(), QStringLiteral("layer1.2"));
        // Selecting elsewhere scrolls a deep part into view.
        selection.setLayer(QStringLiteral("layer3.8.conv2"));
        QVERIFY(
            graph->rect().intersects(graph->nodeRect(QStringLiteral("layer3.8.conv2")).toRect()));
    }

    void hoverShowsParametersMacsAndShape() {
        Selection selection;
        GraphView view(&selection);
        view.resize(1100, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(view.showArch(QStringLiteral("resnet18"), false));
        BlockGraph* graph = view.graph();
        auto hover = [graph](const QPoint& pos) {
            QHelpEvent help(QEvent::ToolTip, pos, graph->mapToGlobal(pos));
            QApplication::sendEvent(graph, &help);
        };
        hover(graph->nodeRect(QStringLiteral("layer1.0")).center().toPoint());
        QTRY_VERIFY(QToolTip::isVisible());
        const QString tip = QToolTip::text();
        // torchvision's resnet18.layer1[0]: two 3x3 convolutions 64 -> 64 (36,864 weights each)
        // with their BNs (128 each), at 56 x 56: 2 x 36,864 x 3,136 multiply-adds.
        QVERIFY2(tip.contains(QStringLiteral("<b>layer1.0</b>")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("output 64x56x56")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("parameters 73,984")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("MACs 231.2 M")), qPrintable(tip));
        if (const QString shots = qEnvironmentVariable("RESLAB_TEST_SHOTS"); !shots.isEmpty()) {
            // To look at (under xvfb-run, with QT_QPA_PLATFORM=xcb): the screen, tooltip and all.
            QTest::qWait(300);
            QGuiApplication::primaryScreen()->grabWindow(0).save(
                shots + QStringLiteral("/graph-tooltip.png"));
        }
        // Away from every box, the tooltip goes.
        hover(QPoint(graph->width() - 5, graph->height() - 5));
        QTRY_VERIFY(!QToolTip::isVisible());
    }

    void searchOpensAndSelects() {
        Selection selection;
        GraphView view(&selection);
        view.resize(1100, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(view.showArch(QStringLiteral("resnet152"), false));
        QVERIFY(view.findLayer(QStringLiteral("layer3.30.conv2")));
        QCOMPARE(selection.layer(), QStringLiteral("layer3.30.conv2"));
        QVERIFY(view.graph()->isExpanded(QStringLiteral("layer3.30")));
        const QRectF r = view.graph()->nodeRect(QStringLiteral("layer3.30.conv2"));
        QVERIFY(view.graph()->rect().contains(r.center().toPoint()));
        QVERIFY(!view.findLayer(QStringLiteral("no-such-layer")));
    }

    void tintFollowsProbes() {
        Selection selection;
        GraphView view(&selection);
        view.setRunNet(QStringLiteral("resnet20"), reslab::named_spec("resnet20"), 32);
        QCOMPARE(view.graph()->graph().title, QStringLiteral("resnet20"));
        reslab::MetricRecord r;
        r.kind = reslab::MetricRecord::Kind::Probe;
        r.probe.layers = {"conv1.weight", "layer1.0.conv1.weight", "layer1.0.conv2.weight",
                          "layer2.0.conv1.weight"};
        r.probe.grad_norms = {5.0, 1.0, 3.0, 0.5};
        r.probe.responses = {"layer1.0.conv1", "layer1.0.conv2"};
        r.probe.response_stds = {0.7, 0.2};
        r.probe.blocks = {"layer1.0", "layer2.0"};
        r.probe.residual_ratios = {0.25, std::numeric_limits<double>::quiet_NaN()};
        view.applyRecords({r});
        view.setTint(GraphView::Tint::GradNormMean);
        QCOMPARE(view.graph()->tint().value(QStringLiteral("layer1.0")), 2.0);
        QCOMPARE(view.graph()->tint().value(QStringLiteral("layer2.0")), 0.5);
        QVERIFY(!view.graph()->tint().contains(QStringLiteral("conv1"))); // the stem is no block
        view.setTint(GraphView::Tint::GradNormMax);
        QCOMPARE(view.graph()->tint().value(QStringLiteral("layer1.0")), 3.0);
        view.setTint(GraphView::Tint::ResponseStd);
        QCOMPARE(view.graph()->tint().value(QStringLiteral("layer1.0")), 0.2);
        view.setTint(GraphView::Tint::ResidualRatio);
        QCOMPARE(view.graph()->tint().value(QStringLiteral("layer1.0")), 0.25);
        QVERIFY(!view.graph()->tint().contains(QStringLiteral("layer2.0"))); // NaN: not tinted
        view.setTint(GraphView::Tint::None);
        QVERIFY(view.graph()->tint().isEmpty());

        view.setGreyedBlocks({QStringLiteral("layer2.1"), QStringLiteral("layer3.0")});
        QCOMPARE(view.graph()->greyedBlocks().size(), 2);
        view.setGreyedBlocks({});
        QVERIFY(view.graph()->greyedBlocks().isEmpty());
    }

    void theTintLegendCoversNoBlock_data() {
        QTest::addColumn<QSize>("size");
        QTest::addColumn<int>("blocks");
        // The graph tab at 1366 x 768 (one view, then twins side by side) and at 1920 x 1080.
        QTest::newRow("resnet56, 1366 x 768 alone") << QSize(1300, 640) << 9;
        QTest::newRow("resnet56, 1366 x 768 twin") << QSize(650, 640) << 9;
        QTest::newRow("resnet20, 1366 x 768 twin") << QSize(650, 640) << 3;
        QTest::newRow("resnet110, 1920 x 1080 twin") << QSize(940, 950) << 18;
        QTest::newRow("resnet56, smallest") << QSize(200, 200) << 9;
    }

    void theTintLegendCoversNoBlock() {
        QFETCH(QSize, size);
        QFETCH(int, blocks);
        BlockGraph graph;
        graph.resize(size);
        graph.show();
        QVERIFY(QTest::qWaitForWindowExposed(&graph));
        graph.setGraph(madeUpResNet(blocks));
        QHash<QString, double> tint;
        double value = 1e-3;
        for (const auto& n : graph.graph().nodes)
            if (n.level == Level::Block)
                tint.insert(n.name, value *= 1.3);
        graph.setTint(tint, QStringLiteral("mean gradient L2 norm"));
        const QRectF legend = graph.legendRect();
        QVERIFY(!legend.isEmpty());
        QVERIFY(QRectF(graph.rect()).contains(legend)); // the legend itself is whole on screen
        QVERIFY(!graph.graphArea().intersects(legend));

        // Blocks and layers drawn, at the first view, scrolled to the middle and the end, fitted
        // whole and zoomed in: none is where the legend is.
        const QRectF bounds = graph.layout().bounds;
        QVector<QPair<qreal, QPointF>> views{{graph.zoom(), graph.origin()},
                                             {graph.zoom(), QPointF(0, bounds.height() / 2)},
                                             {graph.zoom(), QPointF(0, bounds.bottom())},
                                             {2.0, QPointF(0, bounds.height() / 3)}};
        graph.fitAll();
        views.append({graph.zoom(), graph.origin()});
        for (const auto& [zoom, origin] : views) {
            graph.setView(zoom, origin);
            int drawn = 0;
            for (const auto& box : graph.layout().boxes) {
                if (box.node < 0)
                    continue;
                const QRectF r = graph.nodeRect(graph.graph().nodes[box.node].name);
                const QRectF shown = r.intersected(graph.graphArea());
                if (shown.isEmpty())
                    continue;
                ++drawn;
                QVERIFY2(!shown.intersects(legend), qPrintable(graph.graph().nodes[box.node].name));
            }
            QVERIFY(drawn > 0);
            // Nothing of the net is drawn in the legend's strip: beside the legend it is white,
            // though blocks run on below the view.
            const QImage image = graph.grab().toImage();
            const qreal ratio = image.devicePixelRatio();
            const int stripTop = qCeil(graph.graphArea().bottom() + 2);
            for (int y = stripTop; y < graph.height(); ++y)
                for (int x = 0; x < graph.width(); x += 3) {
                    if (legend.adjusted(-2, -2, 2, 2).contains(QPointF(x, y)))
                        continue;
                    const QColor c = image.pixelColor(QPoint(x, y) * ratio);
                    QVERIFY2(c == QColor(Qt::white),
                             qPrintable(QStringLiteral("(%1, %2) is %3 at view %4, %5")
                                            .arg(x)
                                            .arg(y)
                                            .arg(c.name())
                                            .arg(origin.x())
                                            .arg(origin.y())));
                }
            // And clicking the legend picks no block.
            QVERIFY(graph.nodeAt(legend.center()).isEmpty());
        }
        // Scrolled to its end, the net's last layer sits whole above the legend.
        graph.setView(graph.zoom(),
                      QPointF(0, bounds.bottom() - graph.graphArea().height() / graph.zoom()));
        const QRectF fc = graph.nodeRect(QStringLiteral("fc"));
        QVERIFY(graph.graphArea().contains(fc));
        QVERIFY(!fc.intersects(legend));
        // Without a tint the strip goes and the net has the whole height again.
        graph.setTint({}, QString());
        QVERIFY(graph.legendRect().isEmpty());
        QCOMPARE(graph.graphArea(), QRectF(graph.rect()));
    }

    void exportsPngAndSvg() {
        QTemporaryDir dir;
        Selection selection;
        GraphView view(&selection);
        QVERIFY(view.showArch(QStringLiteral("resnet18"), false));
        view.graph()->setExpanded(QStringLiteral("layer3.0"), true);
        view.setGreyedBlocks({QStringLiteral("layer2.1"), QStringLiteral("layer3.0")});
        QString error;
        const QString png = dir.filePath(QStringLiteral("g.png"));
        QVERIFY2(view.graph()->exportImage(png, &error), qPrintable(error));
        const QImage image(png);
        QVERIFY(!image.isNull());
        QVERIFY(image.height() > image.width()); // top to bottom
        const QString svg = dir.filePath(QStringLiteral("g.svg"));
        QVERIFY2(view.graph()->exportImage(svg, &error), qPrintable(error));
        QFile svgFile(svg);
        QVERIFY(svgFile.open(QIODevice::ReadOnly));
        const QByteArray svgText = svgFile.readAll();
        QVERIFY(svgText.contains("<svg") && svgText.contains("</svg>"));
        QVERIFY(svgText.contains("layer4")); // the text is there, not just shapes
        QVERIFY(!view.graph()->exportImage(dir.filePath(QStringLiteral("g.bmpx")), &error));
        QVERIFY(error.contains(QLatin1String("svg")));
        QVERIFY(!view.graph()->exportImage(QStringLiteral("/nonexistent-folder/g.png"), &error));
    }

    void windowFollowsTheSelectedRun() {
        // Two run folders written here: spec.json and one probe record each.
        QTemporaryDir dir;
        auto writeRun = [&](const std::string& arch, double gradNorm) {
            const QString folder = dir.filePath(QString::fromStdString(arch));
            QDir().mkpath(folder);
            reslab::TrainConfig t;
            t.dataset = "synthetic";
            const reslab::RunConfig config = reslab::make_run_config(arch, t, 1);
            QFile spec(folder + QStringLiteral("/spec.json"));
            spec.open(QIODevice::WriteOnly);
            spec.write(QByteArray::fromStdString(reslab::to_json(config)));
            reslab::MetricRecord r;
            r.kind = reslab::MetricRecord::Kind::Probe;
            r.probe.step = 10;
            r.probe.layers = {"layer1.0.conv1.weight", "layer1.0.conv2.weight",
                              "layer2.0.conv1.weight"};
            r.probe.grad_norms = {gradNorm, gradNorm, 2 * gradNorm};
            QFile metrics(folder + QStringLiteral("/metrics.jsonl"));
            metrics.open(QIODevice::WriteOnly);
            metrics.write(QByteArray::fromStdString(reslab::to_json_line(r) + "\n"));
            return folder;
        };
        const QString first = writeRun("resnet20", 0.25);
        const QString second = writeRun("plain32", 4.0);
        MainWindow window;
        window.setRunsFolder(dir.path());
        QVERIFY(window.openRunFolder(first));
        QVERIFY(window.openRunFolder(second));
        GraphView* view = window.graphView();
        // The first run, drawn at the data's 28 pixels, tinted by its probe.
        QCOMPARE(view->graph()->graph().title, QStringLiteral("resnet20"));
        QCOMPARE(view->graph()->graph().inputShape, (QVector<qint64>{1, 28, 28}));
        QTRY_COMPARE(view->graph()->tint().value(QStringLiteral("layer1.0")), 0.25);
        QCOMPARE(view->graph()->tint().value(QStringLiteral("layer2.0")), 0.5);
        // Picking the other run in the run list switches the graph to its net.
        const QList<int> ids = window.runList()->runIds();
        QCOMPARE(ids.size(), 2);
        window.runList()->clearSelection();
        window.runList()->topLevelItem(1)->setSelected(true);
        QCOMPARE(window.selection()->run(), QStringLiteral("plain32"));
        QCOMPARE(view->graph()->graph().title, QStringLiteral("plain32"));
        QVERIFY(!view->graph()->graph().residual);
        window.close();
    }

    void aDownsampledRunIsDrawnAtTheSizeItTrainsOn() {
        // The degradation preset's plain-56 sees Fashion-MNIST averaged to 14 x 14: its graph
        // states that input and the MACs reslab-cli info gives for the net the run trains.
        QTemporaryDir dir;
        reslab::TrainConfig t;
        t.dataset = "synthetic"; // 28 x 28, averaged to 14 x 14 like Fashion-MNIST in the preset
        t.downsample = 2;
        reslab::RunConfig config = reslab::preset_runs("degradation", t, false)[1];
        config.train.dataset = "synthetic";
        QCOMPARE(QString::fromStdString(config.name), QStringLiteral("plain56"));
        const QString folder = dir.filePath(QStringLiteral("plain56"));
        QDir().mkpath(folder);
        QFile spec(folder + QStringLiteral("/spec.json"));
        QVERIFY(spec.open(QIODevice::WriteOnly));
        spec.write(QByteArray::fromStdString(reslab::to_json(config)));
        spec.close();
        MainWindow window;
        window.setRunsFolder(dir.path());
        QVERIFY(window.openRunFolder(folder));
        const reslab::NetGraph& shown = window.graphView()->shownGraph();
        QCOMPARE(shown.input_shape, (std::vector<int64_t>{1, 14, 14}));
        const QJsonObject info =
            QJsonDocument::fromJson(runProcess(QStringLiteral(RESLAB_CLI),
                                               {QStringLiteral("info"), QStringLiteral("--run"),
                                                folder, QStringLiteral("--json")}))
                .object();
        QCOMPARE(info.value(QStringLiteral("input")).toArray(), (QJsonArray{1, 14, 14}));
        QCOMPARE(static_cast<qint64>(shown.macs), info.value(QStringLiteral("macs")).toInteger());
        QCOMPARE(static_cast<qint64>(shown.params),
                 info.value(QStringLiteral("params")).toInteger());
        // A quarter of what the same net costs at 28 x 28, as the arithmetic of its layers says.
        const QJsonObject at28 =
            QJsonDocument::fromJson(runProcess(QStringLiteral(RESLAB_CLI),
                                               {QStringLiteral("info"), QStringLiteral("--run"),
                                                folder, QStringLiteral("--input-size"),
                                                QStringLiteral("28"), QStringLiteral("--json")}))
                .object();
        const double ratio = at28.value(QStringLiteral("macs")).toDouble() /
                             info.value(QStringLiteral("macs")).toDouble();
        QVERIFY2(ratio > 3.5 && ratio < 4.5, qPrintable(QString::number(ratio)));
    }

    void windowOpensTheGraph() {
        QTemporaryDir runs;
        MainWindow window;
        window.setRunsFolder(runs.path());
        ViewRequest request;
        request.view = QStringLiteral("graph");
        request.arch = QStringLiteral("plain56");
        request.twin = true;
        request.layer = QStringLiteral("layer2.0.conv1");
        QString error;
        QVERIFY2(window.applyViewRequest(request, &error), qPrintable(error));
        QCOMPARE(window.graphView()->graph()->graph().title, QStringLiteral("plain56"));
        QCOMPARE(window.graphView()->twinGraph()->graph().title, QStringLiteral("resnet56"));
        QCOMPARE(window.graphView()->graph()->selectedName(), QStringLiteral("layer2.0.conv1"));
        // An unknown net: a clear error naming the known ones, and the graph shown stays.
        request.arch = QStringLiteral("resnet7");
        QVERIFY(!window.applyViewRequest(request, &error));
        QVERIFY2(error.contains(QLatin1String("resnet7")) &&
                     error.contains(QLatin1String("resnet1202")) &&
                     error.contains(QLatin1String("plain56")),
                 qPrintable(error));
        QCOMPARE(window.graphView()->graph()->graph().title, QStringLiteral("plain56"));
    }
};

QTEST_MAIN(TestBlockGraph)
#include "test_blockgraph.moc"

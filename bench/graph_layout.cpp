// How fast the block graph is for the deepest nets: the time to describe ResNet-152 and
// ResNet-1202 (follow the shapes through the spec), to lay the graph out (stages closed, stages
// open, everything open), and the frame times of pans and zooms painted into an image the size of a
// window. Prints figures; asserts nothing about time.
#include <algorithm>
#include <cstdio>
#include <vector>

#include <QApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QPainter>

#include "blockgraph.h"
#include "graphview.h"
#include "timestats.h"

namespace {

constexpr int kFrames = 120; // per gesture

/// Paints the widget once into an image, as a repaint would; returns milliseconds.
double frame(BlockGraph& graph, QImage& image) {
    QElapsedTimer t;
    t.start();
    image.fill(Qt::white);
    QPainter p(&image);
    graph.render(&p);
    p.end();
    return t.nsecsElapsed() / 1e6;
}

void gestures(BlockGraph& graph, const char* state) {
    QImage image(graph.size(), QImage::Format_ARGB32_Premultiplied);
    // Pan: drag down the net 40 pixels a frame.
    std::vector<double> pan;
    graph.fitWidth();
    for (int i = 0; i < kFrames; ++i) {
        graph.setView(graph.zoom(), graph.origin() + QPointF(0, 40 / graph.zoom()));
        pan.push_back(frame(graph, image));
    }
    // Zoom: out to the whole net and back, around the middle of the view.
    std::vector<double> zoom;
    const QPointF mid(graph.width() / 2.0, graph.height() / 2.0);
    for (int i = 0; i < kFrames; ++i) {
        graph.zoomBy(i < kFrames / 2 ? 0.93 : 1.0 / 0.93, mid);
        zoom.push_back(frame(graph, image));
    }
    const TimeStats p = timeStats(pan), z = timeStats(zoom);
    std::printf("    %-16s pan  frame median %6.2f ms, p95 %6.2f ms, max %6.2f ms\n", state,
                p.median, p.p95, p.max);
    std::printf("    %-16s zoom frame median %6.2f ms, p95 %6.2f ms, max %6.2f ms\n", state,
                z.median, z.p95, z.max);
}

} // namespace

int main(int argc, char* argv[]) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    std::printf("block graph: layout and frame times (window 1100x800)\n");
    for (const char* arch : {"resnet152", "resnet1202"}) {
        const auto spec = reslab::named_spec(arch);
        QElapsedTimer t;
        t.start();
        const auto described = GraphView::describeSpec(spec, GraphView::naturalInputSize(spec));
        const double describeMs = t.nsecsElapsed() / 1e6;
        t.restart();
        const BlockGraphData data = GraphView::toBlockGraphData(described);
        const double convertMs = t.nsecsElapsed() / 1e6;

        BlockGraph graph;
        graph.resize(1100, 800);
        graph.show();
        t.restart();
        graph.setGraph(data);
        const double setMs = t.nsecsElapsed() / 1e6;
        std::printf("%s: %d nodes, %d blocks\n", arch, static_cast<int>(data.nodes.size()),
                    data.blockCount());
        std::printf("    describe the net          %8.1f ms (once per net, then cached)\n",
                    describeMs);
        std::printf("    NetGraph -> widget data   %8.2f ms\n", convertMs);
        std::printf("    setGraph (layout inside)  %8.2f ms\n", setMs);

        struct State {
            const char* name;
            int mode; // 0 stages closed, 1 stages open, 2 all open
        };
        for (const State s :
             {State{"stages closed", 0}, State{"stages open", 1}, State{"all open", 2}}) {
            graph.setAllExpanded(false);
            if (s.mode == 1)
                for (const auto& n : data.nodes)
                    if (n.level == BlockGraphNode::Level::Stage)
                        graph.setExpanded(n.name, true);
            if (s.mode == 2)
                graph.setAllExpanded(true);
            std::printf("  %s: layout %.2f ms (%d boxes, %.0f px tall at zoom 1)\n", s.name,
                        graph.lastLayoutMs(), static_cast<int>(graph.layout().boxes.size()),
                        graph.layout().bounds.height());
            gestures(graph, s.name);
        }
    }
    return 0;
}

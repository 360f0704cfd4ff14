#include "graph_json.h"

#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

namespace reslab {
namespace {

nlohmann::json node_json(const NetGraph& graph, int index) {
    const GraphNode& n = graph.nodes[index];
    nlohmann::json j = {
        {"name", n.name}, {"kind", n.kind},     {"shape", n.shape},           {"params", n.params},
        {"macs", n.macs}, {"detail", n.detail}, {"level", to_string(n.level)}};
    if (n.parent >= 0)
        j["parent"] = graph.nodes[n.parent].name;
    if (n.shortcut)
        j["shortcut"] = true;
    return j;
}

std::string shape_text(const std::vector<int64_t>& shape) {
    std::string s;
    for (size_t i = 0; i < shape.size(); ++i)
        s += (i ? "x" : "") + std::to_string(shape[i]);
    return s;
}

std::string grouped(int64_t value) {
    std::string digits = std::to_string(value);
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
        digits.insert(static_cast<size_t>(i), ",");
    return digits;
}

} // namespace

std::string graph_to_json(const NetGraph& graph, int indent) {
    nlohmann::json j;
    j["arch"] = graph.arch;
    j["residual"] = graph.residual;
    j["input"] = graph.input_shape;
    j["params"] = graph.params;
    j["macs"] = graph.macs;
    nlohmann::json layers = nlohmann::json::array();
    for (int i : graph.layers())
        layers.push_back(node_json(graph, i));
    j["layers"] = std::move(layers);
    nlohmann::json nodes = nlohmann::json::array();
    for (size_t i = 0; i < graph.nodes.size(); ++i)
        nodes.push_back(node_json(graph, static_cast<int>(i)));
    j["nodes"] = std::move(nodes);
    nlohmann::json edges = nlohmann::json::array();
    for (const auto& e : graph.edges)
        edges.push_back({{"from", graph.nodes[e.from].name},
                         {"to", graph.nodes[e.to].name},
                         {"kind", to_string(e.kind)},
                         {"shape", e.shape}});
    j["edges"] = std::move(edges);
    return j.dump(indent);
}

std::string graph_to_table(const NetGraph& graph) {
    std::ostringstream out;
    char line[256];
    out << graph.arch << " (" << (graph.residual ? "residual" : "plain") << "), input "
        << shape_text(graph.input_shape) << "\n";
    std::snprintf(line, sizeof line, "%-28s %-8s %-14s %12s %16s\n", "layer", "kind", "output",
                  "params", "MACs");
    out << line;
    for (int i : graph.layers()) {
        const GraphNode& n = graph.nodes[i];
        std::snprintf(line, sizeof line, "%-28s %-8s %-14s %12s %16s\n", n.name.c_str(),
                      n.kind.c_str(), shape_text(n.shape).c_str(), grouped(n.params).c_str(),
                      grouped(n.macs).c_str());
        out << line;
    }
    std::snprintf(line, sizeof line, "%-28s %-8s %-14s %12s %16s\n", "total", "", "",
                  grouped(graph.params).c_str(), grouped(graph.macs).c_str());
    out << line;
    std::snprintf(line, sizeof line, "%.3f M parameters, %.3f G multiply-accumulates per image\n",
                  graph.params / 1e6, graph.macs / 1e9);
    out << line;
    return out.str();
}

} // namespace reslab

#pragma once

#include <string>

#include "inspect/netgraph.h"

namespace reslab {

/// A NetGraph as one JSON object: arch, residual, input, params, macs, a "layers" array (the
/// layer-level nodes in the order they run), "nodes" (all of them, with level and parent) and
/// "edges". indent < 0 gives one line.
std::string graph_to_json(const NetGraph& graph, int indent = 2);

/// The summary table that `reslab-cli info` prints: one row a layer, with totals.
std::string graph_to_table(const NetGraph& graph);

} // namespace reslab

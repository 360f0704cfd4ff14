#include "probes.h"

namespace reslab {

torch::Tensor response_std(const torch::Tensor& responses) {
    return responses.detach().to(torch::kFloat64).std(/*unbiased=*/false);
}

torch::Tensor residual_ratio(const BlockTrace& trace) {
    return trace.branch.detach().to(torch::kFloat64).norm() /
           trace.input.detach().to(torch::kFloat64).norm();
}

ProbeRecord take_probe(ResNetImpl& net, const NetTrace& trace, int64_t step) {
    ProbeRecord record;
    record.step = step;
    std::vector<torch::Tensor> values;
    for (const auto& item : net.named_parameters()) {
        const torch::Tensor& p = item.value();
        const bool conv_or_fc = (p.dim() == 4) || item.key() == "fc.weight";
        if (!conv_or_fc || !p.grad().defined())
            continue;
        record.layers.push_back(item.key());
        values.push_back(p.grad().detach().norm().to(torch::kFloat64));
    }
    for (size_t b = 0; b < trace.blocks.size(); ++b) {
        const BlockTrace& block = trace.blocks[b];
        for (size_t r = 0; r < block.responses.size(); ++r) {
            record.responses.push_back(trace.block_names[b] + "." + block.response_names[r]);
            values.push_back(response_std(block.responses[r]));
        }
    }
    for (size_t b = 0; b < trace.blocks.size(); ++b) {
        const BlockTrace& block = trace.blocks[b];
        record.blocks.push_back(trace.block_names[b]);
        values.push_back(residual_ratio(block));
    }
    if (values.empty())
        return record;
    const torch::Tensor all = torch::stack(values).cpu().contiguous();
    const double* v = all.data_ptr<double>();
    const size_t n_layers = record.layers.size(), n_resp = record.responses.size();
    record.grad_norms.assign(v, v + n_layers);
    record.response_stds.assign(v + n_layers, v + n_layers + n_resp);
    record.residual_ratios.assign(v + n_layers + n_resp, v + values.size());
    return record;
}

} // namespace reslab

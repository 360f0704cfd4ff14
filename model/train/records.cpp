#include "records.h"

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

namespace reslab {
namespace {

// ordered_json keeps fields and layer names in the order written (layers in the order they run).
using json = nlohmann::ordered_json;

// "nan", "inf" or "-inf": how a non-finite value is named in a record.
std::string nonfinite_name(double value) {
    return std::isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf");
}

double from_nonfinite_name(const std::string& name) {
    if (name == "inf")
        return std::numeric_limits<double>::infinity();
    if (name == "-inf")
        return -std::numeric_limits<double>::infinity();
    return std::numeric_limits<double>::quiet_NaN();
}

// JSON has no NaN or infinity: write null, and list the field in "nonfinite" so a reader can tell
// "not a number" from "missing".
void put(json& j, const char* key, double value) {
    if (std::isfinite(value)) {
        j[key] = value;
    } else {
        j[key] = nullptr;
        j["nonfinite"][key] = nonfinite_name(value);
    }
}

double get(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it != j.end() && it->is_number())
        return it->get<double>();
    // A "nonfinite" entry that is not a string reads as NaN, like any other unreadable value:
    // parse_json_line skips bad lines, it never throws.
    if (const auto nf = j.find("nonfinite");
        nf != j.end() && nf->is_object() && nf->contains(key) && (*nf)[key].is_string()) {
        return from_nonfinite_name((*nf)[key].get<std::string>());
    }
    return std::numeric_limits<double>::quiet_NaN();
}

// Per-layer values: a non-finite one is written as its name, so that an infinite gradient norm
// reads back as infinite (and a reader that only knows numbers sees NaN).
json named_values(const std::vector<std::string>& names, const std::vector<double>& values) {
    json j = json::object();
    for (size_t i = 0; i < names.size() && i < values.size(); ++i)
        j[names[i]] = std::isfinite(values[i]) ? json(values[i]) : json(nonfinite_name(values[i]));
    return j;
}

void read_named(const json& j, std::vector<std::string>& names, std::vector<double>& values) {
    if (!j.is_object())
        return;
    for (const auto& [key, value] : j.items()) {
        names.push_back(key);
        values.push_back(value.is_number()   ? value.get<double>()
                         : value.is_string() ? from_nonfinite_name(value.get<std::string>())
                                             : std::numeric_limits<double>::quiet_NaN());
    }
}

// The numeric fields of each record, listed once for the writer and the reader. step is apart: it
// is an integer every record has.
template <typename Record, typename Visit> void train_fields(Record& r, Visit&& v) {
    v("epoch", r.epoch);
    v("loss", r.loss);
    v("error", r.error);
    v("lr", r.lr);
    v("images_per_s", r.images_per_s);
    v("time", r.time);
}

template <typename Record, typename Visit> void eval_fields(Record& r, Visit&& v) {
    v("epoch", r.epoch);
    v("test_loss", r.test_loss);
    v("test_error", r.test_error);
    v("images", r.images);
    v("time", r.time);
}

struct Put {
    json& j;
    void operator()(const char* key, double value) { put(j, key, value); }
    void operator()(const char* key, int64_t value) { j[key] = value; }
};

struct Get {
    const json& j;
    void operator()(const char* key, double& value) { value = get(j, key); }
    void operator()(const char* key, int64_t& value) {
        const auto it = j.find(key);
        value =
            it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0; // 0: not recorded
    }
};

} // namespace

int64_t MetricRecord::step() const {
    switch (kind) {
    case Kind::Train:
        return train.step;
    case Kind::Eval:
        return eval.step;
    case Kind::Probe:
        return probe.step;
    }
    return 0;
}

std::string to_json_line(const MetricRecord& r) {
    json j;
    switch (r.kind) {
    case MetricRecord::Kind::Train:
        j["kind"] = "train";
        j["step"] = r.train.step;
        train_fields(r.train, Put{j});
        break;
    case MetricRecord::Kind::Eval:
        j["kind"] = "eval";
        j["step"] = r.eval.step;
        eval_fields(r.eval, Put{j});
        break;
    case MetricRecord::Kind::Probe:
        j["kind"] = "probe";
        j["step"] = r.probe.step;
        put(j, "time", r.probe.time);
        j["grad_norm"] = named_values(r.probe.layers, r.probe.grad_norms);
        j["response_std"] = named_values(r.probe.responses, r.probe.response_stds);
        j["residual_ratio"] = named_values(r.probe.blocks, r.probe.residual_ratios);
        break;
    }
    return j.dump();
}

std::optional<MetricRecord> parse_json_line(const std::string& line) {
    const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string() || !j.contains("step") ||
        !j["step"].is_number_integer())
        return std::nullopt;
    MetricRecord r;
    const std::string kind = j["kind"].get<std::string>();
    const int64_t step = j["step"].get<int64_t>();
    if (kind == "train") {
        r.kind = MetricRecord::Kind::Train;
        r.train.step = step;
        train_fields(r.train, Get{j});
    } else if (kind == "eval") {
        r.kind = MetricRecord::Kind::Eval;
        r.eval.step = step;
        eval_fields(r.eval, Get{j});
    } else if (kind == "probe") {
        r.kind = MetricRecord::Kind::Probe;
        r.probe.step = step;
        r.probe.time = get(j, "time");
        if (j.contains("grad_norm"))
            read_named(j["grad_norm"], r.probe.layers, r.probe.grad_norms);
        if (j.contains("response_std"))
            read_named(j["response_std"], r.probe.responses, r.probe.response_stds);
        if (j.contains("residual_ratio"))
            read_named(j["residual_ratio"], r.probe.blocks, r.probe.residual_ratios);
    } else {
        return std::nullopt;
    }
    return r;
}

} // namespace reslab

#include "config.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/version.h>

namespace reslab {
namespace {

using json = nlohmann::ordered_json;

json net_json(const ResNetSpec& s) {
    return {{"name", s.name},
            {"block", to_string(s.block)},
            {"blocks", s.blocks},
            {"widths", s.widths},
            {"stem", to_string(s.stem)},
            {"stem_width", s.stem_width},
            {"shortcut", to_string(s.shortcut)},
            {"residual", s.residual},
            {"in_channels", s.in_channels},
            {"classes", s.classes},
            {"zero_init_residual", s.zero_init_residual},
            {"input_size", s.input_size}};
}

template <typename T> struct IsVector : std::false_type {};
template <typename U> struct IsVector<std::vector<U>> : std::true_type {};

template <typename T> bool integer_fits(const json& v) {
    using Limits = std::numeric_limits<T>;
    if (v.is_number_unsigned())
        return v.get<uint64_t>() <= static_cast<uint64_t>(Limits::max());
    const int64_t i = v.get<int64_t>();
    if constexpr (std::is_signed_v<T>)
        return i >= static_cast<int64_t>(Limits::min()) && i <= static_cast<int64_t>(Limits::max());
    else
        return i >= 0 && static_cast<uint64_t>(i) <= static_cast<uint64_t>(Limits::max());
}

// nlohmann converts a float to an integer with a plain cast, which is undefined behaviour out of
// range ("steps": 1e300): an integer field, or an element of one, takes only integers that fit.
template <typename T> bool convertible(const json& v) {
    if constexpr (IsVector<T>::value) {
        if (!v.is_array())
            return false;
        return std::all_of(v.begin(), v.end(),
                           [](const json& item) { return convertible<typename T::value_type>(item); });
    } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        return v.is_number_integer() && integer_fits<T>(v);
    } else {
        return true; // nlohmann's own checks refuse a wrong type (json::type_error)
    }
}

template <typename T>
void read(const json& j, const char* key, T& out) {
    if (!j.contains(key))
        return; // keep the default: older files may lack newer fields
    const std::string wrong = std::string("spec.json: the field '") + key + "' has the wrong type";
    if (!convertible<T>(j.at(key)))
        throw std::runtime_error(wrong + " or is out of range");
    try {
        out = j.at(key).get<T>();
    } catch (const json::exception&) {
        throw std::runtime_error(wrong);
    }
}

ResNetSpec net_from_json(const json& j) {
    ResNetSpec s;
    read(j, "name", s.name);
    std::string text;
    read(j, "block", text);
    if (!text.empty())
        s.block = block_kind_from_string(text);
    read(j, "blocks", s.blocks);
    read(j, "widths", s.widths);
    text.clear();
    read(j, "stem", text);
    if (!text.empty())
        s.stem = stem_from_string(text);
    read(j, "stem_width", s.stem_width);
    text.clear();
    read(j, "shortcut", text);
    if (!text.empty())
        s.shortcut = shortcut_from_string(text);
    read(j, "residual", s.residual);
    read(j, "in_channels", s.in_channels);
    read(j, "classes", s.classes);
    read(j, "zero_init_residual", s.zero_init_residual);
    read(j, "input_size", s.input_size);
    return s;
}

} // namespace

std::string spec_to_json(const ResNetSpec& spec) { return net_json(spec).dump(2); }

std::string to_json(const RunConfig& c) {
    const TrainConfig& t = c.train;
    json j;
    j["name"] = c.name;
    j["arch"] = c.net.name;
    j["seed"] = t.seed;
    j["net"] = net_json(c.net);
    j["train"] = {{"dataset", t.dataset},
                  {"data_dir", t.data_dir},
                  {"downsample", t.downsample},
                  {"held_out", t.held_out},
                  {"augment_crop", t.augment_crop},
                  {"augment_flip", t.augment_flip},
                  {"synthetic_size", t.synthetic_size},
                  {"batch_size", t.batch_size},
                  {"momentum", t.momentum},
                  {"weight_decay", t.weight_decay},
                  {"nesterov", t.nesterov},
                  {"schedule", to_string(t.schedule.kind)},
                  {"lr", t.schedule.base_lr},
                  {"milestones", t.schedule.milestones},
                  {"warmup_steps", t.schedule.warmup_steps},
                  {"warmup_lr", t.schedule.warmup_lr},
                  {"steps", t.steps},
                  {"epochs", t.epochs},
                  {"record_every", t.record_every},
                  {"eval_every", t.eval_every},
                  {"probe_every", t.probe_every},
                  {"checkpoint_every", t.checkpoint_every},
                  {"seed", t.seed},
                  {"device", t.device},
                  {"threads", t.threads},
                  {"channels_last", t.channels_last},
                  {"precision", t.precision}};
    j["versions"] = {{"reslab", "0.1.0"}, {"torch", TORCH_VERSION}};
    return j.dump(2);
}

RunConfig run_config_from_json(const std::string& text) {
    const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("net") || !j.contains("train"))
        throw std::runtime_error("spec.json is not a ResLab run description (no 'net' and 'train')");
    RunConfig c;
    read(j, "name", c.name);
    c.net = net_from_json(j["net"]);
    const json& t = j["train"];
    TrainConfig& o = c.train;
    read(t, "dataset", o.dataset);
    read(t, "data_dir", o.data_dir);
    read(t, "downsample", o.downsample);
    read(t, "held_out", o.held_out);
    read(t, "augment_crop", o.augment_crop);
    read(t, "augment_flip", o.augment_flip);
    read(t, "synthetic_size", o.synthetic_size);
    read(t, "batch_size", o.batch_size);
    read(t, "momentum", o.momentum);
    read(t, "weight_decay", o.weight_decay);
    read(t, "nesterov", o.nesterov);
    std::string schedule;
    read(t, "schedule", schedule);
    if (!schedule.empty())
        o.schedule.kind = schedule_kind_from_string(schedule);
    read(t, "lr", o.schedule.base_lr);
    read(t, "milestones", o.schedule.milestones);
    read(t, "warmup_steps", o.schedule.warmup_steps);
    read(t, "warmup_lr", o.schedule.warmup_lr);
    read(t, "steps", o.steps);
    read(t, "epochs", o.epochs);
    read(t, "record_every", o.record_every);
    read(t, "eval_every", o.eval_every);
    read(t, "probe_every", o.probe_every);
    read(t, "checkpoint_every", o.checkpoint_every);
    read(t, "seed", o.seed);
    read(t, "device", o.device);
    read(t, "threads", o.threads);
    read(t, "channels_last", o.channels_last);
    read(t, "precision", o.precision);
    return c;
}

} // namespace reslab

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

/// The range a number read from a file must lie in; sizes are bounded so that a damaged or hostile
/// spec.json ("blocks": [1000000000]) is refused with its field's name before anything is built.
struct Bounds {
    double low = std::numeric_limits<double>::lowest();
    double high = std::numeric_limits<double>::max();
    size_t max_items = 4096; // of a list
};
constexpr Bounds kAny{};
constexpr Bounds kCount{0, 1e9};               // steps, intervals
constexpr size_t kMaxStages = 16;              // the paper's nets have 3 or 4
constexpr Bounds kWidth{1, 16384, kMaxStages}; // channels of a layer, per stage
constexpr Bounds kBlocks{0, 2000, kMaxStages}; // blocks of a stage (resnet1202 has 200)
constexpr Bounds kThreads{0, 1024};

// The fields of each struct, listed once: the writer and the reader both walk these lists, so a
// field cannot be written under one name and read under another, or be forgotten by one side.
template <typename Spec, typename Visit> void net_fields(Spec& s, Visit&& v) {
    v("name", s.name, kAny);
    v("block", s.block, kAny);
    v("blocks", s.blocks, kBlocks);
    v("widths", s.widths, kWidth);
    v("stem", s.stem, kAny);
    v("stem_width", s.stem_width, kWidth);
    v("shortcut", s.shortcut, kAny);
    v("residual", s.residual, kAny);
    v("in_channels", s.in_channels, Bounds{1, 4});
    v("classes", s.classes, Bounds{1, 100000});
    v("zero_init_residual", s.zero_init_residual, kAny);
    v("input_size", s.input_size, Bounds{1, 8192});
}

template <typename Train, typename Visit> void train_fields(Train& t, Visit&& v) {
    v("dataset", t.dataset, kAny);
    v("data_dir", t.data_dir, kAny);
    v("downsample", t.downsample, Bounds{1, 64});
    v("held_out", t.held_out, kAny);
    v("augment_crop", t.augment_crop, kAny);
    v("augment_flip", t.augment_flip, kAny);
    v("synthetic_size", t.synthetic_size, Bounds{1, 1e7});
    v("batch_size", t.batch_size, Bounds{1, 65536});
    v("momentum", t.momentum, Bounds{0, 1});
    v("weight_decay", t.weight_decay, Bounds{0, 1e6});
    v("nesterov", t.nesterov, kAny);
    v("schedule", t.schedule.kind, kAny);
    v("lr", t.schedule.base_lr, Bounds{0, 1e12}); // a huge rate only diverges, which a run handles
    v("milestones", t.schedule.milestones, kCount);
    v("warmup_steps", t.schedule.warmup_steps, kCount);
    v("warmup_lr", t.schedule.warmup_lr, Bounds{-1, 1e12});
    v("steps", t.steps, kCount);
    v("epochs", t.epochs, Bounds{0, 1e6});
    v("record_every", t.record_every, Bounds{1, 1e9});
    v("eval_every", t.eval_every, kCount);
    v("eval_subset", t.eval_subset, kCount);
    v("probe_every", t.probe_every, kCount);
    v("checkpoint_every", t.checkpoint_every, kCount);
    v("snapshots", t.snapshots, Bounds{0, 1000});
    v("seed", t.seed, kAny);
    v("device", t.device, kAny);
    v("threads", t.threads, kThreads);
    v("parallel_runs", t.parallel_runs, kThreads);
    v("channels_last", t.channels_last, kAny);
    v("precision", t.precision, kAny);
}

// Enumerations travel as their names.
template <typename T> struct IsEnumName : std::false_type {};
template <> struct IsEnumName<BlockKind> : std::true_type {};
template <> struct IsEnumName<Stem> : std::true_type {};
template <> struct IsEnumName<Shortcut> : std::true_type {};
template <> struct IsEnumName<Schedule::Kind> : std::true_type {};

void from_name(const std::string& text, BlockKind& out) {
    out = block_kind_from_string(text);
}
void from_name(const std::string& text, Stem& out) {
    out = stem_from_string(text);
}
void from_name(const std::string& text, Shortcut& out) {
    out = shortcut_from_string(text);
}
void from_name(const std::string& text, Schedule::Kind& out) {
    out = schedule_kind_from_string(text);
}

struct Writer {
    json& j;
    template <typename T> void operator()(const char* key, const T& value, Bounds) {
        if constexpr (IsEnumName<T>::value)
            j[key] = to_string(value);
        else
            j[key] = value;
    }
};

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
        return std::all_of(v.begin(), v.end(), [](const json& item) {
            return convertible<typename T::value_type>(item);
        });
    } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        return v.is_number_integer() && integer_fits<T>(v);
    } else {
        return true; // nlohmann's own checks refuse a wrong type (json::type_error)
    }
}

template <typename T> bool within(const T& value, Bounds b) {
    if constexpr (IsVector<T>::value) {
        return std::all_of(value.begin(), value.end(),
                           [&](const auto& item) { return within(item, b); });
    } else if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
        const double x = static_cast<double>(value);
        return x >= b.low && x <= b.high; // false for NaN too
    } else {
        return true;
    }
}

/// What a field of type T holds, for messages.
template <typename T> std::string wanted() {
    if constexpr (IsVector<T>::value)
        return std::is_integral_v<typename T::value_type> ? "a list of whole numbers"
                                                          : "a list of numbers";
    else if constexpr (std::is_same_v<T, bool>)
        return "true or false";
    else if constexpr (std::is_integral_v<T>)
        return "a whole number";
    else if constexpr (std::is_arithmetic_v<T>)
        return "a number";
    else
        return "a string";
}

/// A field's value as the file has it, cut short: a message quotes it, never a whole file.
std::string quoted_value(const json& value) {
    std::string text = value.dump();
    if (text.size() > 60)
        text = text.substr(0, 57) + "...";
    return text;
}

/// Reads the fields of spec.json. A message names the field, its value and what it must be;
/// the caller adds the file.
struct Reader {
    const json& j;
    template <typename T> void operator()(const char* key, T& out, Bounds bounds) {
        if (!j.contains(key))
            return; // keep the default: older files may lack newer fields
        const std::string field = std::string("the field '") + key + "'";
        if constexpr (IsEnumName<T>::value) {
            std::string text;
            (*this)(key, text, kAny);
            if (!text.empty())
                from_name(text, out);
        } else {
            if constexpr (IsVector<T>::value)
                if (j.at(key).is_array() && j.at(key).size() > bounds.max_items)
                    throw std::runtime_error(field + " lists " + std::to_string(j.at(key).size()) +
                                             " items, at most " + std::to_string(bounds.max_items));
            const std::string is =
                field + " is " + quoted_value(j.at(key)) + " where " + wanted<T>() + " is wanted";
            if (!convertible<T>(j.at(key)))
                throw std::runtime_error(is + " (or it is out of range)");
            T value;
            try {
                value = j.at(key).get<T>();
            } catch (const json::exception&) {
                throw std::runtime_error(is);
            }
            if (!within(value, bounds))
                throw std::runtime_error(field + " is out of range (" + j.at(key).dump() +
                                         "; from " + json(bounds.low).dump() + " to " +
                                         json(bounds.high).dump() + ")");
            out = std::move(value);
        }
    }
};

json net_json(const ResNetSpec& s) {
    json j = json::object();
    net_fields(s, Writer{j});
    return j;
}

ResNetSpec net_from_json(const json& j) {
    ResNetSpec s;
    if (!j.is_object())
        throw std::runtime_error("'net' is not an object");
    net_fields(s, Reader{j});
    // Each field in its bounds can still make a net that does not fit (widths 4096 and 2000
    // blocks a stage: 10^12 weights); said here, where the message names the spec.json.
    if (const std::string fault = spec_fault(s); !fault.empty())
        throw std::runtime_error("'net': " + fault);
    return s;
}

} // namespace

std::string spec_to_json(const ResNetSpec& spec) {
    return net_json(spec).dump(2);
}

std::string to_json(const RunConfig& c) {
    json j;
    j["name"] = c.name;
    j["arch"] = c.net.name;
    j["seed"] = c.train.seed;
    j["net"] = net_json(c.net);
    json train = json::object();
    train_fields(c.train, Writer{train});
    j["train"] = train;
    if (c.world_size > 1 || c.sync_bn)
        j["distributed"] = {
            {"world_size", c.world_size}, {"backend", "gloo"}, {"sync_bn", c.sync_bn}};
    j["versions"] = {{"reslab", RESLAB_VERSION}, {"torch", TORCH_VERSION}};
    return j.dump(2);
}

RunConfig run_config_from_json(const std::string& text) {
    const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("net") || !j.contains("train"))
        throw std::runtime_error(
            "spec.json is not a ResLab run description (no 'net' and 'train')");
    RunConfig c;
    Reader{j}("name", c.name, kAny);
    c.net = net_from_json(j["net"]);
    if (!j["train"].is_object())
        throw std::runtime_error("'train' is not an object");
    train_fields(c.train, Reader{j["train"]});
    // Names checked here, where a spec.json is named with the fault, rather than at training.
    if (c.train.precision != "float32" && c.train.precision != "bfloat16")
        throw std::runtime_error("the field 'precision' is " +
                                 quoted_value(j["train"]["precision"]) +
                                 " where float32 or bfloat16 is wanted");
    if (c.train.device != "cpu" && c.train.device.rfind("cuda", 0) != 0)
        throw std::runtime_error("the field 'device' is " + quoted_value(j["train"]["device"]) +
                                 " where cpu or cuda is wanted");
    if (j.contains("distributed")) {
        if (!j["distributed"].is_object())
            throw std::runtime_error("'distributed' is not an object");
        Reader{j["distributed"]}("world_size", c.world_size, Bounds{1, 1 << 20});
        Reader{j["distributed"]}("sync_bn", c.sync_bn, kAny);
    }
    return c;
}

} // namespace reslab

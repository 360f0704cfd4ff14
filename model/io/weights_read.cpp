// Reading weights: torch.save's zip archives and its legacy format, checked against the file
// before anything is allocated from what it declares, and unpickled without running any code.
#include "weights.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/versions.h>

#include "filecheck.h"
#include "pickle.h"
#include "train/devices.h"
#include "weights_detail.h"

namespace reslab {

namespace {

using pickle::Value;
using Kind = pickle::Value::Kind;
using weights_detail::gist;
using weights_detail::quoted;
using weights_detail::starts_with;

// The first pickle of a legacy torch.save stream is this number (torch/serialization.py).
const std::string kLegacyMagic("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 10);
constexpr int64_t kLegacyProtocolVersion = 1001;
// A central directory larger than this would describe hundreds of thousands of records.
constexpr uint64_t kMaxCentralDirectory = uint64_t{64} << 20;
// Deflate cannot compress better than about 1032:1; a record that claims more is lying.
constexpr uint64_t kMaxDeflateRatio = 1032;
uint64_t le(const uint8_t* p, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i)
        v |= static_cast<uint64_t>(p[i]) << (8 * i);
    return v;
}

// LibTorch's zip reader, fed from the file we opened and checked, not from the path again (which
// another process could have swapped for a pipe since).
class OpenFileAdapter : public caffe2::serialize::ReadAdapterInterface {
public:
    explicit OpenFileAdapter(const OpenFile& file) : m_file(file) {}
    size_t size() const override { return static_cast<size_t>(m_file.size()); }
    size_t read(uint64_t pos, void* buf, size_t n, const char* /*what*/) const override {
        const std::vector<uint8_t> bytes = m_file.read_at(pos, n);
        std::memcpy(buf, bytes.data(), bytes.size());
        return bytes.size();
    }

private:
    const OpenFile& m_file;
};

struct ZipEntry {
    uint16_t flags = 0;
    uint16_t method = 0;
    uint64_t compressed = 0;
    uint64_t size = 0;
    uint64_t local_header = 0;
    bool folder = false; // miniz then extracts nothing and hands back an unwritten buffer
};

// The zip's central directory, read by us before miniz sees the file: it lets every record's
// sizes be checked against the file, so no damaged size turns into a huge allocation.
struct ZipIndex {
    std::string prefix; // "archive/": torch puts every record in one folder, named by the first
    std::unordered_map<std::string, ZipEntry> entries;
};

ZipIndex scan_zip(const OpenFile& in, uint64_t file_size, const std::string& path) {
    const std::string truncated = quoted(path) + " is truncated: ";
    const std::string damaged = quoted(path) + " is damaged: ";
    // The end-of-central-directory record: 22 bytes plus a comment of up to 65535.
    const uint64_t tail_size = std::min<uint64_t>(file_size, 22 + 65535);
    const uint64_t tail_start = file_size - tail_size;
    const std::vector<uint8_t> tail = in.read_at(tail_start, tail_size);
    if (tail.size() != tail_size)
        throw WeightsError(quoted(path) + " cannot be read");
    size_t eocd = std::string::npos;
    for (size_t i = tail.size() >= 22 ? tail.size() - 22 + 1 : 0; i-- > 0;) {
        if (le(&tail[i], 4) == 0x06054b50) {
            eocd = i;
            break;
        }
    }
    if (eocd == std::string::npos)
        throw WeightsError(truncated + "the zip archive has no central directory at its end");
    uint64_t count = le(&tail[eocd + 10], 2);
    uint64_t cd_size = le(&tail[eocd + 12], 4);
    uint64_t cd_offset = le(&tail[eocd + 16], 4);
    // torch always writes the zip64 records; they sit right before the classic one.
    const uint64_t eocd_at = tail_start + eocd;
    if (eocd_at >= 20) {
        const auto locator = in.read_at(eocd_at - 20, 20);
        if (locator.size() == 20 && le(locator.data(), 4) == 0x07064b50) {
            const uint64_t z64_at = le(&locator[8], 8);
            const auto z64 = z64_at <= file_size ? in.read_at(z64_at, 56) : std::vector<uint8_t>{};
            if (z64.size() != 56 || le(z64.data(), 4) != 0x06064b50)
                throw WeightsError(damaged + "its zip64 directory record is missing");
            count = le(&z64[32], 8);
            cd_size = le(&z64[40], 8);
            cd_offset = le(&z64[48], 8);
        }
    }
    if (cd_offset > file_size || cd_size > file_size - cd_offset)
        throw WeightsError(truncated + "its zip central directory lies beyond the end of the file");
    if (cd_size > kMaxCentralDirectory || count > cd_size / 46)
        throw WeightsError(damaged + "its zip central directory is implausibly large");

    const std::vector<uint8_t> cd = in.read_at(cd_offset, cd_size);
    if (cd.size() != cd_size)
        throw WeightsError(quoted(path) + " cannot be read");
    ZipIndex index;
    std::unordered_set<std::string> folded_names;
    size_t at = 0;
    for (uint64_t i = 0; i < count; ++i) {
        if (cd.size() - at < 46 || le(&cd[at], 4) != 0x02014b50)
            throw WeightsError(damaged + "its zip central directory is corrupt");
        ZipEntry e;
        e.flags = static_cast<uint16_t>(le(&cd[at + 8], 2));
        e.method = static_cast<uint16_t>(le(&cd[at + 10], 2));
        e.compressed = le(&cd[at + 20], 4);
        e.size = le(&cd[at + 24], 4);
        const size_t name_len = le(&cd[at + 28], 2);
        const size_t extra_len = le(&cd[at + 30], 2);
        const size_t comment_len = le(&cd[at + 32], 2);
        e.local_header = le(&cd[at + 42], 4);
        // miniz's test: the MS-DOS folder attribute, whatever system wrote the archive.
        e.folder = (le(&cd[at + 38], 4) & 0x10) != 0;
        if (cd.size() - at - 46 < name_len + extra_len + comment_len)
            throw WeightsError(damaged + "its zip central directory is corrupt");
        std::string name(reinterpret_cast<const char*>(&cd[at + 46]), name_len);
        e.folder = e.folder || (!name.empty() && name.back() == '/');
        // Sizes that do not fit 32 bits are in the zip64 extra field, in this order.
        const uint8_t* extra = &cd[at + 46 + name_len];
        for (size_t x = 0; x + 4 <= extra_len;) {
            const uint64_t id = le(extra + x, 2);
            const size_t len = le(extra + x + 2, 2);
            if (x + 4 + len > extra_len)
                break;
            if (id == 0x0001) {
                size_t f = x + 4;
                for (uint64_t* field : {&e.size, &e.compressed, &e.local_header}) {
                    if (*field != 0xffffffffu)
                        continue;
                    if (f + 8 > x + 4 + len)
                        throw WeightsError(damaged + "its zip64 sizes are missing");
                    *field = le(extra + f, 8);
                    f += 8;
                }
            }
            x += 4 + len;
        }
        if (i == 0) {
            const size_t slash = name.find('/');
            if (slash != std::string::npos)
                index.prefix = name.substr(0, slash + 1);
        }
        // miniz looks a name up by binary search, ignoring case: with two records of one name,
        // it might read another than the one checked here.
        std::string folded = name;
        std::transform(folded.begin(), folded.end(), folded.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (!folded_names.insert(std::move(folded)).second)
            throw WeightsError(damaged + "its zip archive holds two records named '" + name + "'");
        index.entries.emplace(std::move(name), e);
        at += 46 + name_len + extra_len + comment_len;
    }
    if (index.prefix.empty())
        throw WeightsError(quoted(path) +
                           " is not a PyTorch weights file: a zip archive without torch's folder");
    return index;
}

// Checks that a record's data lies inside the file and that its size is plausible; returns its
// uncompressed size.
uint64_t check_record(const OpenFile& in,
                      uint64_t file_size,
                      const ZipIndex& index,
                      const std::string& record,
                      const std::string& path,
                      uint64_t* data_offset = nullptr,
                      bool* deflated = nullptr) {
    auto it = index.entries.find(index.prefix + record);
    if (it == index.entries.end())
        throw WeightsError(quoted(path) + " is damaged: it has no record '" + record + "'");
    const ZipEntry& e = it->second;
    const auto header =
        e.local_header <= file_size ? in.read_at(e.local_header, 30) : std::vector<uint8_t>{};
    if (header.size() != 30 || le(header.data(), 4) != 0x04034b50)
        throw WeightsError(quoted(path) + " is damaged: the zip header of '" + record +
                           "' is missing");
    const uint64_t data_at = e.local_header + 30 + le(&header[26], 2) + le(&header[28], 2);
    if (data_at > file_size || e.compressed > file_size - data_at)
        throw WeightsError(quoted(path) + " is truncated: record '" + record +
                           "' runs past the end of the file");
    // miniz returns an unwritten buffer for a folder, and for a record of no compressed bytes.
    if (e.folder)
        throw WeightsError(quoted(path) + " is damaged: record '" + record +
                           "' is marked as a folder");
    // Encrypted (bits 0 and 6) and patch data (bit 5), which miniz refuses to extract.
    if (e.flags & 0x61)
        throw WeightsError(quoted(path) + " is damaged: record '" + record +
                           "' is marked as encrypted or as patch data");
    if (e.method == 0
            ? e.size != e.compressed
            : e.method != 8 || e.compressed == 0 || e.size / kMaxDeflateRatio > e.compressed)
        throw WeightsError(quoted(path) + " is damaged: record '" + record +
                           "' has implausible sizes or an unknown compression");
    if (data_offset)
        *data_offset = data_at;
    if (deflated)
        *deflated = e.method == 8;
    return e.size;
}

// Checks the format version the way PyTorchStreamReader's constructor does, before it runs: a
// constructor that throws after miniz opened the archive never closes it, and leaks miniz's state
// (LibTorch 1.13), so every fault it could find there must be found here first.
void check_version(const OpenFile& in,
                   uint64_t file_size,
                   const ZipIndex& index,
                   const std::string& path) {
    const std::string record =
        index.entries.count(index.prefix + ".data/version") ? ".data/version" : "version";
    uint64_t data_at = 0;
    const uint64_t size = check_record(in, file_size, index, record, path, &data_at);
    // torch.save stores every record uncompressed; the version is a short decimal line.
    if (index.entries.at(index.prefix + record).method != 0 || size == 0 || size > 32)
        throw WeightsError(quoted(path) + " is damaged: its record '" + record +
                           "' is not a stored version number");
    const std::vector<uint8_t> bytes = in.read_at(data_at, size);
    std::string text(bytes.begin(), bytes.end());
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.pop_back();
    if (text.empty() || text.size() > 19 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        throw WeightsError(quoted(path) + " is damaged: its record '" + record +
                           "' is not a version number");
    const uint64_t version = std::stoull(text);
    if (version < caffe2::serialize::kMinSupportedFileFormatVersion ||
        version > caffe2::serialize::kMaxSupportedFileFormatVersion)
        throw WeightsError(quoted(path) + " has file format version " + std::to_string(version) +
                           "; this LibTorch reads versions " +
                           std::to_string(caffe2::serialize::kMinSupportedFileFormatVersion) +
                           " to " +
                           std::to_string(caffe2::serialize::kMaxSupportedFileFormatVersion));
}

// The element count and dtype a persistent id ('storage', StorageType, key, location, numel...)
// names.
struct StorageId {
    torch::ScalarType dtype;
    std::string key;
    int64_t numel;
};

StorageId parse_storage_id(const Value& pid, size_t min_items, size_t max_items) {
    if (!pid.is(Kind::Tuple) || pid.items.size() < min_items || pid.items.size() > max_items ||
        !pid.items[0]->is(Kind::String) || pid.items[0]->text != "storage")
        throw pickle::PickleError("a persistent id that is not a storage");
    const Value& type = *pid.items[1];
    const Value& key = *pid.items[2];
    const Value& numel = *pid.items[4];
    if (!type.is(Kind::Global) || !pickle::storage_dtype(type.text))
        throw pickle::PickleError("a storage of unknown type " + type.type_name());
    if (!key.is(Kind::String) || !pid.items[3]->is(Kind::String) || !numel.is(Kind::Int) ||
        numel.integer < 0)
        throw pickle::PickleError("a malformed storage id");
    // The location (e.g. "cuda:0") is ignored: everything is read to the CPU.
    return {*pickle::storage_dtype(type.text), key.text, numel.integer};
}

std::shared_ptr<pickle::Storage> new_storage(const StorageId& id) {
    auto s = std::make_shared<pickle::Storage>();
    s->key = id.key;
    s->dtype = id.dtype;
    s->numel = id.numel;
    return s;
}

pickle::ValuePtr
load_zip(const std::string& path, const OpenFile& in, uint64_t file_size, uint64_t max_inflated) {
    const ZipIndex index = scan_zip(in, file_size, path);
    check_version(in, file_size, index, path);
    // What the compressed records inflate to, counted before each is inflated.
    uint64_t inflated = 0;
    auto count = [&](const std::string& record, uint64_t size, bool deflated) {
        if (!deflated)
            return; // stored: its bytes are in the file already
        inflated += size;
        if (inflated > max_inflated)
            throw WeightsError(quoted(path) +
                               " is refused: its compressed records inflate to more " + "than " +
                               std::to_string(max_inflated >> 20) + " MiB (at '" + record +
                               "'), more than a weights file is read into here " +
                               "(torch.save compresses nothing: a decompression bomb?)");
    };
    bool deflated = false;
    count("data.pkl", check_record(in, file_size, index, "data.pkl", path, nullptr, &deflated),
          deflated);

    caffe2::serialize::PyTorchStreamReader reader(std::make_shared<OpenFileAdapter>(in));
    auto [pkl, pkl_size] = reader.getRecord("data.pkl");

    std::unordered_map<std::string, std::shared_ptr<pickle::Storage>> storages;
    pickle::PersistentLoader load = [&](const Value& pid) {
        const StorageId id = parse_storage_id(pid, 5, 5);
        auto found = storages.find(id.key);
        if (found != storages.end()) {
            if (found->second->dtype != id.dtype || found->second->numel != id.numel)
                throw pickle::PickleError("storage '" + id.key + "' is named with two types");
            return found->second;
        }
        const std::string record = "data/" + id.key;
        bool record_deflated = false;
        const uint64_t size =
            check_record(in, file_size, index, record, path, nullptr, &record_deflated);
        count(record, size, record_deflated);
        const auto element = static_cast<uint64_t>(c10::elementSize(id.dtype));
        if (static_cast<uint64_t>(id.numel) > size / element)
            throw WeightsError(quoted(path) + " is damaged: record '" + record + "' holds " +
                               std::to_string(size) + " bytes, too few for " +
                               std::to_string(id.numel) + " elements");
        auto [data, data_size] = reader.getRecord(record);
        if (data_size != size)
            throw WeightsError(quoted(path) + " is damaged: record '" + record +
                               "' is not the size its directory says");
        auto s = new_storage(id);
        // The tensor owns the record's buffer, so the bytes are not copied once more.
        auto owner = std::make_shared<at::DataPtr>(std::move(data));
        s->data = torch::from_blob(
            owner->get(), {id.numel}, [owner](void*) {}, torch::TensorOptions(id.dtype));
        storages.emplace(id.key, s);
        return s;
    };
    auto result = pickle::unpickle(static_cast<const uint8_t*>(pkl.get()), pkl_size, load);
    for (const auto& t : result.tensors)
        pickle::materialize(*t);
    return result.root;
}

pickle::ValuePtr load_legacy(const std::string& path, const OpenFile& in, uint64_t file_size) {
    std::vector<uint8_t> bytes = in.read_at(0, file_size);
    if (bytes.size() != file_size)
        throw WeightsError(quoted(path) + " cannot be read");
    size_t pos = 0;
    auto next = [&](const pickle::PersistentLoader& load) {
        auto result = pickle::unpickle(bytes.data() + pos, bytes.size() - pos, load);
        pos += result.consumed;
        return result;
    };

    const auto magic = next(nullptr).root;
    if (!magic->is(Kind::BigInt) || magic->text != kLegacyMagic)
        throw WeightsError(quoted(path) + " is not a PyTorch weights file: a pickle without "
                                          "torch.save's magic number");
    const auto protocol = next(nullptr).root;
    if (!protocol->is(Kind::Int) || protocol->integer != kLegacyProtocolVersion)
        throw WeightsError(quoted(path) + " is not a PyTorch weights file: unknown legacy "
                                          "protocol version");
    const auto sys_info = next(nullptr).root;
    const Value* little_endian =
        sys_info->is(Kind::Dict) ? sys_info->find("little_endian") : nullptr;
    if (little_endian && little_endian->is(Kind::Bool) && !little_endian->boolean)
        throw WeightsError(quoted(path) + " was saved on a big-endian machine, which is not "
                                          "supported");

    // Storages are named in the pickle and filled after it. Old files may name a view of a
    // storage (view_key, offset, size): it is cut from its root once the root is filled.
    struct View {
        std::shared_ptr<pickle::Storage> storage, root;
        int64_t offset;
    };
    std::unordered_map<std::string, std::shared_ptr<pickle::Storage>> roots, views;
    std::vector<View> pending_views;
    pickle::PersistentLoader load = [&](const Value& pid) {
        const StorageId id = parse_storage_id(pid, 5, 6);
        auto& root = roots[id.key];
        if (!root)
            root = new_storage(id);
        else if (root->dtype != id.dtype || root->numel != id.numel)
            throw pickle::PickleError("storage '" + id.key + "' is named with two types");
        if (pid.items.size() < 6 || pid.items[5]->is(Kind::None))
            return root;
        const Value& view = *pid.items[5];
        if (!view.is(Kind::Tuple) || view.items.size() != 3 || !view.items[0]->is(Kind::String) ||
            !view.items[1]->is(Kind::Int) || !view.items[2]->is(Kind::Int) ||
            view.items[1]->integer < 0 || view.items[2]->integer < 0 ||
            view.items[1]->integer > root->numel ||
            view.items[2]->integer > root->numel - view.items[1]->integer)
            throw pickle::PickleError("a malformed storage view");
        auto& storage = views[view.items[0]->text];
        if (!storage) {
            storage = new_storage({id.dtype, view.items[0]->text, view.items[2]->integer});
            pending_views.push_back({storage, root, view.items[1]->integer});
        }
        return storage;
    };
    auto main = next(load);
    const auto keys = next(nullptr).root;
    if (!keys->is(Kind::List))
        throw WeightsError(quoted(path) + " is damaged: its list of storages is a " +
                           keys->type_name());
    for (const auto& key : keys->items) {
        if (!key->is(Kind::String) || !roots.count(key->text))
            throw WeightsError(quoted(path) + " is damaged: it stores data for a storage its "
                                              "pickle does not name");
        auto& storage = *roots[key->text];
        if (bytes.size() - pos < 8)
            throw WeightsError(quoted(path) + " is truncated: the data of storage '" + storage.key +
                               "' is missing");
        const uint64_t count = le(&bytes[pos], 8);
        pos += 8;
        if (count != static_cast<uint64_t>(storage.numel))
            throw WeightsError(quoted(path) + " is damaged: storage '" + storage.key + "' holds " +
                               std::to_string(count) + " elements where its pickle says " +
                               std::to_string(storage.numel));
        const auto element = static_cast<uint64_t>(c10::elementSize(storage.dtype));
        if (count > (bytes.size() - pos) / element)
            throw WeightsError(quoted(path) + " is truncated: the data of storage '" + storage.key +
                               "' runs past the end of the file");
        if (storage.data.defined())
            throw WeightsError(quoted(path) + " is damaged: storage '" + storage.key +
                               "' is stored twice");
        storage.data = torch::empty({storage.numel}, torch::TensorOptions(storage.dtype));
        if (count > 0) // an empty tensor has no buffer to copy into
            std::memcpy(storage.data.data_ptr(), &bytes[pos], static_cast<size_t>(count * element));
        pos += static_cast<size_t>(count * element);
    }
    bytes = {}; // the storages hold their own copies now
    for (const auto& v : pending_views) {
        if (!v.root->data.defined())
            throw WeightsError(quoted(path) + " is truncated: storage '" + v.root->key +
                               "' has no data");
        v.storage->data = v.root->data.narrow(0, v.offset, v.storage->numel);
    }
    for (const auto& t : main.tensors)
        pickle::materialize(*t);
    return main.root;
}

} // namespace

pickle::ValuePtr read_torch_object(const std::string& path) {
    return read_torch_object(path, file_memory_budget());
}

pickle::ValuePtr read_torch_object(const std::string& path, uint64_t max_inflated) {
    // Every byte of a weights file is held in memory while it is read: no larger than the
    // memory a file may take here.
    std::optional<OpenFile> file;
    try {
        file.emplace(path, file_memory_budget(), "a weights file");
    } catch (const FileFault& e) {
        if (e.error != 0 && e.error != EFBIG)
            throw WeightsError(quoted(path) + " cannot be opened: " + std::strerror(e.error));
        throw WeightsError(quoted(path) + ": " + e.what());
    }
    const OpenFile& in = *file;
    const uint64_t file_size = in.size();
    if (file_size == 0)
        throw WeightsError(quoted(path) + " is not a PyTorch weights file: it is empty");
    const std::vector<uint8_t> head = in.read_at(0, std::min<uint64_t>(file_size, 4));

    try {
        if (head.size() == 4 && le(head.data(), 4) == 0x04034b50)
            return load_zip(path, in, file_size, max_inflated);
        if (head[0] == 0x80) // PROTO: the legacy format starts with a pickle
            return load_legacy(path, in, file_size);
    } catch (const WeightsError&) {
        throw;
    } catch (const pickle::PickleError& e) {
        const std::string what = e.what();
        if (e.truncated)
            throw WeightsError(quoted(path) + " is truncated: " + what);
        if (starts_with(what, "refusing"))
            throw WeightsError(quoted(path) + ": " + what);
        throw WeightsError(quoted(path) + " is damaged: in its pickle, " + what);
    } catch (const c10::Error& e) {
        throw WeightsError(quoted(path) + " is damaged: " + gist(e.what_without_backtrace()));
    } catch (const std::bad_alloc&) {
        throw WeightsError(quoted(path) + " is damaged: it asks for more memory than there is");
    }
    throw WeightsError(quoted(path) + " is not a PyTorch weights file: neither a zip archive "
                                      "nor a legacy torch.save stream");
}

StateDict read_state_dict(const std::string& path) {
    const pickle::ValuePtr root = read_torch_object(path);
    auto is_tensor_dict = [](const Value& v, std::string* fault) {
        if (!v.is(Kind::Dict)) {
            *fault = "a " + v.type_name();
            return false;
        }
        for (const auto& [key, value] : v.entries) {
            if (!key->is(Kind::String)) {
                *fault = "a dict with a " + key->type_name() + " key";
                return false;
            }
            if (!value->is(Kind::Tensor)) {
                *fault = "a dict whose entry '" + key->text + "' is a " + value->type_name();
                return false;
            }
        }
        return true;
    };

    std::string fault;
    const Value* dict = nullptr;
    if (is_tensor_dict(*root, &fault)) {
        dict = root.get();
    } else if (root->is(Kind::Dict)) {
        for (const char* wrapper : {"state_dict", "model"}) {
            if (const Value* inner = root->find(wrapper)) {
                std::string inner_fault;
                if (!is_tensor_dict(*inner, &inner_fault))
                    throw WeightsError(quoted(path) + " holds no state_dict: its '" + wrapper +
                                       "' entry is " + inner_fault);
                dict = inner;
                break;
            }
        }
    }
    if (!dict)
        throw WeightsError(quoted(path) +
                           " holds no state_dict: expected a dict of tensors, or "
                           "one under 'state_dict' or 'model', but found " +
                           fault);

    StateDict state;
    std::unordered_set<std::string> seen;
    for (const auto& [key, value] : dict->entries) {
        if (!seen.insert(key->text).second)
            throw WeightsError(quoted(path) + " is damaged: its state_dict names '" + key->text +
                               "' twice");
        state.emplace_back(key->text, value->tensor);
    }
    return state;
}

torch::Tensor read_tensor_file(const std::string& path) {
    const pickle::ValuePtr root = read_torch_object(path);
    if (!root->is(Kind::Tensor))
        throw WeightsError(quoted(path) + " holds a " + root->type_name() + ", not a tensor");
    return root->tensor;
}

} // namespace reslab

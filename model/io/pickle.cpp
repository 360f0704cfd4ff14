// The subset of Python's pickle that torch.save writes, read and written without running code.
// Past 500 lines because its reader and writer share the value types and the limits that keep a
// hostile file from costing memory.
#include "pickle.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_map>

namespace reslab::pickle {

namespace {

// Deeper nesting than this is no weights file; the bound also keeps every walk of the tree, and
// its destruction, from overflowing the stack.
constexpr int kMaxDepth = 100;
// Long enough for any module and name a weights file uses.
constexpr size_t kMaxLineLength = 256;
// Integers wider than 64 bits only occur as the legacy magic number (10 bytes).
constexpr size_t kMaxLongBytes = 1024;
// torch itself allows no more than this many dimensions.
constexpr size_t kMaxDims = 64;
// Values pushed and memoized, all told: a ResNet-152 state_dict needs about 20,000, and the bound
// keeps a hostile pickle (one byte per new value) from taking gigabytes.
constexpr size_t kMaxPushes = size_t{1} << 20;

using Kind = Value::Kind;

// The opcodes a weights file may use, by their names in Python's pickletools.
enum Op : uint8_t {
    MARK = '(',
    STOP = '.',
    POP = '0',
    POP_MARK = '1',
    DUP = '2',
    INT = 'I',
    BININT = 'J',
    BININT1 = 'K',
    LONG = 'L',
    BININT2 = 'M',
    NONE = 'N',
    BINPERSID = 'Q',
    REDUCE = 'R',
    BINSTRING = 'T',
    SHORT_BINSTRING = 'U',
    BINUNICODE = 'X',
    APPEND = 'a',
    BUILD = 'b',
    GLOBAL = 'c',
    DICT = 'd',
    EMPTY_DICT = '}',
    APPENDS = 'e',
    GET = 'g',
    BINGET = 'h',
    LONG_BINGET = 'j',
    LIST = 'l',
    EMPTY_LIST = ']',
    PUT = 'p',
    BINPUT = 'q',
    LONG_BINPUT = 'r',
    SETITEM = 's',
    TUPLE = 't',
    EMPTY_TUPLE = ')',
    SETITEMS = 'u',
    BINFLOAT = 'G',
    BINBYTES = 'B',
    SHORT_BINBYTES = 'C',
    PROTO = 0x80,
    NEWOBJ = 0x81,
    TUPLE1 = 0x85,
    TUPLE2 = 0x86,
    TUPLE3 = 0x87,
    NEWTRUE = 0x88,
    NEWFALSE = 0x89,
    LONG1 = 0x8a,
    LONG4 = 0x8b,
    SHORT_BINUNICODE = 0x8c,
    BINUNICODE8 = 0x8d,
    BINBYTES8 = 0x8e,
    STACK_GLOBAL = 0x93,
    MEMOIZE = 0x94,
    FRAME = 0x95,
};

// Opcodes that exist but that no weights file needs, named so the error says what was found.
const char* unsupported_name(uint8_t op) {
    switch (op) {
    case 'F':
        return "FLOAT";
    case 'P':
        return "PERSID";
    case 'S':
        return "STRING";
    case 'V':
        return "UNICODE";
    case 'i':
        return "INST";
    case 'o':
        return "OBJ";
    case 0x82:
        return "EXT1";
    case 0x83:
        return "EXT2";
    case 0x84:
        return "EXT4";
    case 0x8f:
        return "EMPTY_SET";
    case 0x90:
        return "ADDITEMS";
    case 0x91:
        return "FROZENSET";
    case 0x92:
        return "NEWOBJ_EX";
    case 0x96:
        return "BYTEARRAY8";
    case 0x97:
        return "NEXT_BUFFER";
    case 0x98:
        return "READONLY_BUFFER";
    default:
        return nullptr;
    }
}

struct StorageClass {
    const char* name;
    torch::ScalarType dtype;
};
const StorageClass kStorageClasses[] = {
    {"FloatStorage", torch::kFloat},       {"HalfStorage", torch::kHalf},
    {"BFloat16Storage", torch::kBFloat16}, {"DoubleStorage", torch::kDouble},
    {"LongStorage", torch::kLong},         {"IntStorage", torch::kInt},
    {"ByteStorage", torch::kByte},         {"BoolStorage", torch::kBool},
};

// The callables a weights file names. Storage classes are allowed too (storage_dtype), but only
// as tags inside persistent ids: calling one is refused in reduce().
const char* const kAllowedCallables[] = {
    "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
    "_codecs.encode", // protocol 2 writes bytes as _codecs.encode(str, 'latin1')
};

bool allowed_global(const std::string& name) {
    for (const char* allowed : kAllowedCallables)
        if (name == allowed)
            return true;
    return storage_dtype(name).has_value();
}

std::string hex_byte(uint8_t b) {
    const char* digits = "0123456789abcdef";
    return std::string("0x") + digits[b >> 4] + digits[b & 15];
}

// Decodes UTF-8 into Latin-1 bytes, as _codecs.encode(s, 'latin1') does; false if it cannot.
bool utf8_to_latin1(const std::string& in, std::string& out) {
    out.clear();
    for (size_t i = 0; i < in.size(); ++i) {
        auto c = static_cast<uint8_t>(in[i]);
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
        } else if ((c & 0xe0) == 0xc0 && i + 1 < in.size()) {
            auto c2 = static_cast<uint8_t>(in[i + 1]);
            if ((c2 & 0xc0) != 0x80)
                return false;
            unsigned code = ((c & 0x1fu) << 6) | (c2 & 0x3fu);
            if (code < 0x80 || code > 0xff)
                return false;
            out.push_back(static_cast<char>(code));
            ++i;
        } else {
            return false;
        }
    }
    return true;
}

class Interpreter {
public:
    Interpreter(const uint8_t* data, size_t size, const PersistentLoader& load)
        : data_(data), size_(size), load_(load) {}

    // On failure the half-built tree may hold cycles or deep chains: empty every container while
    // the registry still holds them all, so nothing leaks and no destructor recurses deeply. On
    // success the same goes for every container the root does not reach: one left on the stack
    // below the root or only in the memo may hold itself, and nothing else would ever free it.
    ~Interpreter() {
        for (const auto& c : containers_) {
            if (!done_ || !reached_.count(c.get())) {
                c->items.clear();
                c->entries.clear();
            }
        }
    }

    Unpickled run() {
        for (;;) {
            const size_t at = pos_;
            const uint8_t op = read_u8();
            if (op == STOP) {
                Unpickled result;
                result.root = pop("STOP");
                result.consumed = pos_;
                result.tensors = std::move(tensors_);
                check_depth(result.root);
                done_ = true;
                return result;
            }
            step(op, at);
        }
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw PickleError(what + " (at byte " + std::to_string(pos_) + ")");
    }

    void need(size_t n) const {
        if (n > size_ - pos_)
            throw PickleError("the data ends at byte " + std::to_string(size_) + " where " +
                                  std::to_string(n) + " more bytes should follow",
                              true);
    }
    uint8_t read_u8() {
        need(1);
        return data_[pos_++];
    }
    uint64_t read_le(size_t n) {
        need(n);
        uint64_t v = 0;
        for (size_t i = 0; i < n; ++i)
            v |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
        pos_ += n;
        return v;
    }
    std::string read_bytes(uint64_t n) {
        if (n > size_ - pos_)
            throw PickleError("a string of " + std::to_string(n) + " bytes at byte " +
                                  std::to_string(pos_) + " runs past the end of the data at byte " +
                                  std::to_string(size_),
                              true);
        std::string s(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(n));
        pos_ += static_cast<size_t>(n);
        return s;
    }
    std::string read_line() {
        for (size_t i = 0; i < kMaxLineLength && pos_ + i < size_; ++i) {
            if (data_[pos_ + i] == '\n') {
                std::string s(reinterpret_cast<const char*>(data_ + pos_), i);
                pos_ += i + 1;
                return s;
            }
        }
        if (size_ - pos_ < kMaxLineLength)
            throw PickleError("the data ends inside a text line", true);
        fail("a text line longer than " + std::to_string(kMaxLineLength) + " bytes");
    }
    int64_t read_decimal(const std::string& line) const {
        if (line.empty() || line.size() > 20)
            fail("a malformed decimal number");
        size_t i = line[0] == '-' ? 1 : 0;
        if (i == line.size())
            fail("a malformed decimal number");
        uint64_t v = 0;
        for (; i < line.size(); ++i) {
            if (line[i] < '0' || line[i] > '9')
                fail("a malformed decimal number");
            const uint64_t digit = static_cast<uint64_t>(line[i] - '0');
            if (v > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - digit) / 10)
                fail("a decimal number out of the 64-bit range");
            v = v * 10 + digit;
        }
        return line[0] == '-' ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
    }

    // The stack, with Python's marks: a pop never reaches below the innermost mark.
    size_t base() const { return marks_.empty() ? 0 : marks_.back(); }
    ValuePtr pop(const char* op) {
        if (stack_.size() <= base())
            fail(std::string(op) + " finds the stack empty");
        ValuePtr v = std::move(stack_.back());
        stack_.pop_back();
        return v;
    }
    ValuePtr& top(const char* op) {
        if (stack_.size() <= base())
            fail(std::string(op) + " finds the stack empty");
        return stack_.back();
    }
    std::vector<ValuePtr> pop_mark(const char* op) {
        if (marks_.empty())
            fail(std::string(op) + " finds no MARK");
        const size_t k = marks_.back();
        marks_.pop_back();
        std::vector<ValuePtr> items(std::make_move_iterator(stack_.begin() + k),
                                    std::make_move_iterator(stack_.end()));
        stack_.resize(k);
        return items;
    }

    void push(ValuePtr v) {
        count_push();
        stack_.push_back(std::move(v));
    }
    void count_push() {
        if (++pushes_ > kMaxPushes)
            fail("more than " + std::to_string(kMaxPushes) + " values");
    }

    static ValuePtr scalar(Kind kind) {
        auto v = std::make_shared<Value>();
        v->kind = kind;
        return v;
    }
    ValuePtr container(Kind kind, std::vector<ValuePtr> items = {}) {
        auto v = scalar(kind);
        v->items = std::move(items);
        containers_.push_back(v);
        return v;
    }
    static ValuePtr int_value(int64_t i) {
        auto v = scalar(Kind::Int);
        v->integer = i;
        return v;
    }
    static ValuePtr text_value(Kind kind, std::string s) {
        auto v = scalar(kind);
        v->text = std::move(s);
        return v;
    }
    static ValuePtr bool_value(bool b) {
        auto v = scalar(Kind::Bool);
        v->boolean = b;
        return v;
    }

    // LONG1/LONG4: little-endian two's complement of any width.
    static ValuePtr long_value(const std::string& bytes) {
        const size_t n = bytes.size();
        if (n == 0)
            return int_value(0);
        const bool negative = (static_cast<uint8_t>(bytes[n - 1]) & 0x80) != 0;
        const uint8_t fill = negative ? 0xff : 0x00;
        // Wider encodings of a 64-bit value are still a 64-bit value.
        size_t width = n;
        while (width > 8 && static_cast<uint8_t>(bytes[width - 1]) == fill &&
               ((static_cast<uint8_t>(bytes[width - 2]) & 0x80) != 0) == negative)
            --width;
        if (width <= 8) {
            uint64_t u = negative ? ~uint64_t{0} : 0;
            for (size_t i = 0; i < width; ++i) {
                u &= ~(uint64_t{0xff} << (8 * i));
                u |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
            }
            int64_t s;
            std::memcpy(&s, &u, sizeof s);
            return int_value(s);
        }
        auto v = text_value(Kind::BigInt, bytes);
        double approx = 0.0;
        for (size_t i = n; i-- > 0;)
            approx = approx * 256.0 + static_cast<uint8_t>(bytes[i]);
        if (negative)
            approx -= std::ldexp(1.0, static_cast<int>(8 * n));
        v->real = approx;
        return v;
    }

    void memo_put(uint64_t index, const char* op) {
        count_push();
        memo_[index] = top(op);
    }
    void memo_get(uint64_t index) {
        auto it = memo_.find(index);
        if (it == memo_.end())
            fail("memo entry " + std::to_string(index) + " is read before it is written");
        push(it->second);
    }

    ValuePtr make_global(const std::string& module, const std::string& name) {
        const std::string full = module + "." + name;
        if (!allowed_global(full))
            throw PickleError("refusing to load: the file names the Python global '" + full +
                              "'; a weights file holds only tensors, numbers and strings — "
                              "loading never runs code");
        return text_value(Kind::Global, full);
    }

    static void dict_append(Value& dict, std::vector<ValuePtr>& kv) {
        for (size_t i = 0; i + 1 < kv.size(); i += 2)
            dict.entries.emplace_back(std::move(kv[i]), std::move(kv[i + 1]));
    }

    std::vector<int64_t> int_tuple(const Value& v, const char* what) const {
        if (!v.is(Kind::Tuple) && !v.is(Kind::List))
            fail(std::string("a tensor whose ") + what + " is a " + v.type_name() +
                 ", not a tuple");
        if (v.items.size() > kMaxDims)
            fail(std::string("a tensor with ") + std::to_string(v.items.size()) + " dimensions");
        std::vector<int64_t> out;
        for (const auto& item : v.items) {
            if (!item->is(Kind::Int) || item->integer < 0)
                fail(std::string("a tensor whose ") + what + " holds a negative or non-integer");
            out.push_back(item->integer);
        }
        return out;
    }

    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks
    // [, metadata]): checks that the view lies inside its storage before anything reads it.
    ValuePtr rebuild_tensor(const std::vector<ValuePtr>& args) {
        if (args.size() != 6 && args.size() != 7)
            fail("_rebuild_tensor_v2 called with " + std::to_string(args.size()) + " arguments");
        if (!args[0]->is(Kind::Storage))
            fail("_rebuild_tensor_v2 called on a " + args[0]->type_name() + ", not a storage");
        if (!args[1]->is(Kind::Int) || args[1]->integer < 0)
            fail("a tensor with a bad storage offset");
        auto t = scalar(Kind::Tensor);
        t->storage = args[0]->storage;
        t->storage_offset = args[1]->integer;
        t->sizes = int_tuple(*args[2], "size");
        t->strides = int_tuple(*args[3], "stride");
        if (t->sizes.size() != t->strides.size())
            fail("a tensor whose size and stride differ in length");
        const int64_t limit = t->storage->numel;
        // Every product and sum below stays within int64: each factor is checked first.
        int64_t numel = 1;
        for (int64_t s : t->sizes) {
            if (s != 0 && numel > std::numeric_limits<int64_t>::max() / s)
                fail("a tensor with more elements than can be counted");
            numel *= s;
        }
        if (numel == 0) {
            if (t->storage_offset > limit)
                fail("a tensor whose offset lies beyond its storage");
        } else {
            int64_t last = t->storage_offset;
            for (size_t d = 0; d < t->sizes.size(); ++d) {
                const int64_t span = t->sizes[d] - 1;
                if (span > 0 && t->strides[d] > (limit - last) / span)
                    fail("a tensor that reaches beyond its storage of " + std::to_string(limit) +
                         " elements");
                last += span * t->strides[d];
            }
            if (last >= limit)
                fail("a tensor that reaches beyond its storage of " + std::to_string(limit) +
                     " elements");
        }
        tensors_.push_back(t);
        return t;
    }

    ValuePtr ordered_dict(const std::vector<ValuePtr>& args) {
        auto dict = container(Kind::Dict);
        if (args.empty())
            return dict;
        // OrderedDict([(key, value), ...]), as old Pythons reduced it.
        if (args.size() != 1 || !(args[0]->is(Kind::List) || args[0]->is(Kind::Tuple)))
            fail("OrderedDict called with unexpected arguments");
        for (const auto& pair : args[0]->items) {
            if (!(pair->is(Kind::Tuple) || pair->is(Kind::List)) || pair->items.size() != 2)
                fail("OrderedDict called with something other than key/value pairs");
            dict->entries.emplace_back(pair->items[0], pair->items[1]);
        }
        return dict;
    }

    ValuePtr call(const Value& callable, const Value& args_tuple, const char* op) {
        if (!callable.is(Kind::Global))
            fail(std::string(op) + " calls a " + callable.type_name() + ", which is not callable");
        if (!args_tuple.is(Kind::Tuple))
            fail(std::string(op) + " with arguments that are not a tuple");
        const auto& args = args_tuple.items;
        const std::string& name = callable.text;
        if (name == "collections.OrderedDict")
            return ordered_dict(args);
        if (std::string(op) != "REDUCE")
            fail(std::string(op) + " on '" + name + "', which is not a class we build");
        if (name == "torch._utils._rebuild_tensor_v2")
            return rebuild_tensor(args);
        if (name == "torch._utils._rebuild_parameter") {
            // (data, requires_grad, backward_hooks): a Parameter is just its tensor here.
            if (args.size() != 3 || !args[0]->is(Kind::Tensor))
                fail("_rebuild_parameter called with unexpected arguments");
            return args[0];
        }
        if (name == "_codecs.encode") {
            if (args.size() != 2 || !args[0]->is(Kind::String) || !args[1]->is(Kind::String) ||
                (args[1]->text != "latin1" && args[1]->text != "latin-1"))
                fail("_codecs.encode called with unexpected arguments");
            std::string bytes;
            if (!utf8_to_latin1(args[0]->text, bytes))
                fail("_codecs.encode of a string that is not Latin-1");
            return text_value(Kind::Bytes, std::move(bytes));
        }
        fail("'" + name + "' is a storage class, which a weights file never calls");
    }

    void step(uint8_t op, size_t at) {
        switch (op) {
        case PROTO: {
            const uint8_t version = read_u8();
            if (version > 5)
                fail("pickle protocol " + std::to_string(version) + " (at most 5 exists)");
            break;
        }
        case FRAME:
            read_le(8);
            break; // frames only help streaming readers
        case MARK:
            count_push();
            marks_.push_back(stack_.size());
            break;
        case POP:
            if (stack_.size() > base())
                stack_.pop_back();
            else
                pop_mark("POP");
            break;
        case POP_MARK:
            pop_mark("POP_MARK");
            break;
        case DUP: {
            ValuePtr v = top("DUP");
            push(std::move(v));
            break;
        }
        case NONE:
            push(scalar(Kind::None));
            break;
        case NEWTRUE:
            push(bool_value(true));
            break;
        case NEWFALSE:
            push(bool_value(false));
            break;
        case BININT: {
            const auto u = static_cast<uint32_t>(read_le(4));
            int32_t s;
            std::memcpy(&s, &u, sizeof s);
            push(int_value(s));
            break;
        }
        case BININT1:
            push(int_value(static_cast<int64_t>(read_le(1))));
            break;
        case BININT2:
            push(int_value(static_cast<int64_t>(read_le(2))));
            break;
        case INT: {
            // Protocol 0: "I01" and "I00" are True and False.
            const std::string line = read_line();
            if (line == "01" || line == "00")
                push(bool_value(line == "01"));
            else
                push(int_value(read_decimal(line)));
            break;
        }
        case LONG: {
            std::string line = read_line();
            if (!line.empty() && line.back() == 'L')
                line.pop_back();
            push(int_value(read_decimal(line)));
            break;
        }
        case LONG1:
            push(long_value(read_bytes(read_le(1))));
            break;
        case LONG4: {
            const auto n = static_cast<uint32_t>(read_le(4));
            if (n > kMaxLongBytes)
                fail("an integer of " + std::to_string(n) + " bytes");
            push(long_value(read_bytes(n)));
            break;
        }
        case BINFLOAT: {
            // Big-endian, unlike everything else in a pickle.
            need(8);
            uint64_t u = 0;
            for (int i = 0; i < 8; ++i)
                u = (u << 8) | data_[pos_ + i];
            pos_ += 8;
            double d;
            std::memcpy(&d, &u, sizeof d);
            auto v = scalar(Kind::Float);
            v->real = d;
            push(v);
            break;
        }
        case SHORT_BINUNICODE:
            push(text_value(Kind::String, read_bytes(read_le(1))));
            break;
        case BINUNICODE:
            push(text_value(Kind::String, read_bytes(read_le(4))));
            break;
        case BINUNICODE8:
            push(text_value(Kind::String, read_bytes(read_le(8))));
            break;
        case SHORT_BINSTRING:
            push(text_value(Kind::String, read_bytes(read_le(1))));
            break;
        case BINSTRING: {
            const auto u = static_cast<uint32_t>(read_le(4));
            if (u > static_cast<uint32_t>(std::numeric_limits<int32_t>::max()))
                fail("BINSTRING with a negative length");
            push(text_value(Kind::String, read_bytes(u)));
            break;
        }
        case SHORT_BINBYTES:
            push(text_value(Kind::Bytes, read_bytes(read_le(1))));
            break;
        case BINBYTES:
            push(text_value(Kind::Bytes, read_bytes(read_le(4))));
            break;
        case BINBYTES8:
            push(text_value(Kind::Bytes, read_bytes(read_le(8))));
            break;
        case EMPTY_TUPLE:
            push(container(Kind::Tuple));
            break;
        case TUPLE:
            push(container(Kind::Tuple, pop_mark("TUPLE")));
            break;
        case TUPLE1:
        case TUPLE2:
        case TUPLE3: {
            const size_t n = op - TUPLE1 + 1;
            if (stack_.size() < base() + n)
                fail("TUPLE" + std::to_string(n) + " finds too few items on the stack");
            std::vector<ValuePtr> items(std::make_move_iterator(stack_.end() - n),
                                        std::make_move_iterator(stack_.end()));
            stack_.resize(stack_.size() - n);
            push(container(Kind::Tuple, std::move(items)));
            break;
        }
        case EMPTY_LIST:
            push(container(Kind::List));
            break;
        case LIST:
            push(container(Kind::List, pop_mark("LIST")));
            break;
        case APPEND: {
            ValuePtr v = pop("APPEND");
            ValuePtr& list = top("APPEND");
            if (!list->is(Kind::List))
                fail("APPEND to a " + list->type_name());
            list->items.push_back(std::move(v));
            break;
        }
        case APPENDS: {
            std::vector<ValuePtr> items = pop_mark("APPENDS");
            ValuePtr& list = top("APPENDS");
            if (!list->is(Kind::List))
                fail("APPENDS to a " + list->type_name());
            for (auto& v : items)
                list->items.push_back(std::move(v));
            break;
        }
        case EMPTY_DICT:
            push(container(Kind::Dict));
            break;
        case DICT: {
            std::vector<ValuePtr> kv = pop_mark("DICT");
            if (kv.size() % 2 != 0)
                fail("DICT with an odd number of items");
            auto dict = container(Kind::Dict);
            dict_append(*dict, kv);
            push(std::move(dict));
            break;
        }
        case SETITEM: {
            ValuePtr value = pop("SETITEM");
            ValuePtr key = pop("SETITEM");
            ValuePtr& dict = top("SETITEM");
            if (!dict->is(Kind::Dict))
                fail("SETITEM on a " + dict->type_name());
            dict->entries.emplace_back(std::move(key), std::move(value));
            break;
        }
        case SETITEMS: {
            std::vector<ValuePtr> kv = pop_mark("SETITEMS");
            if (kv.size() % 2 != 0)
                fail("SETITEMS with an odd number of items");
            ValuePtr& dict = top("SETITEMS");
            if (!dict->is(Kind::Dict))
                fail("SETITEMS on a " + dict->type_name());
            dict_append(*dict, kv);
            break;
        }
        case BINPUT:
            memo_put(read_le(1), "BINPUT");
            break;
        case LONG_BINPUT:
            memo_put(read_le(4), "LONG_BINPUT");
            break;
        case PUT:
            memo_put(static_cast<uint64_t>(read_decimal(read_line())), "PUT");
            break;
        case MEMOIZE:
            memo_put(memo_.size(), "MEMOIZE");
            break;
        case BINGET:
            memo_get(read_le(1));
            break;
        case LONG_BINGET:
            memo_get(read_le(4));
            break;
        case GET:
            memo_get(static_cast<uint64_t>(read_decimal(read_line())));
            break;
        case GLOBAL: {
            const std::string module = read_line();
            const std::string name = read_line();
            push(make_global(module, name));
            break;
        }
        case STACK_GLOBAL: {
            ValuePtr name = pop("STACK_GLOBAL");
            ValuePtr module = pop("STACK_GLOBAL");
            if (!name->is(Kind::String) || !module->is(Kind::String))
                fail("STACK_GLOBAL with a module or name that is not a string");
            push(make_global(module->text, name->text));
            break;
        }
        case REDUCE: {
            ValuePtr args = pop("REDUCE");
            ValuePtr callable = pop("REDUCE");
            push(call(*callable, *args, "REDUCE"));
            break;
        }
        case NEWOBJ: {
            ValuePtr args = pop("NEWOBJ");
            ValuePtr cls = pop("NEWOBJ");
            push(call(*cls, *args, "NEWOBJ"));
            break;
        }
        case BUILD: {
            // torch.save sets the state dict's _metadata (per-module versions) this way; the
            // values carry no weights, so a dict ignores its state.
            pop("BUILD");
            ValuePtr& target = top("BUILD");
            if (!target->is(Kind::Dict))
                fail("BUILD on a " + target->type_name());
            break;
        }
        case BINPERSID: {
            ValuePtr pid = pop("BINPERSID");
            if (!load_)
                fail("a persistent id where none is expected");
            auto v = scalar(Kind::Storage);
            v->storage = load_(*pid);
            if (!v->storage)
                fail("a persistent id that names no storage");
            push(std::move(v));
            break;
        }
        default: {
            pos_ = at;
            if (const char* name = unsupported_name(op))
                fail(std::string("opcode ") + name + " (" + hex_byte(op) +
                     "), which a weights file does not use");
            fail("an unknown opcode " + hex_byte(op));
        }
        }
    }

    // Bounds the nesting depth and rejects cycles, so every later walk of the tree terminates
    // and stays shallow. Shared subtrees are measured once. Records the non-empty containers
    // the root reaches.
    void check_depth(const ValuePtr& root) {
        std::unordered_map<const Value*, int>& height = reached_; // -1 while being measured
        std::function<int(const Value&, int)> measure = [&](const Value& v, int depth) -> int {
            if (v.items.empty() && v.entries.empty())
                return 0;
            if (depth >= kMaxDepth)
                throw PickleError("values nested deeper than " + std::to_string(kMaxDepth) +
                                  " levels");
            auto [it, fresh] = height.emplace(&v, -1);
            if (!fresh) {
                if (it->second < 0)
                    throw PickleError("a container that contains itself");
                if (depth + it->second > kMaxDepth)
                    throw PickleError("values nested deeper than " + std::to_string(kMaxDepth) +
                                      " levels");
                return it->second;
            }
            int h = 0;
            for (const auto& item : v.items)
                h = std::max(h, 1 + measure(*item, depth + 1));
            for (const auto& [key, value] : v.entries)
                h = std::max({h, 1 + measure(*key, depth + 1), 1 + measure(*value, depth + 1)});
            height[&v] = h;
            return h;
        };
        measure(*root, 0);
    }

    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
    const PersistentLoader& load_;
    std::vector<ValuePtr> stack_;
    std::vector<size_t> marks_;
    std::unordered_map<uint64_t, ValuePtr> memo_;
    std::vector<ValuePtr> containers_;
    std::vector<ValuePtr> tensors_;
    size_t pushes_ = 0;
    bool done_ = false;
    std::unordered_map<const Value*, int> reached_; // by check_depth: node -> height
};

} // namespace

const Value* Value::find(const std::string& key) const {
    for (const auto& [k, v] : entries)
        if (k->is(Kind::String) && k->text == key)
            return v.get();
    return nullptr;
}

std::string Value::type_name() const {
    switch (kind) {
    case Kind::None:
        return "None";
    case Kind::Bool:
        return "bool";
    case Kind::Int:
    case Kind::BigInt:
        return "int";
    case Kind::Float:
        return "float";
    case Kind::String:
        return "str";
    case Kind::Bytes:
        return "bytes";
    case Kind::List:
        return "list";
    case Kind::Tuple:
        return "tuple";
    case Kind::Dict:
        return "dict";
    case Kind::Tensor:
        return "tensor";
    case Kind::Global:
        return "global '" + text + "'";
    case Kind::Storage:
        return "storage";
    }
    return "value";
}

Unpickled unpickle(const uint8_t* data, size_t size, const PersistentLoader& load_persistent) {
    Interpreter interpreter(data, size, load_persistent);
    return interpreter.run();
}

void materialize(Value& v) {
    if (!v.is(Kind::Tensor) || v.tensor.defined())
        return;
    const Storage& s = *v.storage;
    if (!s.data.defined())
        throw PickleError("storage '" + s.key + "' has no data");
    if (s.data.dim() != 1 || s.data.numel() < s.numel || s.data.scalar_type() != s.dtype)
        throw PickleError("storage '" + s.key + "' holds fewer elements than the file says");
    int64_t numel = 1;
    for (int64_t size : v.sizes)
        numel *= size; // bounded by rebuild_tensor
    bool whole = v.storage_offset == 0 && numel == s.data.numel();
    int64_t expected = 1;
    for (size_t d = v.sizes.size(); d-- > 0 && whole;) {
        if (v.sizes[d] != 1 && v.strides[d] != expected)
            whole = false;
        expected *= v.sizes[d];
    }
    if (whole)
        v.tensor = s.data.view(v.sizes);
    else if (numel <= s.numel)
        v.tensor = s.data.as_strided(v.sizes, v.strides, v.storage_offset).clone();
    else // an expanded tensor (stride 0): a copy could be far larger than the file
        v.tensor = s.data.as_strided(v.sizes, v.strides, v.storage_offset);
}

std::optional<torch::ScalarType> storage_dtype(const std::string& global) {
    const std::string prefix = "torch.";
    if (global.compare(0, prefix.size(), prefix) != 0)
        return std::nullopt;
    const std::string name = global.substr(prefix.size());
    for (const auto& c : kStorageClasses)
        if (name == c.name)
            return c.dtype;
    return std::nullopt;
}

std::string storage_class(torch::ScalarType dtype) {
    for (const auto& c : kStorageClasses)
        if (c.dtype == dtype)
            return c.name;
    return {};
}

void Pickler::put_u32(uint32_t v) {
    for (int i = 0; i < 4; ++i)
        out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void Pickler::proto() {
    out_.push_back(static_cast<char>(PROTO));
    out_.push_back(2);
}

void Pickler::global(const std::string& module, const std::string& name) {
    out_.push_back(static_cast<char>(GLOBAL));
    out_ += module + "\n" + name + "\n";
}

void Pickler::mark() {
    out_.push_back(static_cast<char>(MARK));
}
void Pickler::tuple() {
    out_.push_back(static_cast<char>(TUPLE));
}
void Pickler::empty_tuple() {
    out_.push_back(static_cast<char>(EMPTY_TUPLE));
}
void Pickler::boolean(bool value) {
    out_.push_back(static_cast<char>(value ? NEWTRUE : NEWFALSE));
}
void Pickler::persistent_id() {
    out_.push_back(static_cast<char>(BINPERSID));
}
void Pickler::reduce() {
    out_.push_back(static_cast<char>(REDUCE));
}
void Pickler::setitems() {
    out_.push_back(static_cast<char>(SETITEMS));
}
void Pickler::stop() {
    out_.push_back(static_cast<char>(STOP));
}

void Pickler::integer(int64_t value) {
    // The shortest form, as Python's pickler chooses it.
    if (value >= 0 && value <= 0xff) {
        out_.push_back(static_cast<char>(BININT1));
        out_.push_back(static_cast<char>(value));
    } else if (value >= 0 && value <= 0xffff) {
        out_.push_back(static_cast<char>(BININT2));
        out_.push_back(static_cast<char>(value & 0xff));
        out_.push_back(static_cast<char>(value >> 8));
    } else if (value >= std::numeric_limits<int32_t>::min() &&
               value <= std::numeric_limits<int32_t>::max()) {
        out_.push_back(static_cast<char>(BININT));
        put_u32(static_cast<uint32_t>(value));
    } else {
        out_.push_back(static_cast<char>(LONG1));
        out_.push_back(8);
        uint64_t u;
        std::memcpy(&u, &value, sizeof u);
        for (int i = 0; i < 8; ++i)
            out_.push_back(static_cast<char>((u >> (8 * i)) & 0xff));
    }
}

void Pickler::string(const std::string& utf8) {
    out_.push_back(static_cast<char>(BINUNICODE));
    put_u32(static_cast<uint32_t>(utf8.size()));
    out_ += utf8;
}

} // namespace reslab::pickle

#include "jpeg.h"

#include <csetjmp>
#include <cstdio>
#include <stdexcept>

// jpeglib.h needs size_t and FILE declared before it.
#include <jpeglib.h>
// After jpeglib.h, which it needs: the message codes (JWRN_JPEG_EOF).
#include <jerror.h>

namespace reslab {
namespace {

// libjpeg-turbo re-reads the whole coefficient buffer for every scan of a progressive JPEG, so a
// small file of thousands of tiny scans takes minutes. Real encoders write about 10;
// libjpeg-turbo's own fuzzers stop at 500.
constexpr int kMaxScans = 500;

// libjpeg reports a fatal error by calling error_exit, which must not return. It is C code, so
// no C++ exception may pass through it: error_exit longjmps back to `guarded` instead.
struct ErrorManager {
    jpeg_error_mgr pub; // first, so that libjpeg's pointer to it points to the whole struct
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void jump_out(j_common_ptr info) {
    auto* err = reinterpret_cast<ErrorManager*>(info->err);
    (*info->err->format_message)(info, err->message);
    std::longjmp(err->jump, 1);
}

// Warnings are damaged data that libjpeg decodes past; Pillow goes on too, and stderr is not ours.
void stay_quiet(j_common_ptr) {}

// All but one: data that ends before the image does, which libjpeg fills with grey and Pillow
// refuses ("image file is truncated"), so the net never sees pixels the file does not hold.
void refuse_truncation(j_common_ptr info, int level) {
    if (level != -1 || info->err->msg_code != JWRN_JPEG_EOF)
        return;
    auto* err = reinterpret_cast<ErrorManager*>(info->err);
    std::snprintf(err->message, sizeof err->message,
                  "the image file is truncated: its data ends before the image does");
    std::longjmp(err->jump, 1);
}

void limit_scans(j_common_ptr info) {
    auto* d = reinterpret_cast<j_decompress_ptr>(info);
    if (d->input_scan_number <= kMaxScans)
        return;
    auto* err = reinterpret_cast<ErrorManager*>(info->err);
    std::snprintf(err->message, sizeof err->message, "more than %d progressive scans", kMaxScans);
    std::longjmp(err->jump, 1);
}

// Runs libjpeg calls that may fail; false when one did (its message is in err). Nothing with a
// destructor may live in `call`: the longjmp skips its frame.
template <typename Call> bool guarded(ErrorManager& err, Call&& call) {
    if (setjmp(err.jump))
        return false;
    call();
    return true;
}

} // namespace

Pixels decode_jpeg(const uint8_t* data, size_t size, const std::function<void(int, int)>& check) {
    jpeg_decompress_struct d{};
    ErrorManager err{};
    d.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = jump_out;
    err.pub.output_message = stay_quiet;
    err.pub.emit_message = refuse_truncation;
    if (!guarded(err, [&] { jpeg_create_decompress(&d); }))
        throw std::runtime_error(err.message);
    struct Destroy {
        jpeg_decompress_struct* d;
        ~Destroy() { jpeg_destroy_decompress(d); }
    } destroy{&d};
    jpeg_progress_mgr progress{};
    progress.progress_monitor = limit_scans;
    d.progress = &progress;

    if (!guarded(err, [&] {
            jpeg_mem_src(&d, data, static_cast<unsigned long>(size));
            jpeg_read_header(&d, TRUE);
        }))
        throw std::runtime_error(err.message);
    switch (d.jpeg_color_space) {
    case JCS_GRAYSCALE:
        d.out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        d.out_color_space = JCS_RGB;
        break;
    default:
        throw std::runtime_error("a CMYK or YCCK JPEG, which ResLab does not read: save it as RGB");
    }
    check(static_cast<int>(d.image_width), static_cast<int>(d.image_height));

    if (!guarded(err, [&] { jpeg_start_decompress(&d); }))
        throw std::runtime_error(err.message);
    Pixels out;
    out.width = static_cast<int>(d.output_width);
    out.height = static_cast<int>(d.output_height);
    out.channels = d.output_components;
    const size_t row_bytes = size_t(out.width) * size_t(out.channels);
    out.data.resize(row_bytes * size_t(out.height));
    uint8_t* const pixels = out.data.data();
    if (!guarded(err, [&] {
            while (d.output_scanline < d.output_height) {
                JSAMPROW row = pixels + size_t(d.output_scanline) * row_bytes;
                jpeg_read_scanlines(&d, &row, 1);
            }
            jpeg_finish_decompress(&d);
        }))
        throw std::runtime_error(err.message);
    return out;
}

} // namespace reslab

// stb_image compiled into fuzz_image itself, from the header Debian's libstb is built from: the
// executable's definitions take precedence over libstb.so's, so the decoder that load_image calls
// is instrumented too (the fuzzer sees its branches, AddressSanitizer its reads and writes).
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>

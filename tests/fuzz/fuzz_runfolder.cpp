// Fuzzes what a run folder holds: spec.json (run_config_from_json), each line of metrics.jsonl
// (parse_json_line) and the file as a whole (read_metrics). Whatever parses must also survive
// being written and parsed again, as the GUI does when it reopens a run. parse_json_line skips a
// bad line (nullopt) and read_metrics throws only RunFolderError, so any other exception from
// them escapes here and is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>

#include "fuzz_common.h"
#include "io/runfolder.h"
#include "train/config.h"
#include "train/records.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static reslab::fuzz::InputFile file("runfolder");
    const std::string text(reinterpret_cast<const char*>(data), size);

    bool parsed = false;
    std::string again;
    try {
        const reslab::RunConfig config = reslab::run_config_from_json(text);
        parsed = true;
        again = reslab::to_json(config);
    } catch (const std::exception&) {
    }
    if (parsed) {
        try {
            (void)reslab::run_config_from_json(again);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "spec.json written by to_json is refused: %s\n%s\n", e.what(),
                         again.c_str());
            std::abort();
        }
    }

    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        if (auto record = reslab::parse_json_line(text.substr(start, end - start))) {
            const std::string line = reslab::to_json_line(*record);
            if (!reslab::parse_json_line(line)) {
                std::fprintf(stderr, "a record written by to_json_line is refused:\n%s\n",
                             line.c_str());
                std::abort();
            }
        }
        start = end + 1;
    }

    try {
        int64_t skipped = 0;
        (void)reslab::read_metrics(file.write(data, size), &skipped);
    } catch (const reslab::RunFolderError&) {
    }
    return 0;
}

// The corpus runner of builds without libFuzzer: `fuzz_corpus TARGET FOLDER...` runs one fuzz
// target once on every file in the folders (its seed corpus and its regressions), as libFuzzer
// does when given files. Every target is compiled into this one executable
// (CONVSCOPE_FUZZ_TARGET in FuzzTarget.h); tests/fuzz/CMakeLists.txt adds a CTest test per
// target. A bug aborts, failing the test.
#include "FuzzTarget.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const auto& targets = convscope::fuzz::targets();
  const auto target = argc > 1 ? targets.find(argv[1]) : targets.end();
  if (target == targets.end()) {
    std::fprintf(stderr, "usage: fuzz_corpus TARGET FOLDER...; the targets:");
    for (const auto& [name, run] : targets) std::fprintf(stderr, " %s", name.c_str());
    std::fprintf(stderr, "\n");
    return 2;
  }
  std::vector<fs::path> files;
  for (int i = 2; i < argc; ++i) {
    if (!fs::exists(argv[i])) continue; // no regressions yet
    for (const fs::directory_entry& e : fs::recursive_directory_iterator(argv[i]))
      if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "no corpus files in the folders given\n");
    return 1;
  }
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::printf("%s (%zu bytes)\n", f.filename().c_str(), bytes.size());
    std::fflush(stdout);
    target->second(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("%s: %zu inputs, no failure\n", argv[1], files.size());
  std::error_code ignored;
  fs::remove_all(convscope::fuzz::folder(), ignored);
  return 0;
}

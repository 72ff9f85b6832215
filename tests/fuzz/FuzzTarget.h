// What every libFuzzer target shares: the rule that bad input may only end in
// std::invalid_argument (the message a user sees). Anything else escaping — std::bad_alloc
// from an unbounded allocation, std::out_of_range from a slip, a crash, a sanitizer report —
// is a bug the fuzzer reports. Files for the readers that take paths go to a private
// folder in /dev/shm (or /tmp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace convscope::fuzz {

using Target = int (*)(const uint8_t* data, size_t size);
// The corpus runner's table: every target compiled into it, by name (RunCorpus.cpp).
inline std::map<std::string, Target>& targets() {
  static std::map<std::string, Target> table;
  return table;
}
inline bool registerTarget(const char* name, Target target) {
  targets()[name] = target;
  return true;
}

inline std::string text(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// A folder of this process's own, made once.
inline const std::filesystem::path& folder() {
  static const std::filesystem::path dir = [] {
    const std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    std::filesystem::path d = base / ("convscope-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

inline std::string writeFile(const std::string& name, const std::string& bytes) {
  const std::filesystem::path p = folder() / name;
  std::ofstream(p, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
  return p.string();
}

// Runs `read` on the input; std::invalid_argument is the expected refusal.
template <typename Read> int refuseOrAccept(Read read) {
  try {
    read();
  } catch (const std::invalid_argument&) {
  }
  return 0;
}

} // namespace convscope::fuzz

// CONVSCOPE_FUZZ_TARGET(name) { ... }: one parser's fuzz function. In a libFuzzer build
// (CONVSCOPE_LIBFUZZER, one executable per target) it is LLVMFuzzerTestOneInput; in every
// other build all targets go into one corpus runner, each registered under its name.
#ifdef CONVSCOPE_LIBFUZZER
#define CONVSCOPE_FUZZ_TARGET(name) extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
#else
#define CONVSCOPE_FUZZ_TARGET(name)                                                                             \
  static int fuzzOne_##name(const uint8_t* data, size_t size);                                                 \
  [[maybe_unused]] static const bool registered_##name = ::convscope::fuzz::registerTarget(#name, fuzzOne_##name); \
  static int fuzzOne_##name(const uint8_t* data, size_t size)
#endif

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
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace convscope::fuzz {

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

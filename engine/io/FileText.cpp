// Whole files read with a limit.
#include "engine/io/FileText.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace convscope {

namespace {
std::string mebibytes(int64_t bytes) {
  return std::to_string(bytes >> 20) + (bytes % (1 << 20) ? " MiB and more" : " MiB");
}
std::string tooLarge(const std::string& path, int64_t size, int64_t maxBytes, const std::string& what) {
  return path + ": the file is " + (size < 0 ? std::string("larger than that") : mebibytes(size)) +
         "; ConvScope reads " + what + " of up to " + mebibytes(maxBytes);
}
} // namespace

std::string readFileText(const std::string& path, int64_t maxBytes, const std::string& what) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (!fs::exists(status)) throw std::invalid_argument(path + ": no such file");
  if (fs::is_directory(status)) throw std::invalid_argument(path + ": is a folder, not " + what);
  if (fs::is_regular_file(status))
    if (const auto size = fs::file_size(path, error); !error && int64_t(size) > maxBytes)
      throw std::invalid_argument(tooLarge(path, int64_t(size), maxBytes, what));
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::invalid_argument(path + ": cannot open the file for reading");
  std::string text;
  char buffer[1 << 16];
  while (file.read(buffer, sizeof buffer) || file.gcount() > 0) {
    text.append(buffer, size_t(file.gcount()));
    if (int64_t(text.size()) > maxBytes) throw std::invalid_argument(tooLarge(path, -1, maxBytes, what));
  }
  return text;
}

} // namespace convscope

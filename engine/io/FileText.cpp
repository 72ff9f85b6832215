// Whole files read with a limit.
#include "engine/io/FileText.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

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

MappedFile::MappedFile(const std::string& path, int64_t maxBytes, const std::string& what) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (!fs::exists(status)) throw std::invalid_argument(path + ": no such file");
  if (fs::is_directory(status)) throw std::invalid_argument(path + ": is a folder, not " + what);
  if (!fs::is_regular_file(status)) { // a FIFO or a device: no size to map
    read_ = readFileText(path, maxBytes, what);
    data_ = read_.data(), size_ = read_.size();
    return;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::invalid_argument(path + ": cannot open the file for reading");
  const off_t end = ::lseek(fd, 0, SEEK_END);
  if (end < 0) {
    ::close(fd);
    throw std::invalid_argument(path + ": cannot open the file for reading");
  }
  if (int64_t(end) > maxBytes) {
    ::close(fd);
    throw std::invalid_argument(tooLarge(path, int64_t(end), maxBytes, what));
  }
  size_ = size_t(end);
  if (size_ > 0) {
    mapping_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapping_ == MAP_FAILED) {
      mapping_ = nullptr;
      ::close(fd);
      read_ = readFileText(path, maxBytes, what); // a file system without mappings
      data_ = read_.data(), size_ = read_.size();
      return;
    }
    data_ = static_cast<const char*>(mapping_);
  }
  ::close(fd); // the mapping keeps the file
}

MappedFile::~MappedFile() {
  if (mapping_) ::munmap(mapping_, size_);
}

void MappedFile::release(const char* begin, size_t bytes) const {
  if (!mapping_ || bytes == 0) return;
  const uintptr_t page = uintptr_t(::sysconf(_SC_PAGESIZE));
  const uintptr_t from = uintptr_t(begin) / page * page, to = uintptr_t(begin + bytes);
  const uintptr_t first = uintptr_t(mapping_), last = first + size_;
  if (from < first || to > last) return;
  ::madvise(reinterpret_cast<void*>(from), to - from, MADV_DONTNEED); // a hint: failure costs nothing
}

} // namespace convscope

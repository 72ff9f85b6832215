// Reading a whole file into memory with a limit, for every reader of ConvScope's own and
// others' files (matrix text, layer lists, model files, ONNX, lecture files): one place that
// says what is missing, a folder, too large, or unreadable, and that never reads more than
// the limit (a FIFO or /dev/zero has no size to check first).
// Not for: images (ImageHeader.h and OpenCV) or datasets (Dataset.h reads its own formats).
#pragma once

#include <cstdint>
#include <string>

namespace convscope {

// The bytes of `path`. `what` names the kind of file in messages ("an ONNX file", "a lecture
// file"). Throws std::invalid_argument: "PATH: no such file", "PATH: is a folder, not WHAT",
// "PATH: the file is N MiB; ConvScope reads WHAT of up to M MiB", "PATH: cannot open the file
// for reading".
std::string readFileText(const std::string& path, int64_t maxBytes, const std::string& what);

// A file's bytes mapped into memory, read-only, with readFileText's checks and messages: a page
// is read from the disk when first touched, so a reader that skips most of a large file (an
// ONNX model's weights, when only its structure is wanted) never reads them, and nothing is
// copied. A file that cannot be mapped (a FIFO, a device) is read whole instead.
class MappedFile {
public:
  MappedFile(const std::string& path, int64_t maxBytes, const std::string& what);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const char* data() const { return data_; }
  size_t size() const { return size_; }
  // Lets the process's memory go of the pages under [begin, begin + bytes) once they have been
  // read (copied into a layer's weights): they are read from the disk again if touched.
  void release(const char* begin, size_t bytes) const;

private:
  const char* data_ = nullptr;
  size_t size_ = 0;
  void* mapping_ = nullptr;
  std::string read_; // the bytes of a file that could not be mapped
};

} // namespace convscope

// Whole files read with a limit (engine/io/FileText.h): every reason a file is refused is
// named, and an endless file (a device, a FIFO) stops at the limit instead of filling memory.
#include "common/TempFolderTest.h"

#include "engine/io/FileText.h"

#include <gtest/gtest.h>

using namespace convscope;

namespace {
class FileText : public test::TempFolderTest {};

std::string refusal(const std::string& path, int64_t limit) {
  try {
    readFileText(path, limit, "matrix files");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(read)";
}
} // namespace

TEST_F(FileText, ReadsAFileWholeAndRefusesEachBadOneByName) {
  EXPECT_EQ(readFileText(file("m.txt", "1 2\n3 4\n"), 100, "matrix files"), "1 2\n3 4\n");
  EXPECT_EQ(refusal(path("missing.txt"), 100), path("missing.txt") + ": no such file");
  EXPECT_EQ(refusal(dir_.string(), 100), dir_.string() + ": is a folder, not matrix files");
  const std::string big = file("big.txt", std::string(3 << 20, '7'));
  EXPECT_EQ(refusal(big, 1 << 20), big + ": the file is 3 MiB; ConvScope reads matrix files of up to 1 MiB");
}

TEST_F(FileText, AnEndlessFileStopsAtTheLimit) {
  EXPECT_EQ(refusal("/dev/zero", 1 << 20),
            "/dev/zero: the file is larger than that; ConvScope reads matrix files of up to 1 MiB");
}

namespace {
std::string mappedRefusal(const std::string& path, int64_t limit) {
  try {
    MappedFile mapped(path, limit, "ONNX files");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(mapped)";
}
} // namespace

TEST_F(FileText, AMappedFileHasTheBytesAndTheSameRefusals) {
  const std::string bytes = "\x08\x07" + std::string(70000, 'w') + "end";
  const MappedFile mapped(file("m.onnx", bytes), 1 << 20, "ONNX files");
  ASSERT_EQ(mapped.size(), bytes.size());
  EXPECT_EQ(std::string(mapped.data(), mapped.size()), bytes);
  mapped.release(mapped.data() + 5000, 60000); // let go of pages: read again when touched
  EXPECT_EQ(std::string(mapped.data(), mapped.size()), bytes);
  const MappedFile empty(file("empty.onnx", ""), 100, "ONNX files");
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(mappedRefusal(path("missing.onnx"), 100), path("missing.onnx") + ": no such file");
  EXPECT_EQ(mappedRefusal(dir_.string(), 100), dir_.string() + ": is a folder, not ONNX files");
  const std::string big = file("big.onnx", std::string(3 << 20, '7'));
  EXPECT_EQ(mappedRefusal(big, 1 << 20), big + ": the file is 3 MiB; ConvScope reads ONNX files of up to 1 MiB");
  // A device has no size to map: read as readFileText reads it, to the limit.
  EXPECT_EQ(mappedRefusal("/dev/zero", 1 << 20),
            "/dev/zero: the file is larger than that; ConvScope reads ONNX files of up to 1 MiB");
}

// A GoogleTest fixture with a folder of its own for the files a test writes: made before each
// test under the temporary folder (TMPDIR: CTest gives each test its own), named by the
// process and removed after it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace convscope::test {

class TempFolderTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("convscope-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // The path of `name` in the folder.
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  // Writes `content` to `name` in the folder; returns its path.
  std::string file(const std::string& name, const std::string& content) const {
    std::ofstream(path(name), std::ios::binary) << content;
    return path(name);
  }
  std::filesystem::path dir_;
};

} // namespace convscope::test

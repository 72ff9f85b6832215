// Where the tests find the source tree's files (the lecture's examples, resources, test data).
// The path is compiled into TestPaths.cpp alone, so that no other test file's compile command
// names this checkout: the compiler cache (scripts/common.sh) then serves every other test
// file to a clone in another folder.
#pragma once

#include <string>

namespace convscope::test {

// `relative` inside the source tree: sourcePath("resources/examples/six.txt"); examplePath("six.txt")
// is the same.
std::string sourcePath(const std::string& relative);
inline std::string examplePath(const std::string& name) { return sourcePath("resources/examples/" + name); }
inline std::string resourcePath(const std::string& name) { return sourcePath("resources/" + name); }
inline std::string testDataPath(const std::string& name) { return sourcePath("tests/data/" + name); }

} // namespace convscope::test

// The one test file whose compile command names the source tree (TestPaths.h says why).
#include "common/TestPaths.h"

namespace convscope::test {

std::string sourcePath(const std::string& relative) { return std::string(CONVSCOPE_SOURCE_DIR) + "/" + relative; }

} // namespace convscope::test

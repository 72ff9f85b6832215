// libFuzzer target: matrix and kernel text (MatrixText.h), as typed or opened.
#include "FuzzTarget.h"

#include "engine/io/MatrixText.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return convscope::fuzz::refuseOrAccept([&] {
    const convscope::Tensor t = convscope::parseMatrixText(convscope::fuzz::text(data, size), "fuzz");
    (void)convscope::formatMatrixText(t); // what the window shows of it
  });
}

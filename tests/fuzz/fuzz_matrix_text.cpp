// libFuzzer target: matrix and kernel text (MatrixText.h), as typed or opened.
#include "FuzzTarget.h"

#include "engine/io/MatrixText.h"

CONVSCOPE_FUZZ_TARGET(matrix_text) {
  return convscope::fuzz::refuseOrAccept([&] {
    const convscope::Tensor t = convscope::parseMatrixText(convscope::fuzz::text(data, size), "fuzz");
    (void)convscope::formatMatrixText(t); // what the window shows of it
  });
}

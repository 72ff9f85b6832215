// libFuzzer target: the ONNX importer (Onnx.h), a parser of untrusted files.
#include "FuzzTarget.h"

#include "engine/io/Onnx.h"

CONVSCOPE_FUZZ_TARGET(onnx) {
  return convscope::fuzz::refuseOrAccept(
      [&] { (void)convscope::importOnnxBytes(convscope::fuzz::text(data, size), "fuzz.onnx"); });
}

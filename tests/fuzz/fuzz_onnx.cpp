// libFuzzer target: the ONNX importer (Onnx.h), a parser of untrusted files.
#include "FuzzTarget.h"

#include "engine/io/Onnx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return convscope::fuzz::refuseOrAccept(
      [&] { (void)convscope::importOnnxBytes(convscope::fuzz::text(data, size), "fuzz.onnx"); });
}

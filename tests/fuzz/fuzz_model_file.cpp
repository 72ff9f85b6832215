// libFuzzer target: ConvScope's model files (ModelFile.h), as opened from disk or dropped.
#include "FuzzTarget.h"

#include "engine/io/ModelFile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return convscope::fuzz::refuseOrAccept(
      [&] { (void)convscope::parseModel(convscope::fuzz::text(data, size), "fuzz.json"); });
}

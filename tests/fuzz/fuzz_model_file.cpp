// libFuzzer target: ConvScope's model files (ModelFile.h), as opened from disk or dropped.
#include "FuzzTarget.h"

#include "engine/io/ModelFile.h"

CONVSCOPE_FUZZ_TARGET(model_file) {
  return convscope::fuzz::refuseOrAccept(
      [&] { (void)convscope::parseModel(convscope::fuzz::text(data, size), "fuzz.json"); });
}

// libFuzzer target: lecture files (LectureFile.h), as opened by a double click, a drop or
// `convscope FILE.convscope`; the input inside may be a PNG (decoded by OpenCV).
#include "FuzzTarget.h"

#include "engine/io/LectureFile.h"

CONVSCOPE_FUZZ_TARGET(lecture) {
  return convscope::fuzz::refuseOrAccept(
      [&] { (void)convscope::parseLecture(convscope::fuzz::text(data, size), "fuzz.convscope"); });
}

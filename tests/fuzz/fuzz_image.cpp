// libFuzzer target: the image-decoding path (ImageIO.h: OpenCV's decoders behind ConvScope's
// checks), as gray, RGB and as stored, by the input's first byte.
#include "FuzzTarget.h"

#include "engine/io/ImageIO.h"

CONVSCOPE_FUZZ_TARGET(image) {
  if (size < 1) return 0;
  const int channels[] = {0, 1, 3};
  const std::string path = convscope::fuzz::writeFile("image", convscope::fuzz::text(data + 1, size - 1));
  return convscope::fuzz::refuseOrAccept([&] { (void)convscope::loadImage(path, {channels[data[0] % 3], false}); });
}

// libFuzzer target: the IDX reader (Dataset.h, MNIST's format). The input is one of a
// folder's four files, chosen by its first byte; the other three are a small valid set, so
// that counts disagreeing between files are reached too.
#include "FuzzTarget.h"

#include "engine/training/Dataset.h"

namespace {
std::string idx(uint8_t type, std::initializer_list<uint32_t> dims, size_t values) {
  std::string b{'\0', '\0', char(type), char(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(char((d >> shift) & 0xff));
  for (size_t i = 0; i < values; ++i) b.push_back(char(i % 10));
  return b;
}
} // namespace

CONVSCOPE_FUZZ_TARGET(idx) {
  using namespace convscope;
  if (size < 1) return 0;
  const char* names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                         "t10k-labels-idx1-ubyte"};
  const int chosen = data[0] % 4;
  fuzz::writeFile(names[0], idx(0x08, {3, 4, 4}, 48));
  fuzz::writeFile(names[1], idx(0x08, {3}, 3));
  fuzz::writeFile(names[2], idx(0x08, {2, 4, 4}, 32));
  fuzz::writeFile(names[3], idx(0x08, {2}, 2));
  fuzz::writeFile(names[chosen], fuzz::text(data + 1, size - 1));
  return fuzz::refuseOrAccept([&] { (void)loadIdxFolder(fuzz::folder().string()); });
}

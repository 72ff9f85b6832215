// libFuzzer target: the CIFAR-10 binary reader (Dataset.h): the input is data_batch_1.bin
// (first byte even) or test_batch.bin beside a valid one-record batch.
#include "FuzzTarget.h"

#include "engine/training/Dataset.h"

#include <filesystem>

CONVSCOPE_FUZZ_TARGET(cifar) {
  using namespace convscope;
  if (size < 1) return 0;
  const std::string record(1 + 3072, '\x01');
  const bool train = data[0] % 2 == 0;
  fuzz::writeFile(train ? "data_batch_1.bin" : "test_batch.bin", fuzz::text(data + 1, size - 1));
  fuzz::writeFile(train ? "test_batch.bin" : "data_batch_1.bin", record);
  return fuzz::refuseOrAccept([&] { (void)loadCifar10(fuzz::folder().string()); });
}

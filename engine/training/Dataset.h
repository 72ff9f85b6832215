// Labelled image datasets for training: IDX (MNIST format, gzipped or not), the bundled
// digits, Fashion-MNIST from Debian's package, a folder of images with one subfolder per
// class, and CIFAR-10's binary batches. Images stay 8-bit (a full Fashion-MNIST is 55 MB
// that way, 220 MB as floats); batches are made as floats on the fly (Batches.h).
// Not for: single images (ImageIO.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace convscope {

// One object's box in an image: its class and the tight box of its pixels, x1 and y1
// exclusive (PyTorch's and torchvision's [x0, y0, x1, y1]).
struct ObjectBox {
  int label = 0; // in [0, Dataset::classNames.size()) of the objects: a digit 0–9
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool operator==(const ObjectBox&) const = default;
};

struct Dataset {
  std::string name;
  int channels = 1, height = 0, width = 0;
  std::vector<uint8_t> pixels; // (N, C, H, W)
  std::vector<int> labels;     // N values in [0, classNames.size())
  std::vector<std::string> classNames;
  // Segmentation data (composed scenes; empty for the others): each image's class per pixel,
  // (N, H, W) values in [0, pixelClassNames.size()), 0 the background.
  std::vector<uint8_t> masks;
  std::vector<std::string> pixelClassNames;
  // Detection data (composed scenes; empty for the others): each image's objects.
  std::vector<std::vector<ObjectBox>> boxes;

  size_t size() const { return labels.size(); }
  size_t imageSize() const { return static_cast<size_t>(channels) * height * width; }
  const uint8_t* image(size_t i) const { return pixels.data() + i * imageSize(); }
  const uint8_t* mask(size_t i) const { return masks.data() + i * size_t(height) * size_t(width); }
};

struct DatasetSplit {
  Dataset train, test;
};

// The most bytes of images a dataset may hold: half of this computer's memory (4 GiB when
// it cannot be asked). A file holding more, or a gzip inflating to more, is refused.
int64_t maxDatasetBytes();

// Where the bundled resources are: $CONVSCOPE_RESOURCES, then beside the executable
// (../share/convscope/resources or resources/), then the source tree's resources/.
std::string resourcesDirectory();

// A folder with train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
// t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz].
DatasetSplit loadIdxFolder(const std::string& folder, const std::string& name = "idx",
                           std::vector<std::string> classNames = {});
// One subfolder per class (named by the folder); if the folder has train/ and test/
// subfolders they are the split, otherwise every 5th image (by sorted name) is a test image.
// Images are read as `channels` channels and resized to height x width.
DatasetSplit loadImageFolder(const std::string& folder, int channels, int height, int width);
// data_batch_1.bin … data_batch_5.bin and test_batch.bin (any present), batches.meta.txt optional.
DatasetSplit loadCifar10(const std::string& folder);

// "digits", "fashion-mnist", "scenes" (Scenes.h), "idx:DIR", "folder:DIR", "cifar10:DIR". Image folders are
// fitted to channels x height x width (the model's input). Throws std::invalid_argument
// with what is missing and how to get it.
DatasetSplit loadDataset(const std::string& spec, int channels = 1, int height = 28, int width = 28);
// Where Debian's dataset-fashion-mnist package installs the full Fashion-MNIST.
std::string fashionMnistFolder();

} // namespace convscope

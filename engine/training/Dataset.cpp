// Dataset readers. IDX files are read through zlib's gz reader, which also reads
// uncompressed files as they are.
#include "engine/training/Dataset.h"
#include "engine/training/Scenes.h"

#include "engine/network/LayerList.h"

#include "engine/io/ImageIO.h"

#include <opencv2/imgproc.hpp>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace convscope {

namespace {

std::string tooLarge(const std::string& path) {
  return path + ": the data is larger than " + byteSizeText(maxDatasetBytes()) +
         ", half of this computer's memory (ConvScope keeps a dataset in memory)";
}

std::vector<uint8_t> readMaybeGzipped(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) throw std::invalid_argument(path + ": cannot open the file");
  std::vector<uint8_t> bytes;
  uint8_t buffer[1 << 16];
  int n = 0;
  const int64_t limit = maxDatasetBytes(); // a few kilobytes of gzip may inflate to gigabytes
  while ((n = gzread(file, buffer, sizeof buffer)) > 0) {
    if (int64_t(bytes.size()) + n > limit) {
      gzclose(file);
      throw std::invalid_argument(tooLarge(path));
    }
    bytes.insert(bytes.end(), buffer, buffer + n);
  }
  int error = Z_OK;
  const char* message = gzerror(file, &error);
  const std::string reason = message ? message : "";
  gzclose(file);
  if (n < 0 || (error != Z_OK && error != Z_STREAM_END))
    throw std::invalid_argument(path + ": cannot read the file (" + reason + "; truncated or not gzip?)");
  return bytes;
}

uint32_t bigEndian(const std::vector<uint8_t>& b, size_t at) {
  return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | b[at + 3];
}

// The IDX file for `stem` in `folder`, gzipped or not.
std::string idxPath(const std::string& folder, const std::string& stem) {
  for (const std::string& candidate : {folder + "/" + stem + ".gz", folder + "/" + stem})
    if (fs::exists(candidate)) return candidate;
  throw std::invalid_argument(folder + ": no " + stem + " (or " + stem + ".gz) in this folder");
}

void readIdxImages(const std::string& path, Dataset& d) {
  const std::vector<uint8_t> b = readMaybeGzipped(path);
  if (b.size() < 16 || bigEndian(b, 0) != 0x00000803)
    throw std::invalid_argument(path + ": not an IDX image file (magic number 2051 expected)");
  const uint32_t count = bigEndian(b, 4), rows = bigEndian(b, 8), cols = bigEndian(b, 12);
  if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096)
    throw std::invalid_argument(path + ": implausible image size " + std::to_string(rows) + "x" + std::to_string(cols));
  const size_t expected = 16 + size_t(count) * rows * cols;
  if (b.size() != expected)
    throw std::invalid_argument(path + ": " + std::to_string(count) + " images of " + std::to_string(rows) + "x" +
                                std::to_string(cols) + " need " + std::to_string(expected) + " bytes, the file has " +
                                std::to_string(b.size()));
  d.channels = 1;
  d.height = static_cast<int>(rows);
  d.width = static_cast<int>(cols);
  d.pixels.assign(b.begin() + 16, b.end());
}

void readIdxLabels(const std::string& path, Dataset& d) {
  const std::vector<uint8_t> b = readMaybeGzipped(path);
  if (b.size() < 8 || bigEndian(b, 0) != 0x00000801)
    throw std::invalid_argument(path + ": not an IDX label file (magic number 2049 expected)");
  const uint32_t count = bigEndian(b, 4);
  if (b.size() != 8 + size_t(count))
    throw std::invalid_argument(path + ": " + std::to_string(count) + " labels need " + std::to_string(8 + count) +
                                " bytes, the file has " + std::to_string(b.size()));
  d.labels.assign(b.begin() + 8, b.end());
}

void finishClasses(Dataset& d, const std::vector<std::string>& names, const std::string& what) {
  const int maxLabel = d.labels.empty() ? 0 : *std::max_element(d.labels.begin(), d.labels.end());
  d.classNames = names;
  for (int k = static_cast<int>(d.classNames.size()); k <= maxLabel; ++k) d.classNames.push_back(std::to_string(k));
  if (d.labels.size() * d.imageSize() != d.pixels.size())
    throw std::invalid_argument(what + ": " + std::to_string(d.labels.size()) + " labels for " +
                                std::to_string(d.imageSize() ? d.pixels.size() / d.imageSize() : 0) + " images");
}

Dataset readIdxPair(const std::string& folder, const std::string& prefix, const std::string& name,
                    const std::vector<std::string>& classNames) {
  Dataset d;
  d.name = name;
  readIdxImages(idxPath(folder, prefix + "-images-idx3-ubyte"), d);
  readIdxLabels(idxPath(folder, prefix + "-labels-idx1-ubyte"), d);
  finishClasses(d, classNames, folder + " (" + prefix + ")");
  return d;
}

bool isSubfolder(const fs::directory_entry& e) { return e.is_directory(); }

} // namespace

int64_t maxDatasetBytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), pageSize = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && pageSize > 0 ? int64_t(pages) * pageSize / 2 : int64_t(4) << 30;
}

std::string resourcesDirectory() {
  if (const char* env = std::getenv("CONVSCOPE_RESOURCES"); env && fs::is_directory(env)) return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec)
    for (const fs::path& candidate :
         {exe.parent_path() / ".." / "share" / "convscope" / "resources", exe.parent_path() / "resources"})
      if (fs::is_directory(candidate / "digits")) return candidate.lexically_normal().string();
#ifdef CONVSCOPE_SOURCE_RESOURCES
  if (fs::is_directory(CONVSCOPE_SOURCE_RESOURCES)) return CONVSCOPE_SOURCE_RESOURCES;
#endif
  throw std::invalid_argument("cannot find ConvScope's resources folder (set CONVSCOPE_RESOURCES to it)");
}

DatasetSplit loadIdxFolder(const std::string& folder, const std::string& name, std::vector<std::string> classNames) {
  if (!fs::is_directory(folder)) throw std::invalid_argument(folder + ": no such folder");
  DatasetSplit split{readIdxPair(folder, "train", name, classNames), readIdxPair(folder, "t10k", name, classNames)};
  if (split.train.height != split.test.height || split.train.width != split.test.width)
    throw std::invalid_argument(folder + ": training images are " + std::to_string(split.train.height) + "x" +
                                std::to_string(split.train.width) + " but test images are " +
                                std::to_string(split.test.height) + "x" + std::to_string(split.test.width));
  return split;
}

DatasetSplit loadImageFolder(const std::string& folder, int channels, int height, int width) {
  if (!fs::is_directory(folder)) throw std::invalid_argument(folder + ": no such folder");
  const bool presplit = fs::is_directory(fs::path(folder) / "train") && fs::is_directory(fs::path(folder) / "test");
  // Class names from the (training) folder's subfolders, sorted.
  const fs::path classRoot = presplit ? fs::path(folder) / "train" : fs::path(folder);
  std::vector<std::string> classes;
  for (const auto& e : fs::directory_iterator(classRoot))
    if (isSubfolder(e)) classes.push_back(e.path().filename().string());
  std::sort(classes.begin(), classes.end());
  if (classes.size() < 2)
    throw std::invalid_argument(classRoot.string() + ": needs one subfolder per class (at least two), found " +
                                std::to_string(classes.size()));
  DatasetSplit split;
  for (Dataset* d : {&split.train, &split.test}) {
    d->name = "folder:" + folder;
    d->channels = channels, d->height = height, d->width = width;
    d->classNames = classes;
  }
  auto addImage = [&](Dataset& d, const fs::path& file, int label) {
    Tensor t = loadImage(file.string(), {channels, false});
    cv::Mat planes[3];
    for (int c = 0; c < channels; ++c) {
      cv::Mat plane(static_cast<int>(t.shape()[2]), static_cast<int>(t.shape()[3]), CV_32F,
                    t.data() + c * t.shape()[2] * t.shape()[3]);
      cv::resize(plane, planes[c], cv::Size(width, height), 0, 0, cv::INTER_AREA);
      cv::Mat bytes;
      planes[c].convertTo(bytes, CV_8U);
      d.pixels.insert(d.pixels.end(), bytes.datastart, bytes.dataend);
    }
    d.labels.push_back(label);
  };
  for (int label = 0; label < static_cast<int>(classes.size()); ++label) {
    for (int part = 0; part < (presplit ? 2 : 1); ++part) {
      const fs::path dir = presplit ? fs::path(folder) / (part == 0 ? "train" : "test") / classes[label]
                                    : fs::path(folder) / classes[label];
      if (!fs::is_directory(dir)) continue;
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file() && isImageFile(e.path().string())) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (size_t i = 0; i < files.size(); ++i) {
        Dataset& target = presplit ? (part == 0 ? split.train : split.test) : (i % 5 == 4 ? split.test : split.train);
        addImage(target, files[i], label);
      }
    }
  }
  if (split.train.size() == 0 || split.test.size() == 0)
    throw std::invalid_argument(folder + ": found " + std::to_string(split.train.size()) + " training and " +
                                std::to_string(split.test.size()) + " test images; both need at least one");
  return split;
}

DatasetSplit loadCifar10(const std::string& folder) {
  if (!fs::is_directory(folder)) throw std::invalid_argument(folder + ": no such folder");
  std::vector<std::string> names{"airplane", "automobile", "bird",  "cat",  "deer",
                                 "dog",      "frog",       "horse", "ship", "truck"};
  if (std::ifstream meta(folder + "/batches.meta.txt"); meta) {
    std::vector<std::string> read;
    for (std::string line; std::getline(meta, line);)
      if (!line.empty()) read.push_back(line);
    if (read.size() == 10) names = read;
  }
  DatasetSplit split;
  auto readBatch = [&](const std::string& path, Dataset& d) {
    std::error_code error;
    if (int64_t(fs::file_size(path, error)) + int64_t(split.train.pixels.size()) > maxDatasetBytes())
      throw std::invalid_argument(tooLarge(path));
    std::ifstream file(path, std::ios::binary);
    const std::vector<uint8_t> b((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    constexpr size_t record = 1 + 3 * 32 * 32;
    if (b.empty() || b.size() % record != 0)
      throw std::invalid_argument(path + ": " + std::to_string(b.size()) + " bytes is not a whole number of " +
                                  std::to_string(record) + "-byte CIFAR-10 records");
    for (size_t at = 0; at < b.size(); at += record) {
      if (b[at] > 9) throw std::invalid_argument(path + ": label " + std::to_string(b[at]) + " is outside 0..9");
      d.labels.push_back(b[at]);
      d.pixels.insert(d.pixels.end(), b.begin() + static_cast<long>(at) + 1,
                      b.begin() + static_cast<long>(at + record));
    }
  };
  for (Dataset* d : {&split.train, &split.test}) d->name = "cifar10", d->channels = 3, d->height = 32, d->width = 32;
  for (int i = 1; i <= 5; ++i)
    if (const std::string p = folder + "/data_batch_" + std::to_string(i) + ".bin"; fs::exists(p))
      readBatch(p, split.train);
  if (const std::string p = folder + "/test_batch.bin"; fs::exists(p)) readBatch(p, split.test);
  if (split.train.size() == 0 || split.test.size() == 0)
    throw std::invalid_argument(folder + ": needs CIFAR-10's binary batches (data_batch_1.bin … and test_batch.bin)");
  finishClasses(split.train, names, folder);
  finishClasses(split.test, names, folder);
  return split;
}

std::string fashionMnistFolder() { return "/usr/share/datasets/fashion-mnist"; }

DatasetSplit loadDataset(const std::string& spec, int channels, int height, int width) {
  if (spec == "digits") {
    DatasetSplit s = loadIdxFolder(resourcesDirectory() + "/digits", "digits");
    return s;
  }
  if (spec == "scenes") return loadScenes(kSceneTrainCount, kSceneTestCount);
  if (spec == "fashion-mnist") {
    const std::string folder = fashionMnistFolder();
    if (!fs::is_directory(folder))
      throw std::invalid_argument("fashion-mnist is not installed: install Debian's package with "
                                  "'sudo apt-get install dataset-fashion-mnist' (./scripts/run.sh does this)");
    return loadIdxFolder(
        folder, "fashion-mnist",
        {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"});
  }
  const size_t colon = spec.find(':');
  const std::string kind = spec.substr(0, colon), path = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (colon != std::string::npos && path.empty())
    throw std::invalid_argument("dataset '" + spec + "' needs a folder after the colon");
  if (kind == "idx") return loadIdxFolder(path, "idx:" + path);
  if (kind == "folder") return loadImageFolder(path, channels, height, width);
  if (kind == "cifar10") return loadCifar10(path);
  throw std::invalid_argument("unknown dataset '" + spec +
                              "' (expected digits, fashion-mnist, scenes, idx:DIR, folder:DIR or cifar10:DIR)");
}

} // namespace convscope

// The architectures, block by block, as their papers and torchvision define them.
#include "engine/network/Architectures.h"

#include "engine/layers/Activation.h"
#include "engine/layers/Add.h"
#include "engine/layers/BatchNorm.h"
#include "engine/layers/Concat.h"
#include "engine/layers/Conv2D.h"
#include "engine/layers/Dense.h"
#include "engine/layers/Dropout.h"
#include "engine/layers/Flatten.h"
#include "engine/layers/GlobalAvgPool.h"
#include "engine/layers/LocalResponseNorm.h"
#include "engine/layers/Pool2D.h"

#include <stdexcept>

namespace convscope {

namespace {

// Appends layers to a network, each reading the last one unless told otherwise; keeps the
// last layer's name and channel count.
struct Builder {
  Network net;
  std::string last = "input";
  int64_t channels;

  explicit Builder(Shape input) : net(input), channels(input[0]) {}

  std::string add(std::unique_ptr<Layer> layer, std::vector<std::string> inputs = {}) {
    last = layer->name();
    net.add(std::move(layer), inputs.empty() ? std::vector<std::string>{net.size() ? net.layer(net.size() - 1).name()
                                                                                   : std::string("input")}
                                             : inputs);
    return last;
  }
  std::string from(const std::string& name, int64_t c) { // the next layer reads `name`, of c channels
    last = name;
    channels = c;
    return name;
  }
  std::string conv(const std::string& name, int64_t out, int64_t k, int64_t stride = 1, int64_t pad = 0,
                   bool bias = false, int64_t groups = 1) {
    Conv2DGeometry g;
    g.kernelH = g.kernelW = k;
    g.strideH = g.strideW = stride;
    g.padTop = g.padBottom = g.padLeft = g.padRight = pad;
    g.groups = groups;
    const std::string input = last;
    const int64_t in = channels;
    channels = out;
    return add(std::make_unique<Conv2D>(name, in, out, g, bias), {input});
  }
  std::string bn(const std::string& name) { return add(std::make_unique<BatchNorm>(name, channels), {last}); }
  std::string relu(const std::string& name) {
    return add(std::make_unique<Activation>(name, ActivationKind::ReLU), {last});
  }
  std::string pool(const std::string& name, PoolMode mode, int64_t k, int64_t stride, int64_t pad = 0) {
    Pool2DGeometry g;
    g.mode = mode;
    g.kernelH = g.kernelW = k;
    g.strideH = g.strideW = stride;
    g.padTop = g.padBottom = g.padLeft = g.padRight = pad;
    return add(std::make_unique<Pool2D>(name, g), {last});
  }
  std::string dense(const std::string& name, int64_t in, int64_t out) {
    return add(std::make_unique<Dense>(name, in, out), {last});
  }
  std::string sum(const std::string& name, const std::vector<std::string>& inputs) {
    return add(std::make_unique<Add>(name), inputs);
  }
  std::string concat(const std::string& name, const std::vector<std::string>& inputs, int64_t c) {
    channels = c;
    return add(std::make_unique<Concat>(name), inputs);
  }
  // Global average pooling, flatten and the classifier.
  void head(int64_t classes, const std::string& pool = "avgpool", const std::string& fc = "fc") {
    add(std::make_unique<GlobalAvgPool>(pool), {last});
    add(std::make_unique<Flatten>("flatten"), {last});
    dense(fc, channels, classes);
  }
};

// AlexNet as the lecture's table lists it: one tower, no local response normalization.
Network alexnet() {
  Builder b(Shape{3, 227, 227});
  // The paper's local response normalization (size 5, α 1e-4, β 0.75, k 2) after the first
  // two convolutions' ReLU, before their pooling; it has no weights, so the table's counts stay.
  LrnParams lrn;
  lrn.size = 5, lrn.alpha = 1e-4f, lrn.beta = 0.75f, lrn.k = 2.0f;
  b.conv("features.conv1", 96, 11, 4, 0, true), b.relu("features.relu1");
  b.add(std::make_unique<LocalResponseNorm>("features.norm1", lrn), {b.last});
  b.pool("features.pool1", PoolMode::Max, 3, 2);
  b.conv("features.conv2", 256, 5, 1, 2, true), b.relu("features.relu2");
  b.add(std::make_unique<LocalResponseNorm>("features.norm2", lrn), {b.last});
  b.pool("features.pool2", PoolMode::Max, 3, 2);
  b.conv("features.conv3", 384, 3, 1, 1, true), b.relu("features.relu3");
  b.conv("features.conv4", 384, 3, 1, 1, true), b.relu("features.relu4");
  b.conv("features.conv5", 256, 3, 1, 1, true), b.relu("features.relu5");
  b.pool("features.pool5", PoolMode::Max, 3, 2);
  b.add(std::make_unique<Flatten>("flatten"), {b.last});
  b.add(std::make_unique<Dropout>("classifier.dropout1", 0.5f), {b.last});
  b.dense("classifier.fc6", 256 * 6 * 6, 4096), b.relu("classifier.relu6");
  b.add(std::make_unique<Dropout>("classifier.dropout2", 0.5f), {b.last});
  b.dense("classifier.fc7", 4096, 4096), b.relu("classifier.relu7");
  b.dense("classifier.fc8", 4096, 1000);
  return std::move(b.net);
}

Network vgg16() {
  Builder b(Shape{3, 224, 224});
  const std::vector<std::vector<int64_t>> stages{
      {64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}};
  for (size_t s = 0; s < stages.size(); ++s) {
    const std::string block = "features.block" + std::to_string(s + 1) + ".";
    for (size_t i = 0; i < stages[s].size(); ++i) {
      b.conv(block + "conv" + std::to_string(i + 1), stages[s][i], 3, 1, 1, true);
      b.relu(block + "relu" + std::to_string(i + 1));
    }
    b.pool(block + "pool", PoolMode::Max, 2, 2);
  }
  b.add(std::make_unique<Flatten>("flatten"), {b.last});
  b.dense("classifier.fc1", 512 * 7 * 7, 4096), b.relu("classifier.relu1");
  b.add(std::make_unique<Dropout>("classifier.dropout1", 0.5f), {b.last});
  b.dense("classifier.fc2", 4096, 4096), b.relu("classifier.relu2");
  b.add(std::make_unique<Dropout>("classifier.dropout2", 0.5f), {b.last});
  b.dense("classifier.fc3", 4096, 1000);
  return std::move(b.net);
}

// ResNet: a 7×7 stem, four stages of residual blocks (basic: two 3×3; bottleneck: 1×1,
// 3×3 with the stride, 1×1 to four times the width), a 1×1 projection with batch norm on a
// block's shortcut when its shape changes.
Network resnet(const std::vector<int>& blocks, bool bottleneck) {
  Builder b(Shape{3, 224, 224});
  b.conv("conv1", 64, 7, 2, 3), b.bn("bn1"), b.relu("relu");
  b.pool("maxpool", PoolMode::Max, 3, 2, 1);
  const int64_t expansion = bottleneck ? 4 : 1;
  for (size_t stage = 0; stage < blocks.size(); ++stage) {
    const int64_t width = int64_t(64) << stage;
    for (int i = 0; i < blocks[stage]; ++i) {
      const std::string p = "layer" + std::to_string(stage + 1) + "." + std::to_string(i) + ".";
      const int64_t stride = stage > 0 && i == 0 ? 2 : 1;
      const std::string input = b.last;
      const int64_t inChannels = b.channels;
      if (bottleneck) {
        b.conv(p + "conv1", width, 1), b.bn(p + "bn1"), b.relu(p + "relu1");
        b.conv(p + "conv2", width, 3, stride, 1), b.bn(p + "bn2"), b.relu(p + "relu2");
        b.conv(p + "conv3", width * expansion, 1), b.bn(p + "bn3");
      } else {
        b.conv(p + "conv1", width, 3, stride, 1), b.bn(p + "bn1"), b.relu(p + "relu1");
        b.conv(p + "conv2", width, 3, 1, 1), b.bn(p + "bn2");
      }
      const std::string main = b.last;
      std::string shortcut = input;
      if (stride != 1 || inChannels != width * expansion) {
        b.from(input, inChannels);
        b.conv(p + "downsample.0", width * expansion, 1, stride);
        shortcut = b.bn(p + "downsample.1");
      }
      b.sum(p + "add", {main, shortcut});
      b.relu(p + "relu");
    }
  }
  b.head(1000);
  return std::move(b.net);
}

// DenseNet-121: dense blocks of 6, 12, 24 and 16 layers (growth 32; each layer batch norm,
// ReLU, 1×1 to 128, batch norm, ReLU, 3×3 to 32, its maps joined to all before), with
// transitions (batch norm, ReLU, 1×1 halving the channels, 2×2 average pooling) between.
Network densenet121() {
  Builder b(Shape{3, 224, 224});
  b.conv("features.conv0", 64, 7, 2, 3), b.bn("features.norm0"), b.relu("features.relu0");
  b.pool("features.pool0", PoolMode::Max, 3, 2, 1);
  const std::vector<int> layers{6, 12, 24, 16};
  const int64_t growth = 32;
  for (size_t blk = 0; blk < layers.size(); ++blk) {
    const std::string block = "features.denseblock" + std::to_string(blk + 1) + ".";
    std::string joined = b.last;
    int64_t channels = b.channels;
    for (int l = 0; l < layers[blk]; ++l) {
      const std::string p = block + "denselayer" + std::to_string(l + 1) + ".";
      b.from(joined, channels);
      b.bn(p + "norm1"), b.relu(p + "relu1"), b.conv(p + "conv1", 4 * growth, 1);
      b.bn(p + "norm2"), b.relu(p + "relu2");
      const std::string fresh = b.conv(p + "conv2", growth, 3, 1, 1);
      channels += growth;
      joined = b.concat(p + "concat", {joined, fresh}, channels);
    }
    if (blk + 1 < layers.size()) {
      const std::string t = "features.transition" + std::to_string(blk + 1) + ".";
      b.bn(t + "norm"), b.relu(t + "relu"), b.conv(t + "conv", b.channels / 2, 1);
      b.pool(t + "pool", PoolMode::Average, 2, 2);
    }
  }
  b.bn("features.norm5"), b.relu("features.relu5");
  b.head(1000, "avgpool", "classifier");
  return std::move(b.net);
}

// MobileNet v1 (Howard et al. 2017, Table 1): a 3×3 convolution, then 13 depthwise 3×3
// (one filter per channel) + pointwise 1×1 pairs, each followed by batch norm and ReLU.
Network mobilenet() {
  Builder b(Shape{3, 224, 224});
  b.conv("conv0", 32, 3, 2, 1), b.bn("bn0"), b.relu("relu0");
  const std::vector<std::pair<int64_t, int64_t>> layers{{64, 1},  {128, 2},  {128, 1}, {256, 2}, {256, 1},
                                                        {512, 2}, {512, 1},  {512, 1}, {512, 1}, {512, 1},
                                                        {512, 1}, {1024, 2}, {1024, 1}};
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string p = "block" + std::to_string(i + 1) + ".";
    const int64_t c = b.channels;
    b.conv(p + "depthwise", c, 3, layers[i].second, 1, false, c), b.bn(p + "bn1"), b.relu(p + "relu1");
    b.conv(p + "pointwise", layers[i].first, 1), b.bn(p + "bn2"), b.relu(p + "relu2");
  }
  b.head(1000);
  return std::move(b.net);
}

// GoogLeNet (Szegedy et al. 2014, Table 1) without its auxiliary classifiers and without
// local response normalization (which has no parameters): a 7×7 stem, 1×1 and 3×3
// convolutions, nine inception modules with their real 5×5 branches, max pooling 3×3/2 in
// ceil mode between stages, global average pooling, dropout 40 % and the classifier. Every
// convolution has a bias and a ReLU.
Network googlenet() {
  Builder b(Shape{3, 224, 224});
  b.conv("conv1", 64, 7, 2, 3, true), b.relu("conv1.relu");
  const auto maxpool = [&b](const std::string& name) {
    Pool2DGeometry g;
    g.kernelH = g.kernelW = 3;
    g.strideH = g.strideW = 2;
    g.ceilMode = true;
    return b.add(std::make_unique<Pool2D>(name, g), {b.last});
  };
  maxpool("maxpool1");
  b.conv("conv2.reduce", 64, 1, 1, 0, true), b.relu("conv2.reduce.relu");
  b.conv("conv2", 192, 3, 1, 1, true), b.relu("conv2.relu");
  maxpool("maxpool2");
  // name, #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj (Table 1)
  struct Module {
    const char* name;
    int64_t c1, r3, c3, r5, c5, proj;
  };
  const std::vector<std::vector<Module>> stages{
      {{"inception3a", 64, 96, 128, 16, 32, 32}, {"inception3b", 128, 128, 192, 32, 96, 64}},
      {{"inception4a", 192, 96, 208, 16, 48, 64},
       {"inception4b", 160, 112, 224, 24, 64, 64},
       {"inception4c", 128, 128, 256, 24, 64, 64},
       {"inception4d", 112, 144, 288, 32, 64, 64},
       {"inception4e", 256, 160, 320, 32, 128, 128}},
      {{"inception5a", 256, 160, 320, 32, 128, 128}, {"inception5b", 384, 192, 384, 48, 128, 128}}};
  for (size_t s = 0; s < stages.size(); ++s) {
    for (const Module& m : stages[s]) {
      const std::string p = std::string(m.name) + ".", input = b.last;
      const int64_t in = b.channels;
      b.conv(p + "branch1", m.c1, 1, 1, 0, true);
      const std::string b1 = b.relu(p + "branch1.relu");
      b.from(input, in), b.conv(p + "branch2.reduce", m.r3, 1, 1, 0, true), b.relu(p + "branch2.reduce.relu");
      b.conv(p + "branch2", m.c3, 3, 1, 1, true);
      const std::string b2 = b.relu(p + "branch2.relu");
      b.from(input, in), b.conv(p + "branch3.reduce", m.r5, 1, 1, 0, true), b.relu(p + "branch3.reduce.relu");
      b.conv(p + "branch3", m.c5, 5, 1, 2, true);
      const std::string b3 = b.relu(p + "branch3.relu");
      b.from(input, in), b.pool(p + "branch4.pool", PoolMode::Max, 3, 1, 1);
      b.conv(p + "branch4", m.proj, 1, 1, 0, true);
      const std::string b4 = b.relu(p + "branch4.relu");
      b.concat(p + "concat", {b1, b2, b3, b4}, m.c1 + m.c3 + m.c5 + m.proj);
    }
    if (s + 1 < stages.size()) maxpool("maxpool" + std::to_string(s + 3));
  }
  b.add(std::make_unique<GlobalAvgPool>("avgpool"), {b.last});
  b.add(std::make_unique<Flatten>("flatten"), {b.last});
  b.add(std::make_unique<Dropout>("dropout", 0.4f), {b.last});
  b.dense("fc", b.channels, 1000);
  return std::move(b.net);
}

} // namespace

std::vector<std::string> architectureNames() {
  return {"alexnet", "vgg16", "googlenet", "resnet18", "resnet50", "densenet121", "mobilenet"};
}

bool isArchitecture(const std::string& name) {
  for (const std::string& a : architectureNames())
    if (a == name) return true;
  return false;
}

Network makeArchitecture(const std::string& name) {
  if (name == "alexnet") return alexnet();
  if (name == "vgg16") return vgg16();
  if (name == "googlenet") return googlenet();
  if (name == "resnet18") return resnet({2, 2, 2, 2}, false);
  if (name == "resnet50") return resnet({3, 4, 6, 3}, true);
  if (name == "densenet121") return densenet121();
  if (name == "mobilenet") return mobilenet();
  std::string names;
  for (const std::string& a : architectureNames()) names += (names.empty() ? "" : ", ") + a;
  throw std::invalid_argument("unknown architecture '" + name + "' (architectures: " + names + ")");
}

} // namespace convscope

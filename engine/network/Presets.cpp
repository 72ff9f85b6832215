// The presets, layer by layer as the lecture's tables list them.
#include "engine/network/Presets.h"

#include "engine/network/Architectures.h"
#include "engine/network/LayerList.h"

#include "engine/layers/Activation.h"
#include "engine/layers/Conv2D.h"
#include "engine/layers/Dense.h"
#include "engine/layers/Flatten.h"
#include "engine/layers/Pool2D.h"
#include "engine/layers/Softmax.h"

#include <stdexcept>

namespace convscope {

namespace {
const std::vector<std::pair<std::string, std::string>>& miniPresets();
const std::vector<std::pair<std::string, std::string>>& segmentationPresets();
const std::vector<std::pair<std::string, std::string>>& detectionPresets();
const std::vector<std::pair<std::string, std::string>>& generativePresets();
const std::vector<std::pair<std::string, std::string>>& ganDiscriminatorPresets();
}

std::vector<std::string> presetNames() {
  std::vector<std::string> names{"lenet5", "lenet5-relu"};
  for (const auto& [name, text] : miniPresets()) names.push_back(name);
  return names;
}

double presetLearningRate(const std::string& name) { return presetRecipe(name).learningRate; }

PresetRecipe presetRecipe(const std::string& name) {
  PresetRecipe r;
  for (const auto& [mini, text] : miniPresets())
    if (mini == name) r.learningRate = 0.01; // batch normalization and branches: the default 0.05 is too fast for some
  if (isSegmentationPreset(name)) // measured by bench/segmentation.py: within 3 minutes on 2 cores
    r.epochs = 8, r.batchSize = 32, r.learningRate = 0.003, r.optimizer = "adam", r.loss = "ce+dice";
  if (isDetectionPreset(name)) // measured by bench/detection.py: within 5 minutes on 2 cores
    r.epochs = 12, r.batchSize = 32, r.learningRate = 0.002, r.optimizer = "adam", r.loss = "ssd";
  if (isGenerativePreset(name) && !isGanPreset(name)) // the negative ELBO, Adam as pytorch/examples' VAE: 107 nats in 90 s on 2 cores
    r.epochs = 40, r.batchSize = 64, r.learningRate = 0.001, r.optimizer = "adam", r.loss = "elbo";
  if (isGanPreset(name)) // DCGAN's Adam (β₁ 0.5) at 15 times its rate: on 8,000 digits, 0.0002 leaves 61 % of
    // the samples legible to LeNet-5 after 60 epochs, 0.003 over 70 % after 80 (BENCHMARKS.md, bench/generative.py)
    r.epochs = 80, r.batchSize = 64, r.learningRate = 0.003, r.beta1 = 0.5, r.optimizer = "adam", r.loss = "gan";
  if (name == "mini-srgan" || name == "mini-srgan-4x") // the reconstruction plus a hundredth of the
    // adversarial loss (SRGAN: a thousandth, beside a loss on VGG features); bench/generative.py --model mini-srgan
    r.epochs = 20, r.learningRate = 0.001, r.adversarialWeight = 0.01;
  return r;
}

std::vector<std::string> segmentationPresetNames() {
  std::vector<std::string> names;
  for (const auto& [name, text] : segmentationPresets()) names.push_back(name);
  return names;
}

bool isSegmentationPreset(const std::string& name) {
  for (const auto& [preset, text] : segmentationPresets())
    if (preset == name) return true;
  return false;
}

std::vector<std::string> detectionPresetNames() {
  std::vector<std::string> names;
  for (const auto& [name, text] : detectionPresets()) names.push_back(name);
  return names;
}

bool isDetectionPreset(const std::string& name) {
  for (const auto& [preset, text] : detectionPresets())
    if (preset == name) return true;
  return false;
}

DetectorSpec presetDetectorSpec(const std::string& name) {
  if (!isDetectionPreset(name)) throw std::invalid_argument("'" + name + "' is not a detection preset (mini-ssd)");
  DetectorSpec spec;
  for (int d = 0; d < 10; ++d) spec.classNames.push_back(std::to_string(d));
  // The scenes' digits are 8 to 20 pixels wide and 16 to 20 high (√(w·h) 13 to 20, width / height
  // 0.4 to 1.25): the fine level's anchors fit the narrow and middling ones, the coarse level's
  // the wide ones.
  spec.levels = {{"head1", 4, {12, 17}, {1.0, 0.6}}, {"head2", 8, {22}, {1.0, 0.6}}};
  return spec;
}

std::vector<std::string> generativePresetNames() {
  std::vector<std::string> names;
  for (const auto& [name, text] : generativePresets()) names.push_back(name);
  return names;
}

bool isGenerativePreset(const std::string& name) {
  for (const auto& [preset, text] : generativePresets())
    if (preset == name) return true;
  return false;
}

bool isGanPreset(const std::string& name) {
  for (const auto& [preset, text] : ganDiscriminatorPresets())
    if (preset == name) return true;
  return false;
}

Network makePresetDiscriminator(const std::string& name) {
  for (const auto& [preset, text] : ganDiscriminatorPresets())
    if (preset == name) return buildLayerList(text);
  throw std::invalid_argument("'" + name + "' is not a GAN preset (mini-dcgan, mini-srgan)");
}

bool isPreset(const std::string& name) {
  for (const std::string& p : presetNames())
    if (p == name) return true;
  return isSegmentationPreset(name) || isDetectionPreset(name) || isGenerativePreset(name) || isArchitecture(name);
}

namespace {
// The lecture's architectures in small form for 28×28 digits, each keeping its family's
// idea; layer lists, so that the editor shows them as text (Layers…). Each reaches 95 % on
// the digits in 3 epochs (seed 1) with its learning rate, 0.01 (BENCHMARKS.md).
const std::vector<std::pair<std::string, std::string>>& miniPresets() {
  static const std::vector<std::pair<std::string, std::string>> minis{
      {"mini-vgg", // stacks of 3×3 convolutions, then pooling (VGG)
       R"(input 1x28x28
conv 16 3x3 pad 1
relu
conv 16 3x3 pad 1
relu
maxpool 2x2
conv 32 3x3 pad 1
relu
conv 32 3x3 pad 1
relu
maxpool 2x2
flatten
dense 64
relu
dense 10
)"},
      {"mini-resnet", // residual blocks with batch normalization, the second strided with a 1×1 projection (ResNet)
       R"(input 1x28x28
conv 16 3x3 pad 1 nobias
batchnorm
relu as stem
conv 16 3x3 pad 1 nobias
batchnorm
relu
conv 16 3x3 pad 1 nobias
batchnorm
add stem
relu as block1
conv 32 3x3 stride 2 pad 1 nobias
batchnorm
relu
conv 32 3x3 pad 1 nobias
batchnorm as main2
conv 32 1x1 stride 2 nobias from block1
batchnorm
add main2
relu
maxpool 2x2
flatten
dense 10
)"},
      {"mini-inception", // an inception module: 1×1, 3×3, 5×5 and pooling branches joined (GoogLeNet)
       R"(input 1x28x28
conv 16 3x3 pad 1
relu
maxpool 2x2 as stem
conv 8 1x1 as b1
conv 8 1x1 from stem
relu
conv 12 3x3 pad 1 as b2
conv 4 1x1 from stem
relu
conv 6 5x5 pad 2 as b3
maxpool 3x3 stride 1 pad 1 from stem
conv 6 1x1 as b4
concat b2 b3 b4 from b1
relu
maxpool 2x2
flatten
dense 10
)"},
      {"mini-densenet", // a dense block of three layers, each joined to all before it, and a transition (DenseNet)
       R"(input 1x28x28
conv 16 3x3 pad 1
batchnorm
relu
maxpool 2x2 as stem
conv 8 3x3 pad 1
batchnorm
relu as new1
concat new1 from stem as cat1
conv 8 3x3 pad 1
batchnorm
relu as new2
concat new2 from cat1 as cat2
conv 8 3x3 pad 1
batchnorm
relu as new3
concat new3 from cat2
conv 20 1x1
avgpool 2x2
flatten
dense 10
)"},
      {"mini-mobilenet", // depthwise 3×3 + pointwise 1×1 pairs with batch normalization (MobileNet)
       R"(input 1x28x28
conv 16 3x3 pad 1 nobias
batchnorm
relu
conv 16 3x3 pad 1 groups 16 nobias
batchnorm
relu
conv 32 1x1 nobias
batchnorm
relu
conv 32 3x3 stride 2 pad 1 groups 32 nobias
batchnorm
relu
conv 64 1x1 nobias
batchnorm
relu
conv 64 3x3 pad 1 groups 64 nobias
batchnorm
relu
conv 64 1x1 nobias
batchnorm
relu
maxpool 2x2
flatten
dense 10
)"},
  };
  return minis;
}

// Segmentation on the composed scenes (1×64×64 in, a score for each of the 11 pixel classes —
// the background and the digits 0–9 — at every pixel out). mini-unet: an encoder of two
// poolings, a decoder of two 2×2 stride-2 transposed convolutions, each joined to the encoder's
// maps of its size (U-Net's skip connections); mini-fcn: the same encoder, its scores upsampled
// 4× at the end without skips (FCN-32s's way, here bilinear), the blobs skips fix.
const std::vector<std::pair<std::string, std::string>>& segmentationPresets() {
  // The encoder both share: two blocks of two 3×3 convolutions, each followed by a 2×2 pooling,
  // then the bottleneck's block at a quarter of the size.
  const auto encoder = [](const std::string& first, const std::string& second) {
    return "input 1x64x64\nconv 16 3x3 pad 1\nrelu\nconv 16 3x3 pad 1\nrelu" + first +
           "\nmaxpool 2x2\nconv 32 3x3 pad 1\nrelu\nconv 32 3x3 pad 1\nrelu" + second +
           "\nmaxpool 2x2\nconv 64 3x3 pad 1\nrelu\nconv 64 3x3 pad 1\nrelu\n";
  };
  static const std::vector<std::pair<std::string, std::string>> presets{
      {"mini-unet", encoder(" as skip1", " as skip2") + R"(deconv 32 2x2 stride 2
concat skip2
conv 32 3x3 pad 1
relu
conv 32 3x3 pad 1
relu
deconv 16 2x2 stride 2
concat skip1
conv 16 3x3 pad 1
relu
conv 16 3x3 pad 1
relu
conv 11 1x1
)"},
      {"mini-fcn", encoder("", "") + R"(conv 11 1x1
upsample 4 bilinear
)"},
  };
  return presets;
}

// Detection on the composed scenes (1×64×64 in): a backbone of three 3×3 blocks down to a
// 16×16 map (stride 4) and one more down to 8×8 (stride 8), a 3×3 head on each giving every
// anchor of its cells 4 offsets and 11 scores (the background and the digits), flattened and
// joined: SSD's layout (engine/detection/Anchors.h), its anchors presetDetectorSpec's.
const std::vector<std::pair<std::string, std::string>>& detectionPresets() {
  static const std::vector<std::pair<std::string, std::string>> presets{
      {"mini-ssd", R"(input 1x64x64
conv 16 3x3 pad 1
relu
maxpool 2x2
conv 32 3x3 pad 1
relu
maxpool 2x2
conv 64 3x3 pad 1
relu
conv 64 3x3 pad 1
relu as features1
maxpool 2x2
conv 64 3x3 pad 1
relu
conv 64 3x3 pad 1
relu
conv 30 3x3 pad 1 as head2
flatten as flat2
conv 60 3x3 pad 1 from features1 as head1
flatten as flat1
concat flat2
)"},
  };
  return presets;
}

// Generative models on the 28×28 digits. mini-dcgan: DCGAN's generator in small, noise of 64
// numbers to 64 maps of 7×7, two 4×4 stride-2 transposed convolutions (7 → 14 → 28) with batch
// normalization, a sigmoid to pixels in [0, 1]. mini-vae: a convolutional encoder (two 4×4 stride-2
// convolutions, 28 → 14 → 7) to a mean and a log-variance of a 16-number code, the code drawn
// (sample), and a decoder mirroring the encoder with transposed convolutions (7 → 14 → 28) to the
// logits of every pixel. mini-vae-2d: the same with a code of 2 numbers, a plane to draw.
// mini-srgan: super-resolution, a 14×14 digit (the 28×28 one averaged over 2×2 blocks) through two
// 3×3 convolutions, one 4×4 stride-2 transposed convolution (14 → 28) and a 3×3 convolution to
// pixels in [0, 1]; its discriminator is mini-dcgan's. mini-srgan-4x: the same from 7×7 (4×4
// blocks), with a second stride-2 transposed convolution (7 → 14 → 28).
const std::vector<std::pair<std::string, std::string>>& generativePresets() {
  static const std::vector<std::pair<std::string, std::string>> presets{
      {"mini-vae", R"(input 1x28x28
conv 32 4x4 stride 2 pad 1
relu
conv 64 4x4 stride 2 pad 1
relu
flatten
dense 32 as code
sample
dense 3136
relu
reshape 64x7x7
deconv 32 4x4 stride 2 pad 1
relu
deconv 1 4x4 stride 2 pad 1
)"},
      {"mini-vae-2d", R"(input 1x28x28
conv 32 4x4 stride 2 pad 1
relu
conv 64 4x4 stride 2 pad 1
relu
flatten
dense 4 as code
sample
dense 3136
relu
reshape 64x7x7
deconv 32 4x4 stride 2 pad 1
relu
deconv 1 4x4 stride 2 pad 1
)"},
      {"mini-dcgan", R"(input 64
dense 3136
reshape 64x7x7
batchnorm
relu
deconv 32 4x4 stride 2 pad 1
batchnorm
relu
deconv 1 4x4 stride 2 pad 1
sigmoid
)"},
      {"mini-srgan", R"(input 1x14x14
conv 64 3x3 pad 1
relu
conv 64 3x3 pad 1
relu
deconv 32 4x4 stride 2 pad 1
relu
conv 1 3x3 pad 1
sigmoid
)"},
      {"mini-srgan-4x", R"(input 1x7x7
conv 64 3x3 pad 1
relu
conv 64 3x3 pad 1
relu
deconv 64 4x4 stride 2 pad 1
relu
deconv 32 4x4 stride 2 pad 1
relu
conv 1 3x3 pad 1
sigmoid
)"},
  };
  return presets;
}

// The GAN presets' discriminators (the generator is generativePresets' entry of the same name).
// mini-dcgan's: DCGAN's, two 4×4 stride-2 convolutions with leaky ReLUs (28 → 14 → 7), one logit;
// without DCGAN's batch normalization, which on the 8,000 digits let the discriminator win early
// and the generator drop the 1s (bench/generative.py's notes in BENCHMARKS.md). The
// super-resolution presets judge the same 28×28 digits with the same discriminator.
const std::vector<std::pair<std::string, std::string>>& ganDiscriminatorPresets() {
  static const std::string dcgan = R"(input 1x28x28
conv 32 4x4 stride 2 pad 1
leaky-relu 0.2
conv 64 4x4 stride 2 pad 1
leaky-relu 0.2
flatten
dense 1
)";
  static const std::vector<std::pair<std::string, std::string>> presets{
      {"mini-dcgan", dcgan}, {"mini-srgan", dcgan}, {"mini-srgan-4x", dcgan}};
  return presets;
}

Network lenet5(bool relu) {
  const ActivationKind act = relu ? ActivationKind::ReLU : ActivationKind::Tanh;
  Conv2DGeometry conv5;
  conv5.kernelH = conv5.kernelW = 5;
  Pool2DGeometry pool; // 2x2, stride 2
  pool.mode = relu ? PoolMode::Max : PoolMode::Average;
  Network net(Shape{1, 32, 32});
  net.add(std::make_unique<Conv2D>("conv1", 1, 6, conv5));
  net.add(std::make_unique<Activation>("act1", act));
  net.add(std::make_unique<Pool2D>("pool1", pool));
  net.add(std::make_unique<Conv2D>("conv2", 6, 16, conv5));
  net.add(std::make_unique<Activation>("act2", act));
  net.add(std::make_unique<Pool2D>("pool2", pool));
  net.add(std::make_unique<Conv2D>("conv3", 16, 120, conv5));
  net.add(std::make_unique<Activation>("act3", act));
  net.add(std::make_unique<Flatten>("flatten"));
  net.add(std::make_unique<Dense>("fc1", 120, 84));
  net.add(std::make_unique<Activation>("act4", act));
  net.add(std::make_unique<Dense>("fc2", 84, 10));
  net.add(std::make_unique<Softmax>("softmax"));
  return net;
}
} // namespace

Network makePreset(const std::string& name) {
  if (name == "lenet5") return lenet5(false);
  if (name == "lenet5-relu") return lenet5(true);
  if (isArchitecture(name)) return makeArchitecture(name);
  for (const auto& [mini, text] : miniPresets())
    if (mini == name) return buildLayerList(text);
  for (const auto& [preset, text] : segmentationPresets())
    if (preset == name) return buildLayerList(text);
  for (const auto& [preset, text] : detectionPresets())
    if (preset == name) return buildLayerList(text);
  for (const auto& [preset, text] : generativePresets())
    if (preset == name) return buildLayerList(text);
  std::string names;
  for (const std::string& p : presetNames()) names += (names.empty() ? "" : ", ") + p;
  for (const std::string& p : segmentationPresetNames()) names += ", " + p;
  for (const std::string& p : detectionPresetNames()) names += ", " + p;
  for (const std::string& p : generativePresetNames()) names += ", " + p;
  for (const std::string& a : architectureNames()) names += ", " + a;
  throw std::invalid_argument("unknown model preset '" + name + "' (presets: " + names + ")");
}

} // namespace convscope

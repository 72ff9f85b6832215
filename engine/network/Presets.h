// Named network presets. lenet5 is exactly the lecture's LeNet-5 table (61,706 parameters);
// lenet5-relu swaps tanh for ReLU and average for max pooling; mini-vgg, mini-resnet,
// mini-inception, mini-densenet and mini-mobilenet are the lecture's architectures in small
// form for the 28×28 digits.
// Not for: the architecture browser's large networks.
#pragma once

#include "engine/detection/Anchors.h"
#include "engine/network/Network.h"

#include <string>
#include <vector>

namespace convscope {

std::vector<std::string> presetNames(); // the ones that train on the digits
// The learning rate a preset trains well with: 0.05 for LeNet-5, 0.01 for the mini versions.
double presetLearningRate(const std::string& name);
// The segmentation presets, mini-unet and mini-fcn: 1×64×64 composed scenes in, a score for
// each of the 11 pixel classes (the background, the digits 0–9) at every pixel out.
std::vector<std::string> segmentationPresetNames();
bool isSegmentationPreset(const std::string& name);
// The detection preset, mini-ssd: 1×64×64 composed scenes in, SSD's outputs for two levels of
// anchors out (engine/detection/Anchors.h); its anchors and classes are presetDetectorSpec's.
std::vector<std::string> detectionPresetNames();
bool isDetectionPreset(const std::string& name);
DetectorSpec presetDetectorSpec(const std::string& name); // throws for another name
// The generative presets: mini-vae (a convolutional VAE on the 28×28 digits, a 16-number code)
// and mini-dcgan (a GAN: makePreset gives its generator, makePresetDiscriminator its discriminator).
std::vector<std::string> generativePresetNames();
bool isGenerativePreset(const std::string& name);
bool isGanPreset(const std::string& name);
Network makePresetDiscriminator(const std::string& name); // throws for a name that is no GAN preset
// How a preset trains when nothing else is asked for: the command line's and the window's
// starting values. The classifiers: 10 epochs of batches of 64, SGD with momentum 0.9 at
// presetLearningRate; the segmentation presets: their own (8 epochs of 32, Adam at 0.003, the
// per-pixel cross-entropy plus Dice).
struct PresetRecipe {
  int epochs = 10;
  int batchSize = 64;
  double learningRate = 0.05;
  std::string optimizer = "sgd";
  std::string loss = "ce";
  double beta1 = 0.9; // Adam's
  double adversarialWeight = 1.0; // a GAN's generator's (TrainConfig::adversarialWeight)
};
PresetRecipe presetRecipe(const std::string& name);
// A preset or one of the full-size architectures (Architectures.h).
bool isPreset(const std::string& name);
// An untrained network (weights zero); throws std::invalid_argument for an unknown name.
Network makePreset(const std::string& name);

} // namespace convscope

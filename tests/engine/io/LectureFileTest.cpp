// Lecture files: the text round-trips every field exactly; images go as PNG, other inputs as
// numbers; each malformed field is named.
#include "engine/io/LectureFile.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <limits>
#include <regex>

using namespace convscope;

namespace {
LectureState sample() {
  LectureState s;
  s.inputName = "typed";
  s.input = Tensor(Shape{1, 1, 2, 3}, std::vector<float>{0.1f, -2.5f, 3, 1e-7f, 255, 7});
  s.kernels = {{"k", Tensor(Shape{1, 2, 2}, std::vector<float>{1, -1, 0.333333f, 2})}};
  s.convolution.padding = PaddingSpec::parse("1,2,3,4");
  s.convolution.strideH = 2, s.convolution.dilationW = 3, s.convolution.bias = -0.75f;
  s.activation = ActivationKind::LeakyReLU;
  s.pool.mode = PoolMode::Sum, s.pool.kernelH = 3, s.pool.ceilMode = true;
  s.model = "models/m.json";
  s.tab = "architectures", s.network = "googlenet";
  s.stepMode = "pooling", s.stepPosition = 12, s.stepKernel = 1, s.stepChannel = 2;
  s.backwardLoop = 3, s.backwardStage = 4, s.backwardCell = 5;
  s.presenter = true, s.contrast = 8, s.sharedScale = true;
  return s;
}
} // namespace

TEST(LectureFile, EveryFieldRoundTrips) {
  const std::string text = serializeLecture(sample());
  const LectureState s = parseLecture(text, "x");
  EXPECT_EQ(serializeLecture(s), text);
  EXPECT_EQ(s.input.values(), sample().input.values()); // numbers, exactly (not an image)
  EXPECT_NE(text.find("\"numbers\""), std::string::npos);
  EXPECT_EQ(s.convolution.padding.right, 4);
  EXPECT_EQ(s.convolution.bias, -0.75f);
  EXPECT_EQ(s.pool.mode, PoolMode::Sum);
  EXPECT_TRUE(s.pool.ceilMode);
  EXPECT_EQ(s.backwardStage, 4);
}

TEST(LectureFile, TheTransposedConvolutionAndTheApplicationsTabRoundTrip) {
  LectureState state = sample();
  state.stepMode = "deconv", state.tab = "applications", state.segmentationScene = 17;
  state.detection = {42, 0.55, 0.3, 2, 1, 3, 5};
  state.deconv.sample = "k4s2p1", state.deconv.stride = 2, state.deconv.padding = 1, state.deconv.outputPadding = 0;
  state.deconv.view = "zero-inserted", state.deconv.selected = 7, state.deconv.compare = true;
  const std::string text = serializeLecture(state);
  const LectureState s = parseLecture(text, "x");
  EXPECT_EQ(serializeLecture(s), text);
  EXPECT_EQ(s.stepMode, "deconv");
  EXPECT_EQ(s.segmentationScene, 17);
  EXPECT_EQ(s.detection, (LectureState::DetectionView{42, 0.55, 0.3, 2, 1, 3, 5}));
  EXPECT_EQ(s.deconv.sample, "k4s2p1");
  EXPECT_EQ(s.deconv.view, "zero-inserted");
  EXPECT_EQ(s.deconv.selected, 7);
  EXPECT_TRUE(s.deconv.compare);
  // A file from before both opens with their defaults.
  nlohmann::json old = nlohmann::json::parse(text);
  old["stepper"].erase("deconv");
  old.erase("segmentation_scene");
  old.erase("detection");
  old["stepper"]["mode"] = "pooling";
  old["tab"] = "maps";
  const LectureState before = parseLecture(old.dump(), "old");
  EXPECT_EQ(before.deconv.sample, "k3s2p1op1");
  EXPECT_EQ(before.segmentationScene, 0);
  EXPECT_EQ(before.detection, LectureState::DetectionView{});
}

TEST(LectureFile, PerChannelRoundTripsAndVersionOneMeantIt) {
  LectureState state = sample();
  for (const bool perChannel : {false, true}) {
    state.convolution.perChannel = perChannel;
    EXPECT_EQ(parseLecture(serializeLecture(state), "x").convolution.perChannel, perChannel);
  }
  // A version 1 file (before the setting existed) was saved when a one-block kernel always
  // filtered each channel on its own: it opens so.
  state.convolution.perChannel = false;
  std::string text = serializeLecture(state);
  const auto replace = [&text](const std::string& from, const std::string& to) {
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  };
  replace("\"version\": 2", "\"version\": 1");
  text = std::regex_replace(text, std::regex(",\\s*\"per_channel\": false|\"per_channel\": false,\\s*"), "");
  ASSERT_EQ(text.find("per_channel"), std::string::npos);
  EXPECT_TRUE(parseLecture(text, "old.convscope").convolution.perChannel);
}

TEST(LectureFile, AnRgbImageTravelsAsPngExactly) {
  LectureState s = sample();
  s.inputIsMatrix = false;
  s.input = Tensor(Shape{1, 3, 4, 5});
  for (int64_t i = 0; i < s.input.size(); ++i) s.input.values()[size_t(i)] = float((i * 37) % 256);
  const std::string text = serializeLecture(s);
  EXPECT_NE(text.find("\"png\""), std::string::npos);
  EXPECT_EQ(parseLecture(text, "x").input.values(), s.input.values());
}

TEST(LectureFile, EachBadFieldIsNamed) {
  const std::string good = serializeLecture(sample());
  const auto refused = [&good](const std::string& from, const std::string& to) {
    std::string text = good;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    try {
      parseLecture(text, "slide.convscope");
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(
      refused("\"tab\": \"architectures\"", "\"tab\": \"stage\""),
      "slide.convscope: \"tab\" must be one of maps, stepper, training, architectures, depthwise, applications, detection (got "
      "\"stage\")");
  EXPECT_EQ(refused("\"sample\": \"k3s2p1op1\"", "\"sample\": \"k9\""),
            "slide.convscope: \"stepper.deconv.sample\" must be one of workspace, k3s2p1op1, k2s2, k4s2p1 (got \"k9\")");
  EXPECT_EQ(refused("\"output_padding\": 1", "\"output_padding\": 7"),
            "slide.convscope: \"stepper.deconv.output_padding\" must be a whole number from 0 to 3 (got 7)");
  EXPECT_EQ(refused("\"nms_step\": -1", "\"nms_step\": -2"),
            "slide.convscope: \"detection.nms_step\" must be a whole number from -1 to 100000 (got -2)");
  EXPECT_EQ(refused("\"score\": 0.3", "\"score\": 1.5"),
            "slide.convscope: \"detection.score\" must be a number from 0 to 1 (got 1.5)");
  EXPECT_EQ(refused("\"segmentation_scene\": 0", "\"segmentation_scene\": 500"),
            "slide.convscope: \"segmentation_scene\" must be a whole number from -1 to 499 (got 500)");
  EXPECT_EQ(refused("\"working_side\": 512", "\"working_side\": 5"),
            "slide.convscope: \"input.working_side\" must be a whole number from 16 to 8192 (got 5)");
  EXPECT_EQ(refused("\"stride\": [\n   2,", "\"stride\": [\n   0,"),
            "slide.convscope: \"convolution.stride\" must be a whole number from 1 to 64 (got 0)");
  EXPECT_NE(refused("0.10000000149011612", "\"a\"").find("\"input.numbers.values\" holds \"a\""), std::string::npos);
  EXPECT_EQ(refused("\"format\": \"convscope-lecture\"", "\"format\": \"convscope-model\""),
            "slide.convscope: not a ConvScope lecture file (no \"format\": \"convscope-lecture\")");
  EXPECT_NE(refused("\"mode\": \"sum\"", "\"mode\": \"median\"").find("\"pooling.mode\""), std::string::npos);
  EXPECT_NE(refused("{", "[").find("not a ConvScope lecture file"), std::string::npos);
}

TEST(LectureFile, WhatCannotBeReadBackIsNotWritten) {
  LectureState s = sample();
  s.convolution.strideH = 500; // set from the command line, beyond what a lecture holds
  try {
    serializeLecture(s);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "stride 500: a lecture file holds 1 to 64");
  }
  s = sample();
  s.input.values()[0] = std::numeric_limits<float>::infinity();
  EXPECT_THROW(serializeLecture(s), std::invalid_argument);
  // Reading: a number beyond float's range is refused (it would become infinity).
  std::string text = serializeLecture(sample());
  text.replace(text.find("-0.75"), 5, "1e300");
  EXPECT_THROW(parseLecture(text, "x"), std::invalid_argument);
  // A tiny file cannot ask for huge maps: padding beyond 256 is refused.
  text = serializeLecture(sample());
  text.replace(text.find("\"pad\": [\n   1,"), 14, "\"pad\": [\n   4096,");
  EXPECT_THROW(parseLecture(text, "x"), std::invalid_argument);
}

TEST(LectureFile, AModelsNormalizationTravelsWithTheLectureAndIsChecked) {
  LectureState s = sample();
  const std::string plain = serializeLecture(s);
  EXPECT_EQ(plain.find("model_normalization"), std::string::npos); // the model's own: nothing written
  s.modelMean = {0.485f, 0.456f, 0.406f}, s.modelStd = {0.229f, 0.224f, 0.225f};
  const std::string text = serializeLecture(s);
  const LectureState back = parseLecture(text, "x");
  EXPECT_EQ(back.modelMean, s.modelMean);
  EXPECT_EQ(back.modelStd, s.modelStd);
  EXPECT_EQ(serializeLecture(back), text);
  nlohmann::json j = nlohmann::json::parse(text);
  j["model_normalization"]["std"] = {0.2, 0.0, 0.2};
  try {
    parseLecture(j.dump(), "bad.lecture");
    FAIL() << "read";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "bad.lecture: \"model_normalization.std\" holds 0.0: numbers above 0 and at most 10 are expected");
  }
  j["model_normalization"]["std"] = {0.2, 0.2};
  EXPECT_THROW(parseLecture(j.dump(), "bad.lecture"), std::invalid_argument); // 3 means, 2 deviations
}

// The layer kinds' registry: each kind found by its type and its keywords, and every kind
// making the same layer through the three doors (a layer-list line, a model file, and the
// layer-list text a network writes of itself).
#include "engine/layers/LayerKind.h"
#include "engine/network/LayerList.h"
#include "engine/io/ModelFile.h"

#include <gtest/gtest.h>

#include <set>

using namespace convscope;

TEST(LayerKind, EveryKindIsFoundByItsTypeAndItsKeywords) {
  std::set<std::string> types, keywords;
  for (const LayerKind& k : layerKinds()) {
    EXPECT_TRUE(types.insert(k.type).second) << "two kinds of type " << k.type;
    EXPECT_EQ(layerKindOfType(k.type), &k);
    EXPECT_FALSE(k.syntax.empty()) << k.type;
    ASSERT_TRUE(k.load) << k.type;
    for (const std::string& w : k.keywords) {
      EXPECT_TRUE(keywords.insert(w).second) << "two kinds answer to " << w;
      EXPECT_EQ(layerKindOfKeyword(w), &k);
      EXPECT_TRUE(k.plan) << k.type;
    }
  }
  EXPECT_EQ(layerKindOfType("Transformer"), nullptr);
  EXPECT_EQ(layerKindOfKeyword("attention"), nullptr);
  EXPECT_EQ(layerTypeNames(),
            "Conv2D, ConvTranspose2D, Upsample, Pad2D, Pool2D, Activation, PReLU, Clamp, Flatten, Reshape, Sample, Dense, Softmax, Add, Arithmetic, Concat, ChannelSlice, "
            "ChannelShuffle, ChannelScale, ChannelShift, GlobalAvgPool, Dropout, BatchNorm, LayerNorm, LocalResponseNorm");
}

TEST(LayerKind, EveryKindMakesTheSameLayerFromAListAFileAndItsOwnLine) {
  const std::string list = "input 3x16x16\n"
                           "conv 4 3x3 stride 1 pad 1 dilation 1\n"
                           "leaky-relu 0.2 as stem\n"
                           "conv 4 3x3 pad 1\n"
                           "add stem\n"
                           "conv 2 1x1 from stem\n"
                           "concat add1\n"
                           "shuffle 3\n"
                           "slice 1 5\n"
                           "maxpool 2x2\n"
                           "conv 6 3x3 stride 2\n"
                           "deconv 6 2x2 stride 2 outpad 1\n"
                           "upsample 2 bilinear\n"
                           "pad 1 reflect\n"
                           "maxpool 2x2\n"
                           "batchnorm\n"
                           "layernorm eps 1e-06\n"
                           "scale 0.5\n"
                           "shift\n"
                           "lrn 3 alpha 0.5 beta 0.75 k 2\n"
                           "tanh\n"
                           "avgpool 2x2 stride 1\n"
                           "sigmoid\n"
                           "relu\n"
                           "globalavgpool\n"
                           "flatten\n"
                           "dropout 0.25\n"
                           "fc 12\n"
                           "sample\n"
                           "reshape 6\n"
                           "dense 5 as logits\n"
                           "sigmoid\n"
                           "multiply logits\n"
                           "subtract logits\n"
                           "divide logits\n"
                           "prelu channels init 0.1\n"
                           "clamp none 3\n"
                           "softmax\n";
  const Network built = buildLayerList(list);
  ASSERT_EQ(built.size(), 37u);
  EXPECT_EQ(built.nodes()[3].inputs, (std::vector<int>{2, 1})); // add1: conv2 + stem
  EXPECT_EQ(built.nodes()[4].inputs, (std::vector<int>{1}));    // conv3 from stem
  EXPECT_EQ(built.nodes()[5].inputs, (std::vector<int>{4, 3})); // concat1: conv3, add1
  EXPECT_EQ(built.shapes(1)[5], (Shape{1, 6, 16, 16}));
  EXPECT_FALSE(built.isSequential());
  std::set<std::string> kinds;
  for (size_t i = 0; i < built.size(); ++i) kinds.insert(built.layer(i).kind());
  EXPECT_EQ(kinds.size(), layerKinds().size()) << "the list should use every kind";
  const Network again = buildLayerList(layerListText(built));
  const Model loaded = parseModel(serializeModel(built, ModelInfo{}), "round trip");
  ASSERT_EQ(again.size(), built.size());
  ASSERT_EQ(loaded.network.size(), built.size());
  for (size_t i = 0; i < built.size(); ++i) {
    EXPECT_EQ(again.layer(i).describe(), built.layer(i).describe());
    EXPECT_EQ(loaded.network.layer(i).describe(), built.layer(i).describe());
    EXPECT_EQ(loaded.network.layer(i).title(), built.layer(i).title());
    EXPECT_EQ(loaded.network.layer(i).layerListLine(), built.layer(i).layerListLine());
    EXPECT_EQ(again.layer(i).name(), built.layer(i).name());
  }
  EXPECT_EQ(built.layer(1).layerListLine(), "leaky-relu 0.2");
  EXPECT_EQ(built.layer(1).name(), "stem");
  EXPECT_EQ(again.nodes()[5].inputs, built.nodes()[5].inputs);
  EXPECT_EQ(loaded.network.nodes()[5].inputs, built.nodes()[5].inputs);
  EXPECT_NE(layerListText(built).find("conv 2 1x1 from stem\nconcat add1\n"), std::string::npos)
      << layerListText(built);
  EXPECT_EQ(built.layer(0).title(), "conv1: 4 filters 3×3, stride 1, padding 1,1,1,1");
  EXPECT_EQ(built.layer(6).describe(), "ChannelShuffle 'shuffle1' groups=3");
  EXPECT_EQ(built.layer(7).describe(), "ChannelSlice 'slice1' channels 1:5");
  EXPECT_EQ(built.shapes(1)[7], (Shape{1, 4, 16, 16}));
  EXPECT_EQ(built.layer(10).layerListLine(), "deconv 6 2x2 stride 2 outpad 1");
  EXPECT_EQ(built.shapes(1)[10], (Shape{1, 6, 7, 7})); // (3 − 1)·2 + (2 − 1) + 1 + 1
  EXPECT_EQ(built.layer(11).layerListLine(), "upsample 2 bilinear");
  EXPECT_EQ(built.layer(34).layerListLine(), "prelu channels init 0.1");
  EXPECT_EQ(built.layer(34).parameterCount(), 5);
  EXPECT_EQ(built.layer(35).layerListLine(), "clamp none 3");
  EXPECT_EQ(built.layer(35).describe(), "Clamp 'clamp1' [-inf, 3]");
  EXPECT_EQ(built.layer(31).describe(), "Arithmetic 'multiply1' multiply");
  EXPECT_EQ(built.layer(32).describe(), "Arithmetic 'subtract1' subtract");
  EXPECT_EQ(built.layer(33).layerListLine(), "divide");
  EXPECT_EQ(built.nodes()[33].inputs, (std::vector<int>{32, 29})); // divide1: subtract1 ÷ logits
  EXPECT_EQ(checkLayerList("input 2x3x3\npad 3 reflect\n").error,
            "line 2: Pad2D 'pad1': reflecting 3x3 maps needs each pad below the side's length, got 3,3,3,3");
  EXPECT_EQ(checkLayerList("input 2x3x3\npad 1 wrap\n").error,
            "line 2: 'wrap' is not an option of pad (reflect, edge, value V)");
  EXPECT_EQ(built.shapes(1)[11], (Shape{1, 6, 14, 14}));
  EXPECT_EQ(built.layer(12).describe(), "Pad2D 'pad1' 1,1,1,1 reflect");
  EXPECT_EQ(built.shapes(1)[12], (Shape{1, 6, 16, 16}));
  EXPECT_EQ(built.layer(15).describe(), "LayerNorm 'ln1' 6 eps=1e-06");
  EXPECT_EQ(built.layer(15).layerListLine(), "layernorm eps 1e-06");
  EXPECT_EQ(built.layer(16).layerListLine(), "scale 0.5");
  EXPECT_EQ(built.layer(17).describe(), "ChannelShift 'shift1' 6");
  EXPECT_EQ(built.layer(18).describe(), "LocalResponseNorm 'lrn1' size 3 alpha 0.5 beta 0.75 k 2");
  EXPECT_EQ(buildLayerList("input 6x4x4\nlrn\n").layer(0).layerListLine(), "lrn 5 alpha 0.0001 beta 0.75 k 1");
  EXPECT_EQ(buildLayerList("input 6x4x4\nlrn k 2\n").layer(0).layerListLine(), "lrn 5 alpha 0.0001 beta 0.75 k 2");
  EXPECT_TRUE(built.endsInSoftmax());
  EXPECT_FALSE(buildLayerList("input 4\ndense 2\n").endsInSoftmax());
}

TEST(LayerKind, AnUnknownKindIsNamedWithTheKnownOnes) {
  try {
    parseModel(R"({"format":"convscope-model","version":1,"input":[1,4,4],"layers":[{"type":"Attention","name":"a"}]})",
               "m.json");
    FAIL() << "an unknown type was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown layer type \"Attention\" (expected Conv2D, ConvTranspose2D, Upsample, Pad2D, Pool2D"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(checkLayerList("input 6x8x8\nlrn 4\n").error,
            "line 2: size 4 must be odd, 1 to 99 (a window centred on each channel)");
  EXPECT_EQ(checkLayerList("input 6x8x8\nlrn 5 k 0\n").error,
            "line 2: k must be positive, alpha and beta at least 0 (size 5 alpha 0.0001 beta 0.75 k 0)");
  EXPECT_EQ(checkLayerList("input 6\nlrn\n").error.substr(0, 30), "line 2: lrn needs an image (ch");
  const LayerListCheck check = checkLayerList("input 1x8x8\nattention 4\n");
  EXPECT_EQ(check.error.substr(0, 34), "line 2: unknown layer 'attention' ");
  // Joins name what they join, and say why shapes do not fit.
  EXPECT_EQ(checkLayerList("input 1x8x8\nconv 2 3x3\nadd conv9\n").error,
            "line 3: there is no layer 'conv9' above (names: conv1, input)");
  EXPECT_NE(checkLayerList("input 1x8x8\nconv 2 3x3\nadd input\n").error.find("differ (a residual connection"),
            std::string::npos);
  EXPECT_EQ(checkLayerList("input 1x8x8\nconv 2 3x3\nconcat\n").error,
            "line 3: concat needs the layers it joins, e.g. 'concat conv1'");
  EXPECT_EQ(checkLayerList("input 1x8x8\nconv 2 3x3 as input\n").error, "line 2: the name 'input' is taken");
  EXPECT_EQ(checkLayerList("input 1x8x8\nconv 2 3x3 as conv2\nconv 2 3x3\n").error,
            "line 3: a layer above is already called 'conv2': name this one with 'as NAME'");
  // A shuffle and a slice say what does not fit, with the numbers.
  EXPECT_EQ(checkLayerList("input 6x8x8\nshuffle 4\n").error,
            "line 2: ChannelShuffle 'shuffle1': 6 channels do not split into 4 equal groups");
  EXPECT_EQ(checkLayerList("input 6x8x8\nshuffle\n").error, "line 2: shuffle needs the number of groups: shuffle 2");
  EXPECT_EQ(checkLayerList("input 6x8x8\nslice 4 2\n").error,
            "line 2: slice 4 2: the end must come after the first channel");
  EXPECT_EQ(checkLayerList("input 6x8x8\nslice 2 9\n").error, "line 2: slice 2 9: the input 6×8×8 has 6 channels");
  EXPECT_EQ(checkLayerList("input 6x8x8\nslice 3\n").error,
            "line 2: slice needs the first channel and the end: slice 0 16");
  EXPECT_EQ(checkLayerList("input 2x4x4\ndeconv 2 3x3 stride 2 outpad 2\n").error,
            "line 2: ConvTranspose2D 'deconv1': output padding 2 must be smaller than the stride 2");
  EXPECT_EQ(checkLayerList("input 2x4x4\ndeconv 2 3x3 pad 5\n").error,
            "line 2: ConvTranspose2D 'deconv1': padding 5,5,5,5 cuts away the whole output of a 4x4 input");
  EXPECT_EQ(checkLayerList("input 2x4x4\ndeconv 3 3x3 groups 2\n").error,
            "line 2: ConvTranspose2D 'deconv1': 2 groups must divide the 2 input channels and the 3 output channels");
  EXPECT_EQ(checkLayerList("input 2x4x4\ndeconv 2 2x2 stride 2 padding 1\n").rows.back().output, (Shape{2, 6, 6}));
  EXPECT_EQ(checkLayerList("input 2x4x4\nupsample 2 cubic\n").error,
            "line 2: 'cubic' is not a mode of upsample (nearest or bilinear)");
  EXPECT_EQ(checkLayerList("input 2x4x4\nupsample 0\n").error.substr(0, 40), "line 2: the factor must be at least 1, n");
  EXPECT_EQ(checkLayerList("input 2x4x4\nupsample to 7x9\n").rows.back().output, (Shape{2, 7, 9}));
  EXPECT_EQ(checkLayerList("input 2x4x4\nupsample 3x2\n").rows.back().output, (Shape{2, 12, 8}));
  EXPECT_TRUE(checkLayerList("input 6x8x8\nslice 0 3 as a\nslice 3 6 from input\nconv 3 3x3 pad 1\nconcat a\nshuffle 2\n")
                  .fits());
}

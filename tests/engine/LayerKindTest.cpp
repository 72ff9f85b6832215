// The layer kinds' registry: each kind found by its type and its keywords, and every kind
// making the same layer through the three doors (a layer-list line, a model file, and the
// layer-list text a network writes of itself).
#include "engine/layers/LayerKind.h"
#include "engine/LayerList.h"
#include "engine/ModelFile.h"

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
  EXPECT_EQ(layerTypeNames(), "Conv2D, Pool2D, Activation, Flatten, Dense, Softmax");
}

TEST(LayerKind, EveryKindMakesTheSameLayerFromAListAFileAndItsOwnLine) {
  const std::string list = "input 3x16x16\n"
                           "conv 4 3x3 stride 1 pad 1 dilation 1\n"
                           "leaky-relu 0.2\n"
                           "maxpool 2x2\n"
                           "conv 6 3x3 stride 2\n"
                           "tanh\n"
                           "avgpool 2x2 stride 1\n"
                           "sigmoid\n"
                           "relu\n"
                           "flatten\n"
                           "fc 12\n"
                           "dense 5\n"
                           "softmax\n";
  const Network built = buildLayerList(list);
  ASSERT_EQ(built.size(), 12u);
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
  }
  EXPECT_EQ(built.layer(1).layerListLine(), "leaky-relu 0.2");
  EXPECT_EQ(built.layer(0).title(), "conv1: 4 filters 3×3, stride 1, padding 1,1,1,1");
  EXPECT_TRUE(built.endsInSoftmax());
  EXPECT_FALSE(buildLayerList("input 4\ndense 2\n").endsInSoftmax());
}

TEST(LayerKind, AnUnknownKindIsNamedWithTheKnownOnes) {
  try {
    parseModel(R"({"format":"convscope-model","version":1,"input":[1,4,4],"layers":[{"type":"Attention","name":"a"}]})",
               "m.json");
    FAIL() << "an unknown type was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown layer type \"Attention\" (expected Conv2D, Pool2D"),
              std::string::npos)
        << e.what();
  }
  const LayerListCheck check = checkLayerList("input 1x8x8\nattention 4\n");
  EXPECT_EQ(check.error.substr(0, 34), "line 2: unknown layer 'attention' ");
}

// ONNX import and export. Import: the fixtures PyTorch exported (scripts/make_onnx_fixtures.py)
// compute PyTorch's outputs on both backends. Export: OpenCV's DNN module, an independent
// ONNX reader, computes what ConvScope computes for the presets, a trained LeNet-5 and
// imported-then-exported graphs. Damaged, truncated and unsupported files are refused with
// std::invalid_argument naming the problem, and no byte sequence crashes the importer.
#include "TestUtils.h"
#include "common/TestPaths.h"

#include "engine/io/ModelFile.h"
#include "engine/layers/LayerKind.h"
#include "engine/io/Onnx.h"
#include "engine/layers/ChannelScale.h"
#include "engine/training/Optimizer.h"
#include "engine/network/Presets.h"
#include "engine/training/TrainingJob.h"
#include "engine/backend/Backend.h"
#include "engine/layers/BatchNorm.h"
#include "engine/layers/Conv2D.h"
#include "engine/layers/Dense.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <onnx/onnx_pb.h>
#include <opencv2/dnn.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

using namespace convscope;
using namespace convscope::test;

namespace {

const std::string kFixtures = convscope::test::testDataPath("onnx/");
// Every fixture scripts/make_onnx_fixtures.py writes that ConvScope must import.
const std::vector<std::string> kImported{
    "conv-ops",         "pool-ops",    "reshape-matmul",      "reshape-dynamic", "residual-block",
    "inception-module", "dense-block", "depthwise-separable", "lenet-batchnorm", "lrn-dropout-identity",
    "mean-head",        "activations-modern-13", "activations-modern-14", "activations-gelu-13", "activations-gelu-17",
    "shufflenet-11",    "shufflenet-13",         "shufflenet-split",      "convnext-13",     "convnext-17",
    "transposed-13",    "upsample-9",            "upsample-10",            "upsample-11",           "upsample-13",     "prelu-13",
    "activations-gelu-tanh-13", "clamp-13",  "pad-11",              "pad-13",
    "arithmetic-13",    "broadcast-11",          "broadcast-13"};

std::string readBytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

nlohmann::json fixture(const std::string& name) { return nlohmann::json::parse(readBytes(kFixtures + name + ".json")); }

Tensor tensorOf(const nlohmann::json& j) {
  return Tensor(Shape(j["shape"].get<std::vector<int64_t>>()), j["data"].get<std::vector<float>>());
}

// OpenCV's DNN module reads the ONNX bytes and computes one input.
Tensor openCvForward(const std::string& bytes, const Tensor& input) {
  cv::dnn::Net net = cv::dnn::readNetFromONNX(bytes.data(), bytes.size());
  std::vector<int> dims;
  for (int64_t d : input.shape().dims()) dims.push_back(int(d));
  cv::Mat blob(int(dims.size()), dims.data(), CV_32F, const_cast<float*>(input.data()));
  net.setInput(blob);
  const cv::Mat out = net.forward();
  std::vector<int64_t> shape;
  for (int k = 0; k < out.dims; ++k) shape.push_back(out.size[k]);
  const cv::Mat flat = out.isContinuous() ? out : out.clone();
  return Tensor(Shape(shape), std::vector<float>(flat.ptr<float>(), flat.ptr<float>() + flat.total()));
}

Tensor convScopeForward(Network& network, const Tensor& input, BackendKind kind = BackendKind::Onednn) {
  auto backend = makeBackend(kind);
  return network.forward(*backend, input).inLayout(Layout::NCHW);
}

// Non-trivial running statistics, so that batch normalization is not the identity.
void randomizeBatchNorm(Network& network, unsigned seed) {
  std::mt19937 random(seed);
  std::uniform_real_distribution<float> mean(-0.5f, 0.5f), var(0.5f, 2.0f), gamma(0.5f, 1.5f);
  for (size_t i = 0; i < network.size(); ++i)
    if (auto* bn = layerAs<BatchNorm>(network.layer(i)))
      for (int64_t c = 0; c < bn->channels(); ++c) {
        bn->runningMean().values()[size_t(c)] = mean(random);
        bn->runningVariance().values()[size_t(c)] = var(random);
        bn->gamma().values()[size_t(c)] = gamma(random);
        bn->beta().values()[size_t(c)] = mean(random);
      }
}

std::string importError(const std::string& bytes) {
  try {
    importOnnxBytes(bytes, "model.onnx");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

} // namespace

// ---- import ------------------------------------------------------------------------

class OnnxImport : public ::testing::TestWithParam<BackendKind> {};

TEST_P(OnnxImport, EveryFixtureComputesPyTorchsOutput) {
  for (const std::string& name : kImported) {
    SCOPED_TRACE(name);
    const nlohmann::json j = fixture(name);
    Model model = importOnnx(kFixtures + name + ".onnx");
    EXPECT_TRUE(model.hasWeights);
    const Tensor input = tensorOf(j["input"]);
    const Tensor expected = tensorOf(j["output"]);
    const Tensor actual = convScopeForward(model.network, input, GetParam());
    ASSERT_EQ(actual.shape(), expected.shape());
    EXPECT_TRUE(tensorsClose(actual, expected, 1e-4f, 0.0f));
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, OnnxImport, ::testing::Values(BackendKind::Reference, BackendKind::Onednn),
                         [](const auto& param) {
                           return param.param == BackendKind::Reference ? "reference" : "onednn";
                         });

TEST(OnnxImportFixtures, CoverEveryOperatorOfTheTable) {
  std::set<std::string> seen;
  for (const std::string& name : kImported) {
    const nlohmann::json j = fixture(name);
    for (const auto& op : j["operators"]) seen.insert(op.get<std::string>());
  }
  for (const OnnxOperator& op : onnxOperatorTable()) EXPECT_TRUE(seen.count(op.name)) << op.name << " is not tested";
  // PyTorch's shape arithmetic, evaluated at import, is in the fixtures too.
  for (const char* op : {"Shape", "Gather", "Unsqueeze", "Slice", "Transpose", "Cast", "ConstantOfShape"})
    EXPECT_TRUE(seen.count(op)) << op;
}

// docs/onnx.md's operator table lists every operator import accepts.
TEST(OnnxImportFixtures, TheGuideListsEveryOperator) {
  const std::string guide = readBytes(convscope::test::sourcePath("docs/onnx.md"));
  ASSERT_FALSE(guide.empty());
  for (const OnnxOperator& op : onnxOperatorTable())
    EXPECT_NE(guide.find("| `" + op.name + "` |"), std::string::npos) << op.name;
}

TEST(OnnxImportFixtures, LayersKeepPyTorchsModuleNamesAndKinds) {
  const Model residual = importOnnx(kFixtures + "residual-block.onnx");
  std::vector<std::string> names;
  for (size_t i = 0; i < residual.network.size(); ++i) names.push_back(residual.network.layer(i).name());
  EXPECT_EQ(names.front(), "stem");
  EXPECT_NE(std::find(names.begin(), names.end(), "block.conv1"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "fc"), names.end());
  EXPECT_FALSE(residual.network.isSequential()); // the skip connection
  // Batch normalization left unfused stays a layer; the depthwise convolution keeps its groups.
  const Model mobile = importOnnx(kFixtures + "depthwise-separable.onnx");
  int batchNorms = 0, depthwise = 0;
  for (size_t i = 0; i < mobile.network.size(); ++i) {
    batchNorms += mobile.network.layer(i).kind() == "BatchNorm";
    if (const auto* conv = layerAs<Conv2D>(mobile.network.layer(i)))
      depthwise += conv->geometry().groups == conv->inChannels() && conv->inChannels() > 1;
  }
  EXPECT_EQ(batchNorms, 5);
  EXPECT_EQ(depthwise, 2);
  // The imported model's images: resized to its input and scaled to [0, 1].
  ASSERT_TRUE(mobile.info.preprocess);
  EXPECT_EQ(mobile.info.preprocess->channels, 3);
  EXPECT_EQ(mobile.info.preprocess->height, 16);
  EXPECT_EQ(mobile.info.preprocess->mean, std::vector<float>(3, 0.0f));
  EXPECT_EQ(mobile.info.preprocess->stddev, std::vector<float>(3, 1.0f));
  // MatMul + Add is one dense layer with the bias.
  const Model matmul = importOnnx(kFixtures + "reshape-matmul.onnx");
  const auto& last = *layerAs<Dense>(matmul.network.layer(matmul.network.size() - 1));
  EXPECT_TRUE(last.hasBias());
  EXPECT_NE(last.bias().values()[0], 0.0f);
}

TEST(OnnxImportFixtures, AnImportedModelTrainsFurtherAndSavesAsAModelFile) {
  // LeNet-5 with batch normalization, from PyTorch, trained on the digits for a few batches.
  TrainingSpec spec;
  spec.model = kFixtures + "lenet-batchnorm.onnx";
  spec.config.epochs = 1;
  spec.config.batchSize = 32;
  spec.config.maxTrainImages = 320;
  spec.config.maxTestImages = 200;
  TrainingJob job(spec);
  EXPECT_TRUE(job.continuesTraining());
  const std::vector<Tensor> before = job.network().copyParameters();
  const TrainResult result = job.run();
  ASSERT_EQ(result.status, TrainResult::Status::Finished) << result.message;
  const std::vector<Tensor> after = job.network().copyParameters();
  ASSERT_EQ(before.size(), after.size());
  EXPECT_FALSE(tensorsClose(after[0], before[0], 0.0f, 0.0f)); // the first convolution learned
  // Saved as a ConvScope model file and opened again, it computes the same.
  const std::string path = ::testing::TempDir() + "imported-trained.json";
  saveModel(path, job.network(), job.modelInfo(result));
  Model reloaded = loadModel(path);
  const Tensor input = tensorOf(fixture("lenet-batchnorm")["input"]);
  EXPECT_TRUE(
      tensorsClose(convScopeForward(reloaded.network, input), convScopeForward(job.network(), input), 0.0f, 0.0f));
}

// ---- refused files -------------------------------------------------------------------

TEST(OnnxRefuses, UnsupportedOperatorsAndAttributesByName) {
  const std::string resize = importError(readBytes(kFixtures + "refused-resize.onnx"));
  EXPECT_NE(resize.find("ConvScope cannot run one of its operators: Resize ×1 (first node '/1/Resize': mode "
                        "'cubic'; ConvScope resizes nearest or bilinear). ConvScope reads: Conv,"),
            std::string::npos)
      << resize;
  const std::string attribute = importError(readBytes(kFixtures + "refused-attribute.onnx"));
  EXPECT_NE(attribute.find("node 'odd_conv' (Conv)"), std::string::npos) << attribute;
  EXPECT_NE(attribute.find("wobble"), std::string::npos) << attribute;
  const std::string broadcast = importError(readBytes(kFixtures + "refused-broadcast.onnx"));
  EXPECT_NE(broadcast.find("Add ×1 (first node 'broadcast_add': adds 1x2x4x4 and 1x2x2x2, which do not broadcast: axis "
                           "2 has 4 and 2"),
            std::string::npos)
      << broadcast;
}

TEST(OnnxRefuses, OneRefusalListsEveryOperatorWithItsCountAndFirstNode) {
  // An upsampling with align_corners=True and a pixel shuffle after a squeeze-and-excitation
  // block and a learned leaky ReLU it runs: both named at once, in the order the graph meets
  // them; the nodes that only read what a refused node computes (the convolution and the PReLU
  // after the upsampling) are consequences, not listed.
  const std::string modern = importError(readBytes(kFixtures + "refused-modern.onnx"));
  EXPECT_NE(modern.find("ConvScope cannot run 2 of its operators, all listed here: Resize ×1 (first node '/up/Resize': "
                        "linear with coordinate_transformation_mode 'align_corners'; ConvScope's bilinear is "
                        "PyTorch's with align_corners=False ('pytorch_half_pixel'))"),
            std::string::npos)
      << modern;
  EXPECT_EQ(modern.find("Mul ×"), std::string::npos) << modern; // squeeze-and-excitation runs
  EXPECT_EQ(modern.find("PRelu ×"), std::string::npos) << modern;
  EXPECT_NE(modern.find("; DepthToSpace ×1 (first node '/shuffle/DepthToSpace': "), std::string::npos) << modern;
  EXPECT_EQ(modern.find("Conv ×"), std::string::npos) << modern;
  EXPECT_EQ(modern.find("Elu ×"), std::string::npos) << modern; // ELU runs
  // A Mul by a constant mask of the maps' size is refused naming what it multiplies; by one
  // learned number per channel (ConvNeXt's layer scale) it is a ChannelScale layer.
  const std::string scaled = importError(readBytes(kFixtures + "refused-mask.onnx"));
  EXPECT_NE(scaled.find("Mul ×1 (first node '/Mul': multiplies by a constant; "), std::string::npos) << scaled;
  const Model layerScale = importOnnx(kFixtures + "layer-scale.onnx");
  ASSERT_EQ(layerScale.network.size(), 2u);
  const auto* scale = layerAs<ChannelScale>(layerScale.network.layer(1));
  ASSERT_NE(scale, nullptr);
  EXPECT_EQ(scale->gamma().values(), std::vector<float>(4, 0.5f));
  // A convolutional front end and an LSTM: the LSTM refused by what it is.
  const std::string lstm = importError(readBytes(kFixtures + "refused-lstm.onnx"));
  EXPECT_NE(lstm.find("LSTM ×1 (first node '/lstm/LSTM': a recurrent layer (long short-term memory): not part of a "
                      "convolutional network"),
            std::string::npos)
      << lstm;
  EXPECT_NE(lstm.find("Transpose ×1 (first node '/Transpose': "), std::string::npos) << lstm;
}

TEST(OnnxRefuses, FilesThatAreNotOnnx) {
  EXPECT_NE(importError("").find("the file is empty"), std::string::npos);
  EXPECT_NE(importError("{\"format\": \"convscope-model\"}\n").find("not an ONNX model"), std::string::npos);
  EXPECT_NE(importError("hello, this is a text file named model.onnx\n").find("not an ONNX model"), std::string::npos);
  try {
    importOnnx("/nonexistent/model.onnx");
    ADD_FAILURE();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no such file"), std::string::npos);
  }
  const std::string folder = ::testing::TempDir() + "folder.onnx";
  std::filesystem::create_directories(folder);
  try {
    importOnnx(folder);
    ADD_FAILURE();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("is a folder"), std::string::npos);
  }
}

TEST(OnnxRefuses, ModelsConvScopeCannotRunWithTheReason) {
  // Built with the ONNX project's classes: each changes one thing of a small valid model.
  const onnx::ModelProto base = [] {
    onnx::ModelProto m;
    m.ParseFromString(readBytes(kFixtures + "reshape-matmul.onnx"));
    return m;
  }();
  const auto refusal = [&](const std::function<void(onnx::ModelProto&)>& change) {
    onnx::ModelProto m = base;
    change(m);
    std::string bytes;
    m.SerializeToString(&bytes);
    return importError(bytes);
  };
  const auto inputDim = [](onnx::ModelProto& m, int k) {
    return m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(k);
  };
  EXPECT_NE(refusal([&](onnx::ModelProto& m) {
              inputDim(m, 2)->set_dim_param("height");
            }).find("dimension 2 is 'height' (not fixed)"),
            std::string::npos);
  const std::string twoInputs = refusal([&](onnx::ModelProto& m) {
    onnx::ValueInfoProto* second = m.mutable_graph()->add_input();
    *second = m.graph().input(0);
    second->set_name("second_image");
  });
  EXPECT_NE(twoInputs.find("the graph has 2 inputs"), std::string::npos) << twoInputs;
  // An initializer that declares more values than it holds.
  const std::string short_ = refusal([](onnx::ModelProto& m) {
    onnx::TensorProto* w = m.mutable_graph()->mutable_initializer(0);
    w->set_raw_data(w->raw_data().substr(0, 8));
  });
  EXPECT_NE(short_.find("values but holds 8 bytes"), std::string::npos) << short_;
  // An initializer declaring far more values than any file holds.
  const std::string huge = refusal([](onnx::ModelProto& m) {
    onnx::TensorProto* w = m.mutable_graph()->mutable_initializer(0);
    w->clear_dims();
    for (int k = 0; k < 4; ++k) w->add_dims(1 << 20);
  });
  EXPECT_FALSE(huge.empty());
  // Weights kept in a file beside the model.
  const std::string external = refusal([](onnx::ModelProto& m) {
    m.mutable_graph()->mutable_initializer(0)->set_data_location(onnx::TensorProto_DataLocation_EXTERNAL);
  });
  EXPECT_NE(external.find("external"), std::string::npos) << external;
  // An opset ConvScope does not read.
  EXPECT_NE(refusal([](onnx::ModelProto& m) { m.mutable_opset_import(0)->set_version(5); }).find("operator set 5"),
            std::string::npos);
  // A Transpose of constants whose perm repeats an axis (the fuzzer's: it read past the
  // data; tests/fuzz/regressions/onnx/transpose-repeated-axis).
  const std::string repeated = refusal([](onnx::ModelProto& m) {
    onnx::TensorProto* t = m.mutable_graph()->add_initializer();
    t->set_name("table");
    t->set_data_type(onnx::TensorProto_DataType_FLOAT);
    t->add_dims(2), t->add_dims(3);
    for (int k = 0; k < 6; ++k) t->add_float_data(float(k));
    onnx::NodeProto transpose;
    transpose.set_op_type("Transpose");
    transpose.set_name("/transpose");
    transpose.add_input("table");
    transpose.add_output("table_t");
    onnx::AttributeProto* perm = transpose.add_attribute();
    perm->set_name("perm");
    perm->set_type(onnx::AttributeProto_AttributeType_INTS);
    perm->add_ints(0), perm->add_ints(0);
    onnx::GraphProto* g = m.mutable_graph();
    *g->add_node() = transpose; // first in the graph, before every node that uses the input
    for (int k = g->node_size() - 1; k > 0; --k) g->mutable_node()->SwapElements(k, k - 1);
  });
  EXPECT_NE(repeated.find("perm names axis 0 twice"), std::string::npos) << repeated;
  // A Clip whose lower bound is an empty tensor (the fuzzer's: it escaped as std::out_of_range).
  const std::string emptyBound = refusal([](onnx::ModelProto& m) {
    onnx::TensorProto* t = m.mutable_graph()->add_initializer();
    t->set_name("no_min");
    t->set_data_type(onnx::TensorProto_DataType_FLOAT);
    t->add_dims(0);
    onnx::NodeProto clip;
    clip.set_op_type("Clip");
    clip.set_name("/clip");
    clip.add_input(m.graph().input(0).name());
    clip.add_input("no_min");
    clip.add_output("clipped");
    onnx::GraphProto* g = m.mutable_graph();
    *g->add_node() = clip;
    for (int k = g->node_size() - 1; k > 0; --k) g->mutable_node()->SwapElements(k, k - 1);
  });
  EXPECT_NE(emptyBound.find("min must be one number, not 0"), std::string::npos) << emptyBound;
}

// Every prefix of a file (a truncated download) and every single-byte change (a damaged
// one) either imports or is refused with std::invalid_argument; nothing else escapes.
TEST(OnnxRefuses, TruncatedAndDamagedFilesNeverCrash) {
  std::mt19937 random(11);
  int refused = 0, imported = 0;
  for (const std::string name : {"residual-block", "pool-ops", "conv-ops", "depthwise-separable"}) {
    const std::string bytes = readBytes(kFixtures + name + ".onnx");
    const auto attempt = [&](const std::string& data) {
      try {
        importOnnxBytes(data, name);
        ++imported;
      } catch (const std::invalid_argument&) {
        ++refused;
      }
    };
    for (size_t length = 0; length < bytes.size(); length += 1 + bytes.size() / 97) attempt(bytes.substr(0, length));
    for (int k = 0; k < 400; ++k) {
      std::string damaged = bytes;
      damaged[random() % damaged.size()] = char(random());
      attempt(damaged);
    }
  }
  EXPECT_GT(refused, 400); // every truncation, and many damaged files (others change a weight's value)
  EXPECT_GT(imported, 0);
}

TEST(OnnxImport, WeightsInAnExternalDataFileAreReadFromTheModelsFolder) {
  // LeNet-5's fixture saved with its weights in "lenet-external.weights" beside it.
  const std::string folder = kFixtures + "external/";
  Model model = importOnnx(folder + "lenet-external.onnx");
  const nlohmann::json j = fixture("lenet-batchnorm");
  EXPECT_TRUE(tensorsClose(convScopeForward(model.network, tensorOf(j["input"])), tensorOf(j["output"]), 1e-4f, 0.0f));
  // The structure alone reads none of it; the same counts.
  OnnxImportOptions structure;
  structure.structureOnly = true;
  EXPECT_EQ(importOnnx(folder + "lenet-external.onnx", structure).network.parameterCount(),
            model.network.parameterCount());
  // Bytes without a folder, and a data file outside the model's folder, are refused by name.
  const std::string bytes = importError(readBytes(folder + "lenet-external.onnx"));
  EXPECT_NE(bytes.find("external data files, which are read from the model's folder"), std::string::npos) << bytes;
  try {
    importOnnx(folder + "outside-folder.onnx");
    FAIL() << "a data file outside the model's folder was read";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("must be a file in the model's folder or below it"), std::string::npos)
        << e.what();
  }
}

TEST(OnnxImport, TheStructureAloneCountsAsTheWholeModelWithoutItsWeights) {
  // `summary` imports the structure only: the same layers, shapes, parameter and multiply-add
  // counts, and no convolution or fully connected weights read or allocated.
  const std::string path = kFixtures + "lenet-batchnorm.onnx";
  const Model whole = importOnnx(path);
  OnnxImportOptions options;
  options.structureOnly = true;
  const Model skeleton = importOnnx(path, options);
  const auto rows = whole.network.summaryRows(), skeletonRows = skeleton.network.summaryRows();
  ASSERT_EQ(rows.size(), skeletonRows.size());
  for (size_t k = 0; k < rows.size(); ++k) {
    EXPECT_EQ(rows[k].name, skeletonRows[k].name);
    EXPECT_EQ(rows[k].output, skeletonRows[k].output) << rows[k].name;
    EXPECT_EQ(rows[k].parameters, skeletonRows[k].parameters) << rows[k].name;
    EXPECT_EQ(rows[k].macs, skeletonRows[k].macs) << rows[k].name;
  }
  EXPECT_EQ(skeleton.network.parameterCount(), whole.network.parameterCount());
  int64_t held = 0, wholeHeld = 0;
  for (Tensor* p : const_cast<Network&>(skeleton.network).parameters()) held += p->size();
  for (Tensor* p : const_cast<Network&>(whole.network).parameters()) wholeHeld += p->size();
  EXPECT_EQ(wholeHeld, whole.network.parameterCount());
  EXPECT_LT(held, 200); // batch norm's few; the 61,706 weights of the convolutions and dense layers are not there
  auto backend = makeBackend(BackendKind::Reference);
  std::vector<int64_t> dims{1};
  for (int64_t d : whole.network.inputShape().dims()) dims.push_back(d);
  EXPECT_THROW(const_cast<Network&>(skeleton.network).forward(*backend, Tensor(Shape(dims))), std::invalid_argument);
}

TEST(OnnxImport, LargeWeightsAreReadFromTheFileExactlyAndTheirSizeIsChecked) {
  // A Gemm with 20,000 weights (80 KB: they stay in the file until the layer takes them) and
  // a small bias, from the file and from the same bytes in memory.
  onnx::ModelProto model;
  model.set_ir_version(7);
  model.add_opset_import()->set_version(13);
  onnx::GraphProto* graph = model.mutable_graph();
  graph->set_name("g");
  const auto valueInfo = [](onnx::ValueInfoProto* v, const std::string& name, std::vector<int64_t> dims) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto_DataType_FLOAT);
    for (int64_t d : dims) t->mutable_shape()->add_dim()->set_dim_value(d);
  };
  valueInfo(graph->add_input(), "x", {1, 2000});
  valueInfo(graph->add_output(), "y", {1, 10});
  std::vector<float> w(20000), b(10);
  for (size_t k = 0; k < w.size(); ++k) w[k] = float(k % 977) / 977.0f - 0.5f;
  for (size_t k = 0; k < b.size(); ++k) b[k] = float(k) / 10;
  const auto initializer = [&](const std::string& name, std::vector<int64_t> dims, const std::vector<float>& v) {
    onnx::TensorProto* t = graph->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto_DataType_FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    t->set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4));
    return t;
  };
  onnx::TensorProto* weights = initializer("w", {10, 2000}, w);
  initializer("b", {10}, b);
  onnx::NodeProto* node = graph->add_node();
  node->set_op_type("Gemm");
  node->set_name("fc");
  for (const char* in : {"x", "w", "b"}) node->add_input(in);
  node->add_output("y");
  onnx::AttributeProto* transB = node->add_attribute();
  transB->set_name("transB");
  transB->set_type(onnx::AttributeProto_AttributeType_INT);
  transB->set_i(1);
  const std::string bytes = model.SerializeAsString();
  const std::string path = (std::filesystem::temp_directory_path() / "convscope-large-gemm.onnx").string();
  std::ofstream(path, std::ios::binary) << bytes;
  for (const Model& m : {importOnnx(path), importOnnxBytes(bytes, "bytes")}) {
    const auto* dense = dynamic_cast<const Dense*>(&m.network.layer(0));
    ASSERT_NE(dense, nullptr);
    EXPECT_EQ(dense->weights().values(), w);
    EXPECT_EQ(dense->bias().values(), b);
  }
  std::filesystem::remove(path);
  // A weight whose bytes do not match its dimensions is refused, naming it.
  weights->set_raw_data(weights->raw_data() + std::string(4000, '\0'));
  try {
    importOnnxBytes(model.SerializeAsString(), "damaged.onnx");
    FAIL() << "imported";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("initializer 'w' declares 20000 values but holds 84000 bytes"), std::string::npos)
        << e.what();
  }
}

// ---- export --------------------------------------------------------------------------

TEST(OnnxExport, WritesOpset13WithTheLayersNamesAndASymbolicBatch) {
  Network network = makePreset("lenet5");
  initialize(network, InitScheme::Auto, 3);
  onnx::ModelProto m;
  ASSERT_TRUE(m.ParseFromString(exportOnnxBytes(network)));
  EXPECT_EQ(m.opset_import(0).version(), 13);
  const auto& input = m.graph().input(0).type().tensor_type().shape();
  EXPECT_EQ(input.dim(0).dim_param(), "batch");
  EXPECT_EQ(input.dim(1).dim_value(), 1);
  EXPECT_EQ(input.dim(2).dim_value(), 32);
  ASSERT_EQ(size_t(m.graph().node_size()), network.size());
  for (size_t i = 0; i < network.size(); ++i) EXPECT_EQ(m.graph().node(int(i)).name(), network.layer(i).name());
  EXPECT_EQ(m.graph().output(0).name(), network.layer(network.size() - 1).name());
  EXPECT_EQ(size_t(m.graph().value_info_size()), network.size() - 1); // every edge's shape
}

// OpenCV's DNN module computes the exported presets as ConvScope does (every one OpenCV 4.6
// reads: all of them). Random weights from a seed; batch normalization with non-trivial
// running statistics. One test per preset, so that CTest runs them side by side.
class OnnxExportPreset : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxExportPreset, OpenCvComputesWhatConvScopeComputes) {
  const std::string& name = GetParam();
  // Under a sanitizer (scripts/test-sanitizers.sh sets CONVSCOPE_SANITIZED) the two giants
  // (AlexNet's and VGG-16's 61 and 138 million weights through protobuf and OpenCV) take
  // a minute and a half and run no code the other presets do not: the plain run checks them.
  if (std::getenv("CONVSCOPE_SANITIZED") && (name == "alexnet" || name == "vgg16"))
    GTEST_SKIP() << name << ": exported and checked in the plain run";
  const unsigned seed = unsigned(std::hash<std::string>{}(name) % 1000);
  Network network = makePreset(name);
  initialize(network, InitScheme::Auto, seed);
  randomizeBatchNorm(network, seed + 1);
  const Tensor input = randomTensor(network.batchInputShape(1), seed + 2, 0.0f, 1.0f);
  const Tensor expected = convScopeForward(network, input);
  const Tensor actual = openCvForward(exportOnnxBytes(network), input);
  ASSERT_EQ(actual.size(), expected.size());
  EXPECT_TRUE(tensorsClose(actual.reshaped(expected.shape()), expected, 1e-4f, 1e-3f));
}

INSTANTIATE_TEST_SUITE_P(
    Presets, OnnxExportPreset, ::testing::ValuesIn([] {
      std::vector<std::string> names = presetNames();
      for (const char* big : {"alexnet", "vgg16", "googlenet", "resnet18", "resnet50", "densenet121", "mobilenet"})
        names.push_back(big);
      return names;
    }()),
    [](const auto& param) {
      std::string name = param.param;
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

TEST(OnnxExport, OpenCvComputesATrainedLeNet5AsConvScopeDoes) {
  TrainingSpec spec;
  spec.model = "lenet5";
  spec.config.epochs = 1;
  spec.config.batchSize = 32;
  spec.config.maxTrainImages = 640;
  spec.config.maxTestImages = 100;
  TrainingJob job(spec);
  ASSERT_EQ(job.run().status, TrainResult::Status::Finished);
  const Tensor input = randomTensor(job.network().batchInputShape(2), 5, 0.0f, 1.0f);
  const Tensor expected = convScopeForward(job.network(), input);
  const Tensor actual = openCvForward(exportOnnxBytes(job.network()), input);
  EXPECT_TRUE(tensorsClose(actual.reshaped(expected.shape()), expected, 1e-5f, 1e-4f));
}

// Imported from PyTorch and exported again: OpenCV computes PyTorch's outputs, and ConvScope
// reads its own export back to the same network.
TEST(OnnxExport, ImportedThenExportedGraphsKeepPyTorchsOutputs) {
  for (const std::string& name : kImported) {
    SCOPED_TRACE(name);
    const nlohmann::json j = fixture(name);
    Model model = importOnnx(kFixtures + name + ".onnx");
    const std::string bytes = exportOnnxBytes(model.network);
    const Tensor input = tensorOf(j["input"]), expected = tensorOf(j["output"]);
    Model again = importOnnxBytes(bytes, name + " exported");
    EXPECT_TRUE(tensorsClose(convScopeForward(again.network, input), expected, 1e-4f, 0.0f));
    // OpenCV 4.6 reads Clip only in its opset-6 form (min and max as attributes), not the
    // opset-11+ form every PyTorch export of ReLU6 uses (min and max as inputs); and it cannot
    // divide by a value broadcast over the last axis, as layer normalization does at opset 13;
    // its Deconvolution ignores dilations (a 20×20 output where PyTorch's is 22×22); and two
    // network values broadcast against each other ((N, 1, H, W) times maps) fail its reshape.
    if (name == "pool-ops" || name == "depthwise-separable" || name == "clamp-13" || name.rfind("convnext", 0) == 0 ||
        name == "transposed-13" || name.rfind("broadcast", 0) == 0)
      continue;
    const Tensor viaOpenCv = openCvForward(bytes, input);
    EXPECT_TRUE(tensorsClose(viaOpenCv.reshaped(expected.shape()), expected, 1e-4f, 1e-4f));
  }
}

TEST(OnnxExport, FoldingBatchNormalizationKeepsTheOutputs) {
  for (const char* name : {"mini-resnet", "mini-mobilenet", "mini-densenet"}) {
    SCOPED_TRACE(name);
    Network network = makePreset(name);
    initialize(network, InitScheme::Auto, 7);
    randomizeBatchNorm(network, 8);
    const Tensor input = randomTensor(network.batchInputShape(2), 9, 0.0f, 1.0f);
    OnnxExportOptions fold;
    fold.foldBatchNorm = true;
    const std::string folded = exportOnnxBytes(network, fold), plain = exportOnnxBytes(network);
    onnx::ModelProto a, b;
    ASSERT_TRUE(a.ParseFromString(folded) && b.ParseFromString(plain));
    int foldedNorms = 0, plainNorms = 0;
    for (const auto& n : a.graph().node()) foldedNorms += n.op_type() == "BatchNormalization";
    for (const auto& n : b.graph().node()) plainNorms += n.op_type() == "BatchNormalization";
    EXPECT_GT(plainNorms, 0);
    Model reread = importOnnxBytes(folded, name);
    const Tensor expected = convScopeForward(network, input);
    EXPECT_TRUE(tensorsClose(convScopeForward(reread.network, input), expected, 1e-4f, 1e-4f));
    // DenseNet's normalizations follow concatenations, not convolutions: those stay.
    if (std::string(name) == "mini-densenet")
      EXPECT_LE(foldedNorms, plainNorms);
    else
      EXPECT_EQ(foldedNorms, 0);
  }
}

// The fully connected stage's numbers for the stepper, from a model or the pipeline.
#include "engine/lessons/FullyConnectedLesson.h"

#include "engine/layers/Dense.h"
#include "engine/layers/Flatten.h"
#include "engine/layers/LayerKind.h"
#include "engine/training/Preprocess.h"

#include <algorithm>
#include <stdexcept>

namespace convscope {

namespace {
// z = W·x + b and softmax(z), by the backend the caller chose.
void finish(Backend& backend, FullyConnectedLesson& lesson) {
  lesson.logits = Tensor(Shape{1, lesson.weights.shape()[0]});
  backend.denseForward(lesson.input, lesson.weights, &lesson.bias, lesson.logits);
  lesson.probabilities = Tensor(lesson.logits.shape());
  backend.softmaxForward(lesson.logits, lesson.probabilities);
}
} // namespace

FullyConnectedLesson fullyConnectedOfModel(const SharedModel& model, Backend& backend, const Tensor& image,
                                           const Preprocess* preprocess, bool matrix) {
  const Network& structure = model.network();
  int dense = -1;
  for (size_t i = 0; i < structure.size(); ++i)
    if (layerAs<Dense>(structure.layer(i))) dense = int(i);
  if (dense < 0) throw std::invalid_argument("the model has no fully connected layer");
  const auto& layer = *layerAs<Dense>(structure.layer(size_t(dense)));
  const int reads = structure.nodes()[size_t(dense)].inputs.front(); // the layer it reads (-1: the input)
  const Tensor prepared = prepareInput(image, preprocess ? *preprocess : model.preprocess(), matrix);
  FullyConnectedLesson lesson;
  lesson.input = model.use([&](Network& network) -> Tensor {
    network.forward(backend, prepared);
    return (reads < 0 ? prepared : network.output(size_t(reads))).inLayout(Layout::NCHW);
  });
  lesson.input = lesson.input.reshaped(Shape{1, lesson.input.size()});
  lesson.weights = layer.weights();
  lesson.bias = layer.hasBias() ? layer.bias() : Tensor(Shape{layer.outFeatures()});
  lesson.classNames = model.classNames();
  lesson.source = "learned weights of '" + layer.name() + "' in " + model.fileName();
  // Where the layer's inputs come from: flattened maps, or the layer before's values.
  const Layer* before = reads < 0 ? nullptr : &structure.layer(size_t(reads));
  lesson.inputText = before && layerAs<Flatten>(*before)
                         ? "flatten: " + std::to_string(lesson.input.size()) +
                               " features in channel, row, column order"
                         : "input: the " + std::to_string(lesson.input.size()) + " values of '" +
                               (before ? before->name() : std::string("the input")) + "'";
  finish(backend, lesson);
  return lesson;
}

FullyConnectedLesson fullyConnectedOfPipeline(Backend& backend, const Tensor& image, PipelineSpec spec) {
  // The Feature maps tab's own pipeline (the same spec: every filter, the activation and
  // pooling as set), flattened into its classification stage with its demonstration weights
  // (seeded, so the numbers repeat from lecture to lecture).
  spec.model = nullptr;
  spec.classify = true;
  spec.displaySide = 16; // the numbers are wanted, not the rendered maps: render them small
  const PipelineResult result = runPipeline(backend, image, spec);
  if (!result.error.empty()) throw std::invalid_argument(result.error);
  const auto flatten = std::find_if(result.stages.begin(), result.stages.end(),
                                    [](const PipelineStage& st) { return st.kind == PipelineStage::Kind::Vector; });
  if (flatten == result.stages.end()) throw std::invalid_argument("the pipeline has no fully connected stage");
  FullyConnectedLesson lesson;
  lesson.input = result.values(size_t(flatten - result.stages.begin()));
  demonstrationWeights(lesson.input.size(), spec.classes, lesson.weights, lesson.bias); // the pipeline's own
  lesson.classNames = result.classNames;
  lesson.source = "demonstration weights (open a trained model for learned ones)";
  const Shape& last = (flatten - 1)->shape(); // the maps it flattens
  lesson.inputText = "flatten: " + std::to_string(last[1]) + " maps × " + std::to_string(last[2]) +
                     "×" + std::to_string(last[3]) + " = " + std::to_string(lesson.input.size()) +
                     " features (" + (flatten - 1)->title + "), in channel, row, column order";
  finish(backend, lesson);
  return lesson;
}

} // namespace convscope

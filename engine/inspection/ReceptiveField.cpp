// The receptive-field recurrence over a network's graph, and the effective field by backward.
#include "engine/inspection/ReceptiveField.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace convscope {

std::vector<ReceptiveField> receptiveFields(const Network& network) {
  const Shape in = network.inputShape();
  if (in.rank() != 3)
    throw std::invalid_argument("receptive fields: the network's input must be an image (C, H, W), it is " +
                                in.toString());
  const std::vector<Shape> shapes = network.shapes(1);
  const Shape input{1, in[0], in[1], in[2]};
  std::vector<ReceptiveField> fields;
  fields.reserve(network.size());
  const ReceptiveField image; // the input: each cell itself
  for (size_t i = 0; i < network.size(); ++i) {
    const Network::Node& node = network.nodes()[i];
    // The input with the largest field (a branch or the shortcut beside it), and its shape.
    const ReceptiveField* from = nullptr;
    Shape src = input;
    for (int k : node.inputs) {
      const ReceptiveField& f = k < 0 ? image : fields[size_t(k)];
      if (!from || f.size[0] * f.size[1] > from->size[0] * from->size[1])
        from = &f, src = k < 0 ? input : shapes[size_t(k)];
    }
    ReceptiveField out = from ? *from : image;
    out.layer = node.layer->name();
    const bool spatial = src.rank() == 4;
    const SpatialWindow w = spatial ? node.layer->spatialWindow(src) : SpatialWindow{};
    if (out.whole) {
      // Already everything: stays so.
    } else if (w.whole && spatial) { // every output reads all of its input's units
      for (int a = 0; a < 2; ++a) {
        const double cells = double(src[2 + a]);
        out.size[a] += (cells - 1.0) * out.jump[a];
        out.start[a] += (cells - 1.0) / 2.0 * out.jump[a];
        out.jump[a] = 0.0;
      }
      out.whole = true;
    } else if (spatial) {
      for (int a = 0; a < 2; ++a) {
        out.start[a] += (w.offset[a] + (w.extent[a] - 1.0) / 2.0) * out.jump[a];
        out.size[a] += (w.extent[a] - 1.0) * out.jump[a];
        out.jump[a] *= w.stride[a];
      }
    }
    fields.push_back(std::move(out));
  }
  return fields;
}

Tensor effectiveReceptiveField(Network& network, Backend& backend, const Tensor& image, size_t node, int64_t channel,
                               int64_t y, int64_t x) {
  if (node >= network.size())
    throw std::invalid_argument("effective receptive field: node " + std::to_string(node) + " of " +
                                std::to_string(network.size()));
  const Shape in = image.shape();
  if (in.rank() != 4 || in[0] != 1)
    throw std::invalid_argument("effective receptive field: one image (1, C, H, W), not " + in.toString());
  network.setTraining(false);
  network.forward(backend, image);
  const Tensor& out = network.output(node);
  const Shape s = out.shape();
  if (s.rank() != 4)
    throw std::invalid_argument("effective receptive field: " + network.layer(node).name() +
                                "'s output is not a map (" + s.toString() + ")");
  if (channel < -1 || channel >= s[1] || y < 0 || y >= s[2] || x < 0 || x >= s[3])
    throw std::invalid_argument("effective receptive field: unit (" + std::to_string(channel) + ", " +
                                std::to_string(y) + ", " + std::to_string(x) + ") is outside " +
                                network.layer(node).name() + "'s " + s.toString());
  Tensor diff(s, 0.0f);
  for (int64_t c = 0; c < s[1]; ++c)
    if (channel < 0 || c == channel) diff.at(0, c, y, x) = 1.0f;
  network.backward(backend, diff.inLayout(out.layout()), node + 1, true);
  const Tensor gradient = network.networkInputGradient().inLayout(Layout::NCHW);
  Tensor map(Shape{in[2], in[3]}, 0.0f);
  for (int64_t c = 0; c < in[1]; ++c)
    for (int64_t i = 0; i < in[2]; ++i)
      for (int64_t j = 0; j < in[3]; ++j) map.values()[size_t(i * in[3] + j)] += std::abs(gradient.at(0, c, i, j));
  return map;
}

} // namespace convscope

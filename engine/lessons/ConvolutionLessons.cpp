#include "engine/lessons/ConvolutionLessons.h"

#include "engine/core/OutputSize.h"

#include <stdexcept>
#include <string>

namespace convscope {

ConvolutionMatrix convolutionMatrix(const Conv2DGeometry& g, const Shape& input, const Tensor& weights,
                                    int64_t outChannel) {
  const Shape& w = weights.shape();
  if (input.rank() != 4 || input[0] != 1)
    throw std::invalid_argument("convolution as a matrix: expects one (1, C, H, W) input, got " + input.toString());
  if (w.rank() != 4 || w[1] != input[1] || g.groups != 1)
    throw std::invalid_argument("convolution as a matrix: the kernel " + w.toString() + " must read all " +
                                std::to_string(input[1]) + " input channels (groups 1)");
  if (outChannel < 0 || outChannel >= w[0])
    throw std::invalid_argument("convolution as a matrix: output channel " + std::to_string(outChannel) +
                                " is not one of the kernel's " + std::to_string(w[0]));
  const Shape out = conv2dOutputShape(input, w[0], g, "convolution");
  ConvolutionMatrix m;
  m.rows = out[2] * out[3];
  m.columns = input[1] * input[2] * input[3];
  if (m.rows * m.columns > kMaxMatrixEntries)
    throw std::invalid_argument("convolution as a matrix: " + std::to_string(m.rows) + " output cells × " +
                                std::to_string(m.columns) + " input cells is " + std::to_string(m.rows * m.columns) +
                                " entries; the view builds up to " + std::to_string(kMaxMatrixEntries) +
                                " (an input up to about 32×32)");
  m.matrix = Tensor(Shape{m.rows, m.columns});
  m.tap.assign(size_t(m.rows * m.columns), -1);
  m.weightsPerRow = w[1] * w[2] * w[3];
  for (int64_t oh = 0; oh < out[2]; ++oh)
    for (int64_t ow = 0; ow < out[3]; ++ow) {
      const int64_t row = oh * out[3] + ow;
      for (int64_t c = 0; c < w[1]; ++c)
        for (int64_t i = 0; i < w[2]; ++i)
          for (int64_t j = 0; j < w[3]; ++j) {
            const int64_t y = oh * g.strideH - g.padTop + i * g.dilationH;
            const int64_t x = ow * g.strideW - g.padLeft + j * g.dilationW;
            if (y < 0 || x < 0 || y >= input[2] || x >= input[3]) continue; // a padding tap: times zero
            const int64_t column = (c * input[2] + y) * input[3] + x;
            const size_t entry = size_t(row * m.columns + column);
            m.matrix.data()[entry] = weights.at(outChannel, c, i, j);
            m.tap[entry] = int32_t((c * w[2] + i) * w[3] + j);
            ++m.nonZero;
          }
    }
  return m;
}

Tensor convolveAsMatrix(Backend& backend, const ConvolutionMatrix& m, const Tensor& input, float bias,
                        int64_t outRows, int64_t outColumns) {
  if (input.size() != m.columns)
    throw std::invalid_argument("convolution as a matrix: the input has " + std::to_string(input.size()) +
                                " values, the matrix " + std::to_string(m.columns) + " columns");
  if (outRows * outColumns != m.rows)
    throw std::invalid_argument("convolution as a matrix: " + std::to_string(outRows) + "×" +
                                std::to_string(outColumns) + " outputs for " + std::to_string(m.rows) + " rows");
  const Tensor x = input.inLayout(Layout::NCHW).reshaped(Shape{1, m.columns});
  const Tensor b(Shape{m.rows}, bias);
  Tensor y(Shape{1, m.rows});
  backend.denseForward(x, m.matrix, &b, y);
  return y.reshaped(Shape{1, 1, outRows, outColumns});
}

ShiftComparison compareShifted(Backend& backend, const Tensor& map, const Pool2DGeometry& g, int dy, int dx) {
  const Shape& s = map.shape();
  if (s.rank() != 4 || s[0] != 1 || s[1] != 1)
    throw std::invalid_argument("shift comparison: expects one map (1, 1, H, W), got " + s.toString());
  if (dy < -2 || dy > 2 || dx < -2 || dx > 2)
    throw std::invalid_argument("shift comparison: a shift of " + std::to_string(dy) + ", " + std::to_string(dx) +
                                " pixels; the lesson shifts by −2 to 2");
  ShiftComparison r;
  const Tensor source = map.inLayout(Layout::NCHW);
  r.shifted = Tensor(s, 0.0f);
  for (int64_t y = 0; y < s[2]; ++y)
    for (int64_t x = 0; x < s[3]; ++x) {
      const int64_t fy = y - dy, fx = x - dx;
      if (fy >= 0 && fx >= 0 && fy < s[2] && fx < s[3]) r.shifted.at(0, 0, y, x) = source.at(0, 0, fy, fx);
      r.changedInput += r.shifted.at(0, 0, y, x) != source.at(0, 0, y, x);
    }
  const Shape pooledShape = pool2dOutputShape(s, g, "pooling");
  r.pooled = Tensor(pooledShape);
  r.shiftedPooled = Tensor(pooledShape);
  backend.pool2dForward(g, source, r.pooled);
  backend.pool2dForward(g, r.shifted, r.shiftedPooled);
  r.unchanged.resize(size_t(r.pooled.size()));
  for (int64_t i = 0; i < r.pooled.size(); ++i) {
    r.unchanged[size_t(i)] = r.pooled.data()[i] == r.shiftedPooled.data()[i];
    r.same += r.unchanged[size_t(i)];
  }
  return r;
}

} // namespace convscope

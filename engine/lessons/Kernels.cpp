// Classic kernels as the lecture's table writes them, applied as cross-correlation
// (no flip), so sobel-x responds to intensity rising from left to right.
#include "engine/lessons/Kernels.h"

namespace convscope {

namespace {
ClassicKernel make(std::string name, std::string description, int64_t size, std::vector<float> values,
                   float scale = 1.0f) {
  for (float& v : values) v *= scale;
  return {std::move(name), std::move(description), Tensor(Shape{1, size, size}, std::move(values))};
}

std::vector<ClassicKernel> build() {
  std::vector<ClassicKernel> k;
  k.push_back(make("identity", "Identity: copies the centre pixel", 3, {0, 0, 0, 0, 1, 0, 0, 0, 0}));
  k.push_back(make("edge-cross", "Edge detection (diagonal cross) from the lecture", 3, {1, 0, -1, 0, 0, 0, -1, 0, 1}));
  k.push_back(make("laplacian-4", "Edge detection: 4-neighbour Laplacian", 3, {0, 1, 0, 1, -4, 1, 0, 1, 0}));
  k.push_back(make("laplacian-8", "Edge detection: 8-neighbour Laplacian", 3, {-1, -1, -1, -1, 8, -1, -1, -1, -1}));
  k.push_back(make("sharpen", "Sharpen: centre minus its 4 neighbours", 3, {0, -1, 0, -1, 5, -1, 0, -1, 0}));
  k.push_back(
      make("box-blur", "Box blur: the mean of the 3x3 neighbourhood", 3, {1, 1, 1, 1, 1, 1, 1, 1, 1}, 1.0f / 9));
  k.push_back(
      make("gaussian-blur", "Gaussian blur (3x3 approximation, 1/16)", 3, {1, 2, 1, 2, 4, 2, 1, 2, 1}, 1.0f / 16));
  k.push_back(make("sobel-x", "Sobel: horizontal gradient (vertical edges)", 3, {-1, 0, 1, -2, 0, 2, -1, 0, 1}));
  k.push_back(make("sobel-y", "Sobel: vertical gradient (horizontal edges)", 3, {-1, -2, -1, 0, 0, 0, 1, 2, 1}));
  k.push_back(make("prewitt-x", "Prewitt: horizontal gradient", 3, {-1, 0, 1, -1, 0, 1, -1, 0, 1}));
  k.push_back(make("prewitt-y", "Prewitt: vertical gradient", 3, {-1, -1, -1, 0, 0, 0, 1, 1, 1}));
  k.push_back(make("emboss", "Emboss: relief lit from the top left", 3, {-2, -1, 0, -1, 1, 1, 0, 1, 2}));
  // 5x5 binomial: the outer product of (1 4 6 4 1) with itself, over 256.
  const float b[5] = {1, 4, 6, 4, 1};
  std::vector<float> g5;
  for (float r : b)
    for (float c : b) g5.push_back(r * c);
  k.push_back(make("gaussian-blur-5", "Gaussian blur (5x5 binomial, 1/256)", 5, std::move(g5), 1.0f / 256));
  return k;
}
} // namespace

const std::vector<ClassicKernel>& classicKernels() {
  static const std::vector<ClassicKernel> kernels = build();
  return kernels;
}

const ClassicKernel* findClassicKernel(const std::string& name) {
  for (const ClassicKernel& k : classicKernels())
    if (k.name == name) return &k;
  return nullptr;
}

std::string classicKernelNames() {
  std::string names;
  for (const ClassicKernel& k : classicKernels()) names += (names.empty() ? "" : ", ") + k.name;
  return names;
}

} // namespace convscope

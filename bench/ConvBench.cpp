// Speed of one 3x3 convolution over a 1024x1024 image: the oneDNN backend against the
// reference loops and against OpenCV's filter2D (the usual image-processing peer), all in
// one run, at 1 and 2 threads. Output-size "same" (padding 1) everywhere, as filter2D does.
// Run: ./bench/run_benchmarks.sh (builds Release and prints the ratios).
#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/backend/reference/ReferenceBackend.h"

#include <benchmark/benchmark.h>
#include <omp.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <random>

using namespace convscope;

namespace {
constexpr int64_t kSize = 1024;

Tensor randomImage(int64_t channels) {
  Tensor t(Shape{1, channels, kSize, kSize});
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(0, 255);
  for (float& v : t.values()) v = dist(rng);
  return t;
}

Conv2DGeometry same3x3(int64_t groups) {
  Conv2DGeometry g;
  g.padTop = g.padBottom = g.padLeft = g.padRight = 1;
  g.groups = groups;
  return g;
}

void setThreads(const benchmark::State& state) {
  const int threads = static_cast<int>(state.range(1));
  omp_set_num_threads(threads);
  cv::setNumThreads(threads);
}

// range(0): channels (1 gray, 3 RGB, each filtered separately); range(1): threads.
template <typename BackendType> void convBackend(benchmark::State& state) {
  setThreads(state);
  const int64_t channels = state.range(0);
  BackendType backend;
  const Tensor src = randomImage(channels);
  const Tensor weights(Shape{channels, 1, 3, 3}, std::vector<float>(static_cast<size_t>(channels * 9), 1.0f / 9));
  Tensor dst(Shape{1, channels, kSize, kSize});
  for (auto _ : state) {
    backend.conv2dForward(same3x3(channels), src, weights, nullptr, dst);
    benchmark::DoNotOptimize(dst.data());
  }
  state.SetItemsProcessed(state.iterations() * kSize * kSize * channels);
}

void filter2D(benchmark::State& state) {
  setThreads(state);
  const int64_t channels = state.range(0);
  const Tensor src = randomImage(channels);
  cv::Mat kernel(3, 3, CV_32F, cv::Scalar(1.0f / 9));
  std::vector<cv::Mat> planes, outputs(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c)
    planes.emplace_back(kSize, kSize, CV_32F, const_cast<float*>(src.data()) + c * kSize * kSize);
  for (auto _ : state) {
    // Plane by plane, as the engine's NCHW layout stores them; zero border like our padding.
    // filter2D computes correlation (no flip), like CNNs.
    for (int64_t c = 0; c < channels; ++c)
      cv::filter2D(planes[static_cast<size_t>(c)], outputs[static_cast<size_t>(c)], CV_32F, kernel, cv::Point(-1, -1),
                   0, cv::BORDER_CONSTANT);
    benchmark::DoNotOptimize(outputs[0].data);
  }
  state.SetItemsProcessed(state.iterations() * kSize * kSize * channels);
}
} // namespace

BENCHMARK(convBackend<OnednnBackend>)
    ->Name("conv3x3/onednn")
    ->ArgsProduct({{1, 3}, {1, 2}})
    ->ArgNames({"channels", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(convBackend<ReferenceBackend>)
    ->Name("conv3x3/reference")
    ->ArgsProduct({{1, 3}, {1, 2}})
    ->ArgNames({"channels", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(filter2D)
    ->Name("conv3x3/opencv-filter2D")
    ->ArgsProduct({{1, 3}, {1, 2}})
    ->ArgNames({"channels", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();

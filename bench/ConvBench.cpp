// Speed of one 3x3 convolution over a 1024x1024 image: the oneDNN backend against the
// reference loops and against OpenCV's filter2D (the usual image-processing peer), all in
// one run, at 1 and 2 threads. Output-size "same" (padding 1) everywhere, as filter2D does.
// Run: ./bench/run_benchmarks.sh (builds Release and prints the ratios).
#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/lessons/FusedStages.h"
#include "engine/network/LayerList.h"

#include <benchmark/benchmark.h>
#include <omp.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cstring>
#include <immintrin.h>
#include <random>
#include <vector>

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

// The machine's limits, for BENCHMARKS.md's "share of the limit": memory bandwidth (a 64 MB
// copy, split over the threads; bytes moved = read + write) and the cores' fused
// multiply-add rate (independent AVX-512 FMAs in registers, where the CPU has them).
void memoryCopy(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const size_t bytes = size_t(64) << 20;
  std::vector<char> from(bytes, 1), to(bytes, 2);
  for (auto _ : state) {
#pragma omp parallel num_threads(threads)
    {
      const size_t parts = size_t(omp_get_num_threads()), part = size_t(omp_get_thread_num());
      std::memcpy(to.data() + bytes * part / parts, from.data() + bytes * part / parts, bytes / parts);
    }
    benchmark::DoNotOptimize(to.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(2 * bytes));
}

__attribute__((target("avx512f"))) float fmaLoop(int64_t iterations) {
  __m512 a[12], x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < 12; ++i) a[i] = _mm512_set1_ps(float(i));
  for (int64_t n = 0; n < iterations; ++n)
    for (int i = 0; i < 12; ++i) a[i] = _mm512_fmadd_ps(a[i], x, y); // 12 chains hide the latency
  __m512 sum = a[0];
  for (int i = 1; i < 12; ++i) sum = _mm512_add_ps(sum, a[i]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, sum);
  float total = 0;
  for (float v : lanes) total += v;
  return total;
}

void fmaPeak(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx512f")) return state.SkipWithError("no AVX-512 on this CPU");
  const int threads = static_cast<int>(state.range(0));
  constexpr int64_t kIterations = 1 << 22;
  for (auto _ : state) {
    float sink = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    sink += fmaLoop(kIterations);
    benchmark::DoNotOptimize(sink);
  }
  // FMAs (one multiply-add on one float each): 12 vectors of 16 floats per iteration per thread.
  state.counters["GFMA/s"] = benchmark::Counter(double(state.iterations()) * kIterations * 12 * 16 * threads / 1e9,
                                                benchmark::Counter::kIsRate);
}

BENCHMARK(memoryCopy)
    ->Name("limits/memory-copy-64MB")
    ->Arg(1)
    ->Arg(2)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(fmaPeak)
    ->Name("limits/fma-avx512")
    ->Arg(1)
    ->Arg(2)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

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

// The live view's commonest case (`bench live`, `bench window`): a 1024x1024 RGB photo through a
// bank of 8 filters 3x3 (padding 1). fused:1, the whole live pass (fusedBank: the convolution,
// ReLU, 2x2 max pooling, the ranges, the pictures' samples at every 7th pixel, as for the
// window's 150-pixel tiles); fused:0, the same loop writing the whole convolution
// (bankConvolution). Counter GFMA/s: the convolution's multiply-adds (8 × 27 a pixel) over the
// time, to set beside limits/fma-avx512 at the same thread count.
void fusedBankPass(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx512f")) return state.SkipWithError("no AVX-512 on this CPU");
  const bool whole = state.range(0) == 0;
  omp_set_num_threads(static_cast<int>(state.range(1)));
  const Tensor image = randomImage(3);
  Tensor weights(Shape{8, 3, 3, 3}), bias(Shape{8});
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (float& v : weights.values()) v = dist(rng);
  for (float& v : bias.values()) v = dist(rng);
  const Conv2DGeometry g = same3x3(1);
  const Pool2DGeometry pool; // max 2x2, stride 2
  Tensor pooled, samples, out;
  StageRanges maps, pooledRanges;
  for (auto _ : state) {
    if (whole)
      bankConvolution(g, image, weights, bias, out);
    else
      fusedBank(g, image, weights, bias, &pool, &pooled, maps, &pooledRanges, 7, samples);
    benchmark::ClobberMemory();
  }
  state.counters["GFMA/s"] =
      benchmark::Counter(double(state.iterations()) * kSize * kSize * 8 * 27 / 1e9, benchmark::Counter::kIsRate);
}
BENCHMARK(fusedBankPass)
    ->Name("live/small-bank-1024-rgb-8")
    ->ArgsProduct({{0, 1}, {1, 2}})
    ->ArgNames({"fused", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The layer editor's check on every keystroke, on the lecture's first slide (a 500×500×3
// image into a dense layer of 1000: 750,001,000 parameters counted, none allocated). This is
// what ui/training/LayerEditor runs per key; the window test only checks the result.
void layerEditorKeystroke(benchmark::State& state) {
  const std::string text = "input 3x500x500\nflatten\ndense 1000\n";
  for (auto _ : state) benchmark::DoNotOptimize(checkLayerList(text).parameters);
}
BENCHMARK(layerEditorKeystroke)->Name("layer-editor/first-slide-check")->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();

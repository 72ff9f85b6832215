// Single-plane convolutions through cv::filter2D, in horizontal bands (one per thread).
#include "engine/backend/onednn/PlaneFilter.h"

#include <omp.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <vector>

namespace convscope::onednn {

namespace {
// Rows [y0, y1) of view ⋆ kernel + delta into out (y1 - y0 rows), `view` being the input
// seen at the output's size from its top-left corner. filter2D reads the pixels around a
// view from the whole image (only the image's own edges get the zero border): bands join
// seamlessly, and a smaller output ("valid" padding) reads the rows and columns beyond it.
// Rows [y0, y1) of view ⋆ kernel + delta into out (y1 - y0 rows), `view` being the input
// seen at the output's size from its top-left corner. filter2D reads the pixels around a
// view from the whole image (only the image's own edges get the zero border): bands join
// seamlessly, and a smaller output ("valid" padding) reads the rows and columns beyond it.
// (sepFilter2D for separable kernels such as Sobel's was no faster at 3x3.)
void filterRows(const cv::Mat& view, int y0, int y1, cv::Mat& out, const cv::Mat& kernel, cv::Point anchor,
                double delta) {
  if (y0 < y1) cv::filter2D(view.rowRange(y0, y1), out, CV_32F, kernel, anchor, delta, cv::BORDER_CONSTANT);
}
int bandStart(int rows, int bands, int band) { return int(int64_t(rows) * band / bands); }
} // namespace

bool isPlaneFilter(const Conv2DGeometry& g, const Tensor& src, const Shape& weights, const Tensor& dst) {
  const Shape& s = src.shape();
  if (s.rank() != 4 || dst.shape().rank() != 4 || dst.shape()[0] != s[0] || dst.shape()[1] != s[1]) return false;
  if (weights.rank() != 4) return false;
  const int64_t channels = s[1];
  const bool oneEach = (g.groups == channels && weights[0] == channels) || (channels == 1 && weights[0] == 1);
  if (!oneEach || weights[1] != 1) return false;
  if (g.strideH != 1 || g.strideW != 1 || g.dilationH != 1 || g.dilationW != 1) return false;
  // The output fits inside the input (a view of it) and the anchor inside the kernel.
  if (g.padTop + g.padBottom > g.kernelH - 1 || g.padLeft + g.padRight > g.kernelW - 1) return false;
  if (g.kernelH * g.kernelW >= 50 || s[2] > 1 << 30 || s[3] > 1 << 30) return false;
  // NCHW planes in and out, or up to 4 interleaved channels (filter2D's multi-channel images).
  return channels == 1 || (src.layout() == Layout::NCHW && dst.layout() == Layout::NCHW) || channels <= 4;
}

void filterPlanes(const Conv2DGeometry& g, const Tensor& src, const Tensor& weights, const Tensor* bias, Tensor& dst) {
  const Shape& s = src.shape();
  const int64_t batch = s[0], channels = s[1];
  const int h = int(s[2]), w = int(s[3]), ho = int(dst.shape()[2]), wo = int(dst.shape()[3]);
  const cv::Rect view(0, 0, wo, ho);
  const cv::Point anchor(int(g.padLeft), int(g.padTop));
  const int threads = std::max(1, omp_get_max_threads());
  auto kernelOf = [&](int64_t c) {
    return cv::Mat(int(g.kernelH), int(g.kernelW), CV_32F,
                   const_cast<float*>(weights.data()) + c * g.kernelH * g.kernelW);
  };
  auto biasOf = [&](int64_t c) { return bias ? double(bias->values()[size_t(c)]) : 0.0; };
  const bool samePlanes = channels == 1 || (src.layout() == Layout::NCHW && dst.layout() == Layout::NCHW);
  if (samePlanes) { // plane by plane, every plane cut into bands: (image, channel, band) jobs
    const int64_t jobs = batch * channels * threads;
#pragma omp parallel for schedule(static)
    for (int64_t job = 0; job < jobs; ++job) {
      const int64_t plane = job / threads, c = plane % channels;
      const cv::Mat in(h, w, CV_32F, const_cast<float*>(src.data()) + plane * h * w);
      const cv::Mat out(ho, wo, CV_32F, dst.data() + plane * ho * wo);
      const int band = int(job % threads), y0 = bandStart(ho, threads, band), y1 = bandStart(ho, threads, band + 1);
      cv::Mat rows = out.rowRange(y0, y1);
      filterRows(in(view), y0, y1, rows, kernelOf(c), anchor, biasOf(c));
    }
    return;
  }
  // Interleaved channels (NHWC, at most 4) on either side: split into planes, filter the
  // planes, merge the filtered planes, each step in bands on every core. filter2D on
  // planes is faster than on OpenCV's interleaved multi-channel images (1024x1024 RGB,
  // Sobel: 2.1 ms as one CV_32FC3 call).
  for (int64_t n = 0; n < batch; ++n) {
    const int64_t image = n * channels * h * w, outImage = n * channels * ho * wo;
    std::vector<cv::Mat> in(static_cast<size_t>(channels));
    for (int64_t c = 0; c < channels; ++c)
      in[size_t(c)] = src.layout() == Layout::NCHW
                          ? cv::Mat(h, w, CV_32F, const_cast<float*>(src.data()) + image + c * h * w)
                          : cv::Mat(h, w, CV_32F);
    const int type = CV_32FC(int(channels));
    if (src.layout() == Layout::NHWC) { // the whole input first: a band reads its neighbours' rows
      const cv::Mat interleaved(h, w, type, const_cast<float*>(src.data()) + image);
#pragma omp parallel for schedule(static)
      for (int band = 0; band < threads; ++band) {
        const int y0 = bandStart(h, threads, band), y1 = bandStart(h, threads, band + 1);
        std::vector<cv::Mat> rows;
        for (const cv::Mat& plane : in) rows.push_back(plane.rowRange(y0, y1));
        cv::split(interleaved.rowRange(y0, y1), rows);
      }
    }
    if (dst.layout() == Layout::NCHW) {
#pragma omp parallel for schedule(static)
      for (int64_t job = 0; job < channels * threads; ++job) {
        const int64_t c = job / threads;
        const int band = int(job % threads), y0 = bandStart(ho, threads, band), y1 = bandStart(ho, threads, band + 1);
        cv::Mat rows = cv::Mat(ho, wo, CV_32F, dst.data() + outImage + c * ho * wo).rowRange(y0, y1);
        filterRows(in[size_t(c)](view), y0, y1, rows, kernelOf(c), anchor, biasOf(c));
      }
      continue;
    }
    // NHWC output: bands of rows, each channel filtered into a buffer that stays in cache
    // (together at most 512 KB) and merged from there; a whole-image merge read 12 MB more
    // at 1024x1024 RGB, and bands of 16 rows paid filter2D's set-up 3 times every 16 rows.
    const cv::Mat interleaved(ho, wo, type, dst.data() + outImage);
    const int rowsPerBand = int(std::max<int64_t>(8, (int64_t(512) << 10) / (int64_t(wo) * 4 * channels)));
    const int bands = std::max(threads, (ho + rowsPerBand - 1) / rowsPerBand);
#pragma omp parallel
    {
      std::vector<cv::Mat> filtered(static_cast<size_t>(channels));
#pragma omp for schedule(static)
      for (int band = 0; band < bands; ++band) {
        const int y0 = bandStart(ho, bands, band), y1 = bandStart(ho, bands, band + 1);
        if (y0 == y1) continue;
        for (int64_t c = 0; c < channels; ++c) {
          filtered[size_t(c)].create(y1 - y0, wo, CV_32F);
          filterRows(in[size_t(c)](view), y0, y1, filtered[size_t(c)], kernelOf(c), anchor, biasOf(c));
        }
        cv::Mat rows = interleaved.rowRange(y0, y1);
        cv::merge(filtered, rows);
      }
    }
  }
}

} // namespace convscope::onednn

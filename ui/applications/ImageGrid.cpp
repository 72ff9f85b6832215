// ImageGrid: grey or colour images in rows.
#include "ui/applications/ImageGrid.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

namespace convscope::ui {

ImageGrid::ImageGrid(QWidget* parent) : QWidget(parent) {}

void ImageGrid::setImages(const Tensor& images, int columns, const QStringList& captions) {
  images_ = images.inLayout(Layout::NCHW);
  count_ = images_.shape().rank() == 4 ? int(images_.shape()[0]) : 0;
  columns_ = std::max(1, std::min(columns, std::max(count_, 1)));
  captions_ = captions.size() == count_ ? captions : QStringList();
  updateGeometry();
  update();
}

void ImageGrid::setTitle(const QString& title) {
  title_ = title;
  update();
}

void ImageGrid::clear() {
  images_ = Tensor();
  count_ = 0;
  captions_.clear();
  update();
}

void ImageGrid::setCaptionPixels(int pixels) {
  captionPixels_ = pixels;
  updateGeometry();
  update();
}

QSize ImageGrid::sizeHint() const {
  const int rows = count_ ? (count_ + columns_ - 1) / columns_ : 1;
  return {columns_ * 64, rows * (64 + (captions_.isEmpty() ? 0 : captionPixels_ + 6)) + (title_.isEmpty() ? 0 : 24)};
}

QImage ImageGrid::imageAt(int k, int scale) const {
  if (k < 0 || k >= count_) return {};
  const int c = int(images_.shape()[1]), h = int(images_.shape()[2]), w = int(images_.shape()[3]);
  const bool colour = c == 3;
  QImage image(w, h, colour ? QImage::Format_RGB888 : QImage::Format_Grayscale8);
  const float* v = images_.data() + int64_t(k) * c * h * w;
  const auto byte = [](float value) { return uchar(std::lround(255.0 * std::clamp(value, 0.0f, 1.0f))); };
  for (int y = 0; y < h; ++y) {
    uchar* row = image.scanLine(y);
    for (int x = 0; x < w; ++x)
      if (colour)
        for (int j = 0; j < 3; ++j) row[3 * x + j] = byte(v[(int64_t(j) * h + y) * w + x]);
      else
        row[x] = byte(v[y * w + x]);
  }
  return scale == 1 ? image : image.scaled(w * scale, h * scale, Qt::IgnoreAspectRatio, Qt::FastTransformation);
}

QImage ImageGrid::gridImage(int scale) const {
  if (!count_) return {};
  const int h = int(images_.shape()[2]) * scale, w = int(images_.shape()[3]) * scale, gap = 2;
  const int rows = (count_ + columns_ - 1) / columns_;
  QImage grid(columns_ * (w + gap) + gap, rows * (h + gap) + gap, QImage::Format_RGB32);
  grid.fill(QColor(96, 96, 96));
  QPainter p(&grid);
  for (int k = 0; k < count_; ++k)
    p.drawImage(gap + (k % columns_) * (w + gap), gap + (k / columns_) * (h + gap), imageAt(k, scale));
  return grid;
}

void ImageGrid::paintEvent(QPaintEvent*) {
  QPainter p(this);
  QFont font = p.font();
  font.setPixelSize(captionPixels_);
  p.setFont(font);
  int top = 0;
  if (!title_.isEmpty()) {
    const QRect line(0, 0, width(), captionPixels_ + 8);
    p.drawText(line, Qt::AlignLeft | Qt::AlignVCenter, title_);
    top = line.height();
  }
  if (!count_) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(rect().adjusted(0, top, 0, 0), Qt::AlignCenter | Qt::TextWordWrap, tr("No images yet"));
    return;
  }
  const int rows = (count_ + columns_ - 1) / columns_;
  const int captionHeight = captions_.isEmpty() ? 0 : captionPixels_ + 6, gap = 3;
  const int h = int(images_.shape()[2]), w = int(images_.shape()[3]);
  // The largest cell that fits: whole screen pixels per image pixel when that loses little (from
  // 4 up), else fractional (a 10 × 10 grid of digits fills its pane).
  const double cellW = double(width() - gap) / columns_ - gap;
  const double cellH = double(height() - top - gap) / rows - gap - captionHeight;
  double side = std::max(0.25, std::min(cellW / w, cellH / h));
  if (side >= 4.0) side = std::floor(side);
  const double iw = w * side, ih = h * side;
  const double left0 = (width() - (columns_ * (iw + gap) + gap)) / 2;
  p.setRenderHint(QPainter::SmoothPixmapTransform, false);
  for (int k = 0; k < count_; ++k) {
    const double x = left0 + gap + (k % columns_) * (iw + gap);
    const double y = top + gap + (k / columns_) * (ih + gap + captionHeight);
    p.drawImage(QRectF(x, y, iw, ih), imageAt(k));
    if (!captions_.isEmpty())
      // Centred under the image, as wide as the cell allows (a caption wider than a small image —
      // "27.8 dB" under a 40-pixel digit — is not cut).
      p.drawText(QRectF(x + iw / 2 - std::max(cellW, iw) / 2, y + ih, std::max(cellW, iw), captionHeight),
                 Qt::AlignCenter | Qt::TextDontClip, captions_[k]);
  }
}

} // namespace convscope::ui

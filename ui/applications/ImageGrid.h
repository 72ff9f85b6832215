// Grey or RGB images side by side in rows, each scaled up without smoothing (a pixel stays a
// square), a caption under each when given (a GAN sample's D(G(z)), a walk step's number), a title
// above. The Generation page's samples, decodes and walks, the Inspect tab's made images, dataset
// examples and attacks; as a QImage for PNG and GIF exports.
// Not for: feature maps (ui/maps: signed values on a colour scale).
#pragma once

#include "engine/core/Tensor.h"

#include <QImage>
#include <QStringList>
#include <QWidget>

namespace convscope::ui {

class ImageGrid : public QWidget {
  Q_OBJECT
public:
  explicit ImageGrid(QWidget* parent = nullptr);
  // images (N, 1 or 3, H, W) in [0, 1]; `columns` per row; captions: none or one per image.
  void setImages(const Tensor& images, int columns, const QStringList& captions = {});
  void setTitle(const QString& title);
  void clear();
  int count() const { return count_; }
  const Tensor& images() const { return images_; }
  const QStringList& captions() const { return captions_; }
  // Image k alone as 8-bit grey or RGB, `scale` screen pixels per pixel.
  QImage imageAt(int k, int scale = 1) const;
  // The grid as drawn, `scale` screen pixels per image pixel, 2-pixel gaps, without captions.
  QImage gridImage(int scale = 2) const;
  void setCaptionPixels(int pixels); // the captions' font (24 when presenting)
  QSize sizeHint() const override;
  QSize minimumSizeHint() const override { return {120, 120}; }

protected:
  void paintEvent(QPaintEvent* event) override;

private:
  Tensor images_;
  int count_ = 0, columns_ = 1;
  QStringList captions_;
  QString title_;
  int captionPixels_ = 13;
};

} // namespace convscope::ui

// The Applications tab's shared scenes.
#include "ui/applications/Scenes.h"

#include "engine/io/ImageIO.h"
#include "engine/training/Scenes.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QImage>

#include <algorithm>
#include <cmath>
#include <mutex>

namespace convscope::ui {

std::shared_ptr<const Dataset> heldOutScenes() {
  static std::mutex mutex;
  static std::shared_ptr<const Dataset> scenes;
  std::lock_guard lock(mutex);
  if (!scenes) scenes = std::make_shared<const Dataset>(composeScenes(loadDataset("digits").test, kHeldOutScenes, 2));
  return scenes;
}

int firstSceneWith(const Dataset& scenes, size_t digits) {
  for (size_t i = 0; i < scenes.boxes.size(); ++i)
    if (scenes.boxes[i].size() == digits) return int(i);
  return 0;
}

std::vector<float> sceneFromImage(const Tensor& image, bool* inverted) {
  const Shape& s = image.shape();
  std::vector<float> scene(size_t(kSceneSide) * kSceneSide, 0.0f);
  if (s.rank() != 4 || s[2] < 1 || s[3] < 1) return scene;
  QImage grey(static_cast<int>(s[3]), static_cast<int>(s[2]), QImage::Format_Grayscale8);
  double mean = 0;
  for (int64_t y = 0; y < s[2]; ++y)
    for (int64_t x = 0; x < s[3]; ++x) {
      double v = 0;
      for (int64_t c = 0; c < s[1]; ++c) v += image.at(0, c, y, x);
      v /= double(s[1]);
      grey.scanLine(int(y))[x] = uchar(std::clamp(std::lround(v), 0L, 255L));
      mean += v;
    }
  mean /= double(s[2] * s[3]);
  const bool invert = mean > 127; // dark digits on a light page: the scenes' are white on black
  if (invert) grey.invertPixels();
  if (inverted) *inverted = invert;
  const QImage fitted = grey.scaled(kSceneSide, kSceneSide, Qt::KeepAspectRatio, Qt::SmoothTransformation);
  const int ox = (kSceneSide - fitted.width()) / 2, oy = (kSceneSide - fitted.height()) / 2;
  for (int y = 0; y < fitted.height(); ++y)
    for (int x = 0; x < fitted.width(); ++x)
      scene[size_t(y + oy) * kSceneSide + size_t(x + ox)] = fitted.constScanLine(y)[x];
  return scene;
}

QString sceneFromImageText(const QString& name, bool inverted) {
  return QObject::tr("%1, in grey at 64×64%2").arg(name, inverted ? QObject::tr(", inverted (a light background)") : QString());
}

Tensor openSceneImage(QWidget* parent, const QString& title, QString* name, QString* error) {
  const QString path = QFileDialog::getOpenFileName(parent, title, QString(),
                                                    QObject::tr("Images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp)"));
  if (path.isEmpty()) return {};
  if (name) *name = QFileInfo(path).fileName();
  try {
    return loadImage(path.toStdString());
  } catch (const std::exception& e) {
    if (error)
      *error = QObject::tr("Could not open %1: %2").arg(QFileInfo(path).fileName(), QString::fromStdString(e.what()));
    return {};
  }
}

} // namespace convscope::ui

// The samples catalogue: the lecture's examples with their slides' settings, and the photos.
#include "ui/window/Samples.h"

#include "ui/stepper/Stepper.h"

#include "engine/io/ImageIO.h"
#include "engine/io/MatrixText.h"
#include "engine/training/Dataset.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QListWidget>
#include <QMenu>
#include <QPainter>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace convscope::ui {

namespace {
QString tr(const char* text) { return QCoreApplication::translate("Samples", text); }
} // namespace

std::vector<Sample> lectureSamples() {
  std::vector<Sample> list;
  QString root;
  try {
    root = QString::fromStdString(resourcesDirectory());
  } catch (const std::exception&) {
    return list;
  }
  const QString ex = root + "/examples/";
  // The lecture's examples with the kernels and settings of their slides.
  const auto lecture = [&](const QString& title, const QString& file, QStringList kernels, const QString& padding,
                           const QString& description) {
    Sample x;
    x.title = title, x.path = ex + file, x.kernels = std::move(kernels), x.padding = padding, x.lecture = true;
    x.description = description;
    list.push_back(x);
    return &list.back();
  };
  lecture(tr("6×6 image, filters 1 and 2"), "six.txt", {ex + "filter1.txt", ex + "filter2.txt"}, "valid",
          tr("The 6×6 image with filters 1 and 2: two 4×4 feature maps, ReLU, 2×2 max pooling"));
  Sample* rgb = lecture(tr("RGB example, bias 1"), "rgb5.txt", {ex + "rgb-kernel.txt"}, "1",
                        tr("Three channels, one 3×3×3 kernel, padding 1, bias 1: output(0,0) = −25"));
  rgb->bias = 1;
  lecture(tr("Padding example, sharpen"), "padding5.txt", {"sharpen"}, "1", tr("Zero padding of 1 around a 5×5 image"));
  lecture(tr("Stride example, stride 2"), "stride5.txt", {ex + "stride-kernel.txt"}, "1",
          tr("Stride 2: the kernel jumps two cells"))
      ->stride = 2;
  lecture(tr("Loopy pattern feature map"), "loopy.txt", {ex + "loopy-kernel.txt"}, "valid",
          tr("The 7×5 loopy pattern through the loop detector (weights 1/9): a 5×3 feature map peaking at 1"));
  list.back().activation = ActivationKind::None, list.back().pooling = false; // the slide stops at the feature map
  // The pooling slides pool the numbers as printed: the identity kernel, no activation.
  for (const auto& [title, file, mode, description] :
       {std::tuple{tr("Max pooling example"), QStringLiteral("pool-max.txt"), PoolMode::Max,
                   tr("2×2 max pooling, stride 2: 100, 184, 12, 45")},
        std::tuple{tr("Average pooling example"), QStringLiteral("pool-avg.txt"), PoolMode::Average,
                   tr("2×2 average pooling, stride 2: 36.5, 80, 12, 15")},
        std::tuple{tr("Pooling feature map"), QStringLiteral("feature-map.txt"), PoolMode::Max,
                   tr("The pooling slide's feature map (switch max, average and sum in the Convolution panel)")}}) {
    Sample* x = lecture(title, file, {"identity"}, "same", description);
    x->activation = ActivationKind::None, x->poolMode = mode, x->stepMode = int(Stepper::Mode::Pooling);
  }
  // The transposed convolution's slides (segmentation's upsampling): conv_arithmetic's cases on
  // the 3×3 input, each opening the stepper's transposed mode on its own kernel.
  for (const auto& [title, name, description] :
       {std::tuple{tr("Transposed convolution, kernel 3 stride 2"), QStringLiteral("k3s2p1op1"),
                   tr("3×3 → 6×6 with padding 1, output padding 1: the overlap makes a checkerboard")},
        std::tuple{tr("Transposed convolution, kernel 2 stride 2"), QStringLiteral("k2s2"),
                   tr("3×3 → 6×6: every output cell gets exactly one product")},
        std::tuple{tr("Transposed convolution, kernel 4 stride 2"), QStringLiteral("k4s2p1"),
                   tr("3×3 → 6×6 with padding 1: an even overlap, no checkerboard (bilinear upsampling ×16)")}}) {
    Sample x;
    x.title = title, x.path = ex + "deconv3.txt", x.deconv = name, x.description = description;
    x.stepMode = int(Stepper::Mode::Transposed);
    list.push_back(x);
  }
  const auto plain = [&](const QString& title, const QString& path) { // opened as they are
    Sample x;
    x.title = title, x.path = path;
    list.push_back(x);
  };
  plain(tr("A handwritten digit"), ex + "digit.png");
  // The kernel table (identity, edge detection, sharpen, blur) on one photo, in gray: one
  // feature map per filter, the depth of the result the number of filters.
  const QDir photos(root + "/samples");
  if (const QStringList found = photos.entryList({"coffee.png"}, QDir::Files); !found.isEmpty()) {
    Sample* table =
        lecture(tr("Kernel table on a photo"), QString(),
                {"identity", "edge-cross", "laplacian-4", "laplacian-8", "sharpen", "box-blur", "gaussian-blur"},
                "same", tr("The lecture's table of kernels, each on the same photo: 7 filters, depth 7"));
    table->path = photos.filePath(found.first());
    table->activation = ActivationKind::None, table->pooling = false, table->channels = 1;
  }
  for (const QFileInfo& photo : photos.entryInfoList({"*.png", "*.jpg"}, QDir::Files, QDir::Name))
    plain(photo.baseName(), photo.absoluteFilePath());
  list.erase(std::remove_if(list.begin(), list.end(), [](const Sample& x) { return !QFileInfo::exists(x.path); }),
             list.end());
  return list;
}

void fillSamplesMenu(QMenu* menu, const std::vector<Sample>& samples, const std::function<void(const Sample&)>& open) {
  for (const Sample& sample : samples) menu->addAction(sample.title, menu, [open, sample] { open(sample); });
  menu->setEnabled(!menu->isEmpty());
}

QWidget* makeSamplesGallery(const std::vector<Sample>& all, std::function<void(const Sample&)> open) {
  auto* gallery = new QListWidget;
  gallery->setObjectName("sampleGallery");
  gallery->setViewMode(QListView::IconMode);
  gallery->setIconSize(QSize(72, 72));
  gallery->setResizeMode(QListView::Adjust);
  gallery->setMovement(QListView::Static);
  gallery->setWordWrap(true);
  gallery->setGridSize(QSize(104, 112));
  gallery->setToolTip(tr("Click a sample to open it with the lecture's kernels and settings"));
  for (size_t i = 0; i < all.size(); ++i) {
    auto* item = new QListWidgetItem(all[i].title, gallery);
    if (!all[i].description.isEmpty()) item->setToolTip(all[i].description);
    item->setData(Qt::UserRole, int(i));
    QImage thumb;
    if (isImageFile(all[i].path.toStdString())) {
      thumb.load(all[i].path);
    } else {
      try { // a matrix: its first channel, stretched from its smallest to its largest value
        const Tensor m = loadMatrixFile(all[i].path.toStdString());
        const Shape& sh = m.shape();
        const auto [lo, hi] = std::minmax_element(m.values().begin(), m.values().begin() + sh[1] * sh[2]);
        thumb = QImage(int(sh[2]), int(sh[1]), QImage::Format_Grayscale8);
        for (int64_t y = 0; y < sh[1]; ++y)
          for (int64_t x = 0; x < sh[2]; ++x) {
            const float v = m.values()[size_t(y * sh[2] + x)];
            thumb.scanLine(int(y))[x] = uchar(*hi > *lo ? std::lround(255.0f * (v - *lo) / (*hi - *lo)) : 128);
          }
      } catch (const std::exception&) {
      }
    }
    if (!thumb.isNull()) { // with a frame: white cells stay apart from the white list
      QImage icon =
          thumb.scaled(72, 72, Qt::KeepAspectRatio, Qt::FastTransformation).convertToFormat(QImage::Format_RGB32);
      QPainter frame(&icon);
      frame.setPen(QColor(120, 120, 120));
      frame.drawRect(icon.rect().adjusted(0, 0, -1, -1));
      frame.end();
      item->setIcon(QIcon(QPixmap::fromImage(icon)));
    }
  }
  QObject::connect(gallery, &QListWidget::itemClicked, gallery, [all, open](QListWidgetItem* item) {
    open(all[size_t(item->data(Qt::UserRole).toInt())]);
  });
  return gallery;
}

} // namespace convscope::ui

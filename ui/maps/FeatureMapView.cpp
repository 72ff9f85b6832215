// FeatureMapView: tile layout, painting and hover read-out.
#include "ui/maps/FeatureMapView.h"
#include "ui/core/Text.h"

#include "engine/backend/reference/ReferenceBackend.h"

#include <QContextMenuEvent>
#include <QFileDialog>
#include <QMenu>
#include <QMouseEvent>
#include <QPaintEvent>
#include <QRegion>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <array>
#include <cmath>

namespace convscope::ui {

namespace {
constexpr int kMargin = 8, kHeader = 26, kCaption = 18, kGap = 10;

// Captions: four significant digits are enough to read a range ("−10.48 … 1140").
// Short enough for a caption under a tile: whole numbers from 100 up ("−771", "1020"),
// three significant digits below ("−7.89", "0.425").
// A cell's value on a small map: three significant digits, or two when three do not fit
// ("−0.11", as the slides round).
QString cellNumber(float v, int digits) {
  QString text = std::abs(v) >= 100 ? QString::number(qRound64(double(v))) : QString::number(double(v), 'g', digits);
  if (text.startsWith('-')) text.replace(0, 1, QChar(0x2212));
  return text;
}

QString shortNumber(float v) {
  QString text = std::abs(v) >= 100 ? QString::number(qRound64(double(v))) : QString::number(double(v), 'g', 3);
  if (text.startsWith('-')) text.replace(0, 1, QChar(0x2212));
  return text;
}

const QVector<QRgb>& colourTable(Palette palette) {
  static const QVector<QRgb> gray = [] {
    QVector<QRgb> t;
    for (int i = 0; i < 256; ++i) t.push_back(qRgb(i, i, i));
    return t;
  }();
  static const QVector<QRgb> diverging = [] {
    QVector<QRgb> t;
    for (int i = 0; i < 256; ++i) {
      uint8_t c[3];
      paletteColour(Palette::Diverging, i, c);
      t.push_back(qRgb(c[0], c[1], c[2]));
    }
    return t;
  }();
  return palette == Palette::Diverging ? diverging : gray;
}
} // namespace

namespace {
// The value an index of a rendered map stands for (the renderer's inverse, to 1/255).
double indexValue(const MapImage& map, int index) {
  return map.palette == Palette::Diverging ? (index - 128) / 127.0 * map.scale : index / 255.0 * map.scale;
}

// A tile's colours when it is shown on another scale (shared by its layer), in another
// palette (a layer with one signed map is all diverging) or with a gain.
QVector<QRgb> displayTable(const MapImage& map, Palette palette, double scale, double gain) {
  const QVector<QRgb>& base = colourTable(palette);
  QVector<QRgb> table(256);
  for (int i = 0; i < 256; ++i) {
    const double v = scale > 0 ? indexValue(map, i) / scale * gain : 0;
    const double j = palette == Palette::Diverging ? 128 + v * 127 : v * 255;
    table[i] = base[std::clamp(int(std::lround(j)), 0, 255)];
  }
  return table;
}

// The automatic gain: the 99th percentile of |value| (from the rendered indices) reaches
// the palette's end; never below 1 (true contrast) nor above 16.
double autoGain(const std::vector<const MapImage*>& maps, double scale) {
  std::array<int64_t, 256> histogram{}; // of |value| / scale, in 255ths
  int64_t count = 0;
  for (const MapImage* m : maps) {
    // Count the 8-bit indices first, one increment a pixel, in four tallies: a run of equal
    // pixels (a ReLU map's zeros) would otherwise wait on one counter at every step.
    std::array<std::array<uint32_t, 256>, 4> tally{};
    const uint8_t* px = m->pixels.data();
    const size_t n = m->pixels.size();
    size_t j = 0;
    for (; j + 4 <= n; j += 4) ++tally[0][px[j]], ++tally[1][px[j + 1]], ++tally[2][px[j + 2]], ++tally[3][px[j + 3]];
    for (; j < n; ++j) ++tally[0][px[j]];
    for (int i = 0; i < 256; ++i) {
      const double v = scale > 0 ? std::abs(indexValue(*m, i)) / scale : 0;
      histogram[size_t(std::clamp(int(v * 255 + 0.5), 0, 255))] +=
          int64_t(tally[0][size_t(i)]) + tally[1][size_t(i)] + tally[2][size_t(i)] + tally[3][size_t(i)];
    }
    count += int64_t(m->pixels.size());
  }
  if (count == 0) return 1;
  int64_t seen = 0;
  int q = 255;
  for (int b = 0; b < 256; ++b)
    if ((seen += histogram[size_t(b)]) >= count * 99 / 100) {
      q = b;
      break;
    }
  if (q == 0) return 1;
  return std::clamp(std::floor(255.0 / q * 10) / 10, 1.0, 16.0); // to a tenth, so it reads as a number
}
} // namespace

// A deep copy: QImage(uchar*, …) only wraps the bytes, and a MapImage is often a
// temporary (`toQImage(renderMap(…))`), which would leave the image on freed memory.
QImage toQImage(const MapImage& map) {
  if (map.palette == Palette::Rgb)
    return QImage(map.pixels.data(), map.width, map.height, map.width * 3, QImage::Format_RGB888).copy();
  QImage image = QImage(map.pixels.data(), map.width, map.height, map.width, QImage::Format_Indexed8).copy();
  image.setColorTable(colourTable(map.palette));
  return image;
}

namespace {
// A tile's picture over the snapshot's own bytes, no copy: the image keeps the snapshot
// alive (its cleanup lets go of it), and nothing writes to a snapshot, so the bytes stay.
// Setting a colour table does not copy an image made over writable bytes that only it uses.
QImage wrappedImage(const PipelineSnapshot& snapshot, const MapImage& map) {
  auto* keep = new PipelineSnapshot(snapshot);
  auto* bytes = const_cast<uchar*>(map.pixels.data()); // never written: see above
  const auto release = [](void* info) { delete static_cast<PipelineSnapshot*>(info); };
  if (map.palette == Palette::Rgb)
    return QImage(bytes, map.width, map.height, map.width * 3, QImage::Format_RGB888, release, keep);
  QImage image(bytes, map.width, map.height, map.width, QImage::Format_Indexed8, release, keep);
  image.setColorTable(colourTable(map.palette));
  return image;
}
} // namespace

namespace {
// An indexed or 24-bit picture in 32-bit colours, the format the window paints without converting.
QImage paintable(const QImage& image) {
  QImage out(image.size(), QImage::Format_RGB32);
  const int w = image.width();
  if (image.format() == QImage::Format_Indexed8) {
    const QVector<QRgb> table = image.colorTable();
    for (int y = 0; y < image.height(); ++y) {
      const uchar* in = image.constScanLine(y);
      auto* o = reinterpret_cast<QRgb*>(out.scanLine(y));
      for (int x = 0; x < w; ++x) o[x] = table[in[x]];
    }
  } else if (image.format() == QImage::Format_RGB888) {
    for (int y = 0; y < image.height(); ++y) {
      const uchar* in = image.constScanLine(y);
      auto* o = reinterpret_cast<QRgb*>(out.scanLine(y));
      for (int x = 0; x < w; ++x) o[x] = qRgb(in[3 * x], in[3 * x + 1], in[3 * x + 2]);
    }
  } else {
    out = image.convertToFormat(QImage::Format_RGB32);
  }
  return out;
}
} // namespace

QColor paletteQColor(Palette palette, int index) {
  uint8_t c[3];
  paletteColour(palette, index, c);
  return QColor(c[0], c[1], c[2]);
}

FeatureMapView::FeatureMapView(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setObjectName("featureMapView");
}

void FeatureMapView::setResult(PipelineSnapshot result) {
  result_ = std::move(result);
  layoutTiles();
  if (field_.stage >= 0) { // the same unit on the new result: its window again, its effective field asked again
    const Field before = field_;
    field_ = Field{};
    hoverUnit(before.stage, before.map, before.row, before.col);
    if (field_.stage >= 0) field_.heat = before.heat; // shown until the new one comes
  }
  update();
}

void FeatureMapView::setContrast(int gain) {
  contrast_ = gain == 0 ? 0 : std::clamp(gain, 1, 16);
  layoutTiles();
  update();
}

void FeatureMapView::setSharedScale(bool shared) {
  shared_ = shared;
  layoutTiles();
  update();
}

const FeatureMapView::Tile* FeatureMapView::tileAt(int stage, int map) const {
  for (const Tile& t : tiles_)
    if (t.stage == stage && t.map == map) return &t;
  return nullptr;
}

QImage FeatureMapView::tileImage(int stage, int map) const {
  const Tile* t = tileAt(stage, map);
  if (t) prepare(*t);
  return t ? t->image : QImage();
}

double FeatureMapView::tileGain(int stage, int map) const {
  const Tile* t = tileAt(stage, map);
  if (t) prepare(*t);
  return t ? t->gain : 1;
}

void FeatureMapView::prepare(const Tile& t) const {
  if (t.prepared || t.map < 0) return;
  t.prepared = true;
  if (t.stage > 0 && t.source && t.source->palette != Palette::Rgb) { // the input is shown as it is
    const MapImage& map = *t.source;
    if (shared_) {
      t.gain = t.sharedGain;
      t.image.setColorTable(displayTable(map, t.layerPalette, t.layerScale, t.gain));
    } else {
      t.gain = contrast_ ? contrast_ : autoGain({&map}, map.scale);
      if (t.gain != 1) t.image.setColorTable(displayTable(map, map.palette, map.scale, t.gain));
    }
  }
  t.painted = paintable(t.image);
}

bool FeatureMapView::isStrip(int stage) const { return tileAt(stage, -3) != nullptr; }

bool FeatureMapView::showsNumbers(int stage) const {
  const Tile* t = tileAt(stage, 0);
  return t && t->numberPixels > 0;
}

// The font size (pixels) at which every value of the tile's layer fits its cell, or 0 when
// the cells are too small for numbers to be read (under 11 px, or cells under kNumberCell).
int FeatureMapView::numberPixels(const Tile& t) const {
  if (!result_ || t.map < 0) return 0;
  const PipelineStage& stage = result_->stages[size_t(t.stage)];
  const MapImage& m = stage.images[size_t(t.map)];
  if (m.palette == Palette::Rgb || m.step != 1 || m.width > 16 || m.height > 16) return 0;
  const int cellW = t.rect.width() / m.width, cellH = t.rect.height() / m.height;
  if (cellW < kNumberCell || cellH < kNumberCell) return 0;
  const Shape& s = stage.shape();
  for (int digits = 3; digits >= 2; --digits) {
    QFont f = font();
    int size = std::min(cellH * 2 / 5, 28);
    f.setPixelSize(size);
    for (int64_t c = 0; c < s[1]; ++c) // one size for the whole layer: the maps read alike
      for (int64_t r = 0; r < s[2]; ++r)
        for (int64_t x = 0; x < s[3]; ++x)
          while (size >= 11 &&
                 QFontMetrics(f).horizontalAdvance(cellNumber(result_->valueAt(size_t(t.stage), 0, c, r, x), digits)) > cellW - 4)
            f.setPixelSize(--size);
    if (size >= 11) return size * 10 + digits; // the size and the digits, packed
  }
  return 0;
}

void FeatureMapView::setTileSize(int pixels) {
  const int side = renderSide();
  tileSize_ = pixels;
  layoutTiles();
  updateGeometry(); // the size hint follows the tile size even when the height stays
  update();
  if (renderSide() != side) emit renderSideChanged();
}

int FeatureMapView::renderSide() const {
  return std::clamp(int(std::ceil(tileSize_ * devicePixelRatioF())), 48, 2048);
}

int FeatureMapView::stageCount() const { return result_ ? static_cast<int>(result_->stages.size()) : 0; }

int FeatureMapView::mapCount(int stage) const {
  return result_ && stage < stageCount() ? static_cast<int>(result_->stages[stage].images.size()) : 0;
}

void FeatureMapView::layoutTiles() {
  tiles_.clear();
  headerY_.clear();
  int y = kMargin;
  if (result_) {
    const int width = std::max(this->width(), tileSize_ + 2 * kMargin);
    for (int s = 0; s < static_cast<int>(result_->stages.size()); ++s) {
      const PipelineStage& stage = result_->stages[s];
      headerY_.push_back(y);
      y += kHeader;
      if (stage.kind == PipelineStage::Kind::Probabilities) { // bars, one per class (the top 5 of many)
        const int rows = shownClasses(int(stage.shape()[1]));
        tiles_.push_back({s, -1, QRect(kMargin, y, std::min(width - 2 * kMargin, 520), rows * 22), QImage()});
        y += rows * 22 + kGap + 4;
        continue;
      }
      if (stage.kind == PipelineStage::Kind::Vector) { // a strip of cells, wrapped
        const int features = stage.images[0].width;    // the rendered ones (a long vector is cut)
        const int cell = vectorCell(features);
        const int perRow = std::max(1, (width - 2 * kMargin) / cell);
        const int rows = (features + perRow - 1) / perRow;
        tiles_.push_back({s, -2, QRect(kMargin, y, std::min(features, perRow) * cell, rows * cell), QImage()});
        y += rows * cell + kCaption + kGap + 4;
        continue;
      }
      const Shape& shape = stage.shape();
      if (s > 0 && shape[1] > 1 && shape[2] == 1 && shape[3] == 1) { // 1×1 maps: one strip, one scale
        const int count = int(shape[1]), cell = vectorCell(count);
        const int perRow = std::max(1, (width - 2 * kMargin) / cell), rows = (count + perRow - 1) / perRow;
        tiles_.push_back({s, -3, QRect(kMargin, y, std::min(count, perRow) * cell, rows * cell), QImage()});
        y += rows * cell + kCaption + kGap + 4;
        continue;
      }
      // The layer's display scale: each map's own, or one for all (diverging if any is signed).
      Palette layerPalette = Palette::Gray;
      double layerScale = 0;
      std::vector<const MapImage*> all;
      for (const MapImage& map : stage.images) {
        if (map.palette == Palette::Diverging) layerPalette = Palette::Diverging;
        layerScale = std::max(layerScale, double(map.scale));
        all.push_back(&map);
      }
      const double sharedGain = contrast_ ? contrast_ : shared_ ? autoGain(all, layerScale) : 1;
      int x = kMargin, rowHeight = 0;
      for (int m = 0; m < static_cast<int>(stage.images.size()); ++m) {
        const MapImage& map = stage.images[m];
        // Fit the map in a tileSize square, keeping its aspect; small maps grow in whole
        // multiples so their cells stay square and crisp.
        const double scale = std::min(double(tileSize_) / map.width, double(tileSize_) / map.height);
        // A lecture's small map (8 cells a side or fewer) gets cells of at least 40 px: its
        // numbers are shown in them.
        // A sampled picture (a large map shown every step-th row) has no cells to keep
        // square: it fills the tile, or, made for the tile a few pixels smaller (every 7th of
        // 1024 is 147 for a tile of 150), shows its pixels one to one (a plain copy to the screen).
        const double crisp = map.step > 1 ? (scale >= 1 && scale < 1.1 ? 1.0 : scale)
                                          : std::max(scale >= 1 ? std::floor(scale) : scale,
                                                     std::max(map.width, map.height) <= 8 ? 40.0 : 0.0);
        const QSize size(std::max(1, int(map.width * crisp)), std::max(1, int(map.height * crisp)));
        if (x + size.width() > width - kMargin && x > kMargin) {
          x = kMargin;
          y += rowHeight + kCaption + kGap;
          rowHeight = 0;
        }
        tiles_.push_back({s, m, QRect(QPoint(x, y), size), wrappedImage(result_, map)});
        Tile& t = tiles_.back();
        t.source = &map, t.layerPalette = layerPalette, t.layerScale = layerScale, t.sharedGain = sharedGain;
        x += size.width() + kGap;
        rowHeight = std::max(rowHeight, size.height());
      }
      y += rowHeight + kCaption + kGap + 4;
    }
    if (!result_->error.empty()) y += 3 * kHeader;
  }
  // The numbers' size is one per layer (its maps share a shape and so a tile size).
  int stage = -1, pixels = 0;
  for (Tile& t : tiles_) {
    if (t.map >= 0 && t.stage != stage) stage = t.stage, pixels = numberPixels(t);
    t.numberPixels = t.map >= 0 ? pixels : 0;
  }
  // A new height asks the scroll area for a new layout; the same one (every slider step) does not.
  if (const int height = y + kMargin; height != height_) {
    height_ = height;
    setMinimumHeight(height_);
    updateGeometry();
  }
}

QSize FeatureMapView::sizeHint() const { return {tileSize_ * 4 + 5 * kMargin, std::max(height_, 300)}; }

void FeatureMapView::resizeEvent(QResizeEvent*) { layoutTiles(); }

void FeatureMapView::paintEvent(QPaintEvent* event) {
  QPainter p(this);
  // The background where no map's picture will cover it (the pictures are opaque: filling under
  // them too wrote the whole view twice).
  QRegion background = event->region();
  for (const Tile& t : tiles_)
    if (t.map >= 0 && event->region().intersects(t.rect)) {
      prepare(t);
      if (!t.painted.isNull() && !t.painted.hasAlphaChannel()) background -= t.rect;
    }
  p.setClipRegion(background);
  p.fillRect(rect(), palette().window());
  p.setClipping(false);
  if (!result_) {
    p.drawText(rect(), Qt::AlignCenter, tr("Drop an image here, open one (Ctrl+O) or pick a sample."));
    return;
  }
  QFont headerFont = font();
  headerFont.setBold(true);
  for (size_t s = 0; s < result_->stages.size(); ++s) {
    const PipelineStage& stage = result_->stages[s];
    p.setFont(headerFont);
    p.setPen(palette().windowText().color());
    const QString header =
        QString::fromStdString(stage.title) + QStringLiteral("  —  ") + QString::fromStdString(stage.detail) +
        (stage.kind == PipelineStage::Kind::Probabilities && shownClasses(int(stage.shape()[1])) < stage.shape()[1]
             ? tr(", the %1 most probable").arg(shownClasses(int(stage.shape()[1])))
             : QString()) +
        (s == 0 || stage.kind != PipelineStage::Kind::Maps ? QString()
         : contrast_ > 1  ? tr("  (contrast ×%1: colours saturate at 1/%1 of the range)").arg(contrast_)
         : contrast_ == 0 ? tr("  (auto contrast)")
                          : QString()) +
        (s > 0 && shared_ && stage.kind == PipelineStage::Kind::Maps ? tr("  (one scale for all maps)") : QString());
    texts_.draw(p, QRect(kMargin, headerY_[s], width() - 2 * kMargin, kHeader), Qt::AlignLeft | Qt::AlignVCenter, header,
                Qt::ElideRight);
  }
  p.setFont(font());
  for (const Tile& t : tiles_) {
    // A map's picture, its name, caption and legend: skipped where nothing is to be painted.
    if (t.map >= 0 && !event->region().intersects(t.rect.adjusted(0, 0, std::max(0, 90 - t.rect.width()), kCaption + 4)))
      continue;
    prepare(t);
    if (t.map == -3) {
      paintStrip(p, t);
      continue;
    }
    if (t.map < 0) {
      paintVector(p, t);
      continue;
    }
    p.drawImage(t.rect, t.painted); // nearest-neighbour scaling keeps cells crisp
    if (t.numberPixels > 0) paintNumbers(p, t);
    p.setPen(QColor(120, 120, 120));
    p.drawRect(t.rect.adjusted(0, 0, -1, -1));
    const MapImage& map = result_->stages[t.stage].images[t.map];
    // What made the map ("sobel-x · R"), on a light band over the tile's top-left corner;
    // in the caption instead when the tile shows its numbers (the band would hide one).
    const bool numbers = t.numberPixels > 0;
    const auto& names = result_->stages[t.stage].mapNames;
    if (!numbers && size_t(t.map) < names.size()) {
      const QString name = QString::fromStdString(names[size_t(t.map)]);
      const QRect band(t.rect.left() + 1, t.rect.top() + 1, texts_.width(p, name, t.rect.width() - 4, Qt::ElideMiddle) + 6,
                       p.fontMetrics().height() + 2);
      p.fillRect(band, QColor(255, 255, 255, 210));
      p.setPen(Qt::black);
      texts_.draw(p, band, Qt::AlignCenter, name, Qt::ElideMiddle, t.rect.width() - 4);
    }
    QString caption = map.palette == Palette::Rgb
                          ? tr("RGB")
                          : QStringLiteral("%1 … %2").arg(shortNumber(map.minimum), shortNumber(map.maximum));
    if (numbers && size_t(t.map) < names.size()) caption = QString::fromStdString(names[size_t(t.map)]);
    p.setPen(palette().windowText().color());
    const int legend = map.palette == Palette::Diverging ? 44 : 0;
    const QRect captionRect(t.rect.left(), t.rect.bottom() + 2, std::max(t.rect.width(), 90) - legend, kCaption);
    texts_.draw(p, captionRect, Qt::AlignLeft | Qt::AlignTop, caption, Qt::ElideRight);
    if (map.palette == Palette::Diverging) { // a small legend: −scale … 0 … +scale, in the tile's own colours
      const QRect bar(t.rect.right() - 40, t.rect.bottom() + 5, 40, 8);
      for (int i = 0; i < bar.width(); ++i)
        p.fillRect(QRect(bar.left() + i, bar.top(), 1, bar.height()),
                   QColor(t.image.color(i * 255 / (bar.width() - 1))));
    }
  }
  paintField(p);
  if (!result_->error.empty()) {
    p.setPen(QColor(178, 24, 43));
    p.drawText(QRect(kMargin, height_ - 3 * kHeader - kMargin, width() - 2 * kMargin, 3 * kHeader),
               Qt::AlignLeft | Qt::TextWordWrap, tr("Does not fit: %1").arg(QString::fromStdString(result_->error)));
  }
}

// The values of a small map in its cells, three significant digits, white on dark colours.
void FeatureMapView::paintNumbers(QPainter& p, const Tile& t) const {
  const PipelineStage& stage = result_->stages[size_t(t.stage)];
  const Shape& s = stage.shape();
  const int cellW = t.rect.width() / int(s[3]), cellH = t.rect.height() / int(s[2]);
  QFont f = font();
  f.setPixelSize(t.numberPixels / 10);
  const int digits = t.numberPixels % 10;
  p.setFont(f);
  for (int64_t r = 0; r < s[2]; ++r)
    for (int64_t c = 0; c < s[3]; ++c) {
      const QRect cell(t.rect.left() + int(c) * cellW, t.rect.top() + int(r) * cellH, cellW, cellH);
      const QColor under(t.image.pixel(int(c), int(r)));
      p.setPen(qGray(under.rgb()) < 110 ? Qt::white : Qt::black);
      p.drawText(cell, Qt::AlignCenter, cellNumber(result_->valueAt(size_t(t.stage), 0, t.map, r, c), digits));
    }
  p.setFont(font());
}

// A layer of 1×1 maps: one cell per map on one scale (diverging if any value is negative),
// with the value in the cell when it is wide enough.
void FeatureMapView::paintStrip(QPainter& p, const Tile& t) const {
  const PipelineStage& stage = result_->stages[size_t(t.stage)];
  const int count = int(stage.shape()[1]);
  std::vector<float> v(static_cast<size_t>(count));
  for (int k = 0; k < count; ++k) v[size_t(k)] = result_->valueAt(size_t(t.stage), 0, k, 0, 0);
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  const bool diverging = *lo < 0;
  const double scale = std::max(std::abs(double(*lo)), std::abs(double(*hi)));
  const int side = vectorCell(count), perRow = std::max(1, t.rect.width() / side);
  QFont f = font();
  f.setPixelSize(std::max(8, side / 3));
  p.setFont(f);
  for (int k = 0; k < count; ++k) {
    const QRect r(t.rect.left() + (k % perRow) * side, t.rect.top() + (k / perRow) * side, side, side);
    const double x = scale > 0 ? v[size_t(k)] / scale : 0;
    const QColor colour = diverging ? paletteQColor(Palette::Diverging, int(std::lround(128 + x * 127)))
                                    : paletteQColor(Palette::Gray, int(std::lround(x * 255)));
    p.fillRect(r, colour);
    if (side >= 10) p.setPen(QColor(150, 150, 150)), p.drawRect(r.adjusted(0, 0, -1, -1));
    if (side >= kNumberCell) {
      p.setPen(qGray(colour.rgb()) < 110 ? Qt::white : Qt::black);
      p.drawText(r, Qt::AlignCenter, shortNumber(v[size_t(k)]));
    }
  }
  p.setFont(font());
  p.setPen(palette().windowText().color());
  texts_.draw(p, QRect(t.rect.left(), t.rect.bottom() + 2, 600, kCaption), Qt::AlignLeft | Qt::AlignTop,
              tr("%1 maps of 1×1, one scale: %2 … %3").arg(count).arg(shortNumber(*lo), shortNumber(*hi)));
}

int FeatureMapView::shownClasses(int count) { return count > 10 ? 5 : count; }

int FeatureMapView::vectorCell(int count) const {
  return std::clamp((std::max(width(), tileSize_ + 2 * kMargin) - 2 * kMargin) / std::max(count, 1), 6, 24);
}

void FeatureMapView::paintVector(QPainter& p, const Tile& t) const {
  const PipelineStage& stage = result_->stages[t.stage];
  const int count = int(stage.shape()[1]);
  if (t.map == -1) { // class probabilities as bars: every class, or the most probable of many
    const float* v = result_->values(size_t(t.stage)).data();
    const int best = int(std::max_element(v, v + count) - v);
    std::vector<int> order(static_cast<size_t>(count));
    for (int k = 0; k < count; ++k) order[size_t(k)] = k;
    const int shown = shownClasses(count);
    if (shown < count)
      std::partial_sort(order.begin(), order.begin() + shown, order.end(), [v](int a, int b) { return v[a] > v[b]; });
    for (int i = 0; i < shown; ++i) {
      const int k = order[size_t(i)];
      const QRect row(t.rect.left(), t.rect.top() + i * 22, t.rect.width(), 20);
      const QString name =
          k < int(result_->classNames.size()) ? QString::fromStdString(result_->classNames[k]) : QString::number(k);
      p.setPen(palette().windowText().color());
      texts_.draw(p, QRect(row.left(), row.top(), 110, row.height()), Qt::AlignRight | Qt::AlignVCenter, name,
                  Qt::ElideRight);
      const QRect bar(row.left() + 118, row.top() + 3, int((row.width() - 190) * v[k]), row.height() - 6);
      p.fillRect(bar, k == best ? QColor(230, 120, 0) : QColor(33, 102, 172));
      texts_.draw(p, QRect(row.right() - 66, row.top(), 66, row.height()), Qt::AlignRight | Qt::AlignVCenter,
                  QStringLiteral("%1 %").arg(100.0 * v[k], 0, 'f', 1));
    }
    return;
  }
  const MapImage& map = stage.images[0];
  const QImage image = toQImage(map);
  const int shown = map.width; // at most the rendered values
  const int side = vectorCell(shown), perRow = std::max(1, t.rect.width() / side);
  // The cells as one picture of one pixel a cell, scaled up in one draw (thousands of cells
  // filled one by one took a millisecond of every repaint).
  const int rows = (shown + perRow - 1) / perRow;
  QImage cells(std::min(shown, perRow), rows, QImage::Format_ARGB32);
  cells.fill(Qt::transparent);
  for (int k = 0; k < shown; ++k) cells.setPixel(k % perRow, k / perRow, image.pixel(k, 0));
  p.drawImage(QRect(t.rect.left(), t.rect.top(), cells.width() * side, rows * side), cells);
  if (side >= 10) {
    p.setPen(QColor(150, 150, 150));
    for (int k = 0; k < shown; ++k)
      p.drawRect(QRect(t.rect.left() + (k % perRow) * side, t.rect.top() + (k / perRow) * side, side, side)
                     .adjusted(0, 0, -1, -1));
  }
  p.setPen(palette().windowText().color());
  texts_.draw(p, QRect(t.rect.left(), t.rect.bottom() + 2, 400, kCaption), Qt::AlignLeft | Qt::AlignTop,
              QStringLiteral("%1 … %2").arg(shortNumber(map.minimum), shortNumber(map.maximum)) +
                  (shown < count ? tr("   (first %1 of %2 shown)").arg(shown).arg(count) : QString()));
}

QImage FeatureMapView::fullImage(int stage, int map) const {
  const PipelineStage& st = result_->stages[size_t(stage)];
  if (st.images[size_t(map)].palette == Palette::Rgb)
    return toQImage(renderColour(st.maps.inLayout(Layout::NCHW), st.images[0].scale, 1 << 20));
  const MapImage full = renderMap(result_->values(size_t(stage)), map); // (a derived stage's made here)
  QImage image = toQImage(full);
  if (const Tile* t = tileAt(stage, map); t && stage > 0) { // as shown: the tile's scale and gain
    prepare(*t);
    image.setColorTable(shared_ ? t->image.colorTable() : displayTable(full, full.palette, full.scale, t->gain));
  }
  return image;
}

void FeatureMapView::contextMenuEvent(QContextMenuEvent* event) {
  for (const Tile& t : tiles_) {
    if (t.map < 0 || !t.rect.contains(event->pos())) continue;
    QMenu menu(this);
    const PipelineStage& stage = result_->stages[size_t(t.stage)];
    QAction* save =
        menu.addAction(tr("Save %1, map %2 as PNG…").arg(QString::fromStdString(stage.title)).arg(t.map + 1));
    if (menu.exec(event->globalPos()) != save) return;
    const QString path = QFileDialog::getSaveFileName(this, tr("Save the map"),
                                                      QStringLiteral("map-%1.png").arg(t.map + 1), tr("PNG (*.png)"));
    if (!path.isEmpty()) fullImage(t.stage, t.map).save(path, "PNG");
    return;
  }
}

void FeatureMapView::mouseMoveEvent(QMouseEvent* event) {
  for (const Tile& t : tiles_) {
    if (!t.rect.contains(event->position().toPoint())) continue;
    if (t.map == -3) { // a strip of 1×1 maps
      const PipelineStage& stage = result_->stages[size_t(t.stage)];
      const int side = vectorCell(int(stage.shape()[1])), perRow = std::max(1, t.rect.width() / side);
      const QPoint at = event->position().toPoint() - t.rect.topLeft();
      const int k = (at.y() / side) * perRow + at.x() / side;
      if (k >= stage.shape()[1]) continue;
      const QString text = tr("%1, map %2: %3")
                               .arg(QString::fromStdString(stage.title))
                               .arg(k + 1)
                               .arg(numberText(result_->valueAt(size_t(t.stage), 0, k, 0, 0)));
      hoverUnit(t.stage, k, 0, 0);
      const QString full = text + fieldText();
      QToolTip::showText(event->globalPosition().toPoint(), full, this);
      emit hovered(full);
      return;
    }
    if (t.map < 0) continue;
    const PipelineStage& stage = result_->stages[t.stage];
    const Shape& s = stage.shape();
    const int64_t row =
        std::clamp<int64_t>((event->position().y() - t.rect.top()) * s[2] / t.rect.height(), 0, s[2] - 1);
    const int64_t col =
        std::clamp<int64_t>((event->position().x() - t.rect.left()) * s[3] / t.rect.width(), 0, s[3] - 1);
    QString text;
    if (stage.images[t.map].palette == Palette::Rgb)
      text = tr("%1 (row %2, column %3): R %4, G %5, B %6")
                 .arg(QString::fromStdString(stage.title))
                 .arg(row)
                 .arg(col)
                 .arg(numberText(result_->valueAt(size_t(t.stage), 0, 0, row, col)), numberText(result_->valueAt(size_t(t.stage), 0, 1, row, col)),
                      numberText(result_->valueAt(size_t(t.stage), 0, 2, row, col)));
    else
      text = tr("%1, map %2 (row %3, column %4): %5")
                 .arg(QString::fromStdString(stage.title))
                 .arg(t.map + 1)
                 .arg(row)
                 .arg(col)
                 .arg(numberText(result_->valueAt(size_t(t.stage), 0, t.map, row, col)));
    hoverUnit(t.stage, t.map, row, col);
    text += fieldText();
    QToolTip::showText(event->globalPosition().toPoint(), text, this);
    emit hovered(text);
    return;
  }
  clearField();
  QToolTip::hideText();
}

void FeatureMapView::moveEvent(QMoveEvent* event) {
  if (field_.stage >= 0) update(); // the input's copy is pinned to the visible area, not the page
  QWidget::moveEvent(event);
}

void FeatureMapView::leaveEvent(QEvent* event) {
  clearField();
  QWidget::leaveEvent(event);
}

void FeatureMapView::hoverUnit(int stage, int map, int64_t row, int64_t col) {
  if (!result_ || stage <= 0 || stage >= stageCount() || result_->stages[size_t(stage)].node < 0 ||
      result_->fields.empty() || result_->stages[0].shape().rank() != 4) {
    clearField();
    return;
  }
  if (field_.stage == stage && field_.map == map && field_.row == row && field_.col == col) return;
  const int64_t node = result_->stages[size_t(stage)].node;
  const ReceptiveField& f = result_->fields[size_t(node)];
  const Shape& in = result_->stages[0].shape();
  const auto span = [&](int axis, int64_t at, int64_t extent) {
    if (f.whole) return std::pair<int64_t, int64_t>{0, extent - 1};
    const double centre = f.start[axis] + double(at) * f.jump[axis], half = (f.size[axis] - 1) / 2;
    return std::pair<int64_t, int64_t>{std::max<int64_t>(0, int64_t(std::ceil(centre - half))),
                                       std::min<int64_t>(extent - 1, int64_t(std::floor(centre + half)))};
  };
  const auto [top, bottom] = span(0, row, in[2]);
  const auto [left, right] = span(1, col, in[3]);
  field_ = Field{stage, map, row, col, QRect(QPoint(int(left), int(top)), QPoint(int(right), int(bottom))), Tensor()};
  update();
  emit unitHovered(stage, int(node), map, row, col);
}

void FeatureMapView::clearField() {
  if (field_.stage < 0) return;
  field_ = Field{};
  update();
}

void FeatureMapView::setEffectiveField(int stage, int map, int64_t row, int64_t col, Tensor heat) {
  if (stage != field_.stage || map != field_.map || row != field_.row || col != field_.col) return;
  field_.heat = std::move(heat);
  update();
}

QString FeatureMapView::fieldText() const {
  if (field_.stage < 0 || field_.window.isEmpty()) return {};
  const QRect& w = field_.window;
  return tr("; it sees rows %1–%2, columns %3–%4 of the input (%5×%6)")
      .arg(w.top())
      .arg(w.bottom())
      .arg(w.left())
      .arg(w.right())
      .arg(w.height())
      .arg(w.width());
}

// On the input's tile: the effective field as an orange heat (opacity ∝ |gradient|, its largest
// opaque) and the theoretical window as a blue frame; the hovered cell framed on its own tile.
void FeatureMapView::paintField(QPainter& p) const {
  if (field_.stage < 0) return;
  const Tile* tile = tileAt(0, 0);
  if (!tile) return;
  prepare(*tile); // (out of sight, it may not have been drawn yet)
  // Scrolled down to a deep layer, the input is out of sight: a copy of it pinned to the visible
  // area's top-right corner carries the field instead.
  QRect target = tile->rect;
  const QRect visible = visibleRegion().boundingRect();
  if (!visible.isEmpty() && !visible.contains(target)) {
    target.moveTopRight(visible.topRight() + QPoint(-kMargin, kMargin));
    p.fillRect(target.adjusted(-4, -4, 4, 4), palette().window());
    p.drawImage(target, tile->painted);
    p.setPen(QPen(QColor(120, 120, 120), 1));
    p.drawRect(target.adjusted(-4, -4, 3, 3));
  }
  const Tile adjusted{tile->stage, tile->map, target, QImage()};
  const Tile* input = &adjusted;
  const Shape& in = result_->stages[0].shape();
  const double sx = double(input->rect.width()) / double(in[3]), sy = double(input->rect.height()) / double(in[2]);
  if (field_.heat.size() == in[2] * in[3]) {
    float peak = 0.0f;
    for (float v : field_.heat.values()) peak = std::max(peak, v);
    if (peak > 0.0f) {
      QImage heat{int(in[3]), int(in[2]), QImage::Format_ARGB32};
      for (int y = 0; y < heat.height(); ++y) {
        auto* line = reinterpret_cast<QRgb*>(heat.scanLine(y));
        for (int x = 0; x < heat.width(); ++x)
          line[x] = qRgba(255, 120, 0, int(std::lround(230.0 * std::sqrt(field_.heat.data()[y * heat.width() + x] / peak))));
      }
      p.drawImage(input->rect, heat);
    }
  }
  const QRectF frame(input->rect.left() + field_.window.left() * sx, input->rect.top() + field_.window.top() * sy,
                     field_.window.width() * sx, field_.window.height() * sy);
  p.setPen(QPen(QColor(33, 102, 172), 3));
  p.setBrush(Qt::NoBrush);
  p.drawRect(frame);
  if (const Tile* unit = tileAt(field_.stage, field_.map); unit && field_.map >= 0) {
    const Shape& s = result_->stages[size_t(field_.stage)].shape();
    const double ux = double(unit->rect.width()) / double(s[3]), uy = double(unit->rect.height()) / double(s[2]);
    p.drawRect(QRectF(unit->rect.left() + field_.col * ux, unit->rect.top() + field_.row * uy, ux, uy));
  }
}

} // namespace convscope::ui

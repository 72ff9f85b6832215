// FeatureMapView: tile layout, painting and hover read-out.
#include "FeatureMapView.h"

#include "engine/backend/reference/ReferenceBackend.h"

#include <QContextMenuEvent>
#include <QFileDialog>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>

namespace convscope::ui {

namespace {
constexpr int kMargin = 8, kHeader = 26, kCaption = 18, kGap = 10;

QString number(float v) { return QString::fromStdString(formatNumber(v)); }
// Captions: four significant digits are enough to read a range ("−10.48 … 1140").
// Short enough for a caption under a tile: whole numbers from 100 up ("−771", "1020"),
// three significant digits below ("−7.89", "0.425").
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

// The palette index a map's index shows as, with the display contrast `gain`: values
// gain times nearer zero reach the palette's ends (and larger ones stay there).
int gainIndex(Palette palette, int index, int gain) {
  return palette == Palette::Diverging ? std::clamp(128 + (index - 128) * gain, 0, 255) : std::min(255, index * gain);
}

QVector<QRgb> gainTable(Palette palette, int gain) {
  const QVector<QRgb>& base = colourTable(palette);
  QVector<QRgb> table(256);
  for (int i = 0; i < 256; ++i) table[i] = base[gainIndex(palette, i, gain)];
  return table;
}

QImage toQImage(const MapImage& map) {
  if (map.palette == Palette::Rgb)
    return QImage(map.pixels.data(), map.width, map.height, map.width * 3, QImage::Format_RGB888);
  QImage image(map.pixels.data(), map.width, map.height, map.width, QImage::Format_Indexed8);
  image.setColorTable(colourTable(map.palette));
  return image;
}

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
  update();
}

void FeatureMapView::setContrast(int gain) {
  contrast_ = std::clamp(gain, 1, 16);
  layoutTiles();
  update();
}

void FeatureMapView::setTileSize(int pixels) {
  tileSize_ = pixels;
  layoutTiles();
  update();
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
      if (stage.kind == PipelineStage::Kind::Probabilities) { // bars, one per class
        const int rows = int(stage.maps.shape()[1]);
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
      int x = kMargin, rowHeight = 0;
      for (int m = 0; m < static_cast<int>(stage.images.size()); ++m) {
        const MapImage& map = stage.images[m];
        // Fit the map in a tileSize square, keeping its aspect; small maps grow in whole
        // multiples so their cells stay square and crisp.
        const double scale = std::min(double(tileSize_) / map.width, double(tileSize_) / map.height);
        const double crisp = scale >= 1 ? std::floor(scale) : scale;
        const QSize size(std::max(1, int(map.width * crisp)), std::max(1, int(map.height * crisp)));
        if (x + size.width() > width - kMargin && x > kMargin) {
          x = kMargin;
          y += rowHeight + kCaption + kGap;
          rowHeight = 0;
        }
        tiles_.push_back({s, m, QRect(QPoint(x, y), size), toQImage(map)});
        if (s > 0 && contrast_ > 1 && map.palette != Palette::Rgb) // the input is shown as it is
          tiles_.back().image.setColorTable(gainTable(map.palette, contrast_));
        x += size.width() + kGap;
        rowHeight = std::max(rowHeight, size.height());
      }
      y += rowHeight + kCaption + kGap + 4;
    }
    if (!result_->error.empty()) y += 3 * kHeader;
  }
  height_ = y + kMargin;
  setMinimumHeight(height_);
  updateGeometry();
}

QSize FeatureMapView::sizeHint() const { return {tileSize_ * 4 + 5 * kMargin, std::max(height_, 300)}; }

void FeatureMapView::resizeEvent(QResizeEvent*) { layoutTiles(); }

void FeatureMapView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().window());
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
    p.drawText(QRect(kMargin, headerY_[s], width() - 2 * kMargin, kHeader), Qt::AlignLeft | Qt::AlignVCenter,
               QString::fromStdString(stage.title) + QStringLiteral("  —  ") + QString::fromStdString(stage.detail) +
                   (s > 0 && contrast_ > 1 && stage.kind == PipelineStage::Kind::Maps
                        ? tr("  (contrast ×%1: colours saturate at 1/%1 of the range)").arg(contrast_)
                        : QString()));
  }
  p.setFont(font());
  for (const Tile& t : tiles_) {
    if (t.map < 0) {
      paintVector(p, t);
      continue;
    }
    p.drawImage(t.rect, t.image); // nearest-neighbour scaling keeps cells crisp
    p.setPen(QColor(120, 120, 120));
    p.drawRect(t.rect.adjusted(0, 0, -1, -1));
    const MapImage& map = result_->stages[t.stage].images[t.map];
    // What made the map ("sobel-x · R"), on a light band over the tile's top-left corner.
    if (const auto& names = result_->stages[t.stage].mapNames; size_t(t.map) < names.size()) {
      const QString name =
          p.fontMetrics().elidedText(QString::fromStdString(names[size_t(t.map)]), Qt::ElideMiddle, t.rect.width() - 4);
      const QRect band(t.rect.left() + 1, t.rect.top() + 1, p.fontMetrics().horizontalAdvance(name) + 6,
                       p.fontMetrics().height() + 2);
      p.fillRect(band, QColor(255, 255, 255, 210));
      p.setPen(Qt::black);
      p.drawText(band, Qt::AlignCenter, name);
    }
    const QString caption = map.palette == Palette::Rgb
                                ? tr("RGB")
                                : QStringLiteral("%1 … %2").arg(shortNumber(map.minimum), shortNumber(map.maximum));
    p.setPen(palette().windowText().color());
    const int legend = map.palette == Palette::Diverging ? 44 : 0;
    const QRect captionRect(t.rect.left(), t.rect.bottom() + 2, std::max(t.rect.width(), 90) - legend, kCaption);
    p.drawText(captionRect, Qt::AlignLeft | Qt::AlignTop,
               p.fontMetrics().elidedText(caption, Qt::ElideRight, captionRect.width()));
    if (map.palette == Palette::Diverging) { // a small legend: −scale … 0 … +scale
      const QRect bar(t.rect.right() - 40, t.rect.bottom() + 5, 40, 8);
      for (int i = 0; i < bar.width(); ++i)
        p.fillRect(QRect(bar.left() + i, bar.top(), 1, bar.height()),
                   paletteQColor(Palette::Diverging, gainIndex(Palette::Diverging, i * 255 / (bar.width() - 1),
                                                               t.stage > 0 ? contrast_ : 1)));
    }
  }
  if (!result_->error.empty()) {
    p.setPen(QColor(178, 24, 43));
    p.drawText(QRect(kMargin, height_ - 3 * kHeader - kMargin, width() - 2 * kMargin, 3 * kHeader),
               Qt::AlignLeft | Qt::TextWordWrap, tr("Does not fit: %1").arg(QString::fromStdString(result_->error)));
  }
}

int FeatureMapView::vectorCell(int count) const {
  return std::clamp((std::max(width(), tileSize_ + 2 * kMargin) - 2 * kMargin) / std::max(count, 1), 6, 24);
}

void FeatureMapView::paintVector(QPainter& p, const Tile& t) const {
  const PipelineStage& stage = result_->stages[t.stage];
  const int count = int(stage.maps.shape()[1]);
  const float* v = stage.maps.data();
  if (t.map == -1) { // class probabilities as bars
    const int best = int(std::max_element(v, v + count) - v);
    for (int k = 0; k < count; ++k) {
      const QRect row(t.rect.left(), t.rect.top() + k * 22, t.rect.width(), 20);
      const QString name =
          k < int(result_->classNames.size()) ? QString::fromStdString(result_->classNames[k]) : QString::number(k);
      p.setPen(palette().windowText().color());
      p.drawText(QRect(row.left(), row.top(), 110, row.height()), Qt::AlignRight | Qt::AlignVCenter, name);
      const QRect bar(row.left() + 118, row.top() + 3, int((row.width() - 190) * v[k]), row.height() - 6);
      p.fillRect(bar, k == best ? QColor(230, 120, 0) : QColor(33, 102, 172));
      p.drawText(QRect(row.right() - 66, row.top(), 66, row.height()), Qt::AlignRight | Qt::AlignVCenter,
                 QStringLiteral("%1 %").arg(100.0 * v[k], 0, 'f', 1));
    }
    return;
  }
  const MapImage& map = stage.images[0];
  const QImage image = toQImage(map);
  const int shown = map.width; // at most the rendered values
  const int side = vectorCell(shown), perRow = std::max(1, t.rect.width() / side);
  for (int k = 0; k < shown; ++k) {
    const QRect r(t.rect.left() + (k % perRow) * side, t.rect.top() + (k / perRow) * side, side, side);
    p.fillRect(r, QColor(image.pixel(k, 0)));
    if (side >= 10) p.setPen(QColor(150, 150, 150)), p.drawRect(r.adjusted(0, 0, -1, -1));
  }
  p.setPen(palette().windowText().color());
  p.drawText(QRect(t.rect.left(), t.rect.bottom() + 2, 400, kCaption), Qt::AlignLeft | Qt::AlignTop,
             QStringLiteral("%1 … %2").arg(shortNumber(map.minimum), shortNumber(map.maximum)) +
                 (shown < count ? tr("   (first %1 of %2 shown)").arg(shown).arg(count) : QString()));
}

QImage FeatureMapView::fullImage(int stage, int map) const {
  const PipelineStage& st = result_->stages[size_t(stage)];
  if (st.images[size_t(map)].palette == Palette::Rgb)
    return toQImage(renderColour(st.maps.inLayout(Layout::NCHW), st.images[0].scale, 1 << 20)).copy();
  const MapImage full = renderMap(st.maps, map);
  QImage image = toQImage(full).copy(); // copy: the MapImage goes out of scope
  if (stage > 0 && contrast_ > 1) image.setColorTable(gainTable(full.palette, contrast_)); // as shown
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
    if (t.map < 0) continue;
    const PipelineStage& stage = result_->stages[t.stage];
    const Shape& s = stage.maps.shape();
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
                 .arg(number(stage.maps.at(0, 0, row, col)), number(stage.maps.at(0, 1, row, col)),
                      number(stage.maps.at(0, 2, row, col)));
    else
      text = tr("%1, map %2 (row %3, column %4): %5")
                 .arg(QString::fromStdString(stage.title))
                 .arg(t.map + 1)
                 .arg(row)
                 .arg(col)
                 .arg(number(stage.maps.at(0, t.map, row, col)));
    QToolTip::showText(event->globalPosition().toPoint(), text, this);
    emit hovered(text);
    return;
  }
  QToolTip::hideText();
}

} // namespace convscope::ui

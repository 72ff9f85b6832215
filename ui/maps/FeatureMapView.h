// Shows every stage of the live pipeline: its title and shape, then one tile per map with
// its min and max, a diverging colour legend for signed maps, and the exact value under
// the mouse. Not for: computing maps (it only draws a PipelineSnapshot).
#pragma once

#include "ui/core/TextCache.h"
#include "ui/maps/PipelineRunner.h"

#include <QImage>
#include <QWidget>

class QPainter;

#include <vector>

namespace convscope::ui {

class FeatureMapView : public QWidget {
  Q_OBJECT
public:
  explicit FeatureMapView(QWidget* parent = nullptr);

  void setResult(PipelineSnapshot result);
  const PipelineSnapshot& result() const { return result_; }
  void setTileSize(int pixels); // presenter mode uses larger tiles
  int tileSize() const { return tileSize_; }
  // The side, in pixels, the pipeline should render maps at for these tiles (its
  // PipelineSpec::displaySide): the tile's, in device pixels. A larger map's picture shows
  // every step-th row and column and is stretched to fill the tile. Pictures no larger than
  // the tiles keep a slider's update fast: their rendering, contrast counts and paint all
  // scale with them (BENCHMARKS.md, `bench window`).
  int renderSide() const;
  // Display contrast 1–16: colours reach the palette's ends at 1/gain of each map's range,
  // so faint maps (edges in a photo) show on a projector. 0, the default, is automatic:
  // each map (each layer, with a shared scale) gets the gain that puts its 99th percentile
  // at the palette's end, so a photo's identity map stays as it is and its edges show.
  // Values, captions and hover stay exact; the input is always shown as it is.
  void setContrast(int gain);
  int contrast() const { return contrast_; }
  double tileGain(int stage, int map) const; // the gain a tile is drawn with (auto resolved)
  // One colour scale for all maps of a layer (else each map has its own), so maps compare.
  void setSharedScale(bool shared);
  bool sharedScale() const { return shared_; }
  // Small maps carry their values as numbers (cells of at least kNumberCell pixels).
  bool showsNumbers(int stage) const;
  // A layer of 1×1 maps (LeNet's conv3: 120 of them) is drawn as one strip of values.
  bool isStrip(int stage) const;
  static constexpr int kNumberCell = 30;
  // Map `map` of stage `stage` at full resolution, each map on its own scale (for export).
  QImage fullImage(int stage, int map) const;
  // The tile's indexed picture over the snapshot's bytes (not a copy; the paint draws a 32-bit copy of it
  // made once per result), or a null image.
  QImage tileImage(int stage, int map) const;
  int stageCount() const;
  int mapCount(int stage) const;

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override { return {200, 120}; }

  // A model's layer under the mouse: the unit's theoretical receptive field drawn on the input
  // (a blue frame) and, once setEffectiveField brings it, the effective one inside it as a heatmap
  // (where the unit's gradient is, Luo et al. 2016). hoverUnit is what the mouse does over a map
  // (tests call it); fieldWindow is the frame in the input's cells (clipped), or empty.
  void hoverUnit(int stage, int map, int64_t row, int64_t col);
  void clearField();
  QRect fieldWindow() const { return field_.window; }
  bool hasEffectiveField() const { return field_.heat.size() > 0; }
  const Tensor& effectiveField() const { return field_.heat; }
  // |∂unit/∂input| (H, W) of the input for the unit asked for by unitHovered; dropped when the
  // mouse has moved on to another unit meanwhile.
  void setEffectiveField(int stage, int map, int64_t row, int64_t col, Tensor heat);

signals:
  void hovered(const QString& text); // "convolution map 3 (row 12, column 40): −0.25"
  // The mouse is over unit (map, row, col) of stage `stage`, the output of model node `node`.
  void unitHovered(int stage, int node, int map, qint64 row, qint64 col);
  void renderSideChanged();          // the tiles grew or shrank: the maps are wanted at another size

protected:
  void paintEvent(QPaintEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;
  void moveEvent(QMoveEvent* event) override; // scrolled: the pinned input moves with the view
  void contextMenuEvent(QContextMenuEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

private:
  struct Tile {
    int stage, map; // map −1: class probabilities; −2: a feature vector; −3: a strip of 1×1 maps
    QRect rect;     // the image's place
    // Over the snapshot's bytes: indexed with the tile's colour table (set by prepare), or RGB.
    mutable QImage image;
    mutable QImage painted{}; // the same in 32-bit colours, made once (Qt converts any other format at
                              // every draw, in its thread pool: most of a repaint's time)
    mutable double gain = 1;
    int numberPixels = 0; // the values' font size in the cells ·10 + their significant digits; 0: no numbers
    // What prepare needs: a map tile's colours and 32-bit picture are made when it is first
    // drawn or asked for, not at every layout (a slider step lays out every tile; a large
    // layer's are mostly scrolled out of view).
    const MapImage* source = nullptr;
    Palette layerPalette = Palette::Gray; // with one scale for the layer: its palette, scale and gain
    double layerScale = 0, sharedGain = 1;
    mutable bool prepared = false;
  };
  void prepare(const Tile& tile) const; // its gain, colour table and 32-bit picture, once
  void paintNumbers(QPainter& p, const Tile& tile) const;
  int numberPixels(const Tile& tile) const;
  void paintStrip(QPainter& p, const Tile& tile) const;
  const Tile* tileAt(int stage, int map) const;
  void layoutTiles();
  void paintVector(QPainter& p, const Tile& tile) const; // features (map −2) and probabilities (map −1)
  int vectorCell(int count) const;    // a feature cell's side
  static int shownClasses(int count); // bars drawn: every class up to 10, else the 5 most probable
  int contentHeight() const;

  void paintField(QPainter& p) const;
  QString fieldText() const;

  struct Field {
    int stage = -1, map = 0;
    int64_t row = 0, col = 0;
    QRect window; // in the input's cells
    Tensor heat;  // the effective field, (H, W) of the input; empty until it arrives
  };
  Field field_;
  PipelineSnapshot result_;
  std::vector<Tile> tiles_;
  mutable TextCache texts_; // names, headers and captions, laid out once
  std::vector<int> headerY_; // y of each stage's header
  int tileSize_ = 150;
  int contrast_ = 0; // automatic
  bool shared_ = false;
  int height_ = 0;
};

// The QImage of a rendered map (indexed with the map's palette, or RGB), owning a copy
// of the bytes, so the MapImage may be a temporary.
QImage toQImage(const MapImage& map);
QColor paletteQColor(Palette palette, int index);

} // namespace convscope::ui

// The Training tab's small views: rows of maps with captions (the first layer's filters, a
// test image's maps), the status line that changes many times a second without relayouts,
// and the misclassified test images. Not for: the plots (QCustomPlot) or the form.
#pragma once

#include <QEvent>
#include <QImage>
#include <QPainter>
#include <QStringList>
#include <QWidget>

#include <algorithm>
#include <vector>

namespace convscope::ui {

// Rows of small maps, each row with a caption on its left: the first layer's filters, and
// a test image with its feature maps. Tiles shrink to fit, up to 72 pixels (more when
// presenting), wrapping into lines when that makes them larger.
class MapRows : public QWidget {
public:
  struct Row {
    QString caption;
    std::vector<QImage> images;
  };
  MapRows(QString emptyText, int minimumHeight, QWidget* parent = nullptr)
      : QWidget(parent), emptyText_(std::move(emptyText)) {
    setMinimumHeight(minimumHeight);
  }
  void setRows(std::vector<Row> rows) {
    rows_ = std::move(rows);
    update();
  }
  const std::vector<Row>& rows() const { return rows_; }
  // The largest tile (72 px; presenting, larger: a lecture hall sees the filters).
  void setLargestTile(int pixels) {
    largest_ = pixels;
    setMinimumHeight(std::min(2 * pixels, 160) + 8);
    update();
  }
  // How a row of `count` maps is laid out at the widget's size: its tiles' side and the lines
  // it wraps into (more lines when the tiles come out larger so: a few filters in a narrow
  // column read better in two lines than one).
  struct Fit {
    int side = 8, lines = 1;
  };
  Fit fit(int count) const {
    const int gap = 4, rowHeight = std::max(16, (height() - gap) / std::max(1, int(rows_.size())));
    const int across = width() - captionWidth();
    Fit best;
    for (int lines = 1; lines <= std::max(1, count); ++lines) {
      const int perLine = (count + lines - 1) / lines;
      const int side = std::clamp(std::min(rowHeight / lines - gap, across / std::max(1, perLine) - gap), 8, largest_);
      if (side > best.side) best = {side, lines};
    }
    return best;
  }
  int firstRowTileSide() const { return rows_.empty() ? 0 : fit(int(rows_.front().images.size())).side; }

protected:
  void paintEvent(QPaintEvent*) override {
    QPainter p(this);
    if (rows_.empty()) {
      p.setPen(palette().color(QPalette::PlaceholderText));
      p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, emptyText_);
      return;
    }
    const int captionWidth = this->captionWidth(), gap = 4;
    int y = 2;
    for (const Row& row : rows_) {
      const Fit f = fit(int(row.images.size()));
      const int perLine = (int(row.images.size()) + f.lines - 1) / f.lines;
      p.setPen(palette().color(QPalette::WindowText));
      p.drawText(QRect(0, y, captionWidth - gap, f.side), Qt::AlignRight | Qt::AlignVCenter, row.caption);
      for (size_t i = 0; i < row.images.size(); ++i) {
        const QRect r(captionWidth + int(i) % perLine * (f.side + gap), y + int(i) / perLine * (f.side + gap), f.side,
                      f.side);
        p.drawImage(r, row.images[i]);
        p.setPen(Qt::gray);
        p.drawRect(r.adjusted(0, 0, -1, -1));
      }
      y += f.lines * (f.side + gap);
    }
  }

private:
  int captionWidth() const { return fontMetrics().horizontalAdvance(QStringLiteral("conv2 + tanh (16) ")); }
  QString emptyText_;
  std::vector<Row> rows_;
  int largest_ = 72;
};

// One line of status text that changes many times a second. A QLabel would ask its layout
// to recompute on every change, which resizes and repaints the plots beside it: that cost
// the trainer a tenth of its speed. This widget has a fixed height and only repaints itself.
class StatusLine : public QWidget {
public:
  explicit StatusLine(const QString& text, QWidget* parent = nullptr) : QWidget(parent), text_(text) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setAccessibleName(tr("Training status"));
  }
  void setText(const QString& text) {
    if (text == text_) return;
    text_ = text;
    setToolTip(text);
    update();
  }
  QString text() const { return text_; }
  QSize sizeHint() const override { return {200, 2 * fontMetrics().height() + 4}; }
  QSize minimumSizeHint() const override { return {50, sizeHint().height()}; }

protected:
  void paintEvent(QPaintEvent*) override {
    QPainter p(this);
    p.setPen(palette().color(QPalette::WindowText));
    p.drawText(rect(), Qt::AlignLeft | Qt::AlignVCenter | Qt::TextWordWrap, text_);
  }
  void changeEvent(QEvent* e) override { // presenter mode changes the font: a new height
    if (e->type() == QEvent::FontChange) updateGeometry();
    QWidget::changeEvent(e);
  }

private:
  QString text_;
};

// The test images the network got wrong, with predicted → true class.
class MisclassifiedView : public QWidget {
public:
  explicit MisclassifiedView(QWidget* parent = nullptr) : QWidget(parent) { setMinimumHeight(66); }
  void set(std::vector<QImage> images, QStringList captions) {
    images_ = std::move(images);
    captions_ = std::move(captions);
    update();
  }
  int count() const { return int(images_.size()); }

protected:
  void paintEvent(QPaintEvent*) override {
    QPainter p(this);
    const int side = 48;
    for (size_t i = 0; i < images_.size(); ++i) {
      const QRect r(int(i) * (side + 10) + 4, 2, side, side);
      if (r.right() > width()) break;
      p.drawImage(r, images_[i]);
      p.drawText(QRect(r.left() - 4, r.bottom() + 2, side + 8, 16), Qt::AlignCenter, captions_[int(i)]);
    }
    if (images_.empty()) {
      p.setPen(palette().color(QPalette::PlaceholderText));
      p.drawText(rect(), Qt::AlignCenter, tr("Misclassified test images appear after each epoch."));
    }
  }

private:
  std::vector<QImage> images_;
  QStringList captions_;
};

} // namespace convscope::ui

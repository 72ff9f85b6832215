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
// a test image with its feature maps. Tiles shrink to fit the width, up to 72 pixels.
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

protected:
  void paintEvent(QPaintEvent*) override {
    QPainter p(this);
    if (rows_.empty()) {
      p.setPen(palette().color(QPalette::PlaceholderText));
      p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, emptyText_);
      return;
    }
    const int captionWidth = fontMetrics().horizontalAdvance(QStringLiteral("conv2 + tanh (16) ")), gap = 4;
    const int rowHeight = std::max(16, (height() - gap) / int(rows_.size()));
    int y = 2;
    for (const Row& row : rows_) {
      const int count = std::max<int>(1, int(row.images.size()));
      const int side = std::clamp(std::min(rowHeight - gap, (width() - captionWidth) / count - gap), 8, 72);
      p.setPen(palette().color(QPalette::WindowText));
      p.drawText(QRect(0, y, captionWidth - gap, side), Qt::AlignRight | Qt::AlignVCenter, row.caption);
      for (size_t i = 0; i < row.images.size(); ++i) {
        const QRect r(captionWidth + int(i) * (side + gap), y, side, side);
        p.drawImage(r, row.images[i]);
        p.setPen(Qt::gray);
        p.drawRect(r.adjusted(0, 0, -1, -1));
      }
      y += side + gap;
    }
  }

private:
  QString emptyText_;
  std::vector<Row> rows_;
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

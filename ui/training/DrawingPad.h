// Draw a digit with the mouse. digit() prepares it as MNIST's were: the strokes' bounding
// box scaled to fit 20x20, then centred by its centre of mass in a 28x28 image.
// Not for: classifying (the training panel runs the network on it).
#pragma once

#include "engine/core/Tensor.h"

#include <QImage>
#include <QWidget>

namespace convscope::ui {

class DrawingPad : public QWidget {
  Q_OBJECT
public:
  explicit DrawingPad(QWidget* parent = nullptr);
  Tensor digit() const; // (1, 1, 28, 28), values 0–255, white on black
  bool isEmpty() const;
  void drawStroke(QPointF from, QPointF to); // in pad coordinates (also used by tests)
  QSize sizeHint() const override { return {200, 200}; }

public slots:
  void clear();

signals:
  void changed();

protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;

private:
  QImage canvas_; // 280x280 gray, drawn at the widget's size
  QPointF last_;
};

} // namespace convscope::ui

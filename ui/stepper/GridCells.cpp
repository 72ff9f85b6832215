// The stepper grids' palette, numbers and cells.
#include "ui/stepper/GridCells.h"


#include <QFontMetrics>
#include <QPainter>
#include <QSplitter>
#include <QTextBrowser>
#include <QTextDocument>

#include <algorithm>
#include <cmath>

namespace convscope::ui::cells {

bool isDark(const QColor& c) { return 0.299 * c.red() + 0.587 * c.green() + 0.114 * c.blue() < 128; }

QColor blend(const QColor& a, const QColor& b, double t) {
  return QColor(int(a.red() * (1 - t) + b.red() * t), int(a.green() * (1 - t) + b.green() * t),
                int(a.blue() * (1 - t) + b.blue() * t));
}

QColor gridLine(bool presenter) { return presenter ? QColor(90, 90, 90) : QColor(150, 150, 150); }

int fittedPixelSize(QFont font, const QString& widest, int width, int largest) {
  int size = std::max(7, largest);
  font.setPixelSize(size);
  while (size > 7 && QFontMetrics(font).horizontalAdvance(widest) > width - 3) font.setPixelSize(--size);
  return size;
}

void drawCell(QPainter& p, const QRect& cell, const QColor& fill, bool presenter, const QString& text, int pixelSize,
              const QColor& textColour) {
  p.fillRect(cell, fill);
  if (cell.height() >= 6) {
    p.setPen(gridLine(presenter));
    p.drawRect(cell.adjusted(0, 0, -1, -1));
  }
  if (pixelSize > 0 && !text.isEmpty()) {
    QFont f = p.font();
    f.setPixelSize(pixelSize);
    p.setFont(f);
    p.setPen(textColour);
    p.drawText(cell, Qt::AlignCenter, text);
  }
}

void outlineCell(QPainter& p, const QRect& cell, const QColor& colour, int width) {
  p.setPen(QPen(colour, width));
  p.setBrush(Qt::NoBrush);
  p.drawRect(cell.adjusted(1, 1, -1, -1));
}

bool fitTextBox(QSplitter* split, QTextBrowser* box) {
  if (!split || split->height() < 100) return false;
  QTextDocument* doc = box->document();
  doc->setTextWidth(box->viewport()->width());
  const int frame = box->height() - box->viewport()->height();
  const int wanted = int(std::ceil(doc->size().height())) + frame + 6;
  const int total = split->height() - split->handleWidth();
  const int height = std::clamp(wanted, 60, total / 2);
  if (std::abs(split->sizes().value(1) - height) <= 2) return false;
  split->setSizes({total - height, height});
  return true;
}

} // namespace convscope::ui::cells

// TextCache: one layout per string, width, elision and font.
#include "ui/core/TextCache.h"

#include <QFontMetrics>
#include <QPaintDevice>
#include <QPainter>

namespace convscope::ui {

namespace {
// Strings that change at every update (a map's range) come and go: past this many the cache
// starts again rather than grow.
constexpr int kMostTexts = 1024;
} // namespace

const QStaticText& TextCache::laidOut(QPainter& p, const QString& text, int width, Qt::TextElideMode elide) {
  // The painter's device's resolution too: the same font measures otherwise on another screen.
  const QPaintDevice* device = p.device();
  const QString key = p.font().key() + QChar(0x1f) + QString::number(device ? device->logicalDpiY() : 0) +
                      QChar(0x1f) + QString::number(int(elide)) + QChar(0x1f) +
                      QString::number(elide == Qt::ElideNone ? 0 : width) + QChar(0x1f) + text;
  auto found = texts_.constFind(key);
  if (found != texts_.constEnd()) return *found;
  if (texts_.size() >= kMostTexts) texts_.clear();
  QStaticText laid(elide == Qt::ElideNone ? text : p.fontMetrics().elidedText(text, elide, width));
  laid.setTextFormat(Qt::PlainText);
  laid.prepare(QTransform(), p.font());
  return *texts_.insert(key, laid);
}

int TextCache::width(QPainter& p, const QString& text, int width, Qt::TextElideMode elide) {
  return qRound(laidOut(p, text, width, elide).size().width());
}

int TextCache::draw(QPainter& p, const QRect& rect, int flags, const QString& text, Qt::TextElideMode elide,
                    int elideWidth) {
  const QStaticText& laid = laidOut(p, text, elideWidth < 0 ? rect.width() : elideWidth, elide);
  const QSizeF size = laid.size();
  qreal x = rect.left(), y = rect.top();
  if (flags & Qt::AlignRight)
    x = rect.left() + rect.width() - size.width();
  else if (flags & Qt::AlignHCenter)
    x = rect.left() + (rect.width() - size.width()) / 2;
  if (flags & Qt::AlignBottom)
    y = rect.top() + rect.height() - size.height();
  else if (flags & Qt::AlignVCenter)
    y = rect.top() + (rect.height() - size.height()) / 2;
  p.drawStaticText(QPointF(qRound(x), qRound(y)), laid);
  return qRound(size.width());
}

} // namespace convscope::ui

// Text a widget paints again at every update (a map's name, a layer's header, a caption) laid
// out once: drawText shapes its string on every call (about 10 µs each, and the live view paints
// fifty of them per slider step); a QStaticText keeps the shaped glyphs.
// Not for: text drawn once, or rich text (plain text only).
#pragma once

#include <QHash>
#include <QRect>
#include <QStaticText>
#include <QString>

class QPainter;

namespace convscope::ui {

class TextCache {
public:
  // Draws text in rect as QPainter::drawText(rect, flags, text) does for one line (flags: the
  // horizontal and vertical Qt::Alignment), elided with `elide` (Qt::ElideNone: not) to
  // elideWidth (−1: the rect's width), in the painter's font and pen. Returns the drawn text's width.
  int draw(QPainter& p, const QRect& rect, int flags, const QString& text, Qt::TextElideMode elide = Qt::ElideNone,
           int elideWidth = -1);
  // The width text would take in the painter's font, elided to `width` with `elide` (laid out
  // once, as draw does).
  int width(QPainter& p, const QString& text, int width, Qt::TextElideMode elide = Qt::ElideNone);

private:
  const QStaticText& laidOut(QPainter& p, const QString& text, int width, Qt::TextElideMode elide);
  QHash<QString, QStaticText> texts_; // by font, elision, width and text
};

} // namespace convscope::ui

// What the stepper's grids share, forward (StepperCanvas) and backward (BackwardStepper):
// one palette, the numbers as a cell prints them, and a cell drawn with its number as large
// as the cell allows. Colours are chosen for a projector and for colour-blind students:
// blue and orange, never red against green.
// Not for: laying grids out (each canvas places its own).
#pragma once

#include <QColor>
#include <QFont>
#include <QRect>
#include <QString>

class QPainter;
class QSplitter;
class QTextBrowser;

namespace convscope::ui::cells {

inline const QColor kWindow(255, 190, 90);        // the cells the current one reads (the kernel window)
inline const QColor kCurrent(230, 120, 0);        // the current cell's border
inline const QColor kPadding(222, 222, 222);      // padding cells
inline const QColor kFilled(235, 244, 255);       // output cells already computed
inline const QColor kKernel(255, 240, 215);       // the kernel's own grid
inline const QColor kNegative(209, 229, 240);     // a cell below zero (ColorBrewer RdBu's light blue)
inline const QColor kPositive(253, 219, 199);     // a cell above zero (RdBu's light red)
inline const QColor kNegativeText(33, 102, 172);  // a number below zero, and bars (RdBu's dark blue)
inline const QColor kMaximum(178, 24, 43);        // the pooling window's maximum
inline const QColor kPaddingText(120, 120, 120);  // the zeros of padding

// A fill dark enough for white numbers on it.
bool isDark(const QColor& fill);
// a and b mixed: t = 0 is a, 1 is b (the kernel window's tint over a cell's grey).
QColor blend(const QColor& a, const QColor& b, double t);

// The grid lines between cells: darker while presenting, so neighbouring numbers stay apart.
QColor gridLine(bool presenter);

// The largest pixel size, from `largest` down to 7, at which `widest` fits `width` minus a
// 3-pixel margin.
int fittedPixelSize(QFont font, const QString& widest, int width, int largest);

// A cell: its fill, its frame (when it is at least 6 pixels tall), and `text` centred in
// `pixelSize` when given (0: no text).
void drawCell(QPainter& p, const QRect& cell, const QColor& fill, bool presenter, const QString& text = {},
              int pixelSize = 0, const QColor& textColour = Qt::black);
// A cell's outline `width` pixels wide, inside it.
void outlineCell(QPainter& p, const QRect& cell, const QColor& colour, int width);

// The arithmetic box under a stepper's grids (the second of `split`'s two parts) made as tall as
// its text, between 60 px and half the splitter; true when the sizes changed.
bool fitTextBox(QSplitter* split, QTextBrowser* box);

} // namespace convscope::ui::cells

// Views drawn for slides and handouts. A Figure is a size and a function that draws the
// view onto any painter: the same drawing becomes an SVG (text stays text, for Inkscape or
// PowerPoint), a PDF (vector) or a PNG at 1×, 2× or 4× (a 4K projector). Views offer their
// figures (MainWindow::figures()); File → Export Figure writes one (ExportDialog).
// Not for: animations (Animation.h) or the tables' text formats (engine/io/TextTable.h).
#pragma once

#include "engine/io/TextTable.h"

#include <QFont>
#include <QImage>
#include <QSize>
#include <QString>

#include <functional>
#include <optional>
#include <vector>

class QCPPainter;
class QCustomPlot;
class QGraphicsScene;
class QWidget;

namespace convscope::ui {

struct Figure {
  QString name;  // a file name's stem: "stepper", "loss-and-accuracy"
  QString title; // what the export dialog lists: "The stepper's grids and arithmetic"
  QSize size;    // in logical pixels: 1 px is 1 pt in a PDF and one user unit in an SVG
  std::function<void(QCPPainter&)> paint;
  std::optional<TextTable> table; // a table figure's cells, also written as CSV, Markdown, LaTeX
};

// A widget as it shows, with its children. Plots (QCustomPlot) among them are drawn as
// vectors rather than as their screen buffers; everything a widget paints itself with
// QPainter (numbers, grids, legends) stays vector and text.
Figure widgetFigure(QWidget* widget, const QString& name, const QString& title);
// A plot at its on-screen size, or laid out again at `size` (frames that must not depend on
// the window's size).
Figure plotFigure(QCustomPlot* plot, const QString& name, const QString& title, QSize size = {});
// A whole graphics scene (not only the part in view), with a margin.
Figure sceneFigure(QGraphicsScene* scene, const QString& name, const QString& title);
// A table drawn as a slide shows one: a title, rules above and below the header and at the
// end (booktabs' style), numbers right-aligned, the notes beneath.
Figure tableFigure(const TextTable& table, const QFont& font, const QString& name, const QString& title);
// Rich text (Qt's HTML subset), wrapped at `width`.
Figure textFigure(const QString& html, const QFont& font, int width, const QString& name, const QString& title);
// Figures one above the other, left-aligned, `gap` pixels apart.
Figure stackFigures(const std::vector<Figure>& parts, const QString& name, const QString& title, int gap = 12);

// Writes `figure` by `path`'s extension: .svg, .pdf or .png (`pngScale` times its size);
// for a table figure also .csv, .md and .tex. Returns "" on success, else what went wrong
// ("cannot write /x/y.svg", "unknown format .gif: …").
QString writeFigure(const Figure& figure, const QString& path, double pngScale = 2.0);
// The figure as an image, `scale` times its size (white behind it).
QImage figureImage(const Figure& figure, double scale);
// The extensions writeFigure takes for `figure`, e.g. {"svg", "pdf", "png"}.
QStringList figureExtensions(const Figure& figure);

} // namespace convscope::ui

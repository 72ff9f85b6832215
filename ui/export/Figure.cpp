// Figures: widgets, plots, scenes, tables and text drawn onto SVG, PDF and PNG painters.
#include "ui/export/Figure.h"

#include <qcustomplot.h>

#include <QAbstractTextDocumentLayout>
#include <QFile>
#include <QFileInfo>
#include <QGraphicsScene>
#include <QGuiApplication>
#include <QPdfWriter>
#include <QScreen>
#include <QSvgGenerator>
#include <QTextDocument>

#include <algorithm>
#include <cmath>

namespace convscope::ui {

namespace {

// The widget, then its visible children on top, each at its place; plots as vectors.
void paintWidgetTree(QCPPainter& painter, QWidget* widget, QPoint at) {
  if (auto* plot = qobject_cast<QCustomPlot*>(widget)) {
    painter.save();
    painter.translate(at);
    plot->toPainter(&painter, plot->width(), plot->height());
    painter.restore();
    return;
  }
  // Each widget clipped to itself: what a scroll area scrolled out of view stays out.
  painter.save();
  painter.setClipRect(QRect(at, widget->size()), Qt::IntersectClip);
  widget->render(&painter, at, QRegion(), QWidget::DrawWindowBackground);
  for (QObject* object : widget->children()) {
    auto* child = qobject_cast<QWidget*>(object);
    if (child && child->isVisible() && !child->isWindow()) paintWidgetTree(painter, child, at + child->pos());
  }
  painter.restore();
}

int screenDpi() {
  const QScreen* screen = QGuiApplication::primaryScreen();
  return screen ? std::max(1, int(std::lround(screen->logicalDotsPerInch()))) : 96;
}

bool isTableFormat(const QString& suffix) { return suffix == "csv" || suffix == "md" || suffix == "tex"; }

} // namespace

Figure widgetFigure(QWidget* widget, const QString& name, const QString& title) {
  return {name, title, widget->size(), [widget](QCPPainter& p) { paintWidgetTree(p, widget, QPoint()); }, {}};
}

Figure plotFigure(QCustomPlot* plot, const QString& name, const QString& title, QSize size) {
  if (size.isEmpty()) size = plot->size();
  return {name, title, size, [plot, size](QCPPainter& p) { plot->toPainter(&p, size.width(), size.height()); }, {}};
}

Figure sceneFigure(QGraphicsScene* scene, const QString& name, const QString& title) {
  constexpr int kMargin = 12;
  const QRectF source = scene->itemsBoundingRect();
  const QSize size = source.size().toSize() + QSize(2 * kMargin, 2 * kMargin);
  return {name,
          title,
          size,
          [scene, source, size](QCPPainter& p) {
            p.fillRect(QRect(QPoint(), size), Qt::white);
            scene->render(&p, QRectF(kMargin, kMargin, source.width(), source.height()), source);
          },
          {}};
}

Figure tableFigure(const TextTable& table, const QFont& font, const QString& name, const QString& title) {
  const QFontMetrics metrics(font);
  QFont bold = font;
  bold.setBold(true);
  const QFontMetrics boldMetrics(bold);
  const size_t columns = table.header.size();
  std::vector<int> width(columns);
  for (size_t c = 0; c < columns; ++c) {
    width[c] = boldMetrics.horizontalAdvance(QString::fromStdString(table.header[c]));
    for (const auto& row : table.rows)
      if (c < row.size()) width[c] = std::max(width[c], metrics.horizontalAdvance(QString::fromStdString(row[c])));
  }
  const int pad = metrics.averageCharWidth() * 2, line = metrics.height() + metrics.height() / 3, margin = 8;
  int total = 0;
  for (int w : width) total += w + pad;
  total -= pad;
  const QString caption = QString::fromStdString(table.caption);
  const int captionHeight = caption.isEmpty() ? 0 : line + 4;
  // The notes wrap at the table's width (at least 480 px, so a narrow table's notes still read).
  const int inner = std::max({total, 480, boldMetrics.horizontalAdvance(caption)});
  std::vector<int> noteHeights;
  int notesHeight = 0;
  for (const std::string& note : table.notes) {
    noteHeights.push_back(
        metrics.boundingRect(QRect(0, 0, inner, 100000), Qt::TextWordWrap, QString::fromStdString(note)).height() + 4);
    notesHeight += noteHeights.back();
  }
  const QSize size(2 * margin + inner,
                   2 * margin + captionHeight + line * int(table.rows.size() + 1) + 8 + notesHeight);
  return {
      name, title, size,
      [table, font, bold, width, pad, line, margin, total, caption, captionHeight, noteHeights, size](QCPPainter& p) {
        p.fillRect(QRect(QPoint(), size), Qt::white);
        p.setPen(Qt::black);
        int y = margin;
        if (!caption.isEmpty()) {
          p.setFont(bold);
          p.drawText(QRect(margin, y, size.width() - 2 * margin, line), Qt::AlignLeft | Qt::AlignVCenter, caption);
          y += captionHeight;
        }
        const auto rule = [&p, margin, total](int at, qreal thickness) {
          p.setPen(QPen(Qt::black, thickness));
          p.drawLine(QPointF(margin, at), QPointF(margin + total, at));
        };
        const auto row = [&](const std::vector<std::string>& cells, const QFont& f) {
          p.setFont(f);
          p.setPen(Qt::black);
          int x = margin;
          for (size_t c = 0; c < cells.size() && c < width.size(); ++c) {
            const bool numeric = c < table.numeric.size() && table.numeric[c];
            p.drawText(QRect(x, y, width[c], line), (numeric ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter,
                       QString::fromStdString(cells[c]));
            x += width[c] + pad;
          }
          y += line;
        };
        rule(y, 1.5);
        row(table.header, bold);
        rule(y, 0.8);
        for (const auto& cells : table.rows) row(cells, font);
        rule(y, 1.5);
        y += 8;
        p.setFont(font);
        for (size_t n = 0; n < table.notes.size(); ++n) {
          p.drawText(QRect(margin, y, size.width() - 2 * margin, noteHeights[n]), Qt::AlignLeft | Qt::TextWordWrap,
                     QString::fromStdString(table.notes[n]));
          y += noteHeights[n];
        }
      },
      table};
}

Figure textFigure(const QString& html, const QFont& font, int width, const QString& name, const QString& title) {
  auto document = std::make_shared<QTextDocument>();
  document->setDefaultFont(font);
  document->setHtml(html);
  document->setTextWidth(width);
  // Lines that cannot wrap (a <pre> of arithmetic) widen the figure rather than being cut.
  if (document->idealWidth() > width) document->setTextWidth(std::ceil(document->idealWidth()));
  const QSize size(int(std::ceil(document->textWidth())), int(document->size().height() + 0.5));
  return {name,
          title,
          size,
          [document, size](QCPPainter& p) {
            p.fillRect(QRect(QPoint(), size), Qt::white);
            QAbstractTextDocumentLayout::PaintContext context;
            context.palette.setColor(QPalette::Text, Qt::black);
            document->documentLayout()->draw(&p, context);
          },
          {}};
}

Figure stackFigures(const std::vector<Figure>& parts, const QString& name, const QString& title, int gap) {
  QSize size;
  for (const Figure& f : parts) {
    size.setWidth(std::max(size.width(), f.size.width()));
    size.setHeight(size.height() + f.size.height() + (size.height() ? gap : 0));
  }
  return {name,
          title,
          size,
          [parts, gap, size](QCPPainter& p) {
            p.fillRect(QRect(QPoint(), size), Qt::white);
            int y = 0;
            for (const Figure& f : parts) {
              p.save();
              p.translate(0, y);
              f.paint(p);
              p.restore();
              y += f.size.height() + gap;
            }
          },
          {}};
}

QStringList figureExtensions(const Figure& figure) {
  QStringList list{"svg", "pdf", "png"};
  if (figure.table)
    list << "csv"
         << "md"
         << "tex";
  return list;
}

QString writeFigure(const Figure& figure, const QString& path, double pngScale) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (!figureExtensions(figure).contains(suffix))
    return QStringLiteral("unknown format '.%1' for %2: expected .%3")
        .arg(suffix, path, figureExtensions(figure).join(", ."));
  if (figure.size.isEmpty()) return QStringLiteral("the figure '%1' is empty (nothing is shown yet)").arg(figure.title);
  const QString cannot = QStringLiteral("cannot write %1").arg(path);
  if (isTableFormat(suffix)) {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly)) return cannot + ": " + file.errorString();
    const std::string text = formatTable(*figure.table, tableFormatFromPath(path.toStdString()));
    if (file.write(text.data(), qint64(text.size())) != qint64(text.size())) return cannot + ": " + file.errorString();
    return {};
  }
  const auto paintOn = [&figure](QPaintDevice* device, bool vector) {
    QCPPainter painter;
    if (!painter.begin(device)) return false;
    if (vector) painter.setMode(QCPPainter::pmVectorized), painter.setMode(QCPPainter::pmNoCaching);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setRenderHint(QPainter::TextAntialiasing);
    figure.paint(painter);
    return painter.end();
  };
  if (suffix == "svg") {
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(figure.size);
    svg.setViewBox(QRect(QPoint(), figure.size));
    // The screen's resolution: fonts measured in points on screen keep their laid-out size.
    svg.setResolution(screenDpi());
    svg.setTitle(figure.title);
    svg.setDescription(QStringLiteral("Exported by ConvScope %1").arg(CONVSCOPE_VERSION));
    if (!QFileInfo(QFileInfo(path).absolutePath()).isWritable() || !paintOn(&svg, true)) return cannot;
    return QFileInfo(path).size() > 0 ? QString() : cannot;
  }
  if (suffix == "pdf") {
    QPdfWriter pdf(path);
    pdf.setTitle(figure.title);
    pdf.setCreator(QStringLiteral("ConvScope %1").arg(CONVSCOPE_VERSION));
    // One figure pixel is one screen pixel (1/96 inch on most screens), so fonts sized in
    // points keep their laid-out size; the page is the figure's size in points.
    const int dpi = screenDpi();
    pdf.setResolution(dpi);
    pdf.setPageSize(QPageSize(QSizeF(figure.size) * 72.0 / dpi, QPageSize::Point, QString(), QPageSize::ExactMatch));
    pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
    if (!paintOn(&pdf, true)) return cannot;
    return QFileInfo(path).size() > 0 ? QString() : cannot;
  }
  const QImage image = figureImage(figure, pngScale);
  return !image.isNull() && image.save(path, "PNG") ? QString() : cannot;
}

QImage figureImage(const Figure& figure, double scale) {
  scale = std::clamp(scale, 0.25, 8.0);
  QImage image(figure.size * scale, QImage::Format_ARGB32_Premultiplied);
  if (image.isNull()) return image;
  image.setDevicePixelRatio(scale);
  image.fill(Qt::white);
  QCPPainter painter;
  if (!painter.begin(&image)) return {};
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setRenderHint(QPainter::TextAntialiasing);
  figure.paint(painter);
  painter.end();
  image.setDevicePixelRatio(1); // the file records its pixels, not the screen's ratio
  return image;
}

} // namespace convscope::ui

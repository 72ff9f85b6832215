// Helpers shared by the QtTest suites: a lecture example's path, waiting until the feature
// maps show the newest result, a dropped file.
#pragma once

#include "ui/maps/FeatureMapView.h"
#include "common/TestPaths.h"
#include "ui/window/MainWindow.h"
#include "ui/maps/PipelineRunner.h"

#include <QApplication>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>
#include <QString>
#include <QUrl>
#include <QtTest/QtTest>

namespace convscope::test {

inline QString example(const QString& name) { return QString::fromStdString(convscope::test::examplePath(name.toStdString())); }

// Waits until the newest request's result is on screen.
inline void settle(ui::MainWindow& w) {
  QTRY_VERIFY_WITH_TIMEOUT(w.runner()->isSettled() && w.featureMaps()->result() == w.runner()->latest(), 10000);
}

// A file dropped on `target` as a file manager drops it: the drag enters (and must be
// accepted), then the drop.
inline void drop(QWidget* target, const QString& path) {
  QMimeData mime;
  mime.setUrls({QUrl::fromLocalFile(path)});
  const QPoint at = target->rect().center();
  QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(target, &enter);
  QVERIFY(enter.isAccepted());
  QDropEvent dropEvent(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(target, &dropEvent);
}

} // namespace convscope::test

#include <QFile>
#include <QProcess>
#include <QXmlStreamReader>

namespace convscope::test {

// The text of every <text> element of an SVG file, each followed by a newline; a parse
// error fails the calling test (QVERIFY in a helper: check QTest::currentTestFailed()).
inline QString svgText(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return QStringLiteral("<cannot open %1>").arg(path);
  QXmlStreamReader xml(&file);
  QString text;
  int depth = 0; // inside <text>
  while (!xml.atEnd()) {
    xml.readNext();
    if (xml.isStartElement() && xml.name() == QLatin1String("text")) ++depth;
    if (xml.isEndElement() && xml.name() == QLatin1String("text")) --depth, text += '\n';
    if (xml.isCharacters() && depth > 0) text += xml.text();
  }
  if (xml.hasError()) return QStringLiteral("<XML error in %1: %2>").arg(path, xml.errorString());
  return text;
}

// pdftoppm (poppler) renders the PDF's first page; true when it made a non-empty image.
inline bool pdfRenders(const QString& path) {
  QProcess render;
  render.start("pdftoppm", {"-png", "-r", "30", "-singlefile", path, path + "-page"});
  if (!render.waitForFinished(60000) || render.exitCode() != 0) return false;
  const QImage page(path + "-page.png");
  return !page.isNull() && page.width() > 4 && page.height() > 4;
}

// Frames of an animated GIF and their delays (hundredths of a second), as ImageMagick's
// identify reads them (an independent reader): -1 when it cannot read the file.
inline int gifFrames(const QString& path, QStringList* delays = nullptr) {
  QProcess identify;
  identify.start("identify", {"-format", "%T\n", path});
  if (!identify.waitForFinished(60000) || identify.exitCode() != 0) return -1;
  const QStringList lines = QString(identify.readAllStandardOutput()).split('\n', Qt::SkipEmptyParts);
  if (delays) *delays = lines;
  return int(lines.size());
}

} // namespace convscope::test

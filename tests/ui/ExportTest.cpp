// QtTest of File → Export Figure: every view of the real window written as SVG (parsed as
// XML, its numbers present as text), PDF (rendered by pdftoppm) and PNG at 2× and 4×; the
// tables as CSV, Markdown and LaTeX; the dialog keeps a failed write's reason.
#include "UiTestUtils.h"

#include "ui/export/AnimationExport.h"
#include "ui/architectures/ArchitectureTab.h"
#include "ui/stepper/BackwardStepper.h"
#include "ui/export/ExportDialog.h"
#include "ui/stepper/Stepper.h"
#include "ui/core/Workspace.h"

#include "engine/io/MatrixText.h"

#include <opencv2/videoio.hpp>

#include <QComboBox>
#include <QLineEdit>
#include <QListWidget>
#include <QTemporaryDir>

using namespace convscope;
using namespace convscope::ui;
using convscope::test::example;

namespace {

const Figure* named(const std::vector<Figure>& figures, const QString& name) {
  for (const Figure& f : figures)
    if (f.name == name) return &f;
  return nullptr;
}

// Writes `figure` as SVG, PDF and PNG (2×) into `dir`; checks each file; returns the SVG's text.
QString writeAll(const Figure& figure, QTemporaryDir& dir) {
  // CONVSCOPE_KEEP_EXPORTS=1 keeps the files, to look at them.
  if (qEnvironmentVariableIsSet("CONVSCOPE_KEEP_EXPORTS")) dir.setAutoRemove(false), qInfo() << "kept" << dir.path();
  const QString base = dir.filePath(figure.name);
  const QString svgError = writeFigure(figure, base + ".svg");
  if (!svgError.isEmpty()) return "<" + svgError + ">";
  const QString text = convscope::test::svgText(base + ".svg");
  if (!writeFigure(figure, base + ".pdf").isEmpty() || !convscope::test::pdfRenders(base + ".pdf"))
    return "<the PDF of " + figure.name + " does not render>";
  if (!writeFigure(figure, base + ".png", 2.0).isEmpty()) return "<no PNG of " + figure.name + ">";
  const QImage png(base + ".png");
  if (png.size() != figure.size * 2)
    return QStringLiteral("<the 2x PNG of %1 is %2x%3, expected %4x%5>")
        .arg(figure.name)
        .arg(png.width())
        .arg(png.height())
        .arg(figure.size.width() * 2)
        .arg(figure.size.height() * 2);
  return text;
}

} // namespace

class ExportTest : public QObject {
  Q_OBJECT
private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QSettings().clear();
  }

  void theMapsAndTheStepperExportWithTheirNumbersAsText() {
    QTemporaryDir dir;
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    QVERIFY(window.openFile(example("six.txt")));
    window.workspace()->setKernels({{"filter 1", loadMatrixFile(example("filter1.txt").toStdString())}});
    convscope::test::settle(window);
    // The feature maps: each map's caption with its range stays text.
    std::vector<Figure> figures = window.figures();
    QCOMPARE(int(figures.size()), 1);
    QString text = writeAll(figures[0], dir);
    QVERIFY2(!text.startsWith('<'), qPrintable(text));
    QVERIFY2(text.contains("filter 1"), qPrintable(text));
    // The stepper at the last output cell (every output shown): the slide's numbers, the
    // formula and the arithmetic.
    window.showStepper();
    window.stepper()->setPosition(15);
    QCoreApplication::processEvents();
    figures = window.figures();
    const Figure* stepper = named(figures, "stepper");
    QVERIFY(stepper && named(figures, "stepper-grids"));
    text = writeAll(*stepper, dir);
    QVERIFY2(!text.startsWith('<'), qPrintable(text));
    const QStringList words = text.split(QRegularExpression("\\s+"), Qt::SkipEmptyParts);
    // The 6×6 image's 0s and 1s, filter 1's −1s and the 4×4 map's numbers, each a text cell.
    QVERIFY2(words.count("1") >= 12 && words.count("0") >= 12, qPrintable(text));
    QVERIFY2(words.count("−1") + words.count("-1") >= 6, qPrintable(text));
    QVERIFY2(words.contains("−3") || words.contains("-3"), qPrintable(text));
    QVERIFY2(text.contains(window.stepper()->arithmeticText().section('\n', 0, 0).left(20)), qPrintable(text));
    // The same at 4× for a 4K projector.
    QVERIFY(writeFigure(*stepper, dir.filePath("stepper4.png"), 4.0).isEmpty());
    QCOMPARE(QImage(dir.filePath("stepper4.png")).size(), stepper->size * 4);
  }

  void theBackwardPassExportsItsGradients() {
    QTemporaryDir dir;
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    QVERIFY(window.openFile(example("six.txt")));
    window.showStepper();
    window.stepper()->setMode(Stepper::Mode::Backward);
    QTRY_VERIFY(window.stepper()->backward()->lesson());
    const std::vector<Figure> figures = window.figures();
    const Figure* backward = named(figures, "backward");
    QVERIFY(backward && named(figures, "backward-error"));
    const QString text = writeAll(*backward, dir);
    QVERIFY2(!text.startsWith('<'), qPrintable(text));
    // Every panel's title is text in the figure.
    for (const BackwardStepper::Panel& p : window.stepper()->backward()->panels())
      QVERIFY2(text.contains(p.title.left(12)), qPrintable(p.title + " not in:\n" + text));
  }

  void theArchitectureGraphAndTableExport() {
    QTemporaryDir dir;
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    window.showArchitectures();
    QSignalSpy loaded(window.architectureTab(), &ArchitectureTab::loaded);
    window.architectureTab()->openNetwork("lenet5");
    QVERIFY(loaded.wait(30000));
    const std::vector<Figure> figures = window.figures();
    const Figure* graph = named(figures, "lenet5-graph");
    const Figure* table = named(figures, "lenet5-table");
    QVERIFY(graph && table && table->table);
    QString text = writeAll(*graph, dir);
    QVERIFY2(!text.startsWith('<'), qPrintable(text));
    QVERIFY2(text.contains("conv1") && text.contains("fc2"), qPrintable(text));
    text = writeAll(*table, dir);
    QVERIFY2(text.contains("61,706") && text.contains("conv1"), qPrintable(text)); // LeNet-5's parameters
    // The table's text formats.
    for (const QString ext : {"csv", "md", "tex"})
      QVERIFY(writeFigure(*table, dir.filePath("lenet5." + ext)).isEmpty());
    QFile csv(dir.filePath("lenet5.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QStringList lines = QString(csv.readAll()).split("\r\n", Qt::SkipEmptyParts);
    QCOMPARE(lines.first(), QStringLiteral("layer,type,output shape,parameters,MACs,MACs %"));
    QCOMPARE(lines.size(), int(table->table->rows.size()) + 1);
    QVERIFY2(lines.contains(QStringLiteral("conv1,Conv2D,6x28x28,156,117600,28.2")), qPrintable(lines.join("\n")));
    QFile tex(dir.filePath("lenet5.tex"));
    QVERIFY(tex.open(QIODevice::ReadOnly));
    const QString latex = tex.readAll();
    QVERIFY(latex.contains("\\toprule") && latex.contains("\\midrule") && latex.contains("\\bottomrule"));
    QVERIFY2(latex.contains("conv1 & Conv2D & 6x28x28 & 156 & 117,600 & 28.2 \\\\"), qPrintable(latex));
  }

  void theStepperAnimatesEveryCellAsGifAndMp4() {
    QTemporaryDir dir;
    if (qEnvironmentVariableIsSet("CONVSCOPE_KEEP_EXPORTS")) dir.setAutoRemove(false), qInfo() << "kept" << dir.path();
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    QVERIFY(window.openFile(example("six.txt")));
    window.workspace()->setKernels({{"filter 1", loadMatrixFile(example("filter1.txt").toStdString())}});
    window.showStepper();
    window.stepper()->setPosition(7);
    QString problem;
    std::vector<QImage> frames = stepperFrames(window.stepper(), 1.0, &problem);
    QCOMPARE(int(frames.size()), 16);          // the 4×4 output, one frame a cell
    QCOMPARE(window.stepper()->position(), 7); // put back
    QVERIFY(frames[0] != frames[1]);           // the window moved
    // GIF at 4 frames a second: 16 frames of 25 hundredths each.
    AnimationDialog dialog(frames, "test", "six", 4, &window);
    dialog.pathBox()->setText(dir.filePath("six.gif"));
    QVERIFY(dialog.exportChosen().isEmpty());
    QStringList delays;
    QCOMPARE(convscope::test::gifFrames(dir.filePath("six.gif"), &delays), 16);
    QCOMPARE(delays.first(), QStringLiteral("25"));
    // MP4: 16 frames at 4 a second, 4 seconds, read back frame by frame.
    dialog.formatBox()->setCurrentIndex(1);
    QVERIFY(dialog.pathBox()->text().endsWith("six.mp4"));
    QVERIFY(dialog.exportChosen().isEmpty());
    cv::VideoCapture video(dir.filePath("six.mp4").toStdString());
    QVERIFY(video.isOpened());
    QCOMPARE(video.get(cv::CAP_PROP_FPS), 4.0);
    int widest = 0; // frames of different sizes share the largest (an even one, for H.264)
    for (const QImage& f : frames) widest = std::max(widest, f.width());
    int read = 0;
    for (cv::Mat m; video.read(m);) {
      ++read;
      QCOMPARE(m.cols, widest + widest % 2);
    }
    QCOMPARE(read, 16);
    QCOMPARE(read / video.get(cv::CAP_PROP_FPS), 4.0); // seconds
    // Pooling: one frame per pooled cell; the backward pass and an unknown format are refused.
    window.stepper()->setMode(Stepper::Mode::Pooling);
    QCOMPARE(int(stepperFrames(window.stepper(), 1.0, &problem).size()), 4);
    window.stepper()->setMode(Stepper::Mode::Backward);
    QVERIFY(stepperFrames(window.stepper(), 1.0, &problem).empty());
    QVERIFY2(problem.contains("forward modes"), qPrintable(problem));
    dialog.pathBox()->setText(dir.filePath("six.avi"));
    QVERIFY2(dialog.exportChosen().contains("as .gif or .mp4"), qPrintable(dialog.exportChosen()));
  }

  void theDialogWritesTheChosenFigureAndKeepsAFailure() {
    QTemporaryDir dir;
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(example("six.txt")));
    convscope::test::settle(window);
    ExportDialog dialog(window.figures(), &window);
    QCOMPARE(dialog.figureList()->count(), 1);
    QCOMPARE(dialog.formatBox()->count(), 5); // SVG, PDF, PNG 1×, 2×, 4× (no table formats)
    dialog.pathBox()->setText("/no/such/folder/maps.svg");
    const QString problem = dialog.exportChosen();
    QVERIFY2(problem.contains("/no/such/folder/maps.svg"), qPrintable(problem));
    dialog.formatBox()->setCurrentIndex(1); // PDF: the file name follows the format
    QVERIFY(dialog.pathBox()->text().endsWith("feature-maps.pdf"));
    dialog.pathBox()->setText(dir.filePath("maps.pdf"));
    QVERIFY(dialog.exportChosen().isEmpty());
    QVERIFY(convscope::test::pdfRenders(dir.filePath("maps.pdf")));
    QCOMPARE(dialog.writtenPath(), dir.filePath("maps.pdf"));
  }
};

QTEST_MAIN(ExportTest)
#include "ExportTest.moc"

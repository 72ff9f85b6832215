// QtTest for the lecture hall's second pass (issue 26), on a 1280×800 projector (the
// offscreen platform with one screen of that size), one test per finding: each drives the
// real window as the lecturer does (the command line's options, the panels, the keys) and
// checks what the hall sees against the engine.
#include "UiTestUtils.h"
#include "common/TestPaths.h"
#include "app/WindowOptions.h"
#include "app/WindowStart.h"
#include "ui/maps/FeatureMapView.h"
#include "ui/stepper/ActivationPlot.h"
#include "ui/stepper/BackwardStepper.h"
#include "ui/stepper/StepperCanvas.h"
#include "ui/stepper/StepperLens.h"
#include "ui/stepper/LessonPanels.h"
#include "ui/stepper/Stepper.h"
#include "ui/window/MainWindow.h"
#include "ui/architectures/ArchitectureGraphView.h"
#include "ui/architectures/ArchitectureTab.h"
#include "ui/training/TrainingForm.h"
#include "ui/training/TrainingInspector.h"
#include "ui/training/TrainingPanel.h"
#include "ui/core/Workspace.h"

#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/lessons/BackwardLesson.h"
#include "engine/lessons/Filtering.h"
#include "engine/lessons/ConvolutionLessons.h"
#include "engine/lessons/Kernels.h"

#include <QCheckBox>
#include <QComboBox>
#include <QScrollBar>
#include <QTextBrowser>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QScrollArea>
#include <QListWidget>
#include <QSettings>
#include <QtTest/QtTest>

#include <cmath>
#include <sstream>

using namespace convscope;
using namespace convscope::ui;

namespace {
using test::example;
using test::settle;
QString resource(const QString& name) { return QString::fromStdString(convscope::test::resourcePath(name.toStdString())); }

// The depth of the convolution stage the feature maps show.
int64_t shownDepth(MainWindow& window) {
  settle(window);
  const auto& result = window.featureMaps()->result();
  if (!result || result->stages.size() < 2) return -1;
  return result->stages[1].shape()[1]; // (a derived stage: its shape, its values made only when read)
}

// Starts the window as `convscope ARGS` would.
void start(MainWindow& window, const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const convscope::cli::WindowStart s =
      convscope::cli::checkWindowStart(args, [](const char*) -> const char* { return "offscreen"; }, out, err);
  QVERIFY2(!s.exitStatus, err.str().c_str());
  convscope::cli::applyWindowOptions(window, s.options);
  QApplication::processEvents();
}
} // namespace

class LectureHallTest : public QObject {
  Q_OBJECT
private slots:
  void init() {
    QCoreApplication::setOrganizationName("ConvScopeLectureHallTest");
    QCoreApplication::setApplicationName("ConvScopeLectureHallTest");
    QSettings().clear(); // each test starts as a fresh install
    qputenv("CONVSCOPE_NO_PROMPTS", "1");
  }

  // Issue 27: the student's own file. `convscope model.onnx` and a dropped .onnx show in the
  // Architectures tab (its graph, its layers), not only in Feature maps; a file ConvScope
  // cannot run leaves the tab on the network it showed and lists every operator it lacks.
  void anOnnxFileShowsInTheArchitecturesTabAndARefusedOneChangesNothing() {
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    const QString inception = QString::fromStdString(convscope::test::testDataPath("onnx/inception-module.onnx"));
    start(window, {inception.toStdString()});
    QVERIFY(window.workspace()->hasModel());
    window.showArchitectures();
    ArchitectureTab* tab = window.architectureTab();
    QTRY_COMPARE_WITH_TIMEOUT(tab->networkName(), inception, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(!tab->isBusy() && tab->graphView()->graph(), 30000);
    const Network* shown = window.workspace()->network();
    QVERIFY(shown);
    QCOMPARE(tab->graphView()->graph()->parameters(), shown->parameterCount());
    QCOMPARE(tab->table()->topLevelItemCount() > 0, true);
    // Dropped on the window while the tab is shown: the tab follows.
    const QString lenet = QString::fromStdString(convscope::test::testDataPath("onnx/lenet-batchnorm.onnx"));
    test::drop(&window, lenet);
    QTRY_COMPARE_WITH_TIMEOUT(tab->networkName(), lenet, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(!tab->isBusy() && tab->graphView()->graph(), 30000);
    const int64_t lenetParameters = window.workspace()->network()->parameterCount();
    QCOMPARE(tab->graphView()->graph()->parameters(), lenetParameters);
    // Refused, dropped: the tab keeps LeNet, the window names every operator that blocks it.
    test::drop(&window, QString::fromStdString(convscope::test::testDataPath("onnx/refused-modern.onnx")));
    QApplication::processEvents();
    const QString error = window.errorText();
    QVERIFY2(error.contains("Resize ×1") && error.contains("DepthToSpace ×1") && error.contains("2 of its operators"),
             qPrintable(error));
    QCOMPARE(tab->networkName(), lenet);
    QCOMPARE(window.workspace()->modelPath(), lenet);
    QTRY_VERIFY_WITH_TIMEOUT(!tab->isBusy(), 30000);
    QCOMPARE(tab->graphView()->graph()->parameters(), lenetParameters);
  }

  // Item 1: the stepper on a real image. A digit stepped with Sobel x in presenter mode: its
  // cells carry its grey levels (they were blank white), as computed and as painted; at every
  // cell the current window is in view (zoomed in too); the lens beside the grids shows the
  // step's numbers at 24 px or more.
  void theStepperShowsARealImage() {
    MainWindow window;
    window.show();
    start(window, {example("digit.png").toStdString(), "--kernel", "sobel-x", "--stepper", "--presenter", "--cell",
                   "300"});
    QTRY_COMPARE(window.size(), QSize(1280, 800));
    Stepper* stepper = window.stepper();
    StepperCanvas* canvas = stepper->canvas();
    QCOMPARE(stepper->position(), 300);
    const Tensor& input = window.workspace()->input();
    const int64_t h = input.shape()[2], w = input.shape()[3];
    float largest = 0;
    for (float v : input.values()) largest = std::max(largest, v);
    QVERIFY(largest > 100); // 0–255 pixels
    QApplication::processEvents();
    const QImage shot = canvas->grab().toImage();
    // The padding as resolved for this input ("same" becomes a number).
    const int pad = int(kernelConvolution(window.workspace()->kernels()[0], input.shape(), window.workspace()->convolution())
                            .geometry.padTop);
    const QRect grid = canvas->gridRect(0);
    const int cw = stepper->cellWidth(), ch = stepper->zoom();
    const QRect windowBox = canvas->windowRect();
    int checked = 0;
    for (int64_t r = 0; r < h; ++r)
      for (int64_t c = 0; c < w; ++c) {
        const QColor fill = canvas->valueColour(0, int(r) + pad, int(c) + pad);
        QVERIFY(fill.isValid());
        const int grey = int(std::lround(input.at(0, 0, r, c) / largest * 255));
        QVERIFY2(std::abs(fill.red() - grey) <= 1 && fill.red() == fill.green() && fill.green() == fill.blue(),
                 qPrintable(QStringLiteral("(%1,%2): %3 for %4").arg(r).arg(c).arg(fill.name()).arg(grey)));
        // As painted: the cell's centre (no number on so small a cell), away from the window.
        const QRect cell(grid.topLeft() + QPoint(int(c + pad) * cw, int(r + pad) * ch), QSize(cw, ch));
        if (cell.adjusted(-8, -8, 8, 8).intersects(windowBox) || ch >= 22) continue;
        const QColor painted = shot.pixelColor(cell.center());
        QVERIFY2(std::abs(painted.red() - grey) <= 2, qPrintable(QStringLiteral("(%1,%2) painted %3, not grey %4")
                                                                      .arg(r).arg(c).arg(painted.name()).arg(grey)));
        ++checked;
      }
    QVERIFY(checked > 500);
    const auto inView = [&] {
      const QRect seen(-canvas->pos(), stepper->gridView()->viewport()->size());
      return seen.contains(canvas->windowRect());
    };
    for (int cell = 0; cell < stepper->cellCount(); ++cell) {
      stepper->setPosition(cell);
      QVERIFY2(inView(), qPrintable(QStringLiteral("cell %1").arg(cell)));
    }
    // The lens: the step's numbers large.
    QVERIFY(stepper->lens()->isVisible());
    stepper->setPosition(300);
    (void)stepper->lens()->grab();
    QVERIFY2(stepper->lens()->smallestDigits() >= 24, qPrintable(QString::number(stepper->lens()->smallestDigits())));
    // Zoomed in far (the window then scrolls): the view follows it across a row and down.
    for (int i = 0; i < 12; ++i) stepper->zoomIn();
    QVERIFY(stepper->zoom() >= 60);
    for (int cell = 0; cell < stepper->cellCount(); cell += 7) {
      stepper->setPosition(cell);
      QVERIFY2(inView(), qPrintable(QStringLiteral("zoomed in, cell %1").arg(cell)));
    }
  }

  // Item 6: every activation the window offers is stepped as itself (it was always ReLU),
  // cell by cell equal to the engine's, with its function plotted beside the cell.
  void theActivationStepperStepsTheChosenFunction() {
    for (const char* name : {"tanh", "sigmoid", "leaky-relu", "relu6", "relu"}) {
      MainWindow window;
      window.show();
      start(window, {example("six.txt").toStdString(), "--kernel", example("filter1.txt").toStdString(),
                     "--activation", name, "--step", "activation"});
      Stepper* stepper = window.stepper();
      QCOMPARE(stepper->mode(), Stepper::Mode::Activation);
      const ActivationKind kind = activationFromString(name);
      QVERIFY(window.workspace()->activation() == kind);
      // The engine: the convolution of the lecture's 6×6 with filter 1, then the activation.
      ReferenceBackend backend;
      FilterOptions options = window.workspace()->convolution();
      options.activation = kind;
      const Tensor engine = applyFilterBank(backend, window.workspace()->input(), window.workspace()->kernels(), options);
      const Tensor& stepped = stepper->activated();
      QCOMPARE(stepped.size(), engine.size());
      QVERIFY(stepper->cellCount() == 16);
      bool someNegative = false;
      for (int cell = 0; cell < stepper->cellCount(); ++cell) {
        stepper->setPosition(cell);
        QCOMPARE(stepped.data()[cell], engine.data()[cell]);
        QVERIFY(stepper->activationPlot()->shownKind() == kind);
        QCOMPARE(float(stepper->activationPlot()->shownPoint().y()), engine.data()[cell]);
        someNegative = someNegative || stepper->activationPlot()->shownPoint().x() < 0;
      }
      QVERIFY(someNegative); // the lecture's filter 1 gives negatives: where the functions differ
      QVERIFY(stepper->activationPlot()->isVisible());
      const QString title = QString::fromStdString(activationTitle(kind));
      QVERIFY2(stepper->arithmeticText().contains(title + "(x)") ||
                   (kind == ActivationKind::Sigmoid && stepper->arithmeticText().contains("σ(x) = 1 / (1 + e⁻ˣ)")),
               qPrintable(stepper->arithmeticText()));
      if (kind != ActivationKind::ReLU) QVERIFY(!stepper->arithmeticText().contains("max(0, x) ="));
    }
  }

  // Item 3: the Architectures tab on a projector. Presenting, the selected block fills the
  // graph with its text at 18 px or more (GoogLeNet's inception module opened: all four
  // branches in view), the explanation shows whole, the table steps aside; the graph can run
  // left to right.
  void theArchitecturesFitAProjector() {
    MainWindow window;
    window.show();
    window.showArchitectures();
    ArchitectureTab* tab = window.architectureTab();
    QSignalSpy loaded(tab, &ArchitectureTab::loaded);
    tab->openNetwork("googlenet");
    QTRY_VERIFY_WITH_TIMEOUT(loaded.count() >= 1 && !tab->isBusy(), 60000);
    window.setPresenterMode(true);
    QTRY_COMPARE(window.size(), QSize(1280, 800));
    QApplication::processEvents();
    ArchitectureGraphView* graph = tab->graphView();
    QVERIFY(graph->width() > 700); // the graph takes most of the screen
    QVERIFY(!tab->tableView()->isVisible());
    tab->find("inception4a");
    int block = graph->selectedBlock();
    QVERIFY(block >= 0);
    graph->setBlockCollapsed(block, false); // opened: its four branches
    graph->selectBlock(block);
    graph->zoomToSelection(18);
    QVERIFY2(graph->textPixels() >= 18, qPrintable(QString::number(graph->textPixels())));
    const QRect shown = graph->mapFromScene(graph->blockRect(block)).boundingRect();
    QVERIFY2(shown.left() >= 0 && shown.right() <= graph->viewport()->width(),
             qPrintable(QStringLiteral("block %1..%2 in a view %3 wide").arg(shown.left()).arg(shown.right())
                            .arg(graph->viewport()->width())));
    // The explanation: whole (no scrolling) and large.
    tab->find("inception4b");
    QApplication::processEvents();
    QCOMPARE(tab->ideaPanel()->verticalScrollBar()->maximum(), 0);
    QVERIFY(QFontInfo(tab->ideaPanel()->font()).pixelSize() >= 18);
    QVERIFY(tab->ideaText().contains("inception4b"));
    // Left to right: the graph is wider than tall, and remembered.
    auto* lr = tab->findChild<QCheckBox*>("leftToRight");
    QVERIFY(lr);
    lr->setChecked(true);
    QVERIFY(graph->leftToRight());
    QVERIFY(graph->sceneRect().width() > graph->sceneRect().height());
    QVERIFY(QSettings().value("architectureLeftToRight").toBool());
    lr->setChecked(false);
  }

  // Item 5: the backward stepper learns on a digit (0–255 pixels, scaled into [0, 1] and
  // said so), the error falling loop after loop; the header shows E only from the error step.
  void theBackwardStepperLearnsOnADigit() {
    MainWindow window;
    window.show();
    start(window, {example("digit.png").toStdString(), "--kernel", example("filter1.txt").toStdString(), "--step",
                   "backward"});
    BackwardStepper* b = window.stepper()->backward();
    QVERIFY2(b->lesson(), qPrintable(b->problemText()));
    QCOMPARE(b->lesson()->setup().inputScale, 255.0f);
    auto* header = b->findChild<QLabel*>("backwardLoop");
    QVERIFY(header);
    QVERIFY2(!header->text().contains("E ="), qPrintable(header->text())); // not reached yet
    using Stage = BackwardLesson::Stage;
    QVERIFY(b->goTo(1, Stage::Error, 0));
    QVERIFY2(header->text().contains("E = "), qPrintable(header->text()));
    std::vector<double> errors;
    for (int loop = 1; loop <= 4; ++loop) {
      QVERIFY(b->goTo(loop, Stage::Error, 0));
      errors.push_back(b->lesson()->error());
      // The update moves the weights: the gradients are not vanishing (7.5e−27 before).
      QVERIFY2(std::fabs(b->lesson()->biasGradient()) > 1e-6, qPrintable(QString::number(b->lesson()->biasGradient())));
    }
    for (size_t i = 1; i < errors.size(); ++i)
      QVERIFY2(errors[i] < errors[i - 1], qPrintable(QStringLiteral("loop %1: %2 after %3").arg(i + 1).arg(errors[i]).arg(errors[i - 1])));
    QVERIFY(errors.back() < errors.front() * 0.9);
    QVERIFY(b->goTo(1, Stage::Convolution, 0));
    QVERIFY(b->panel("input ÷ 255")); // the scaling said where the input is drawn
  }

  // Item 8: the fully connected stepper in presenter mode on the trained LeNet-5 (84
  // features, 10 classes): every number at 24 px or more, every class's bar in view.
  void theFullyConnectedStepperPresentsLarge() {
    MainWindow window;
    window.show();
    start(window, {example("digit.png").toStdString(), "--model", resource("models/lenet5-digits.json").toStdString(),
                   "--step", "fc", "--presenter"});
    QTRY_COMPARE(window.size(), QSize(1280, 800));
    Stepper* stepper = window.stepper();
    QCOMPARE(stepper->mode(), Stepper::Mode::FullyConnected);
    QCOMPARE(stepper->cellCount(), 10);
    QTRY_VERIFY(stepper->gridView()->viewport()->width() > 900); // laid out full screen
    QTRY_VERIFY(stepper->zoom() > 30);                          // and the cells refitted to it
    stepper->setPosition(9); // the last logit: the bars show
    QApplication::processEvents();
    (void)stepper->canvas()->grab();
    QVERIFY2(stepper->smallestDigitPixels() >= 24, qPrintable(QString::number(stepper->smallestDigitPixels())));
    QVERIFY(stepper->gridsFit());
    const QRect bars = stepper->canvas()->lastGridRect();
    const QRect seen(-stepper->canvas()->pos(), stepper->gridView()->viewport()->size());
    QVERIFY2(seen.contains(bars.adjusted(0, 24, 0, 0)), "the bars of 8 and 9 are off screen");
  }

  // Item 9: one rule for depth: a kernel spans the input's channels unless per-channel
  // (depthwise) is asked for. Seven kernels on the coffee photo: depth 7 from the sample (in
  // grey), from the command line and from a drop (in colour); 21 only with --per-channel.
  void depthIsTheNumberOfFiltersEverywhere() {
    const std::vector<std::string> table = {"identity", "edge-cross", "laplacian-4", "laplacian-8",
                                            "sharpen", "box-blur", "gaussian-blur"};
    const std::string coffee = resource("samples/coffee.png").toStdString();
    {
      MainWindow window;
      window.show();
      auto* gallery = window.findChild<QListWidget*>("sampleGallery");
      QVERIFY(gallery);
      const auto items = gallery->findItems("Kernel table on a photo", Qt::MatchExactly);
      QCOMPARE(items.size(), 1);
      emit gallery->itemClicked(items.first());
      QCOMPARE(shownDepth(window), int64_t(7));
    }
    std::vector<std::string> args{coffee};
    for (const std::string& k : table) args.insert(args.end(), {"--kernel", k});
    {
      MainWindow window;
      window.show();
      start(window, args);
      QCOMPARE(window.workspace()->input().shape()[1], int64_t(3)); // in colour
      QCOMPARE(shownDepth(window), int64_t(7));
      // The stepper steps one of them over all three channels, summed: three input grids.
      window.showStepper();
      QCOMPARE(window.stepper()->arithmeticText().count("channel "), 3);
    }
    {
      MainWindow window;
      window.show();
      // The bank first, then the photo dropped on the window (a drop opens it as File → Open does).
      std::vector<NamedKernel> bank;
      for (const std::string& k : table) bank.push_back({k, findClassicKernel(k)->weights});
      window.workspace()->setKernels(bank);
      QVERIFY(window.openFile(QString::fromStdString(coffee)));
      QCOMPARE(shownDepth(window), int64_t(7));
    }
    args.push_back("--per-channel");
    {
      MainWindow window;
      window.show();
      start(window, args);
      QCOMPARE(shownDepth(window), int64_t(21));
    }
  }

  // Item 10, the smaller findings, each as the lecturer met it.
  void theSmallerFindingsAreFixed() {
    // The F9 overlay moves off the output grid when the pooling mode is changed in it.
    {
      MainWindow window;
      window.show();
      start(window, {example("pool-max.txt").toStdString(), "--step", "pooling", "--presenter"});
      QTRY_COMPARE(window.size(), QSize(1280, 800));
      window.activateWindow();
      QTest::keyClick(&window, Qt::Key_F9);
      QWidget* overlay = window.settingsOverlay();
      QVERIFY(overlay && overlay->isVisible());
      for (int mode : {1, 2, 0}) { // average, sum, max in the overlay's pooling box
        QComboBox* pooling = nullptr;
        for (QComboBox* box : overlay->findChildren<QComboBox*>())
          if (box->findText("average") >= 0) pooling = box;
        QVERIFY(pooling);
        pooling->setCurrentIndex(mode);
        QApplication::processEvents();
        QApplication::processEvents();
        const QRect output = window.stepper()->outputGridRect();
        QVERIFY(!output.isEmpty());
        const QRect onWindow(window.stepper()->mapTo(&window, output.topLeft()), output.size());
        QVERIFY2(!overlay->geometry().intersects(onWindow), qPrintable(QStringLiteral("mode %1").arg(mode)));
      }
    }
    // Page Down and Page Up step through the samples, presenting (a clicker's keys).
    {
      MainWindow window;
      window.show();
      window.setPresenterMode(true);
      window.activateWindow();
      QVERIFY(QTest::qWaitForWindowActive(&window));
      QTest::keyClick(&window, Qt::Key_PageDown);
      const QString first = window.workspace()->inputName();
      QTest::keyClick(&window, Qt::Key_PageDown);
      const QString second = window.workspace()->inputName();
      QVERIFY2(first != second, qPrintable(first));
      QTest::keyClick(&window, Qt::Key_PageUp);
      QCOMPARE(window.workspace()->inputName(), first);
    }
    // The Architectures tab: the first layer, selected by itself, can be stepped; a model
    // opened in the window is what Ctrl+4 shows, not the preset from before.
    {
      MainWindow window;
      window.show();
      window.showArchitectures();
      ArchitectureTab* tab = window.architectureTab();
      QSignalSpy loaded(tab, &ArchitectureTab::loaded);
      tab->openNetwork("lenet5");
      QTRY_VERIFY_WITH_TIMEOUT(loaded.count() >= 1 && !tab->isBusy() && tab->shownNode() == 0, 60000);
      QPushButton* step = nullptr;
      for (QPushButton* b : tab->findChildren<QPushButton*>())
        if (b->text().contains("Stepper")) step = b;
      QVERIFY(step);
      QVERIFY(step->isEnabled());
      window.showFeatureMaps();
      const QString model = resource("models/lenet5-digits.json");
      QVERIFY(window.openModel(model));
      window.activateWindow();
      QTest::keyClick(&window, Qt::Key_4, Qt::ControlModifier);
      QTRY_COMPARE_WITH_TIMEOUT(tab->networkName(), model, 60000);
    }
    // Presenting the Training tab: the confusion matrix's counts and the filters large.
    {
      MainWindow window;
      window.show();
      window.showTraining();
      window.setPresenterMode(true);
      TrainingPanel* panel = window.trainingPanel();
      panel->form()->trainImagesBox()->setValue(256);
      panel->form()->epochsBox()->setValue(1);
      QSignalSpy finished(panel, &TrainingPanel::trainingFinished);
      panel->start();
      QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
      QApplication::processEvents();
      QVERIFY2(panel->inspector()->confusionDigitPixels() >= 24,
               qPrintable(QString::number(panel->inspector()->confusionDigitPixels())));
      (void)window.grab();
      QVERIFY2(panel->inspector()->filterTilePixels() >= 60,
               qPrintable(QString::number(panel->inspector()->filterTilePixels())));
    }
  }

  // Item 11: the slides that had nothing to show. Convolution as a sparse, weight-shared
  // fully connected layer (M: 16 × 36 for the 6×6 example, nine shared weights a row, M·x + b
  // = the convolution) and pooling after a one-pixel shift (the keys M and S); the
  // activation functions are plotted beside the activation mode (item 6).
  void theSlidesWithNothingToShowShowIt() {
    MainWindow window;
    window.show();
    start(window, {example("six.txt").toStdString(), "--kernel", example("filter1.txt").toStdString(), "--stepper"});
    Stepper* stepper = window.stepper();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QTest::keyClick(&window, Qt::Key_M);
    QCOMPARE(stepper->mode(), Stepper::Mode::Convolution);
    MatrixPanel* matrix = stepper->matrixPanel();
    QVERIFY(matrix->isVisible());
    QVERIFY(matrix->matrix().has_value());
    QCOMPARE(matrix->matrix()->rows, int64_t(16));
    QCOMPARE(matrix->matrix()->columns, int64_t(36));
    QCOMPARE(matrix->matrix()->nonZero, int64_t(144));
    QCOMPARE(matrix->largestDifference(), 0.0f);
    QVERIFY2(matrix->summary().contains("every row holds the same 9 weights"), qPrintable(matrix->summary()));
    (void)matrix->grab();
    QTest::keyClick(&window, Qt::Key_M);
    QVERIFY(!matrix->isVisible());
    // Pooling after a shift: the panel's counts are the engine's.
    QTest::keyClick(&window, Qt::Key_S);
    QCOMPARE(stepper->mode(), Stepper::Mode::Pooling);
    ShiftPanel* shift = stepper->shiftPanel();
    QVERIFY(shift->isVisible());
    QVERIFY(shift->comparison().has_value());
    ReferenceBackend backend;
    const ShiftComparison expected = compareShifted(backend, stepper->activated(), window.workspace()->pool(), 0, 1);
    QCOMPARE(shift->comparison()->same, expected.same);
    QCOMPARE(shift->comparison()->changedInput, expected.changedInput);
    QVERIFY2(shift->summary().contains(QStringLiteral("%1 of the %2 pooled values did not").arg(expected.same).arg(expected.pooled.size())),
             qPrintable(shift->summary()));
    shift->setShift(1, 0);
    QVERIFY(shift->summary().contains("shifted 1 pixel down"));
    (void)shift->grab();
  }

  // Item 7: no raw float reaches the screen: three significant digits by default, the box
  // blur's typed 1/9 kept as a fraction, in the arithmetic and in the grids.
  void numbersReadAsASlidePrintsThem() {
    MainWindow window;
    window.show();
    start(window, {example("six.txt").toStdString(), "--kernel", "box-blur", "--stepper"});
    Stepper* stepper = window.stepper();
    const QString text = stepper->arithmeticText();
    QVERIFY2(text.contains("·(1/9)"), qPrintable(text));
    QVERIFY2(!text.contains("0.11111"), qPrintable(text));
    // Every number in it has at most three significant digits or is a fraction.
    static const QRegularExpression longNumber(QStringLiteral("\\.\\d{4,}"));
    QVERIFY2(!longNumber.match(QString(text).remove(QRegularExpression("output\\(\\d+,\\d+\\)"))).hasMatch(), qPrintable(text));
    // The formatter itself: the examples.
    QCOMPARE(QString::fromStdString(formatSlide(-0.23999998f)), QStringLiteral("−0.24"));
    QCOMPARE(QString::fromStdString(formatSlide(1.0f / 9, kSlideDigits, true)), QStringLiteral("1/9"));
    QCOMPARE(QString::fromStdString(formatSlide(1.0f / 9)), QStringLiteral("0.111"));
    QCOMPARE(QString::fromStdString(formatSlide(7.517339e-27)), QStringLiteral("7.52e−27"));
    QCOMPARE(QString::fromStdString(formatSlide(-779.0)), QStringLiteral("−779"));
    QCOMPARE(QString::fromStdString(formatSlide(0.48999995f)), QStringLiteral("0.49"));
    QCOMPARE(QString::fromStdString(formatTyped(0.1234567f)), QStringLiteral("0.1234567")); // editors stay exact
  }
};

QTEST_MAIN(LectureHallTest)
#include "LectureHallTest.moc"

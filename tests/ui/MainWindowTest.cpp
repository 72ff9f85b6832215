// QtTest (offscreen) driving the real main window: a simulated drop loads an image and
// fills the feature maps; stride and padding change the stepper's grid and formula; the
// RGB example steps to (0,0) with −25 and its channel sums; a non-image drop shows an
// error and keeps the previous image; keyboard stepping; presenter mode.
#include "ui/window/MainWindow.h"
#include "common/TestPaths.h"
#include "UiTestUtils.h"
#include "common/ImageBombs.h"

#include "ui/export/AnimationExport.h"
#include "ui/stepper/BackwardStepper.h"
#include "ui/maps/ControlPanels.h"
#include "ui/training/DrawingPad.h"
#include "ui/maps/FeatureMapView.h"
#include "ui/training/LayerEditor.h"
#include "ui/maps/PipelineRunner.h"
#include "ui/maps/SaliencyDialog.h"
#include "ui/maps/NormalizationDialog.h"
#include "ui/stepper/Stepper.h"
#include "ui/stepper/TransposedStepper.h"
#include "ui/applications/ApplicationsTab.h"
#include "ui/applications/DetectionPage.h"
#include "ui/applications/GanPanel.h"
#include "ui/applications/SuperResolutionPanel.h"
#include "ui/applications/GenerationPage.h"
#include "ui/applications/ImageGrid.h"
#include "ui/applications/LatentPlaneView.h"
#include "ui/applications/VaePanel.h"
#include "engine/generative/Vae.h"
#include "engine/detection/AveragePrecision.h"
#include <QTableWidget>
#include "ui/applications/SegmentationPage.h"
#include "ui/training/TrainingCurves.h"
#include "ui/training/TrainingForm.h"
#include "ui/training/TrainingInspector.h"
#include "ui/training/TrainingPanel.h"
#include "ui/core/Workspace.h"

#include "engine/lessons/BackwardLesson.h"
#include "engine/network/LayerList.h"
#include "engine/io/MatrixText.h"
#include "engine/io/ModelFile.h"
#include "engine/layers/Dense.h"
#include "engine/layers/LayerKind.h"
#include "engine/io/Onnx.h"
#include "engine/io/LectureFile.h"
#include "engine/training/Optimizer.h"
#include "engine/network/Presets.h"
#include "engine/backend/reference/ExplainBackward.h"
#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/lessons/TransposedConvolution.h"
#include "engine/training/Scenes.h"
#include "engine/training/Segmentation.h"

#include <QElapsedTimer>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QTimer>

#include <QCheckBox>
#include <QComboBox>
#include <QDirIterator>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QDropEvent>
#include <QMimeData>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QtTest/QtTest>
#include <qcustomplot.h>

using namespace convscope;
using namespace convscope::ui;

namespace {
using test::drop;
using test::example;
using test::settle;
} // namespace

class MainWindowTest : public QObject {
  Q_OBJECT
private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName("ConvScopeTest");
    QCoreApplication::setApplicationName("ConvScopeTest");
    QSettings().clear();                  // start from defaults
    qputenv("CONVSCOPE_NO_PROMPTS", "1"); // no modal questions on close
  }

  void trainingAFewHundredImagesFillsTheCurvesAndChangesTheFilters() {
    MainWindow window;
    window.show();
    TrainingPanel* panel = window.trainingPanel();
    panel->form()->trainImagesBox()->setValue(320);
    panel->form()->epochsBox()->setValue(1);
    panel->form()->batchBox()->setValue(32);
    // What the command line offers: weight decay, the rate's schedule, the initialization.
    panel->findChild<QDoubleSpinBox*>("weightDecayBox")->setValue(0.0001);
    panel->findChild<QSpinBox*>("rateStepBox")->setValue(2);
    panel->findChild<QDoubleSpinBox*>("rateFactorBox")->setValue(0.5);
    panel->findChild<QComboBox*>("initBox")->setCurrentText("lecun"); // what auto picks for tanh LeNet-5
    QSignalSpy finished(panel, &TrainingPanel::trainingFinished);
    panel->start();
    QVERIFY(panel->isTraining());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
    QCOMPARE(panel->curves()->lossPoints(), 10); // 320 images in batches of 32
    QCOMPARE(panel->curves()->accuracyPoints(), 1);
    QCOMPARE(panel->progress(), 100);
    Network initial = makePreset("lenet5"); // the same seed's starting filters
    initialize(initial, InitScheme::Auto, 1);
    QCOMPARE(panel->inspector()->filters().shape(), (Shape{6, 1, 5, 5}));
    QVERIFY(panel->inspector()->filters().values() != initial.parameters()[0]->values());
    QVERIFY(panel->hasUnsavedModel());
    // Gradient flow: one curve per layer with weights (LeNet-5: two convolutions, three fully
    // connected), a positive norm for every batch.
    QCustomPlot* flow = panel->curves()->gradientPlot();
    QCOMPARE(flow->graphCount(), 5);
    QCOMPARE(flow->graph(0)->name(), QStringLiteral("conv1"));
    for (int g = 0; g < flow->graphCount(); ++g) {
      QCOMPARE(flow->graph(g)->dataCount(), 10);
      QVERIFY(flow->graph(g)->data()->at(0)->value > 0);
    }
    // Changing the smoothing redraws the whole smoothed curve: 0 follows the raw losses.
    const std::vector<double> smoothed = panel->curves()->smoothedLoss();
    panel->form()->smoothingBox()->setValue(0.0);
    const std::vector<double> raw = panel->curves()->smoothedLoss();
    QCOMPARE(raw.size(), smoothed.size());
    QCOMPARE(raw.front(), smoothed.front()); // the first point is the first loss either way
    QVERIFY(raw.back() != smoothed.back());
    panel->form()->smoothingBox()->setValue(0.9);
    QCOMPARE(panel->curves()->smoothedLoss(), smoothed);
    // The curves export: CSV rows for every point of the four series; PNG and PDF files.
    QTemporaryDir exports;
    if (qEnvironmentVariableIsSet("CONVSCOPE_KEEP_EXPORTS")) exports.setAutoRemove(false), qInfo() << exports.path();
    QVERIFY(panel->curves()->exportTo(exports.filePath("curves.csv")));
    QFile csv(exports.filePath("curves.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 1 + 10 + 10 + 1 + 1); // header, loss and smoothed per batch, two accuracies
    QCOMPARE(lines[0], QStringLiteral("series,x,y"));
    QVERIFY(lines[1].startsWith("loss,32,"));
    QVERIFY(lines.last().startsWith("test_accuracy_percent,1,"));
    QVERIFY(panel->curves()->exportTo(exports.filePath("curves.png")));
    QImage png(exports.filePath("curves.png"));
    QVERIFY(!png.isNull() && png.height() > png.width() / 4);
    QVERIFY(panel->curves()->exportTo(exports.filePath("curves.pdf")));
    QVERIFY(QFileInfo(exports.filePath("curves.pdf")).size() > 1000);
    QVERIFY(!panel->curves()->exportTo("/no/such/folder/curves.csv"));
    // The curves as SVG: the axes' labels stay text. The tab's tables: the epoch's numbers
    // and the confusion matrix (one row per digit, each image counted once).
    QVERIFY(panel->curves()->exportTo(exports.filePath("curves.svg")));
    QVERIFY2(convscope::test::svgText(exports.filePath("curves.svg")).contains("accuracy"),
             qPrintable(convscope::test::svgText(exports.filePath("curves.svg"))));
    const std::vector<Figure> figures = panel->figures();
    const auto figure = [&figures](const QString& name) {
      return std::find_if(figures.begin(), figures.end(), [&name](const Figure& f) { return f.name == name; });
    };
    QVERIFY(figure("epochs") != figures.end() && figure("confusion-table") != figures.end() &&
            figure("confusion-matrix") != figures.end() && figure("filters-and-maps") != figures.end());
    QCOMPARE(figure("epochs")->table->rows.size(), size_t(1));
    const TextTable confusion = *figure("confusion-table")->table;
    QCOMPARE(confusion.rows.size(), size_t(10));
    int inTable = 0;
    for (const auto& row : confusion.rows)
      for (size_t c = 1; c <= 10; ++c) inTable += std::stoi(row[c]);
    QCOMPARE(inTable, 2000); // the digits' test set
    QVERIFY(writeFigure(*figure("confusion-table"), exports.filePath("confusion.md")).isEmpty());
    QVERIFY(writeFigure(*figure("confusion-matrix"), exports.filePath("confusion.svg")).isEmpty());
    QVERIFY(convscope::test::pdfRenders(exports.filePath("curves.pdf")));
    // The run as an animation: its recorded frames, one GIF frame each.
    const std::vector<QImage> frames = panel->runFrames();
    QCOMPARE(int(frames.size()), panel->runFrameCount());
    QVERIFY(frames.size() >= 2);              // at least the epoch's end and the run's end
    QVERIFY(frames.front() != frames.back()); // the curves grew, the filters changed
    QVERIFY(!frames.front().isNull() && frames.front().height() > 200);
    writeAnimation(exports.filePath("run.gif").toStdString(), rgbFrames(frames), 8);
    QCOMPARE(convscope::test::gifFrames(exports.filePath("run.gif")), int(frames.size()));
    // The chosen test image through the current weights: the image, conv1's and conv2's maps.
    QCOMPARE(panel->inspector()->testMapRows(), 3);
    QCOMPARE(panel->inspector()->testImageBox()->maximum(), 1999);
    panel->inspector()->testImageBox()->setValue(7);
    QCOMPARE(panel->inspector()->testMapRows(), 3);
    // The confusion matrix counts every evaluated test image; the wrong ones are shown.
    int counted = 0, correct = 0;
    for (size_t i = 0; i < panel->inspector()->confusion().size(); ++i) counted += panel->inspector()->confusion()[i];
    for (int k = 0; k < 10; ++k) correct += panel->inspector()->confusion()[size_t(k * 10 + k)];
    QCOMPARE(counted, 2000);
    QVERIFY(panel->inspector()->misclassifiedShown() > 0 || correct == counted);
    // The drawing pad: a vertical stroke, read by the current network.
    DrawingPad* pad = panel->inspector()->drawingPad();
    pad->resize(200, 200);
    pad->drawStroke(QPointF(100, 30), QPointF(100, 170));
    const Tensor d = pad->digit(); // MNIST-like: centred by mass in 28x28, at most 20 high
    double mass = 0, cy = 0, cx = 0;
    int rows = 0;
    for (int y = 0; y < 28; ++y) {
      bool any = false;
      for (int x = 0; x < 28; ++x) {
        const float v = d.at(0, 0, y, x);
        mass += v, cy += v * y, cx += v * x;
        any = any || v > 0;
      }
      rows += any;
    }
    QVERIFY(std::abs(cy / mass - 14) < 1.0 && std::abs(cx / mass - 14) < 1.0);
    QVERIFY(rows <= 21);
    const std::vector<float> p = panel->inspector()->drawingProbabilities();
    QCOMPARE(p.size(), size_t(10));
    float total = 0;
    for (float v : p) total += v;
    QVERIFY(std::abs(total - 1.0f) < 1e-4f);
    // Why did it say that? Each method's map over the drawing, redrawn as the method changes.
    for (int m = 0; m < 3; ++m) {
      panel->inspector()->saliencyMethodBox()->setCurrentIndex(m);
      const QImage why = panel->inspector()->drawingSaliency();
      QVERIFY2(!why.isNull(), qPrintable(panel->inspector()->saliencyMethodBox()->currentText()));
      QVERIFY(why.width() >= 168);
    }
    QTemporaryDir dir;
    QVERIFY(panel->saveModel(dir.filePath("trained.json")));
    QVERIFY(window.workspace()->hasModel()); // the saved model opens in the view
    QVERIFY(!panel->hasUnsavedModel());
    // The file carries the same training note as the command line's train --save.
    const Model saved = loadModel(dir.filePath("trained.json").toStdString());
    QVERIFY(saved.info.training.has_value());
    QCOMPARE(saved.info.training->epochs, 1);
    QCOMPARE(saved.info.training->dataset, std::string("digits"));
    QCOMPARE(saved.info.training->recipe,
             std::string("sgd lr 0.05 momentum 0.9 weight-decay 0.0001 lr-step 2 gamma 0.5 batch 32 loss ce seed 1 "
                         "init lecun"));
    QVERIFY(saved.info.training->testAccuracy > 0.1);
  }

  // Every epoch leaves a checkpoint; Resume… goes on from it to the Epochs box's total,
  // with the checkpoint's recipe; a file that is no checkpoint is refused with a message.
  void aRunResumesFromItsCheckpoint() {
    MainWindow window;
    window.show();
    TrainingPanel* panel = window.trainingPanel();
    QFile::remove(panel->form()->lastCheckpoint());
    panel->form()->trainImagesBox()->setValue(128);
    panel->form()->epochsBox()->setValue(2);
    panel->form()->batchBox()->setValue(32);
    QVERIFY(panel->findChild<QCheckBox*>("checkpointBox")->isChecked()); // on unless switched off
    QSignalSpy finished(panel, &TrainingPanel::trainingFinished);
    panel->start();
    QVERIFY(!panel->findChild<QPushButton*>("resumeFileButton")->isEnabled()); // not while a run goes on
    QVERIFY(!panel->findChild<QCheckBox*>("checkpointBox")->isEnabled());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
    QVERIFY(panel->findChild<QPushButton*>("resumeFileButton")->isEnabled());
    const Model checkpoint = loadModel(panel->form()->lastCheckpoint().toStdString());
    QVERIFY(checkpoint.info.checkpoint.has_value());
    QCOMPARE(checkpoint.info.checkpoint->state.epochsDone, 2);
    QVERIFY(!panel->resumeFrom(QString::fromStdString(convscope::test::sourcePath("tests/ui/UiTestUtils.h")))); // not a model file at all
    QVERIFY2(panel->statusText().startsWith("Cannot resume from UiTestUtils.h: "), qPrintable(panel->statusText()));
    QVERIFY(panel->resumeFrom(panel->form()->lastCheckpoint())); // Epochs 2 is done: it asks for one more
    QCOMPARE(panel->form()->epochsBox()->value(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 60000);
    QVERIFY2(finished.last().at(0).toBool(), qPrintable(finished.last().at(1).toString()));
    QCOMPARE(panel->curves()->accuracyPoints(), 1); // this run's one epoch
    QCOMPARE(loadModel(panel->form()->lastCheckpoint().toStdString()).info.checkpoint->state.epochsDone, 3);
    QFile::remove(panel->form()->lastCheckpoint());
  }

  // The layer editor checks every line as it is typed; its network trains; Reset forgets it.
  void theLayerEditorBuildsANetworkThatTrains() {
    LayerEditor editor(QString::fromStdString(layerListText(makePreset("lenet5"))));
    QVERIFY(editor.check().fits());
    QVERIFY2(editor.summary().startsWith("61,706 parameters"), qPrintable(editor.summary()));
    QCOMPARE(editor.table()->rowCount(), 14); // the input and 13 layers
    QCOMPARE(editor.table()->item(1, 2)->text(), QStringLiteral("6×28×28"));
    QCOMPARE(editor.table()->item(1, 1)->text(), QStringLiteral("conv1 (conv)"));
    QCOMPARE(editor.table()->item(2, 1)->text(), QStringLiteral("act1 (tanh)"));
    QCOMPARE(editor.table()->item(3, 1)->text(), QStringLiteral("pool1 (avgpool)"));
    // A kernel too large for what reaches it: the line says so, later lines are not checked.
    editor.setText("input 1x32x32\nconv 6 5x5\nmaxpool 2x2\nconv 16 15x15\nflatten\ndense 10\n");
    QVERIFY(!editor.check().fits());
    QCOMPARE(editor.summary(),
             QStringLiteral("line 4: Conv2D 'conv2': kernel 15x15 is larger than the padded input 14x14"));
    QCOMPARE(editor.table()->item(2, 2)->text(), QStringLiteral("6×14×14"));
    QCOMPARE(editor.table()->item(4, 1)->text(), QStringLiteral("not checked: a line above does not fit"));
    // Its table exports as shown, the line that does not fit with its reason.
    const TextTable shown = editor.tableText();
    QCOMPARE(shown.rows.size(), size_t(6));
    QCOMPARE(shown.rows[3][1], std::string("Conv2D 'conv2': kernel 15x15 is larger than the padded input 14x14"));
    QTemporaryDir tables;
    QVERIFY(writeFigure(tableFigure(shown, editor.font(), "layers", "t"), tables.filePath("layers.md")).isEmpty());
    QVERIFY(writeFigure(tableFigure(shown, editor.font(), "layers", "t"), tables.filePath("layers.svg")).isEmpty());
    QVERIFY(convscope::test::svgText(tables.filePath("layers.svg")).contains("6×14×14"));
    const QString small = "input 1x32x32\nconv 4 5x5 stride 2\nrelu\nconv 8 3x3\nrelu\nflatten\ndense 10\nsoftmax\n";
    editor.setText(small);
    QVERIFY2(editor.check().fits(), qPrintable(editor.summary()));

    MainWindow window;
    window.show();
    TrainingPanel* panel = window.trainingPanel();
    panel->form()->setLayers(editor.text());
    QCOMPARE(panel->form()->modelBox()->currentText(), TrainingForm::customModelName());
    QCOMPARE(panel->form()->currentLayerText(), small);
    panel->form()->trainImagesBox()->setValue(256);
    panel->form()->epochsBox()->setValue(1);
    QSignalSpy finished(panel, &TrainingPanel::trainingFinished);
    panel->start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
    QCOMPARE(panel->inspector()->filters().shape(), (Shape{4, 1, 5, 5}));
    QCOMPARE(panel->inspector()->testMapRows(), 3);
    QCOMPARE(panel->curves()->lossPoints(), 4);
    QVERIFY(panel->hasUnsavedModel());
    QVERIFY(panel->reset());
    QCOMPARE(panel->curves()->lossPoints(), 0);
    QCOMPARE(panel->curves()->accuracyPoints(), 0);
    QCOMPARE(panel->inspector()->testMapRows(), 0);
    QVERIFY(!panel->hasUnsavedModel());

    // A layer-list file: a broken one is refused with its line, a good one is used.
    QTemporaryDir dir;
    QFile bad(dir.filePath("bad.txt"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("input 1x32x32\nconv 4 5x5\ndense 10\n");
    bad.close();
    panel->form()->modelBox()->setCurrentText("lenet5");
    QVERIFY(!panel->form()->openModelFile(bad.fileName()));
    QVERIFY2(panel->statusText().contains("line 3: dense needs a flat input"), qPrintable(panel->statusText()));
    QCOMPARE(panel->form()->modelBox()->currentText(), QStringLiteral("lenet5"));
    QFile good(dir.filePath("good.txt"));
    QVERIFY(good.open(QIODevice::WriteOnly));
    good.write(small.toUtf8());
    good.close();
    QVERIFY(panel->form()->openModelFile(good.fileName()));
    QCOMPARE(panel->form()->currentLayerText(), small);
  }

  void aBadDatasetIsReportedAndTheWindowStays() {
    MainWindow window;
    window.show();
    TrainingPanel* panel = window.trainingPanel();
    QComboBox* dataset = panel->findChild<QComboBox*>("datasetBox");
    QVERIFY(dataset);
    dataset->setEditText("idx:/no/such/folder");
    QSignalSpy finished(panel, &TrainingPanel::trainingFinished);
    panel->start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
    QVERIFY(!finished.first().at(0).toBool());
    QVERIFY2(finished.first().at(1).toString().contains("/no/such/folder: no such folder"),
             qPrintable(finished.first().at(1).toString()));
    QVERIFY(!panel->isTraining());
  }

  void pauseStopsWithinOneBatch() {
    MainWindow window;
    window.show();
    TrainingPanel* panel = window.trainingPanel();
    panel->form()->epochsBox()->setValue(50);
    QSignalSpy finished(panel, &TrainingPanel::trainingFinished);
    panel->start();
    QTRY_VERIFY_WITH_TIMEOUT(panel->batchesReceived() > 5, 30000);
    const auto button = [panel](const QString& text) {
      for (QPushButton* b : panel->findChildren<QPushButton*>())
        if (b->text() == text) return b;
      return static_cast<QPushButton*>(nullptr);
    };
    QVERIFY(button("Pause")->isEnabled() && !button("Resume")->isEnabled() && !button("Step")->isEnabled());
    panel->pause();
    QVERIFY(!button("Pause")->isEnabled() && button("Resume")->isEnabled() && button("Step")->isEnabled());
    // Batches reported before the pause arrived, and the one in flight, may still come in
    // (under the sanitizers on a busy machine that takes longer than a fast batch): wait until
    // the count stands still; then it must stay.
    // A whole second without a batch: a batch in flight on a machine running another test
    // beside this one took more than the 300 ms this waited before.
    int64_t paused = panel->batchesReceived();
    for (int i = 0; i < 25; ++i) {
      QTest::qWait(1000);
      if (panel->batchesReceived() == paused) break;
      paused = panel->batchesReceived();
    }
    QTest::qWait(500);
    QCOMPARE(panel->batchesReceived(), paused);
    panel->step();
    QTRY_COMPARE_WITH_TIMEOUT(panel->batchesReceived(), paused + 1, 10000);
    panel->stop();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
    QVERIFY(!panel->isTraining());
  }

  // The trainer and the live pipeline share the compute thread: the feature maps must still
  // follow a new kernel while training runs and while it is paused.
  void featureMapsStayLiveDuringTrainingAndPause() {
    MainWindow window;
    window.show();
    settle(window);
    TrainingPanel* panel = window.trainingPanel();
    panel->form()->epochsBox()->setValue(50);
    QSignalSpy finished(panel, &TrainingPanel::trainingFinished);
    panel->start();
    QTRY_VERIFY_WITH_TIMEOUT(panel->batchesReceived() > 2, 30000);
    window.workspace()->setKernels({{"ones", Tensor(Shape{1, 3, 3}, std::vector<float>(9, 1.0f))}});
    settle(window);
    QVERIFY(panel->isTraining());
    QCOMPARE(window.featureMaps()->result()->stages[1].maps.shape()[1], int64_t(1));
    panel->pause();
    window.workspace()->setKernels({{"a", Tensor(Shape{1, 3, 3}, std::vector<float>(9, 1.0f))},
                                    {"b", Tensor(Shape{1, 3, 3}, std::vector<float>(9, -1.0f))}});
    settle(window);
    QCOMPARE(window.featureMaps()->result()->stages[1].maps.shape()[1], int64_t(2));
    QVERIFY(panel->isTraining());
    panel->stop();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
  }

  void closingDuringTrainingExitsCleanly() {
    QElapsedTimer clock;
    clock.start();
    {
      MainWindow window;
      window.show();
      window.trainingPanel()->form()->epochsBox()->setValue(50);
      window.trainingPanel()->start();
      QTRY_VERIFY_WITH_TIMEOUT(window.trainingPanel()->batchesReceived() > 2, 30000);
      QVERIFY(window.close());
    } // the destructor stops the worker and joins its thread
    QVERIFY(clock.elapsed() < 30000);
  }

  // A trained, unsaved model is not thrown away without asking: Cancel keeps the window.
  void closingAsksBeforeDiscardingAnUnsavedModel() {
    MainWindow window;
    window.show();
    TrainingPanel* panel = window.trainingPanel();
    panel->form()->trainImagesBox()->setValue(64);
    panel->form()->epochsBox()->setValue(1);
    QSignalSpy finished(panel, &TrainingPanel::trainingFinished);
    panel->start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    QVERIFY(panel->hasUnsavedModel());
    qunsetenv("CONVSCOPE_NO_PROMPTS");
    QString question;
    QTimer::singleShot(200, [&question] { // answer the question the window asks
      if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
        question = box->text();
        box->button(QMessageBox::Cancel)->click();
      }
    });
    const bool closed = window.close();
    qputenv("CONVSCOPE_NO_PROMPTS", "1");
    QVERIFY(!closed);
    QCOMPARE(question, QStringLiteral("The trained model is not saved. Save it?"));
    QVERIFY(window.isVisible());
    QVERIFY(panel->hasUnsavedModel());
  }

  // A 1280 × 800 projector: the window fits with its side panels, on every tab; the Training
  // tab hides the panels and leaving it brings them back.
  void theWindowFitsAProjectorAndTrainingTakesTheWholeWidth() {
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.stepper()->setMode(Stepper::Mode::Convolution);
    const QSize least = window.minimumSizeHint();
    QVERIFY2(least.width() <= 1280 && least.height() <= 800,
             qPrintable(QStringLiteral("%1 x %2").arg(least.width()).arg(least.height())));
    const auto visibleDocks = [&] {
      int n = 0;
      for (QDockWidget* d : window.findChildren<QDockWidget*>()) n += d->isVisible();
      return n;
    };
    const int docks = visibleDocks();
    QCOMPARE(docks, 4);
    window.showTraining();
    QCOMPARE(visibleDocks(), 0);
    window.showStepper();
    QCOMPARE(visibleDocks(), docks);
  }

  void showsNameAndVersion() {
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCOMPARE(window.windowTitle(), QStringLiteral("ConvScope " CONVSCOPE_VERSION));
  }

  void dropLoadsAnImageAndFillsTheFeatureMaps() {
    QTemporaryDir dir;
    QImage image(40, 30, QImage::Format_RGB32);
    image.fill(Qt::white);
    for (int x = 0; x < 20; ++x)
      for (int y = 0; y < 30; ++y) image.setPixel(x, y, qRgb(0, 0, 0));
    const QString path = dir.filePath("edge.png");
    QVERIFY(image.save(path));
    MainWindow window;
    window.show();
    window.workspace()->setKernels(
        {{"sobel-x", Tensor(Shape{1, 3, 3}, std::vector<float>{-1, 0, 1, -2, 0, 2, -1, 0, 1})}});
    drop(&window, path);
    QCOMPARE(window.workspace()->inputName(), QStringLiteral("edge.png"));
    QCOMPARE(window.workspace()->input().shape(), (Shape{1, 3, 30, 40}));
    settle(window);
    FeatureMapView* maps = window.featureMaps();
    QCOMPARE(maps->stageCount(), 7); // input, convolution, ReLU, max pooling, flatten, fully connected, softmax
    QCOMPARE(maps->mapCount(1), 1);  // one sobel block on RGB spans the 3 channels: one map (depth 1)
    const PipelineStage& conv = maps->result()->stages[1];
    QCOMPARE(conv.maps.shape(), (Shape{1, 1, 28, 38}));
    QCOMPARE(conv.images[0].maximum, 3 * 4 * 255.0f); // the dark-to-bright edge, in R, G and B summed
    QVERIFY(window.errorText().isEmpty());
    // Any map exports at full resolution; + zooms the tiles.
    const QImage full = maps->fullImage(1, 0);
    QCOMPARE(full.size(), QSize(38, 28));
    // Contrast ×4: a value a tenth of the way up shows as one 4 tenths up would; values stay exact.
    const Palette palette = maps->result()->stages[1].images[0].palette;
    const int zero = palette == Palette::Diverging ? 128 : 0;
    QCOMPARE(full.colorTable().at(zero + 10), paletteQColor(palette, zero + 10).rgb());
    maps->setContrast(4);
    QCOMPARE(maps->fullImage(1, 0).colorTable().at(zero + 10), paletteQColor(palette, zero + 40).rgb());
    QCOMPARE(maps->fullImage(1, 0).colorTable().at(255), paletteQColor(palette, 255).rgb());
    QCOMPARE(maps->result()->stages[1].images[0].maximum, 3 * 4 * 255.0f);
    maps->setContrast(1);
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QTest::keyClick(&window, Qt::Key_BracketRight, Qt::ControlModifier); // View → More Contrast
    QCOMPARE(maps->contrast(), 2);
    QTest::keyClick(&window, Qt::Key_BracketLeft, Qt::ControlModifier);
    QCOMPARE(maps->contrast(), 1);
    const int tile = maps->tileSize();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    window.showFeatureMaps();
    maps->setFocus();
    QTest::keyClick(maps, Qt::Key_Plus);
    QVERIFY(maps->tileSize() > tile);
  }

  // A 160 kB TIFF of 20000×20000 (which OpenCV would decode into 400 MB), a PGM of the same
  // and a WebP of 16000×16000, dropped and opened: each refused by its header with the
  // limit named; the lecture's image stays.
  void imagesLargerThanTheLimitAreRefusedWhenDroppedOrOpened() {
    QTemporaryDir dir;
    const QString tiff = dir.filePath("bomb.tif"), pgm = dir.filePath("bomb.pgm"), webp = dir.filePath("bomb.webp");
    convscope::test::writeFile(tiff.toStdString(), convscope::test::tiffOfZeros(20000));
    convscope::test::writeFile(pgm.toStdString(), convscope::test::pgmHeader(20000, 20000));
    convscope::test::writeFile(webp.toStdString(), convscope::test::webpLosslessHeader(16000, 16000));
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(example("six.txt")));
    const std::vector<float> before = window.workspace()->input().values();
    for (const auto& [file, size] : {std::pair{tiff, "20000×20000"}, {pgm, "20000×20000"}, {webp, "16000×16000"}}) {
      drop(&window, file);
      QVERIFY2(window.errorText().contains(QFileInfo(file).fileName()), qPrintable(window.errorText()));
      QVERIFY2(window.errorText().contains(QString("declares %1").arg(size)), qPrintable(window.errorText()));
      QVERIFY(window.errorText().contains("ConvScope opens images up to 67,108,864 pixels"));
      QVERIFY(!window.openFile(file));
      QCOMPARE(window.workspace()->inputName(), QStringLiteral("six.txt"));
      QCOMPARE(window.workspace()->input().values(), before);
    }
  }

  void droppingANonImageShowsAnErrorAndKeepsThePreviousImage() {
    QTemporaryDir dir;
    const QString notes = dir.filePath("notes.png");
    QFile file(notes);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("\x89PNG\r\n\x1a\n but not really an image");
    file.close();
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(example("six.txt")));
    const std::vector<float> before = window.workspace()->input().values();
    drop(&window, notes);
    QVERIFY2(window.errorText().contains("notes.png"), qPrintable(window.errorText()));
    QVERIFY(window.errorText().contains("a damaged PNG file"));
    QCOMPARE(window.workspace()->inputName(), QStringLiteral("six.txt"));
    QCOMPARE(window.workspace()->input().values(), before);
  }

  // Every bad and odd file the tests know — the fuzzers' corpora and regressions (broken
  // images, matrices, layer lists, model files, ONNX, IDX and CIFAR bytes), the refused ONNX
  // files — dropped on the window one after another: each opens, or shows a message naming
  // it and leaves the input and the model as they were. Nothing crashes or hangs.
  void droppingEveryBadFileKeepsTheWindowWhole() {
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(example("six.txt")));
    QStringList files;
    for (const QString& root :
         {QString::fromStdString(convscope::test::sourcePath("tests/fuzz")), QString::fromStdString(convscope::test::testDataPath("onnx"))}) {
      QDirIterator it(root, QDir::Files, QDirIterator::Subdirectories);
      while (it.hasNext()) files << it.next();
    }
    files.sort();
    QVERIFY2(files.size() > 60, qPrintable(QString::number(files.size())));
    int refused = 0;
    for (const QString& file : files) {
      if (file.endsWith(".json") && file.contains("/data/onnx/")) continue; // the fixtures' expected outputs
      const QString inputBefore = window.workspace()->inputName();
      const QString modelBefore = window.workspace()->modelName();
      const std::vector<float> valuesBefore = window.workspace()->input().values();
      drop(&window, file);
      settle(window);
      const QString error = window.errorText();
      if (!error.isEmpty()) {
        ++refused;
        QVERIFY2(error.contains(QFileInfo(file).fileName()) || error.contains("model"),
                 qPrintable(file + ": " + error));
        QCOMPARE(window.workspace()->inputName(), inputBefore);
        QCOMPARE(window.workspace()->modelName(), modelBefore);
        QVERIFY(window.workspace()->input().values() == valuesBefore);
      }
    }
    QVERIFY2(refused > 20, qPrintable(QString::number(refused)));
  }

  void strideAndPaddingChangeTheGridAndTheFormula() {
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(example("six.txt")));
    window.workspace()->setKernels({{"filter1", loadMatrixFile(example("filter1.txt").toStdString())}});
    Stepper* stepper = window.stepper();
    QCOMPARE(stepper->outputRows(), 4);
    QCOMPARE(stepper->outputColumns(), 4);
    QVERIFY2(stepper->formulaText().contains("o = ⌊(6 − 3 + 2·0) / 1⌋ + 1 = ⌊3 / 1⌋ + 1 = 4"),
             qPrintable(stepper->formulaText()));
    ConvolutionPanel* panel = window.convolutionPanel();
    panel->strideBox()->setValue(2);
    QCOMPARE(stepper->outputRows(), 2);
    QVERIFY2(stepper->formulaText().contains("o = ⌊(6 − 3 + 2·0) / 2⌋ + 1 = ⌊3 / 2⌋ + 1 = 2"),
             qPrintable(stepper->formulaText()));
    panel->paddingBox()->setCurrentIndex(2); // custom
    panel->paddingAmountBox()->setValue(1);
    QCOMPARE(stepper->outputRows(), 3);
    QCOMPARE(stepper->outputColumns(), 3);
    QVERIFY(stepper->formulaText().contains("o = ⌊(6 − 3 + 2·1) / 2⌋ + 1 = ⌊5 / 2⌋ + 1 = 3"));
    // A kernel that does not fit is explained in words.
    window.workspace()->setKernels({{"big", Tensor(Shape{1, 9, 9})}});
    QCOMPARE(stepper->cellCount(), 0);
    QVERIFY2(stepper->problemText().contains("larger than the padded input 8x8"), qPrintable(stepper->problemText()));
  }

  // A thousand geometry changes in a burst (a held-down arrow key, a dragged slider) while
  // the maps compute on the compute thread: the window ends showing the last setting, in the
  // maps, the stepper's grid and its formula, with no error.
  void aBurstOfChangesEndsWithTheLastSettingShown() {
    QTemporaryDir dir;
    QImage image(96, 64, QImage::Format_RGB32);
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 96; ++x) image.setPixel(x, y, qRgb(x * 2, y * 3, (x * y) % 256));
    const QString path = dir.filePath("ramp.png");
    QVERIFY(image.save(path));
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(path));
    window.workspace()->setKernels(
        {{"sobel-x", Tensor(Shape{1, 3, 3}, std::vector<float>{-1, 0, 1, -2, 0, 2, -1, 0, 1})}});
    ConvolutionPanel* panel = window.convolutionPanel();
    for (int i = 0; i < 1000; ++i) {
      panel->strideBox()->setValue(1 + i % 4);
      if (i % 100 == 0) QCoreApplication::processEvents(); // results of earlier settings arrive meanwhile
    }
    panel->strideBox()->setValue(3); // the last word
    settle(window);
    FeatureMapView* maps = window.featureMaps();
    QVERIFY(maps->result());
    // A photo opens with "same" padding, and a one-block kernel spans the colour planes:
    // one map of ⌈64/3⌉ × ⌈96/3⌉.
    QCOMPARE(maps->result()->stages[1].maps.shape(), (Shape{1, 1, 22, 32}));
    QVERIFY2(window.stepper()->formulaText().contains("/ 3⌋ + 1"), qPrintable(window.stepper()->formulaText()));
    QVERIFY(window.errorText().isEmpty());
  }

  // The window's live updates reuse the buffers of the result before the one on screen (as
  // `bench live` times them), and what they show is what a fresh pipeline computes.
  void liveUpdatesReuseTheBuffersOfTheResultBefore() {
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(QString::fromStdString(convscope::test::resourcePath("samples/cat.png"))));
    settle(window);
    const uint64_t before = window.runner()->recycledUpdates();
    for (int stride : {2, 1, 3, 1}) {
      FilterOptions c = window.workspace()->convolution();
      c.strideH = c.strideW = stride;
      window.workspace()->setConvolution(c);
      settle(window);
    }
    QVERIFY(window.runner()->recycledUpdates() >= before + 2);
    auto backend = makeBackend(BackendKind::Onednn);
    PipelineSpec spec = window.workspace()->pipelineSpec();
    spec.displaySide = window.featureMaps()->renderSide(); // as the window asks
    const PipelineResult fresh = runPipeline(*backend, window.workspace()->input(), spec);
    const PipelineSnapshot& shown = window.featureMaps()->result();
    QCOMPARE(shown->stages.size(), fresh.stages.size());
    for (size_t k = 0; k < fresh.stages.size(); ++k) {
      QCOMPARE(shown->values(k).inLayout(Layout::NCHW).values(), fresh.values(k).inLayout(Layout::NCHW).values());
      QCOMPARE(shown->stages[k].images.size(), fresh.stages[k].images.size());
      for (size_t m = 0; m < fresh.stages[k].images.size(); ++m)
        QVERIFY(shown->stages[k].images[m].pixels == fresh.stages[k].images[m].pixels);
    }
  }

  // Issue 26, item 12: a slider step does only the work its picture needs. The stepper on a
  // tab not shown does not convolve the photo again on the GUI thread (it catches up when
  // its tab is shown); the maps are rendered at the tiles' size, not 512 pixels; the tiles
  // draw the snapshot's own bytes (no copy); the window hands the input over without a copy.
  void aSliderStepDoesOnlyTheWorkItsPictureNeeds() {
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    window.showFeatureMaps();
    QVERIFY(window.openFile(QString::fromStdString(convscope::test::resourcePath("samples/cat.png"))));
    settle(window);
    const int columns = window.stepper()->outputColumns(); // asked: brought up to date
    QCOMPARE(columns, 451);                                // cat.png, "same" padding
    const int computed = window.stepper()->recomputations();
    FilterOptions c = window.workspace()->convolution();
    for (float bias : {0.5f, 1.0f, 0.0f}) { // three slider steps
      c.bias = bias;
      window.workspace()->setConvolution(c);
      settle(window);
    }
    c.strideH = c.strideW = 2;
    window.workspace()->setConvolution(c);
    settle(window);
    QCOMPARE(window.stepper()->recomputations(), computed); // hidden: no work at all
    window.showStepper();                                   // shown: once, up to date
    QCOMPARE(window.stepper()->recomputations(), computed + 1);
    QCOMPARE(window.stepper()->outputColumns(), 226);
    QVERIFY(window.stepper()->formulaText().contains("/ 2⌋ + 1"));
    window.showFeatureMaps();

    FeatureMapView* maps = window.featureMaps();
    QCOMPARE(maps->renderSide(), int(std::ceil(maps->tileSize() * maps->devicePixelRatioF())));
    const PipelineSnapshot shown = maps->result();
    QVERIFY(shown->stages.size() >= 4);
    for (size_t s = 0; s < shown->stages.size(); ++s) {
      if (shown->stages[s].kind != PipelineStage::Kind::Maps) continue;
      for (size_t m = 0; m < shown->stages[s].images.size(); ++m) {
        const MapImage& image = shown->stages[s].images[m];
        QVERIFY2(std::max(image.width, image.height) <= maps->renderSide(),
                 qPrintable(QStringLiteral("stage %1 map %2: %3x%4").arg(s).arg(m).arg(image.width).arg(image.height)));
        const QImage tile = maps->tileImage(int(s), int(m));
        QVERIFY(!tile.isNull());
        QCOMPARE(static_cast<const void*>(tile.constBits()), static_cast<const void*>(image.pixels.data()));
      }
    }
    // A larger tile asks for larger pictures.
    maps->setTileSize(300);
    settle(window);
    QVERIFY(std::max(maps->result()->stages[1].images[0].width, maps->result()->stages[1].images[0].height) > 150);
    QCOMPARE(window.workspace()->sharedInput().get(), &window.workspace()->input());
  }

  // Issue 27: an imported model's preprocessing. A typed matrix reaches the model as written
  // (it was divided by 255: the 6×6 sample was all but black); the normalization is given in a
  // dialog (ImageNet's a click away), checked, remembered for the file, and saved in lectures.
  void anImportedModelsNormalizationIsTheUsersAndAMatrixIsNotAnImage() {
    QSettings().remove("modelNormalization");
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    const QString lenet = QString::fromStdString(convscope::test::testDataPath("onnx/lenet-batchnorm.onnx"));
    QVERIFY(window.openFile(example("six.txt")));
    QVERIFY(window.openFile(lenet));
    settle(window);
    const PipelineStage& matrix = window.featureMaps()->result()->stages[0];
    QCOMPARE(QString::fromStdString(matrix.title), QString("input, the matrix as written"));
    QCOMPARE(matrix.images[0].maximum, 1.0f); // the sample's 1s, not 1/255
    QCOMPARE(matrix.images[0].minimum, 0.0f);
    // An image is scaled to [0, 1] and normalized as the dialog says.
    QVERIFY(window.openFile(example("digit.png")));
    settle(window);
    const float plainMax = window.featureMaps()->result()->stages[0].images[0].maximum;
    QVERIFY(plainMax > 0.9f && plainMax <= 1.0f); // the digit's brightest pixel, scaled to [0, 1]
    NormalizationDialog* dialog = window.showNormalization();
    dialog->meanEdit()->setText("0.5");
    dialog->stdEdit()->setText("0.25");
    QVERIFY(dialog->apply());
    settle(window);
    QCOMPARE(window.featureMaps()->result()->stages[0].images[0].maximum, (plainMax - 0.5f) / 0.25f);
    QVERIFY(window.workspace()->hasNormalizationOverride());
    // Refused with the reason, nothing changed: a count that does not fit, ImageNet's three for a gray model.
    dialog->meanEdit()->setText("0.1, 0.2");
    QVERIFY(!dialog->apply());
    QVERIFY2(dialog->errorText().contains("mean: 2 values for a model of 1 input channel"), qPrintable(dialog->errorText()));
    dialog->useImageNet();
    QVERIFY2(dialog->errorText().contains("3 values for a model of 1 input channel"), qPrintable(dialog->errorText()));
    QCOMPARE(window.workspace()->modelPreprocess().mean, std::vector<float>{0.5f});
    // Saved in a lecture, read back.
    QTemporaryDir dir;
    const QString lecture = dir.filePath("talk.convscope");
    QVERIFY(window.saveLecture(lecture));
    QCOMPARE(loadLecture(lecture.toStdString()).modelStd, std::vector<float>{0.25f});
    // Remembered for the file: opened again, in a new window, the same normalization.
    {
      MainWindow again;
      QVERIFY(again.openFile(lenet));
      QCOMPARE(again.workspace()->modelPreprocess().stddev, std::vector<float>{0.25f});
      again.showNormalization()->useModelsOwn();
      QCOMPARE(again.workspace()->modelPreprocess().stddev, std::vector<float>{1.0f});
    }
    MainWindow third;
    QVERIFY(third.openFile(lenet));
    QVERIFY(!third.workspace()->hasNormalizationOverride()); // the model's own was chosen last
    QVERIFY(third.openLecture(lecture));                      // the lecture brings its normalization
    QCOMPARE(third.workspace()->modelPreprocess().mean, std::vector<float>{0.5f});
    // The resize before the centre (torchvision's Resize and CenterCrop): refused by name when
    // the centre would not fit, else applied, remembered with the rest and saved in the lecture.
    NormalizationDialog* crop = third.showNormalization();
    crop->resizeBox()->setValue(20);
    QVERIFY(!crop->apply());
    QVERIFY2(crop->errorText().contains("resize 20 is smaller than the model's 32x32 input"),
             qPrintable(crop->errorText()));
    QCOMPARE(third.workspace()->modelPreprocess().resize, 0);
    crop->resizeBox()->setValue(40);
    QVERIFY(crop->apply());
    QCOMPARE(third.workspace()->modelPreprocess().resize, 40);
    QCOMPARE(third.workspace()->modelPreprocess().mean, std::vector<float>{0.5f});
    QVERIFY(third.saveLecture(lecture));
    QCOMPARE(loadLecture(lecture.toStdString()).modelResize, 40);
    MainWindow fourth;
    QVERIFY(fourth.openFile(lenet));
    QCOMPARE(fourth.workspace()->modelPreprocess().resize, 40); // remembered for the file
    fourth.showNormalization()->useModelsOwn();
  }

  void theBackwardStepperWaitsWhileHidden() {
    // The backward stepper builds a lesson (weights, a forward pass, its grids and curve) from
    // the workspace. Hidden behind Feature maps, slider steps leave it stale; shown, it builds
    // once, from the newest settings.
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    QVERIFY(window.openFile(example("six.txt")));
    window.workspace()->setKernels({{"filter1", loadMatrixFile(example("filter1.txt").toStdString())}});
    window.showFeatureMaps();
    settle(window);
    BackwardStepper* backward = window.stepper()->backward();
    QVERIFY(backward->lesson() != nullptr); // asked: up to date
    const int built = backward->rebuilds();
    FilterOptions c = window.workspace()->convolution();
    for (float bias : {0.5f, 1.0f, 0.25f}) {
      c.bias = bias;
      window.workspace()->setConvolution(c);
      settle(window);
    }
    QCOMPARE(backward->rebuilds(), built); // hidden: no work
    window.showStepper();
    window.stepper()->setMode(Stepper::Mode::Backward);
    QCOMPARE(backward->rebuilds(), built + 1); // shown: once
    QCOMPARE(backward->lesson()->bias(), 0.25f);
    QCOMPARE(backward->rebuilds(), built + 1);
    c.bias = 0.5f; // on screen: at once
    window.workspace()->setConvolution(c);
    QCOMPARE(backward->rebuilds(), built + 2);
    QCOMPARE(backward->lesson()->bias(), 0.5f);
  }

  void steppingTheRgbExampleShowsMinus25AndTheChannelSums() {
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(example("rgb5.txt")));
    window.workspace()->setKernels({{"rgb", loadMatrixFile(example("rgb-kernel.txt").toStdString())}});
    FilterOptions o;
    o.padding = PaddingSpec::parse("1");
    o.bias = 1;
    window.workspace()->setConvolution(o);
    window.showStepper();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    Stepper* stepper = window.stepper();
    stepper->setFocus();
    QTest::keyClick(stepper, Qt::Key_Right); // step to (0,1), then back to (0,0) with ←
    QCOMPARE(stepper->position(), 1);
    QTest::keyClick(stepper, Qt::Key_Left);
    QCOMPARE(stepper->position(), 0);
    const QString text = stepper->arithmeticText();
    QVERIFY2(text.contains("308 + (−498) + 164 + 1 = −25"), qPrintable(text));
    QVERIFY(text.contains("= 308\n"));
    QVERIFY(text.contains("= −498\n"));
    QVERIFY(text.contains("= 164\n"));
    QCOMPARE(window.findChild<QTextBrowser*>("stepperArithmetic")->toPlainText(), text);
    QTest::keyClick(stepper, Qt::Key_Home);
    QCOMPARE(stepper->position(), 0);
  }

  void theSampleGalleryOpensALectureExampleWithItsSettings() {
    MainWindow window;
    window.show();
    QListWidget* gallery = window.findChild<QListWidget*>("sampleGallery");
    QVERIFY(gallery);
    const auto items = gallery->findItems("RGB example, bias 1", Qt::MatchExactly);
    QCOMPARE(items.size(), 1);
    QVERIFY(!items.first()->icon().isNull());
    emit gallery->itemClicked(items.first());
    QCOMPARE(window.workspace()->inputName(), QStringLiteral("rgb5.txt"));
    QCOMPARE(window.workspace()->convolution().bias, 1.0f);
    window.stepper()->setPosition(0);
    QVERIFY2(window.stepper()->arithmeticText().contains("= −25"), qPrintable(window.stepper()->arithmeticText()));
    const auto six = gallery->findItems("6×6 image, filters 1 and 2", Qt::MatchExactly);
    QCOMPARE(six.size(), 1);
    emit gallery->itemClicked(six.first());
    QCOMPARE(window.workspace()->kernels().size(), size_t(2)); // the lecture's two filters
  }

  void poolingAndReluStepping() {
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(example("six.txt")));
    window.workspace()->setKernels({{"filter1", loadMatrixFile(example("filter1.txt").toStdString())}});
    Stepper* stepper = window.stepper();
    stepper->setMode(Stepper::Mode::Activation);
    stepper->setPosition(1); // conv (0,1) = −1
    QVERIFY2(stepper->arithmeticText().contains("max(0, −1) = 0"), qPrintable(stepper->arithmeticText()));
    stepper->setMode(Stepper::Mode::Pooling);
    QCOMPARE(stepper->outputRows(), 2);
    QVERIFY2(stepper->arithmeticText().startsWith("max(3, 0, 0, 1) = 3"), qPrintable(stepper->arithmeticText()));
  }

  void aModelFileShowsEveryLayerAndTheProbabilities() {
    QTemporaryDir dir;
    Network net = makePreset("lenet5");
    initialize(net, InitScheme::Auto, 1);
    ModelInfo info;
    Preprocess p; // 28x28 digits padded to 32x32
    p.mean = {0.13f};
    p.stddev = {0.31f};
    info.preprocess = p;
    for (int k = 0; k < 10; ++k) info.classNames.push_back(std::to_string(k));
    const QString path = dir.filePath("lenet.json");
    saveModel(path.toStdString(), net, info);
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(example("digit.png")));
    QVERIFY(window.openModel(path));
    settle(window);
    FeatureMapView* maps = window.featureMaps();
    QCOMPARE(maps->stageCount(), 1 + 13); // the prepared input and every layer
    const PipelineStage& conv1 = maps->result()->stages[1];
    QCOMPARE(conv1.maps.shape(), (Shape{1, 6, 28, 28}));
    const PipelineStage& last = maps->result()->stages.back();
    QCOMPARE(last.kind, PipelineStage::Kind::Probabilities);
    float total = 0;
    for (float v : last.maps.values()) total += v;
    QVERIFY(std::abs(total - 1.0f) < 1e-5f);
    // Its filters join the gallery as learned kernels.
    QListWidget* gallery = window.findChild<QListWidget*>("kernelGallery");
    QVERIFY(!gallery->findItems("conv1 #1", Qt::MatchExactly).isEmpty());
    // A broken model file is refused and the model stays.
    QFile broken(dir.filePath("broken.json"));
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write("{\"format\": \"convscope-model\"");
    broken.close();
    QVERIFY(!window.openModel(dir.filePath("broken.json")));
    QVERIFY(window.errorText().contains("truncated?"));
    QVERIFY(window.workspace()->hasModel());
    // The stepper's fully connected mode: the model's last Dense layer, 84 → 10.
    Stepper* stepper = window.stepper();
    stepper->setMode(Stepper::Mode::FullyConnected);
    QCOMPARE(stepper->cellCount(), 10);
    // fc2 reads fc1's activations, not a flatten: the header says so.
    QVERIFY2(stepper->formulaText().startsWith("input: the 84 values of 'act4'"), qPrintable(stepper->formulaText()));
    stepper->setPosition(9);
    QVERIFY2(stepper->arithmeticText().contains("softmax"), qPrintable(stepper->arithmeticText()));
  }

  // A network built in PyTorch, as ONNX: opened as dropped (or given on the command line),
  // every layer in the feature maps and the stepper; a file ConvScope cannot run is refused
  // naming the operator and the model stays; File → Export Model as ONNX writes it again.
  void anOnnxModelFromPyTorchOpensAndExportsAgain() {
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(example("digit.png")));
    QVERIFY(window.openFile(QString::fromStdString(convscope::test::testDataPath("onnx/lenet-batchnorm.onnx"))));
    settle(window);
    QVERIFY(window.workspace()->hasModel());
    QCOMPARE(window.workspace()->modelName(), QString("lenet-batchnorm.onnx"));
    QCOMPARE(window.featureMaps()->stageCount(), 1 + 14); // the prepared input and every layer
    QCOMPARE(window.featureMaps()->result()->stages[1].maps.shape(), (Shape{1, 6, 28, 28}));
    Stepper* stepper = window.stepper();
    stepper->setMode(Stepper::Mode::FullyConnected);
    QCOMPARE(stepper->cellCount(), 10); // its last layer, 84 → 10, with PyTorch's weights
    QVERIFY(!window.openModel(QString::fromStdString(convscope::test::testDataPath("onnx/refused-resize.onnx"))));
    QVERIFY2(window.errorText().contains("Resize ×1 (first node '/1/Resize'"), qPrintable(window.errorText()));
    QCOMPARE(window.workspace()->modelName(), QString("lenet-batchnorm.onnx"));
    QTemporaryDir dir;
    const QString again = dir.filePath("again.onnx");
    QVERIFY(window.exportModelAsOnnx(again));
    const Model reread = importOnnx(again.toStdString());
    QCOMPARE(reread.network.size(), window.workspace()->network()->size());
    QCOMPARE(reread.network.parameterCount(), window.workspace()->network()->parameterCount());
    // Without a model there is nothing to export, and the window says so.
    window.workspace()->closeModel();
    QVERIFY(!window.exportModelAsOnnx(dir.filePath("none.onnx")));
    QVERIFY2(window.errorText().contains("No model to export"), qPrintable(window.errorText()));
  }

  void fullyConnectedWithoutAModelUsesDemonstrationWeights() {
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(example("six.txt")));
    window.workspace()->setKernels({{"filter1", loadMatrixFile(example("filter1.txt").toStdString())}});
    Stepper* stepper = window.stepper();
    stepper->setMode(Stepper::Mode::FullyConnected);
    QCOMPARE(stepper->cellCount(), 4); // four classes, as the lecture's training example
    QVERIFY2(stepper->formulaText().contains("= 4 features"), qPrintable(stepper->formulaText())); // the 2x2 pooled map
    QVERIFY2(stepper->arithmeticText().startsWith("z1 = "), qPrintable(stepper->arithmeticText()));
    stepper->setPosition(3);
    QVERIFY(stepper->arithmeticText().contains("p4 = "));
  }

  // The lecture's training loop on the 6×6 image and filter 1: forward, the error, backward
  // to the kernel's gradient (the cells shown are `gradient`'s correlation of the input with
  // δ), the update (w − η·g in every cell), and forward again with a lower error.
  void backwardStepperRunsOneFullLoop() {
    MainWindow window;
    window.show();
    window.openFile(example("six.txt"));
    window.workspace()->setKernels({{"filter1", loadMatrixFile(example("filter1.txt").toStdString())}});
    window.showStepper();
    Stepper* stepper = window.stepper();
    stepper->setMode(Stepper::Mode::Backward);
    BackwardStepper* b = stepper->backward();
    QVERIFY(b->isVisible());
    QVERIFY2(b->lesson(), qPrintable(b->problemText()));
    using Stage = BackwardLesson::Stage;
    QCOMPARE(b->stage(), Stage::Convolution);
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    stepper->setFocus();
    QTest::keyClick(stepper, Qt::Key_Right); // the Step menu's shortcut drives this mode too
    QCOMPARE(b->cell(), 1);
    QVERIFY2(b->arithmeticText().contains("= −1"), qPrintable(b->arithmeticText())); // the lecture's second cell
    const double errorBefore = b->lesson()->error();
    int steps = 0;
    while (!(b->stage() == Stage::KernelGradient && b->cell() == 8) && steps++ < 500) stepper->stepForward();
    const BackwardStepper::Panel* shown = b->panel("∂E/∂w");
    QVERIFY(shown);
    QCOMPARE(shown->shown, 9);
    const BackwardLesson& lesson = *b->lesson();
    Conv2DGeometry g;
    g.kernelH = g.kernelW = 3;
    for (int i = 0; i < 9; ++i) {
      const GradientExplanation e =
          explainConv2dWeightGradient(g, lesson.setup().image, lesson.convOutputGradient(), 0, 0, i / 3, i % 3);
      QCOMPARE(shown->values[size_t(i)], e.value);
    }
    QVERIFY2(b->arithmeticText().contains("∂E/∂w[0][0][2][2] = "), qPrintable(b->arithmeticText()));
    // To the update's last cell: every new weight is w − η·g.
    while (!(b->stage() == Stage::Update && b->cell() + 1 == lesson.cellCount(Stage::Update)) && steps++ < 500)
      stepper->stepForward();
    const BackwardStepper::Panel* updated = b->panel("new w");
    QVERIFY(updated);
    for (int i = 0; i < 9; ++i)
      QCOMPARE(updated->values[size_t(i)], lesson.kernel().data()[i] - 0.5f * lesson.kernelGradient().data()[i]);
    const std::vector<float> expected = updated->values;
    stepper->stepForward(); // the update is made, and the next loop's forward pass begins
    QCOMPARE(b->loop(), 2);
    QCOMPARE(b->stage(), Stage::Convolution);
    for (int i = 0; i < 9; ++i) QCOMPARE(b->lesson()->kernel().data()[i], expected[size_t(i)]);
    QVERIFY2(b->lesson()->error() < errorBefore,
             qPrintable(QString("E %1 → %2").arg(errorBefore).arg(b->lesson()->error())));
    QCOMPARE(b->lesson()->errors().size(), size_t(2));
    // Going back stops at the update: it is done.
    stepper->stepBack();
    QCOMPARE(b->loop(), 2);
    QCOMPARE(b->cell(), 0);
    // A colour photo is refused in words, and the buttons wait.
    window.workspace()->setKernels({{"filter1", loadMatrixFile(example("filter1.txt").toStdString())}});
    window.openFile(example("rgb5.txt"));
    QVERIFY(!b->lesson());
    QVERIFY2(b->problemText().contains("one channel"), qPrintable(b->problemText()));
    stepper->stepForward(); // nothing to step, nothing breaks
  }

  // Why this class? The open model's saliency on the current image: a picture and the verdict,
  // for each method; without a model, a sentence saying what to do.
  void saliencyDialogExplainsTheOpenModel() {
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(example("digit.png")));
    SaliencyDialog* why = window.showSaliency();
    QVERIFY(why->isVisible());
    QVERIFY(why->image().isNull());
    QVERIFY2(why->text().contains("Open a trained model"), qPrintable(why->text()));
    QVERIFY(window.openModel(QString::fromStdString(convscope::test::resourcePath("models/lenet5-digits.json"))));
    for (int m = 0; m < 3; ++m) {
      why->methodBox()->setCurrentIndex(m);
      QVERIFY2(!why->image().isNull(), qPrintable(why->text()));
      QVERIFY(why->image().width() >= 320);
      QVERIFY2(why->text().contains("for 7: score"), qPrintable(why->text())); // the digit is a 7
      QCOMPARE(why->text().contains("(layer conv2)"), m == 1);                 // Grad-CAM's layer
    }
  }

  // One model in memory: the workspace reads the file, the feature maps, the stepper and the
  // saliency dialog borrow it. A model saved again under the same path (as the Training
  // tab's Save does) and opened again is what all of them show at once; no widget keeps a
  // copy keyed by the path (they did: the stepper and the dialog stayed on the old weights).
  void aModelSavedAgainUnderItsPathIsSeenByEveryView() {
    QTemporaryDir dir;
    const QString path = dir.filePath("model.json");
    QVERIFY(QFile::copy(QString::fromStdString(convscope::test::resourcePath("models/lenet5-digits.json")), path));
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(example("digit.png")));
    QVERIFY(window.openModel(path));
    Stepper* stepper = window.stepper();
    stepper->setMode(Stepper::Mode::FullyConnected);
    const Tensor logitsBefore = stepper->logits();
    SaliencyDialog* why = window.showSaliency();
    const auto score = [why] {
      const QRegularExpressionMatch m = QRegularExpression("score (-?[0-9.e+-]+)").match(why->text());
      return m.hasMatch() ? m.captured(1).toDouble() : std::nan("");
    };
    const double scoreBefore = score();
    QVERIFY2(std::isfinite(scoreBefore), qPrintable(why->text()));
    settle(window);
    const std::vector<float> probabilitiesBefore = window.featureMaps()->result()->stages.back().maps.values();
    const uint64_t generation = window.workspace()->model()->generation();

    // "Retrained": the last fully connected layer's weights and bias doubled, saved over the file.
    Model retrained = loadModel(path.toStdString());
    for (size_t i = retrained.network.size(); i-- > 0;)
      if (Dense* dense = layerAs<Dense>(retrained.network.layer(i))) {
        for (float& w : dense->weights().values()) w *= 2;
        for (float& b : dense->bias().values()) b *= 2;
        break;
      }
    saveModel(path.toStdString(), retrained.network, retrained.info);
    QVERIFY(window.openModel(path));
    QVERIFY(window.workspace()->model()->generation() > generation);
    const Tensor& logitsAfter = stepper->logits(); // the class scores doubled
    QCOMPARE(logitsAfter.size(), logitsBefore.size());
    for (int64_t k = 0; k < logitsAfter.size(); ++k)
      QVERIFY(std::abs(logitsAfter.data()[k] - 2 * logitsBefore.data()[k]) <= 1e-4f * (1 + std::abs(logitsAfter.data()[k])));
    QVERIFY2(std::abs(score() - 2 * scoreBefore) <= 2e-3 * std::abs(scoreBefore), qPrintable(why->text()));
    settle(window);
    QVERIFY(window.featureMaps()->result()->stages.back().maps.values() != probabilitiesBefore);
  }

  // The form alone makes the request the worker receives: every box lands in its field,
  // an edited layer list replaces the model, and a resumed run keeps the checkpoint's model.
  void theTrainingFormFillsTheRequestFromItsBoxes() {
    TrainingForm form;
    form.modelBox()->setCurrentText("mini-vgg");
    form.epochsBox()->setValue(3);
    form.batchBox()->setValue(17);
    form.trainImagesBox()->setValue(500);
    form.findChild<QSpinBox*>("rateStepBox")->setValue(2);
    form.findChild<QComboBox*>("initBox")->setCurrentText("glorot");
    TrainingRequest request;
    form.fill(request);
    QCOMPARE(QString::fromStdString(request.spec.model), QStringLiteral("mini-vgg"));
    QVERIFY(request.spec.layers.empty());
    QCOMPARE(request.spec.config.epochs, 3);
    QCOMPARE(request.spec.config.batchSize, 17);
    QCOMPARE(request.spec.config.maxTrainImages, size_t(500));
    QCOMPARE(request.spec.config.optimizer.stepEvery, 2);
    QVERIFY(request.spec.init == InitScheme::Glorot);
    QCOMPARE(request.spec.config.optimizer.learningRate, presetLearningRate("mini-vgg")); // the preset's rate
    QCOMPARE(QString::fromStdString(request.spec.dataset), QStringLiteral("digits"));
    QCOMPARE(request.checkpoint, form.lastCheckpoint()); // ticked by default
    form.setLayers("input 1x28x28\nflatten\ndense 10\nsoftmax\n");
    TrainingRequest edited;
    form.fill(edited);
    QVERIFY(!edited.spec.layers.empty()); // used instead of spec.model
    QCOMPARE(QString::fromStdString(edited.spec.layers), QStringLiteral("input 1x28x28\nflatten\ndense 10\nsoftmax\n"));
    TrainingRequest resumed;
    resumed.spec.model = "run.checkpoint.json";
    resumed.spec.resume = true;
    form.fill(resumed);
    QCOMPARE(QString::fromStdString(resumed.spec.model), QStringLiteral("run.checkpoint.json"));
    QVERIFY(resumed.spec.layers.empty());
    // While a run goes on the recipe cannot change.
    form.setRunning(true);
    QVERIFY(!form.epochsBox()->isEnabled() && !form.modelBox()->isEnabled());
    form.setRunning(false);
    QVERIFY(form.epochsBox()->isEnabled());
  }

  // The transposed convolution stepped through whole layers, every cell against the engine:
  // each conv_arithmetic sample scattered input cell by input cell (every running sum is the
  // sum of the products that have landed, the last step oneDNN's deconvolution), then stepped
  // output cell by output cell over the zero-inserted input; the overlap counts; the keys; the
  // workspace's own input and kernel; refusals in words; a lecture file keeps it all.
  void transposedStepperStepsWholeLayersAsTheEngine() {
    MainWindow window;
    window.show();
    window.showStepper();
    Stepper* stepper = window.stepper();
    stepper->setMode(Stepper::Mode::Transposed);
    TransposedStepper* t = stepper->transposed();
    QVERIFY(t->isVisible());
    OnednnBackend onednn;
    using Sample = TransposedStepper::Sample;
    using View = TransposedStepper::View;
    for (Sample sample : {Sample::K3S2P1Op1, Sample::K2S2, Sample::K4S2P1}) {
      t->setSample(sample);
      t->setView(View::Scatter);
      QVERIFY2(t->layer(), qPrintable(t->problemText()));
      QCOMPARE(t->outputRows(), 6);
      QCOMPARE(t->outputColumns(), 6);
      const Tensor fast = transposedForward(*t->layer(), t->input(), &onednn);
      const Tensor& x = t->input();
      QCOMPARE(t->stepCount(), 9);
      for (int p = 0; p < t->stepCount(); ++p) {
        t->setPosition(p);
        const Panel* sums = t->panel("output y");
        QVERIFY(sums);
        for (int cell = 0; cell < 36; ++cell) {
          const TransposedExplanation e = explainTransposed(*t->layer(), x, 0, cell / 6, cell % 6);
          double partial = 0;
          int landed = 0;
          for (const TransposedTerm& term : e.terms)
            if (term.row * 3 + term.col <= p) partial += double(term.input) * term.weight, ++landed;
          QCOMPARE(bool(sums->blank[size_t(cell)]), landed == 0);
          if (landed) QCOMPARE(sums->values[size_t(cell)], float(partial));
        }
        // The products panel: x · the kernel.
        const Panel* products = t->panel("x(");
        QVERIFY(products);
        QCOMPARE(products->values.front(), x.data()[p] * t->layer()->weights.data()[0]);
      }
      const Panel* finished = t->panel("output y");
      for (int cell = 0; cell < 36; ++cell) QCOMPARE(finished->values[size_t(cell)], fast.data()[cell]);
      const Panel* overlap = t->panel("overlap");
      const auto counts = transposedOverlap(*t->layer(), x.shape());
      for (int cell = 0; cell < 36; ++cell) QCOMPARE(int(overlap->values[size_t(cell)]), counts[size_t(cell / 6)][size_t(cell % 6)]);
      // The zero-inserted view, output cell by output cell.
      t->setView(View::ZeroInserted);
      QCOMPARE(t->stepCount(), 36);
      for (int p = 0; p < 36; ++p) {
        t->setPosition(p);
        const Panel* out = t->panel("output y");
        QCOMPARE(out->shown, p + 1);
        QCOMPARE(out->current, p);
        QCOMPARE(out->values[size_t(p)], fast.data()[p]);
        const QString text = t->arithmeticText();
        QVERIFY2(text.contains(" = " + QString::fromStdString(formatValue(fast.data()[p], 4)) + "\n"), qPrintable(text));
        const Panel* z = t->panel("zero-inserted input z");
        QCOMPARE(int(z->highlighted.size()), int(t->layer()->geometry.kernelH * t->layer()->geometry.kernelW));
      }
    }
    // The checkerboard of kernel 3, stride 2: 1, 2 and 4 products; kernel 4's interior an even 4.
    t->setSample(Sample::K3S2P1Op1);
    QCOMPARE(t->panel("overlap")->values[7], 4.0f);
    QCOMPARE(t->panel("overlap")->values[8], 2.0f);
    QCOMPARE(t->panel("overlap")->values[14], 1.0f);
    t->setSample(Sample::K4S2P1);
    for (int cell : {7, 8, 9, 10, 13, 14, 27, 28}) QCOMPARE(t->panel("overlap")->values[size_t(cell)], 4.0f);
    // The scatter's words: x(1, 1) = 5 lands with its corner at y(1, 1), products printed.
    t->setSample(Sample::K3S2P1Op1);
    t->setView(View::Scatter);
    t->setPosition(4);
    QVERIFY2(t->arithmeticText().contains("x(1, 1) = 5 lands on the output as 5 × the kernel"), qPrintable(t->arithmeticText()));
    QVERIFY2(t->arithmeticText().contains("y(2, 2) += 5·4 → 20"), qPrintable(t->arithmeticText()));
    t->selectCell(7);
    QVERIFY2(t->arithmeticText().contains("y(1, 1) = x(0, 0)·w(2, 2) + x(0, 1)·w(2, 0) + x(1, 0)·w(0, 2) + x(1, 1)·w(0, 0)"),
             qPrintable(t->arithmeticText()));
    QVERIFY(t->arithmeticText().contains("= 1·1 + 2·1 + 4·1 + 5·1 = 12"));
    // The keys: → steps, Z to the zero-inserted view, U the upsampling's overlap beside.
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    stepper->setFocus();
    QTest::keyClick(stepper, Qt::Key_Right);
    QCOMPARE(t->position(), 5);
    QTest::keyClick(stepper, Qt::Key_Z);
    QCOMPARE(t->view(), View::ZeroInserted);
    QCOMPARE(t->position(), 7); // the chosen cell
    QTest::keyClick(stepper, Qt::Key_U);
    QVERIFY(t->upsampleCompared());
    const Panel* up = t->panel("upsample ×2 + conv");
    QVERIFY(up);
    QCOMPARE(up->values[7], 9.0f); // every interior cell the same 9
    QCOMPARE(up->values[14], 9.0f);
    t->setUpsampleCompared(false);
    // The workspace's own input and kernel: the 6×6 image and filter 1 at stride 2 make 13×13.
    window.openFile(example("six.txt"));
    window.workspace()->setKernels({{"filter1", loadMatrixFile(example("filter1.txt").toStdString())}});
    t->setSample(Sample::Workspace);
    t->setGeometry(2, 0, 0);
    QVERIFY2(t->layer(), qPrintable(t->problemText()));
    QCOMPARE(t->outputRows(), 13);
    QCOMPARE(t->stepCount(), 169); // still the zero-inserted view
    t->setPosition(168);
    const Tensor fast = transposedForward(*t->layer(), t->input(), &onednn);
    for (int cell = 0; cell < 169; ++cell) QCOMPARE(t->panel("output y")->values[size_t(cell)], fast.data()[cell]);
    // Refused in words: an output padding not below the stride, an input too large.
    t->setGeometry(2, 0, 2);
    QVERIFY(!t->layer());
    QVERIFY2(t->problemText().contains("output padding"), qPrintable(t->problemText()));
    QVERIFY(t->panels().empty());
    window.openFile(example("digit.png"));
    t->setGeometry(2, 0, 0);
    QVERIFY2(t->problemText().contains("up to 16×16"), qPrintable(t->problemText()));
    // A lecture file keeps the sample, its geometry, the view and the step.
    t->setSample(Sample::K4S2P1);
    t->setView(View::ZeroInserted);
    t->setPosition(20);
    t->setUpsampleCompared(true);
    QTemporaryDir dir;
    const QString path = dir.filePath("deconv.convscope");
    QVERIFY(window.saveLecture(path));
    MainWindow again;
    again.show();
    QVERIFY(again.openLecture(path));
    TransposedStepper* u = again.stepper()->transposed();
    QCOMPARE(again.stepper()->mode(), Stepper::Mode::Transposed);
    QCOMPARE(u->sample(), Sample::K4S2P1);
    QCOMPARE(u->view(), View::ZeroInserted);
    QCOMPARE(u->position(), 20);
    QCOMPARE(u->stride(), 2);
    QCOMPARE(u->padding(), 1);
    QVERIFY(u->upsampleCompared());
    // Exports: the stepped figure and the grids alone; an animation of every step.
    const std::vector<Figure> figures = again.stepper()->figures();
    QCOMPARE(figures.size(), size_t(2));
    QCOMPARE(figures[0].name, QStringLiteral("deconv"));
    QString problem;
    const std::vector<QImage> frames = stepperFrames(again.stepper(), 1.0, &problem);
    QCOMPARE(int(frames.size()), 36);
    QCOMPARE(u->position(), 20);
  }

  // The Applications tab's segmentation page: a held-out test scene with the shipped U-Net's
  // and FCN's classes over it (exactly the engine's), U-Net the better on the first scenes;
  // a drawn scene and an opened image segmented without a mask; both trained here on the
  // worker, curves for each, while the Training tab waits; the figures.
  void segmentationPageComparesUnetAndFcn() {
    MainWindow window;
    window.show();
    window.showApplications();
    SegmentationPage* page = window.applicationsTab()->segmentation();
    QTRY_VERIFY(!page->truth().empty());
    page->showTestScene(0);
    QCOMPARE(int(page->scene().size()), 64 * 64);
    using W = SegmentationPage::Which;
    QVERIFY2(page->hasModel(W::UNet) && page->hasModel(W::Fcn), "the shipped models are in resources/models");
    // The page's prediction is the engine's on the same scene.
    Model unet = loadModel(test::resourcePath("models/mini-unet-scenes.json"));
    auto backend = makeBackend(BackendKind::Onednn);
    Tensor image(Shape{1, 1, 64, 64});
    std::copy(page->scene().begin(), page->scene().end(), image.data());
    const std::vector<uint8_t> expected =
        pixelClasses(unet.network.forward(*backend, preprocessImage(image, *unet.info.preprocess)));
    QVERIFY(page->prediction(W::UNet) == expected);
    SegmentationMetrics m(kSceneClasses);
    m.add(expected, page->truth());
    QCOMPARE(page->sceneMeanIou(W::UNet), m.meanIou());
    // Over the first ten test scenes, the skips win.
    double unetSum = 0, fcnSum = 0;
    for (int k = 0; k < 10; ++k) {
      page->showTestScene(k);
      unetSum += page->sceneMeanIou(W::UNet), fcnSum += page->sceneMeanIou(W::Fcn);
    }
    QVERIFY2(unetSum / 10 > 0.8 && unetSum > fcnSum + 1.0,
             qPrintable(QString("U-Net %1, FCN %2").arg(unetSum / 10).arg(fcnSum / 10)));
    auto* unetIou = page->findChild<QLabel*>("unetIou");
    QVERIFY2(unetIou->text().contains("mean IoU"), qPrintable(unetIou->text()));
    // A drawn stroke: no mask, no IoU, but digits found.
    page->drawNew();
    QVERIFY(std::all_of(page->scene().begin(), page->scene().end(), [](float v) { return v == 0.0f; }));
    page->canvas()->drawStroke(QPointF(30, 14), QPointF(31, 48));
    emit page->canvas()->strokeFinished();
    QCOMPARE(page->sceneIndex(), -1);
    QVERIFY(page->truth().empty());
    QVERIFY(std::isnan(page->sceneMeanIou(W::UNet)));
    const auto& drawn = page->prediction(W::UNet);
    QVERIFY(std::count_if(drawn.begin(), drawn.end(), [](uint8_t k) { return k != 0; }) > 20);
    QVERIFY2(unetIou->text().contains("found:"), qPrintable(unetIou->text()));
    // Any image: grey, fitted into 64×64, a light page inverted.
    Tensor page100(Shape{1, 3, 80, 100}, 255.0f);
    for (int64_t y = 10; y < 70; ++y)
      for (int64_t c = 0; c < 3; ++c) page100.at(0, c, y, 50) = page100.at(0, c, y, 51) = 0.0f;
    page->setImage(page100, "page.png");
    QCOMPARE(page->scene()[0], 0.0f); // the white page, inverted
    QVERIFY(*std::max_element(page->scene().begin(), page->scene().end()) > 100.0f); // the stroke, white
    // Both trained here, briefly; the Training tab waits meanwhile.
    page->showTestScene(3);
    page->epochsBox()->setValue(1);
    page->scenesBox()->setValue(64);
    page->setEvaluatedScenes(50); // each epoch scored on 50 of the test scenes: seconds under the sanitizers
    QSignalSpy finished(page, &SegmentationPage::trainingFinished);
    page->train();
    QVERIFY(page->isTraining());
    window.trainingPanel()->start();
    QVERIFY(!window.trainingPanel()->isTraining());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 300000);
    QVERIFY(!page->isTraining());
    for (W w : {W::UNet, W::Fcn}) {
      QVERIFY(!page->lossPoints(w).empty());
      QCOMPARE(int(page->iouPoints(w).size()), 1);
      QVERIFY(page->iouPoints(w).front().second >= 0.0 && page->iouPoints(w).front().second <= 1.0);
      QVERIFY2(page->modelStatus(w).contains("trained here: 1 epochs on 64 scenes"), qPrintable(page->modelStatus(w)));
      QCOMPARE(int(page->prediction(w).size()), 64 * 64);
    }
    QVERIFY2(page->statusText().startsWith("Done"), qPrintable(page->statusText()));
    const std::vector<Figure> figures = window.figures();
    QCOMPARE(figures.size(), size_t(2));
    QCOMPARE(figures[0].name, QStringLiteral("segmentation"));
    QCOMPARE(figures[1].name, QStringLiteral("segmentation-curves"));
  }

  // The Applications tab's detection page: the shipped mini-ssd's boxes on a test scene (the
  // engine's own detect()), NMS stepped on a fixed candidate list with every decision checked
  // (each step keeps the top box not yet struck and strikes exactly the later boxes of its class
  // above the IoU threshold), the thresholds live, a clicked cell's anchors explained, the
  // precision–recall curve of a class with AP as its area, a short training run beside the
  // Segmentation page (which waits), and the figures.
  void detectionPageStepsNmsAndExplainsAnchors() {
    MainWindow window;
    window.show();
    window.showDetection();
    DetectionPage* page = window.applicationsTab()->detection();
    QTRY_VERIFY(!page->truths().empty());
    QVERIFY2(page->hasModel(), "the shipped detector is in resources/models");
    page->showTestScene(4);
    // The page's boxes are the engine's on the same scene.
    Model ssd = loadModel(test::resourcePath("models/mini-ssd-scenes.json"));
    QVERIFY(ssd.info.detector);
    auto backend = makeBackend(BackendKind::Onednn);
    Tensor image(Shape{1, 1, 64, 64});
    std::copy(page->scene().begin(), page->scene().end(), image.data());
    const Tensor& out = ssd.network.forward(*backend, preprocessImage(image, *ssd.info.preprocess));
    DetectOptions options = detectOptions(*ssd.info.detector);
    options.scoreThreshold = page->scoreThreshold(), options.nmsIou = page->iouThreshold();
    const std::vector<Detection> expected = detect(makeAnchors(ssd.network, *ssd.info.detector), *ssd.info.detector, out,
                                                   options).front();
    const std::vector<Detection> shown = page->detections();
    QCOMPARE(shown.size(), expected.size());
    for (size_t i = 0; i < shown.size(); ++i) {
      QCOMPARE(shown[i].label, expected[i].label);
      QCOMPARE(shown[i].box, expected[i].box);
    }
    // Each true digit found (a held-out scene the shipped model gets right).
    for (const ObjectBox& truth : page->truths())
      QVERIFY(std::any_of(shown.begin(), shown.end(), [&](const Detection& d) {
        return d.label == truth.label && iou(d.box, toBox(truth)) >= 0.5;
      }));

    // NMS stepped on the fixed candidate list: sorted by score, then step by step.
    const std::vector<Detection> candidates = page->candidates(); // a copy: the thresholds change them below
    QVERIFY(candidates.size() > shown.size()); // duplicates to strike
    for (size_t i = 1; i < candidates.size(); ++i) QVERIFY(candidates[i - 1].score >= candidates[i].score);
    page->resetNms();
    QCOMPARE(page->nmsStep(), 0);
    for (size_t i = 0; i < candidates.size(); ++i) QCOMPARE(page->candidateState(i), 0);
    std::vector<int> state(candidates.size(), 0); // what the steps must give: 1 kept, 2 struck
    const double threshold = page->iouThreshold();
    for (int step = 1; step <= int(shown.size()); ++step) {
      // The expected keeper: the first candidate neither kept nor struck.
      const size_t keeper = size_t(std::find(state.begin(), state.end(), 0) - state.begin());
      QVERIFY(keeper < candidates.size());
      state[keeper] = 1;
      for (size_t j = keeper + 1; j < candidates.size(); ++j)
        if (state[j] == 0 && candidates[j].label == candidates[keeper].label &&
            iou(candidates[j].box, candidates[keeper].box) > threshold)
          state[j] = 2;
      page->stepNms();
      QCOMPARE(page->nmsStep(), step);
      for (size_t i = 0; i < candidates.size(); ++i) QCOMPARE(page->candidateState(i), state[i]);
      QVERIFY2(page->nmsText().contains(QStringLiteral("keep #%1").arg(keeper + 1)), qPrintable(page->nmsText()));
      auto* table = page->findChild<QTableWidget*>("nmsTable");
      QVERIFY(table->item(int(keeper), 3)->text().startsWith("✓ keep"));
    }
    QVERIFY(std::find(state.begin(), state.end(), 0) == state.end()); // every candidate decided
    auto* table = page->findChild<QTableWidget*>("nmsTable");
    for (size_t i = 0; i < candidates.size(); ++i)
      if (state[i] == 2) QVERIFY2(table->item(int(i), 3)->text().startsWith("✗ #"), qPrintable(table->item(int(i), 3)->text()));
    page->stepNms(); // after the last: from the start again
    QCOMPARE(page->nmsStep(), 1);
    page->finishNms();
    // The thresholds, live: a higher IoU threshold strikes fewer; a higher score, fewer candidates.
    page->setThresholds(0.3, 0.95);
    QVERIFY(page->detections().size() > shown.size());
    page->setThresholds(0.9, 0.45);
    QVERIFY(page->candidates().size() < candidates.size());
    page->setThresholds(0.3, 0.45);
    QCOMPARE(page->detections().size(), shown.size());

    // A click on a cell: its anchors with their IoU, match and decoded box.
    const ObjectBox& first = page->truths().front();
    const QPointF centre((first.x0 + first.x1) / 2.0, (first.y0 + first.y1) / 2.0);
    const double scale = page->canvas()->width() / 64.0;
    QTest::mouseClick(page->canvas(), Qt::LeftButton, {}, (centre * scale).toPoint());
    QCOMPARE(page->selectedLevel(), 0);
    QVERIFY2(page->cellText().contains("Level 1, cell (") && page->cellText().contains("learns box 0"),
             qPrintable(page->cellText()));
    QVERIFY2(page->cellText().contains("background"), qPrintable(page->cellText()));

    // The precision–recall curve of class 7 over the 500 test scenes: AP its area, mAP as trained.
    const DetectionMetrics& m = page->testMetrics();
    QVERIFY2(m.map > 0.95, qPrintable(QString::number(m.map)));
    page->setPrClass(7);
    QCOMPARE(page->prPointsShown(), int(m.classes[7].curve.size()));
    QCOMPARE(interpolatedArea(m.classes[7].curve), m.classes[7].ap);
    page->buildPrCurve();
    QCOMPARE(page->prPointsShown(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(page->prPointsShown(), int(m.classes[7].curve.size()), 30000); // about 3 s
    QVERIFY(page->findChild<QLabel*>("prLine")->text().contains("= AP of 7"));

    // Trained here, briefly; the Segmentation page waits meanwhile.
    page->epochsBox()->setValue(1);
    page->scenesBox()->setValue(64);
    page->setEvaluatedScenes(40);
    QSignalSpy finished(page, &DetectionPage::trainingFinished);
    page->train();
    QVERIFY(page->isTraining());
    window.applicationsTab()->segmentation()->train();
    QVERIFY(!window.applicationsTab()->segmentation()->isTraining());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 300000);
    QVERIFY(!page->isTraining());
    QVERIFY(!page->lossPoints().empty());
    QCOMPARE(int(page->mapPoints().size()), 1);
    QVERIFY(page->mapPoints().front().second >= 0.0 && page->mapPoints().front().second <= 1.0);
    QVERIFY2(page->statusText().startsWith("Done"), qPrintable(page->statusText()));
    const std::vector<Figure> figures = window.figures();
    QCOMPARE(figures.size(), size_t(3));
    QCOMPARE(figures[0].name, QStringLiteral("detection"));
    QCOMPARE(figures[1].name, QStringLiteral("detection-precision-recall"));
  }

  // The Generation page's VAE: the shipped mini-vae-2d's latent plane holds the 2,000 test digits;
  // a point of the plane decodes to exactly what `convscope generate --code` computes for the same
  // z (the engine's decoder on that code); a walk between two clicks; β reaches the training; a
  // short run reports the loss's two parts per epoch and ends with the plane redrawn.
  void generationPageDecodesThePlaneAndTrainsTheVae() {
    MainWindow window;
    window.show();
    window.showGeneration();
    GenerationPage* page = window.applicationsTab()->generation();
    VaePanel* vae = page->vae();
    QVERIFY2(vae->hasModel(), qPrintable(vae->statusText()));
    QCOMPARE(vae->codeSize(), 2);
    QCOMPARE(int(vae->planeView()->points().size()), 2000);
    QVERIFY(!vae->plane().principal);
    // A point of the plane, decoded by the panel and by the engine from the same file.
    LatentPlaneView* plane = vae->planeView();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const QPointF at(0.7, -1.2);
    const QPoint where = plane->toWidget(at).toPoint();
    QMouseEvent move(QEvent::MouseMove, where, plane->mapToGlobal(where), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(plane, &move); // hovering
    const QPointF chosen = plane->current();
    QVERIFY(std::abs(chosen.x() - at.x()) < 0.1 && std::abs(chosen.y() - at.y()) < 0.1);
    const std::vector<float> z = vae->decodedCode();
    QCOMPARE(int(z.size()), 2);
    QVERIFY(std::abs(double(z[0]) - chosen.x()) < 1e-6 && std::abs(double(z[1]) - chosen.y()) < 1e-6); // the plane is the code
    Model file = convscope::loadModel(resourcesDirectory() + "/models/mini-vae-2d-digits.json");
    Network decoder = vaeDecoder(file.network);
    auto backend = makeBackend(BackendKind::Onednn);
    const Tensor expected = decodeCodes(decoder, *backend, Tensor(Shape{1, 2}, z));
    QCOMPARE(vae->decodedImage().shape(), expected.shape());
    for (int64_t i = 0; i < expected.size(); ++i) QCOMPARE(vae->decodedImage().data()[i], expected.data()[i]);
    // The grid of decodes, and a walk between two clicks.
    QCOMPARE(vae->gridView()->count(), 100);
    QTest::mouseClick(plane, Qt::LeftButton, {}, plane->toWidget(QPointF(-1, -1)).toPoint());
    QTest::mouseClick(plane, Qt::LeftButton, {}, plane->toWidget(QPointF(1, 1)).toPoint());
    QCOMPARE(vae->walkView()->count(), 10);
    const QString gif = QDir::temp().filePath("convscope-vae-walk.gif");
    QString error;
    QVERIFY2(vae->saveWalkAnimation(gif, &error), qPrintable(error));
    QVERIFY(QFileInfo(gif).size() > 1000);
    QFile::remove(gif);
    // A 16-number code is shown on its principal plane.
    vae->chooseShipped(1);
    QCOMPARE(vae->codeSize(), 16);
    QVERIFY(vae->plane().principal);
    QVERIFY(vae->plane().explained > 0.1 && vae->plane().explained <= 1.0);
    // Training briefly with β = 2: both parts of the loss per epoch.
    vae->chooseShipped(0);
    vae->setBeta(2.0);
    vae->epochsBox()->setValue(1);
    vae->setTrainImages(256);
    vae->setTestImages(200);
    QSignalSpy finished(vae, &GenerativePanel::trainingFinished);
    vae->train();
    QVERIFY(vae->isTraining());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 300000);
    QCOMPARE(int(vae->reconstructionPoints().size()), 1);
    QVERIFY(vae->reconstructionPoints().front().second > 50);
    QVERIFY(vae->klPoints().front().second >= 0);
    QVERIFY2(vae->statusText().startsWith("Done") && vae->statusText().contains("β = 2.0"),
             qPrintable(vae->statusText()));
    QCOMPARE(int(vae->planeView()->points().size()), 2000);
    const std::vector<Figure> figures = window.figures();
    QCOMPARE(figures.size(), size_t(4));
    QCOMPARE(figures[0].name, QStringLiteral("generation-latent-plane"));
  }

  // The Generation page's GAN: the shipped mini-dcgan's 64 samples and their census by LeNet-5;
  // training paused, then Step runs exactly one discriminator step and one generator step: one
  // more step reported with its two losses and D's outputs, and the samples redrawn from the new
  // weights.
  void generationPageStepsTheGan() {
    MainWindow window;
    window.show();
    window.showGeneration();
    GenerationPage* page = window.applicationsTab()->generation();
    page->setCurrentWidget(page->gan());
    GanPanel* gan = page->gan();
    QVERIFY2(gan->hasModel(), qPrintable(gan->statusText()));
    QCOMPARE(gan->samplesView()->count(), 64);
    QCOMPARE(int(gan->census().classes.size()), 1000);
    gan->setShowVerdicts(true);
    QCOMPARE(gan->samplesView()->captions().size(), 64);
    gan->epochsBox()->setValue(2);
    gan->setTrainImages(6400); // 100 batches an epoch: time to pause
    gan->setTestImages(100);
    QSignalSpy finished(gan, &GenerativePanel::trainingFinished);
    gan->train();
    QVERIFY(gan->isTraining());
    QTRY_VERIFY_WITH_TIMEOUT(gan->stepsSeen() >= 2, 60000);
    // However the test ends, the run stops before the window goes (else the window waits for it).
    const auto stopRun = qScopeGuard([&] {
      gan->stop();
      for (int i = 0; i < 600 && gan->isTraining(); ++i) QTest::qWait(100);
    });
    gan->togglePause();
    QVERIFY(gan->isPaused());
    // The pause lands between batches: wait until none has arrived for 3 s (a batch takes about 1 s
    // under the sanitizers).
    int seen = -1;
    while (seen != gan->stepsSeen()) {
      seen = gan->stepsSeen();
      QTest::qWait(3000);
    }
    const Tensor before = gan->samplesView()->images();
    gan->step();
    QTRY_COMPARE_WITH_TIMEOUT(gan->stepsSeen(), seen + 1, 30000);
    QTest::qWait(300);
    QCOMPARE(gan->stepsSeen(), seen + 1); // exactly one
    const BatchReport& s = gan->lastStep();
    QVERIFY(s.gan);
    QVERIFY(s.discriminatorLoss > 0 && s.generatorLoss > 0);
    QVERIFY(s.realScore > 0 && s.realScore < 1 && s.fakeScore > 0 && s.fakeScore < 1);
    QVERIFY2(gan->stepText().contains(QString::number(s.discriminatorLoss, 'f', 3)), qPrintable(gan->stepText()));
    QTRY_VERIFY_WITH_TIMEOUT(gan->samplesView()->images().values() != before.values(), 10000);
    gan->stop();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    QVERIFY(!gan->isTraining());
    QVERIFY(gan->animationFrames() > 0);
    const QString png = QDir::temp().filePath("convscope-gan-samples.png");
    QString error;
    QVERIFY2(gan->saveSamples(png, &error), qPrintable(error));
    QVERIFY(QImage(png).width() > 8 * 28);
    QFile::remove(png);
    const std::vector<Figure> figures = window.figures();
    QCOMPARE(figures.size(), size_t(4));
    QCOMPARE(figures[0].name, QStringLiteral("generation-gan-samples"));
  }

  // The super-resolution page: the shipped plain and adversarial models on the rows, each caption
  // the PSNR the engine computes for that digit, the table the engine's evaluation over 500
  // held-out digits (the plain model's discriminator sees through it, the adversarial one's does
  // not); a file that is no upscaler is refused by name; retraining the plain model runs and its
  // column and figures follow.
  void generationPageComparesTheUpscalers() {
    MainWindow window;
    window.show();
    window.showSuperResolution(2);
    SuperResolutionPanel* sr = window.applicationsTab()->generation()->superResolution();
    QVERIFY(sr->isVisible());
    QCOMPARE(sr->factor(), 2);
    QVERIFY2(sr->hasModel(SuperResolutionPanel::Plain) && sr->hasModel(SuperResolutionPanel::Adversarial),
             qPrintable(sr->statusText()));
    QCOMPARE(sr->column(0)->count(), SuperResolutionPanel::kRows);
    const UpscalingEvaluation plain = sr->evaluation(SuperResolutionPanel::Plain), // copies: retraining replaces them
        adversarial = sr->evaluation(SuperResolutionPanel::Adversarial);
    QCOMPARE(plain.count, int64_t(SuperResolutionPanel::kJudged));
    QVERIFY(plain.realScore < 0.2 && adversarial.realScore > 0.3); // what the lesson is about
    QVERIFY(plain.psnr > sr->baseline().bicubicPsnr + 3);
    QCOMPARE(sr->table()->item(1, 0)->text(), QString::number(plain.psnr, 'f', 2));
    QCOMPARE(sr->table()->item(2, 2)->text(), QString::number(adversarial.realScore, 'f', 2));

    // The engine on the same files: the evaluation and the adversarial column's captions.
    const std::string models = resourcesDirectory() + "/models/";
    Model file = loadModel(models + "mini-srgan-digits.json");
    Model lenet = loadModel(models + "lenet5-digits.json");
    const DatasetSplit digits = loadDataset("digits", 1, 28, 28);
    OnednnBackend backend;
    const UpscalingEvaluation e =
        evaluateUpscaling(file.network, &*file.discriminator, backend, digits.test, *file.info.preprocess,
                          &lenet.network, &*lenet.info.preprocess, SuperResolutionPanel::kJudged);
    QCOMPARE(float(adversarial.psnr), float(e.psnr));
    QCOMPARE(float(adversarial.accuracy), float(e.accuracy));
    const Tensor real = sr->column(4)->images();
    const Tensor made = upscaleImages(file.network, backend, shrinkImages(real, 14, 14));
    QCOMPARE(sr->column(3)->captions().front(), QString::number(psnr(made.data(), real.data(), 784), 'f', 2) + " dB");

    QString error;
    const Tensor plainColumn = sr->column(2)->images();
    QVERIFY(!sr->loadModel(SuperResolutionPanel::Plain,
                           QString::fromStdString(models + "mini-dcgan-digits.json"), &error));
    QVERIFY2(error.contains("not a trained super-resolution GAN"), qPrintable(error));
    QVERIFY(sr->hasModel(SuperResolutionPanel::Plain)); // the page keeps what it had
    QCOMPARE(sr->column(2)->images().values(), plainColumn.values());
    QCOMPARE(sr->evaluation(SuperResolutionPanel::Plain).psnr, plain.psnr);

    // ×4: its own shipped pair, the rows shrunk to 7×7; a ×2 model is refused there by name.
    sr->setFactor(4);
    QVERIFY2(sr->hasModel(SuperResolutionPanel::Plain) && sr->hasModel(SuperResolutionPanel::Adversarial),
             qPrintable(sr->statusText()));
    QCOMPARE(sr->column(0)->images().shape(), (Shape{SuperResolutionPanel::kRows, 1, 28, 28}));
    QVERIFY(sr->evaluation(SuperResolutionPanel::Plain).psnr < plain.psnr); // more is missing
    QVERIFY(sr->evaluation(SuperResolutionPanel::Plain).psnr > sr->baseline().bicubicPsnr + 3);
    QVERIFY(!sr->loadModel(SuperResolutionPanel::Adversarial, QString::fromStdString(models + "mini-srgan-digits.json"),
                           &error));
    QVERIFY2(error.contains("choose the other factor"), qPrintable(error));
    sr->setFactor(2);
    QCOMPARE(float(sr->evaluation(SuperResolutionPanel::Adversarial).psnr), float(e.psnr));

    sr->slotBox()->setCurrentIndex(SuperResolutionPanel::Plain);
    QVERIFY(!sr->weightBox()->isEnabled());
    sr->epochsBox()->setValue(1);
    sr->setTrainImages(256);
    sr->setTestImages(100);
    const Tensor before = sr->column(2)->images();
    QSignalSpy finished(sr, &GenerativePanel::trainingFinished);
    const auto stopRun = qScopeGuard([&] {
      sr->stop();
      for (int i = 0; i < 600 && sr->isTraining(); ++i) QTest::qWait(100);
    });
    sr->train();
    QVERIFY(sr->isTraining());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    QCOMPARE(int(sr->psnrCurve().size()), 1);
    QVERIFY(sr->psnrCurve().front().second > 5);
    QVERIFY(sr->column(2)->images().values() != before.values()); // four batches: a new, worse model
    QVERIFY(sr->evaluation(SuperResolutionPanel::Plain).psnr < plain.psnr);
    QVERIFY2(sr->statusText().startsWith("Done."), qPrintable(sr->statusText()));
    const std::vector<Figure> figures = window.figures();
    QCOMPARE(figures.size(), size_t(7));
    QCOMPARE(figures[5].name, QStringLiteral("generation-sr-table"));
  }

  void presenterModeTogglesAndRestores() {
    MainWindow window;
    window.show();
    const qreal before = QApplication::font().pointSizeF();
    window.setPresenterMode(true);
    QVERIFY(window.isPresenterMode());
    QVERIFY(QApplication::font().pointSizeF() >= before * MainWindow::kPresenterScale - 0.01);
    QCOMPARE(QApplication::palette().color(QPalette::Base), QColor(Qt::white)); // high contrast
    QCOMPARE(QApplication::palette().color(QPalette::Text), QColor(Qt::black));
    window.setPresenterMode(false);
    QCOMPARE(QApplication::font().pointSizeF(), before);
  }
};

QTEST_MAIN(MainWindowTest)
#include "MainWindowTest.moc"

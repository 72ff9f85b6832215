// QtTest of lecture files (.convscope) through the real window: everything a slide's
// demonstration sets round-trips exactly (saved again, the file is byte for byte the same),
// photos travel inside the file, the backward pass's step comes back, recent lectures are
// listed, and a bad file is refused by name with the window's state kept.
#include "UiTestUtils.h"
#include "common/TestPaths.h"

#include "ui/applications/ApplicationsTab.h"
#include "ui/applications/DetectionPage.h"
#include "ui/architectures/ArchitectureTab.h"
#include "ui/stepper/BackwardStepper.h"
#include "ui/stepper/Stepper.h"
#include "ui/core/Workspace.h"

#include "engine/lessons/Kernels.h"
#include "engine/io/LectureFile.h"
#include "engine/io/MatrixText.h"

#include <QMenu>
#include <QMenuBar>
#include <QTabWidget>
#include <QTemporaryDir>

using namespace convscope;
using namespace convscope::ui;
using convscope::test::example;

namespace {
QByteArray contents(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
} // namespace

class LectureTest : public QObject {
  Q_OBJECT
private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QSettings().clear();
    qputenv("CONVSCOPE_NO_PROMPTS", "1");
  }

  void aLectureRoundTripsTheWindowStateExactly() {
    QTemporaryDir dir;
    QVERIFY(QFile::copy(QString::fromStdString(convscope::test::resourcePath("models/lenet5-digits.json")), dir.filePath("lenet5.json")));
    const QString lecture = dir.filePath("rgb-slide.convscope");
    {
      MainWindow a;
      a.show();
      QVERIFY(a.openFile(example("rgb5.txt")));
      Workspace* w = a.workspace();
      w->setKernels({{"rgb kernel", loadMatrixFile(example("rgb-kernel.txt").toStdString())},
                     {"sharpen", findClassicKernel("sharpen")->weights}});
      FilterOptions o;
      o.padding = PaddingSpec::parse("1");
      o.strideH = 2, o.strideW = 1, o.bias = 1.5f;
      o.perChannel = true; // a one-block kernel on each of the 3 channels: 3 output channels
      Pool2DGeometry pool;
      pool.mode = PoolMode::Average, pool.kernelH = pool.kernelW = 3, pool.strideH = pool.strideW = 1;
      w->setProcessing(o, ActivationKind::Tanh, true, pool);
      QVERIFY(a.openModel(dir.filePath("lenet5.json")));
      QSignalSpy loaded(a.architectureTab(), &ArchitectureTab::loaded);
      a.architectureTab()->openNetwork("mini-vgg");
      QVERIFY(loaded.wait(30000));
      a.featureMaps()->setContrast(4);
      a.showStepper();
      a.stepper()->setMode(Stepper::Mode::Activation);
      a.stepper()->setKernelIndex(1);
      a.stepper()->setOutputChannel(2); // sharpen (one block) on each of the 3 channels
      a.stepper()->setPosition(5);
      QVERIFY(a.saveLecture(lecture));
      QCOMPARE(a.lecturePath(), QFileInfo(lecture).absoluteFilePath());
    }
    MainWindow b;
    b.show();
    QVERIFY(b.openFile(lecture)); // as a double click or `convscope FILE` opens it
    QVERIFY2(b.errorText().isEmpty(), qPrintable(b.errorText()));
    const Workspace* w = b.workspace();
    QCOMPARE(w->inputName(), QStringLiteral("rgb5.txt"));
    QVERIFY(w->inputIsMatrix());
    QVERIFY(w->input().shape() == Shape({1, 3, 5, 5}));
    QVERIFY(w->input().values() == loadMatrixFile(example("rgb5.txt").toStdString()).values());
    QCOMPARE(int(w->kernels().size()), 2);
    QCOMPARE(w->kernels()[1].name, std::string("sharpen"));
    QVERIFY(w->kernels()[1].weights.values() == findClassicKernel("sharpen")->weights.values());
    QCOMPARE(w->convolution().strideH, int64_t(2));
    QCOMPARE(w->convolution().strideW, int64_t(1));
    QCOMPARE(w->convolution().padding.top, int64_t(1));
    QCOMPARE(w->convolution().bias, 1.5f);
    QVERIFY(w->convolution().perChannel);
    QVERIFY(w->activation() == ActivationKind::Tanh);
    QVERIFY(w->pooling());
    QVERIFY(w->pool().mode == PoolMode::Average);
    QCOMPARE(w->pool().kernelH, int64_t(3));
    QCOMPARE(w->pool().strideW, int64_t(1));
    QVERIFY(w->hasModel());
    QCOMPARE(QFileInfo(w->modelPath()).canonicalFilePath(), QFileInfo(dir.filePath("lenet5.json")).canonicalFilePath());
    QCOMPARE(b.featureMaps()->contrast(), 4);
    QCOMPARE(b.tabWidget()->currentWidget(), static_cast<QWidget*>(b.stepper()));
    QCOMPARE(b.stepper()->mode(), Stepper::Mode::Activation);
    QCOMPARE(b.stepper()->kernelIndex(), 1);
    QCOMPARE(b.stepper()->outputChannel(), 2);
    QCOMPARE(b.stepper()->position(), 5);
    QTRY_COMPARE_WITH_TIMEOUT(b.architectureTab()->networkName(), QStringLiteral("mini-vgg"), 30000);
    // Saved again, the same bytes: nothing was lost or changed on the way.
    const QString again = dir.filePath("again.convscope");
    QVERIFY(b.saveLecture(again));
    QCOMPARE(contents(again), contents(lecture));
    // File → Recent Lectures lists it.
    QMenu* recent = nullptr;
    for (QMenu* m : b.menuBar()->findChildren<QMenu*>())
      if (m->title().remove('&') == "Recent Lectures") recent = m;
    QVERIFY(recent && recent->isEnabled());
    QVERIFY(recent->actions().first()->text().contains("again"));
  }

  void aPhotoTravelsInsideTheFileExactly() {
    QTemporaryDir dir;
    MainWindow a;
    a.show();
    QVERIFY(a.openFile(QString::fromStdString(convscope::test::resourcePath("samples/astronaut.png"))));
    const Tensor shown = a.workspace()->input(); // downscaled to the working size, whole values
    QVERIFY(a.saveLecture(dir.filePath("photo.convscope")));
    QVERIFY(QFileInfo(dir.filePath("photo.convscope")).size() < 1024 * 1024);
    MainWindow b;
    QVERIFY(b.openLecture(dir.filePath("photo.convscope")));
    QVERIFY(!b.workspace()->inputIsMatrix());
    QCOMPARE(b.workspace()->inputName(), QStringLiteral("astronaut.png"));
    QVERIFY(b.workspace()->input().shape() == shown.shape());
    QVERIFY(b.workspace()->input().values() == shown.values());
  }

  void theBackwardPassComesBackAtItsStep() {
    QTemporaryDir dir;
    MainWindow a;
    a.show();
    QVERIFY(a.openFile(example("six.txt")));
    a.showStepper();
    a.stepper()->setMode(Stepper::Mode::Backward);
    BackwardStepper* back = a.stepper()->backward();
    QTRY_VERIFY(back->lesson());
    for (int i = 0; i < 40; ++i) back->stepForward();
    const int loop = back->loop(), cell = back->cell();
    const auto stage = back->stage();
    QVERIFY(a.saveLecture(dir.filePath("backward.convscope")));
    MainWindow b;
    b.show();
    QVERIFY(b.openLecture(dir.filePath("backward.convscope")));
    QCOMPARE(b.stepper()->mode(), Stepper::Mode::Backward);
    QCOMPARE(b.stepper()->backward()->loop(), loop);
    QCOMPARE(int(b.stepper()->backward()->stage()), int(stage));
    QCOMPARE(b.stepper()->backward()->cell(), cell);
    QCOMPARE(b.stepper()->backward()->arithmeticText(), back->arithmeticText());
  }

  // The detection page comes back on its scene, thresholds, NMS step and clicked cell.
  void theDetectionPageComesBackAtItsStep() {
    QTemporaryDir dir;
    MainWindow a;
    a.show();
    a.showDetection();
    DetectionPage* page = a.applicationsTab()->detection();
    QTRY_VERIFY(!page->truths().empty());
    page->showTestScene(17);
    page->setThresholds(0.25, 0.5);
    page->selectCell(1, 3, 4);
    page->resetNms();
    page->stepNms();
    QVERIFY(a.saveLecture(dir.filePath("detection.convscope")));
    MainWindow b;
    b.show();
    QVERIFY(b.openLecture(dir.filePath("detection.convscope")));
    DetectionPage* back = b.applicationsTab()->detection();
    QCOMPARE(b.applicationsTab()->currentWidget(), back);
    QTRY_COMPARE(back->sceneIndex(), 17);
    QCOMPARE(back->scoreThreshold(), 0.25);
    QCOMPARE(back->iouThreshold(), 0.5);
    QCOMPARE(back->nmsStep(), 1);
    QCOMPARE(back->selectedLevel(), 1);
    QCOMPARE(back->selectedCellY(), 3);
    QCOMPARE(back->selectedCellX(), 4);
    QCOMPARE(back->cellText(), page->cellText());
  }

  void aBadLectureIsRefusedByNameAndTheWindowStays() {
    QTemporaryDir dir;
    MainWindow w;
    w.show();
    QVERIFY(w.openFile(example("six.txt")));
    const auto write = [&dir](const QString& name, const QByteArray& text) {
      QFile f(dir.filePath(name));
      f.open(QIODevice::WriteOnly);
      f.write(text);
      return dir.filePath(name);
    };
    QVERIFY(!w.openLecture(write("garbage.convscope", "not json")));
    QVERIFY2(w.errorText().contains("garbage.convscope") && w.errorText().contains("not a ConvScope lecture"),
             qPrintable(w.errorText()));
    QCOMPARE(w.workspace()->inputName(), QStringLiteral("six.txt"));
    // A valid lecture with one bad field: the field is named.
    LectureState s = w.lectureState(dir.filePath("x.convscope"));
    std::string text = serializeLecture(s);
    text.replace(text.find("\"activation\": \""), 15, "\"activation\": \"swish-");
    QVERIFY(!w.openLecture(write("field.convscope", QByteArray::fromStdString(text))));
    QVERIFY2(w.errorText().contains("\"activation\""), qPrintable(w.errorText()));
    QVERIFY(!w.openLecture(dir.filePath("missing.convscope")));
    QVERIFY2(w.errorText().contains("missing.convscope: no such file"), qPrintable(w.errorText()));
    QCOMPARE(w.workspace()->inputName(), QStringLiteral("six.txt"));
    // A model that moved: the lecture opens and the model is named.
    s.model = "gone/model.json";
    QVERIFY(w.openLecture(write("moved.convscope", QByteArray::fromStdString(serializeLecture(s)))));
    QVERIFY2(w.errorText().contains("model.json"), qPrintable(w.errorText()));
  }
};

QTEST_MAIN(LectureTest)
#include "LectureTest.moc"

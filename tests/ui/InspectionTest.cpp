// Looking inside a trained network in the real window (issue 31): live input from a video file
// written by the test — every shown map belongs to a frame of the file, the GUI thread stays
// responsive at 30 frames a second, and frames are dropped, never queued, when the pipeline is
// slower than the video.
#include "UiTestUtils.h"

#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/io/VideoSource.h"
#include "engine/lessons/Kernels.h"
#include "engine/lessons/Pipeline.h"
#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/inspection/Adversarial.h"
#include "engine/inspection/FeatureVisualization.h"
#include "engine/inspection/ReceptiveField.h"
#include "engine/training/Dataset.h"
#include "ui/applications/ImageGrid.h"
#include "ui/core/Workspace.h"
#include "ui/inspection/FoolPage.h"
#include "ui/inspection/InspectionTab.h"
#include "ui/inspection/ProbePage.h"
#include "ui/maps/EffectiveFields.h"
#include "ui/maps/FeatureMapView.h"
#include "ui/maps/LiveFeed.h"
#include "ui/training/DrawingPad.h"

#include <opencv2/videoio.hpp>

#include <QElapsedTimer>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSlider>
#include <QStackedWidget>
#include <QLabel>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <future>
#include <thread>

using namespace convscope;
using namespace convscope::ui;

namespace {
// `count` (at most 70) frames of width×height pixels at `fps`, frame k a uniform grey of 40 + 3k
// with a white rectangle whose place moves with k (so that the maps differ in shape too). MJPEG in AVI: OpenCV's
// own encoder, present wherever OpenCV is.
QString writeVideo(const QTemporaryDir& dir, const QString& name, int count, int width, int height, double fps) {
  const QString path = dir.filePath(name);
  cv::VideoWriter writer(path.toStdString(), cv::CAP_OPENCV_MJPEG, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps,
                         cv::Size(width, height));
  if (!writer.isOpened()) return {};
  for (int k = 0; k < count; ++k) {
    cv::Mat frame(height, width, CV_8UC3, cv::Scalar::all(40 + 3 * k));
    const int at = (k * 7) % (width - width / 4);
    frame(cv::Rect(at, height / 3, width / 4, height / 4)).setTo(cv::Scalar::all(250));
    writer.write(frame);
  }
  return path;
}

// The frame a shown input is: the nearest grey level of the background (its top-left pixel).
int frameOf(const Tensor& input) { return int(std::lround((input.at(0, 0, 0, 0) - 40.0f) / 3.0f)); }

// Every frame read was shown or dropped: none waits to be taken.
bool nothingWaits(const ui::MainWindow& w) {
  const LiveFeed::Counts c = w.liveFeed()->counts();
  return c.taken + c.dropped == c.read;
}

// Under a sanitizer (scripts/test-sanitizers.sh sets CONVSCOPE_SANITIZED) every step is several times
// slower: the assertions about time and rates are for the plain build only.
bool sanitized() { return qEnvironmentVariableIsSet("CONVSCOPE_SANITIZED"); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}
} // namespace

class InspectionTest : public QObject {
  Q_OBJECT
private slots:
  void aVideoFeedsTheMapsFrameByFrameAndTheWindowStaysResponsive();
  void framesThePipelineCannotKeepUpWithAreDroppedNotQueued();
  void aFileThatIsNoVideoIsNamedAndTheInputKept();
  void aVideoLoopsUntilStoppedAndAnotherInputStopsIt();
  void aCameraThatStallsDoesNotHoldStop();
  void theProbeDrawsEachUnitsImageAsItIsMadeBesideItsTopTestImages();
  void theProbeWorksOnlyWhenShownAndLetsTheLiveMapsThrough();
  void foolItAttacksAsTheSliderMovesAndOnlyTheNewestWaits();
  void hoveringAUnitShowsItsTheoreticalAndEffectiveField();
  void anInputOutOfSightIsPinnedWithItsPicture();
  void presentingEveryNumberOfTheInspectTabIsLarge();
};

void InspectionTest::aVideoFeedsTheMapsFrameByFrameAndTheWindowStaysResponsive() {
  QTemporaryDir dir;
  const QString path = writeVideo(dir, "frames.avi", 70, 320, 240, 30.0);
  QVERIFY2(!path.isEmpty(), "OpenCV could not write an MJPEG video");
  std::vector<Tensor> frames; // as the window reads them
  {
    auto source = VideoSource::openFile(path.toStdString());
    QCOMPARE(source->framesPerSecond(), 30.0);
    for (Tensor t; source->read(t);) frames.push_back(t);
  }
  QCOMPARE(int(frames.size()), 70);
  for (int k = 0; k < 70; ++k) QCOMPARE(frameOf(frames[size_t(k)]), k);

  ui::MainWindow w;
  w.resize(1280, 800);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  const ClassicKernel* sobel = findClassicKernel("sobel-x");
  w.workspace()->setKernels({{sobel->name, sobel->weights}});
  test::settle(w);
  std::vector<PipelineSnapshot> shown;
  connect(w.runner(), &PipelineRunner::resultReady, this, [&](PipelineSnapshot r) { shown.push_back(r); });
  // The GUI thread's event-loop latency: how late a 5 ms timer fires, all through the video.
  std::vector<double> late;
  QElapsedTimer clock;
  QTimer heartbeat;
  heartbeat.setTimerType(Qt::PreciseTimer);
  heartbeat.setInterval(5);
  double last = -1;
  connect(&heartbeat, &QTimer::timeout, this, [&] {
    const double now = double(clock.nsecsElapsed()) / 1e6;
    if (last >= 0) late.push_back(std::max(0.0, now - last - 5.0));
    last = now;
  });
  clock.start();
  heartbeat.start();
  QVERIFY(w.openVideo(path, false)); // once, to its end
  QVERIFY(w.liveStatus().contains("frames.avi"));
  QTRY_VERIFY_WITH_TIMEOUT(w.liveFeed()->counts().ended, 15000);
  QTRY_VERIFY_WITH_TIMEOUT(w.runner()->isSettled() && nothingWaits(w), 5000);
  heartbeat.stop();
  const LiveFeed::Counts counts = w.liveFeed()->counts();
  QCOMPARE(counts.read, int64_t(70));
  QVERIFY2(counts.taken >= (sanitized() ? 5 : 35), qPrintable(QString("only %1 of 70 frames shown").arg(counts.taken)));

  // Every result shown is a frame of the file, in order, and its maps are that frame's.
  OnednnBackend backend; // the kernels themselves are checked against the reference elsewhere
  PipelineSpec spec = w.workspace()->pipelineSpec();
  int before = -1, checked = 0;
  for (const PipelineSnapshot& r : shown) {
    const Tensor input = r->values(0).inLayout(Layout::NCHW);
    const int k = frameOf(input);
    QVERIFY2(k > before && k < 70, qPrintable(QString("frame %1 after %2").arg(k).arg(before)));
    before = k;
    QCOMPARE(input.shape(), frames[size_t(k)].shape());
    QVERIFY2(input.values() == frames[size_t(k)].values(), qPrintable(QString("frame %1's pixels differ").arg(k)));
    ++checked;
    spec.displaySide = r->inputSide;
    const PipelineResult expected = runPipeline(backend, frames[size_t(k)], spec);
    const Tensor got = r->values(1).inLayout(Layout::NCHW), want = expected.values(1).inLayout(Layout::NCHW);
    QCOMPARE(got.shape(), want.shape());
    float worst = 0.0f;
    for (int64_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got.data()[i] - want.data()[i]));
    QVERIFY2(worst < 1e-3f, qPrintable(QString("frame %1's maps differ by %2").arg(k).arg(worst)));
  }
  QCOMPARE(int64_t(checked), counts.taken);
  if (!sanitized()) QVERIFY2(late.size() > 100, qPrintable(QString::number(late.size())));
  const double p99 = percentile(late, 0.99);
  qInfo("30 fps: %lld shown, %lld dropped; event-loop lateness p99 %.2f ms over %zu beats", (long long)counts.taken,
        (long long)counts.dropped, p99, late.size());
  if (!sanitized()) // a time
    QVERIFY2(p99 < 20.0, qPrintable(QString("p99 event-loop latency %1 ms").arg(p99)));
  QVERIFY(w.liveStatus().contains("ended after 70 frames"));
  QVERIFY(w.workspace()->inputName().contains("frames.avi, frame"));
}

void InspectionTest::framesThePipelineCannotKeepUpWithAreDroppedNotQueued() {
  // 70 frames of 480×480 at 500 a second: 0.14 s of video, far faster than eight maps of 480²
  // are computed and drawn. The newest frame waits, the rest are dropped; when the file ends,
  // the window is at most one frame behind (a queue would still be working through a backlog).
  QTemporaryDir dir;
  const QString path = writeVideo(dir, "fast.avi", 70, 480, 480, 500.0);
  QVERIFY(!path.isEmpty());
  ui::MainWindow w;
  w.resize(1280, 800);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  std::vector<NamedKernel> bank;
  for (const char* name : {"sobel-x", "sobel-y", "laplacian-4", "sharpen", "box-blur", "gaussian-blur", "emboss",
                           "gaussian-blur-5"})
    if (const ClassicKernel* k = findClassicKernel(name)) bank.push_back({k->name, k->weights});
  w.workspace()->setKernels(bank);
  test::settle(w);
  int results = 0;
  connect(w.runner(), &PipelineRunner::resultReady, this, [&] { ++results; });
  QVERIFY(w.openVideo(path, false)); // once, to its end
  QTRY_VERIFY_WITH_TIMEOUT(w.liveFeed()->counts().ended, 15000);
  QElapsedTimer afterEnd;
  afterEnd.start();
  QTRY_VERIFY_WITH_TIMEOUT(w.runner()->isSettled() && nothingWaits(w), 5000);
  const double catchUpMs = double(afterEnd.elapsed());
  const LiveFeed::Counts counts = w.liveFeed()->counts();
  QCOMPARE(counts.read, int64_t(70));
  QVERIFY2(counts.dropped > 0, "a pipeline slower than the video dropped nothing");
  QVERIFY2(results <= counts.taken + 1, qPrintable(QString("%1 results for %2 frames").arg(results).arg(counts.taken)));
  const double jobMs = std::max(1.0, w.runner()->lastJobMilliseconds());
  qInfo("500 fps: %lld shown, %lld dropped; %.0f ms to settle after the end (one job %.1f ms)", (long long)counts.taken,
        (long long)counts.dropped, catchUpMs, jobMs);
  if (!sanitized())
    QVERIFY2(catchUpMs < 3 * jobMs + 500, qPrintable(QString("%1 ms behind after the end").arg(catchUpMs)));
  const int shownFrame = frameOf(w.workspace()->input());
  QVERIFY2(shownFrame >= 68, qPrintable(QString("the last frame shown is %1 of 70").arg(shownFrame)));
}

void InspectionTest::aFileThatIsNoVideoIsNamedAndTheInputKept() {
  ui::MainWindow w;
  w.show();
  QVERIFY(w.openFile(test::example("digit.png")));
  const QString before = w.workspace()->inputName();
  QTemporaryDir dir;
  const QString text = dir.filePath("notes.avi");
  QFile file(text);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write("these are lecture notes, not a video\n");
  file.close();
  QVERIFY(!w.openVideo(text));
  QVERIFY2(w.errorText().contains("notes.avi") && w.errorText().contains("not a video"), qPrintable(w.errorText()));
  QVERIFY(!w.openVideo(dir.filePath("missing.mp4")));
  QVERIFY2(w.errorText().contains("missing.mp4: no such file"), qPrintable(w.errorText()));
  QCOMPARE(w.workspace()->inputName(), before);
  QVERIFY(!w.liveFeed()->isRunning());
  QVERIFY(w.liveStatus().isEmpty());
  // A camera that is not there is named too (no machine running the tests has camera 63).
  QVERIFY(!w.startCamera(63));
  QVERIFY2(w.errorText().contains("camera 63"), qPrintable(w.errorText()));
}

void InspectionTest::aVideoLoopsUntilStoppedAndAnotherInputStopsIt() {
  QTemporaryDir dir;
  const QString path = writeVideo(dir, "short.avi", 10, 64, 48, 100.0); // 0.1 s
  QVERIFY(!path.isEmpty());
  ui::MainWindow w;
  w.show();
  QVERIFY(w.openVideo(path)); // as File → Open Video… and --video play it: over and over
  QTRY_VERIFY_WITH_TIMEOUT(w.liveFeed()->counts().loops >= 2, 5000);
  const LiveFeed::Counts c = w.liveFeed()->counts();
  QVERIFY(!c.ended);
  QVERIFY(c.read >= 20); // ten frames a play
  QTRY_VERIFY(w.liveStatus().contains("played"));
  // Opening a file is another input: the video stops, the file is shown.
  QVERIFY(w.openFile(test::example("digit.png")));
  QVERIFY(!w.liveFeed()->isRunning());
  QVERIFY(w.liveStatus().isEmpty());
  QCOMPARE(w.workspace()->inputName(), QString("digit.png"));
}

namespace {
QString lenetPath() { return QString::fromStdString(resourcesDirectory() + "/models/lenet5-digits.json"); }

// The window at 1280×800 showing the digit through the shipped LeNet-5, settled.
bool showLenetOnDigit(ui::MainWindow& w) {
  w.resize(1280, 800);
  w.show();
  if (!w.openFile(test::example("digit.png")) || !w.openModel(lenetPath())) return false;
  test::settle(w);
  return true;
}

// The map view's stage of network node `node` (stage k + 1 shows node k), or −1.
int stageOfNode(const FeatureMapView* view, int node) {
  for (int s = 0; s < view->stageCount(); ++s)
    if (view->result()->stages[size_t(s)].node == node) return s;
  return -1;
}
} // namespace

namespace {
// A camera whose driver stalls: its first frame comes at once, its second read blocks until the
// test lets it go (as V4L2's select waits out its timeout), then it stops answering.
class StallingCamera final : public FrameSource {
public:
  StallingCamera(std::shared_future<void> release, std::promise<void> closed)
      : release_(std::move(release)), closed_(std::move(closed)) {}
  ~StallingCamera() override { closed_.set_value(); }
  bool read(Tensor& frame) override {
    if (reads_++ == 0) {
      frame = Tensor(Shape{1, 3, 8, 8}, 100.0f);
      return true;
    }
    release_.wait();
    return false;
  }
  bool rewind() override { return false; }
  bool isFile() const override { return false; }
  const std::string& name() const override { return name_; }
  double framesPerSecond() const override { return 30.0; }

private:
  std::shared_future<void> release_;
  std::promise<void> closed_;
  int reads_ = 0;
  std::string name_ = "stalled camera";
};

// A camera that answers: a frame every 5 ms.
class SteadyCamera final : public FrameSource {
public:
  bool read(Tensor& frame) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    frame = Tensor(Shape{1, 3, 8, 8}, 50.0f);
    return true;
  }
  bool rewind() override { return false; }
  bool isFile() const override { return false; }
  const std::string& name() const override { return name_; }
  double framesPerSecond() const override { return 30.0; }

private:
  std::string name_ = "steady camera";
};
} // namespace

void InspectionTest::aCameraThatStallsDoesNotHoldStop() {
  // Stop returns within its wait (250 ms) while the camera's read hangs; the next camera starts at
  // once; the stalled reader, when its read finally returns, sends the window nothing, and it
  // closes its camera and ends by itself.
  std::promise<void> release, closed;
  std::future<void> camerasClosed = closed.get_future();
  LiveFeed feed;
  QSignalSpy waiting(&feed, &LiveFeed::frameWaiting), ended(&feed, &LiveFeed::ended);
  feed.start(std::make_unique<StallingCamera>(release.get_future().share(), std::move(closed)));
  QTRY_COMPARE(waiting.count(), 1);
  const std::optional<LiveFeed::Frame> first = feed.take();
  QVERIFY(first && first->number == 1);
  QTest::qWait(50); // the reader is now inside its second, stalled read
  // The driver gives up 2 s from now (V4L2's own timeout is 10 s): a Stop that waited for the
  // read would take that long.
  std::jthread driver([&release] { // (joined however the test ends)
    std::this_thread::sleep_for(std::chrono::seconds(2));
    release.set_value(); // the stalled read returns "no frame"
  });
  QElapsedTimer clock;
  clock.start();
  feed.stop();
  const qint64 stopped = clock.elapsed();
  if (!sanitized()) QVERIFY2(stopped < 1000, qPrintable(QString::number(stopped) + " ms"));
  QVERIFY(stopped >= LiveFeed::kStopWaitMs - 5); // it did wait for the read, that long and no longer
  QVERIFY(!feed.isRunning());
  QCOMPARE(LiveFeed::readersLetGo(), 1); // still inside its read
  QCOMPARE(feed.counts().read, int64_t(1));
  feed.start(std::make_unique<SteadyCamera>());
  QTRY_VERIFY(feed.counts().read >= 1); // (QTRY_VERIFY evaluates its test once more at the end:
  QVERIFY(feed.take().has_value());     // take() only once, when a frame waits)
  driver.join();
  QCOMPARE(camerasClosed.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  QVERIFY(LiveFeed::waitForReadersLetGo(5000)); // it ended by itself
  QTest::qWait(100);
  QCOMPARE(ended.count(), 0); // the stalled reader's end is not the steady camera's
  QVERIFY(feed.isRunning());
  QVERIFY(feed.counts().read >= 1);
  clock.restart();
  feed.stop(); // a camera that answers is stopped and joined at once
  if (!sanitized()) QVERIFY2(clock.elapsed() < 100, qPrintable(QString::number(clock.elapsed()) + " ms"));
}

void InspectionTest::theProbeDrawsEachUnitsImageAsItIsMadeBesideItsTopTestImages() {
  ui::MainWindow w;
  w.resize(1280, 800);
  w.show();
  w.showInspection(0);
  // No model: the tab offers the bundled ones; one click opens LeNet-5.
  auto* open = w.inspectionTab()->findChild<QPushButton*>("open-lenet5-digits.json");
  QVERIFY(open && open->isVisible());
  open->click();
  QVERIFY(w.workspace()->hasModel());
  ProbePage* probe = w.inspectionTab()->probe();
  QVERIFY(probe->isVisible());
  QCOMPARE(probe->layerName(), QString("conv2")); // the second convolution first
  QSignalSpy done(probe, &ProbePage::finished);
  probe->setSteps(32);
  probe->setRegularizers(false, false, false, false);
  QVERIFY(probe->setLayer("conv1"));
  // Live: the grid shows a unit's image before its 32 steps are all taken.
  bool sawPartial = false;
  QElapsedTimer clock;
  clock.start();
  while (done.isEmpty() && clock.elapsed() < 30000) {
    QTest::qWait(1);
    for (const ProbePage::Unit& u : probe->units()) sawPartial |= u.steps > 0 && u.steps < 32;
  }
  QVERIFY2(!done.isEmpty(), qPrintable(probe->status()));
  QTRY_VERIFY(!probe->isBusy());
  QVERIFY(sawPartial);
  QCOMPARE(int(probe->units().size()), 6); // conv1 has 6 maps
  QCOMPARE(probe->grid()->count(), 6 * (1 + ProbePage::kExamples));
  // Each image is what the engine makes, and excites its unit more than its best test image.
  Model lenet = loadModel(lenetPath().toStdString());
  const Dataset test = loadDataset("digits").test;
  ReferenceBackend backend;
  OnednnBackend fast; // the 2,000 test images' pass (the ranking itself is checked in the engine's tests)
  VisualizeOptions conv1;
  conv1.node = size_t(lenet.network.nodeIndex("conv1"));
  std::vector<int64_t> channels;
  for (const ProbePage::Unit& u : probe->units()) channels.push_back(u.channel);
  const std::vector<std::vector<DatasetExample>> tops = topDatasetExamples(
      lenet.network, fast, *lenet.info.preprocess, test, conv1, channels, ProbePage::kExamples, 2000);
  for (size_t i = 0; i < probe->units().size(); ++i) {
    const ProbePage::Unit& u = probe->units()[i];
    QCOMPARE(u.steps, 32);
    VisualizeOptions o = conv1;
    o.channel = u.channel;
    QVERIFY(std::abs(unitActivation(lenet.network, backend, *lenet.info.preprocess, u.image, o) - u.activation) < 1e-3);
    const std::vector<DatasetExample>& top = tops[i];
    QCOMPARE(int(u.examples.size()), ProbePage::kExamples);
    for (int k = 0; k < ProbePage::kExamples; ++k) {
      QCOMPARE(u.examples[size_t(k)].index, top[size_t(k)].index);
      QCOMPARE(u.examples[size_t(k)].height, int64_t(5)); // conv1 sees 5×5
    }
    QVERIFY2(u.activation > top[0].activation, qPrintable(QString("unit %1: %2 vs %3").arg(u.channel).arg(u.activation).arg(top[0].activation)));
  }
  // A switch changes the run: the one going stops, the new one ends with its own images.
  const Tensor plain = probe->units()[0].image;
  done.clear();
  probe->setRegularizers(false, true, true, true);
  QTRY_VERIFY_WITH_TIMEOUT(!done.isEmpty() && !probe->isBusy(), 30000);
  QVERIFY(probe->units()[0].image.values() != plain.values());
}

void InspectionTest::theProbeWorksOnlyWhenShownAndLetsTheLiveMapsThrough() {
  ui::MainWindow w;
  w.resize(1280, 800);
  w.show();
  QVERIFY(w.openFile(test::example("digit.png")));
  QVERIFY(w.openModel(lenetPath())); // the Feature maps tab shows: the Probe makes nothing
  ProbePage* probe = w.inspectionTab()->probe();
  QTest::qWait(400);
  QVERIFY(!probe->isBusy());
  QVERIFY(probe->units().empty());
  w.showInspection(0); // shown: it starts
  QTRY_VERIFY(probe->isBusy());
  probe->setRegularizers(false, false, false, false);
  probe->setSteps(2048); // seconds of work for six conv1 units
  QVERIFY(probe->setLayer("conv1"));
  QTRY_VERIFY(probe->isBusy() && !probe->units().empty() && probe->units()[0].steps > 0);
  // A new image for the live maps (another tab's view of the same compute thread) is through in
  // well under the Probe's run: its update waits for one chunk of steps, not the whole run.
  QElapsedTimer clock;
  clock.start();
  w.workspace()->loadFile(test::example("digit.png"), nullptr);
  QTRY_VERIFY_WITH_TIMEOUT(w.runner()->isSettled(), 5000);
  const qint64 mapsMs = clock.elapsed();
  QVERIFY2(probe->isBusy(), "the Probe finished before the maps came: the test proves nothing");
  qInfo("the live maps' update came %lld ms after the image, while the Probe went on", (long long)mapsMs);
  if (!sanitized()) QVERIFY2(mapsMs < 1500, qPrintable(QString::number(mapsMs)));
}

void InspectionTest::foolItAttacksAsTheSliderMovesAndOnlyTheNewestWaits() {
  ui::MainWindow w;
  w.resize(1280, 800);
  w.show();
  QVERIFY(w.workspace()->loadModel(lenetPath(), nullptr));
  w.showInspection(1);
  FoolPage* fool = w.inspectionTab()->fool();
  QVERIFY(fool->isVisible());
  QSignalSpy attacked(fool, &FoolPage::attacked);
  fool->setMethod(AttackMethod::Fgsm);
  fool->setEpsilon255(0);
  QTRY_VERIFY(fool->result() && !fool->isBusy());
  QCOMPARE(fool->result()->afterClass, fool->result()->beforeClass); // ε 0 changes nothing
  QVERIFY(fool->verdict().contains("not fooled"));
  // The slider swept from 1 to 64 in one go: far fewer attacks than positions, the last one shown.
  attacked.clear();
  for (int v = 1; v <= 64; ++v) fool->epsilonSlider()->setValue(v);
  QTRY_VERIFY(!fool->isBusy() && attacked.count() > 0);
  QTest::qWait(50);
  QVERIFY2(attacked.count() < 20, qPrintable(QString::number(attacked.count())));
  QVERIFY2(fool->verdict().contains("64 of 255"), qPrintable(fool->verdict()));
  // What is shown is the engine's attack on the same image.
  Model lenet = loadModel(lenetPath().toStdString());
  ReferenceBackend backend;
  AttackOptions options;
  options.epsilon = 64 / 255.0;
  const AttackResult want = attackImage(lenet.network, backend, *lenet.info.preprocess, fool->original(), options,
                                        loadDataset("digits").test.labels[0]);
  QCOMPARE(fool->result()->afterClass, want.afterClass);
  QVERIFY(fool->result()->linf <= 64 / 255.0 + 1e-6);
  for (size_t k = 0; k < want.after.size(); ++k) QVERIFY(std::abs(fool->result()->after[k] - want.after[k]) < 1e-3);
  // PGD fools at least as many of the first test images as FGSM at ε 0.1, and some.
  int fgsm = 0, pgd = 0;
  fool->setEpsilon255(26);
  for (int i = 0; i < 8; ++i) {
    for (AttackMethod m : {AttackMethod::Fgsm, AttackMethod::Pgd}) {
      fool->setMethod(m);
      QTRY_VERIFY(!fool->isBusy() && fool->result());
      QTest::qWait(1);
      const bool fooled = fool->result()->afterClass != fool->result()->beforeClass;
      (m == AttackMethod::Fgsm ? fgsm : pgd) += fooled;
    }
    fool->nextTestImage();
  }
  qInfo("ε 26/255 on 8 test digits: FGSM fooled %d, PGD %d", fgsm, pgd);
  QVERIFY(pgd >= fgsm);
  QVERIFY(pgd > 0);
  // Targeted: PGD at ε 0.25 pushes the image to the class asked for.
  fool->setEpsilon255(64);
  fool->setTarget(3);
  QTRY_VERIFY(!fool->isBusy() && fool->result());
  QTest::qWait(1);
  QCOMPARE(fool->result()->afterClass, 3);
  QVERIFY(fool->verdict().contains("pushed to 3"));
  // A drawn digit: nothing until something is drawn, then attacked.
  fool->setTarget(-1);
  fool->setSource(FoolPage::Source::Drawing);
  QVERIFY(fool->verdict().contains("draw a digit"));
  QVERIFY(fool->pad()->isVisible());
  fool->pad()->drawStroke({100, 40}, {100, 170});
  QTRY_VERIFY(!fool->isBusy() && fool->result());
  QCOMPARE(fool->original().shape(), Shape({1, 1, 32, 32}));
}

void InspectionTest::hoveringAUnitShowsItsTheoreticalAndEffectiveField() {
  ui::MainWindow w;
  QVERIFY(showLenetOnDigit(w));
  FeatureMapView* view = w.featureMaps();
  // conv2 (node 3), map 4, unit (row 2, column 5): 14×14 from row 4, column 10.
  int stage = stageOfNode(view, 3);
  QVERIFY(stage > 0);
  view->hoverUnit(stage, 4, 2, 5);
  QCOMPARE(view->fieldWindow(), QRect(10, 4, 14, 14));
  QTRY_VERIFY(view->hasEffectiveField());
  // The effective field is the engine's, and lies inside the theoretical window.
  Model lenet = loadModel(lenetPath().toStdString());
  ReferenceBackend backend;
  const Tensor input = view->result()->values(0).inLayout(Layout::NCHW);
  const Tensor want = effectiveReceptiveField(lenet.network, backend, input, 3, 4, 2, 5);
  const Tensor& got = view->effectiveField();
  QCOMPARE(got.shape(), want.shape());
  float outside = 0.0f, peak = 0.0f;
  for (int64_t y = 0; y < 32; ++y)
    for (int64_t x = 0; x < 32; ++x) {
      const float v = got.data()[y * 32 + x];
      QVERIFY(std::abs(v - want.data()[y * 32 + x]) <= 1e-4f * (1.0f + std::abs(v)));
      if (!view->fieldWindow().contains(int(x), int(y))) outside = std::max(outside, v);
      peak = std::max(peak, v);
    }
  QCOMPARE(outside, 0.0f);
  QVERIFY(peak > 0.0f);
  // A dense layer sees the whole image; leaving the maps takes the frame away.
  stage = stageOfNode(view, 6); // conv3: 120 maps of 1×1
  view->hoverUnit(stage, 7, 0, 0);
  QCOMPARE(view->fieldWindow(), QRect(0, 0, 32, 32));
  QEvent leave(QEvent::Leave);
  QApplication::sendEvent(view, &leave);
  QVERIFY(view->fieldWindow().isNull());
  // The mouse faster than the backward pass: many units asked for, few computed, the last shown.
  const int before = w.effectiveFields()->computed();
  stage = stageOfNode(view, 0);
  for (int64_t x = 0; x < 28; ++x) view->hoverUnit(stage, 1, 9, x);
  QTRY_VERIFY(view->hasEffectiveField());
  QTest::qWait(100);
  QVERIFY2(w.effectiveFields()->computed() - before < 28,
           qPrintable(QString::number(w.effectiveFields()->computed() - before)));
  QCOMPARE(view->fieldWindow(), QRect(27, 9, 5, 5));
}

// Scrolled down to a deep layer, the input's copy pinned beside the field shows the input —
// also right after a new result, when the tiles are laid out anew and the input's, out of
// sight, has not been drawn (the view makes a tile's picture when it is first drawn).
void InspectionTest::anInputOutOfSightIsPinnedWithItsPicture() {
  ui::MainWindow w;
  QVERIFY(showLenetOnDigit(w));
  FeatureMapView* view = w.featureMaps();
  auto* area = qobject_cast<QScrollArea*>(view->parentWidget()->parentWidget());
  QVERIFY(area);
  QScrollBar* bar = area->verticalScrollBar();
  QVERIFY(bar->maximum() > 300);
  bar->setValue(bar->maximum());
  QApplication::processEvents();
  const QRect visible = view->visibleRegion().boundingRect();
  QVERIFY2(visible.top() > 300, qPrintable(QString::number(visible.top()))); // the input is out of sight
  const int stage = stageOfNode(view, 3); // conv2
  QVERIFY(stage > 0);
  view->hoverUnit(stage, 4, 2, 5);
  view->setResult(view->result()); // laid out anew: no tile drawn yet
  const QImage first = view->grab(visible).toImage();
  (void)view->tileImage(0, 0); // the input's picture made by asking for it
  const QImage again = view->grab(visible).toImage();
  QCOMPARE(first, again);
  const QRgb background = view->palette().window().color().rgb();
  int drawn = 0; // the input's picture, pinned at the top right: not the background
  for (int y = 0; y < std::min(first.height(), 140); ++y)
    for (int x = std::max(0, first.width() - 140); x < first.width(); ++x) drawn += first.pixel(x, y) != background;
  QVERIFY2(drawn > 5000, qPrintable(QString::number(drawn)));
}

void InspectionTest::presentingEveryNumberOfTheInspectTabIsLarge() {
  ui::MainWindow w;
  w.resize(1280, 800);
  w.show();
  QVERIFY(w.workspace()->loadModel(lenetPath(), nullptr));
  w.setPresenterMode(true);
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  const QRect screen = w.rect();
  const auto check = [&](QWidget* page) {
    QApplication::processEvents();
    for (QWidget* part : page->findChildren<QWidget*>()) {
      if (!part->isVisible()) continue;
      const QRect r(part->mapTo(&w, QPoint(0, 0)), part->size());
      QVERIFY2(screen.contains(r), qPrintable(part->objectName() + " " + part->metaObject()->className()));
      if (auto* label = qobject_cast<QLabel*>(part); label && !label->text().isEmpty()) {
        QVERIFY2(QFontInfo(label->font()).pixelSize() >= 24, qPrintable(label->text()));
        const int needed = label->wordWrap() ? label->heightForWidth(label->width()) : label->sizeHint().height();
        QVERIFY2(label->height() >= needed, qPrintable(label->text()));
      }
    }
  };
  w.showInspection(1);
  FoolPage* fool = w.inspectionTab()->fool();
  QTRY_VERIFY(fool->result() && !fool->isBusy());
  check(fool);
  QVERIFY(fool->images()->height() >= 150);
  w.showInspection(0);
  ProbePage* probe = w.inspectionTab()->probe();
  probe->setSteps(8);
  QTRY_VERIFY_WITH_TIMEOUT(!probe->isBusy() && !probe->units().empty() && probe->units()[0].steps == 8, 30000);
  check(probe);
  QVERIFY(probe->grid()->height() >= 400);
  w.setPresenterMode(false);
}

QTEST_MAIN(InspectionTest)
#include "InspectionTest.moc"

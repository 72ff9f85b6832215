// Looking inside a trained network in the real window (issue 31): live input from a video file
// written by the test — every shown map belongs to a frame of the file, the GUI thread stays
// responsive at 30 frames a second, and frames are dropped, never queued, when the pipeline is
// slower than the video.
#include "UiTestUtils.h"

#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/io/VideoSource.h"
#include "engine/lessons/Kernels.h"
#include "engine/lessons/Pipeline.h"
#include "ui/core/Workspace.h"
#include "ui/maps/LiveFeed.h"

#include <opencv2/videoio.hpp>

#include <QElapsedTimer>
#include <QLabel>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cmath>

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
  QVERIFY(w.openVideo(path));
  QVERIFY(w.liveStatus().contains("frames.avi"));
  QTRY_VERIFY_WITH_TIMEOUT(w.liveFeed()->counts().ended, 15000);
  QTRY_VERIFY_WITH_TIMEOUT(w.runner()->isSettled() && nothingWaits(w), 5000);
  heartbeat.stop();
  const LiveFeed::Counts counts = w.liveFeed()->counts();
  QCOMPARE(counts.read, int64_t(70));
  QCOMPARE(counts.taken + counts.dropped, counts.read);
  QVERIFY2(counts.taken >= 35, qPrintable(QString("only %1 of 70 frames shown").arg(counts.taken)));

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
  QVERIFY2(late.size() > 100, qPrintable(QString::number(late.size())));
  const double p99 = percentile(late, 0.99);
  qInfo("30 fps: %lld shown, %lld dropped; event-loop lateness p99 %.2f ms over %zu beats", (long long)counts.taken,
        (long long)counts.dropped, p99, late.size());
  // A time, so not under a sanitizer (scripts/test-sanitizers.sh sets CONVSCOPE_SANITIZED), whose
  // instrumentation makes every step several times slower.
  if (!qEnvironmentVariableIsSet("CONVSCOPE_SANITIZED"))
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
  QVERIFY(w.openVideo(path));
  QTRY_VERIFY_WITH_TIMEOUT(w.liveFeed()->counts().ended, 15000);
  QElapsedTimer afterEnd;
  afterEnd.start();
  QTRY_VERIFY_WITH_TIMEOUT(w.runner()->isSettled() && nothingWaits(w), 5000);
  const double catchUpMs = double(afterEnd.elapsed());
  const LiveFeed::Counts counts = w.liveFeed()->counts();
  QCOMPARE(counts.read, int64_t(70));
  QCOMPARE(counts.taken + counts.dropped, counts.read);
  QVERIFY2(counts.dropped > 0, "a pipeline slower than the video dropped nothing");
  QVERIFY2(results <= counts.taken + 1, qPrintable(QString("%1 results for %2 frames").arg(results).arg(counts.taken)));
  const double jobMs = std::max(1.0, w.runner()->lastJobMilliseconds());
  qInfo("500 fps: %lld shown, %lld dropped; %.0f ms to settle after the end (one job %.1f ms)", (long long)counts.taken,
        (long long)counts.dropped, catchUpMs, jobMs);
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

QTEST_MAIN(InspectionTest)
#include "InspectionTest.moc"

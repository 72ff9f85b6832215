// bench gui: event-loop latency while training in the window, and throughput against the CLI.
#include "app/BenchGui.h"

#include "app/cli/CliCommon.h"

#include "engine/core/Statistics.h"
#include "engine/training/Dataset.h"
#include "engine/network/Presets.h"
#include "engine/training/Trainer.h"
#include "engine/backend/onednn/OnednnBackend.h"
#include "ui/architectures/ArchitectureGraphView.h"
#include "ui/architectures/ArchitectureTab.h"
#include "ui/core/ComputeThread.h"
#include "ui/training/DrawingPad.h"
#include "ui/window/MainWindow.h"
#include "ui/maps/PipelineRunner.h"
#include "ui/training/TrainingCurves.h"
#include "ui/training/TrainingForm.h"
#include "ui/training/TrainingInspector.h"
#include "ui/training/TrainingPanel.h"
#include "ui/core/Workspace.h"
#include "ui/maps/FeatureMapView.h"

#include "engine/lessons/Pipeline.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QSpinBox>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <future>

namespace convscope::cli {

namespace {
double threadCpuSeconds() { // the calling thread's CPU time
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}
} // namespace

int benchGui(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  QCommandLineParser p;
  p.addOption({"images", "Training images an epoch (8,000: all of the digits; batch 64).", "N", "8000"});
  p.addOption({"epochs", "Epochs a round (each followed by the test set's evaluation).", "N", "1"});
  p.addOption({"rounds", "Alternating rounds of command line and window; the medians are compared.", "N", "7"});
  if (!parse(p, "bench gui",
             "Train LeNet-5 on the digits through the real window's Training tab with every live view shown,\n"
             "measure the GUI thread's event-loop latency with a 5 ms heartbeat timer, and compare the\n"
             "training throughput with the command line's trainer on the same work (alternating rounds).\n"
             "JSON: {\"event_loop_p99_ms\":x,\"throughput_ratio_gui_vs_cli\":y}",
             args, out))
    return 0;
  const int images = int(parseInteger(str(p.value("images")), "images"));
  if (images < 64) throw UsageError("--images must be at least 64");
  const int epochs = int(parseInteger(str(p.value("epochs")), "epochs"));
  if (epochs < 1) throw UsageError("--epochs must be at least 1");
  // Training images per second of training time over all epochs (evaluation left out):
  // epochs of equal size, so the harmonic mean of the epochs' rates.
  const auto throughput = [](const std::vector<EpochReport>& reports) {
    double secondsPerImage = 0;
    for (const EpochReport& r : reports) secondsPerImage += r.imagesPerSecond > 0 ? 1 / r.imagesPerSecond : 0;
    return secondsPerImage > 0 ? double(reports.size()) / secondsPerImage : 0.0;
  };

  // The command line's trainer on the same work.
  const int rounds = int(parseInteger(str(p.value("rounds")), "rounds"));
  if (rounds < 1) throw UsageError("--rounds must be at least 1");
  const DatasetSplit data = loadDataset("digits", 1, 32, 32);
  TrainConfig config;
  config.epochs = epochs;
  config.maxTrainImages = size_t(images);

  // The window: Training tab shown, a digit on the pad so predictions follow the weights.
  ui::MainWindow window;
  window.resize(1600, 1000);
  window.show();
  window.showTraining();
  ui::TrainingPanel* panel = window.trainingPanel();
  panel->form()->trainImagesBox()->setValue(images);
  panel->form()->epochsBox()->setValue(epochs);
  panel->inspector()->drawingPad()->resize(200, 200);
  panel->inspector()->drawingPad()->drawStroke(QPointF(100, 30), QPointF(100, 170));
  // As a user would: the window is up and its first feature maps are drawn before Start.
  QElapsedTimer settle;
  settle.start();
  while ((!window.runner()->isSettled() || settle.elapsed() < 300) && settle.elapsed() < 10000)
    QApplication::processEvents(QEventLoop::AllEvents, 20);

  // The command line's work: Trainer::run with no callbacks, the GUI thread blocked meanwhile.
  // It runs on the compute thread, where the window trains too: a thread of its own would
  // add a second OpenMP pool and slow both (see ComputeThread.h).
  const auto commandLineRound = [&] {
    std::promise<double> rate;
    ui::ComputeThread::instance().post([&] {
      Network net = makePreset("lenet5");
      initialize(net, InitScheme::Auto, config.seed);
      OnednnBackend backend;
      Trainer trainer(net, data, preprocessFor(net.inputShape(), data.train), config, backend);
      rate.set_value(throughput(trainer.run().epochs));
    });
    return rate.get_future().get();
  };

  std::vector<double> lateness, cliRates, guiRates, guiCpuShares;
  QElapsedTimer clock;
  QTimer heartbeat;
  heartbeat.setTimerType(Qt::PreciseTimer);
  const int beat = 5; // ms
  heartbeat.setInterval(beat);
  qint64 last = 0;
  QObject::connect(&heartbeat, &QTimer::timeout, [&] {
    const qint64 now = clock.nsecsElapsed();
    if (last) lateness.push_back(std::max(0.0, (now - last) / 1e6 - beat));
    last = now;
  });
  QEventLoop loop;
  bool ok = false;
  QString message;
  QObject::connect(panel, &ui::TrainingPanel::trainingFinished, [&](bool success, const QString& text) {
    ok = success, message = text;
    loop.quit();
  });
  // Alternating rounds, so the machine's drift touches both sides alike.
  for (int round = 0; round < rounds; ++round) {
    cliRates.push_back(commandLineRound());
    const double cpu0 = threadCpuSeconds();
    clock.start();
    last = 0;
    heartbeat.start();
    panel->start();
    loop.exec();
    heartbeat.stop();
    if (!ok) {
      err << kProgram << " bench gui: training failed: " << message.toStdString() << "\n";
      return 1;
    }
    guiRates.push_back(throughput(panel->epochReports()));
    guiCpuShares.push_back((threadCpuSeconds() - cpu0) / (clock.nsecsElapsed() / 1e9));
  }
  const double p99 = lateness.empty() ? 0 : percentile(lateness, 99);
  const double gui = median(guiRates), cli = median(cliRates);
  if (p.isSet("json"))
    out << Json{{"event_loop_p99_ms", float(p99)},
                {"throughput_ratio_gui_vs_cli", float(gui / cli)},
                {"gui_images_per_second", float(gui)},
                {"cli_images_per_second", float(cli)},
                {"gui_thread_cpu_share", float(median(guiCpuShares))},
                {"rounds", rounds},
                {"gui_rounds", guiRates},
                {"cli_rounds", cliRates},
                {"heartbeats", lateness.size()}}
               .dump()
        << "\n";
  else
    out << "event loop p99 latency " << p99 << " ms over " << lateness.size() << " heartbeats; training " << gui
        << " images/s in the window vs " << cli << " on the command line (ratio " << gui / cli << ", medians of "
        << rounds << " alternating rounds)\n";
  window.close();
  return 0;
}

int benchBrowser(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  QCommandLineParser p;
  p.addOption({"model", "A network's name (resnet50, densenet121, ...) or a model, layer list or ONNX file.", "NAME",
               "resnet50"});
  p.addOption({"image", "The image that runs through it (default: the cat sample).", "FILE"});
  p.addOption({"runs", "Windows opened one after another; the medians are reported.", "N", "5"});
  if (!parse(p, "bench browser",
             "Open the network in the real window's Architectures tab (1280x800) and time, in the window's own\n"
             "code: open_ms, from the request to the graph on screen (the network made, its graph built);\n"
             "ready_ms, from the request to the first layer's maps (the weights drawn, the image run through);\n"
             "graph_ms, from the network's structure reaching the window to its graph laid out (Graphviz),\n"
             "drawn and painted with its table (plus building the block structure on the compute thread);\n"
             "forward_ms, the current image through the network on the compute thread (the first pass, which\n"
             "also makes oneDNN's primitives and weight layouts; next_image_forward_ms, the next image dropped);\n"
             "maps_ms, from a click on a layer in the middle of the network to its maps painted;\n"
             "all_blocks_open_ms, the graph with every block opened, laid out and painted.\n"
             "JSON: "
             "{\"open_ms\":…,\"ready_ms\":…,\"graph_ms\":…,\"forward_ms\":…,\"maps_ms\":…,\"next_image_forward_ms\":…,"
             "\"all_blocks_open_ms\":…}",
             args, out))
    return 0;
  const int runs = int(parseInteger(str(p.value("runs")), "runs"));
  if (runs < 1 || runs > 1000) throw UsageError("--runs must be 1 to 1000");
  const QString model = p.value("model");
  const QString image =
      p.isSet("image") ? p.value("image") : QString::fromStdString(resourcesDirectory() + "/samples/cat.png");
  std::vector<double> openMs, readyMs, graphMs, forwardMs, againMs, mapsMs, expandedMs;
  const auto waitFor = [](ui::ArchitectureTab* sender, auto signal, int timeoutMs) {
    QEventLoop loop;
    QTimer timeout;
    timeout.setSingleShot(true);
    QObject::connect(sender, signal, &loop, &QEventLoop::quit);
    QObject::connect(&timeout, &QTimer::timeout, &loop, [&loop] { loop.exit(1); });
    timeout.start(timeoutMs);
    return loop.exec() == 0;
  };
  for (int run = 0; run < runs; ++run) {
    ui::MainWindow window;
    window.resize(1280, 800);
    window.show();
    if (!window.openFile(image)) throw std::invalid_argument("--image " + str(image) + ": " + str(window.errorText()));
    window.showArchitectures();
    ui::ArchitectureTab* tab = window.architectureTab();
    QString failure;
    QObject::connect(tab, &ui::ArchitectureTab::failed, tab, [&failure](const QString& m) { failure = m; });
    // The tab opens the last network shown when it appears: that first, so it is not timed.
    QElapsedTimer settling;
    settling.start();
    while (tab->isBusy() && settling.elapsed() < 600000) { // (its maps may never show: a network of vectors)
      QEventLoop pause;
      QTimer::singleShot(20, &pause, &QEventLoop::quit);
      pause.exec();
    }
    // From the request to the graph on screen (looked at every millisecond), and to the
    // first maps (the weights drawn and the image through the network).
    QElapsedTimer opening;
    double openedMs = -1;
    QTimer watch;
    const auto* before = tab->graphView()->graph(); // the last network's, when the tab reopened one
    QObject::connect(&watch, &QTimer::timeout, tab, [&] {
      const auto* now = tab->graphView()->graph();
      if (openedMs < 0 && now && now != before) openedMs = double(opening.nsecsElapsed()) / 1e6, watch.stop();
    });
    watch.start(1);
    opening.start();
    tab->openNetwork(model);
    // loaded (graph on screen), then forwarded (and the first layer's maps).
    while (!tab->graphView()->graph() || tab->isBusy()) {
      if (!failure.isEmpty()) throw std::invalid_argument("--model " + str(model) + ": " + str(failure));
      if (!waitFor(tab, &ui::ArchitectureTab::mapsShown, 600000))
        throw std::runtime_error("the network did not finish in 10 minutes");
    }
    readyMs.push_back(double(opening.nsecsElapsed()) / 1e6);
    openMs.push_back(openedMs >= 0 ? openedMs : readyMs.back());
    graphMs.push_back(tab->graphMilliseconds());
    forwardMs.push_back(tab->forwardMilliseconds());
    // Another image dropped on the window: the network runs again (its primitives and weight
    // layouts made by the first pass).
    window.openFile(image);
    if (!waitFor(tab, &ui::ArchitectureTab::mapsShown, 600000))
      throw std::runtime_error("the second image did not run");
    againMs.push_back(tab->forwardMilliseconds());
    // Every block opened (the longest graph the tab draws), then back.
    QElapsedTimer whole;
    whole.start();
    tab->graphView()->expandAll();
    tab->graphView()->viewport()->repaint();
    expandedMs.push_back(double(whole.nsecsElapsed()) / 1e6);
    tab->graphView()->collapseToDefault();
    // A layer in the middle of the network, chosen as a click chooses it.
    const int node = int(tab->graphView()->graph()->nodeCount() / 2);
    QElapsedTimer clock;
    clock.start();
    tab->showNode(node);
    if (!waitFor(tab, &ui::ArchitectureTab::mapsShown, 60000)) throw std::runtime_error("the maps did not show");
    mapsMs.push_back(double(clock.nsecsElapsed()) / 1e6);
    if (!p.isSet("json"))
      err << "run " << run + 1 << ": on screen " << openMs.back() << " ms, maps " << readyMs.back() << " ms; graph "
          << graphMs.back() << " ms, forward " << forwardMs.back() << " ms, maps " << mapsMs.back() << " ms\n";
  }
  if (p.isSet("json"))
    out << "{\"open_ms\":" << median(openMs) << ",\"ready_ms\":" << median(readyMs)
        << ",\"graph_ms\":" << median(graphMs) << ",\"forward_ms\":" << median(forwardMs)
        << ",\"maps_ms\":" << median(mapsMs) << ",\"next_image_forward_ms\":" << median(againMs)
        << ",\"all_blocks_open_ms\":" << median(expandedMs) << "}" << std::endl;
  else
    out << str(model) << ": on screen " << median(openMs) << " ms after the request, maps " << median(readyMs)
        << " ms after it; graph " << median(graphMs) << " ms, forward " << median(forwardMs) << " ms (the next image "
        << median(againMs) << " ms), maps " << median(mapsMs) << " ms, every block open " << median(expandedMs)
        << " ms (medians of " << runs << " runs)\n";
  return 0;
}

namespace {
// Calls onPaint when the watched widget is about to paint.
class PaintWatch : public QObject {
public:
  std::function<void()> onPaint, onPaintStart;
  bool eventFilter(QObject*, QEvent* event) override {
    if (event->type() == QEvent::Paint && onPaintStart) onPaintStart();
    if (event->type() == QEvent::Paint && onPaint) onPaint();
    return false;
  }
};
} // namespace

int benchWindow(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  QCommandLineParser p;
  p.addOption({"size", "Image side in pixels.", "N", "1024"});
  p.addOption({"filters", "Filters in the bank (3x3, full depth).", "N", "8"});
  p.addOption({"runs", "Timed updates (after 3 warm-up updates).", "N", "30"});
  if (!parse(p, "bench window",
             "Time one live update in the real window (1280x800, offscreen with QT_QPA_PLATFORM=offscreen): a\n"
             "size x size RGB image through a bank of 3x3 filters (padding 1), ReLU and 2x2 max pooling, as\n"
             "`bench live` does, from a changed setting (the bias) to the feature maps repainted: the pipeline\n"
             "(maps and pictures) on the compute thread, each map's contrast and the paint on the GUI thread. Beside it, the same\n"
             "pipeline alone in the same run, as bench live runs it and as the window asks for it, and when the result\n"
             "reached the GUI thread and the paint began, and how long the window's own job took.\n"
             "JSON: {\"median_ms\":x,\"p90_ms\":y,\"pipeline_median_ms\":z,\"window_pipeline_median_ms\":w,\n"
             "       \"job_median_ms\":j,\"result_arrived_median_ms\":a,\"paint_started_median_ms\":b}",
             args, out))
    return 0;
  const int size = wholeNumber(p, "size", 8, 8192), filters = wholeNumber(p, "filters", 1, 256);
  const int runs = wholeNumber(p, "runs", 1, 100000);
  // The image and the bank of `bench live`.
  const Tensor image = liveBenchImage(size);
  PipelineSpec spec = liveBenchSpec(filters);
  ui::MainWindow window;
  window.resize(1280, 800);
  window.show();
  window.showFeatureMaps();
  ui::Workspace* workspace = window.workspace();
  workspace->setWorkingSide(size); // the image at its own size, as `bench live` runs it (not the default 512)
  workspace->setImage(image, QStringLiteral("random"));
  workspace->setKernels(spec.kernels);
  FilterOptions options = spec.convolution;
  workspace->setProcessing(options, spec.activation, spec.pooling, spec.pool);
  // Waits in an event loop, as the window idles (a polling loop here would take the CPU the
  // compute thread needs), until the view has painted the newest result: the paint the
  // window makes of itself after the result arrives (the runner hands it to the view, which
  // asks for a repaint), not one more forced here.
  const auto shown = [&] { return window.runner()->isSettled() && window.featureMaps()->result() == window.runner()->latest(); };
  PaintWatch watch;
  window.featureMaps()->installEventFilter(&watch);
  const auto settle = [&] {
    QEventLoop loop;
    QTimer timeout;
    timeout.setSingleShot(true);
    watch.onPaint = [&] { // the paint runs once this returns: quit after it
      if (shown()) QTimer::singleShot(0, &loop, &QEventLoop::quit);
    };
    QObject::connect(&timeout, &QTimer::timeout, &loop, [&loop] { loop.exit(1); });
    timeout.start(60000);
    const int status = loop.exec();
    watch.onPaint = nullptr;
    if (status != 0) throw std::runtime_error("the update was not painted in a minute");
  };
  settle();
  // Where the time goes: the result's arrival on the GUI thread and the paint's start, from
  // the same clock.
  std::vector<double> ms, arrivedMs, paintMs, jobMs;
  QElapsedTimer clock;
  double arrived = 0, painted = 0;
  QObject::connect(window.runner(), &ui::PipelineRunner::resultReady, &watch,
                   [&] { arrived = double(clock.nsecsElapsed()) / 1e6; });
  for (int i = 0; i < runs + 3; ++i) {
    clock.start();
    options.bias = i % 2 ? 0.5f : 0.0f; // a setting changed, as a slider does
    workspace->setConvolution(options);
    watch.onPaintStart = [&] { painted = double(clock.nsecsElapsed()) / 1e6; };
    settle();
    if (i >= 3) {
      ms.push_back(double(clock.nsecsElapsed()) / 1e6);
      arrivedMs.push_back(arrived);
      paintMs.push_back(painted);
      jobMs.push_back(window.runner()->lastJobMilliseconds());
    }
  }
  watch.onPaintStart = nullptr;
  const uint64_t recycled = window.runner()->recycledUpdates();
  // The pipeline alone, on the window's compute thread (on the GUI thread it would start a
  // second OpenMP pool, and libgomp throttles every pool's spinning once a process has more
  // OpenMP threads than cores): as `bench live` runs it, and as the window asks for it (with
  // its classification stage, pictures the size of its tiles).
  const auto timePipeline = [&](PipelineSpec timed) {
    std::vector<double> pipeline;
    std::promise<void> alone;
    ui::ComputeThread::instance().post([&] {
      try {
        auto backend = makeBackend(BackendKind::Onednn);
        PipelineResult previous;
        for (int i = 0; i < runs + 3; ++i) {
          const auto start = std::chrono::steady_clock::now();
          timed.inputVersion = 1;
          PipelineResult r = runPipeline(*backend, image, timed, &previous);
          if (i >= 3)
            pipeline.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
          previous = std::move(r);
        }
        alone.set_value();
      } catch (...) {
        alone.set_exception(std::current_exception());
      }
    });
    alone.get_future().get();
    return median(pipeline);
  };
  spec.convolution = options;
  const double live = timePipeline(spec);
  PipelineSpec asked = workspace->pipelineSpec();
  asked.displaySide = window.featureMaps()->renderSide();
  const double windowPipeline = timePipeline(asked);
  if (p.isSet("json"))
    out << "{\"median_ms\":" << median(ms) << ",\"p90_ms\":" << percentile(ms, 90)
        << ",\"pipeline_median_ms\":" << live << ",\"window_pipeline_median_ms\":" << windowPipeline
        << ",\"job_median_ms\":" << median(jobMs) << ",\"result_arrived_median_ms\":" << median(arrivedMs) << ",\"paint_started_median_ms\":" << median(paintMs)
        << "}" << std::endl;
  else
    out << "one live update in the window: median " << median(ms) << " ms, 90th percentile " << percentile(ms, 90)
        << " ms (the pipeline alone: " << live << " ms as bench live runs it, " << windowPipeline
        << " ms as the window asks for it, with its classification stage and " << asked.displaySide << "-pixel pictures; "
        << size << "x" << size << " RGB, " << filters << " filters 3x3, ReLU, max pool 2x2; " << runs
        << " runs); the window's job took " << median(jobMs)
        << " ms on the compute thread, the result reached the GUI thread after " << median(arrivedMs) << " ms and the paint began after "
        << median(paintMs) << " ms (medians); " << recycled << " updates reused an earlier result's buffers\n";
  (void)err;
  return 0;
}

} // namespace convscope::cli

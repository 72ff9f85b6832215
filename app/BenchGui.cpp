// bench gui: event-loop latency while training in the window, and throughput against the CLI.
#include "BenchGui.h"

#include "CliCommon.h"

#include "engine/Dataset.h"
#include "engine/Presets.h"
#include "engine/Trainer.h"
#include "engine/backend/onednn/OnednnBackend.h"
#include "ui/DrawingPad.h"
#include "ui/MainWindow.h"
#include "ui/TrainingPanel.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QSpinBox>
#include <QTimer>

#include <algorithm>
#include <thread>

namespace convscope::cli {

int benchGui(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  QCommandLineParser p;
  p.addOption({"images", "Training images (one epoch of the digits, batch 64).", "N", "8000"});
  if (!parse(p, "bench gui",
             "Train LeNet-5 on the digits through the real window's Training tab with every live view shown,\n"
             "measure the GUI thread's event-loop latency with a 5 ms heartbeat timer, and compare the\n"
             "training throughput with the command line's trainer on the same work.\n"
             "JSON: {\"event_loop_p99_ms\":x,\"throughput_ratio_gui_vs_cli\":y}",
             args, out))
    return 0;
  const int images = int(parseInteger(str(p.value("images")), "images"));
  if (images < 64) throw UsageError("--images must be at least 64");

  // The command line's trainer on the same work.
  Network net = makePreset("lenet5");
  initialize(net, InitScheme::Auto, 1);
  const DatasetSplit data = loadDataset("digits", 1, 32, 32);
  TrainConfig config;
  config.epochs = 1;
  config.maxTrainImages = size_t(images);
  // On a thread of its own that ends before the window starts: libgomp keeps a thread pool
  // per thread that ever ran a parallel region, and idle pools make it throttle the
  // spinning of active ones (more OpenMP threads than cores), which slows oneDNN down.
  double cli = 0;
  std::thread([&] {
    OnednnBackend backend;
    Trainer trainer(net, data, preprocessFor(net.inputShape(), data.train), config, backend);
    cli = trainer.run().epochs.at(0).imagesPerSecond;
  }).join();

  // The window: Training tab shown, a digit on the pad so predictions follow the weights.
  ui::MainWindow window;
  window.resize(1600, 1000);
  window.show();
  window.showTraining();
  ui::TrainingPanel* panel = window.trainingPanel();
  panel->trainImagesBox()->setValue(images);
  panel->epochsBox()->setValue(1);
  panel->drawingPad()->resize(200, 200);
  panel->drawingPad()->drawStroke(QPointF(100, 30), QPointF(100, 170));
  std::vector<double> lateness;
  QElapsedTimer clock;
  QTimer heartbeat;
  heartbeat.setTimerType(Qt::PreciseTimer);
  heartbeat.setInterval(5);
  qint64 last = 0;
  QObject::connect(&heartbeat, &QTimer::timeout, [&] {
    const qint64 now = clock.nsecsElapsed();
    if (last) lateness.push_back(std::max(0.0, (now - last) / 1e6 - 5.0));
    last = now;
  });
  QEventLoop loop;
  bool ok = false;
  QString message;
  QObject::connect(panel, &ui::TrainingPanel::trainingFinished, [&](bool success, const QString& text) {
    ok = success, message = text;
    loop.quit();
  });
  clock.start();
  heartbeat.start();
  panel->start();
  loop.exec();
  heartbeat.stop();
  if (!ok) {
    err << kProgram << " bench gui: training failed: " << message.toStdString() << "\n";
    return 1;
  }
  std::sort(lateness.begin(), lateness.end());
  const double p99 = lateness.empty() ? 0 : lateness[std::min(lateness.size() - 1, lateness.size() * 99 / 100)];
  const double gui = panel->lastEpoch().imagesPerSecond;
  if (p.isSet("json"))
    out << Json{{"event_loop_p99_ms", float(p99)},
                {"throughput_ratio_gui_vs_cli", float(gui / cli)},
                {"gui_images_per_second", float(gui)},
                {"cli_images_per_second", float(cli)},
                {"heartbeats", lateness.size()}}
               .dump()
        << "\n";
  else
    out << "event loop p99 latency " << p99 << " ms over " << lateness.size() << " heartbeats; training " << gui
        << " images/s in the window vs " << cli << " on the command line (ratio " << gui / cli << ")\n";
  window.close();
  return 0;
}

} // namespace convscope::cli

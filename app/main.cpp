// convscope: with a command (conv, pool, explain, ...) it runs the command line and exits;
// without one it opens the main window.
#include "BenchGui.h"
#include "Cli.h"
#include "WindowOptions.h"
#include "ui/ControlPanels.h"
#include "ui/MainWindow.h"
#include "ui/Stepper.h"
#include "ui/TrainingPanel.h"
#include "ui/Workspace.h"

#include "engine/Kernels.h"
#include "engine/MatrixText.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>

#include <malloc.h>

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char* argv[]) {
  // Keep freed large buffers (feature maps, batches) in the heap for reuse instead of
  // returning them to the kernel: on this kind of VM a fresh 32 MB buffer costs ~12 ms of
  // page faults, which is most of a live update.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 2 && args[0] == "bench" && args[1] == "gui") { // needs the window, so a QApplication
    qputenv("CONVSCOPE_NO_PROMPTS", "1");
    QApplication app(argc, argv);
    QApplication::setOrganizationName("ConvScopeBench"); // leaves the user's settings alone
    QApplication::setApplicationName("ConvScopeBench");
    try {
      return convscope::cli::benchGui(std::vector<std::string>(args.begin() + 2, args.end()), std::cout, std::cerr);
    } catch (const std::invalid_argument& e) {
      std::cerr << "convscope bench gui: " << e.what() << "\n";
      return 2;
    } catch (const std::exception& e) {
      std::cerr << "convscope bench gui: internal error: " << e.what() << "\n";
      return 1;
    }
  }
  if (convscope::cli::isCliInvocation(args)) return convscope::cli::run(args, std::cout, std::cerr);

  QApplication app(argc, argv);
  QApplication::setApplicationName("ConvScope");
  QApplication::setOrganizationName("ConvScope");
  QApplication::setApplicationVersion(CONVSCOPE_VERSION);
  // The GUI's own options set up a lecture's starting point, e.g.
  //   convscope resources/examples/rgb5.txt --kernel resources/examples/rgb-kernel.txt --padding 1 --bias 1 --stepper
  QCommandLineParser parser;
  parser.setApplicationDescription("ConvScope: see, step through and train convolutional neural networks.\n"
                                   "Run 'convscope --help' for the command-line commands.");
  parser.addHelpOption();
  parser.addPositionalArgument("FILE", "An image or matrix file to open.");
  parser.addOptions(convscope::cli::windowOptions());
  parser.process(app);

  convscope::ui::MainWindow window;
  window.show();
  const QStringList files = parser.positionalArguments();
  if (!files.isEmpty()) window.openFile(files.first());
  if (parser.isSet("kernel")) {
    std::vector<convscope::NamedKernel> kernels;
    for (const QString& spec : parser.values("kernel")) {
      try {
        if (const auto* classic = convscope::findClassicKernel(spec.toStdString()))
          kernels.push_back({classic->name, classic->weights});
        else
          kernels.push_back({QFileInfo(spec).fileName().toStdString(), convscope::loadMatrixFile(spec.toStdString())});
      } catch (const std::exception& e) {
        std::cerr << "convscope: " << e.what() << "\n";
        return 2;
      }
    }
    window.workspace()->setKernels(kernels);
  }
  if (parser.isSet("stride") || parser.isSet("padding") || parser.isSet("bias")) {
    try {
      convscope::FilterOptions o = window.workspace()->convolution();
      o.strideH = o.strideW = std::max(1, parser.value("stride").toInt());
      o.padding = convscope::PaddingSpec::parse(parser.value("padding").toStdString());
      o.bias = parser.value("bias").toFloat();
      window.workspace()->setConvolution(o);
    } catch (const std::exception& e) {
      std::cerr << "convscope: " << e.what() << "\n";
      return 2;
    }
  }
  if (parser.isSet("model")) window.openModel(parser.value("model"));
  if (parser.isSet("tab")) {
    const QString tab = parser.value("tab");
    if (tab == "maps")
      window.showFeatureMaps();
    else if (tab == "stepper")
      window.showStepper();
    else if (tab == "training")
      window.showTraining();
    else {
      std::cerr << "convscope: --tab takes maps, stepper or training, not '" << tab.toStdString() << "'\n";
      return 2;
    }
  }
  if (parser.isSet("stepper") || parser.isSet("step")) window.showStepper();
  if (parser.isSet("step")) {
    using Mode = convscope::ui::Stepper::Mode;
    const QString mode = parser.value("step");
    const Mode modes[] = {Mode::Convolution, Mode::ReLU, Mode::Pooling, Mode::FullyConnected};
    const QStringList names{"convolution", "relu", "pooling", "fc"};
    if (!names.contains(mode)) {
      std::cerr << "convscope: --step takes convolution, relu, pooling or fc\n";
      return 2;
    }
    window.stepper()->setMode(modes[names.indexOf(mode)]);
  }
  if (parser.isSet("cell")) window.stepper()->setPosition(parser.value("cell").toInt());
  if (parser.isSet("presenter")) window.setPresenterMode(true);
  if (parser.isSet("train")) {
    window.showTraining();
    window.trainingPanel()->start();
  }
  return QApplication::exec();
}

// convscope: with a command (conv, pool, explain, ...) it runs the command line and exits;
// without one it checks the window's start options, then opens the main window with them.
#include "app/BenchGui.h"
#include "app/cli/Cli.h"
#include "app/WindowOptions.h"
#include "app/WindowStart.h"
#include "ui/maps/LiveFeed.h"
#include "ui/window/MainWindow.h"

#include <QApplication>
#include <QIcon>

#include <malloc.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace {

const char* processEnvironment(const char* name) { return std::getenv(name); }

// `bench gui`, `bench browser` and `bench window` time the real window: they need a QApplication.
int windowBench(int argc, char* argv[], const std::vector<std::string>& args) {
  const std::string name = "convscope bench " + args[1];
  if (const std::string why = convscope::cli::missingDisplay(args, processEnvironment); !why.empty()) {
    std::cerr << name << ": no display to run the window on (" << why
              << "); QT_QPA_PLATFORM=offscreen runs it without one\n";
    return 1;
  }
  qputenv("CONVSCOPE_NO_PROMPTS", "1");
  QApplication app(argc, argv);
  QApplication::setOrganizationName("ConvScopeBench"); // leaves the user's settings alone
  QApplication::setApplicationName("ConvScopeBench");
  try {
    const std::vector<std::string> rest(args.begin() + 2, args.end());
    if (args[1] == "gui") return convscope::cli::benchGui(rest, std::cout, std::cerr);
    if (args[1] == "window") return convscope::cli::benchWindow(rest, std::cout, std::cerr);
    return convscope::cli::benchBrowser(rest, std::cout, std::cerr);
  } catch (const std::invalid_argument& e) {
    std::cerr << name << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << name << ": internal error: " << e.what() << "\n";
    return 1;
  }
}

} // namespace

int main(int argc, char* argv[]) {
  // Keep freed large buffers (feature maps, batches) in the heap for reuse instead of
  // returning them to the kernel: on this kind of VM a fresh 32 MB buffer costs ~12 ms of
  // page faults, which is most of a live update.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 2 && args[0] == "bench" && (args[1] == "gui" || args[1] == "browser" || args[1] == "window"))
    return windowBench(argc, argv, args);
  if (convscope::cli::isCliInvocation(args)) return convscope::cli::run(args, std::cout, std::cerr);

  // The window's start options set up a lecture's starting point, e.g.
  //   convscope resources/examples/rgb5.txt --kernel resources/examples/rgb-kernel.txt --padding 1 --bias 1 --stepper
  // They are all checked, and the display too, before Qt is started: a bad value or a
  // missing display is one line and an exit status, not a window or a Qt abort.
  const convscope::cli::WindowStart start =
      convscope::cli::checkWindowStart(args, processEnvironment, std::cout, std::cerr);
  if (start.exitStatus) return *start.exitStatus;

  QApplication app(argc, argv);
  QApplication::setApplicationName("ConvScope");
  QApplication::setOrganizationName("ConvScope");
  QApplication::setApplicationVersion(CONVSCOPE_VERSION);
  // The desktop entry's name (Wayland matches the window to its menu entry and icon by it).
  QGuiApplication::setDesktopFileName("org.convscope.ConvScope");
  QIcon icon = QIcon::fromTheme("org.convscope.ConvScope");
  if (icon.isNull())
    for (const char* size : {"64x64", "256x256"})
      icon.addFile(QStringLiteral(":/%1/apps/org.convscope.ConvScope.png").arg(size));
  QApplication::setWindowIcon(icon);
  convscope::ui::MainWindow window;
  window.show();
  convscope::cli::applyWindowOptions(window, start.options);
  if (start.options.exports()) return convscope::cli::exportAndQuit(window, start.options, std::cerr);
  const int status = QApplication::exec();
  // A camera stopped inside a stalled read is still read by its thread (LiveFeed::stop lets it
  // go): give it a second, then end without the static destructors it could run into.
  window.liveFeed()->stop();
  if (!convscope::ui::LiveFeed::waitForReadersLetGo(1000)) std::quick_exit(status);
  return status;
}

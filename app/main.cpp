// convscope: with a command (conv, pool, explain, ...) it runs the command line and exits;
// without one it opens the main window.
#include "Cli.h"
#include "ui/MainWindow.h"

#include <QApplication>

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
  if (convscope::cli::isCliInvocation(args)) return convscope::cli::run(args, std::cout, std::cerr);

  QApplication app(argc, argv);
  QApplication::setApplicationName("ConvScope");
  QApplication::setOrganizationName("ConvScope");
  QApplication::setApplicationVersion(CONVSCOPE_VERSION);
  convscope::ui::MainWindow window;
  window.show();
  return QApplication::exec();
}

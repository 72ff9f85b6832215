// convscope: with a command (conv, pool, explain, ...) it runs the command line and exits;
// without one it opens the main window.
#include "Cli.h"
#include "ui/MainWindow.h"

#include <QApplication>

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char* argv[]) {
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

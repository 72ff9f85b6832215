// Main window: a plain placeholder with the app's name and version.
#include "MainWindow.h"

#include <QLabel>

namespace convscope::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(QStringLiteral("ConvScope %1").arg(CONVSCOPE_VERSION));
  auto* label =
      new QLabel(QStringLiteral("<h1>ConvScope %1</h1><p>See, step through and train convolutional neural networks.</p>"
                                "<p>The command line is ready: run <tt>convscope --help</tt>.</p>")
                     .arg(CONVSCOPE_VERSION),
                 this);
  label->setObjectName("welcomeLabel");
  label->setAlignment(Qt::AlignCenter);
  setCentralWidget(label);
  resize(800, 500);
}

} // namespace convscope::ui

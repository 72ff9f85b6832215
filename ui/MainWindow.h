// The main window. Until the lecture-hall GUI lands it shows the app's name and version
// and what the command line can already do.
#pragma once

#include <QMainWindow>

namespace convscope::ui {

class MainWindow : public QMainWindow {
  Q_OBJECT
public:
  explicit MainWindow(QWidget* parent = nullptr);
};

} // namespace convscope::ui

// The window's start options (WindowOptions.h, checked before Qt starts) applied to a
// main window: the input, its processing, a model, then the view. main() calls it after
// creating the window; the projector QtTest calls it to test each option's slide.
#pragma once

#include "WindowOptions.h"

namespace convscope::ui {
class MainWindow;
class Workspace;
} // namespace convscope::ui

namespace convscope::cli {

// The kernel bank, convolution, activation and pooling options, on the window's workspace.
// What an option does not set keeps the window's own (remembered) setting.
void applyProcessing(ui::Workspace& workspace, const WindowOptions& options);
// Every start option, in the order a lecture sets up: the input, its processing, a model,
// then which view shows it.
void applyWindowOptions(ui::MainWindow& window, const WindowOptions& options);

} // namespace convscope::cli

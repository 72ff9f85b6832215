// The window's start options (WindowOptions.h, checked before Qt starts) applied to a
// main window: the input, its processing, a model, then the view. main() calls it after
// creating the window; the projector QtTest calls it to test each option's slide.
#pragma once

#include "app/WindowOptions.h"

#include <ostream>

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
// --export / --export-animation: once the view has settled (the maps computed, a network
// shown), writes the file; returns the exit status (0 written; 2 with a message on `err`
// naming the problem: no such figure, nothing to animate, a file that cannot be written).
// Waits in the event loop, at most two minutes.
int exportAndQuit(ui::MainWindow& window, const WindowOptions& options, std::ostream& err);

} // namespace convscope::cli

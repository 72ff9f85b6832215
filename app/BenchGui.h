// `convscope bench gui`: the real main window training LeNet-5 through its Training tab,
// with a heartbeat timer measuring the GUI thread's event-loop latency, against the
// command line's trainer on the same work. Needs a QApplication (main creates it).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace convscope::cli {

int benchGui(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// `convscope bench browser`: the real window's Architectures tab on a network: the time to
// lay out and draw its graph, to run the current image through it, and to show a chosen
// layer's maps. JSON: {"graph_ms":…, "forward_ms":…, "maps_ms":…} (medians of the runs).
int benchBrowser(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// `convscope bench window`: one live update as the lecture hall sees it: from a changed
// setting in the real window (offscreen) to the feature maps repainted — the pipeline on the
// compute thread, then the GUI thread's pictures and paint — beside `bench live`'s pipeline
// alone. JSON: {"median_ms":…, "p90_ms":…, "pipeline_median_ms":…}.
int benchWindow(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace convscope::cli

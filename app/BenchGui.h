// `convscope bench gui`: the real main window training LeNet-5 through its Training tab,
// with a heartbeat timer measuring the GUI thread's event-loop latency, against the
// command line's trainer on the same work. Needs a QApplication (main creates it).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace convscope::cli {

int benchGui(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace convscope::cli

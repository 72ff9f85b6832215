// The command line: `convscope conv|pool|explain|kernels ...`. Each command parses its
// options, calls the engine and prints text or one JSON object. Not for: the GUI.
// Exit status: 0 success, 2 bad input (file, number, geometry), 1 an internal failure.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace convscope::cli {

// True when `args` (without the program name) start with a command-line command or a
// top-level flag (--help, --version), i.e. the GUI should not start.
bool isCliInvocation(const std::vector<std::string>& args);

// Runs the command in `args` (without the program name), writing to out and err.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace convscope::cli

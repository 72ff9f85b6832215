// Runs the command line and the window's start check in-process and captures what they
// print, for the CLI tests.
#pragma once

#include "app/cli/Cli.h"
#include "app/WindowOptions.h"

#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace convscope::test {

struct CliResult {
  int status;
  std::string out, err;
};

inline CliResult runCli(const std::vector<std::string>& args);
// The same, shorter to write where every line runs a command.
inline CliResult run(const std::vector<std::string>& args) { return runCli(args); }

inline CliResult runCli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int status = convscope::cli::run(args, out, err);
  return {status, out.str(), err.str()};
}

struct WindowStartResult {
  convscope::cli::WindowStart start;
  std::string out, err;
};

// checkWindowStart with `environment` in place of the process's (by default, one with a display).
inline WindowStartResult checkWindowStart(const std::vector<std::string>& args,
                                          std::map<std::string, std::string> environment = {{"DISPLAY", ":0"}}) {
  const convscope::cli::Environment env = [environment](const char* name) -> const char* {
    const auto it = environment.find(name);
    return it == environment.end() ? nullptr : it->second.c_str();
  };
  std::ostringstream out, err;
  convscope::cli::WindowStart start = convscope::cli::checkWindowStart(args, env, out, err);
  return {std::move(start), out.str(), err.str()};
}

} // namespace convscope::test

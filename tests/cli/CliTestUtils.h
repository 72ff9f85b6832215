// Runs the command line in-process and captures what it prints, for the CLI tests.
#pragma once

#include "app/Cli.h"

#include <sstream>
#include <string>
#include <vector>

namespace convscope::test {

struct CliResult {
  int status;
  std::string out, err;
};

inline CliResult runCli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int status = convscope::cli::run(args, out, err);
  return {status, out.str(), err.str()};
}

} // namespace convscope::test

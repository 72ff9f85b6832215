// The window's start options (`convscope [FILE] [OPTIONS]`): main() parses them, and
// `convscope --help` lists them, from this one list. Not for: the commands' options.
#pragma once

#include <QCommandLineOption>
#include <QList>

namespace convscope::cli {

QList<QCommandLineOption> windowOptions();

} // namespace convscope::cli

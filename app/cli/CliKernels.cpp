// `convscope kernels`: the classic kernels with their values.
#include "app/cli/CliCommon.h"

#include "engine/backend/reference/ExplainBackward.h"
#include "engine/backend/reference/ReferenceBackend.h"
#include "engine/core/Geometry.h"
#include "engine/core/OutputSize.h"
#include "engine/io/ImageIO.h"
#include "engine/io/MatrixText.h"
#include "engine/lessons/Filtering.h"
#include "engine/lessons/Kernels.h"

#include <QCommandLineParser>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace convscope::cli {

int kernels(const std::vector<std::string>& args, std::ostream& out) {
  QCommandLineParser p;
  if (!parse(p, "kernels", "List the classic kernels by name with their values.", args, out)) return 0;
  if (p.isSet("json")) {
    Json list = Json::array();
    for (const ClassicKernel& k : classicKernels()) {
      const Shape& s = k.weights.shape();
      list.push_back({{"name", k.name},
                      {"description", k.description},
                      {"values", tensorJson(k.weights.reshaped(Shape{1, s[0], s[1], s[2]}))[0]}});
    }
    out << Json{{"kernels", std::move(list)}}.dump() << "\n";
    return 0;
  }
  for (const ClassicKernel& k : classicKernels())
    out << k.name << ": " << k.description << "\n" << formatMatrixText(k.weights) << "\n";
  return 0;
}

} // namespace convscope::cli

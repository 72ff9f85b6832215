// The golden cases from PyTorch (scripts/make_golden.py → tests/data/golden.json) and the
// readers of their fields, for every test that checks against them.
#pragma once

#include "engine/core/Geometry.h"
#include "common/TestPaths.h"
#include "engine/core/Tensor.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace convscope::test {

// Every case, read once.
inline const nlohmann::json& goldenCases() {
  static const nlohmann::json cases = [] {
    std::ifstream file(convscope::test::testDataPath("golden.json"));
    if (!file) throw std::runtime_error("tests/data/golden.json is missing");
    return nlohmann::json::parse(file)["cases"];
  }();
  return cases;
}

inline Tensor tensorFromJson(const nlohmann::json& j) {
  return Tensor(Shape(j["shape"].get<std::vector<int64_t>>()), j["data"].get<std::vector<float>>());
}

inline Conv2DGeometry convGeometryFromJson(const nlohmann::json& gj) {
  Conv2DGeometry g;
  g.kernelH = gj["kernel"][0], g.kernelW = gj["kernel"][1];
  g.strideH = gj["stride"][0], g.strideW = gj["stride"][1];
  g.padTop = gj["padding"][0], g.padBottom = gj["padding"][1];
  g.padLeft = gj["padding"][2], g.padRight = gj["padding"][3];
  g.dilationH = gj["dilation"][0], g.dilationW = gj["dilation"][1];
  g.groups = gj["groups"];
  return g;
}

inline Pool2DGeometry poolGeometryFromJson(const nlohmann::json& gj) {
  Pool2DGeometry g;
  g.mode = poolModeFromString(gj["mode"]);
  g.kernelH = gj["kernel"][0], g.kernelW = gj["kernel"][1];
  g.strideH = gj["stride"][0], g.strideW = gj["stride"][1];
  g.padTop = gj["padding"][0], g.padBottom = gj["padding"][1];
  g.padLeft = gj["padding"][2], g.padRight = gj["padding"][3];
  return g;
}

} // namespace convscope::test

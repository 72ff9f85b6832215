// The presets, layer by layer as the lecture's tables list them.
#include "Presets.h"

#include "Architectures.h"

#include "layers/Activation.h"
#include "layers/Conv2D.h"
#include "layers/Dense.h"
#include "layers/Flatten.h"
#include "layers/Pool2D.h"
#include "layers/Softmax.h"

#include <stdexcept>

namespace convscope {

std::vector<std::string> presetNames() { return {"lenet5", "lenet5-relu"}; }

bool isPreset(const std::string& name) {
  for (const std::string& p : presetNames())
    if (p == name) return true;
  return isArchitecture(name);
}

namespace {
Network lenet5(bool relu) {
  const ActivationKind act = relu ? ActivationKind::ReLU : ActivationKind::Tanh;
  Conv2DGeometry conv5;
  conv5.kernelH = conv5.kernelW = 5;
  Pool2DGeometry pool; // 2x2, stride 2
  pool.mode = relu ? PoolMode::Max : PoolMode::Average;
  Network net(Shape{1, 32, 32});
  net.add(std::make_unique<Conv2D>("conv1", 1, 6, conv5));
  net.add(std::make_unique<Activation>("act1", act));
  net.add(std::make_unique<Pool2D>("pool1", pool));
  net.add(std::make_unique<Conv2D>("conv2", 6, 16, conv5));
  net.add(std::make_unique<Activation>("act2", act));
  net.add(std::make_unique<Pool2D>("pool2", pool));
  net.add(std::make_unique<Conv2D>("conv3", 16, 120, conv5));
  net.add(std::make_unique<Activation>("act3", act));
  net.add(std::make_unique<Flatten>("flatten"));
  net.add(std::make_unique<Dense>("fc1", 120, 84));
  net.add(std::make_unique<Activation>("act4", act));
  net.add(std::make_unique<Dense>("fc2", 84, 10));
  net.add(std::make_unique<Softmax>("softmax"));
  return net;
}
} // namespace

Network makePreset(const std::string& name) {
  if (name == "lenet5") return lenet5(false);
  if (name == "lenet5-relu") return lenet5(true);
  if (isArchitecture(name)) return makeArchitecture(name);
  std::string names;
  for (const std::string& p : presetNames()) names += (names.empty() ? "" : ", ") + p;
  for (const std::string& a : architectureNames()) names += ", " + a;
  throw std::invalid_argument("unknown model preset '" + name + "' (presets: " + names + ")");
}

} // namespace convscope

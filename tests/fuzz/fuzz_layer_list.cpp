// libFuzzer target: layer lists (LayerList.h) as the editor checks them on every keystroke,
// and, when they fit and are small, built and run forward once on the reference backend.
#include "FuzzTarget.h"

#include "engine/network/LayerList.h"
#include "engine/backend/reference/ReferenceBackend.h"

CONVSCOPE_FUZZ_TARGET(layer_list) {
  using namespace convscope;
  const std::string text = fuzz::text(data, size);
  const LayerListCheck check = checkLayerList(text); // never throws
  if (!check.fits() || check.parameters > 1'000'000) return 0;
  return fuzz::refuseOrAccept([&] {
    Network network = buildLayerList(text);
    if (network.inputShape().elementCount() > 100'000 || network.macCount() > 10'000'000) return;
    ReferenceBackend backend;
    network.forward(backend, Tensor(network.batchInputShape(1), 0.5f));
  });
}

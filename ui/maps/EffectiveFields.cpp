// EffectiveFields: one backward pass at a time on the compute thread, the newest request next.
#include "ui/maps/EffectiveFields.h"

#include "ui/core/ThreadSanitizer.h"

#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/inspection/ReceptiveField.h"

namespace convscope::ui {

EffectiveFields::EffectiveFields(Deliver deliver, QObject* parent) : QObject(parent), deliver_(std::move(deliver)) {}

EffectiveFields::~EffectiveFields() { jobs_.wait(); }

void EffectiveFields::request(PipelineSnapshot result, int stage, int node, int map, int64_t row, int64_t col) {
  if (!result || !result->model) return;
  Request r{std::move(result), stage, node, map, row, col};
  if (running_) {
    pending_ = std::move(r);
    return;
  }
  start(std::move(r));
}

void EffectiveFields::start(Request r) {
  running_ = true;
  jobs_.post([this, r] {
    Tensor heat;
    try {
      const Tensor input = r.result->values(0).inLayout(Layout::NCHW);
      OnednnBackend backend;
      heat = r.result->model->use([&](Network& net) {
        if (r.node < 0 || size_t(r.node) >= net.size()) return Tensor(); // another model since
        return effectiveReceptiveField(net, backend, input, size_t(r.node), r.map, r.row, r.col);
      });
    } catch (const std::exception&) {
      heat = Tensor(); // a unit the gradient cannot reach (a layer without one): the frame alone
    }
    QMetaObject::invokeMethod(this, queuedCall([this, r, heat] {
                                running_ = false;
                                ++computed_;
                                if (heat.size()) deliver_(r.result, r.stage, r.map, r.row, r.col, heat);
                                if (pending_) {
                                  Request next = std::move(*pending_);
                                  pending_.reset();
                                  start(std::move(next));
                                }
                              }),
                              Qt::QueuedConnection);
  });
}

} // namespace convscope::ui

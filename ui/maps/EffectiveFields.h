// The effective receptive field of the unit under the mouse (FeatureMapView::unitHovered):
// |∂unit/∂input| on the compute thread, with the model that made the maps (PipelineResult::model,
// borrowed), handed back to the view. While one is computed only the newest request waits (the
// mouse moves faster than ResNet's backward pass).
// Not for: the theoretical field (the view draws it from the pipeline result's fields).
#pragma once

#include "ui/core/ComputeThread.h"
#include "ui/maps/PipelineRunner.h"

#include "engine/io/SharedModel.h"

#include <QObject>

#include <functional>
#include <optional>

namespace convscope::ui {

class EffectiveFields : public QObject {
  Q_OBJECT
public:
  // `deliver` gets each result on the GUI thread, with the pipeline result it was computed on.
  using Deliver =
      std::function<void(const PipelineSnapshot& on, int stage, int map, int64_t row, int64_t col, Tensor heat)>;
  explicit EffectiveFields(Deliver deliver, QObject* parent = nullptr);
  ~EffectiveFields() override;

  // The unit (map, row, col) of stage `stage` (model node `node`) of `result`, with the model that
  // made it (PipelineResult::model; nothing for the hand-made pipeline's maps).
  void request(PipelineSnapshot result, int stage, int node, int map, int64_t row, int64_t col);
  int computed() const { return computed_; } // fields computed so far (tests)

private:
  struct Request {
    PipelineSnapshot result;
    int stage, node, map;
    int64_t row, col;
  };
  void start(Request r);

  Deliver deliver_;
  std::optional<Request> pending_;
  bool running_ = false;
  int computed_ = 0;
  ComputeJobs jobs_; // last: waited for first
};

} // namespace convscope::ui

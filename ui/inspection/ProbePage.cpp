// ProbePage: the controls, the job on the compute thread, and the grid of made images and examples.
#include "ui/inspection/ProbePage.h"

#include "ui/applications/ImageGrid.h"
#include "ui/core/ThreadSanitizer.h"
#include "ui/core/Workspace.h"
#include "ui/inspection/TestImages.h"

#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/core/NumberText.h"
#include "engine/training/Dataset.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

#include <utility>


namespace convscope::ui {

namespace {
// An image (1, C, H, W) in [0, 1] as RGB (a grey one repeated), the patch's border drawn in red.
void putRgb(const Tensor& image, Tensor& into, int64_t slot, const DatasetExample* patch = nullptr) {
  const Shape s = image.shape();
  const int64_t h = s[2], w = s[3];
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) into.at(slot, c, y, x) = image.at(0, s[1] == 3 ? c : 0, y, x);
  if (!patch || patch->height <= 0 || patch->width <= 0) return;
  if (patch->height == h && patch->width == w) return; // the whole image: nothing to outline
  const int64_t y0 = patch->top, x0 = patch->left, y1 = y0 + patch->height - 1, x1 = x0 + patch->width - 1;
  const auto red = [&](int64_t y, int64_t x) {
    into.at(slot, 0, y, x) = 1.0f, into.at(slot, 1, y, x) = 0.1f, into.at(slot, 2, y, x) = 0.1f;
  };
  for (int64_t x = x0; x <= x1; ++x) red(y0, x), red(y1, x);
  for (int64_t y = y0; y <= y1; ++y) red(y, x0), red(y, x1);
}
} // namespace

ProbePage::ProbePage(Workspace* workspace, QWidget* parent) : QWidget(parent), workspace_(workspace) {
  setObjectName("probePage");
  QSettings settings;
  layer_ = new QComboBox;
  layer_->setToolTip(tr("The layer whose units are probed (its channels, or a fully connected layer's units)"));
  firstUnit_ = new QSpinBox;
  firstUnit_->setSingleStep(kUnits);
  firstUnit_->setToolTip(tr("The first of the %1 units shown (Page Up/Down in the box: the next %1)").arg(kUnits));
  steps_ = new QSpinBox;
  steps_->setRange(8, 2048);
  steps_->setValue(settings.value("probe/steps", 128).toInt());
  steps_->setToolTip(tr("Gradient-ascent steps for each unit"));
  l2_ = new QCheckBox(tr("L2"));
  l2_->setToolTip(tr("Decay towards the start: the image keeps only what the unit needs"));
  blur_ = new QCheckBox(tr("blur"));
  blur_->setToolTip(tr("A Gaussian blur every 4 steps: no pixel-sized noise"));
  jitter_ = new QCheckBox(tr("jitter"));
  jitter_->setToolTip(tr("The image shifted by up to 2 pixels before each step: a pattern, not one exact alignment"));
  transform_ = new QCheckBox(tr("rotate"));
  transform_->setToolTip(tr("The image scaled by up to ±10 % and turned by up to ±10° before each step: what the unit "
                            "wants at any size and slant"));
  fourier_ = new QCheckBox(tr("Fourier"));
  fourier_->setToolTip(tr("The decorrelated parameterization (Olah et al. 2017): steps filtered by 1/frequency², "
                          "colours decorrelated — smooth, natural-looking images"));
  const QStringList on = settings.value("probe/regularizers", QStringList{"jitter"}).toStringList();
  l2_->setChecked(on.contains("l2")), blur_->setChecked(on.contains("blur"));
  jitter_->setChecked(on.contains("jitter")), fourier_->setChecked(on.contains("fourier"));
  transform_->setChecked(on.contains("transform"));
  again_ = new QPushButton(tr("Run again"));
  again_->setToolTip(tr("Make the images again from the start"));
  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Layer")));
  controls->addWidget(layer_);
  controls->addWidget(new QLabel(tr("units from")));
  controls->addWidget(firstUnit_);
  controls->addWidget(new QLabel(tr("steps")));
  controls->addWidget(steps_);
  for (QCheckBox* box : {l2_, blur_, jitter_, transform_, fourier_}) controls->addWidget(box);
  controls->addWidget(again_);
  controls->addStretch(1);
  progress_ = new QProgressBar;
  progress_->setTextVisible(true);
  progress_->setMaximumHeight(22);
  status_ = new QLabel;
  status_->setWordWrap(true);
  legend_ = new QLabel(tr("For each unit: the image made to excite it (unit: its activation), then the three test "
                          "images that excite it most (their activation), the part its strongest position sees "
                          "outlined in red."));
  legend_->setWordWrap(true);
  grid_ = new ImageGrid;
  grid_->setObjectName("probeGrid");
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addWidget(legend_);
  layout->addWidget(progress_);
  layout->addWidget(grid_, 1);
  layout->addWidget(status_);

  debounce_ = new QTimer(this);
  debounce_->setSingleShot(true);
  debounce_->setInterval(250);
  connect(debounce_, &QTimer::timeout, this, &ProbePage::run);
  connect(layer_, &QComboBox::currentIndexChanged, this, [this] {
    const QSignalBlocker block(firstUnit_);
    firstUnit_->setValue(0);
    const int node = layer_->currentData().toInt();
    const Network* net = workspace_->network();
    firstUnit_->setMaximum(net && node >= 0 ? int(std::max<int64_t>(0, net->shapes(1)[size_t(node)][1] - 1)) : 0);
    scheduleRun();
  });
  connect(firstUnit_, &QSpinBox::valueChanged, this, &ProbePage::scheduleRun);
  connect(steps_, &QSpinBox::valueChanged, this, [this](int v) {
    QSettings().setValue("probe/steps", v);
    scheduleRun();
  });
  for (QCheckBox* box : {l2_, blur_, jitter_, transform_, fourier_})
    connect(box, &QCheckBox::toggled, this, [this] {
      QStringList switches;
      if (l2_->isChecked()) switches << "l2";
      if (blur_->isChecked()) switches << "blur";
      if (jitter_->isChecked()) switches << "jitter";
      if (transform_->isChecked()) switches << "transform";
      if (fourier_->isChecked()) switches << "fourier";
      QSettings().setValue("probe/regularizers", switches);
      scheduleRun();
    });
  connect(again_, &QPushButton::clicked, this, &ProbePage::run);
  connect(workspace_, &Workspace::modelChanged, this, &ProbePage::followModel);
  followModel();
}

ProbePage::~ProbePage() {
  ++*current_; // the running ascent stops at its next step
  jobs_.wait();
}

QString ProbePage::layerName() const { return layer_->currentText(); }

bool ProbePage::setLayer(const QString& name) {
  const int i = layer_->findText(name);
  if (i < 0) return false;
  layer_->setCurrentIndex(i);
  return true;
}

void ProbePage::setFirstUnit(int channel) { firstUnit_->setValue(channel); }

void ProbePage::setRegularizers(bool l2, bool blur, bool jitter, bool fourier, bool transform) {
  l2_->setChecked(l2), blur_->setChecked(blur), jitter_->setChecked(jitter), fourier_->setChecked(fourier);
  transform_->setChecked(transform);
}

void ProbePage::setSteps(int steps) { steps_->setValue(steps); }

QString ProbePage::status() const { return status_->text(); }

void ProbePage::followModel() {
  const ModelSnapshot& model = workspace_->model();
  if (!model || model->generation() == shownGeneration_) return;
  shownGeneration_ = model->generation();
  const Network& net = model->network();
  const QSignalBlocker block(layer_);
  layer_->clear();
  if (net.inputShape().rank() != 3) {
    ++*current_; // a run for the model before is stale
    if (std::exchange(busy_, false)) emit finished();
    status_->setText(tr("%1 does not read images: nothing to probe").arg(QString::fromStdString(model->fileName())));
    units_.clear();
    showUnits();
    return;
  }
  const std::vector<Shape> shapes = net.shapes(1);
  int preferred = -1, convolutions = 0;
  for (size_t i = 0; i < net.size(); ++i) {
    if (shapes[i].rank() != 4 && shapes[i].rank() != 2) continue;
    layer_->addItem(QString::fromStdString(net.layer(i).name()), int(i));
    if (net.layer(i).kind() == "Conv2D" && ++convolutions <= 2) preferred = layer_->count() - 1; // the second
  }
  layer_->setCurrentIndex(std::max(0, preferred));
  const int node = layer_->currentData().toInt();
  firstUnit_->setValue(0);
  firstUnit_->setMaximum(layer_->count() ? int(std::max<int64_t>(0, shapes[size_t(node)][1] - 1)) : 0);
  scheduleRun();
}

void ProbePage::scheduleRun() {
  ++*current_; // what runs now is stale: it stops at its next step
  debounce_->start();
}

// One run of the Probe, handed between the GUI thread and the compute thread: the compute thread
// takes a chunk (the dataset examples, or a few steps of one unit, the model borrowed a step at a
// time) and hands it back; the GUI shows it and posts the next. Between two chunks the compute
// thread runs whatever else waits — the live maps' update, a hovered unit's field, an attack — so
// the Probe never holds them up for longer than a few steps.
struct ProbePage::Run {
  uint64_t generation = 0;
  ModelSnapshot model;
  Preprocess preprocess;
  VisualizeOptions options;
  std::vector<int64_t> channels;
  std::string dataset;
  bool examplesDone = false;
  size_t unit = 0;                   // the one being made
  std::unique_ptr<UnitAscent> ascent; // its ascent (compute thread only)
};

void ProbePage::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (waitingToRun_) scheduleRun(); // the settings changed while the page was out of sight
}

void ProbePage::run() {
  debounce_->stop();
  const ModelSnapshot model = workspace_->model();
  const uint64_t generation = ++*current_; // whatever runs is stale from here on
  if (!model || layer_->count() == 0) {
    if (std::exchange(busy_, false)) emit finished();
    return;
  }
  if (!isVisible()) { // nothing is made for a page nobody sees: the compute thread has the live maps to do
    waitingToRun_ = true;
    if (std::exchange(busy_, false)) emit finished();
    return;
  }
  waitingToRun_ = false;
  const size_t node = size_t(layer_->currentData().toInt());
  const int64_t channels = model->network().shapes(1)[node][1];
  const int64_t first = std::min<int64_t>(firstUnit_->value(), std::max<int64_t>(0, channels - 1));
  units_.clear();
  for (int64_t c = first; c < std::min<int64_t>(channels, first + kUnits); ++c) {
    Unit u;
    u.channel = c;
    units_.push_back(std::move(u));
  }
  examplesNote_.clear();
  auto run = std::make_shared<Run>();
  run->generation = generation;
  run->model = model;
  run->preprocess = workspace_->modelPreprocess();
  run->options.node = node;
  run->options.steps = steps_->value();
  run->options.l2 = l2_->isChecked(), run->options.blur = blur_->isChecked();
  run->options.jitter = jitter_->isChecked(), run->options.transform = transform_->isChecked();
  run->options.fourier = fourier_->isChecked();
  run->dataset = model->info().training ? model->info().training->dataset : std::string();
  for (const Unit& u : units_) run->channels.push_back(u.channel);
  busy_ = true;
  progress_->setRange(0, int(units_.size()) * run->options.steps);
  progress_->setValue(0);
  progress_->setFormat(tr("unit %1 of %2").arg(1).arg(units_.size()));
  status_->setText(tr("Making %1 images for %2…").arg(units_.size()).arg(layerName()));
  showUnits();
  advance(run);
}

void ProbePage::advance(std::shared_ptr<Run> run) {
  const auto current = current_;
  jobs_.post([this, run, current] {
    if (current->load() != run->generation) return; // replaced: nothing more is made for it
    QString error;
    try {
      if (!run->examplesDone) {
        // The dataset examples first: one pass over the test images for all the units.
        run->examplesDone = true;
        std::vector<std::vector<DatasetExample>> examples;
        QString note;
        if (run->dataset.empty()) {
          note = tr("The model does not say which dataset it learned from: no dataset examples.");
        } else {
          try {
            const std::shared_ptr<const Dataset> test = testImages(run->dataset, run->preprocess);
            OnednnBackend backend;
            examples = run->model->use([&](Network& net) {
              return topDatasetExamples(net, backend, run->preprocess, *test, run->options, run->channels, kExamples,
                                        2000);
            });
            note = tr("Dataset examples: the first %1 test images of %2.")
                       .arg(std::min<size_t>(2000, test->size()))
                       .arg(QString::fromStdString(run->dataset));
          } catch (const std::exception& e) {
            note = tr("No dataset examples: %1").arg(QString::fromStdString(e.what()));
          }
        }
        QMetaObject::invokeMethod(this, queuedCall([this, run, examples, note] {
                                    examplesReady(run->generation, examples, note);
                                    if (current_->load() == run->generation) advance(run);
                                  }),
                                  Qt::QueuedConnection);
        return;
      }
      // A few steps of the unit being made, the model borrowed for each step alone.
      OnednnBackend backend;
      VisualizeOptions options = run->options;
      options.channel = run->channels[run->unit];
      if (!run->ascent)
        run->ascent = std::make_unique<UnitAscent>(run->model->network(), run->preprocess, options);
      double start = 0.0, activation = 0.0;
      for (int k = 0; k < kStepsAChunk && !run->ascent->done() && current->load() == run->generation; ++k)
        activation = run->model->use([&](Network& net) { return run->ascent->step(net, backend); });
      const VisualizeResult so = run->ascent->result();
      start = so.activationStart;
      const size_t index = run->unit;
      const int steps = run->ascent->stepsTaken();
      const bool unitDone = run->ascent->done();
      if (unitDone) ++run->unit, run->ascent.reset();
      const bool more = run->unit < run->channels.size();
      QMetaObject::invokeMethod(this, queuedCall([this, run, index, image = so.image, activation, steps, start, more] {
                                  unitStepped(run->generation, index, image, activation, steps, start);
                                  if (current_->load() != run->generation) return;
                                  if (more)
                                    advance(run);
                                  else
                                    runEnded(run->generation, QString());
                                }),
                                Qt::QueuedConnection);
      return;
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(this, queuedCall([this, run, error] { runEnded(run->generation, error); }),
                              Qt::QueuedConnection);
  });
}

void ProbePage::unitStepped(uint64_t generation, size_t index, Tensor image, double activation, int step,
                            double start) {
  if (generation != current_->load() || index >= units_.size()) return;
  Unit& u = units_[index];
  u.image = std::move(image);
  u.activation = activation;
  u.steps = step;
  u.start = start;
  const int steps = steps_->value();
  progress_->setValue(int(index) * steps + std::min(step, steps));
  progress_->setFormat(tr("unit %1 of %2: step %3 of %4").arg(index + 1).arg(units_.size()).arg(step).arg(steps));
  showUnits();
}

void ProbePage::examplesReady(uint64_t generation, std::vector<std::vector<DatasetExample>> examples, QString note) {
  if (generation != current_->load()) return;
  for (size_t i = 0; i < units_.size() && i < examples.size(); ++i) units_[i].examples = std::move(examples[i]);
  examplesNote_ = note;
  showUnits();
}

void ProbePage::runEnded(uint64_t generation, QString error) {
  if (generation != current_->load()) return;
  busy_ = false;
  progress_->setValue(progress_->maximum());
  progress_->setFormat(tr("done"));
  QString text;
  if (!error.isEmpty())
    text = tr("Could not probe %1: %2").arg(layerName(), error);
  else if (!units_.empty()) {
    text = tr("%1, units %2–%3: made in %4 steps each. %5")
               .arg(layerName())
               .arg(units_.front().channel)
               .arg(units_.back().channel)
               .arg(steps_->value())
               .arg(examplesNote_);
  }
  status_->setText(text);
  emit finished();
}

void ProbePage::showUnits() {
  if (units_.empty()) {
    grid_->clear();
    return;
  }
  const ModelSnapshot& model = workspace_->model();
  if (!model) return;
  const Shape in = model->network().inputShape();
  // Without a dataset (a model that does not name one) the made images alone, larger.
  const bool examples = model->info().training && !model->info().training->dataset.empty();
  const int64_t columns = examples ? 1 + kExamples : 1;
  Tensor images(Shape{int64_t(units_.size()) * columns, 3, in[1], in[2]}, 0.25f); // dark grey: not yet
  QStringList captions;
  for (size_t i = 0; i < units_.size(); ++i) {
    const Unit& u = units_[i];
    const int64_t row = int64_t(i) * columns;
    if (u.image.size()) putRgb(u.image, images, row);
    captions << (u.steps ? tr("%1: %2").arg(u.channel).arg(QString::fromStdString(formatRounded(u.activation, 3)))
                         : tr("%1: …").arg(u.channel));
    for (int k = 0; k < (examples ? kExamples : 0); ++k) {
      if (size_t(k) < u.examples.size()) {
        const DatasetExample& e = u.examples[size_t(k)];
        putRgb(e.image, images, row + 1 + k, &e);
        captions << QString::fromStdString(formatRounded(e.activation, 3)); // the image shows its class
      } else {
        captions << QString();
      }
    }
  }
  grid_->setImages(images, examples ? int(2 * columns) : 4, captions); // two units a row, or four images
}

void ProbePage::setPresenterMode(bool on) {
  presenting_ = on;
  // Every number read from the back of the hall: the controls' and the captions' at 24 px.
  QFont font = QApplication::font();
  if (on) font.setPixelSize(24);
  setFont(font);
  grid_->setCaptionPixels(on ? 24 : 13);
}

} // namespace convscope::ui

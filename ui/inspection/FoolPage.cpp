// FoolPage: the controls, the attack on the compute thread, and what it did to the answer.
#include "ui/inspection/FoolPage.h"

#include "ui/applications/ImageGrid.h"
#include "ui/core/ThreadSanitizer.h"
#include "ui/core/Workspace.h"
#include "ui/inspection/TestImages.h"
#include "ui/training/DrawingPad.h"

#include "engine/backend/onednn/OnednnBackend.h"
#include "engine/core/NumberText.h"

#include <QApplication>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <numeric>

namespace convscope::ui {

// Every class's probability before (grey) and after (red) the attack, the most probable first
// (at most ten of them; five while presenting).
class ProbabilityBars : public QWidget {
public:
  void set(std::vector<float> before, std::vector<float> after, QStringList names) {
    before_ = std::move(before), after_ = std::move(after), names_ = std::move(names);
    updateGeometry();
    update();
  }
  void setTextPixels(int pixels, int rows) {
    pixels_ = pixels;
    rows_ = rows;
    updateGeometry();
    update();
  }
  QSize sizeHint() const override { return {360, rows() * (pixels_ + 10) + pixels_ + 14}; }
  QSize minimumSizeHint() const override { return {240, sizeHint().height()}; }

protected:
  void paintEvent(QPaintEvent*) override {
    QPainter p(this);
    QFont font = p.font();
    font.setPixelSize(pixels_);
    p.setFont(font);
    const QFontMetrics m(font);
    const int line = pixels_ + 10;
    p.drawText(QRect(0, 0, width(), line), Qt::AlignLeft | Qt::AlignVCenter, tr("probability: before ▮ after ▮"));
    const int beforeX = m.horizontalAdvance(tr("probability: before ")),
              afterX = m.horizontalAdvance(tr("probability: before ▮ after "));
    p.fillRect(QRect(beforeX, line / 2 - pixels_ / 3, m.horizontalAdvance("▮"), 2 * pixels_ / 3), QColor(150, 150, 150));
    p.fillRect(QRect(afterX, line / 2 - pixels_ / 3, m.horizontalAdvance("▮"), 2 * pixels_ / 3), QColor(178, 24, 43));
    if (before_.empty()) return;
    std::vector<size_t> order(before_.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return std::max(before_[a], after_[a]) > std::max(before_[b], after_[b]);
    });
    int labelWidth = 0;
    for (int r = 0; r < rows(); ++r) labelWidth = std::max(labelWidth, m.horizontalAdvance(name(order[size_t(r)])));
    const int numbers = m.horizontalAdvance("100.0 % → 100.0 %");
    const int barLeft = labelWidth + 8, barWidth = std::max(40, width() - barLeft - numbers - 12);
    for (int r = 0; r < rows(); ++r) {
      const size_t k = order[size_t(r)];
      const int top = line + r * line;
      p.setPen(palette().color(QPalette::WindowText));
      p.drawText(QRect(0, top, labelWidth, line), Qt::AlignRight | Qt::AlignVCenter, name(k));
      p.fillRect(QRect(barLeft, top + 2, int(barWidth * before_[k]), line / 2 - 2), QColor(150, 150, 150));
      p.fillRect(QRect(barLeft, top + line / 2, int(barWidth * after_[k]), line / 2 - 2), QColor(178, 24, 43));
      p.drawText(QRect(barLeft + barWidth + 8, top, numbers + 4, line), Qt::AlignLeft | Qt::AlignVCenter,
                 QStringLiteral("%1 % → %2 %").arg(100.0 * before_[k], 0, 'f', 1).arg(100.0 * after_[k], 0, 'f', 1));
    }
  }

private:
  int rows() const { return int(std::min<size_t>(size_t(rows_), before_.size())); }
  QString name(size_t k) const { return k < size_t(names_.size()) ? names_[int(k)] : QString::number(k); }
  std::vector<float> before_, after_;
  QStringList names_;
  int pixels_ = 13, rows_ = 10;
};


FoolPage::FoolPage(Workspace* workspace, QWidget* parent) : QWidget(parent), workspace_(workspace) {
  setObjectName("foolPage");
  QSettings settings;
  source_ = new QComboBox;
  source_->addItem(tr("a test image"), int(Source::TestImage));
  source_->addItem(tr("the window's image"), int(Source::Window));
  source_->addItem(tr("a digit drawn here"), int(Source::Drawing));
  source_->setToolTip(tr("What is attacked: a test image of the model's dataset, the image open in the window, or "
                         "a digit drawn on the pad"));
  next_ = new QPushButton(tr("Next image"));
  next_->setToolTip(tr("The next test image"));
  method_ = new QComboBox;
  method_->addItem(tr("FGSM"), int(AttackMethod::Fgsm));
  method_->addItem(tr("PGD"), int(AttackMethod::Pgd));
  method_->setToolTip(tr("FGSM moves every pixel by ε along the sign of the loss's gradient, once; PGD takes steps "
                         "of 2.5·ε/steps, each kept within ε of the image — stronger at the same ε"));
  epsilon_ = new QSlider(Qt::Horizontal);
  epsilon_->setObjectName("epsilonSlider");
  epsilon_->setRange(0, 64);
  epsilon_->setValue(settings.value("fool/epsilon255", 26).toInt());
  epsilon_->setToolTip(tr("ε: the most any pixel may change, in 1/255 steps of the 0–255 scale"));
  epsilonText_ = new QLabel;
  epsilon_->setMinimumWidth(200);
  steps_ = new QSpinBox;
  steps_->setRange(1, 100);
  steps_->setValue(10);
  steps_->setToolTip(tr("PGD's steps"));
  target_ = new QComboBox;
  target_->setToolTip(tr("Away from the image's own class, or towards a class of your choice"));
  pad_ = new DrawingPad;
  pad_->setToolTip(tr("Draw a digit with the mouse; it is attacked as you draw"));
  clearPad_ = new QPushButton(tr("Clear"));
  images_ = new ImageGrid;
  images_->setObjectName("foolImages");
  bars_ = new ProbabilityBars;
  verdict_ = new QLabel;
  verdict_->setObjectName("foolVerdict");
  verdict_->setWordWrap(true);
  QFont big = verdict_->font();
  big.setBold(true);
  verdict_->setFont(big);

  auto* form = new QFormLayout;
  form->addRow(tr("Image"), source_);
  form->addRow(QString(), next_);
  form->addRow(tr("Attack"), method_);
  form->addRow(tr("ε"), epsilonText_);
  form->addRow(epsilon_);
  form->addRow(tr("PGD steps"), steps_);
  form->addRow(tr("Push towards"), target_);
  auto* padBox = new QVBoxLayout;
  padBox->addWidget(pad_, 1);
  padBox->addWidget(clearPad_);
  auto* left = new QVBoxLayout;
  left->addLayout(form);
  left->addLayout(padBox, 1);
  auto* right = new QVBoxLayout;
  right->addWidget(verdict_);
  right->addWidget(images_, 3);
  right->addWidget(bars_, 2);
  auto* layout = new QHBoxLayout(this);
  layout->addLayout(left, 2);
  layout->addLayout(right, 5);

  connect(source_, &QComboBox::currentIndexChanged, this, [this] {
    const Source s = Source(source_->currentData().toInt());
    next_->setVisible(s == Source::TestImage);
    pad_->setVisible(s == Source::Drawing);
    clearPad_->setVisible(s == Source::Drawing);
    prepareImage();
  });
  connect(next_, &QPushButton::clicked, this, &FoolPage::nextTestImage);
  connect(method_, &QComboBox::currentIndexChanged, this, [this] {
    steps_->setEnabled(AttackMethod(method_->currentData().toInt()) == AttackMethod::Pgd);
    request();
  });
  connect(epsilon_, &QSlider::valueChanged, this, [this](int v) {
    QSettings().setValue("fool/epsilon255", v);
    request();
  });
  connect(steps_, &QSpinBox::valueChanged, this, &FoolPage::request);
  connect(target_, &QComboBox::currentIndexChanged, this, &FoolPage::request);
  connect(pad_, &DrawingPad::changed, this, &FoolPage::prepareImage);
  connect(clearPad_, &QPushButton::clicked, pad_, &DrawingPad::clear);
  connect(workspace_, &Workspace::modelChanged, this, &FoolPage::followModel);
  connect(workspace_, &Workspace::preprocessChanged, this, &FoolPage::prepareImage);
  connect(workspace_, &Workspace::inputChanged, this, [this] {
    if (Source(source_->currentData().toInt()) == Source::Window) prepareImage();
  });
  steps_->setEnabled(false);
  pad_->hide();
  clearPad_->hide();
  followModel();
}

FoolPage::~FoolPage() { jobs_.wait(); }

void FoolPage::setSource(Source source) { source_->setCurrentIndex(source_->findData(int(source))); }
void FoolPage::setEpsilon255(int levels) { epsilon_->setValue(levels); }
void FoolPage::setMethod(AttackMethod method) { method_->setCurrentIndex(method_->findData(int(method))); }
void FoolPage::setTarget(int target) { target_->setCurrentIndex(std::max(0, target_->findData(target))); }

void FoolPage::nextTestImage() {
  ++testIndex_;
  prepareImage();
}

QString FoolPage::verdict() const { return verdict_->text(); }

void FoolPage::followModel() {
  const ModelSnapshot& model = workspace_->model();
  if (!model || model->generation() == shownGeneration_) return;
  shownGeneration_ = model->generation();
  const QSignalBlocker block(target_);
  target_->clear();
  target_->addItem(tr("any other class"), -1);
  const auto& names = workspace_->modelClassNames();
  const int64_t classes = model->network().outputShape(1).elementCount();
  for (int64_t k = 0; k < classes && k < 1000; ++k)
    target_->addItem(k < int64_t(names.size()) ? QString::fromStdString(names[size_t(k)]) : tr("class %1").arg(k),
                     int(k));
  const bool hasDataset = model->info().training && !model->info().training->dataset.empty();
  if (!hasDataset && Source(source_->currentData().toInt()) == Source::TestImage) setSource(Source::Window);
  testIndex_ = 0;
  prepareImage();
}

void FoolPage::prepareImage() {
  const ModelSnapshot model = workspace_->model();
  if (!model) return;
  original_ = Tensor();
  label_ = -1;
  try {
    const Preprocess plain = withoutNormalization(workspace_->modelPreprocess());
    switch (Source(source_->currentData().toInt())) {
    case Source::Window:
      if (workspace_->inputIsMatrix())
        throw std::invalid_argument(tr("the window's input is a typed matrix: open an image, or choose a test image")
                                        .toStdString());
      original_ = preprocessImage(workspace_->input(), plain);
      break;
    case Source::TestImage: {
      const auto& training = model->info().training;
      if (!training || training->dataset.empty())
        throw std::invalid_argument(tr("the model does not say which dataset it learned from").toStdString());
      const auto test = testImages(training->dataset, workspace_->modelPreprocess());
      if (test->size() == 0)
        throw std::invalid_argument(tr("%1 has no test images").arg(QString::fromStdString(training->dataset)).toStdString());
      const size_t index = testIndex_ % test->size();
      std::vector<int> labels;
      makeBatch(*test, &index, 1, plain, original_, labels);
      label_ = labels[0];
      break;
    }
    case Source::Drawing:
      if (pad_->isEmpty()) throw std::invalid_argument(tr("draw a digit on the pad").toStdString());
      original_ = preprocessImage(pad_->digit(), plain);
      break;
    }
  } catch (const std::exception& e) {
    ++requested_; // an attack still running was on the image before: it is not shown
    pending_ = false;
    verdict_->setText(tr("Nothing to attack yet: %1").arg(QString::fromStdString(e.what())));
    images_->clear();
    bars_->set({}, {}, {});
    result_.reset();
    return;
  }
  request();
}

void FoolPage::request() {
  const double epsilon = epsilon_->value() / 255.0;
  epsilonText_->setText(tr("%1 (%2 of 255)").arg(epsilon, 0, 'f', 3).arg(epsilon_->value()));
  if (!workspace_->hasModel() || original_.size() == 0) return;
  ++requested_;
  if (running_) {
    pending_ = true; // the newest waits; those between are never made
    return;
  }
  start();
}

void FoolPage::start() {
  running_ = true;
  pending_ = false;
  AttackOptions options;
  options.method = AttackMethod(method_->currentData().toInt());
  options.epsilon = epsilon_->value() / 255.0;
  options.steps = steps_->value();
  options.target = target_->currentData().toInt();
  const ModelSnapshot model = workspace_->model();
  const Preprocess preprocess = workspace_->modelPreprocess();
  const Tensor image = original_;
  const int label = label_;
  const uint64_t number = requested_;
  jobs_.post([this, model, preprocess, image, label, options, number] {
    Outcome outcome{number, model, image, label, options, AttackResult(), QString()};
    try {
      OnednnBackend backend;
      outcome.result = model->use(
          [&](Network& net) { return attackImage(net, backend, preprocess, image, options, label); });
    } catch (const std::exception& e) {
      outcome.error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(this, queuedCall([this, outcome] { show(outcome); }), Qt::QueuedConnection);
  });
}

void FoolPage::show(const Outcome& outcome) {
  running_ = false;
  if (pending_) { // a newer request waits: make it; this one is not what is asked for any more
    start();
    return;
  }
  // Only the newest request's attack, on the model and image still open, is shown.
  if (outcome.number != requested_ || outcome.model != workspace_->model()) return;
  AttackResult r = outcome.result;
  const QString& error = outcome.error;
  if (!error.isEmpty()) {
    verdict_->setText(tr("Cannot attack this model: %1").arg(error));
    images_->clear();
    bars_->set({}, {}, {});
    result_.reset();
    emit attacked();
    return;
  }
  const auto& names = workspace_->modelClassNames();
  QStringList classNames;
  for (size_t k = 0; k < r.before.size(); ++k)
    classNames << (k < names.size() ? QString::fromStdString(names[k]) : QString::number(k));
  const auto answer = [&](int k, const std::vector<float>& p) {
    return tr("%1 (%2 %)").arg(classNames[k]).arg(100.0 * p[size_t(k)], 0, 'f', 1);
  };
  const double epsilon = outcome.options.epsilon;
  // The perturbation around grey, ±ε filling the range: the same scale as ε moves.
  const Shape s = r.image.shape();
  Tensor shown(Shape{3, s[1], s[2], s[3]});
  const float gain = epsilon > 0 ? float(0.5 / epsilon) : 0.0f;
  const int64_t per = r.image.size();
  std::copy(outcome.image.data(), outcome.image.data() + per, shown.data());
  for (int64_t i = 0; i < per; ++i) shown.data()[per + i] = 0.5f + gain * r.perturbation.data()[i];
  std::copy(r.image.data(), r.image.data() + per, shown.data() + 2 * per);
  const auto shortAnswer = [&](int k, const std::vector<float>& p) {
    return tr("%1: %2 %").arg(classNames[k]).arg(100.0 * p[size_t(k)], 0, 'f', 1);
  };
  images_->setImages(shown, 3,
                     {shortAnswer(r.beforeClass, r.before),
                      epsilon > 0 ? tr("change ×%1").arg(QString::fromStdString(formatRounded(0.5 / epsilon, 2)))
                                  : tr("no change"),
                      shortAnswer(r.afterClass, r.after)});
  images_->setTitle(tr("the image · the change, amplified · the attacked image"));
  bars_->set(r.before, r.after, classNames);
  const QString method = outcome.options.method == AttackMethod::Fgsm
                             ? QStringLiteral("FGSM")
                             : tr("PGD (%1 steps)").arg(outcome.options.steps);
  QString text = tr("%1 at ε %2 (%3 of 255): %4 → %5")
                     .arg(method)
                     .arg(epsilon, 0, 'f', 3)
                     .arg(std::lround(epsilon * 255))
                     .arg(answer(r.beforeClass, r.before), answer(r.afterClass, r.after));
  const int target = outcome.options.target;
  if (target >= 0 && target < classNames.size())
    text += r.afterClass == target ? tr(" — pushed to %1.").arg(classNames[target])
                                   : tr(" — not yet %1.").arg(classNames[target]);
  else
    text += r.afterClass != r.beforeClass ? tr(" — fooled.") : tr(" — not fooled.");
  if (outcome.label >= 0 && outcome.label < classNames.size())
    text += tr(" (The test image is a %1.)").arg(classNames[outcome.label]);
  verdict_->setText(text);
  result_ = std::move(r);
  emit attacked();
}

void FoolPage::setPresenterMode(bool on) {
  // Every number read from the back of the hall: the controls', the verdict's, the captions' and
  // the bars' at 24 px.
  QFont font = QApplication::font();
  if (on) font.setPixelSize(24);
  setFont(font);
  QFont bold = font;
  bold.setBold(true);
  verdict_->setFont(bold);
  images_->setCaptionPixels(on ? 24 : 13);
  bars_->setTextPixels(on ? 24 : 13, on ? 5 : 10); // presenting: the five that matter, the images larger
}

} // namespace convscope::ui

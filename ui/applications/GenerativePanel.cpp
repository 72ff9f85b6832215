// GenerativePanel: the training controls the VAE and GAN panels share.
#include "ui/applications/GenerativePanel.h"

#include "ui/core/ComputeThread.h"
#include "ui/core/ThreadSanitizer.h"
#include "ui/training/TrainingWorker.h"

#include "engine/backend/Backend.h"

#include <QEvent>
#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>

namespace convscope::ui {

GenerativePanel::GenerativePanel(const QString& objectName, int epochs, QWidget* parent)
    : QWidget(parent), backend_(makeBackend(BackendKind::Onednn)) {
  setObjectName(objectName);
  epochsBox_ = new QSpinBox;
  epochsBox_->setObjectName(objectName + "Epochs");
  epochsBox_->setRange(1, 1000);
  epochsBox_->setValue(epochs);
  epochsBox_->setPrefix(tr("epochs "));
  epochsBox_->setToolTip(tr("Passes over the 8,000 training digits (the preset recipe's: %1)").arg(epochs));
  trainButton_ = new QPushButton(tr("Train"));
  trainButton_->setObjectName(objectName + "Train");
  stopButton_ = new QPushButton(tr("Stop"));
  stopButton_->setEnabled(false);
  stopButton_->setToolTip(tr("Stop training; the model trained so far stays"));
  progress_ = new QProgressBar;
  progress_->setRange(0, 100);
  progress_->setValue(0);
  progress_->setMaximumWidth(180);
  status_ = new QLabel;
  status_->setObjectName(objectName + "Status");
  status_->setWordWrap(true);
  controls_ = new QHBoxLayout;
  for (QWidget* w : std::initializer_list<QWidget*>{epochsBox_, trainButton_, stopButton_, progress_})
    controls_->addWidget(w);
  connect(stopButton_, &QPushButton::clicked, this, &GenerativePanel::stop);
  worker_ = makeTrainingWorker();
  connect(worker_, &TrainingWorker::reportsReady, this, [this] {
    TrainingReports r = worker_->takeReports();
    if (!training_) return;
    takeReports(r);
  });
}

GenerativePanel::~GenerativePanel() { disposeTrainingWorker(worker_); }

QString GenerativePanel::statusText() const { return status_->text(); }

bool GenerativePanel::event(QEvent* e) {
  if (e->type() == QEvent::Show && !shown_) {
    shown_ = true;
    firstShown();
  }
  return QWidget::event(e);
}

void GenerativePanel::stop() {
  if (training_) worker_->stop();
}

bool GenerativePanel::startTraining(TrainingSpec spec, const QString& what) {
  if (training_) return false;
  if (otherTraining_ && otherTraining_()) {
    status_->setText(tr("Another run is training (the Training tab or another page): one run at a time — stop it "
                        "there, or wait for it."));
    return false;
  }
  spec.dataset = "digits";
  spec.config.epochs = epochsBox_->value();
  spec.config.maxTrainImages = size_t(trainImages_);
  spec.config.maxTestImages = size_t(testImages_);
  training_ = true;
  trainButton_->setEnabled(false);
  stopButton_->setEnabled(true);
  epochsBox_->setEnabled(false);
  progress_->setValue(0);
  status_->setText(tr("Training %1 on the digits…").arg(what));
  TrainingRequest request;
  request.spec = std::move(spec);
  emit trainingStarted();
  QMetaObject::invokeMethod(
      worker_, queuedCall([worker = worker_, request] { worker->start(request); }), Qt::QueuedConnection);
  return true;
}

void GenerativePanel::showProgress(const BatchReport& b) {
  progress_->setValue(
      int(100.0 * (b.epoch + double(b.batch + 1) / std::max(1, b.batchesPerEpoch)) / epochsBox_->value()));
}

void GenerativePanel::setCurve(QCPGraph* graph, const std::vector<std::pair<double, double>>& points) {
  QVector<double> x, y;
  for (const auto& [a, b] : points) x << a, y << b;
  graph->setData(x, y, true);
}

void GenerativePanel::finishTraining() {
  training_ = false;
  trainButton_->setEnabled(true);
  stopButton_->setEnabled(false);
  epochsBox_->setEnabled(true);
  emit trainingFinished();
}

} // namespace convscope::ui

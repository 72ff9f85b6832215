// Animation frames from the stepper and the training run, and the dialog that writes them.
#include "ui/export/AnimationExport.h"

#include "ui/export/ExportDialog.h"
#include "ui/stepper/Stepper.h"
#include "ui/stepper/TransposedStepper.h"

#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QProgressDialog>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QVBoxLayout>

#include <algorithm>

namespace convscope::ui {

std::vector<RgbImage> rgbFrames(const std::vector<QImage>& frames) {
  int width = 0, height = 0;
  for (const QImage& f : frames) width = std::max(width, f.width()), height = std::max(height, f.height());
  std::vector<RgbImage> out;
  out.reserve(frames.size());
  for (const QImage& f : frames) {
    QImage canvas(width, height, QImage::Format_RGB888);
    canvas.fill(Qt::white);
    {
      QPainter p(&canvas);
      p.drawImage(0, 0, f);
    }
    RgbImage rgb{width, height, std::vector<uint8_t>(size_t(width) * size_t(height) * 3)};
    for (int y = 0; y < height; ++y)
      std::copy_n(canvas.constScanLine(y), size_t(width) * 3, rgb.pixels.begin() + ptrdiff_t(y) * width * 3);
    out.push_back(std::move(rgb));
  }
  return out;
}

std::vector<QImage> stepperFrames(Stepper* stepper, double scale, QString* problem) {
  if (stepper->mode() == Stepper::Mode::Backward) {
    *problem = QObject::tr("The animation steps through the forward modes (convolution, ReLU, pooling, fully "
                           "connected) and the transposed convolution; the backward pass exports as figures (File → "
                           "Export Figure)");
    return {};
  }
  if (stepper->mode() == Stepper::Mode::Transposed) { // its steps: input cells scattered, or output cells
    TransposedStepper* t = stepper->transposed();
    const int steps = t->stepCount();
    if (steps == 0) {
      *problem = QObject::tr("Nothing to animate: %1").arg(t->problemText());
      return {};
    }
    if (steps > kMostAnimationFrames) {
      *problem = QObject::tr("%1 steps would make %1 frames (at most %2): a smaller input").arg(steps).arg(kMostAnimationFrames);
      return {};
    }
    const int was = t->position();
    std::vector<QImage> frames;
    for (int step = 0; step < steps; ++step) {
      t->setPosition(step);
      frames.push_back(figureImage(t->figures().front(), scale));
    }
    t->setPosition(was);
    return frames;
  }
  if (!stepper->problemText().isEmpty() || stepper->cellCount() == 0) {
    *problem = QObject::tr("Nothing to animate: %1").arg(stepper->problemText());
    return {};
  }
  if (stepper->cellCount() > kMostAnimationFrames) {
    *problem = QObject::tr("%1 output cells would make %1 frames (at most %2): step a smaller input, or a larger "
                           "stride")
                   .arg(stepper->cellCount())
                   .arg(kMostAnimationFrames);
    return {};
  }
  const int was = stepper->position();
  const int cells = stepper->cellCount(); // fixed: the dialog runs the event loop meanwhile
  std::vector<QImage> frames;
  QProgressDialog progress(QObject::tr("Drawing the frames…"), QObject::tr("Cancel"), 0, cells, stepper);
  progress.setMinimumDuration(500);
  progress.setWindowModality(Qt::WindowModal);
  for (int cell = 0; cell < cells; ++cell) {
    stepper->setPosition(cell);
    frames.push_back(figureImage(stepper->figures().front(), scale));
    progress.setValue(cell + 1);
    if (progress.wasCanceled()) {
      *problem = QObject::tr("Cancelled");
      frames.clear();
      break;
    }
  }
  stepper->setPosition(was);
  return frames;
}

AnimationDialog::AnimationDialog(std::vector<QImage> frames, const QString& what, const QString& suggestedName,
                                 double fps, QWidget* parent)
    : QDialog(parent), frames_(std::move(frames)) {
  setWindowTitle(tr("Export an animation"));
  format_ = new QComboBox;
  format_->setObjectName("animationFormat");
  format_->addItem(tr("GIF: loops by itself in any slide deck or web page"), "gif");
  format_->addItem(tr("MP4 video: small and sharp (PowerPoint, Impress, a browser)"), "mp4");
  fps_ = new QDoubleSpinBox;
  fps_->setObjectName("animationFps");
  fps_->setRange(kMinFps, kMaxFps);
  fps_->setDecimals(1);
  fps_->setSuffix(tr(" frames a second"));
  fps_->setValue(fps);
  fps_->setToolTip(tr("How fast the window slides: 2 reads cell by cell, 10 is a quick pass"));
  file_ = makeExportFileRow(this, "animationPath", [this] { return format_->currentData().toString(); });
  auto* duration = new QLabel;
  const auto showDuration = [this, duration] {
    duration->setText(
        tr("%1 frames, %2 seconds").arg(frames_.size()).arg(double(frames_.size()) / fps_->value(), 0, 'f', 1));
  };
  showDuration();
  auto* form = new QFormLayout;
  form->addRow(tr("Animation:"), new QLabel(what));
  form->addRow(tr("Format:"), format_);
  form->addRow(tr("Rate:"), fps_);
  form->addRow(QString(), duration);
  form->addRow(tr("File:"), file_.layout);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
  buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole)->setDefault(true);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(file_.problem);
  layout->addWidget(buttons);
  resize(560, 240);

  const QString folder = defaultExportFolder();
  format_->setCurrentIndex(std::max(0, format_->findData(QSettings().value("export/animation", "gif"))));
  file_.path->setText(QDir(folder).filePath(suggestedName + "." + format_->currentData().toString()));
  connect(format_, &QComboBox::currentIndexChanged, this, [this] {
    const QFileInfo info(file_.path->text());
    file_.path->setText(info.dir().filePath(info.completeBaseName() + "." + format_->currentData().toString()));
  });
  connect(fps_, &QDoubleSpinBox::valueChanged, this, showDuration);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(buttons, &QDialogButtonBox::accepted, this, [this] {
    if (exportChosen().isEmpty()) accept();
  });
}

QString AnimationDialog::exportChosen() {
  QString problem;
  const QString path = file_.path->text().trimmed();
  if (path.isEmpty()) {
    problem = tr("Give the file to write");
  } else {
    QApplication::setOverrideCursor(Qt::WaitCursor);
    try {
      writeAnimation(path.toStdString(), rgbFrames(frames_), fps_->value());
    } catch (const std::exception& e) {
      problem = QString::fromStdString(e.what());
    }
    QApplication::restoreOverrideCursor();
  }
  showExportProblem(file_, problem);
  if (problem.isEmpty()) {
    written_ = path;
    QSettings().setValue("export/folder", QFileInfo(path).absolutePath());
    QSettings().setValue("export/animation", format_->currentData());
  }
  return problem;
}

} // namespace convscope::ui

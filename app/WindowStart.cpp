// Applying the window's start options (see WindowStart.h).
#include "app/WindowStart.h"

#include "ui/export/AnimationExport.h"
#include "ui/architectures/ArchitectureTab.h"
#include "ui/maps/FeatureMapView.h"
#include "ui/window/MainWindow.h"
#include "ui/maps/PipelineRunner.h"
#include "ui/stepper/Stepper.h"
#include "ui/stepper/TransposedStepper.h"
#include "ui/training/TrainingPanel.h"
#include "ui/core/Workspace.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>

#include <algorithm>

namespace convscope::cli {

void applyProcessing(ui::Workspace& workspace, const WindowOptions& o) {
  if (!o.kernels.empty()) workspace.setKernels(o.kernels);
  if (o.replaceConvolution || o.stride || o.padding || o.bias || o.perChannel) {
    convscope::FilterOptions convolution = o.replaceConvolution ? convscope::FilterOptions{} : workspace.convolution();
    if (o.stride) convolution.strideH = convolution.strideW = *o.stride;
    if (o.padding) convolution.padding = *o.padding;
    if (o.bias) convolution.bias = *o.bias;
    if (o.perChannel) convolution.perChannel = *o.perChannel;
    workspace.setConvolution(convolution);
  }
  if (o.activation) workspace.setActivation(*o.activation);
  if (o.pooling()) {
    convscope::Pool2DGeometry pool = workspace.pool();
    if (o.poolMode) pool.mode = *o.poolMode;
    if (o.poolSize) {
      pool.kernelH = pool.kernelW = *o.poolSize;
      pool.strideH = pool.strideW = *o.poolSize;
    }
    if (o.poolStride) pool.strideH = pool.strideW = *o.poolStride;
    workspace.setPooling(true, pool);
  }
}

void applyWindowOptions(ui::MainWindow& window, const WindowOptions& o) {
  if (!o.file.empty()) window.openFile(QString::fromStdString(o.file));
  applyProcessing(*window.workspace(), o);
  if (!o.model.empty() && !o.modelIsName) window.openModel(QString::fromStdString(o.model));
  if ((o.mean || o.stddev || o.imageNet || o.resize) && window.workspace()->hasModel()) {
    ui::Workspace& w = *window.workspace();
    try {
      if (o.imageNet)
        w.setModelNormalization(imageNetMean(), imageNetStd(), o.resize);
      else
        w.setModelNormalization(o.mean ? *o.mean : w.modelPreprocess().mean,
                                o.stddev ? *o.stddev : w.modelPreprocess().stddev, o.resize);
    } catch (const std::invalid_argument& e) { // a count that does not fit the model: said in the window
      window.showError(QString::fromStdString(e.what()));
    }
  }
  if (!o.model.empty() && o.tab == StartTab::Architectures)
    window.architectureTab()->openNetwork(QString::fromStdString(o.model), QString::fromStdString(o.select));
  if (o.tab == StartTab::FeatureMaps) window.showFeatureMaps();
  if (o.tab == StartTab::Stepper) window.showStepper();
  if (o.tab == StartTab::Training) window.showTraining();
  if (o.tab == StartTab::Architectures || o.tab == StartTab::Depthwise) window.showArchitectures();
  if (o.tab == StartTab::Depthwise) window.architectureTab()->showSeparable();
  if (o.tab == StartTab::Applications) window.showApplications();
  if (o.tab == StartTab::Detection) window.showDetection();
  if (o.tab == StartTab::Generation) window.showGeneration();
  if (o.tab == StartTab::Gan) window.showGeneration(true);
  if (o.tab == StartTab::SuperResolution) window.showSuperResolution(2);
  if (o.tab == StartTab::SuperResolution4x) window.showSuperResolution(4);
  if (o.tab == StartTab::Probe) window.showInspection(0);
  if (o.tab == StartTab::Fool) window.showInspection(1);
  if (o.stepper || o.step) window.showStepper();
  if (o.step) {
    using Mode = convscope::ui::Stepper::Mode;
    switch (*o.step) {
    case StartStep::Convolution: window.stepper()->setMode(Mode::Convolution); break;
    case StartStep::Activation: window.stepper()->setMode(Mode::Activation); break;
    case StartStep::Pooling: window.stepper()->setMode(Mode::Pooling); break;
    case StartStep::FullyConnected: window.stepper()->setMode(Mode::FullyConnected); break;
    case StartStep::Backward: window.stepper()->setMode(Mode::Backward); break;
    case StartStep::Deconv: {
      window.stepper()->setMode(Mode::Transposed);
      // The sample asked for; without one, the workspace's input when a kernel was given, else
      // conv_arithmetic's kernel 3, stride 2 case.
      using convscope::ui::TransposedStepper;
      auto* t = window.stepper()->transposed();
      const std::string sample = !o.deconvSample.empty() ? o.deconvSample
                                 : o.kernels.empty()     ? "k3s2p1op1"
                                                         : "workspace";
      t->setSample(TransposedStepper::sampleNamed(sample));
      break;
    }
    }
  }
  if (o.cell && o.step == StartStep::Backward) // the backward pass counts its steps through every stage
    for (int64_t i = 0; i < std::min<int64_t>(*o.cell, kMostBackwardSteps); ++i) window.stepper()->stepForward();
  else if (o.cell && o.step == StartStep::Deconv)
    window.stepper()->transposed()->setPosition(static_cast<int>(*o.cell));
  else if (o.cell)
    window.stepper()->setPosition(static_cast<int>(*o.cell));
  if (o.camera) window.startCamera(*o.camera);
  if (!o.video.empty()) window.openVideo(QString::fromStdString(o.video));
  if (o.presenter) window.setPresenterMode(true);
  if (o.train) {
    window.showTraining();
    window.trainingPanel()->start();
  }
}

int exportAndQuit(ui::MainWindow& window, const WindowOptions& o, std::ostream& err) {
  // Settled: the newest maps on screen, no network being made, the stepper's view current.
  QElapsedTimer clock;
  clock.start();
  const auto settled = [&window] {
    return window.runner()->isSettled() && window.featureMaps()->result() == window.runner()->latest() &&
           !window.architectureTab()->isBusy();
  };
  while (!settled() && clock.elapsed() < 120000) {
    QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    QThread::msleep(5);
  }
  QCoreApplication::processEvents();
  if (!settled()) {
    err << "convscope: the view did not settle within two minutes; nothing written\n";
    return 2;
  }
  // A file or model that did not open: its view would be the wrong slide.
  if (const QString problem = window.errorText(); !problem.isEmpty()) {
    err << "convscope: " << problem.toStdString() << "; nothing written\n";
    return 2;
  }
  if (!o.animationFile.empty()) {
    QString problem;
    const std::vector<QImage> frames = ui::stepperFrames(window.stepper(), 1.0, &problem);
    if (frames.empty()) {
      err << "convscope: --export-animation " << o.animationFile << ": " << problem.toStdString() << "\n";
      return 2;
    }
    try {
      writeAnimation(o.animationFile, ui::rgbFrames(frames), o.fps);
    } catch (const std::exception& e) {
      err << "convscope: " << e.what() << "\n";
      return 2;
    }
    return 0;
  }
  const std::vector<ui::Figure> figures = window.figures();
  if (figures.empty()) {
    err << "convscope: --export " << o.exportFile << ": this tab shows nothing to export yet\n";
    return 2;
  }
  const ui::Figure* chosen = &figures.front();
  if (!o.figure.empty()) {
    chosen = nullptr;
    QStringList names;
    for (const ui::Figure& f : figures) {
      names << f.name;
      if (f.name == QString::fromStdString(o.figure)) chosen = &f;
    }
    if (!chosen) {
      err << "convscope: --figure " << o.figure << ": this tab's figures are " << names.join(", ").toStdString()
          << "\n";
      return 2;
    }
  }
  const QString problem = ui::writeFigure(*chosen, QString::fromStdString(o.exportFile), o.scale);
  if (!problem.isEmpty()) {
    err << "convscope: --export: " << problem.toStdString() << "\n";
    return 2;
  }
  return 0;
}

} // namespace convscope::cli

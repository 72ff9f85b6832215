// The main window: the tabs and side panels around the workspace, menus and shortcuts, drag
// and drop, paste, recent files, samples, export, lecture files, presenter mode and
// remembered settings. It wires widgets to the workspace and the workspace to the pipeline
// runner. Its jobs live in files of their own: MainWindowMenus.cpp, MainWindowLectures.cpp,
// MainWindowPresenter.cpp, Samples.h (the catalogue), RecentFiles.h.
#pragma once

#include "ui/export/Figure.h"

#include "engine/core/Geometry.h"
#include "engine/io/LectureFile.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QPalette>
#include <QStringList>

#include <array>
#include <memory>
#include <vector>

class QAction;
class QDockWidget;
class QFrame;
class QLabel;
class QMenu;
class QScrollArea;
class QTabWidget;
class QTimer;

namespace convscope {
class VideoSource;
}

namespace convscope::ui {

class ArchitectureTab;
class ApplicationsTab;
class ConvolutionPanel;
class SaliencyDialog;
class NormalizationDialog;
class FeatureMapView;
class InputPanel;
class InspectionTab;
class EffectiveFields;
class KernelPanel;
class LiveFeed;
class PipelineRunner;
class RecentFiles;
struct Sample;
class Stepper;
class TrainingPanel;
class Workspace;

class MainWindow : public QMainWindow {
  Q_OBJECT
public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  Workspace* workspace() const { return workspace_; }
  FeatureMapView* featureMaps() const { return featureMaps_; }
  Stepper* stepper() const { return stepper_; }
  ConvolutionPanel* convolutionPanel() const { return convolutionPanel_; }
  PipelineRunner* runner() const { return runner_; }
  TrainingPanel* trainingPanel() const { return training_; }
  ArchitectureTab* architectureTab() const { return architectures_; }
  ApplicationsTab* applicationsTab() const { return applications_; }
  InspectionTab* inspectionTab() const { return inspection_; }
  QTabWidget* tabWidget() const { return tabs_; }
  // "Why this class?": the saliency of the open model on the current image (created on first use).
  SaliencyDialog* showSaliency();
  NormalizationDialog* showNormalization(); // File → Model Normalization…
  QString errorText() const; // the visible error banner's text, or ""
  void showError(const QString& text); // in the banner over the tabs (and the status bar), for 10 s
  // What the current tab offers to export (File → Export Figure): feature maps, the
  // stepper's grids, the training curves and tables, the architecture graph and table.
  std::vector<Figure> figures() const;
  bool isPresenterMode() const { return presenter_; }

  // Opens an image or matrix file (a model file, .json or .onnx, opens as a model); on failure
  // shows why and keeps the current input.
  bool openFile(const QString& path);
  // Opens a trained model file: the feature maps become its layers, its filters join the gallery.
  bool openModel(const QString& path);
  // Live input (File → Camera, File → Open Video…, --camera, --video): the feature maps (and an
  // open model's layers) follow the frames, the newest one whenever the pipeline is free; the
  // rest are dropped and counted in the bar over the maps. False, with the reason in the window,
  // when the camera or file cannot be read. Opening another input stops it. A video file loops
  // (a demonstration runs until it is stopped).
  bool startCamera(int index);
  bool openVideo(const QString& path, bool loop = true); // a file plays over and over until stopped
  void stopLive();
  LiveFeed* liveFeed() const { return liveFeed_; }
  EffectiveFields* effectiveFields() const { return effectiveFields_; }
  QString liveStatus() const; // the bar's text ("" when nothing is live)
  // Writes the open model (File → Open Model, or the one just trained) as ONNX; false with a
  // message in the window when there is none or the file cannot be written.
  bool exportModelAsOnnx(const QString& path);

  // Lecture files (.convscope, engine/io/LectureFile.h): the window's state (input, kernels,
  // settings, stepper position, model, network, tab, presenter mode) in one file. Saving
  // and opening say what went wrong in the window and return false; opening keeps the
  // current state when the file cannot be read. A model that cannot be found is named,
  // and the rest of the lecture opens.
  LectureState lectureState(const QString& lecturePath) const;
  bool saveLecture(const QString& path);
  bool openLecture(const QString& path);
  QString lecturePath() const { return lecturePath_; } // the lecture file open or saved last, or ""

public slots:
  void setPresenterMode(bool on);
  void showStepper();
  void showFeatureMaps();
  void showTraining();
  void showArchitectures();
  void showApplications();
  void showDetection(); // the Applications tab's detection page
  void showInspection(int page = -1); // the Inspect tab: its Probe page (0) or Fool it (1); −1 as it was
  void showGeneration(bool gan = false); // the Applications tab's generation page: its VAE, or its GAN
  // The same page's GAN application; factor 2 or 4 chooses its pair of models (0: as last time).
  void showSuperResolution(int factor = 0);

  QSize sizeHint() const override;

protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void closeEvent(QCloseEvent* event) override;

public:
  // The next or previous sample of the catalogue (Page Down, Page Up: a presenter's clicker),
  // after the one opened last; wraps around.
  void stepSample(int step);

private:
  void showGenerationPanel(QWidget* panel); // the generation page with this panel shown
  void openSample(const Sample& sample);
  void placeSettingsOverlay();
  int sampleIndex_ = -1; // in lectureSamples(), of the sample opened last
  QAction* nextSampleAction_ = nullptr;
  QAction* previousSampleAction_ = nullptr;
  void placeOnScreen(const QByteArray& rememberedGeometry);
  void usePhotoBankIfNeeded();
  void createMenus(); // MainWindowMenus.cpp
  void requestUpdate();
  bool startLive(std::unique_ptr<VideoSource> source, bool loop);
  void showLiveFrame(); // the waiting frame into the workspace, when the pipeline is free
  void updateLiveBar();
  void paste();
  void editMatrix();
  void exportFigure();
  void exportAnimation();
  void showShortcuts();
  void saveLectureAs();

  Workspace* workspace_;
  PipelineRunner* runner_;
  FeatureMapView* featureMaps_;
  QScrollArea* featureScroll_;
  QWidget* featurePage_;                // the Feature maps tab: the live bar over the maps
  LiveFeed* liveFeed_;
  EffectiveFields* effectiveFields_;
  QElapsedTimer fieldClock_;
  std::array<int64_t, 4> lastFieldUnit_{-1, -1, -1, -1}; // the hovered unit asked for last, and when
  double lastFieldAt_ = 0.0;
  QFrame* liveBar_;
  QLabel* liveLabel_;
  bool settingLiveFrame_ = false;       // the workspace's new input is a frame, not the user's
  std::vector<double> liveShownAt_;     // seconds (steady clock) of the last second's shown frames
  Stepper* stepper_;
  TrainingPanel* training_;
  ArchitectureTab* architectures_;
  ApplicationsTab* applications_;
  InspectionTab* inspection_;
  SaliencyDialog* saliency_ = nullptr;
  NormalizationDialog* normalization_ = nullptr;
  InputPanel* inputPanel_;
  ConvolutionPanel* convolutionPanel_;
  KernelPanel* kernelPanel_;
  QTabWidget* tabs_;
  QLabel* errorBanner_;
  QTimer* errorTimer_;
  RecentFiles* recentFiles_ = nullptr;    // File → Open Recent
  RecentFiles* recentLectures_ = nullptr; // File → Recent Lectures
  QString lecturePath_;
  QAction* sharedScaleAction_ = nullptr;
  bool presenter_ = false;
  QByteArray stateBeforePresenter_;
  // The Training tab takes the whole width: the side panels (which drive the other tabs)
  // are hidden while it shows and come back as they were on leaving it.
  QByteArray stateBeforeTraining_;
  QScrollArea* trainingScroll_;
  bool docksHiddenForTraining_ = false;
  void tabChanged();
  QPalette paletteBeforePresenter_;
  QAction* presenterAction_ = nullptr;
  QAction* settingsAction_ = nullptr;
  QDockWidget* convolutionDock_ = nullptr;
  QFrame* settingsOverlay_ = nullptr; // F9 in presenter mode: the settings over the stage
  QScrollArea* overlayScroll_ = nullptr;
  void toggleSettingsOverlay();

public:
  static constexpr double kPresenterScale = 1.5; // presenter mode's text size, times the normal
  QFrame* settingsOverlay() const { return settingsOverlay_; }
};

} // namespace convscope::ui

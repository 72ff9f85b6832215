// The Architectures tab: one of the lecture's networks (the seven at full size, the small
// trainable versions, or any model file, layer list or ONNX file) as a graph, a table and
// its feature maps on the current image, with the idea its family stands for. The network
// is made, initialized and run on the compute thread; selecting a box or a table row shows
// that layer's (or block's) output maps. Not for: training (the Training tab) or the
// drawing of the graph itself (ArchitectureGraphView).
#pragma once

#include "ui/export/Figure.h"

#include "ui/core/ComputeThread.h"
#include "engine/network/ArchitectureGraph.h"
#include "engine/network/ArchitectureIdeas.h"
#include "engine/core/Tensor.h"

#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QSplitter;
class QTabWidget;
class QTextBrowser;
class QTreeWidget;
class QTreeWidgetItem;

namespace convscope::ui {

class ArchitectureGraphView;
class CompareView;
class FeatureMapView;
class SeparableView;
class Workspace;

class ArchitectureTab : public QWidget {
  Q_OBJECT
public:
  explicit ArchitectureTab(Workspace* workspace, QWidget* parent = nullptr);
  ~ArchitectureTab() override; // waits for its job on the compute thread

  // A preset or architecture name ("resnet50", "mini-vgg") or a file: a model file, a
  // layer list (.txt) or an ONNX file. Made on the compute thread; `loaded` follows (or
  // `failed` with the reason, the current network kept).
  // `select`: a layer or block to select (and reveal) once it shows, as Find does.
  void openNetwork(const QString& nameOrPath, const QString& select = {});
  QString networkName() const { return name_; }
  // Selects the block named `text` ("layer1.0", "inception4a") or the first layer whose name
  // contains it, as the Find box does; a status line says when nothing is called so.
  void find(const QString& text);
  bool isBusy() const { return pendingJobs_ > 0; }

  ArchitectureGraphView* graphView() const { return graph_; }
  QTreeWidget* table() const { return table_; }
  FeatureMapView* maps() const { return maps_; }
  SeparableView* separableView() const { return separable_; }
  void showSeparable(); // the Standard · Depthwise · Pointwise page
  CompareView* compareView() const { return compare_; }
  const ArchitectureIdea& idea() const { return idea_; }
  // For export: the graph (all of it), the table (blocks as the table nests them), the maps.
  std::vector<Figure> figures() const;
  QString ideaText() const;
  // Presenting: the graph takes most of the screen and zooms to each selection with its text
  // at 18 px or more, the explanation shows whole and large, the table steps aside.
  void setPresenterMode(bool on);
  bool isPresenting() const { return presenter_; }
  QTextBrowser* ideaPanel() const { return ideaPanel_; }
  QWidget* tableView() const;
  // Shows the output maps of a layer (−1: the prepared input) or of a block's last layer.
  void showNode(int node);
  void showBlock(int block);
  int shownNode() const { return shownNode_; }
  // Puts the shown convolution's real input and its filter `filter` (with its bias, stride,
  // padding and dilation) into the workspace and asks for the stepper. A depthwise or
  // grouped filter gets only the input channels it reads. False (and a message) when the
  // shown layer is not a convolution.
  bool stepFilter(int filter);
  // The last forward pass and the last maps, in milliseconds (for `bench browser`).
  double forwardMilliseconds() const { return forwardMs_; }
  // From building the block structure (on the compute thread) to the graph and the table
  // laid out, drawn and painted.
  double graphMilliseconds() const { return graphMs_; }

signals:
  void loaded();    // the graph, table and idea show the new network
  void forwarded(); // the current image has run through it
  void mapsShown(); // the chosen layer's maps are on screen
  void failed(const QString& message);
  // "Step in the Stepper": the workspace now holds the layer's input and one of its filters.
  void stepperRequested();

protected:
  void showEvent(QShowEvent* event) override;
  void changeEvent(QEvent* event) override;
  void resizeEvent(QResizeEvent* event) override; // presenting: the graph keeps its share

private:
  struct Engine; // the network and its backend: the compute thread's
  void post(std::function<void()> job);
  void finishJob();
  void networkLoaded(uint64_t generation, const QString& name, std::shared_ptr<const ArchitectureGraph> graph,
                     ArchitectureIdea idea, QString description, double buildMs);
  void requestForward();
  void requestMaps();
  void fillTable();
  void selectRow(int kind, int index);
  void rowChosen();

  Workspace* workspace_;
  std::shared_ptr<Engine> engine_;
  ComputeJobs jobs_;
  int pendingJobs_ = 0;
  uint64_t generation_ = 0;       // of the network asked for last
  uint64_t loadedGeneration_ = 0; // of the network on screen
  uint64_t forwardNumber_ = 0;    // of the forward asked for last
  uint64_t forwardDone_ = 0;      // of the last forward delivered
  bool inputStale_ = true;        // the image changed since the last forward
  QString name_;
  QString selectWhenLoaded_;
  QString pendingModel_; // opened in the window while the tab was hidden: shown when it shows
  bool presenter_ = false;
  QSplitter* split_ = nullptr;      // graph | the right column
  QSplitter* rightSplit_ = nullptr; // idea, table, maps
  QCheckBox* leftToRight_ = nullptr;
  void fitIdeaPanel(); // presenting: the explanation wide enough to show whole
  void placePanes();   // the graph, explanation and maps as presenting (or not) wants them
  bool settingInput_ = false; // the workspace's input came from stepFilter: no forward for it
  std::shared_ptr<const ArchitectureGraph> graphData_;
  ArchitectureIdea idea_;
  int shownNode_ = -2; // −2 nothing
  double forwardMs_ = 0, graphMs_ = 0;
  double baseFontPoints_ = 9; // the font's size when made (presenter mode enlarges it)
  bool untrained_ = true;     // the network's weights are random (said with its maps)

  QComboBox* networks_;
  QLineEdit* search_;
  QProgressBar* progress_;
  QLabel* status_;
  ArchitectureGraphView* graph_;
  QTreeWidget* table_;
  std::vector<QTreeWidgetItem*> nodeRows_, blockRows_;
  QTextBrowser* ideaPanel_;
  QLabel* mapsTitle_;
  QCheckBox* sharedScale_;
  QSpinBox* filter_;
  QPushButton* step_;
  FeatureMapView* maps_;
  SeparableView* separable_;
  QTabWidget* pages_;
  CompareView* compare_;
};

} // namespace convscope::ui

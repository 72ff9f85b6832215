// The Inspect tab: looking inside the open model (the workspace's, borrowed) — what each unit of
// a layer wants to see (ProbePage) and how little it takes to fool it (FoolPage). With no model
// open it offers the bundled trained ones.
// Not for: the feature maps of the live image (the Feature maps tab, whose receptive-field hover
// and camera are there) or training.
#pragma once

#include <QTabWidget>
#include <QWidget>

class QLabel;
class QStackedWidget;

namespace convscope::ui {

class FoolPage;
class ProbePage;
class Workspace;

class InspectionTab : public QWidget {
  Q_OBJECT
public:
  explicit InspectionTab(Workspace* workspace, QWidget* parent = nullptr);
  ProbePage* probe() const { return probe_; }
  FoolPage* fool() const { return fool_; }
  QTabWidget* pages() const { return pages_; }
  void setPresenterMode(bool on);

private:
  void followModel();

  Workspace* workspace_;
  QStackedWidget* stack_;
  QWidget* empty_;
  QLabel* emptyText_;
  QTabWidget* pages_;
  ProbePage* probe_;
  FoolPage* fool_;
};

} // namespace convscope::ui

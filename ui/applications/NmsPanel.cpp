// NmsPanel: the thresholds, the table of candidates and the steps.
#include "ui/applications/NmsPanel.h"

#include "engine/training/Scenes.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace convscope::ui {

namespace {
QString fixedText(double v, int decimals) { return QString::number(v, 'f', decimals); }
} // namespace

NmsPanel::NmsPanel(double score, double iou, QWidget* parent) : QWidget(parent) {
  setObjectName("nmsPanel");
  scoreSlider_ = new QSlider(Qt::Horizontal);
  scoreSlider_->setObjectName("scoreThreshold");
  scoreSlider_->setRange(1, 99);
  scoreSlider_->setValue(int(std::lround(score * 100)));
  scoreSlider_->setToolTip(tr("Score threshold: an anchor's class score must reach it to be a candidate"));
  iouSlider_ = new QSlider(Qt::Horizontal);
  iouSlider_->setObjectName("iouThreshold");
  iouSlider_->setRange(0, 100);
  iouSlider_->setValue(int(std::lround(iou * 100)));
  iouSlider_->setToolTip(tr("NMS threshold: a kept box strikes every candidate of its class whose IoU with it is above "
                            "this"));
  scoreLabel_ = new QLabel, iouLabel_ = new QLabel;
  scoreLabel_->setObjectName("scoreLabel"), iouLabel_->setObjectName("iouLabel");
  table_ = new QTableWidget(0, 4);
  table_->setObjectName("nmsTable");
  table_->setHorizontalHeaderLabels({tr("#"), tr("class"), tr("score"), tr("decision")});
  table_->verticalHeader()->hide();
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionMode(QAbstractItemView::NoSelection);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->setToolTip(tr("The candidates by score, highest first: each step keeps (✓) the top box not yet struck and "
                        "strikes (✗) the boxes of its class overlapping it more than the threshold, naming the kept "
                        "box and the IoU"));
  line_ = new QLabel;
  line_->setObjectName("nmsLine");
  line_->setWordWrap(true);
  stepButton_ = new QPushButton(tr("Step NMS"));
  stepButton_->setToolTip(tr("Keep the next box and strike its overlaps (N)"));
  resetButton_ = new QPushButton(tr("Reset"));
  resetButton_->setToolTip(tr("Back to the sorted candidates, nothing decided"));
  allButton_ = new QPushButton(tr("All"));
  allButton_->setToolTip(tr("Every step: the detector's boxes"));

  auto* thresholds = new QGridLayout;
  thresholds->addWidget(scoreLabel_, 0, 0);
  thresholds->addWidget(scoreSlider_, 0, 1);
  thresholds->addWidget(iouLabel_, 1, 0);
  thresholds->addWidget(iouSlider_, 1, 1);
  auto* buttons = new QHBoxLayout;
  for (QWidget* w : std::initializer_list<QWidget*>{stepButton_, resetButton_, allButton_}) buttons->addWidget(w);
  buttons->addStretch();
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(thresholds);
  layout->addLayout(buttons);
  layout->addWidget(line_);
  layout->addWidget(table_, 1);

  connect(stepButton_, &QPushButton::clicked, this, &NmsPanel::stepOnce);
  connect(resetButton_, &QPushButton::clicked, this, &NmsPanel::reset);
  connect(allButton_, &QPushButton::clicked, this, &NmsPanel::finish);
  for (QSlider* s : {scoreSlider_, iouSlider_}) connect(s, &QSlider::valueChanged, this, &NmsPanel::thresholdsChanged);
  refresh();
}

double NmsPanel::scoreThreshold() const { return scoreSlider_->value() / 100.0; }
double NmsPanel::iouThreshold() const { return iouSlider_->value() / 100.0; }

void NmsPanel::setThresholds(double score, double iou) {
  scoreSlider_->setValue(int(std::lround(score * 100)));
  iouSlider_->setValue(int(std::lround(iou * 100)));
}

void NmsPanel::setCandidates(std::vector<Detection> candidates, const QString& emptyText) {
  candidates_ = std::move(candidates);
  emptyText_ = emptyText;
  // Highest score first, as NMS takes them: the table's order and numbers.
  std::stable_sort(candidates_.begin(), candidates_.end(),
                   [](const Detection& a, const Detection& b) { return a.score > b.score; });
  std::vector<Box> boxes;
  std::vector<double> scores;
  std::vector<int> classes;
  for (const Detection& d : candidates_) boxes.push_back(d.box), scores.push_back(d.score), classes.push_back(d.label);
  nms_ = nmsPerClass(boxes, scores, classes, iouThreshold());
  // Candidates are in score order, so decision i is candidate i's; each one's rank among the
  // kept boxes (a struck one: its keeper's) tells from which step on it is decided.
  std::vector<int> rank(candidates_.size(), -1);
  for (size_t k = 0; k < nms_.keep.size(); ++k) rank[nms_.keep[k]] = int(k);
  keptRank_.assign(candidates_.size(), -1);
  for (const NmsDecision& d : nms_.decisions) keptRank_[d.candidate] = rank[d.kept ? d.candidate : d.suppressedBy];
  step_ = int(nms_.keep.size());
  refresh();
  emit stepChanged();
}

std::vector<Detection> NmsPanel::kept() const {
  std::vector<Detection> out;
  for (size_t i : nms_.keep) out.push_back(candidates_[i]);
  return out;
}

int NmsPanel::state(size_t candidate) const {
  if (candidate >= keptRank_.size() || keptRank_[candidate] < 0 || keptRank_[candidate] >= step_) return Undecided;
  return nms_.decisions[candidate].kept ? Kept : Struck;
}

int NmsPanel::currentKept() const {
  return step_ > 0 && step_ <= int(nms_.keep.size()) ? int(nms_.keep[size_t(step_ - 1)]) : -1;
}

QString NmsPanel::text() const { return line_->text(); }

void NmsPanel::setStep(int step) {
  step_ = std::clamp(step, 0, int(nms_.keep.size()));
  refresh();
  emit stepChanged();
}

void NmsPanel::stepOnce() {
  if (nms_.keep.empty()) return;
  setStep(step_ >= int(nms_.keep.size()) ? 1 : step_ + 1);
}

void NmsPanel::reset() { setStep(0); }
void NmsPanel::finish() { setStep(int(nms_.keep.size())); }

void NmsPanel::refresh() {
  scoreLabel_->setText(tr("score ≥ %1").arg(fixedText(scoreThreshold(), 2)));
  iouLabel_->setText(tr("NMS IoU > %1").arg(fixedText(iouThreshold(), 2)));
  const int rows = int(candidates_.size());
  table_->setRowCount(rows);
  QFont struckFont = table_->font();
  struckFont.setStrikeOut(true);
  const int current = currentKept();
  for (int i = 0; i < rows; ++i) {
    const Detection& c = candidates_[size_t(i)];
    const int s = state(size_t(i));
    const NmsDecision& d = nms_.decisions[size_t(i)];
    QString decision;
    if (s == Kept) decision = i == current ? tr("✓ keep ◀") : tr("✓ keep");
    if (s == Struck) decision = tr("✗ #%1, IoU %2").arg(d.suppressedBy + 1).arg(fixedText(d.iou, 2));
    const QStringList cells{QString::number(i + 1), QString::number(c.label), fixedText(c.score, 3), decision};
    const Rgb colour = sceneClassColour(c.label + 1);
    for (int col = 0; col < 4; ++col) {
      auto* item = new QTableWidgetItem(cells[col]);
      if (col < 3) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      if (s == Kept) item->setBackground(QColor(220, 240, 220));
      if (s == Struck) item->setBackground(QColor(250, 220, 220)), item->setFont(struckFont);
      if (i == current) item->setBackground(QColor(190, 225, 255));
      if (col == 1) item->setForeground(QColor(colour.r, colour.g, colour.b).darker(130));
      table_->setItem(i, col, item);
    }
  }
  table_->resizeColumnsToContents();
  table_->horizontalHeader()->setStretchLastSection(true);
  if (current >= 0) table_->scrollToItem(table_->item(current, 0));
  QString line;
  if (candidates_.empty()) {
    line = emptyText_;
  } else if (step_ == 0) {
    line = tr("%1 candidates, highest score first: Step NMS (N) keeps the top one").arg(rows);
  } else {
    const size_t k = size_t(current);
    QStringList struck;
    int more = 0; // past the first four: counted, the table has them all
    for (const NmsDecision& d : nms_.decisions)
      if (!d.kept && d.suppressedBy == k) {
        if (struck.size() < 4)
          struck << tr("#%1 (IoU %2)").arg(d.candidate + 1).arg(fixedText(d.iou, 2));
        else
          ++more;
      }
    if (more > 0) struck << tr("%n more", nullptr, more);
    line = tr("Step %1 of %2: keep #%3, a %4 scoring %5")
               .arg(step_)
               .arg(nms_.keep.size())
               .arg(k + 1)
               .arg(candidates_[k].label)
               .arg(fixedText(candidates_[k].score, 3));
    line += struck.isEmpty() ? tr("; nothing of its class overlaps it above %1").arg(fixedText(iouThreshold(), 2))
                             : tr("; strike %1: above %2").arg(struck.join(", "), fixedText(iouThreshold(), 2));
  }
  line_->setText(line);
}

void NmsPanel::setPresenterMode(bool on) {
  QFont big = font();
  big.setPixelSize(on ? 24 : 13);
  table_->setFont(big);
  table_->horizontalHeader()->setFont(big);
  table_->verticalHeader()->setDefaultSectionSize(on ? 32 : 22);
  refresh();
}

} // namespace convscope::ui

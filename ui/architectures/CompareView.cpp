#include "ui/architectures/CompareView.h"
#include "ui/core/ThreadSanitizer.h"
#include "ui/core/Text.h"

#include "ui/core/ComputeThread.h"

#include "engine/network/ArchitectureGraph.h"
#include "engine/network/ArchitectureIdeas.h"
#include "engine/network/LayerList.h"
#include "engine/network/Presets.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSettings>
#include <QTableWidget>
#include <QVBoxLayout>

namespace convscope::ui {

namespace {


// What the table shows of one network.
struct Facts {
  QString error;
  int depth = 0;
  int64_t layers = 0, parameters = 0, macs = 0, activationBytes = 0;
  QString input, family;
  bool trained = false;
  double accuracy = 0, secondsPerEpoch = 0;
  QString training; // "digits, 3 epochs"
};

Facts factsOf(const std::string& name) {
  Facts f;
  try {
    const Network net = makePreset(name);
    const ArchitectureGraph g(net);
    f.depth = g.weightDepth();
    f.layers = int64_t(g.nodeCount());
    f.parameters = g.parameters();
    f.macs = g.macs();
    f.activationBytes = g.activations() * 4;
    QStringList dims;
    for (int64_t d : net.inputShape().dims()) dims << QString::number(d);
    f.input = dims.join(QStringLiteral("×"));
    const ArchitectureIdea idea = architectureIdea(net, g);
    f.family = qs(idea.family) + ": " + qs(idea.idea);
  } catch (const std::exception& e) {
    f.error = qs(e.what());
  }
  return f;
}

QString settingsKey(const QString& network) { return "architectureTraining/" + network; }

} // namespace

CompareView::CompareView(const std::vector<std::pair<QString, QString>>& names, QWidget* parent) : QWidget(parent) {
  first_ = new QComboBox;
  second_ = new QComboBox;
  for (const auto& [name, title] : names) {
    first_->addItem(title, name);
    second_->addItem(title, name);
  }
  first_->setCurrentIndex(std::max(0, first_->findData("vgg16")));
  second_->setCurrentIndex(std::max(0, second_->findData("resnet50")));
  table_ = new QTableWidget(0, 3);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  table_->setWordWrap(true);
  note_ = new QLabel(tr("Depth: layers with weights on the longest path from input to output, as the papers count "
                        "(a shortcut's projection is beside it). Memory: every layer's output for one image, as "
                        "float32. Accuracy and time per epoch: the last run of that network in the Training tab."));
  note_->setWordWrap(true);
  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("Compare")));
  bar->addWidget(first_, 1);
  bar->addWidget(new QLabel(tr("with")));
  bar->addWidget(second_, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(bar);
  layout->addWidget(table_, 1);
  layout->addWidget(note_);
  const auto again = [this] { compare(first_->currentData().toString(), second_->currentData().toString()); };
  connect(first_, &QComboBox::activated, this, again);
  connect(second_, &QComboBox::activated, this, again);
}

CompareView::~CompareView() { jobs_.wait(); }

void CompareView::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (requested_ == 0) compare(first_->currentData().toString(), second_->currentData().toString());
}

void CompareView::rememberTraining(const QString& network, const QString& dataset, int epochs, double testAccuracy,
                                   double secondsPerEpoch) {
  QSettings s;
  s.setValue(settingsKey(network) + "/dataset", dataset);
  s.setValue(settingsKey(network) + "/epochs", epochs);
  s.setValue(settingsKey(network) + "/accuracy", testAccuracy);
  s.setValue(settingsKey(network) + "/secondsPerEpoch", secondsPerEpoch);
}

void CompareView::compare(const QString& first, const QString& second) {
  if (first_->findData(first) >= 0) first_->setCurrentIndex(first_->findData(first));
  if (second_->findData(second) >= 0) second_->setCurrentIndex(second_->findData(second));
  const uint64_t number = ++requested_;
  jobs_.post([this, number, a = first.toStdString(), b = second.toStdString()] {
    const Facts fa = factsOf(a), fb = factsOf(b);
    QMetaObject::invokeMethod(
        this,
        queuedCall([this, number, fa, fb, a, b] {
          if (number != requested_) return;
          table_->setHorizontalHeaderLabels({first_->currentText(), second_->currentText(), tr("second / first")});
          table_->setRowCount(0);
          const auto addRow = [this](const QString& what, const QString& x, const QString& y, const QString& ratio) {
            const int r = table_->rowCount();
            table_->insertRow(r);
            table_->setVerticalHeaderItem(r, new QTableWidgetItem(what));
            int c = 0;
            for (const QString& text : {x, y, ratio}) {
              auto* item = new QTableWidgetItem(text);
              item->setTextAlignment(c == 2 || what != tr("idea") ? Qt::AlignRight | Qt::AlignVCenter
                                                                  : Qt::AlignLeft | Qt::AlignVCenter);
              table_->setItem(r, c++, item);
            }
          };
          if (!fa.error.isEmpty() || !fb.error.isEmpty()) {
            addRow(tr("error"), fa.error, fb.error, {});
            emit compared();
            return;
          }
          const auto ratio = [](double x, double y) {
            return x > 0 ? QString::number(y / x, 'f', 2) + "×" : QString();
          };
          const auto count = [](int64_t v) { return qs(withCommas(v)); };
          addRow(tr("idea"), fa.family, fb.family, {});
          addRow(tr("input"), fa.input, fb.input, {});
          addRow(tr("depth"), QString::number(fa.depth), QString::number(fb.depth), ratio(fa.depth, fb.depth));
          addRow(tr("layers"), count(fa.layers), count(fb.layers), ratio(double(fa.layers), double(fb.layers)));
          addRow(tr("parameters"), count(fa.parameters), count(fb.parameters),
                 ratio(double(fa.parameters), double(fb.parameters)));
          addRow(tr("MACs per image"), count(fa.macs), count(fb.macs), ratio(double(fa.macs), double(fb.macs)));
          addRow(tr("activation memory"), qs(byteSizeText(fa.activationBytes)), qs(byteSizeText(fb.activationBytes)),
                 ratio(double(fa.activationBytes), double(fb.activationBytes)));
          // Training runs remembered from the Training tab.
          QSettings s;
          const auto trained = [&s](const std::string& name, bool accuracy) {
            const QString key = settingsKey(qs(name));
            if (!s.contains(key + "/accuracy")) return tr("not trained here yet (Training tab)");
            const QString run =
                tr(" (%1, %2 epochs)").arg(s.value(key + "/dataset").toString()).arg(s.value(key + "/epochs").toInt());
            return accuracy ? QString::number(100 * s.value(key + "/accuracy").toDouble(), 'f', 2) + " %" + run
                            : QString::number(s.value(key + "/secondsPerEpoch").toDouble(), 'f', 2) + " s" + run;
          };
          addRow(tr("test accuracy"), trained(a, true), trained(b, true), {});
          addRow(tr("time per epoch"), trained(a, false), trained(b, false), {});
          emit compared();
        }),
        Qt::QueuedConnection);
  });
}

} // namespace convscope::ui

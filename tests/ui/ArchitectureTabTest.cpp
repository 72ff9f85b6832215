// QtTest (offscreen) driving the Architectures tab in the real main window: every network
// shows as many boxes as its summary has layers and the same parameters; blocks close and
// open; a table row selects its box and a click on a box its row; a click shows maps of
// the layer's output shape; the Standard · Depthwise · Pointwise page counts what the
// formula says; an ONNX file from PyTorch opens; a bad file is refused and the network kept.
#include "ui/architectures/ArchitectureTab.h"
#include "common/TestPaths.h"
#include "UiTestUtils.h"
#include "ui/architectures/ArchitectureGraphView.h"
#include "ui/architectures/CompareView.h"
#include "ui/maps/FeatureMapView.h"
#include "ui/window/MainWindow.h"
#include "ui/architectures/SeparableView.h"
#include "ui/stepper/Stepper.h"
#include "ui/core/Workspace.h"

#include "engine/network/Architectures.h"
#include "engine/lessons/Filtering.h"
#include "engine/network/Presets.h"
#include "engine/backend/Backend.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QSettings>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest/QtTest>

#include <tuple>

using namespace convscope;
using namespace convscope::ui;

namespace {

// Opens a network and waits until its graph, table and first maps are on screen.
void openAndWait(ArchitectureTab& tab, const QString& name) {
  QSignalSpy loaded(&tab, &ArchitectureTab::loaded);
  tab.openNetwork(name);
  QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 60000);
  QTRY_VERIFY_WITH_TIMEOUT(!tab.isBusy(), 60000);
}

int countRows(QTreeWidgetItem* parent, int kind) {
  int n = 0;
  for (int i = 0; i < parent->childCount(); ++i) {
    QTreeWidgetItem* row = parent->child(i);
    n += row->data(0, Qt::UserRole).toInt() == kind;
    n += countRows(row, kind);
  }
  return n;
}

void click(ArchitectureGraphView* view, const QRectF& sceneRect) {
  view->ensureVisible(sceneRect);
  QApplication::processEvents();
  QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->mapFromScene(sceneRect.center()));
}

int blockNamed(const ArchitectureGraph& g, const std::string& name) {
  for (size_t b = 0; b < g.blocks().size(); ++b)
    if (g.blocks()[b].name == name) return int(b);
  return -1;
}

} // namespace

class ArchitectureTabTest : public QObject {
  Q_OBJECT
private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName("ConvScopeTest");
    QCoreApplication::setApplicationName("ConvScopeArchitectureTest");
    QSettings().clear();
    qputenv("CONVSCOPE_NO_PROMPTS", "1");
  }

  // A preset's graph comes from a skeleton (no weights), its maps from the network made
  // after it; a model file without weights is kept as loaded and given random ones.
  void aModelFileWithoutWeightsOpensWithRandomWeights() {
    QFile in(QString::fromStdString(convscope::test::resourcePath("models/lenet5-digits.json")));
    QVERIFY(in.open(QIODevice::ReadOnly));
    QJsonObject model = QJsonDocument::fromJson(in.readAll()).object();
    model.remove("parameters");
    QTemporaryDir dir;
    const QString path = dir.filePath("lenet5-untrained.json");
    QFile out(path);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(QJsonDocument(model).toJson());
    out.close();
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    window.openFile(QString::fromStdString(convscope::test::resourcePath("samples/cat.png")));
    window.showArchitectures();
    ArchitectureTab* tab = window.architectureTab();
    for (const QString& network : {path, QStringLiteral("mini-vgg")}) {
      QSignalSpy shown(tab, &ArchitectureTab::mapsShown);
      openAndWait(*tab, network);
      QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 30000);
      QVERIFY2(tab->graphView()->graph(), qPrintable(network));
      const PipelineResult& maps = *tab->maps()->result();
      QVERIFY2(maps.error.empty(), maps.error.c_str());
      QVERIFY(!maps.stages.empty());
      QVERIFY(maps.stages.back().images.front().maximum != 0); // random weights, not zeros
    }
  }

  void everyNetworkShowsItsLayersAndParameters() {
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    window.showArchitectures();
    ArchitectureTab* tab = window.architectureTab();
    std::vector<std::string> names = architectureNames();
    for (const char* mini : {"lenet5", "mini-vgg", "mini-inception", "mini-resnet", "mini-densenet", "mini-mobilenet"})
      names.push_back(mini);
    auto* progress = tab->findChild<QProgressBar*>("architectureProgress");
    QVERIFY(progress);
    int forwardPercent = 0; // the highest the bar showed while an image ran through VGG-16
    for (const std::string& name : names) {
      QMetaObject::Connection watch;
      if (name == "vgg16") // 15 GMACs: long enough for the bar to move
        watch = connect(progress, &QProgressBar::valueChanged, this, [&](int v) {
          if (progress->maximum() == 100) forwardPercent = std::max(forwardPercent, v);
        });
      openAndWait(*tab, QString::fromStdString(name));
      disconnect(watch);
      QVERIFY(progress->isHidden()); // nothing left to do
      const Network net = makePreset(name);
      const auto rows = net.summaryRows();
      const ArchitectureGraph* g = tab->graphView()->graph();
      QVERIFY(g);
      QCOMPARE(g->parameters(), net.parameterCount());
      // Every block open: one box per layer of the summary, and the input.
      tab->graphView()->expandAll();
      QCOMPARE(tab->graphView()->boxCount(), int(rows.size()) + 1);
      // The table: one row per layer, one per block, nested; the totals of the top rows add up.
      QTreeWidget* table = tab->table();
      QCOMPARE(countRows(table->invisibleRootItem(), 1), int(rows.size()));
      QCOMPARE(countRows(table->invisibleRootItem(), 2), int(g->blocks().size()));
      int64_t params = 0;
      for (int i = 0; i < table->topLevelItemCount(); ++i)
        params += table->topLevelItem(i)->text(4).remove(',').toLongLong();
      QCOMPARE(params, net.parameterCount());
      // Closed again: small enough to read.
      tab->graphView()->collapseToDefault();
      QVERIFY2(tab->graphView()->boxCount() <= 41, name.c_str());
    }
    QVERIFY2(forwardPercent > 0 && forwardPercent <= 100, qPrintable(QString::number(forwardPercent)));
  }

  void blocksCloseAndOpenAndTheTableFollowsTheGraph() {
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    window.showArchitectures();
    ArchitectureTab* tab = window.architectureTab();
    openAndWait(*tab, "resnet18");
    ArchitectureGraphView* view = tab->graphView();
    const ArchitectureGraph& g = *view->graph();
    const int block = blockNamed(g, "layer2.0");
    QVERIFY(block >= 0);
    const int closed = view->boxCount();
    QVERIFY(!view->blockRect(block).isEmpty());
    QVERIFY(view->nodeRect(g.blocks()[size_t(block)].nodes.front()).isEmpty()); // inside the closed box
    // A double-click opens it: its layers show (its projection shortcut stays one box).
    QSignalSpy changed(view, &ArchitectureGraphView::expansionChanged);
    const QRectF box = view->blockRect(block);
    view->ensureVisible(box);
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, view->mapFromScene(box.center()));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(view->boxCount(), closed - 1 + int(g.blocks()[size_t(block)].nodes.size()) - 1);
    QVERIFY(!view->nodeRect(g.blocks()[size_t(block)].nodes.front()).isEmpty());
    // The addition reads two arrows: the block's path and its shortcut.
    const int add = view->currentView().itemOf({ArchitectureGraph::Item::Kind::Node, 0 + [&] {
                                                  for (int n : g.blocks()[size_t(block)].nodes)
                                                    if (g.rows()[size_t(n)].type == "Add") return n;
                                                  return -1;
                                                }()});
    int into = 0;
    for (const auto& e : view->currentView().edges) into += e.to == add;
    QCOMPARE(into, 2);
    // Closing it again through the graph view: the count is back.
    view->setBlockCollapsed(block, true);
    QCOMPARE(view->boxCount(), closed);

    // A table row selects its box (opening the blocks around it) and shows its maps.
    QSignalSpy shown(tab, &ArchitectureTab::mapsShown);
    const int conv = net(g, "layer3.1.conv2");
    QTreeWidget* table = tab->table();
    QTreeWidgetItem* row = nullptr;
    for (QTreeWidgetItemIterator it(table); *it; ++it)
      if ((*it)->text(0) == "layer3.1.conv2") row = *it;
    QVERIFY(row);
    table->setCurrentItem(row);
    QCOMPARE(view->selectedNode(), conv);
    QVERIFY(!view->nodeRect(conv).isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 30000);
    QCOMPARE(tab->maps()->result()->stages.at(0).maps.shape(), Shape({1, 256, 14, 14}));

    // A click on a box selects its row and shows its maps, of its output's shape.
    const int pool = net(g, "maxpool");
    shown.clear();
    click(view, view->nodeRect(pool));
    QCOMPARE(view->selectedNode(), pool);
    QCOMPARE(table->currentItem()->text(0), QString("maxpool"));
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 30000);
    QCOMPARE(tab->shownNode(), pool);
    QCOMPARE(tab->maps()->result()->stages.at(0).maps.shape(), Shape({1, 64, 56, 56}));
    QCOMPARE(tab->maps()->mapCount(0), 64);
    // A closed block's box selects the block; its maps are its last layer's.
    const int stage4 = blockNamed(g, "layer4.1");
    shown.clear();
    click(view, view->blockRect(stage4));
    QCOMPARE(view->selectedBlock(), stage4);
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 30000);
    QCOMPARE(tab->maps()->result()->stages.at(0).maps.shape(), Shape({1, 512, 7, 7}));
    // Finding a layer by name.
    auto* search = tab->findChild<QLineEdit*>("findLayer");
    QVERIFY(search);
    search->setText("inception");
    QTest::keyClick(search, Qt::Key_Return); // not in a ResNet: said so, nothing changes
    QCOMPARE(view->selectedBlock(), stage4);
    search->setText("layer1.1.bn2");
    QTest::keyClick(search, Qt::Key_Return);
    QCOMPARE(view->selectedNode(), net(g, "layer1.1.bn2"));
  }

  // The stepper gets a layer's real filter and input: the bank applied to them gives the
  // layer's own output map (a standard convolution with stride and padding, and a depthwise
  // one that reads its own channel only).
  void aConvolutionsRealFilterOpensInTheStepper() {
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    window.openFile(QString::fromStdString(convscope::test::resourcePath("samples/cat.png")));
    window.showArchitectures();
    ArchitectureTab* tab = window.architectureTab();
    auto reference = makeBackend(BackendKind::Reference);
    // LeNet-5 trained on the digits: its biases are not zero.
    const std::string lenetPath = convscope::test::resourcePath("models/lenet5-digits.json");
    const char* lenet = lenetPath.c_str();
    for (const auto& [network, layer, filter] :
         {std::tuple{"resnet18", "conv1", 5}, {"mobilenet", "block2.depthwise", 7}, {lenet, "conv2", 3}}) {
      openAndWait(*tab, network);
      const ArchitectureGraph& g = *tab->graphView()->graph();
      QSignalSpy shown(tab, &ArchitectureTab::mapsShown);
      tab->showNode(net(g, layer));
      QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1 && !tab->isBusy(), 30000);
      const Tensor maps = tab->maps()->result()->stages.at(0).maps.inLayout(Layout::NCHW);
      QSignalSpy stepper(tab, &ArchitectureTab::stepperRequested);
      QVERIFY(tab->stepFilter(filter));
      QCOMPARE(stepper.count(), 1);
      QCOMPARE(window.tabWidget()->currentWidget(), static_cast<QWidget*>(window.stepper()));
      Workspace* w = window.workspace();
      QCOMPARE(w->kernels().size(), size_t(1));
      const Tensor out = applyFilterBank(*reference, w->input(), w->kernels(), w->convolution());
      QCOMPARE(out.shape(), Shape({1, 1, maps.shape()[2], maps.shape()[3]}));
      const size_t plane = size_t(maps.shape()[2] * maps.shape()[3]);
      double worst = 0;
      for (size_t i = 0; i < plane; ++i)
        worst = std::max(worst, double(std::abs(out.values()[i] - maps.values()[size_t(filter) * plane + i])));
      QVERIFY2(worst < 1e-3, qPrintable(QString("%1 %2: %3").arg(network, layer).arg(worst)));
      if (std::string(layer) == "block2.depthwise") QCOMPARE(w->input().shape()[1], 1); // its own channel only
      if (qEnvironmentVariableIsSet("CONVSCOPE_SHOTS")) // for a look: CONVSCOPE_SHOTS=folder
        window.grab().save(qEnvironmentVariable("CONVSCOPE_SHOTS") + "/stepper-" + QString(layer) + ".png");
      window.showArchitectures();
    }
    QVERIFY(window.workspace()->convolution().bias != 0.0f); // LeNet's conv2 filter 3 has its own
  }

  void theFamilysIdeaCarriesItsCounts() {
    MainWindow window;
    window.show();
    window.showArchitectures();
    ArchitectureTab* tab = window.architectureTab();
    openAndWait(*tab, "googlenet");
    QVERIFY(tab->ideaText().contains("GoogLeNet"));
    QVERIFY(tab->ideaText().contains("64 + 128 + 32 + 32 = 256 channels"));
    openAndWait(*tab, "mobilenet");
    QVERIFY(tab->ideaText().contains("1/N + 1/k² = 1/128 + 1/9 = 0.119"));
    // The next window opens the tab on the network shown last.
    MainWindow next;
    QSignalSpy loaded(next.architectureTab(), &ArchitectureTab::loaded);
    next.show();
    next.showArchitectures();
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 60000);
    QCOMPARE(next.architectureTab()->networkName(), QString("mobilenet"));
  }

  // Issue 26, item 4: the explanation follows the selected block and tells a projection
  // shortcut (layer1.0 of ResNet-50: 1×1 from 64 to 256 channels) from the identity (layer1.1).
  void theResidualExplanationFollowsTheSelectedBlock() {
    MainWindow window;
    window.show();
    window.showArchitectures();
    ArchitectureTab* tab = window.architectureTab();
    openAndWait(*tab, "resnet50");
    tab->find("layer1.0");
    // F: 1×1 64→64, 3×3 64→64, 1×1 64→256 = 57,344 weights + 768 of batch normalization;
    // the projection: 1×1 64→256 = 16,384 + 512.
    QVERIFY2(tab->ideaText().contains("layer1.0: F is 3 convolutions with 58,112 parameters"), qPrintable(tab->ideaText()));
    QVERIFY2(tab->ideaText().contains("projection, a 1×1 convolution from 64 to 256 channels: 16,896 parameters"),
             qPrintable(tab->ideaText()));
    tab->find("layer1.1");
    // F: 1×1 256→64, 3×3 64→64, 1×1 64→256 = 69,632 + 768; the shortcut is x.
    QVERIFY2(tab->ideaText().contains("layer1.1: F is 3 convolutions with 70,400 parameters"), qPrintable(tab->ideaText()));
    QVERIFY2(tab->ideaText().contains("the shortcut is the identity: x itself, 0 parameters"), qPrintable(tab->ideaText()));
    QVERIFY(!tab->ideaText().contains("layer1.0"));
    tab->find("layer2.0.conv2"); // a layer inside a block: that block's counts, with its stride-2 projection
    QVERIFY2(tab->ideaText().contains("layer2.0: F is 3 convolutions"), qPrintable(tab->ideaText()));
    QVERIFY2(tab->ideaText().contains("with stride 2 from 256 to 512 channels"), qPrintable(tab->ideaText()));
  }

  void standardDepthwiseAndPointwiseCountWhatTheFormulaSays() {
    MainWindow window;
    window.show();
    window.workspace()->setMatrix(Tensor(Shape{3, 20, 24}, 100.0f), "grey RGB");
    window.showArchitectures();
    SeparableView* view = window.architectureTab()->separableView();
    QSignalSpy updated(view, &SeparableView::updated);
    view->show();
    view->setOutputs(16);
    view->setKernelSize(5);
    QTRY_VERIFY_WITH_TIMEOUT(updated.count() >= 1 && view->cost().n == 16 && view->cost().k == 5, 30000);
    const SeparableCost& c = view->cost();
    QCOMPARE(c.m, 3);
    QCOMPARE(c.h, 20);
    QCOMPARE(c.w, 24);
    // The layers' own counts are the formula's: k²MN, k²M, MN.
    QCOMPARE(view->standardParameters(), 25 * 3 * 16);
    QCOMPARE(view->depthwiseParameters(), 25 * 3);
    QCOMPARE(view->pointwiseParameters(), 3 * 16);
    QCOMPARE(c.standardMacs(), int64_t(20 * 24 * 25 * 3 * 16));
    QCOMPARE(c.ratio(), 1.0 / 16 + 1.0 / 25);
    QVERIFY(view->costText().contains("1/16 + 1/25 = 0.102"));
    // Input, standard, depthwise, pointwise, the pair: maps of 16, 3, 16 and 16 channels.
    const auto& stages = view->maps()->result()->stages;
    QCOMPARE(int(stages.size()), 5);
    QCOMPARE(stages[1].maps.shape(), Shape({1, 16, 20, 24}));
    QCOMPARE(stages[2].maps.shape(), Shape({1, 3, 20, 24}));
    QCOMPARE(stages[3].maps.shape(), Shape({1, 16, 20, 24}));
    QCOMPARE(stages[4].maps.shape(), Shape({1, 16, 20, 24}));
  }

  void compareShowsTwoNetworksSideBySideAndTheirTraining() {
    MainWindow window;
    window.show();
    window.showArchitectures();
    CompareView* compare = window.architectureTab()->compareView();
    CompareView::rememberTraining("mini-resnet", "digits", 3, 0.9595, 2.38);
    QSettings().remove("architectureTraining/mini-vgg");
    QSignalSpy compared(compare, &CompareView::compared);
    compare->compare("vgg16", "resnet50");
    QTRY_COMPARE_WITH_TIMEOUT(compared.count(), 1, 60000);
    QTableWidget* t = compare->table();
    const auto row = [t](const QString& name) {
      for (int r = 0; r < t->rowCount(); ++r)
        if (t->verticalHeaderItem(r)->text() == name) return r;
      return -1;
    };
    QCOMPARE(t->item(row("depth"), 0)->text(), QString("16"));
    QCOMPARE(t->item(row("depth"), 1)->text(), QString("50"));
    QCOMPARE(t->item(row("parameters"), 0)->text(), QString("138,357,544"));
    QCOMPARE(t->item(row("parameters"), 1)->text(), QString("25,557,032"));
    QCOMPARE(t->item(row("parameters"), 2)->text(), QString("0.18×"));
    compared.clear();
    compare->compare("mini-vgg", "mini-resnet");
    QTRY_COMPARE_WITH_TIMEOUT(compared.count(), 1, 60000);
    QVERIFY(t->item(row("test accuracy"), 0)->text().startsWith("not trained here yet"));
    QCOMPARE(t->item(row("test accuracy"), 1)->text(), QString("95.95 % (digits, 3 epochs)"));
    QCOMPARE(t->item(row("time per epoch"), 1)->text(), QString("2.38 s (digits, 3 epochs)"));
  }

  void anOnnxFileOpensAndABadFileIsRefused() {
    MainWindow window;
    window.show();
    window.showArchitectures();
    ArchitectureTab* tab = window.architectureTab();
    openAndWait(*tab, QString::fromStdString(convscope::test::testDataPath("onnx/inception-module.onnx")));
    const ArchitectureGraph* g = tab->graphView()->graph();
    QVERIFY(g);
    bool inception = false;
    for (const auto& b : g->blocks()) inception = inception || b.kind == BlockKind::Inception;
    QVERIFY2(inception || tab->ideaText().contains("GoogLeNet"), qPrintable(tab->ideaText()));
    const int64_t params = g->parameters();
    // A file that is no network: refused by name, the graph kept.
    QTemporaryDir dir;
    const QString bad = dir.filePath("broken.onnx");
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("not a protobuf at all");
    f.close();
    // A network of vectors is drawn; the image cannot run through it, and the maps say so.
    const QString mlp = dir.filePath("mlp.txt");
    QFile list(mlp);
    QVERIFY(list.open(QIODevice::WriteOnly));
    list.write("input 64\ndense 10\nrelu\ndense 3\n");
    list.close();
    openAndWait(*tab, mlp);
    QCOMPARE(tab->graphView()->boxCount(), 4);
    QTRY_VERIFY_WITH_TIMEOUT(tab->findChild<QLabel*>("mapsTitle")->text().contains("reads vectors"), 10000);
    openAndWait(*tab, QString::fromStdString(convscope::test::testDataPath("onnx/inception-module.onnx")));
    QSignalSpy failed(tab, &ArchitectureTab::failed);
    tab->openNetwork(bad);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
    QVERIFY(window.errorText().contains("broken.onnx"));
    QCOMPARE(tab->graphView()->graph()->parameters(), params);
    // The network kept still answers: a click shows its layer's maps.
    QTRY_VERIFY_WITH_TIMEOUT(!tab->isBusy(), 30000);
    QSignalSpy shown(tab, &ArchitectureTab::mapsShown);
    tab->showNode(0);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 30000);
    QCOMPARE(tab->maps()->result()->stages.at(0).maps.shape()[1], tab->graphView()->graph()->rows()[0].output[0]);
  }

private:
  static int net(const ArchitectureGraph& g, const std::string& name) {
    for (size_t i = 0; i < g.nodeCount(); ++i)
      if (g.rows()[i].name == name) return int(i);
    return -2;
  }
};

QTEST_MAIN(ArchitectureTabTest)
#include "ArchitectureTabTest.moc"

// QtTest (offscreen): the main window opens with the app's name and version.
#include "ui/MainWindow.h"

#include <QLabel>
#include <QtTest/QtTest>

class MainWindowTest : public QObject {
  Q_OBJECT
private slots:
  void showsNameAndVersion() {
    convscope::ui::MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCOMPARE(window.windowTitle(), QStringLiteral("ConvScope " CONVSCOPE_VERSION));
    auto* label = window.findChild<QLabel*>("welcomeLabel");
    QVERIFY(label);
    QVERIFY(label->text().contains(QStringLiteral("ConvScope " CONVSCOPE_VERSION)));
  }
};

QTEST_MAIN(MainWindowTest)
#include "MainWindowTest.moc"

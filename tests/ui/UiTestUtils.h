// Helpers shared by the QtTest suites: a lecture example's path, and waiting until the
// feature maps show the newest result.
#pragma once

#include "ui/FeatureMapView.h"
#include "ui/MainWindow.h"
#include "ui/PipelineRunner.h"

#include <QString>
#include <QtTest/QtTest>

namespace convscope::test {

inline QString example(const QString& name) { return QStringLiteral(CONVSCOPE_EXAMPLES "/") + name; }

// Waits until the newest request's result is on screen.
inline void settle(ui::MainWindow& w) {
  QTRY_VERIFY_WITH_TIMEOUT(w.runner()->isSettled() && w.featureMaps()->result() == w.runner()->latest(), 10000);
}

} // namespace convscope::test

// A plot's text in the window and when presenting: tick labels and the legend 11 px, axis labels 12
// px; presenting, 16 and 18 px (ProjectorTest's rule for plots on a 1280×800 projector). The
// Applications tab's plots; returns the axis-label font for the plot's other text (an empty state).
// Not for: the Training tab's curves (TrainingCurves scales its own with the smoothing box).
#pragma once

#include <QFont>

class QCustomPlot;

namespace convscope::ui {

QFont setPlotText(QCustomPlot* plot, bool presenting);

} // namespace convscope::ui

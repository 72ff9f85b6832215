// PlotText: the plots' text sizes.
#include "ui/core/PlotText.h"

#include <qcustomplot.h>

namespace convscope::ui {

QFont setPlotText(QCustomPlot* plot, bool presenting) {
  QFont tick = plot->font(), label = plot->font();
  tick.setPixelSize(presenting ? 16 : 11);
  label.setPixelSize(presenting ? 18 : 12);
  for (QCPAxis* axis : {plot->xAxis, plot->yAxis, plot->xAxis2, plot->yAxis2})
    axis->setTickLabelFont(tick), axis->setLabelFont(label);
  plot->legend->setFont(tick);
  plot->replot();
  return label;
}

} // namespace convscope::ui

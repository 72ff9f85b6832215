// The engine's strings and numbers as the widgets show them: one conversion each, so that a
// number reads the same in the stepper, the map view and the side panels.
// Not for: choosing digits (engine/core/NumberText.h does: formatSlide).
#pragma once

#include "engine/core/NumberText.h"

#include <QString>

#include <string>

namespace convscope::ui {

inline QString qs(const std::string& s) { return QString::fromStdString(s); }
// A computed number as a slide prints it: three significant digits, whole numbers whole,
// "−" for minus (formatSlide).
inline QString numberText(float v) { return QString::fromStdString(formatSlide(v)); }
// A weight the user typed or chose: the same, with its fraction kept (1/9, not 0.111).
inline QString weightText(float v) { return QString::fromStdString(formatSlide(v, kSlideDigits, true)); }
// A number in a cell the user edits: exact, a typed fraction kept (formatTyped).
inline QString editText(float v) { return QString::fromStdString(formatTyped(v)); }

} // namespace convscope::ui

// The engine's strings and numbers as the widgets show them: one conversion each, so that a
// number reads the same in the stepper, the map view and the side panels.
// Not for: formatting (the engine's formatNumber, shapeText and withCommas do).
#pragma once

#include "engine/backend/reference/ReferenceBackend.h" // formatNumber

#include <QString>

#include <string>

namespace convscope::ui {

inline QString qs(const std::string& s) { return QString::fromStdString(s); }
// A number as the arithmetic prints it: exact for whole numbers, "−" for minus.
inline QString numberText(float v) { return QString::fromStdString(formatNumber(v)); }

} // namespace convscope::ui

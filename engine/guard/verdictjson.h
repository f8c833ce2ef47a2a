// SPDX-License-Identifier: MIT
#pragma once

#include "guard/verdict.h"

#include <QJsonObject>

namespace vigil {

/// The verdict as the journal's evidence and the events' payload: numbers, samples, statements, assessments.
QJsonObject verdictToJson(const Verdict &verdict);

} // namespace vigil

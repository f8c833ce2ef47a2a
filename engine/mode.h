// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringView>

#include <optional>

namespace vigil {

/// How far Vigil may go on a target: one type for the engine, the analyser's policy, the settings and the window.
/// Its name ("observe", "approve", "autonomous") is made only at the edges: events, settings files, command lines.
enum class Mode {
    Observe, ///< watch and recommend; nothing is applied
    Approve, ///< a person confirms each action before it runs
    Autonomous, ///< actions run under the guard within the rate limit and cool-down
};

/// The journal's and the command line's name of a mode: "observe", "approve", "autonomous".
QString modeName(Mode mode);
/// The mode named `name` (case and surrounding blanks ignored); nullopt for anything else.
std::optional<Mode> modeFromName(QStringView name);

} // namespace vigil

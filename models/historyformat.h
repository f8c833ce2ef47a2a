// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"
#include "analyse/sqltext.h"

#include <QColor>
#include <QDateTime>
#include <QIcon>
#include <QString>
#include <QTimeZone>

namespace vigil {

/// How a state reads at a glance; the same meaning on every page (UI.md: colours mean the same everywhere).
enum class StatusTone {
    Good, ///< kept
    Pending, ///< awaiting approval, applying, observing, rolling back
    Bad, ///< rolled back, failed
    Neutral, ///< proposed, rejected
};

StatusTone statusTone(ActionState state);
/// The chip colour of a tone. Fixed colours, not the palette's: they are backgrounds for a glyph of their own, never
/// behind palette text, so they read the same in light and dark themes.
QColor toneColor(StatusTone tone);

/// What a DBA reads: "awaiting approval", "rolled back", ...
QString stateLabel(ActionState state);
/// "parameter", "create index", "drop index", "SQL".
QString kindLabel(ActionKind kind);
/// "auto" (a detector proposed it) or "user" (a DBA typed it).
QString originLabel(ActionOrigin origin);

/**
 * Formats times in one zone (the system's unless given), for many rows. The zone is looked up once: every
 * QDateTime::toLocalTime() asks the C library, which checks /etc/localtime on each call (a stat per time, a
 * quarter of a 100,000-row export before this class).
 */
class TimeFormatter
{
public:
    explicit TimeFormatter(QTimeZone zone = QTimeZone::systemTimeZone());

    /// A table cell's time: ISO-like, to the second ("2026-11-27 14:05:09"); empty when invalid.
    QString display(const QDateTime &time) const;
    /// ISO 8601 with milliseconds and the zone's offset at that instant ("2026-11-27T14:05:09.120+01:00"), so a
    /// reader elsewhere still knows the instant; empty when invalid.
    QString iso(const QDateTime &time) const;
    const QTimeZone &zone() const { return m_zone; }

private:
    QTimeZone m_zone;
};

/// TimeFormatter().display(time), in the system's zone.
QString formatLocalTime(const QDateTime &time);
/// TimeFormatter().iso(time), in the system's zone.
QString isoWithOffset(const QDateTime &time);
/// SQL on one line for a table cell: runs of whitespace (newlines included) become one space.
QString oneLine(const QString &text);
/// A statement short enough for a status line or a banner, cut between words (never mid-identifier), with "…".
using sqltext::shortSql; // the engine's: vigilctl cuts statements the same way

/// A round chip in the tone's colour with a glyph of the state's own shape, so states differ without colour too.
/// Needs a QGuiApplication (it paints pixmaps); callers cache it.
QIcon statusIcon(ActionState state);

} // namespace vigil

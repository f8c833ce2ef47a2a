// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

namespace vigil {

/// What one trial connection found: whether the target answers, as what, or why not.
struct ConnectionCheck
{
    bool ok = false;
    QString error; ///< libpq's message on one line, never the conninfo (which may hold a password)
    QString displayName; ///< the target's name, TargetIdentity::name() (environment and service files included)
    QString serverVersion; ///< e.g. "15.8"
    QString systemIdentifier; ///< the cluster's (TargetIdentity); empty when the role may not read it
};

/// Opens and closes one connection to the target (5 s connect timeout) so a dialog can say "it works" before it
/// remembers anything. Blocks the caller for at most the timeout.
ConnectionCheck checkConnection(const QString &conninfo);

/// libpq's multi-line, tab-indented message as one readable line.
QString oneLineError(const QString &libpqMessage);

} // namespace vigil

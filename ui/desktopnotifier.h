// SPDX-License-Identifier: MIT
#pragma once

#include <QDBusConnection>
#include <QString>

namespace vigil {

/**
 * Desktop notifications through the freedesktop Notifications service on the session bus (what GNOME, KDE and
 * every notification daemon implement), so that a rollback at night is still on screen in the morning: a stock GNOME
 * desktop shows no tray icons, so the tray alone went unnoticed there.
 *
 * Urgent notifications (a rollback, a rollback that failed) are sent as critical: the desktop keeps them until they
 * are dismissed. When no service answers, notify() returns false and the caller falls back to its tray icon.
 */
class DesktopNotifier
{
public:
    explicit DesktopNotifier(QDBusConnection bus = QDBusConnection::sessionBus());

    /// False when the bus has no notification service (or no bus at all).
    bool isAvailable() const;
    /// Sends one notification (without waiting for the service); false when there is no service to send it to.
    bool notify(const QString &summary, const QString &body, bool urgent);

private:
    QDBusConnection m_bus;
};

} // namespace vigil

// SPDX-License-Identifier: MIT
#pragma once

#include <QDBusConnection>
#include <QHash>
#include <QObject>
#include <QString>

namespace vigil {

/**
 * Desktop notifications through the freedesktop Notifications service on the session bus (what GNOME, KDE and
 * every notification daemon implement), so that a rollback at night is still on screen in the morning: a stock GNOME
 * desktop shows no tray icons, so the tray alone went unnoticed there.
 *
 * Urgent notifications (a rollback, a rollback that failed) are sent as critical: the desktop keeps them until they
 * are dismissed. One about an action can be clicked ("Open in Vigil"): actionActivated() then names the action.
 * When no service answers, notify() returns false and the caller falls back to its tray icon.
 */
class DesktopNotifier : public QObject
{
    Q_OBJECT
public:
    explicit DesktopNotifier(QDBusConnection bus = QDBusConnection::sessionBus(), QObject *parent = nullptr);

    /// False when the bus has no notification service (or no bus at all).
    bool isAvailable() const;
    /// Sends one notification (without waiting for the service); false when there is no service to send it to.
    /// With an action id (> 0) the notification offers to open that action.
    bool notify(const QString &summary, const QString &body, bool urgent, qint64 actionId = 0);

signals:
    /// The DBA clicked a notification about this action.
    void actionActivated(qint64 actionId);

private slots:
    void onActionInvoked(uint notificationId, const QString &key);

private:
    QDBusConnection m_bus;
    QHash<uint, qint64> m_actionOf; ///< the service's notification id -> the action it is about
};

} // namespace vigil

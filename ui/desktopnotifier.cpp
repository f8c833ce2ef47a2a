// SPDX-License-Identifier: MIT
#include "desktopnotifier.h"

#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QStringList>
#include <QVariantMap>

namespace vigil {

namespace {
const QString kService = QStringLiteral("org.freedesktop.Notifications");
const QString kPath = QStringLiteral("/org/freedesktop/Notifications");
/// The specification's urgency levels (a byte hint): critical ones stay until dismissed.
constexpr uchar kNormal = 1;
constexpr uchar kCritical = 2;
} // namespace

DesktopNotifier::DesktopNotifier(QDBusConnection bus, QObject *parent)
    : QObject(parent)
    , m_bus(std::move(bus))
{
    // A click on "Open in Vigil" comes back as the service's ActionInvoked signal.
    if (m_bus.isConnected())
        m_bus.connect(
            kService, kPath, kService, QStringLiteral("ActionInvoked"), this, SLOT(onActionInvoked(uint, QString)));
}

bool DesktopNotifier::isAvailable() const
{
    return m_bus.isConnected() && m_bus.interface() && m_bus.interface()->isServiceRegistered(kService).value();
}

bool DesktopNotifier::notify(const QString &summary, const QString &body, bool urgent, qint64 actionId)
{
    if (!isAvailable())
        return false;
    QDBusMessage call = QDBusMessage::createMethodCall(kService, kPath, kService, QStringLiteral("Notify"));
    const QVariantMap hints { { QStringLiteral("urgency"), QVariant::fromValue(urgent ? kCritical : kNormal) },
        { QStringLiteral("desktop-entry"), QStringLiteral("vigil") } };
    // Notify(app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout): -1 lets the desktop
    // choose how long a normal one stays; a critical one stays until dismissed whatever is asked.
    // Bodies are plain text to us: the specification allows a little markup, so what looks like a tag is escaped.
    call << QStringLiteral("Vigil") << uint(0) << QStringLiteral("dialog-warning") << summary << body.toHtmlEscaped()
         << (actionId > 0 ? QStringList { QStringLiteral("default"), tr("Open in Vigil") } : QStringList()) << hints
         << int(-1);
    // Sent, not awaited: the GUI thread never waits on another process. The reply (the notification's id) comes
    // back later and ties a click on the notification to its action.
    auto *watcher = new QDBusPendingCallWatcher(m_bus.asyncCall(call), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, actionId](QDBusPendingCallWatcher *finished) {
        const QDBusPendingReply<uint> reply = *finished;
        if (actionId > 0 && !reply.isError())
            m_actionOf.insert(reply.value(), actionId);
        finished->deleteLater();
    });
    return true;
}

void DesktopNotifier::onActionInvoked(uint notificationId, const QString &key)
{
    Q_UNUSED(key); // "default" (a click on the notification) or the button: both open the action
    if (const auto it = m_actionOf.constFind(notificationId); it != m_actionOf.constEnd())
        emit actionActivated(it.value());
}

} // namespace vigil

// SPDX-License-Identifier: MIT
#include "desktopnotifier.h"

#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QVariantMap>

namespace vigil {

namespace {
const QString kService = QStringLiteral("org.freedesktop.Notifications");
const QString kPath = QStringLiteral("/org/freedesktop/Notifications");
/// The specification's urgency levels (a byte hint): critical ones stay until dismissed.
constexpr uchar kNormal = 1;
constexpr uchar kCritical = 2;
} // namespace

DesktopNotifier::DesktopNotifier(QDBusConnection bus)
    : m_bus(std::move(bus))
{ }

bool DesktopNotifier::isAvailable() const
{
    return m_bus.isConnected() && m_bus.interface() && m_bus.interface()->isServiceRegistered(kService).value();
}

bool DesktopNotifier::notify(const QString &summary, const QString &body, bool urgent)
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
         << QStringList() << hints << int(-1);
    // Sent, not awaited: the GUI thread never waits on another process.
    return m_bus.send(call);
}

} // namespace vigil

// SPDX-License-Identifier: MIT
#include "sessionbus.h"

#include <QDBusConnection>
#include <QDBusMessage>

namespace vigil::testing {

PrivateSessionBus::~PrivateSessionBus()
{
    if (m_daemon.state() != QProcess::NotRunning) {
        m_daemon.terminate();
        m_daemon.waitForFinished(5000);
    }
}

bool PrivateSessionBus::start(QString *error)
{
    m_daemon.start(QStringLiteral("dbus-daemon"),
        { QStringLiteral("--session"), QStringLiteral("--nofork"), QStringLiteral("--print-address") });
    if (!m_daemon.waitForStarted(5000)) {
        *error
            = QStringLiteral("cannot start dbus-daemon (Debian package dbus-daemon): %1").arg(m_daemon.errorString());
        return false;
    }
    for (int waited = 0; !m_daemon.canReadLine() && waited < 5000; waited += 50)
        m_daemon.waitForReadyRead(50);
    m_address = QString::fromUtf8(m_daemon.readLine()).trimmed();
    if (m_address.isEmpty())
        *error = QStringLiteral("dbus-daemon printed no address");
    return !m_address.isEmpty();
}

FakeNotifications::~FakeNotifications()
{
    if (!m_connection.isEmpty())
        QDBusConnection::disconnectFromBus(m_connection);
}

bool FakeNotifications::attach(const QString &address)
{
    m_connection = QStringLiteral("fake-notifications-%1").arg(quintptr(this));
    QDBusConnection bus = QDBusConnection::connectToBus(address, m_connection);
    return bus.isConnected()
        && bus.registerObject(QStringLiteral("/org/freedesktop/Notifications"), this, QDBusConnection::ExportAllSlots)
        && bus.registerService(QStringLiteral("org.freedesktop.Notifications"));
}

uint FakeNotifications::Notify(const QString &app, uint replacesId, const QString &icon, const QString &summary,
    const QString &body, const QStringList &actions, const QVariantMap &hints, int timeout)
{
    Q_UNUSED(replacesId);
    Q_UNUSED(timeout);
    received.append({ app, icon, summary, body, actions, hints });
    return uint(received.size());
}

bool FakeNotifications::click(int index, const QString &key)
{
    QDBusMessage signal = QDBusMessage::createSignal(QStringLiteral("/org/freedesktop/Notifications"),
        QStringLiteral("org.freedesktop.Notifications"), QStringLiteral("ActionInvoked"));
    signal << uint(index + 1) << key; // Notify() answered the n-th notification with id n
    return QDBusConnection(m_connection).send(signal);
}

} // namespace vigil::testing

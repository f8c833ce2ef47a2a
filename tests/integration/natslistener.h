// SPDX-License-Identifier: MIT
// A subscriber to vigil.> that keeps what it heard, in order, for the NATS tests.
#pragma once

#include "events/natssubscriber.h"

#include <QJsonObject>
#include <QList>
#include <QStringList>

#include <memory>

namespace vigil::testing {

/// Everything a subscriber to vigil.> heard, in order.
struct NatsHeard
{
    QStringList subjects;
    QList<QJsonObject> payloads;

    int count(const QString &subject) const { return int(subjects.count(subject)); }
    /// The action.* events of one target token, in order, as their event names ("action.executed", ...).
    QStringList actionEvents(const QString &token) const
    {
        QStringList names;
        const QString prefix = QStringLiteral("vigil.%1.").arg(token);
        for (const QString &s : subjects)
            if (s.startsWith(prefix + QStringLiteral("action.")))
                names << s.mid(prefix.size());
        return names;
    }
    /// The last payload heard on subject (empty when none).
    QJsonObject last(const QString &subject) const
    {
        for (qsizetype i = subjects.size() - 1; i >= 0; --i)
            if (subjects.at(i) == subject)
                return payloads.at(i);
        return {};
    }
};

/// A started subscriber to vigil.> at url that appends to heard (which must outlive it).
inline std::unique_ptr<NatsSubscriber> listenToFleet(NatsHeard &heard, const QString &url)
{
    NatsOptions options;
    options.url = url;
    auto subscriber = std::make_unique<NatsSubscriber>(options);
    QObject::connect(subscriber.get(), &NatsSubscriber::received, subscriber.get(),
        [&heard](const QString &subject, const QJsonObject &payload) {
            heard.subjects << subject;
            heard.payloads << payload;
        });
    QString error;
    if (!subscriber->start(QStringLiteral("vigil.>"), &error))
        qWarning("subscriber: %s", qPrintable(error));
    return subscriber;
}

} // namespace vigil::testing

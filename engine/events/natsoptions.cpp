// SPDX-License-Identifier: MIT
#include "events/natsoptions.h"

#include <QStringList>
#include <QUrl>

namespace vigil {

QString natsToken(const QString &text)
{
    QString token;
    token.reserve(text.size());
    for (const QChar c : text) {
        const bool keep = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u'_'
            || c == u'-';
        token.append(keep ? c : u'_');
    }
    return token.isEmpty() ? QStringLiteral("_") : token;
}

QString natsSubject(const QString &target, const QString &event)
{
    QString subject = QStringLiteral("vigil.") + natsToken(target);
    for (const QString &part : event.split(u'.'))
        subject += u'.' + natsToken(part);
    return subject;
}

QString natsUrlWithoutPassword(const QString &url)
{
    QStringList servers;
    for (const QString &one : url.split(u',', Qt::SkipEmptyParts)) {
        QUrl u(one.trimmed());
        if (!u.isValid()) {
            servers << QStringLiteral("(unreadable URL)");
            continue;
        }
        if (!u.password().isEmpty())
            u.setPassword(QStringLiteral("***"));
        servers << u.toString();
    }
    return servers.join(u',');
}

} // namespace vigil

// SPDX-License-Identifier: MIT
#include "evidencetext.h"

#include "metrics/numberformat.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QStringList>

namespace vigil {

namespace {
QString words(const QString &key)
{
    QString text = key;
    text.replace(u'_', u' ');
    if (!text.isEmpty())
        text[0] = text[0].toUpper();
    return text;
}

QString scalar(const QJsonValue &value)
{
    if (value.isDouble())
        return numbers::significant(value.toDouble());
    if (value.isBool())
        return value.toBool() ? QStringLiteral("yes") : QStringLiteral("no");
    if (value.isNull() || value.isUndefined())
        return QStringLiteral("unavailable");
    return value.toString();
}

void append(QStringList &lines, const QString &indent, const QString &name, const QJsonValue &value)
{
    if (value.isObject()) {
        lines << indent + name + u':';
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it)
            append(lines, indent + QStringLiteral("  "), words(it.key()), it.value());
        return;
    }
    if (value.isArray()) {
        const QJsonArray array = value.toArray();
        bool flat = true;
        for (const QJsonValue &item : array)
            flat = flat && !item.isObject() && !item.isArray();
        if (flat) {
            QStringList items;
            for (const QJsonValue &item : array)
                items << scalar(item);
            lines << indent + name + QStringLiteral(": ") + items.join(QStringLiteral(", "));
            return;
        }
        lines << indent + name + u':';
        for (qsizetype i = 0; i < array.size(); ++i)
            append(lines, indent + QStringLiteral("  "), QStringLiteral("%1.").arg(i + 1), array.at(i));
        return;
    }
    lines << indent + name + QStringLiteral(": ") + scalar(value);
}
} // namespace

QString readableEvidence(const QJsonObject &evidence)
{
    QStringList lines;
    for (auto it = evidence.begin(); it != evidence.end(); ++it)
        append(lines, QString(), words(it.key()), it.value());
    return lines.join(u'\n');
}

QString rawEvidence(const QJsonObject &evidence)
{
    return QString::fromUtf8(QJsonDocument(evidence).toJson(QJsonDocument::Indented));
}

} // namespace vigil

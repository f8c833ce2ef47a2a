// SPDX-License-Identifier: MIT
#include "store/csvfield.h"

namespace vigil {

QString csvField(const QString &field)
{
    bool needsQuotes = field.startsWith(QChar(0xfeff));
    for (const QChar c : field) {
        if (c == u',' || c == u'"' || c == u'\r' || c == u'\n') {
            needsQuotes = true;
            break;
        }
    }
    if (!needsQuotes)
        return field;
    QString quoted;
    quoted.reserve(field.size() + 8);
    quoted += u'"';
    for (const QChar c : field) {
        if (c == u'"')
            quoted += u'"';
        quoted += c;
    }
    quoted += u'"';
    return quoted;
}

QByteArray csvLine(const QStringList &fields)
{
    QStringList escaped;
    escaped.reserve(fields.size());
    for (const QString &f : fields)
        escaped << csvField(f);
    return escaped.join(u',').toUtf8() + "\r\n";
}

} // namespace vigil

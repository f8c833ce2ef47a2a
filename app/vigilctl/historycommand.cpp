// SPDX-License-Identifier: MIT
#include "cli.h"
#include "commands.h"

#include "store/knowledgestore.h"

#include <QJsonDocument>

#include <cstdio>

namespace {

/// One CSV field, RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled.
QString csvField(const QString &value)
{
    if (!value.contains(u',') && !value.contains(u'"') && !value.contains(u'\n') && !value.contains(u'\r'))
        return value;
    QString escaped = value;
    escaped.replace(u'"', QStringLiteral("\"\""));
    return u'"' + escaped + u'"';
}

} // namespace

int runHistoryCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Prints the journal: one record per action (JSON lines or CSV)."));
    parser.addOptions({
        { QStringLiteral("format"), QStringLiteral("json (default) or csv."), QStringLiteral("FORMAT"),
            QStringLiteral("json") },
        { QStringLiteral("target"), QStringLiteral("Only this target's actions (host:port/dbname as journaled)."),
            QStringLiteral("NAME") },
    });
    addStoreOption(parser);
    if (const int code = parseOrExit(parser, arguments, QStringLiteral("history")); code >= 0)
        return code;
    const QString format = parser.value(QStringLiteral("format"));
    if (format != QLatin1StringView("json") && format != QLatin1StringView("csv")) {
        err() << "vigilctl history: --format expects json or csv, got \"" << format << "\"\n";
        return exitcode::kBadInput;
    }
    QString error;
    const std::unique_ptr<vigil::KnowledgeStore> store = vigil::KnowledgeStore::open(storeLocation(parser), &error);
    if (!store) {
        err() << "vigilctl history: cannot open the knowledge store: " << error << "\n";
        return exitcode::kBadInput;
    }
    const QStringList columns { QStringLiteral("id"), QStringLiteral("target"), QStringLiteral("kind"),
        QStringLiteral("origin"), QStringLiteral("state"), QStringLiteral("apply_sql"), QStringLiteral("rollback_sql"),
        QStringLiteral("reason"), QStringLiteral("created_at"), QStringLiteral("updated_at") };
    if (format == QLatin1StringView("csv")) {
        const QByteArray header = columns.join(u',').toUtf8() + "\r\n";
        std::fputs(header.constData(), stdout);
    }
    for (const vigil::Action &a : store->actions(parser.value(QStringLiteral("target")))) {
        const QStringList values { QString::number(a.id), a.target, vigil::kindName(a.kind),
            vigil::originName(a.origin), vigil::stateName(a.state), a.applySql, a.rollbackSql, a.reason,
            a.createdAt.toUTC().toString(Qt::ISODateWithMs), a.updatedAt.toUTC().toString(Qt::ISODateWithMs) };
        if (format == QLatin1StringView("csv")) {
            QStringList fields;
            for (const QString &v : values)
                fields << csvField(v);
            const QByteArray line = fields.join(u',').toUtf8() + "\r\n";
            std::fputs(line.constData(), stdout);
        } else {
            QJsonObject o;
            for (qsizetype i = 0; i < columns.size(); ++i)
                o.insert(columns[i], i == 0 ? QJsonValue(a.id) : QJsonValue(values[i]));
            o.insert(QStringLiteral("evidence"), a.evidence);
            o.insert(QStringLiteral("details"), a.details);
            printJsonLine(o);
        }
    }
    std::fflush(stdout);
    return exitcode::kOk;
}

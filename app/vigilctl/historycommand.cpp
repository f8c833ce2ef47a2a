// SPDX-License-Identifier: MIT
#include "cli.h"
#include "commands.h"

#include "store/csvfield.h"
#include "store/knowledgestore.h"

#include <QDateTime>
#include <QJsonDocument>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <unistd.h>

int runHistoryCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Prints the journal, oldest first: one line per action (a table on a terminal, JSON lines when piped)."));
    parser.addOptions({
        { QStringLiteral("format"),
            QStringLiteral("text (the default on a terminal), json (the default otherwise) or csv."),
            QStringLiteral("FORMAT") },
        { QStringLiteral("since"),
            QStringLiteral("Only actions changed since then: a duration back from now (90s, 10m, 2h, 7d) or an ISO "
                           "8601 date or time (UTC unless it names its offset)."),
            QStringLiteral("WHEN") },
        { QStringLiteral("limit"), QStringLiteral("Only the N most recent of them (1 to 1000000)."),
            QStringLiteral("N") },
        { QStringLiteral("target"), QStringLiteral("Only this target's actions (host:port/dbname as journaled)."),
            QStringLiteral("NAME") },
    });
    addStoreOption(parser);
    if (const int code = parseOrExit(parser, arguments, QStringLiteral("history")); code >= 0)
        return code;
    QString format = parser.value(QStringLiteral("format"));
    if (format.isEmpty())
        format = ::isatty(STDOUT_FILENO) ? QStringLiteral("text") : QStringLiteral("json");
    if (format != QLatin1StringView("json") && format != QLatin1StringView("csv")
        && format != QLatin1StringView("text")) {
        err() << "vigilctl history: --format expects text, json or csv, got \"" << format << "\"\n";
        return exitcode::kBadInput;
    }
    std::optional<QDateTime> since;
    if (parser.isSet(QStringLiteral("since"))) {
        since = parseSince(parser.value(QStringLiteral("since")));
        if (!since) {
            err() << "vigilctl history: --since expects a duration (90s, 10m, 2h, 7d) or an ISO 8601 date or time, "
                     "got \""
                  << parser.value(QStringLiteral("since")) << "\"\n";
            return exitcode::kBadInput;
        }
    }
    qint64 limit = 0;
    if (parser.isSet(QStringLiteral("limit"))) {
        bool ok = false;
        limit = parser.value(QStringLiteral("limit")).toLongLong(&ok);
        if (!ok || limit < 1 || limit > 1000000) {
            err() << "vigilctl history: --limit expects a number from 1 to 1000000, got \""
                  << parser.value(QStringLiteral("limit")) << "\"\n";
            return exitcode::kBadInput;
        }
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
    // The journal's name for the target (what libpq connected to) when a connection string is given.
    const QString target = parser.value(QStringLiteral("target")).trimmed();
    std::vector<vigil::Action> actions = store->actions(target.isEmpty() ? QString() : journalTargetName(target));
    if (since)
        std::erase_if(actions, [&](const vigil::Action &a) { return a.updatedAt < *since; });
    if (limit > 0 && qint64(actions.size()) > limit)
        actions.erase(actions.begin(), actions.end() - limit); // oldest first: the most recent are at the end
    if (format == QLatin1StringView("csv")) {
        std::fputs(vigil::csvLine(columns).constData(), stdout);
    }
    if (format == QLatin1StringView("text")) {
        // A DBA's glance: when, which action, what became of it and why; the SQL on its own line.
        for (const vigil::Action &a : actions) {
            const QByteArray line = QStringLiteral("%1  #%2  %3  %4  %5\n      %6\n")
                                        .arg(a.updatedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")))
                                        .arg(a.id)
                                        .arg(vigil::stateName(a.state), -12)
                                        .arg(a.target, a.reason.isEmpty() ? QStringLiteral("-") : a.reason)
                                        .arg(a.applySql.simplified())
                                        .toUtf8();
            std::fputs(line.constData(), stdout);
        }
        if (actions.empty())
            std::fputs("no actions\n", stdout);
        std::fflush(stdout);
        return exitcode::kOk;
    }
    for (const vigil::Action &a : actions) {
        const QStringList values { QString::number(a.id), a.target, vigil::kindName(a.kind),
            vigil::originName(a.origin), vigil::stateName(a.state), a.applySql, a.rollbackSql, a.reason,
            a.createdAt.toUTC().toString(Qt::ISODateWithMs), a.updatedAt.toUTC().toString(Qt::ISODateWithMs) };
        if (format == QLatin1StringView("csv")) {
            std::fputs(vigil::csvLine(values).constData(), stdout);
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

// SPDX-License-Identifier: MIT
// vigilctl findings: what the detectors found and proposed that waits for a person, so that `approve ID` and
// `reject ID` have their ids and a DBA sees the evidence first.
#include "cli.h"
#include "commands.h"

#include "act/actionfromsql.h"
#include "store/knowledgestore.h"

#include <QJsonObject>

#include <cstdio>
#include <unistd.h>

namespace {

void printText(const vigil::Action &a)
{
    QTextStream out(stdout);
    const QJsonObject finding = a.details.value(QLatin1StringView("finding")).toObject();
    out << "#" << a.id << "  waiting since " << a.createdAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"))
        << "  on " << a.target << "\n";
    out << "  found: " << (a.reason.isEmpty() ? QStringLiteral("(your own statement)") : a.reason);
    if (!finding.isEmpty())
        out << "  [" << finding.value(QLatin1StringView("severity")).toString() << ", "
            << finding.value(QLatin1StringView("detector")).toString() << "]";
    out << "\n";
    const QJsonObject whatIf
        = finding.value(QLatin1StringView("evidence")).toObject().value(QLatin1StringView("what_if")).toObject();
    if (whatIf.contains(QLatin1StringView("cost_before")))
        out << "  what-if (hypopg): plan cost " << whatIf.value(QLatin1StringView("cost_before")).toDouble() << " -> "
            << whatIf.value(QLatin1StringView("cost_after")).toDouble() << "\n";
    out << "  apply:    " << a.applySql.simplified() << "\n";
    const QString rollback = a.rollbackSql.isEmpty() ? vigil::derivedRollbackPreview(a.applySql) : a.rollbackSql;
    out << "  rollback: " << (rollback.isEmpty() ? QStringLiteral("(derived when it runs)") : rollback.simplified())
        << "\n";
}

} // namespace

int runFindingsCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Lists the actions that wait for a person (approve mode): what the detectors found, the evidence, the "
        "statement and how it would be taken back. Decide with 'vigilctl approve ID' or 'vigilctl reject ID'. Exits "
        "0 when nothing waits, 1 when something does. (vigilctl analyse samples the target now instead.)"));
    parser.addOptions({
        { QStringLiteral("target"),
            QStringLiteral("Only this target: its connection string or its journal name (host:port/dbname)."),
            QStringLiteral("TARGET") },
        { QStringLiteral("format"),
            QStringLiteral("text (the default on a terminal) or json (one action per line; the default otherwise)."),
            QStringLiteral("FORMAT") },
    });
    addStoreOption(parser);
    if (const int code = parseOrExit(parser, arguments, QStringLiteral("findings")); code >= 0)
        return code;
    QString format = parser.value(QStringLiteral("format"));
    if (format.isEmpty())
        format = ::isatty(STDOUT_FILENO) ? QStringLiteral("text") : QStringLiteral("json");
    if (format != QLatin1StringView("text") && format != QLatin1StringView("json")) {
        err() << "vigilctl findings: --format expects text or json, got \"" << format << "\"\n";
        return exitcode::kBadInput;
    }
    QString error;
    const std::unique_ptr<vigil::KnowledgeStore> store = vigil::KnowledgeStore::open(storeLocation(parser), &error);
    if (!store) {
        err() << "vigilctl findings: cannot open the knowledge store: " << error << "\n";
        return exitcode::kBadInput;
    }
    const QString target = parser.value(QStringLiteral("target")).trimmed();
    std::vector<vigil::Action> waiting = store->actions(target.isEmpty() ? QString() : journalTargetName(target));
    std::erase_if(waiting, [](const vigil::Action &a) { return a.state != vigil::ActionState::AwaitingApproval; });
    for (const vigil::Action &a : waiting) {
        if (format == QLatin1StringView("json")) {
            printJsonLine({ { QStringLiteral("id"), a.id }, { QStringLiteral("target"), a.target },
                { QStringLiteral("created_at"), a.createdAt.toUTC().toString(Qt::ISODateWithMs) },
                { QStringLiteral("reason"), a.reason }, { QStringLiteral("apply_sql"), a.applySql },
                { QStringLiteral("rollback_sql"),
                    a.rollbackSql.isEmpty() ? vigil::derivedRollbackPreview(a.applySql) : a.rollbackSql },
                { QStringLiteral("finding"), a.details.value(QLatin1StringView("finding")) } });
        } else {
            printText(a);
        }
    }
    if (waiting.empty() && format == QLatin1StringView("text"))
        QTextStream(stdout) << "nothing waits for approval\n";
    std::fflush(stdout);
    return waiting.empty() ? exitcode::kOk : exitcode::kFindings;
}

// SPDX-License-Identifier: MIT
#include "cli.h"
#include "commands.h"

#include "collect/dbcollector.h"
#include "privilegecheck.h"

#include <QJsonDocument>

int runCheckCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Connects as the target's role and tells which modes it allows (observe, approve, autonomous), what it "
        "lacks and the exact GRANT statements that would give it (docs/security.md). Changes nothing.\n"
        "Exit 0 when the role allows --mode (or, without --mode, once the report is printed), 4 when it does not, "
        "2 on bad input or when the target cannot be reached."));
    parser.addOptions({
        { QStringLiteral("target"), QStringLiteral("The database: a libpq conninfo or URI."),
            QStringLiteral("CONNINFO") },
        { QStringLiteral("mode"),
            QStringLiteral("observe, approve or autonomous: exit 4 when the role does not allow it."),
            QStringLiteral("MODE") },
        { QStringLiteral("format"), QStringLiteral("text (default) or json."), QStringLiteral("FORMAT"),
            QStringLiteral("text") },
    });
    addStoreOption(parser); // accepted like every command; check reads no journal
    if (const int code = parseOrExit(parser, arguments, QStringLiteral("check")); code >= 0)
        return code;
    if (parser.value(QStringLiteral("target")).trimmed().isEmpty()) {
        err() << "vigilctl check: --target is required\n";
        return exitcode::kBadInput;
    }
    const QString modeText = parser.value(QStringLiteral("mode"));
    const std::optional<vigil::Mode> mode = vigil::modeFromName(modeText);
    if (!modeText.isEmpty() && !mode) {
        err() << "vigilctl check: --mode expects observe, approve or autonomous, got \"" << modeText << "\"\n";
        return exitcode::kBadInput;
    }
    const QString format = parser.value(QStringLiteral("format"));
    if (format != QLatin1StringView("text") && format != QLatin1StringView("json")) {
        err() << "vigilctl check: --format expects text or json, got \"" << format << "\"\n";
        return exitcode::kBadInput;
    }
    vigil::DbCollector collector(parser.value(QStringLiteral("target")));
    if (const int code = connectOrExit(collector, parser.value(QStringLiteral("target")), QStringLiteral("check"));
        code >= 0)
        return code;
    QString error;
    vigil::PgConnection &connection = collector.connection();
    const std::optional<vigil::PrivilegeReport> report
        = vigil::PrivilegeCheck::run(connection, vigil::PrivilegeCheck::isRemote(connection), &error);
    if (!report) {
        err() << "vigilctl check: " << error << "\n";
        return exitcode::kFailed;
    }
    if (format == QLatin1StringView("json")) {
        QJsonObject json = report->toJson(mode);
        json.insert(QStringLiteral("target"), collector.targetName());
        json.insert(QStringLiteral("system_identifier"), collector.identity().systemIdentifier);
        json.insert(QStringLiteral("statement_statistics"), collector.hasStatementStatistics());
        printJsonLine(json);
    } else {
        QTextStream out(stdout);
        out << collector.targetName() << ": " << report->text() << '\n';
        out << "system identifier: "
            << (collector.identity().systemIdentifier.isEmpty()
                       ? QStringLiteral("unavailable (pg_control_system() needs pg_monitor)")
                       : collector.identity().systemIdentifier)
            << '\n';
        if (!collector.statementStatisticsAdvice().isEmpty())
            out << "pg_stat_statements: " << collector.statementStatisticsAdvice() << '\n';
        if (mode)
            out << "mode " << vigil::modeName(*mode) << ": " << (report->allows(*mode) ? "allowed" : "NOT allowed")
                << '\n';
    }
    return !mode || report->allows(*mode) ? exitcode::kOk : exitcode::kFailed;
}

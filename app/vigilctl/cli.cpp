// SPDX-License-Identifier: MIT
#include "cli.h"

#include "analyse/sqltext.h"
#include "collect/connectioncheck.h"
#include "collect/dbcollector.h"
#include "conninfo.h"
#include "events/natspublisher.h"
#include "metrics/numberformat.h"
#include "store/knowledgestore.h"

#include <QDateTime>
#include <QFileInfo>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QUrl>

#include <cstdio>
#include <functional>
#include <unistd.h>

QTextStream &err()
{
    static QTextStream stream(stderr);
    return stream;
}

void printJsonLine(const QJsonObject &object)
{
    const QByteArray line = QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
    std::fputs(line.constData(), stdout);
    std::fflush(stdout);
}

void addThresholdOption(QCommandLineParser &parser)
{
    parser.addOption({ QStringLiteral("set"),
        QStringLiteral("A detector threshold, NAME=VALUE (repeatable; names in docs/analyse.md)."),
        QStringLiteral("NAME=VALUE") });
}

bool readThresholdOptions(
    const QCommandLineParser &parser, const QString &command, vigil::AnalyserThresholds &thresholds)
{
    for (const QString &setting : parser.values(QStringLiteral("set"))) {
        const qsizetype eq = setting.indexOf(u'=');
        bool ok = false;
        const double value = eq > 0 ? setting.mid(eq + 1).toDouble(&ok) : 0;
        QString why;
        if (eq <= 0 || !ok || !vigil::setThreshold(thresholds, setting.left(eq), value, &why)) {
            err() << "vigilctl " << command << ": --set " << setting << ": "
                  << (why.isEmpty() ? QStringLiteral("expected NAME=NUMBER") : why) << "\n";
            return false;
        }
    }
    return true;
}

void addGuardOptions(QCommandLineParser &parser)
{
    const vigil::GuardPolicy d;
    parser.addOptions({
        { QStringLiteral("interval"),
            QStringLiteral("Guard sample interval in seconds (default %1).").arg(d.intervalSeconds),
            QStringLiteral("S") },
        { QStringLiteral("window"), QStringLiteral("Observation window in seconds (default %1).").arg(d.windowSeconds),
            QStringLiteral("S") },
        { QStringLiteral("baseline"), QStringLiteral("Baseline length in seconds (default %1).").arg(d.baselineSeconds),
            QStringLiteral("S") },
        { QStringLiteral("latency-pct"),
            QStringLiteral("p95 latency worse by more than P % is degraded (default %1).").arg(d.latencyPct),
            QStringLiteral("P") },
        { QStringLiteral("throughput-pct"),
            QStringLiteral("Throughput lower by more than P % is degraded (default %1).").arg(d.throughputPct),
            QStringLiteral("P") },
        { QStringLiteral("consecutive"),
            QStringLiteral("Degraded samples in a row before a rollback (default %1).").arg(d.consecutive),
            QStringLiteral("N") },
        { QStringLiteral("rollback-unverified"),
            QStringLiteral("Roll back an action whose window had too little evidence to judge (default: keep it, "
                           "marked unverified).") },
    });
}

bool readGuardOptions(const QCommandLineParser &parser, const QString &command, vigil::GuardPolicy &policy)
{
    auto number = [&](const QString &name, double &target) {
        if (!parser.isSet(name))
            return true;
        bool ok = false;
        const double value = parser.value(name).toDouble(&ok);
        if (!ok) {
            err() << "vigilctl " << command << ": --" << name << " expects a number, got \"" << parser.value(name)
                  << "\"\n";
            return false;
        }
        target = value;
        return true;
    };
    double consecutive = policy.consecutive;
    if (!number(QStringLiteral("interval"), policy.intervalSeconds)
        || !number(QStringLiteral("window"), policy.windowSeconds)
        || !number(QStringLiteral("baseline"), policy.baselineSeconds)
        || !number(QStringLiteral("latency-pct"), policy.latencyPct)
        || !number(QStringLiteral("throughput-pct"), policy.throughputPct)
        || !number(QStringLiteral("consecutive"), consecutive))
        return false;
    if (consecutive != double(qint64(consecutive)) || consecutive < 1 || consecutive > 1000) {
        err() << "vigilctl " << command << ": --consecutive expects a whole number from 1 to 1000, got " << consecutive
              << "\n";
        return false;
    }
    policy.consecutive = int(consecutive);
    if (parser.isSet(QStringLiteral("rollback-unverified")))
        policy.rollbackWhenUnverified = true;
    return true;
}

bool readTickOption(const QCommandLineParser &parser, const QString &command, double &tickSeconds)
{
    if (!parser.isSet(QStringLiteral("tick")))
        return true;
    bool ok = false;
    const double value = parser.value(QStringLiteral("tick")).toDouble(&ok);
    if (!ok || !(value >= 0.1 && value <= 60)) {
        err() << "vigilctl " << command << ": --tick expects seconds between 0.1 and 60\n";
        return false;
    }
    tickSeconds = value;
    return true;
}

void addStoreOption(QCommandLineParser &parser)
{
    parser.addOption({ QStringLiteral("store"),
        QStringLiteral("Knowledge store: a SQLite file or a PostgreSQL conninfo (default %1).")
            .arg(vigil::KnowledgeStore::defaultLocation()),
        QStringLiteral("LOCATION") });
}

QString storeLocation(const QCommandLineParser &parser)
{
    return parser.isSet(QStringLiteral("store")) ? parser.value(QStringLiteral("store"))
                                                 : vigil::KnowledgeStore::defaultLocation();
}

void addStorageProbeOption(QCommandLineParser &parser)
{
    parser.addOption({ QStringLiteral("storage-probe-dir"),
        QStringLiteral("A directory on the file system of the server's data directory, where Vigil may write one "
                       "8 kB file: how long its writes wait tells a stalled disk from an action's harm (the server "
                       "must run on this machine; default: no probe)."),
        QStringLiteral("DIR") });
}

QString storageProbeDirectory(const QCommandLineParser &parser)
{
    // As for NATS: the option wins, else the agent's configuration (VIGIL_STORAGE_PROBE_DIR in agent.conf).
    return parser.isSet(QStringLiteral("storage-probe-dir"))
        ? parser.value(QStringLiteral("storage-probe-dir"))
        : qEnvironmentVariable("VIGIL_STORAGE_PROBE_DIR").trimmed();
}

void addNatsOptions(QCommandLineParser &parser)
{
    parser.addOptions({
        { QStringLiteral("nats"),
            QStringLiteral("Publish events to this NATS server: nats://[user:password@]host:port, tls://... for TLS, "
                           "several separated by commas (subjects vigil.<target>.*, docs/events.md)."),
            QStringLiteral("URL") },
        { QStringLiteral("nats-creds"), QStringLiteral("NATS credentials file (user JWT and NKey seed)."),
            QStringLiteral("FILE") },
        { QStringLiteral("nats-ca"), QStringLiteral("CA certificate (PEM) to verify the NATS server's TLS with."),
            QStringLiteral("FILE") },
        { QStringLiteral("nats-samples"),
            QStringLiteral("Also publish samples (vigil.<target>.sample), at most one every S seconds (0: each)."),
            QStringLiteral("S") },
    });
}

bool readNatsOptions(
    const QCommandLineParser &parser, const QString &command, vigil::NatsOptions &options, bool &enabled)
{
    // An option given wins; otherwise the agent's configuration (agent.conf, read by systemd into the environment):
    // VIGIL_NATS_URL, VIGIL_NATS_CREDS, VIGIL_NATS_CA. Empty means not set, so an unused line in agent.conf is off.
    const auto value = [&parser](const char *option, const char *variable) {
        return parser.isSet(QLatin1StringView(option)) ? parser.value(QLatin1StringView(option))
                                                       : qEnvironmentVariable(variable).trimmed();
    };
    const QString natsUrl = value("nats", "VIGIL_NATS_URL");
    const QString credsFile = value("nats-creds", "VIGIL_NATS_CREDS");
    const QString caFile = value("nats-ca", "VIGIL_NATS_CA");
    enabled = parser.isSet(QStringLiteral("nats")) || !natsUrl.isEmpty();
    if (!enabled) {
        for (const char *name : { "nats-creds", "nats-ca", "nats-samples" })
            if (parser.isSet(QLatin1StringView(name))) {
                err() << "vigilctl " << command << ": --" << name << " needs --nats\n";
                return false;
            }
        return true;
    }
    options.url = natsUrl;
    for (const QString &one : options.url.split(u',', Qt::SkipEmptyParts)) {
        const QUrl url(one.trimmed());
        const QString scheme = url.scheme();
        if (!url.isValid() || url.host().isEmpty()
            || (scheme != QLatin1StringView("nats") && scheme != QLatin1StringView("tls"))) {
            // Never echo the URL: it may hold a password.
            err() << "vigilctl " << command << ": --nats expects nats://host:port or tls://host:port\n";
            return false;
        }
    }
    for (const auto &[name, file] : { std::pair { "nats-creds", credsFile }, std::pair { "nats-ca", caFile } }) {
        if (!file.isEmpty() && !QFileInfo(file).isReadable()) {
            err() << "vigilctl " << command << ": --" << name << ": cannot read " << file << "\n";
            return false;
        }
    }
    options.credsFile = credsFile;
    options.caFile = caFile;
    if (parser.isSet(QStringLiteral("nats-samples"))) {
        bool ok = false;
        options.sampleEverySeconds = parser.value(QStringLiteral("nats-samples")).toDouble(&ok);
        if (!ok || options.sampleEverySeconds < 0) {
            err() << "vigilctl " << command << ": --nats-samples expects seconds (0 or more)\n";
            return false;
        }
        options.publishSamples = true;
    }
    return true;
}

void printNatsStatusOnChange(vigil::NatsPublisher *publisher)
{
    QObject::connect(publisher, &vigil::NatsPublisher::connectionChanged, publisher, [publisher](bool connected) {
        QJsonObject status = publisher->status();
        status.insert(QStringLiteral("event"),
            connected ? QStringLiteral("nats.connected") : QStringLiteral("nats.disconnected"));
        printEventLine(status);
    });
}

std::optional<QString> reachedTargetName(const QString &conninfo, const QString &command)
{
    const vigil::ConnectionCheck reached = vigil::checkConnection(conninfo);
    if (!reached.ok) {
        err() << "vigilctl " << command << ": cannot connect to the target: " << reached.error << "\n";
        return std::nullopt;
    }
    return reached.displayName;
}

QString journalTargetName(const QString &text)
{
    const bool connectionString = text.contains(u'=') || text.startsWith(QLatin1StringView("postgres://"))
        || text.startsWith(QLatin1StringView("postgresql://"));
    if (connectionString) {
        // The journal names a target by what libpq connected to (TargetIdentity): ask the server when it answers.
        if (const vigil::ConnectionCheck reached = vigil::checkConnection(text); reached.ok)
            return reached.displayName;
        if (const std::optional<vigil::ConnInfo> info = vigil::ConnInfo::parse(text))
            return info->displayName();
    }
    return text.trimmed();
}

int parseOrExit(QCommandLineParser &parser, const QStringList &arguments, const QString &command)
{
    parser.addHelpOption();
    if (!parser.parse(arguments)) {
        err() << "vigilctl " << command << ": " << parser.errorText() << "\nTry 'vigilctl " << command << " --help'.\n";
        return exitcode::kBadInput;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        QTextStream(stdout) << parser.helpText();
        return exitcode::kOk;
    }
    return -1;
}

int connectOrExit(vigil::DbCollector &collector, const QString &conninfo, const QString &command)
{
    QString error;
    if (!vigil::ConnInfo::parse(conninfo, &error)) {
        err() << "vigilctl " << command << ": the target's connection string is not valid: " << error << "\n";
        return exitcode::kBadInput;
    }
    if (!collector.connect(&error)) {
        err() << "vigilctl " << command << ": cannot connect: " << error << "\n";
        return exitcode::kUnreachable;
    }
    return -1;
}

namespace {

/// "90s", "10m", "2h", "7d" (a number and a unit) as seconds; nothing when it is not one or not positive.
std::optional<qint64> durationSeconds(const QString &text)
{
    static const QRegularExpression form(QStringLiteral("^(\\d{1,9})([smhd])$"));
    const QRegularExpressionMatch m = form.match(text.trimmed());
    if (!m.hasMatch())
        return std::nullopt;
    const qint64 n = m.captured(1).toLongLong();
    const QChar unit = m.captured(2).at(0);
    const qint64 factor = unit == u's' ? 1 : unit == u'm' ? 60 : unit == u'h' ? 3600 : 86400;
    return n > 0 ? std::optional<qint64>(n * factor) : std::nullopt;
}

} // namespace

/// --since: a duration back from now, or an ISO 8601 date or time (UTC unless it says otherwise).
std::optional<QDateTime> parseSince(const QString &text)
{
    if (const std::optional<qint64> seconds = durationSeconds(text))
        return QDateTime::currentDateTimeUtc().addSecs(-*seconds);
    QDateTime at = QDateTime::fromString(text.trimmed(), Qt::ISODateWithMs);
    if (!at.isValid())
        at = QDateTime::fromString(text.trimmed() + QStringLiteral("T00:00:00Z"), Qt::ISODate);
    if (!at.isValid())
        return std::nullopt;
    if (at.timeSpec() == Qt::LocalTime) // no offset written: the same wall-clock time, read as UTC
        at.setTimeSpec(Qt::UTC);
    return at;
}

namespace {

EventFormat s_eventFormat = EventFormat::Json;

} // namespace

void addEventFormatOption(QCommandLineParser &parser)
{
    parser.addOption({ QStringLiteral("format"),
        QStringLiteral("text (one readable line per event; the default on a terminal) or json (one JSON object per "
                       "line; the default when piped or under systemd)."),
        QStringLiteral("FORMAT") });
}

bool readEventFormatOption(const QCommandLineParser &parser, const QString &command)
{
    if (!parser.isSet(QStringLiteral("format"))) {
        s_eventFormat = ::isatty(STDOUT_FILENO) && !qEnvironmentVariableIsSet("JOURNAL_STREAM") ? EventFormat::Text
                                                                                                : EventFormat::Json;
        return true;
    }
    const QString format = parser.value(QStringLiteral("format"));
    if (format != QLatin1StringView("text") && format != QLatin1StringView("json")) {
        err() << "vigilctl " << command << ": --format expects text or json, got \"" << format << "\"\n";
        return false;
    }
    s_eventFormat = format == QLatin1StringView("text") ? EventFormat::Text : EventFormat::Json;
    return true;
}

QString eventText(const QJsonObject &event)
{
    const QString name = event.value(QLatin1StringView("event")).toString();
    const QDateTime at = QDateTime::fromString(event.value(QLatin1StringView("ts")).toString(), Qt::ISODateWithMs);
    const QString time = (at.isValid() ? at : QDateTime::currentDateTimeUtc()).toLocalTime().toString(u"HH:mm:ss");
    const auto number = [&event](const char *key) -> std::optional<double> {
        const QJsonValue v = event.value(QLatin1StringView(key));
        return v.isDouble() ? std::optional<double>(v.toDouble()) : std::nullopt;
    };
    // A source that is missing says so; no number is made up.
    const auto shown = [](const std::optional<double> &v, const std::function<QString(double)> &format) {
        return v ? format(*v) : QStringLiteral("unavailable");
    };
    const QString text = event.value(QLatin1StringView("text")).toString();
    const QString reason = event.value(QLatin1StringView("reason")).toString();
    const QString sql = vigil::sqltext::shortSql(event.value(QLatin1StringView("apply_sql")).toString(), 70);
    const qint64 id = event.value(QLatin1StringView("action_id")).toInteger();
    QString line;
    if (name == QLatin1StringView("sample")) {
        line
            = QStringLiteral("p95 %1 · mean %2 · %3 · %4 · sessions %5 active of %6 · CPU %7")
                  .arg(shown(number("latency_p95_ms"), vigil::numbers::milliseconds),
                      shown(number("latency_mean_ms"), vigil::numbers::milliseconds),
                      shown(number("qps"),
                          [](double v) { return vigil::numbers::perSecond(v, QStringLiteral("calls")); }),
                      shown(number("tps"), [](double v) { return vigil::numbers::perSecond(v, QStringLiteral("tx")); }),
                      shown(number("sessions_active"), [](double v) { return QString::number(v, 'f', 0); }),
                      shown(number("sessions_total"), [](double v) { return QString::number(v, 'f', 0); }),
                      shown(number("cpu_pct"),
                          // -> QString: a QStringBuilder returned by value would point into the dead temporary.
                          [](double v) -> QString { return QString::number(v, 'f', 0) + u'%'; }));
    } else if (name.startsWith(QLatin1StringView("action."))) {
        const QString what = name.mid(7).replace(u'_', u' ');
        line = QStringLiteral("%1 #%2 %3").arg(what).arg(id).arg(sql);
        if (!reason.isEmpty())
            line += QStringLiteral(" — ") + reason;
    } else if (name == QLatin1StringView("baseline.collecting")) {
        line = QStringLiteral("collecting a %1 s baseline before #%2 %3")
                   .arg(event.value(QLatin1StringView("seconds")).toDouble())
                   .arg(id)
                   .arg(sql);
    } else if (name == QLatin1StringView("collector.gap")) {
        line = QStringLiteral("connection lost: %1 — retrying").arg(reason);
    } else if (name == QLatin1StringView("collector.resumed")) {
        line = QStringLiteral("connection back after %1 s")
                   .arg(event.value(QLatin1StringView("after_seconds")).toDouble());
    } else if (name.startsWith(QLatin1StringView("nats."))) {
        line = QStringLiteral("NATS %1: %2, %3 events published, %4 dropped, %5 waiting")
                   .arg(name.mid(5), event.value(QLatin1StringView("url")).toString())
                   .arg(event.value(QLatin1StringView("published")).toInteger())
                   .arg(event.value(QLatin1StringView("dropped")).toInteger())
                   .arg(event.value(QLatin1StringView("queued")).toInteger());
    } else if (name == QLatin1StringView("recovery.finished")) {
        line = QStringLiteral("recovery: %1 action(s) from the journal finished, %2 failed")
                   .arg(event.value(QLatin1StringView("recovered")).toInt())
                   .arg(event.value(QLatin1StringView("failed")).toInt());
    } else if (name == QLatin1StringView("engine.started")) {
        line = QStringLiteral("watching %1 (PostgreSQL %2, mode %3)")
                   .arg(event.value(QLatin1StringView("target")).toString(),
                       event.value(QLatin1StringView("server_version")).toString(),
                       event.value(QLatin1StringView("mode")).toString());
    } else if (!text.isEmpty()) {
        line = name + QStringLiteral(": ") + text;
    } else {
        QJsonObject rest = event;
        rest.remove(QStringLiteral("event"));
        rest.remove(QStringLiteral("ts"));
        line = name + u' ' + QString::fromUtf8(QJsonDocument(rest).toJson(QJsonDocument::Compact));
    }
    return time + QStringLiteral("  ") + line;
}

void printEventLine(const QJsonObject &event)
{
    if (s_eventFormat == EventFormat::Text) {
        const QByteArray line = eventText(event).toUtf8() + '\n';
        std::fputs(line.constData(), stdout);
        std::fflush(stdout);
        return;
    }
    static const bool toJournal = qEnvironmentVariableIsSet("JOURNAL_STREAM");
    if (toJournal) {
        const QString name = event.value(QLatin1StringView("event")).toString();
        const char *priority = nullptr;
        if (name == QLatin1StringView("action.failed"))
            priority = event.value(QLatin1StringView("alert")).toBool() ? "<3>" : "<4>";
        else if (name == QLatin1StringView("action.rolled_back") || name == QLatin1StringView("collector.gap"))
            priority = "<4>";
        else if (name == QLatin1StringView("collector.resumed"))
            priority = "<5>";
        if (priority)
            std::fputs(priority, stdout);
    }
    printJsonLine(event);
}

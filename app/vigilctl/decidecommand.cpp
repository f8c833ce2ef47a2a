// SPDX-License-Identifier: MIT
#include "cli.h"
#include "commands.h"

#include "events/natsconnection.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QThread>

#include <condition_variable>
#include <mutex>

namespace {

/// The one reply to a request, handed over from libnats' thread.
class ReplyBox
{
public:
    void put(const QByteArray &data)
    {
        {
            std::lock_guard lock(m_mutex);
            if (m_data)
                return;
            m_data = data;
        }
        m_ready.notify_all();
    }
    std::optional<QByteArray> waitFor(int ms)
    {
        std::unique_lock lock(m_mutex);
        m_ready.wait_for(lock, std::chrono::milliseconds(ms), [this] { return m_data.has_value(); });
        return m_data;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_ready;
    std::optional<QByteArray> m_data;
};

bool waitConnected(const vigil::NatsConnection &connection, int ms)
{
    QElapsedTimer clock;
    clock.start();
    while (!connection.isConnected() && clock.elapsed() < ms)
        QThread::msleep(20);
    return connection.isConnected();
}

} // namespace

int runDecideCommand(const QStringList &arguments, bool approve)
{
    const QString command = approve ? QStringLiteral("approve") : QStringLiteral("reject");
    QCommandLineParser parser;
    parser.setApplicationDescription(approve
            ? QStringLiteral("Approves an action awaiting approval: the agent that proposed it (vigilctl watch "
                             "--mode approve --nats) applies it under the guard.")
            : QStringLiteral("Rejects an action awaiting approval: the agent that proposed it journals it as "
                             "rejected and does not propose it again for a while."));
    parser.addPositionalArgument(QStringLiteral("ID"), QStringLiteral("the action's id (vigilctl history)"));
    parser.addOptions({
        { QStringLiteral("target"),
            QStringLiteral("the agent's target: its connection string or its journal name (host:port/dbname)"),
            QStringLiteral("TARGET") },
        { QStringLiteral("by"), QStringLiteral("who decides, as the journal records it (default: $USER)"),
            QStringLiteral("NAME") },
        { QStringLiteral("timeout"), QStringLiteral("seconds to wait for the agent's answer (default 10)"),
            QStringLiteral("S"), QStringLiteral("10") },
        { QStringLiteral("format"), QStringLiteral("text (default) or json: the agent's answer as it came"),
            QStringLiteral("FORMAT"), QStringLiteral("text") },
    });
    addNatsOptions(parser);
    if (const int code = parseOrExit(parser, arguments, command); code >= 0)
        return code;

    bool idOk = false;
    const qint64 id = parser.positionalArguments().value(0).toLongLong(&idOk);
    const QString target = journalTargetName(parser.value(QStringLiteral("target")));
    bool timeoutOk = false;
    const double timeout = parser.value(QStringLiteral("timeout")).toDouble(&timeoutOk);
    const QString format = parser.value(QStringLiteral("format"));
    if (parser.positionalArguments().size() != 1 || !idOk || id <= 0) {
        err() << "vigilctl " << command << ": expects one action id (a positive number; vigilctl history lists them)\n";
        return exitcode::kBadInput;
    }
    if (target.isEmpty()) {
        err() << "vigilctl " << command << ": --target is required (the agent's connection string or journal name)\n";
        return exitcode::kBadInput;
    }
    if (!timeoutOk || timeout <= 0 || timeout > 600) {
        err() << "vigilctl " << command << ": --timeout expects seconds from 0 to 600\n";
        return exitcode::kBadInput;
    }
    if (format != QLatin1StringView("text") && format != QLatin1StringView("json")) {
        err() << "vigilctl " << command << ": --format is text or json\n";
        return exitcode::kBadInput;
    }
    vigil::NatsOptions options;
    bool natsOn = false;
    if (!readNatsOptions(parser, command, options, natsOn))
        return exitcode::kBadInput;
    if (!natsOn) {
        err() << "vigilctl " << command << ": --nats is required: decisions reach the agent over NATS\n";
        return exitcode::kBadInput;
    }
    QString by = parser.value(QStringLiteral("by")).simplified();
    if (by.isEmpty())
        by = qEnvironmentVariable("USER", QStringLiteral("vigilctl"));

    options.clientName = QStringLiteral("vigilctl ") + command;
    vigil::NatsConnection connection(options);
    QString error;
    if (!connection.open(&error)) {
        err() << "vigilctl " << command << ": " << error << "\n";
        return exitcode::kBadInput;
    }
    const int timeoutMs = int(timeout * 1000);
    if (!waitConnected(connection, timeoutMs)) {
        err() << "vigilctl " << command << ": cannot reach NATS at " << connection.displayUrl() << " within " << timeout
              << " s\n";
        connection.close(0);
        return exitcode::kUnreachable;
    }
    ReplyBox box;
    const QByteArray inbox = vigil::NatsConnection::newInbox();
    if (!connection.subscribe(
            inbox, [&box](const vigil::NatsMessage &m) { box.put(m.data); }, &error)) {
        err() << "vigilctl " << command << ": " << error << "\n";
        connection.close(0);
        return exitcode::kUnreachable;
    }
    connection.flush(timeoutMs);
    const QString subject = vigil::natsSubject(target, command);
    const QJsonObject request { { QStringLiteral("action_id"), id }, { QStringLiteral("by"), by } };
    if (!connection.publish(subject.toUtf8(), QJsonDocument(request).toJson(QJsonDocument::Compact), inbox, &error)) {
        err() << "vigilctl " << command << ": " << error << "\n";
        connection.close(0);
        return exitcode::kUnreachable;
    }
    const std::optional<QByteArray> reply = box.waitFor(timeoutMs);
    connection.close(0);
    // NATS servers answer a request nobody subscribes to with an empty "no responders" status message.
    if (!reply || reply->trimmed().isEmpty()) {
        err() << "vigilctl " << command << ": no agent answered on " << subject << " within " << timeout
              << " s: is `vigilctl watch --mode approve --nats` running for " << target << "?\n";
        return exitcode::kUnreachable;
    }
    const QJsonObject answer = QJsonDocument::fromJson(*reply).object();
    const bool ok = answer.value(QLatin1StringView("ok")).toBool();
    if (format == QLatin1StringView("json")) {
        printJsonLine(answer);
    } else if (ok) {
        QTextStream(stdout) << "action " << id << " " << answer.value(QLatin1StringView("decision")).toString()
                            << " by " << answer.value(QLatin1StringView("by")).toString() << "\n";
    }
    if (!ok) {
        err() << "vigilctl " << command << ": the agent refused: "
              << answer.value(QLatin1StringView("error")).toString(QStringLiteral("no reason given")) << "\n";
        return exitcode::kFailed;
    }
    return exitcode::kOk;
}

// SPDX-License-Identifier: MIT
// Runs build/bin/vigilctl as a user would, for the live integration tests.
#pragma once

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <vector>

namespace vigil::testing {

/// The JSON lines of a vigilctl's stdout (other lines skipped).
inline std::vector<QJsonObject> jsonEvents(const QString &out)
{
    std::vector<QJsonObject> all;
    for (QString line : out.split(u'\n', Qt::SkipEmptyParts)) {
        if (line.size() > 3 && line.startsWith(u'<') && line.at(2) == u'>')
            line = line.mid(3); // a journald priority (under systemd, or a test that says it is)
        const QJsonDocument doc = QJsonDocument::fromJson(line.toUtf8());
        if (doc.isObject())
            all.push_back(doc.object());
    }
    return all;
}

struct VigilctlRun
{
    int exitCode = -1;
    QString out;
    QString err;

    /// The JSON lines of stdout (other lines skipped).
    std::vector<QJsonObject> events() const { return jsonEvents(out); }
    /// The samples the last verdict was judged on, one short line each (index, state, p95 and throughput against
    /// the baseline, the note): what a failed verdict test needs, which the tail of the output may have cut.
    QString verdictSamples() const
    {
        QString lines;
        for (const QJsonObject &e : events()) {
            const QJsonArray samples
                = e.value(QLatin1StringView("evidence")).toObject().value(QLatin1StringView("samples")).toArray();
            if (samples.isEmpty())
                continue;
            lines.clear();
            for (const QJsonValue &v : samples) {
                const QJsonObject s = v.toObject();
                lines += QStringLiteral("  sample %1 %2: p95 %3 %, throughput %4 % %5\n")
                             .arg(s.value(QLatin1StringView("index")).toInt())
                             .arg(s.value(QLatin1StringView("state")).toString())
                             .arg(s.value(QLatin1StringView("latency_pct")).toDouble(), 0, 'f', 1)
                             .arg(s.value(QLatin1StringView("throughput_pct")).toDouble(), 0, 'f', 1)
                             .arg(s.value(QLatin1StringView("note")).toString());
            }
        }
        return lines;
    }
    /// The machine probes of every sample event ("t=12.0 0.081/1.42": the round trip, then the unit of CPU work, in
    /// ms), one line: with verdictSamples(), whether the machine itself ran slower while a harmless change was judged
    /// slower.
    QString sampleProbes() const
    {
        QString line = QStringLiteral("  probe:");
        for (const QJsonObject &e : events()) {
            if (e.value(QLatin1StringView("event")).toString() != QLatin1StringView("sample"))
                continue;
            const auto ms = [&e](const char *key) {
                const QJsonValue v = e.value(QLatin1StringView(key));
                return v.isDouble() ? QString::number(v.toDouble(), 'f', 3) : QStringLiteral("-");
            };
            line += QStringLiteral(" t=%1 %2/%3")
                        .arg(e.value(QLatin1StringView("t")).toDouble(), 0, 'f', 1)
                        .arg(ms("probe_ms"), ms("cpu_probe_ms"));
        }
        return line + QLatin1Char('\n');
    }
    /// The run's events other than samples, each with its seconds since the first event ("0.0 engine.started,
    /// 15.3 baseline.unsteady, ..."): where a run's time went (the baseline, a wait for a steady one, the build, the
    /// window), for the suite's time (docs/benchmarks.md).
    QString timeline() const
    {
        QString line = QStringLiteral("  timeline:");
        QDateTime first;
        for (const QJsonObject &e : events()) {
            const QString name = e.value(QLatin1StringView("event")).toString();
            const QDateTime at = QDateTime::fromString(e.value(QLatin1StringView("ts")).toString(), Qt::ISODateWithMs);
            if (name == QLatin1StringView("sample") || !at.isValid())
                continue;
            if (!first.isValid())
                first = at;
            const QString reason = name == QLatin1StringView("baseline.unsteady")
                ? QStringLiteral(" (%1)").arg(e.value(QLatin1StringView("reason")).toString())
                : QString();
            line += QStringLiteral(" %1 %2%3,").arg(first.msecsTo(at) / 1000.0, 0, 'f', 1).arg(name, reason);
        }
        line.chop(1);
        return line;
    }
    /// The first event with this name (empty object when none).
    QJsonObject event(const QString &name) const
    {
        for (const QJsonObject &e : events())
            if (e.value(QLatin1StringView("event")).toString() == name)
                return e;
        return {};
    }
};

inline VigilctlRun runVigilctl(const QStringList &arguments, int timeoutMs = 120000,
    const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment())
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral(VIGILCTL), arguments);
    VigilctlRun run;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        run.err = QStringLiteral("vigilctl did not finish in time");
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

} // namespace vigil::testing

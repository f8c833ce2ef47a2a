// SPDX-License-Identifier: MIT
#include "act/executor.h"

#include "act/settingvalue.h"
#include "act/sqlrecognizer.h"

#include <QAtomicInteger>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>

#include <cmath>
#include <utility>

namespace vigil {

namespace {
QAtomicInteger<int> s_connectionCounter;

QString errorText(const QSqlError &e)
{
    const QString text = e.databaseText().trimmed();
    return text.isEmpty() ? e.text().trimmed() : text;
}

/// A parameter's value checked against its pg_settings row; the reason when it does not fit.
struct ParameterCheck
{
    bool ok = false;
    QString reason;
};

/// The ALTER SYSTEM part of "ALTER SYSTEM ...; SELECT pg_reload_conf()" (any spelling of the second statement):
/// the two run separately because ALTER SYSTEM cannot run in the implicit transaction of a multi-statement.
QString withoutReload(const QString &sql)
{
    static const QRegularExpression reload(QStringLiteral("\\s*;\\s*select\\s+pg_reload_conf\\s*\\(\\s*\\)\\s*;?\\s*$"),
        QRegularExpression::CaseInsensitiveOption);
    QString statement = sql;
    statement.remove(reload);
    return statement;
}

/// The base unit of a pg_settings unit ("8kB" -> 8192 bytes, "ms" -> 1 ms, "" -> 1).
double settingUnitFactor(const QString &unit)
{
    if (unit.isEmpty())
        return 1.0;
    qsizetype digits = 0;
    while (digits < unit.size() && unit[digits].isDigit())
        ++digits;
    const double count = digits ? unit.left(digits).toDouble() : 1.0;
    return count * settingvalue::unitFactor(unit.mid(digits));
}

ParameterCheck checkValue(const QString &value, const QString &vartype, const QString &unit, const QString &minVal,
    const QString &maxVal, const QStringList &enumValues)
{
    const QString v = value.trimmed();
    if (vartype == QLatin1StringView("bool")) {
        static const QStringList accepted { QStringLiteral("on"), QStringLiteral("off"), QStringLiteral("true"),
            QStringLiteral("false"), QStringLiteral("yes"), QStringLiteral("no"), QStringLiteral("1"),
            QStringLiteral("0") };
        if (accepted.contains(v.toLower()))
            return { true, {} };
        return { false, QStringLiteral("expects on or off, got \"%1\"").arg(v) };
    }
    if (vartype == QLatin1StringView("enum")) {
        for (const QString &e : enumValues)
            if (e.compare(v, Qt::CaseInsensitive) == 0)
                return { true, {} };
        return { false, QStringLiteral("expects one of %1, got \"%2\"").arg(enumValues.join(u", "), v) };
    }
    if (vartype == QLatin1StringView("integer") || vartype == QLatin1StringView("real")) {
        // A number, optionally followed by a unit the parameter understands (64MB, 200ms).
        const std::optional<settingvalue::Number> read = settingvalue::read(v);
        if (!read)
            return { false,
                QStringLiteral("expects a number%1, got \"%2\"")
                    .arg(unit.isEmpty() ? QString() : QStringLiteral(" (in %1 or with a unit)").arg(unit), v) };
        double number = read->value;
        const QString &suffix = read->unit;
        if (!suffix.isEmpty()) {
            const double from = settingvalue::unitFactor(suffix);
            const double to = settingUnitFactor(unit);
            if (unit.isEmpty() || from == 0 || to == 0
                || settingvalue::isMemoryUnit(suffix) != settingvalue::isMemoryUnit(unit))
                return { false,
                    QStringLiteral("unit \"%1\" does not fit this parameter (its unit is %2)")
                        .arg(suffix, unit.isEmpty() ? QStringLiteral("none") : unit) };
            number = number * from / to;
        }
        if (vartype == QLatin1StringView("integer"))
            number = std::round(number);
        const double lo = minVal.toDouble();
        const double hi = maxVal.toDouble();
        if (number < lo || number > hi)
            return { false,
                QStringLiteral("%1 is out of range: the parameter takes %2 to %3%4")
                    .arg(v, minVal, maxVal, unit.isEmpty() ? QString() : u' ' + unit) };
        return { true, {} };
    }
    if (v.size() > 4096)
        return { false, QStringLiteral("the value is longer than 4096 characters") };
    return { true, {} };
}
} // namespace

Executor::Executor(Options options)
    : m_options(std::move(options))
    , m_connectionName(QStringLiteral("vigil-executor-%1").arg(s_connectionCounter.fetchAndAddRelaxed(1)))
{ }

Executor::~Executor()
{
    close();
}

bool Executor::open(QString *error)
{
    QString why;
    const std::optional<ConnInfo> info = ConnInfo::parse(m_options.conninfo, &why);
    if (!info) {
        if (error)
            *error = QStringLiteral("the target's connection string is not valid: ") + why;
        return false;
    }
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_connectionName);
        info->applyTo(db, QStringLiteral("vigil"));
        if (!db.open()) {
            if (error)
                *error = errorText(db.lastError());
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(m_connectionName);
            return false;
        }
        QSqlQuery q(db);
        q.prepare(
            QStringLiteral("SELECT set_config('lock_timeout', ?, false), set_config('statement_timeout', ?, false)"));
        q.addBindValue(QString::number(m_options.lockTimeoutMs));
        q.addBindValue(QString::number(m_options.statementTimeoutMs));
        if (!q.exec()) {
            if (error)
                *error = errorText(q.lastError());
            q = QSqlQuery();
            db.close();
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(m_connectionName);
            return false;
        }
    }
    return true;
}

void Executor::close()
{
    if (!QSqlDatabase::contains(m_connectionName))
        return;
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

bool Executor::isOpen() const
{
    return QSqlDatabase::contains(m_connectionName) && QSqlDatabase::database(m_connectionName, false).isOpen();
}

int Executor::backendPid() const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    if (q.exec(QStringLiteral("SELECT pg_backend_pid()")) && q.next())
        return q.value(0).toInt();
    return 0;
}

bool Executor::tryLockTarget(QString *error)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(QStringLiteral("SELECT pg_try_advisory_lock(?)"));
    q.addBindValue(kAdvisoryLockKey);
    if (!q.exec() || !q.next()) {
        if (error)
            *error = errorText(q.lastError());
        return false;
    }
    if (!q.value(0).toBool()) {
        if (error)
            *error = QStringLiteral("another Vigil is acting on this target (it holds the target's advisory lock "
                                    "%1); one action at a time per target")
                         .arg(kAdvisoryLockKey);
        return false;
    }
    m_lockHeld = true;
    return true;
}

void Executor::unlockTarget()
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(QStringLiteral("SELECT pg_advisory_unlock(?)"));
    q.addBindValue(kAdvisoryLockKey);
    q.exec();
    m_lockHeld = false;
}

bool Executor::isLost()
{
    if (!isOpen())
        return true;
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    return !q.exec(QStringLiteral("SELECT 1"));
}

bool Executor::ensureConnected(QString *note)
{
    if (!isLost())
        return true;
    close();
    QString error;
    if (!open(&error)) {
        if (note)
            *note = QStringLiteral("the executor's session was lost and a new one could not be opened: %1").arg(error);
        return false;
    }
    ++m_reconnections;
    QString text = QStringLiteral("the executor's session was lost; Vigil opened a new one");
    if (std::exchange(m_lockHeld, false)) {
        QString lockError;
        text += tryLockTarget(&lockError)
            ? QStringLiteral(" and took the target's advisory lock again")
            : QStringLiteral(" but could not take the target's advisory lock again (%1)").arg(lockError);
    }
    if (note)
        *note = text;
    return true;
}

std::optional<bool> Executor::dropInvalidIndex(const Action &action, QString *error)
{
    const QString schema = action.details.value(QLatin1StringView("schema")).toString();
    const QString index = action.details.value(QLatin1StringView("index")).toString();
    {
        QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
        q.prepare(
            QStringLiteral("SELECT NOT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                           "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?"));
        q.addBindValue(schema);
        q.addBindValue(index);
        if (!q.exec()) {
            if (error)
                *error = errorText(q.lastError());
            return std::nullopt;
        }
        if (!q.next() || !q.value(0).toBool())
            return false; // none, or a valid one that is not ours to drop
    }
    const ExecResult dropped = run(
        QStringLiteral("DROP INDEX CONCURRENTLY IF EXISTS %1.%2").arg(quoteIdentifier(schema), quoteIdentifier(index)));
    if (!dropped.ok) {
        if (error)
            *error = dropped.error;
        return std::nullopt;
    }
    return true;
}

QString Executor::quoteIdentifier(const QString &name) const
{
    QString escaped = name;
    escaped.replace(u'"', QStringLiteral("\"\""));
    return u'"' + escaped + u'"';
}

QString Executor::quoteLiteral(const QString &value) const
{
    // standard_conforming_strings is on (the default since 9.1; checked in prepare()): only quotes need doubling.
    QString escaped = value;
    escaped.replace(u'\'', QStringLiteral("''"));
    return u'\'' + escaped + u'\'';
}

ExecResult Executor::run(const QString &sql)
{
    QElapsedTimer timer;
    timer.start();
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    if (!q.exec(sql))
        return ExecResult::failure(errorText(q.lastError()));
    ExecResult r = ExecResult::success();
    r.seconds = timer.elapsed() / 1000.0;
    return r;
}

std::optional<QString> Executor::currentSetting(const QString &name, QString *error)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(QStringLiteral("SELECT setting FROM pg_settings WHERE name = ?"));
    q.addBindValue(name);
    if (!q.exec()) {
        if (error)
            *error = errorText(q.lastError());
        return std::nullopt;
    }
    if (!q.next()) {
        if (error)
            *error = QStringLiteral("parameter \"%1\" does not exist").arg(name);
        return std::nullopt;
    }
    return q.value(0).toString();
}

bool Executor::waitForSetting(const QString &name, const QString &before)
{
    // pg_reload_conf() only signals the postmaster; sessions pick the new file up at their next command. Wait
    // (briefly) until this session sees a change, so the observation window starts with the setting in force.
    QDeadlineTimer deadline(2000);
    while (!deadline.hasExpired()) {
        const std::optional<QString> now = currentSetting(name);
        if (now && *now != before)
            return true;
        QThread::msleep(20);
    }
    return false;
}

ExecResult Executor::prepare(Action &action)
{
    switch (action.kind) {
    case ActionKind::SetParameter:
        return prepareParameter(action);
    case ActionKind::CreateIndex:
        return prepareCreateIndex(action);
    case ActionKind::DropIndex:
        return prepareDropIndex(action);
    case ActionKind::Sql:
        if (action.rollbackSql.trimmed().isEmpty())
            return ExecResult::failure(
                QStringLiteral("Vigil does not know how to take this statement back: give the rollback statement "
                               "(--rollback-sql)"));
        return ExecResult::success();
    }
    return ExecResult::failure(QStringLiteral("unknown action kind"));
}

ExecResult Executor::prepareParameter(Action &action)
{
    const QString name = action.details.value(QLatin1StringView("name")).toString();
    const QJsonValue requested = action.details.value(QLatin1StringView("value"));
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(
        QStringLiteral("SELECT setting, unit, vartype, context, min_val, max_val, array_to_string(enumvals, "
                       "E'\\x1f'), current_setting('standard_conforming_strings') FROM pg_settings WHERE name = ?"));
    q.addBindValue(name);
    if (!q.exec())
        return ExecResult::failure(errorText(q.lastError()));
    if (!q.next())
        return ExecResult::failure(
            QStringLiteral("parameter \"%1\" does not exist on this server (see SHOW ALL for the names)").arg(name));
    const QString setting = q.value(0).toString();
    const QString unit = q.value(1).toString();
    const QString vartype = q.value(2).toString();
    const QString context = q.value(3).toString();
    const QString minVal = q.value(4).toString();
    const QString maxVal = q.value(5).toString();
    const QStringList enumValues = q.value(6).toString().split(QChar(0x1f), Qt::SkipEmptyParts);
    if (q.value(7).toString() != QLatin1StringView("on"))
        return ExecResult::failure(QStringLiteral("standard_conforming_strings is off on this server; Vigil only "
                                                  "builds parameter statements with it on"));
    if (context == QLatin1StringView("internal"))
        return ExecResult::failure(QStringLiteral("parameter \"%1\" is read-only (internal)").arg(name));

    if (!requested.isNull() && !requested.isUndefined()) {
        const ParameterCheck check = checkValue(requested.toString(), vartype, unit, minVal, maxVal, enumValues);
        if (!check.ok)
            return ExecResult::failure(QStringLiteral("%1: %2").arg(name, check.reason));
    }

    // What to go back to: the value ALTER SYSTEM had written before, or a RESET when there was none (the
    // postgresql.conf value or the default then applies again). pg_file_settings needs superuser; without it the
    // previous ALTER SYSTEM value cannot be known and a RESET is the rollback (said in the details).
    QJsonValue previousAuto = QJsonValue::Null;
    QSqlQuery file(QSqlDatabase::database(m_connectionName, false));
    file.prepare(QStringLiteral("SELECT setting FROM pg_file_settings WHERE name = ? AND sourcefile LIKE "
                                "'%postgresql.auto.conf' ORDER BY seqno DESC LIMIT 1"));
    file.addBindValue(name);
    const bool fileReadable = file.exec();
    if (fileReadable && file.next())
        previousAuto = file.value(0).toString();

    QJsonObject details = action.details;
    details[QStringLiteral("previous_setting")] = setting;
    details[QStringLiteral("previous_auto_conf")] = previousAuto;
    details[QStringLiteral("context")] = context;
    details[QStringLiteral("unit")] = unit;
    if (!fileReadable)
        details[QStringLiteral("note")] = QStringLiteral("pg_file_settings not readable: rollback resets");
    action.details = details;
    action.needsRestart = context == QLatin1StringView("postmaster");

    const QString ident = quoteIdentifier(name);
    const QString reload = QStringLiteral("; SELECT pg_reload_conf()");
    action.applySql = requested.isString()
        ? QStringLiteral("ALTER SYSTEM SET %1 = %2").arg(ident, quoteLiteral(requested.toString())) + reload
        : QStringLiteral("ALTER SYSTEM RESET %1").arg(ident) + reload;
    action.rollbackSql = previousAuto.isString()
        ? QStringLiteral("ALTER SYSTEM SET %1 = %2").arg(ident, quoteLiteral(previousAuto.toString())) + reload
        : QStringLiteral("ALTER SYSTEM RESET %1").arg(ident) + reload;
    return ExecResult::success(details);
}

ExecResult Executor::prepareCreateIndex(Action &action)
{
    const QString index = action.details.value(QLatin1StringView("index")).toString();
    const QString table = action.details.value(QLatin1StringView("table")).toString();
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    // to_regclass() parses the table as written (quoted parts stay quoted); the value is bound, never pasted.
    q.prepare(QStringLiteral(
        "SELECT n.nspname, EXISTS (SELECT 1 FROM pg_class c2 WHERE c2.relnamespace = n.oid AND c2.relname = ?), c.oid "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(?)"));
    q.addBindValue(index);
    q.addBindValue(table);
    if (!q.exec())
        return ExecResult::failure(errorText(q.lastError()));
    if (!q.next())
        return ExecResult::failure(QStringLiteral("table %1 does not exist").arg(table));
    const QString schema = q.value(0).toString();
    if (q.value(1).toBool())
        return ExecResult::failure(
            QStringLiteral("a relation named %1 already exists in schema %2").arg(quoteIdentifier(index), schema));
    QString unseen;
    QString error;
    if (!readUnseenReach(q.value(2), &unseen, &error))
        return ExecResult::failure(error);
    QJsonObject details = action.details;
    details[QStringLiteral("schema")] = schema;
    if (!unseen.isEmpty())
        details[QStringLiteral("reached_unseen")] = unseen;
    action.details = details;
    const SqlRecognizer::Result recognized = SqlRecognizer::recognize(action.applySql);
    action.applySql = SqlRecognizer::withConcurrently(action.applySql, recognized);
    action.rollbackSql = QStringLiteral("DROP INDEX CONCURRENTLY IF EXISTS %1.%2")
                             .arg(quoteIdentifier(schema), quoteIdentifier(index));
    return ExecResult::success(details);
}

bool Executor::readUnseenReach(const QVariant &tableOid, QString *unseen, QString *error)
{
    // The guard judges an index, new or dropped, on the statements that name its table (ActionReach). Some statements
    // reach the table without naming it: through a view or rule over it, a trigger whose function names it (or builds
    // SQL at run time, or is not written in SQL or PL/pgSQL), a foreign key that cascades into it (whose search of
    // the table a dropped index on the key served). Then the guard judges every statement.
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(QStringLiteral(
        "SELECT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid WHERE d.classid = "
        "'pg_rewrite'::regclass AND d.refobjid = c.oid AND r.ev_class <> c.oid), "
        "EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_language l ON l.oid = "
        "p.prolang WHERE NOT t.tgisinternal AND (l.lanname NOT IN ('plpgsql', 'sql') OR strpos(lower(p.prosrc), "
        "lower(c.relname)) > 0 OR p.prosrc ~* '\\mexecute\\M')), "
        "EXISTS (SELECT 1 FROM pg_constraint f WHERE f.conrelid = c.oid AND f.contype = 'f' AND (f.confupdtype IN "
        "('c', 'n', 'd') OR f.confdeltype IN ('c', 'n', 'd'))) "
        "FROM pg_class c WHERE c.oid = ?::oid"));
    q.addBindValue(tableOid);
    if (!q.exec() || !q.next()) {
        *error = q.lastError().isValid() ? errorText(q.lastError()) : QStringLiteral("the table is gone");
        return false;
    }
    if (q.value(0).toBool())
        *unseen = QStringLiteral("views or rules read the table");
    else if (q.value(1).toBool())
        *unseen = QStringLiteral("a trigger may write the table");
    else if (q.value(2).toBool())
        *unseen = QStringLiteral("foreign keys cascade into the table");
    return true;
}

ExecResult Executor::prepareDropIndex(Action &action)
{
    const QString schema = action.details.value(QLatin1StringView("schema")).toString();
    const QString index = action.details.value(QLatin1StringView("index")).toString();
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(QStringLiteral(
        "SELECT n.nspname, c.relname, pg_get_indexdef(c.oid), i.indisvalid, "
        "(SELECT conname FROM pg_constraint WHERE conindid = c.oid LIMIT 1), i.indrelid "
        "FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.oid = to_regclass(CASE WHEN ? = '' THEN quote_ident(?) ELSE quote_ident(?) || '.' || quote_ident(?) "
        "END)"));
    q.addBindValue(schema);
    q.addBindValue(index);
    q.addBindValue(schema);
    q.addBindValue(index);
    if (!q.exec())
        return ExecResult::failure(errorText(q.lastError()));
    if (!q.next())
        return ExecResult::failure(QStringLiteral("index %1 does not exist").arg(quoteIdentifier(index)));
    if (!q.value(4).isNull())
        return ExecResult::failure(QStringLiteral("index %1 backs constraint %2: Vigil does not drop constraint "
                                                  "indexes (drop the constraint yourself if you mean it)")
                                       .arg(quoteIdentifier(index), quoteIdentifier(q.value(4).toString())));
    QString unseen;
    QString error;
    const QString indexSchema = q.value(0).toString();
    const QString indexName = q.value(1).toString();
    const QString definition = q.value(2).toString();
    if (!readUnseenReach(q.value(5), &unseen, &error))
        return ExecResult::failure(error);
    QJsonObject details = action.details;
    details[QStringLiteral("schema")] = indexSchema;
    details[QStringLiteral("index")] = indexName;
    details[QStringLiteral("definition")] = definition;
    if (!unseen.isEmpty())
        details[QStringLiteral("reached_unseen")] = unseen;
    action.details = details;
    action.applySql = QStringLiteral("DROP INDEX CONCURRENTLY IF EXISTS %1.%2")
                          .arg(quoteIdentifier(indexSchema), quoteIdentifier(indexName));
    const SqlRecognizer::Result recognized = SqlRecognizer::recognize(definition);
    action.rollbackSql = SqlRecognizer::withConcurrently(definition, recognized);
    return ExecResult::success(details);
}

ExecResult Executor::runParameterChange(const Action &action, const QString &sql)
{
    const QString name = action.details.value(QLatin1StringView("name")).toString();
    const QString before = currentSetting(name).value_or(QString());
    // The ALTER SYSTEM and the reload run as two statements: ALTER SYSTEM cannot run inside the implicit
    // transaction of a multi-statement query.
    ExecResult result = run(withoutReload(sql));
    if (result.ok)
        result = run(QStringLiteral("SELECT pg_reload_conf()"));
    if (result.ok)
        waitForSetting(name, before);
    return result;
}

void Executor::cleanUpAfterFailedBuild(const Action &action, ExecResult &result)
{
    // A failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind: it costs writes and helps no read. When
    // the session died under the build, the leftover is looked for on a new one.
    QString note;
    if (!ensureConnected(&note)) {
        result.error += QStringLiteral(" (%1; the INVALID index it may have left is dropped later)").arg(note);
        result.details[QStringLiteral("invalid_index_left")] = true;
        return;
    }
    if (!note.isEmpty())
        result.error += QStringLiteral(" (%1)").arg(note);
    QString error;
    const std::optional<bool> dropped = dropInvalidIndex(action, &error);
    if (dropped && *dropped) {
        result.error += QStringLiteral(" (the INVALID index it left was dropped)");
    } else if (!dropped) {
        // Typically the same lock that stopped the build stops the drop (DROP INDEX CONCURRENTLY waits for every
        // transaction on the table): the engine drops it once the lock is released.
        result.error += QStringLiteral(" (the INVALID index it left could not be dropped yet: %1; Vigil drops it "
                                       "once it can)")
                            .arg(error);
        result.details[QStringLiteral("invalid_index_left")] = true;
    }
}

ExecResult Executor::runIndexBuild(const QString &sql)
{
    // CREATE INDEX CONCURRENTLY waits, as lock waits, for the transactions that were open when it began (the
    // "waiting for writers" and "waiting for old snapshots" phases). Those waits block no one, and a long transaction
    // elsewhere is common: with the lock_timeout on, such a build failed after 5 s and the index was never built.
    // So the build runs without it; the engine watches the one wait that does block others (for the table's lock,
    // which queues DDL and VACUUM behind it) and cancels the build when that lasts longer than the lock timeout.
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    if (!q.exec(QStringLiteral("SELECT set_config('lock_timeout', '0', false)")))
        return ExecResult::failure(errorText(q.lastError()));
    ExecResult result = run(sql);
    q.prepare(QStringLiteral("SELECT set_config('lock_timeout', ?, false)"));
    q.addBindValue(QString::number(m_options.lockTimeoutMs));
    q.exec(); // a session lost under the build is replaced by a new one, which sets the timeout as it opens
    return result;
}

ExecResult Executor::apply(const Action &action)
{
    QElapsedTimer timer;
    timer.start();
    ExecResult result;
    if (action.kind == ActionKind::SetParameter) {
        result = runParameterChange(action, action.applySql);
        QString note;
        if (!result.ok && isLost() && ensureConnected(&note)) {
            // The session died between ALTER SYSTEM and the reload (or during either): the new value may be in
            // postgresql.auto.conf, waiting for the next reload. A failed action must leave nothing behind.
            const ExecResult undo = runParameterChange(action, action.rollbackSql);
            result.error += undo.ok
                ? QStringLiteral(" (%1; the previous value was written back)").arg(note)
                : QStringLiteral(" (%1; writing the previous value back failed too: %2)").arg(note, undo.error);
        }
    } else if (action.kind == ActionKind::CreateIndex) {
        result = runIndexBuild(action.applySql);
        if (!result.ok)
            cleanUpAfterFailedBuild(action, result);
    } else {
        result = run(action.applySql);
    }
    result.seconds = timer.elapsed() / 1000.0;
    return result;
}

ExecResult Executor::runRollback(const Action &action)
{
    if (action.kind == ActionKind::SetParameter)
        return runParameterChange(action, action.rollbackSql);
    return run(action.rollbackSql);
}

ExecResult Executor::rollback(const Action &action)
{
    QElapsedTimer timer;
    timer.start();
    ExecResult result = runRollback(action);
    if (!result.ok && isLost()) {
        // The session died under the rollback (a DBA terminated it, the server restarted). A rollback must not be
        // lost to that: it runs once more on a new session, after dropping what an interrupted rebuild left.
        const QString first = result.error;
        QString note;
        if (!ensureConnected(&note)) {
            result.error = QStringLiteral("%1 (%2)").arg(first, note);
        } else {
            QString error;
            if (action.kind == ActionKind::DropIndex && !dropInvalidIndex(action, &error)) {
                result = ExecResult::failure(
                    QStringLiteral("%1 (%2; the INVALID index the interrupted rebuild left could not be dropped: %3)")
                        .arg(first, note, error));
            } else {
                result = runRollback(action);
                if (result.ok)
                    result.details[QStringLiteral("retried_after")] = QStringLiteral("%1 (%2)").arg(first, note);
                else
                    result.error = QStringLiteral("%1 (retried after: %2; %3)").arg(result.error, first, note);
            }
        }
    }
    result.seconds = timer.elapsed() / 1000.0;
    return result;
}

std::optional<bool> Executor::isInEffect(const Action &action, QString *error)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    switch (action.kind) {
    case ActionKind::SetParameter: {
        const std::optional<QString> now
            = currentSetting(action.details.value(QLatin1StringView("name")).toString(), error);
        if (!now)
            return std::nullopt;
        return *now != action.details.value(QLatin1StringView("previous_setting")).toString();
    }
    case ActionKind::CreateIndex:
    case ActionKind::DropIndex: {
        q.prepare(QStringLiteral("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN "
                                 "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?"));
        q.addBindValue(action.details.value(QLatin1StringView("schema")).toString());
        q.addBindValue(action.details.value(QLatin1StringView("index")).toString());
        if (!q.exec()) {
            if (error)
                *error = errorText(q.lastError());
            return std::nullopt;
        }
        const bool exists = q.next();
        return action.kind == ActionKind::CreateIndex ? exists : !exists;
    }
    case ActionKind::Sql:
        if (error)
            *error = QStringLiteral("Vigil cannot inspect the effect of a free-form statement");
        return std::nullopt;
    }
    return std::nullopt;
}

} // namespace vigil

// SPDX-License-Identifier: MIT
#include "settings.h"

#include <QDir>
#include <QLoggingCategory>
#include <QSettings>
#include <QUrl>

#include <cmath>

namespace vigil {

namespace {

Q_LOGGING_CATEGORY(lcSettings, "vigil.settings")

constexpr QLatin1StringView kIntervalKey("guard/intervalSeconds");
constexpr QLatin1StringView kWindowKey("guard/windowSeconds");
constexpr QLatin1StringView kBaselineKey("guard/baselineSeconds");
constexpr QLatin1StringView kLatencyKey("guard/latencyPct");
constexpr QLatin1StringView kThroughputKey("guard/throughputPct");
constexpr QLatin1StringView kConsecutiveKey("guard/consecutive");
constexpr QLatin1StringView kRollbackUnverifiedKey("guard/rollbackWhenUnverified");
constexpr QLatin1StringView kTickKey("collector/tickSeconds");
constexpr QLatin1StringView kStorageProbeDirKey("collector/storageProbeDirectory");
constexpr QLatin1StringView kModeKey("actions/mode");
constexpr QLatin1StringView kRateLimitKey("actions/rateLimitPerHour");
constexpr QLatin1StringView kCooldownKey("actions/cooldownMinutes");
constexpr QLatin1StringView kAskBeforeRollbackKey("actions/askBeforeRollback");
constexpr QLatin1StringView kRecentTargetsKey("targets/recent");
constexpr QLatin1StringView kGeometryKey("window/geometry");
constexpr QLatin1StringView kStateKey("window/state");
constexpr QLatin1StringView kNatsUrlKey("events/natsUrl");
constexpr QLatin1StringView kRollbackMemoryKey("actions/rollbackMemoryHours");

QByteArray thresholdKey(const ThresholdField &field)
{
    return QByteArray("analyser/") + field.name;
}

/// Reads values that a person may have edited by hand: anything unusable becomes the default, with a note of why.
class Reader
{
public:
    Reader(const QSettings &store, QStringList *problems)
        : m_store(store)
        , m_problems(problems)
    { }

    double number(QLatin1StringView key, double fallback, Settings::Range range) const
    {
        const QVariant raw = m_store.value(key);
        if (!raw.isValid())
            return fallback;
        bool ok = false;
        // Through text: an INI file hands back strings, and "nan" or "inf" parse but are no setting.
        const double value = raw.toString().trimmed().toDouble(&ok);
        if (ok && std::isfinite(value) && range.contains(value))
            return value;
        note(key, raw, QStringLiteral("a number from %1 to %2").arg(range.min).arg(range.max));
        return fallback;
    }

    int integer(QLatin1StringView key, int fallback, Settings::Range range) const
    {
        const QVariant raw = m_store.value(key);
        if (!raw.isValid())
            return fallback;
        bool ok = false;
        const int value = raw.toString().trimmed().toInt(&ok);
        if (ok && range.contains(value))
            return value;
        note(key, raw, QStringLiteral("a whole number from %1 to %2").arg(range.min).arg(range.max));
        return fallback;
    }

    bool boolean(QLatin1StringView key, bool fallback) const
    {
        const QVariant raw = m_store.value(key);
        if (!raw.isValid())
            return fallback;
        // QVariant::toBool() takes any other text for true; a typo must not flip a safety setting.
        const QString text = raw.toString().trimmed().toLower();
        if (text == QLatin1StringView("true") || text == QLatin1StringView("1"))
            return true;
        if (text == QLatin1StringView("false") || text == QLatin1StringView("0"))
            return false;
        note(key, raw, QStringLiteral("true or false"));
        return fallback;
    }

    Settings::Mode mode(QLatin1StringView key, Settings::Mode fallback) const
    {
        const QVariant raw = m_store.value(key);
        if (!raw.isValid())
            return fallback;
        if (const auto mode = modeFromName(raw.toString()))
            return *mode;
        note(key, raw, QStringLiteral("observe, approve or autonomous"));
        return fallback;
    }

    void note(QLatin1StringView key, const QVariant &raw, const QString &expected) const
    {
        if (!m_problems)
            return;
        // A value with a comma reads back as a list, whose toString() is empty.
        const QString text
            = raw.metaType() == QMetaType::fromType<QStringList>() ? raw.toStringList().join(u", ") : raw.toString();
        m_problems->append(QStringLiteral("%1 = \u201c%2\u201d is not %3").arg(key, text, expected));
    }

    /// Notes a text under key that reads as nothing once cleaned (`usable` empty) though something was written.
    void cleanedText(QLatin1StringView key, const QString &usable, const QString &expected) const
    {
        const QVariant raw = m_store.value(key);
        if (raw.isValid() && usable.isEmpty() && !raw.toString().trimmed().isEmpty())
            note(key, raw, expected);
    }

private:
    const QSettings &m_store;
    QStringList *m_problems;
};

/// Stores a cleaned text under key, or removes the key for an empty one (so that reading gives the default); true
/// when what is stored changed.
bool storeCleanText(QSettings &store, QLatin1StringView key, const QString &clean, const QString &current)
{
    if (clean == current)
        return false;
    if (clean.isEmpty())
        store.remove(key);
    else
        store.setValue(key, clean);
    return true;
}

bool samePolicy(const GuardPolicy &a, const GuardPolicy &b)
{
    return a.intervalSeconds == b.intervalSeconds && a.windowSeconds == b.windowSeconds
        && a.baselineSeconds == b.baselineSeconds && a.latencyPct == b.latencyPct && a.throughputPct == b.throughputPct
        && a.consecutive == b.consecutive && a.minLatencyDeltaMs == b.minLatencyDeltaMs
        && a.overwhelmingFactor == b.overwhelmingFactor && a.overwhelmingSeconds == b.overwhelmingSeconds
        && a.onsetSeconds == b.onsetSeconds && a.demandSurgePct == b.demandSurgePct
        && a.cpuSurgePoints == b.cpuSurgePoints && a.rollbackWhenUnverified == b.rollbackWhenUnverified;
}

/// Stores value, or removes the key when it is the default, so that the file holds only what the user chose and
/// a later Vigil's better defaults reach everyone who never changed them.
template<typename T>
void write(QSettings &store, QLatin1StringView key, const T &value, const T &fallback)
{
    if (value == fallback)
        store.remove(key);
    else
        store.setValue(key, QVariant::fromValue(value));
}

bool isSecretKey(QStringView key)
{
    return key.compare(QLatin1StringView("password"), Qt::CaseInsensitive) == 0
        || key.compare(QLatin1StringView("sslpassword"), Qt::CaseInsensitive) == 0;
}

/// keyword = value pairs as libpq reads them: values unquoted up to a space, or single-quoted; a backslash escapes
/// the next character in both. The pairs that are kept stay exactly as written.
QString keywordValueWithoutPassword(const QString &conninfo)
{
    const qsizetype n = conninfo.size();
    auto skipSpaces = [&](qsizetype i) {
        while (i < n && conninfo.at(i).isSpace())
            ++i;
        return i;
    };
    QStringList kept;
    qsizetype i = skipSpaces(0);
    while (i < n) {
        const qsizetype begin = i;
        while (i < n && !conninfo.at(i).isSpace() && conninfo.at(i) != u'=')
            ++i;
        const QStringView key = QStringView(conninfo).mid(begin, i - begin);
        i = skipSpaces(i);
        if (key.isEmpty() || i == n || conninfo.at(i) != u'=')
            break; // malformed from here on
        i = skipSpaces(i + 1);
        bool closed = true;
        if (i < n && conninfo.at(i) == u'\'') {
            closed = false;
            for (++i; i < n; ++i) {
                if (conninfo.at(i) == u'\\') {
                    ++i;
                } else if (conninfo.at(i) == u'\'') {
                    ++i;
                    closed = true;
                    break;
                }
            }
        } else {
            for (; i < n && !conninfo.at(i).isSpace(); ++i) {
                if (conninfo.at(i) == u'\\')
                    ++i;
            }
        }
        i = std::min(i, n);
        if (!closed)
            break; // an unterminated quote swallows the rest, secret or not
        if (!isSecretKey(key))
            kept.append(conninfo.mid(begin, i - begin));
        i = skipSpaces(i);
    }
    return kept.join(u' ');
}

/// postgresql://user:secret@host/db?password=secret: the user info's password and any password parameter go.
QString uriWithoutPassword(const QString &uri, qsizetype authorityBegin)
{
    const qsizetype queryBegin = uri.indexOf(u'?', authorityBegin);
    QString head = queryBegin < 0 ? uri : uri.left(queryBegin);
    // The last '@' before the query ends the user info even when an unencoded '@' or '/' sits in the password:
    // cutting too much is harmless, leaving a piece of a secret is not.
    if (const qsizetype at = head.lastIndexOf(u'@'); at >= authorityBegin) {
        if (const qsizetype colon = head.indexOf(u':', authorityBegin); colon >= 0 && colon < at)
            head.remove(colon, at - colon);
        if (head.at(authorityBegin) == u'@') // postgresql://:secret@host: no user left to name
            head.remove(authorityBegin, 1);
    }
    if (queryBegin < 0)
        return head;
    QStringList params;
    const QStringList all = uri.mid(queryBegin + 1).split(u'&', Qt::SkipEmptyParts);
    for (const QString &param : all) {
        const QString key = QUrl::fromPercentEncoding(param.section(u'=', 0, 0).toUtf8());
        if (!isSecretKey(key))
            params.append(param);
    }
    return params.isEmpty() ? head : head + u'?' + params.join(u'&');
}

} // namespace

Settings::Settings(QObject *parent)
    : Settings(std::make_unique<QSettings>(), parent)
{ }

Settings::Settings(const QString &iniPath, QObject *parent)
    : Settings(std::make_unique<QSettings>(iniPath, QSettings::IniFormat), parent)
{ }

Settings::Settings(std::unique_ptr<QSettings> store, QObject *parent)
    : QObject(parent)
    , m_store(std::move(store))
{
    // Said once, where a DBA starting Vigil from a terminal sees it; the values in use are the defaults.
    const QStringList ignored = ignoredValues();
    for (const QString &problem : ignored)
        qCWarning(lcSettings).noquote() << "saved setting ignored, default used instead:" << problem;
}

Settings::~Settings() = default;

QString Settings::fileName() const
{
    return m_store->fileName();
}

bool Settings::sync()
{
    m_store->sync();
    return m_store->status() == QSettings::NoError;
}

QStringList Settings::ignoredValues() const
{
    QStringList problems;
    storedGuard(&problems);
    const Reader read(*m_store, &problems);
    read.mode(kModeKey, kDefaultMode);
    read.integer(kRateLimitKey, kDefaultRateLimitPerHour, kRateLimitRange);
    read.integer(kCooldownKey, kDefaultCooldownMinutes, kCooldownRange);
    read.boolean(kAskBeforeRollbackKey, kDefaultAskBeforeRollback);
    read.cleanedText(kNatsUrlKey, natsUrl(), QStringLiteral("a nats://, tls://, ws:// or wss:// URL"));
    read.cleanedText(kStorageProbeDirKey, storageProbeDirectory(), QStringLiteral("an absolute directory path"));
    return problems;
}

Settings::GuardValues Settings::storedGuard(QStringList *problems) const
{
    const GuardPolicy defaults;
    const Reader read(*m_store, problems);
    GuardValues values;
    values.policy.intervalSeconds = read.number(kIntervalKey, defaults.intervalSeconds, kIntervalRange);
    values.policy.windowSeconds = read.number(kWindowKey, defaults.windowSeconds, kWindowRange);
    values.policy.baselineSeconds = read.number(kBaselineKey, defaults.baselineSeconds, kBaselineRange);
    values.policy.latencyPct = read.number(kLatencyKey, defaults.latencyPct, kLatencyPctRange);
    values.policy.throughputPct = read.number(kThroughputKey, defaults.throughputPct, kThroughputPctRange);
    values.policy.consecutive = read.integer(kConsecutiveKey, defaults.consecutive, kConsecutiveRange);
    values.policy.rollbackWhenUnverified = read.boolean(kRollbackUnverifiedKey, defaults.rollbackWhenUnverified);
    values.tickSeconds = read.number(kTickKey, kDefaultTickSeconds, kTickRange);
    // Falling back value by value could still leave a set that does not fit together (the default interval is
    // no multiple of a tick of 2 s): the set falls back as a whole, so the engine never gets a policy it refuses.
    if (const QString problem = values.policy.validate(values.tickSeconds); !problem.isEmpty()) {
        if (problems)
            problems->append(QStringLiteral("the guard and collector values do not fit together: %1").arg(problem));
        return {};
    }
    return values;
}

double Settings::sampleIntervalSeconds() const
{
    return guard().policy.intervalSeconds;
}

double Settings::windowSeconds() const
{
    return guard().policy.windowSeconds;
}

double Settings::baselineSeconds() const
{
    return guard().policy.baselineSeconds;
}

double Settings::latencyThresholdPct() const
{
    return guard().policy.latencyPct;
}

double Settings::throughputThresholdPct() const
{
    return guard().policy.throughputPct;
}

int Settings::consecutiveSamples() const
{
    return guard().policy.consecutive;
}

double Settings::collectorTickSeconds() const
{
    return guard().tickSeconds;
}

GuardPolicy Settings::guardPolicy() const
{
    return guard().policy;
}

bool Settings::setSampleIntervalSeconds(double seconds)
{
    GuardValues next = guard();
    next.policy.intervalSeconds = seconds;
    return storeGuard(next, nullptr);
}

bool Settings::setWindowSeconds(double seconds)
{
    GuardValues next = guard();
    next.policy.windowSeconds = seconds;
    return storeGuard(next, nullptr);
}

bool Settings::setBaselineSeconds(double seconds)
{
    GuardValues next = guard();
    next.policy.baselineSeconds = seconds;
    return storeGuard(next, nullptr);
}

bool Settings::setLatencyThresholdPct(double pct)
{
    GuardValues next = guard();
    next.policy.latencyPct = pct;
    return storeGuard(next, nullptr);
}

bool Settings::setThroughputThresholdPct(double pct)
{
    GuardValues next = guard();
    next.policy.throughputPct = pct;
    return storeGuard(next, nullptr);
}

bool Settings::setConsecutiveSamples(int samples)
{
    GuardValues next = guard();
    next.policy.consecutive = samples;
    return storeGuard(next, nullptr);
}

bool Settings::setCollectorTickSeconds(double seconds)
{
    GuardValues next = guard();
    next.tickSeconds = seconds;
    return storeGuard(next, nullptr);
}

bool Settings::setGuardPolicy(const GuardPolicy &policy, double tickSeconds, QString *error)
{
    GuardValues next = guard();
    next.policy.intervalSeconds = policy.intervalSeconds;
    next.policy.windowSeconds = policy.windowSeconds;
    next.policy.baselineSeconds = policy.baselineSeconds;
    next.policy.latencyPct = policy.latencyPct;
    next.policy.throughputPct = policy.throughputPct;
    next.policy.consecutive = policy.consecutive;
    next.policy.rollbackWhenUnverified = policy.rollbackWhenUnverified;
    next.tickSeconds = tickSeconds;
    return storeGuard(next, error);
}

bool Settings::storeGuard(const GuardValues &next, QString *error)
{
    auto fail = [error](const QString &message) {
        if (error)
            *error = message;
        return false;
    };
    auto outside = [](double value, Range range) { return !std::isfinite(value) || !range.contains(value); };
    auto rangeText = [](Range range) { return QStringLiteral("%1 to %2").arg(range.min).arg(range.max); };
    const GuardPolicy &p = next.policy;
    if (outside(p.intervalSeconds, kIntervalRange))
        return fail(QStringLiteral("the sample interval must be %1 s").arg(rangeText(kIntervalRange)));
    if (outside(p.windowSeconds, kWindowRange))
        return fail(QStringLiteral("the observation window must be %1 s").arg(rangeText(kWindowRange)));
    if (outside(p.baselineSeconds, kBaselineRange))
        return fail(QStringLiteral("the baseline must be %1 s").arg(rangeText(kBaselineRange)));
    if (outside(p.latencyPct, kLatencyPctRange))
        return fail(QStringLiteral("the latency threshold must be %1 %").arg(rangeText(kLatencyPctRange)));
    if (outside(p.throughputPct, kThroughputPctRange))
        return fail(QStringLiteral("the throughput threshold must be %1 %").arg(rangeText(kThroughputPctRange)));
    if (outside(p.consecutive, kConsecutiveRange))
        return fail(QStringLiteral("consecutive samples must be %1").arg(rangeText(kConsecutiveRange)));
    if (outside(next.tickSeconds, kTickRange))
        return fail(QStringLiteral("the collector tick must be %1 s").arg(rangeText(kTickRange)));
    if (const QString problem = p.validate(next.tickSeconds); !problem.isEmpty())
        return fail(problem);

    const GuardValues before = guard();
    const GuardPolicy defaults;
    // The whole set is written, not only the value that changed: a stored set that was read as the defaults
    // because it did not fit together must not keep its stale other half.
    write(*m_store, kIntervalKey, p.intervalSeconds, defaults.intervalSeconds);
    write(*m_store, kWindowKey, p.windowSeconds, defaults.windowSeconds);
    write(*m_store, kBaselineKey, p.baselineSeconds, defaults.baselineSeconds);
    write(*m_store, kLatencyKey, p.latencyPct, defaults.latencyPct);
    write(*m_store, kThroughputKey, p.throughputPct, defaults.throughputPct);
    write(*m_store, kConsecutiveKey, p.consecutive, defaults.consecutive);
    write(*m_store, kRollbackUnverifiedKey, p.rollbackWhenUnverified, defaults.rollbackWhenUnverified);
    write(*m_store, kTickKey, next.tickSeconds, kDefaultTickSeconds);

    const GuardPolicy &old = before.policy;
    if (p.intervalSeconds != old.intervalSeconds)
        emit sampleIntervalSecondsChanged(p.intervalSeconds);
    if (p.windowSeconds != old.windowSeconds)
        emit windowSecondsChanged(p.windowSeconds);
    if (p.baselineSeconds != old.baselineSeconds)
        emit baselineSecondsChanged(p.baselineSeconds);
    if (p.latencyPct != old.latencyPct)
        emit latencyThresholdPctChanged(p.latencyPct);
    if (p.throughputPct != old.throughputPct)
        emit throughputThresholdPctChanged(p.throughputPct);
    if (p.consecutive != old.consecutive)
        emit consecutiveSamplesChanged(p.consecutive);
    if (next.tickSeconds != before.tickSeconds)
        emit collectorTickSecondsChanged(next.tickSeconds);
    // Last, so that a receiver of the policy finds every single value already changed.
    if (!samePolicy(p, old))
        emit policyChanged(p);
    return true;
}

Settings::Mode Settings::mode() const
{
    return Reader(*m_store, nullptr).mode(kModeKey, kDefaultMode);
}

void Settings::setMode(Mode mode)
{
    if (mode == this->mode())
        return;
    if (mode == kDefaultMode)
        m_store->remove(kModeKey);
    else
        m_store->setValue(kModeKey, modeName(mode));
    emit modeChanged(mode);
}

int Settings::rateLimitPerHour() const
{
    return Reader(*m_store, nullptr).integer(kRateLimitKey, kDefaultRateLimitPerHour, kRateLimitRange);
}

bool Settings::setRateLimitPerHour(int actions)
{
    if (!kRateLimitRange.contains(actions))
        return false;
    if (actions == rateLimitPerHour())
        return true;
    write(*m_store, kRateLimitKey, actions, kDefaultRateLimitPerHour);
    emit rateLimitPerHourChanged(actions);
    return true;
}

int Settings::cooldownMinutes() const
{
    return Reader(*m_store, nullptr).integer(kCooldownKey, kDefaultCooldownMinutes, kCooldownRange);
}

bool Settings::setCooldownMinutes(int minutes)
{
    if (!kCooldownRange.contains(minutes))
        return false;
    if (minutes == cooldownMinutes())
        return true;
    write(*m_store, kCooldownKey, minutes, kDefaultCooldownMinutes);
    emit cooldownMinutesChanged(minutes);
    return true;
}

bool Settings::askBeforeRollback() const
{
    return Reader(*m_store, nullptr).boolean(kAskBeforeRollbackKey, kDefaultAskBeforeRollback);
}

void Settings::setAskBeforeRollback(bool ask)
{
    if (ask == askBeforeRollback())
        return;
    write(*m_store, kAskBeforeRollbackKey, ask, kDefaultAskBeforeRollback);
    emit askBeforeRollbackChanged(ask);
}

QStringList Settings::cleanTargets(const QStringList &targets)
{
    QStringList clean;
    for (const QString &target : targets) {
        const QString safe = withoutPassword(target);
        if (!safe.isEmpty() && !clean.contains(safe))
            clean.append(safe);
        if (clean.size() == kMaxRecentTargets)
            break;
    }
    return clean;
}

QStringList Settings::recentTargets() const
{
    // Cleaned on the way out as well: a hand-edited file may hold a password, and it must go no further.
    return cleanTargets(m_store->value(kRecentTargetsKey).toStringList());
}

void Settings::setRecentTargets(const QStringList &targets)
{
    const QStringList clean = cleanTargets(targets);
    if (clean == recentTargets())
        return;
    if (clean.isEmpty())
        m_store->remove(kRecentTargetsKey);
    else
        m_store->setValue(kRecentTargetsKey, clean);
    emit recentTargetsChanged(clean);
}

void Settings::addRecentTarget(const QString &target)
{
    QStringList targets = recentTargets();
    targets.prepend(target);
    setRecentTargets(targets);
}

QString Settings::withoutPassword(const QString &target)
{
    const QString trimmed = target.trimmed();
    for (const QLatin1StringView scheme : { QLatin1StringView("postgresql://"), QLatin1StringView("postgres://") }) {
        if (trimmed.startsWith(scheme, Qt::CaseInsensitive))
            return uriWithoutPassword(trimmed, scheme.size());
    }
    // Without an '=' it is no conninfo but a display name such as db1:5432/app: nothing to hide.
    if (!trimmed.contains(u'='))
        return trimmed;
    return keywordValueWithoutPassword(trimmed);
}

QByteArray Settings::mainWindowGeometry() const
{
    return m_store->value(kGeometryKey).toByteArray();
}

void Settings::setMainWindowGeometry(const QByteArray &geometry)
{
    if (geometry == mainWindowGeometry())
        return;
    m_store->setValue(kGeometryKey, geometry);
    emit mainWindowGeometryChanged(geometry);
}

QByteArray Settings::mainWindowState() const
{
    return m_store->value(kStateKey).toByteArray();
}

void Settings::setMainWindowState(const QByteArray &state)
{
    if (state == mainWindowState())
        return;
    m_store->setValue(kStateKey, state);
    emit mainWindowStateChanged(state);
}

namespace {
/// The URL as stored (without its password), or empty when it is no NATS URL.
QString cleanNatsUrl(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return {};
    QUrl url(trimmed, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    const bool known = scheme == QLatin1StringView("nats") || scheme == QLatin1StringView("tls")
        || scheme == QLatin1StringView("ws") || scheme == QLatin1StringView("wss");
    if (!url.isValid() || !known || url.host().isEmpty())
        return {};
    url.setPassword(QString());
    return url.toString();
}
} // namespace

QString Settings::natsUrl() const
{
    return cleanNatsUrl(m_store->value(kNatsUrlKey).toString());
}

bool Settings::isAcceptableNatsUrl(const QString &url)
{
    return url.trimmed().isEmpty() || !cleanNatsUrl(url).isEmpty();
}

bool Settings::setNatsUrl(const QString &url)
{
    const QString clean = cleanNatsUrl(url);
    if (clean.isEmpty() && !url.trimmed().isEmpty())
        return false;
    if (storeCleanText(*m_store, kNatsUrlKey, clean, natsUrl()))
        emit natsUrlChanged(clean);
    return true;
}

namespace {
/// The directory as stored (cleaned), or empty when it is no absolute path.
QString cleanDirectory(const QString &text)
{
    const QString trimmed = text.trimmed();
    // QDir::isAbsolutePath takes ":/x" (a Qt resource) for absolute: the probe needs a real file.
    if (trimmed.isEmpty() || !trimmed.startsWith(u'/'))
        return {};
    return QDir::cleanPath(trimmed);
}
} // namespace

QString Settings::storageProbeDirectory() const
{
    return cleanDirectory(m_store->value(kStorageProbeDirKey).toString());
}

bool Settings::isAcceptableStorageProbeDirectory(const QString &directory)
{
    return directory.trimmed().isEmpty() || !cleanDirectory(directory).isEmpty();
}

bool Settings::setStorageProbeDirectory(const QString &directory)
{
    const QString clean = cleanDirectory(directory);
    if (clean.isEmpty() && !directory.trimmed().isEmpty())
        return false;
    if (storeCleanText(*m_store, kStorageProbeDirKey, clean, storageProbeDirectory()))
        emit storageProbeDirectoryChanged(clean);
    return true;
}

AnalyserThresholds Settings::analyserThresholds() const
{
    AnalyserThresholds t;
    const Reader read(*m_store, nullptr);
    for (int i = 0; i < kThresholdFieldCount; ++i) {
        const ThresholdField &f = kThresholdFields[i];
        const QByteArray key = thresholdKey(f);
        t.*f.member = read.number(QLatin1StringView(key), t.*f.member, Range { f.min, f.max });
    }
    return t;
}

bool Settings::setAnalyserThresholds(const AnalyserThresholds &thresholds, QString *error)
{
    const AnalyserThresholds defaults;
    for (int i = 0; i < kThresholdFieldCount; ++i) {
        const ThresholdField &f = kThresholdFields[i];
        const double value = thresholds.*f.member;
        if (!std::isfinite(value) || value < f.min || value > f.max) {
            if (error)
                *error = QStringLiteral("%1 must be between %2 and %3")
                             .arg(QLatin1StringView(f.name))
                             .arg(f.min)
                             .arg(f.max);
            return false;
        }
    }
    const AnalyserThresholds before = analyserThresholds();
    bool changed = false;
    for (int i = 0; i < kThresholdFieldCount; ++i) {
        const ThresholdField &f = kThresholdFields[i];
        const QByteArray key = thresholdKey(f);
        write(*m_store, QLatin1StringView(key), thresholds.*f.member, defaults.*f.member);
        changed = changed || thresholds.*f.member != before.*f.member;
    }
    if (changed)
        emit analyserThresholdsChanged(thresholds);
    return true;
}

int Settings::rollbackMemoryHours() const
{
    return Reader(*m_store, nullptr).integer(kRollbackMemoryKey, kDefaultRollbackMemoryHours, kRollbackMemoryRange);
}

bool Settings::setRollbackMemoryHours(int hours)
{
    if (!kRollbackMemoryRange.contains(hours))
        return false;
    if (hours == rollbackMemoryHours())
        return true;
    write(*m_store, kRollbackMemoryKey, hours, kDefaultRollbackMemoryHours);
    emit rollbackMemoryHoursChanged(hours);
    return true;
}

} // namespace vigil

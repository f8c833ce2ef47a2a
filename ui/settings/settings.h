// SPDX-License-Identifier: MIT
#pragma once

#include "analyse/analysisinput.h"
#include "guard/guardpolicy.h"
#include "mode.h"

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

class QSettings;

namespace vigil {

/**
 * Vigil's persisted preferences, typed, behind QSettings.
 *
 * Qt Core only: it lives under ui/ because the desktop app owns it, but nothing here needs a widget, so the CLI
 * or a test can use it as is.
 *
 * Every setter compares the new value with the current one, stores it and emits its own `xxxChanged` signal only
 * when the value really changed. A setter refuses (returns false, stores nothing, emits nothing) a value outside
 * the ranges below, so the file never holds something Vigil cannot run with. A value equal to its default is
 * removed from the file rather than written, so that better defaults in a later Vigil reach whoever never chose.
 *
 * The guard values and the collector tick form one set that must pass GuardPolicy::validate(): a setter refuses
 * a value that would break it (a window shorter than the interval, say), and setGuardPolicy() changes several at
 * once for the cases where the order of single changes would matter. policyChanged() is emitted once per change
 * of the resulting policy, after the per-value signals.
 *
 * Reading never fails: a value missing, unreadable or out of range in a hand-edited or corrupted file reads as its
 * default; a guard set that is inconsistent as a whole reads as the default set (so guardPolicy() always
 * validates against collectorTickSeconds()). ignoredValues() says what was set aside and why.
 *
 * Passwords are never stored: recent targets and the NATS URL lose theirs on the way in (they belong in the
 * desktop keyring), and on the way out too, in case a hand-edited file has one.
 *
 * Keys (INI groups): guard/{intervalSeconds, windowSeconds, baselineSeconds, latencyPct, throughputPct,
 * consecutive}, collector/{tickSeconds, storageProbeDirectory}, actions/{mode, rateLimitPerHour, cooldownMinutes,
 * askBeforeRollback}, targets/recent, window/{geometry, state}, events/natsUrl.
 */
class Settings : public QObject
{
    Q_OBJECT
public:
    /// What Vigil does with a recommendation: the engine's Mode. Stored by name ("observe", "approve",
    /// "autonomous"), as vigilctl's --mode spells it.
    using Mode = vigil::Mode;

    /// An inclusive range of accepted values.
    struct Range
    {
        double min;
        double max;
        constexpr bool contains(double value) const { return value >= min && value <= max; }
    };
    static constexpr Range kIntervalRange { 0.1, 3600 }; ///< seconds
    static constexpr Range kWindowRange { 0.1, 86400 }; ///< seconds (a day)
    static constexpr Range kBaselineRange { 0.1, 86400 }; ///< seconds (a day)
    static constexpr Range kLatencyPctRange { 0, 1000 }; ///< percent
    static constexpr Range kThroughputPctRange { 0, 99 }; ///< percent (a drop of 100 % can never be exceeded)
    static constexpr Range kConsecutiveRange { 1, 10000 }; ///< samples
    static constexpr Range kTickRange { 0.1, 60 }; ///< seconds, as vigilctl --tick accepts
    static constexpr Range kRateLimitRange { 1, 60 }; ///< actions per hour per target
    static constexpr Range kCooldownRange { 0, 1440 }; ///< minutes (a day)
    static constexpr Range kRollbackMemoryRange { 0, 720 }; ///< hours (a month)
    static constexpr int kDefaultRollbackMemoryHours = 24;

    static constexpr double kDefaultTickSeconds = 1.0;
    static constexpr Mode kDefaultMode = Mode::Approve;
    static constexpr int kDefaultRateLimitPerHour = 6;
    static constexpr int kDefaultCooldownMinutes = 30;
    /// Rolling back a harmful action must not wait for a human, so by default it does not.
    static constexpr bool kDefaultAskBeforeRollback = false;
    static constexpr int kMaxRecentTargets = 10;

    /// The application's settings (organization and application names set in main()).
    explicit Settings(QObject *parent = nullptr);
    /// An INI file at iniPath: tests use a temporary one, and a user may point Vigil at a shared one.
    explicit Settings(const QString &iniPath, QObject *parent = nullptr);
    ~Settings() override;

    /// The backing file (INI or the platform's native location).
    QString fileName() const;
    /// Writes pending changes to disk; false when the file could not be written.
    bool sync();
    /// The stored values read as their defaults instead, each with the key, the value and what was expected.
    QStringList ignoredValues() const;

    // The guard (see GuardPolicy for what each value means).
    double sampleIntervalSeconds() const;
    double windowSeconds() const;
    double baselineSeconds() const;
    double latencyThresholdPct() const;
    double throughputThresholdPct() const;
    int consecutiveSamples() const;
    double collectorTickSeconds() const;
    /// The guard values as a policy (the detector's refinements keep their defaults); always valid for
    /// collectorTickSeconds().
    GuardPolicy guardPolicy() const;

    bool setSampleIntervalSeconds(double seconds);
    bool setWindowSeconds(double seconds);
    bool setBaselineSeconds(double seconds);
    bool setLatencyThresholdPct(double pct);
    bool setThroughputThresholdPct(double pct);
    bool setConsecutiveSamples(int samples);
    bool setCollectorTickSeconds(double seconds);
    /// Sets the six guard values of policy and the tick together. False, with the reason in error, when one is out
    /// of range or they do not fit together; nothing is stored then.
    bool setGuardPolicy(const GuardPolicy &policy, double tickSeconds, QString *error = nullptr);

    // Actions.
    Mode mode() const;
    void setMode(Mode mode);
    int rateLimitPerHour() const; ///< actions per hour on one target
    bool setRateLimitPerHour(int actions);
    int cooldownMinutes() const; ///< no new action on a target this long after a rollback on it
    bool setCooldownMinutes(int minutes);
    bool askBeforeRollback() const; ///< in approve mode, ask before rolling back instead of rolling back at once
    void setAskBeforeRollback(bool ask);

    /// Targets used lately, most recent first: display names, conninfos or URIs, never with a password.
    QStringList recentTargets() const;
    void setRecentTargets(const QStringList &targets);
    /// Moves target (without its password) to the front, dropping the oldest beyond kMaxRecentTargets.
    void addRecentTarget(const QString &target);
    /**
     * target without any password: `password=` and `sslpassword=` pairs of a keyword/value conninfo (quoted or
     * not), and the password of a postgresql:// URI, in its user info or its query. Anything else is returned as
     * written. What follows a malformed pair is dropped, since where a secret ends can no longer be told.
     */
    static QString withoutPassword(const QString &target);

    QByteArray mainWindowGeometry() const;
    void setMainWindowGeometry(const QByteArray &geometry);
    QByteArray mainWindowState() const;
    void setMainWindowState(const QByteArray &state);

    /// The detectors' thresholds (analyser/<name>, names as in docs/analyse.md); a value out of its range reads as
    /// the default.
    AnalyserThresholds analyserThresholds() const;
    /// False (nothing stored) when any value is out of its range; error names it.
    bool setAnalyserThresholds(const AnalyserThresholds &thresholds, QString *error = nullptr);
    /// Hours an action rolled back on a target is not proposed again there.
    int rollbackMemoryHours() const;
    bool setRollbackMemoryHours(int hours);

    /// nats://, tls://, ws:// or wss:// URL of the event bus to publish to; empty means NATS is off.
    QString natsUrl() const;
    /// False (nothing stored) when url is neither empty nor such a URL. A password in it is dropped.
    bool setNatsUrl(const QString &url);
    /// True when setNatsUrl() would accept url (empty included).
    static bool isAcceptableNatsUrl(const QString &url);

    /// Where the storage probe (StorageProbe) writes for a server on this machine: a directory on the file system
    /// of its data directory. Empty (the default): no probe. Read at each connection; the engine refuses it, with a
    /// notice, for a server elsewhere or a directory on another file system.
    QString storageProbeDirectory() const;
    /// False (nothing stored) when directory is neither empty nor an absolute path. Stored cleaned ("/a/b/").
    /// Whether it exists is the dialog's check, at the time it is chosen: a directory may be mounted later.
    bool setStorageProbeDirectory(const QString &directory);
    /// True when setStorageProbeDirectory() would accept directory (empty included).
    static bool isAcceptableStorageProbeDirectory(const QString &directory);

signals:
    void sampleIntervalSecondsChanged(double seconds);
    void windowSecondsChanged(double seconds);
    void baselineSecondsChanged(double seconds);
    void latencyThresholdPctChanged(double pct);
    void throughputThresholdPctChanged(double pct);
    void consecutiveSamplesChanged(int samples);
    void collectorTickSecondsChanged(double seconds);
    /// The guard policy the engine should use from now on.
    void policyChanged(const vigil::GuardPolicy &policy);
    void modeChanged(vigil::Settings::Mode mode);
    void rateLimitPerHourChanged(int actions);
    void cooldownMinutesChanged(int minutes);
    void askBeforeRollbackChanged(bool ask);
    void recentTargetsChanged(const QStringList &targets);
    void mainWindowGeometryChanged(const QByteArray &geometry);
    void mainWindowStateChanged(const QByteArray &state);
    void natsUrlChanged(const QString &url);
    void storageProbeDirectoryChanged(const QString &directory);
    void analyserThresholdsChanged(const vigil::AnalyserThresholds &thresholds);
    void rollbackMemoryHoursChanged(int hours);

private:
    struct GuardValues
    {
        GuardPolicy policy;
        double tickSeconds = kDefaultTickSeconds;
    };
    Settings(std::unique_ptr<QSettings> store, QObject *parent);
    GuardValues storedGuard(QStringList *problems = nullptr) const;
    GuardValues guard() const { return storedGuard(); }
    bool storeGuard(const GuardValues &next, QString *error);
    static QStringList cleanTargets(const QStringList &targets);

    std::unique_ptr<QSettings> m_store;
};

} // namespace vigil

// SPDX-License-Identifier: MIT
#pragma once

#include "Engine.h"

#include <QObject>
#include <QThread>

namespace vigil {

/**
 * Runs an Engine in its own thread for a front end (the desktop app): the engine thread of DESIGN.md.
 *
 * The front end talks to the engine only through this object's methods (queued calls into the engine thread) and
 * its signals (queued back to the caller's thread). Stopping quits the thread and waits for it.
 */
class EngineRunner : public QObject
{
    Q_OBJECT
public:
    explicit EngineRunner(EngineConfig config, QObject *parent = nullptr);
    ~EngineRunner() override;

    /// Starts the thread and the engine in it; answers with started().
    void start();
    void stop();

    void submit(const vigil::Action &action);
    void setPaused(bool paused);
    void setPolicy(const vigil::GuardPolicy &policy);
    void recover();
    /// observe | approve | autonomous: what the analyser's recommendations become.
    void setMode(vigil::Mode mode);
    void setLimits(const vigil::ProposalLimits &limits);
    void setThresholds(const vigil::AnalyserThresholds &thresholds);
    void confirmRollback(qint64 actionId, const QString &by);
    void keepDespiteVerdict(qint64 actionId, const QString &by);
    void setAskBeforeRollback(bool ask);
    /// Runs the detectors now (their findings arrive as the analysis.finished event).
    void analyseNow();
    void propose(const vigil::Action &action);
    void approve(qint64 actionId, const QString &by);
    void reject(qint64 actionId, const QString &by);

signals:
    void started(bool ok, const QString &error);
    void event(const vigil::EngineEvent &event);
    void storedSamplesLoaded(const QList<vigil::Sample> &samples);
    void actionFinished(const vigil::Action &action);
    void actionRefused(const QString &reason);

private:
    QThread m_thread;
    Engine *m_engine = nullptr; ///< lives in m_thread; deleted there when the thread finishes
};

} // namespace vigil

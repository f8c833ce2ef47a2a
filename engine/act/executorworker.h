// SPDX-License-Identifier: MIT
#pragma once

#include "act/executor.h"

#include <QObject>

#include <memory>

namespace vigil {

/**
 * The executor on its own thread: the Engine calls these slots through queued connections and hears back through
 * the signals, so sampling never waits for an action (an index build can take minutes).
 *
 * The Qt SQL connection is created in open(), inside the worker's thread, because a connection belongs to the
 * thread that opened it.
 */
class ExecutorWorker : public QObject
{
    Q_OBJECT
public:
    /// At most this many regressed statements are planned before a rollback.
    static constexpr int kRegressedPlans = 5;

    explicit ExecutorWorker(Executor::Options options);
    ~ExecutorWorker() override;

public slots:
    void open();
    void prepare(const vigil::Action &action);
    void lockTarget(const vigil::Action &action);
    void apply(const vigil::Action &action);
    void rollback(const vigil::Action &action);
    void inspect(const vigil::Action &action);
    /// Drops the INVALID index a failed build left when it could not be dropped at once (answers cleanedUp()).
    void cleanUp(const vigil::Action &action);
    void unlockTarget();
    void close();

signals:
    void opened(bool ok, const QString &error, int backendPid);
    void prepared(const vigil::Action &action, const vigil::ExecResult &result);
    void locked(const vigil::Action &action, bool ok, const QString &error);
    /// On success the result's details carry `plans_before`: the costliest statements' plans before it ran.
    void applied(const vigil::Action &action, const vigil::ExecResult &result);
    /// The details carry `plans_after`: the plans of the verdict's regressed statements before the rollback.
    void rolledBack(const vigil::Action &action, const vigil::ExecResult &result);
    /// inEffect: 1 in effect, 0 not, -1 unknown (error says why)
    void inspected(const vigil::Action &action, int inEffect, const QString &error);
    /// dropped: 1 the INVALID index was dropped, 0 there was none (any more), -1 it could not be (error says why)
    void cleanedUp(const vigil::Action &action, int dropped, const QString &error);
    /// The executor works on a new session (the old one was lost): its backend pid changed.
    void sessionChanged(int backendPid);

private:
    /// Opens a new session first when the old one is gone, so a call never fails on a session that died idle.
    bool ready(QString *error);
    /// Emits sessionChanged() when a step opened a new session.
    void reportSession();

    Executor::Options m_options;
    int m_reconnectionsSeen = 0;
    std::unique_ptr<Executor> m_executor;
};

} // namespace vigil

Q_DECLARE_METATYPE(vigil::ExecResult)

// SPDX-License-Identifier: MIT
#pragma once

#include "Engine.h"

#include <QObject>

#include <functional>
#include <memory>

namespace vigil {

class EngineRunner;
class MainWindow;

/**
 * The engine the window watches, replaced when the DBA connects elsewhere (File → Connect…) or tries the same
 * target again (File → Reconnect): no restart of the application. The old engine stops before the new one starts,
 * so two engines never watch at once.
 */
class TargetSession : public QObject
{
    Q_OBJECT
public:
    /// baseConfig: everything but the target (store, policy, limits, thresholds), read at each connect so what
    /// the DBA changed in Settings since start-up applies; the mode is the window's.
    TargetSession(MainWindow *window, std::function<EngineConfig()> baseConfig, QObject *parent = nullptr);
    ~TargetSession() override;

    /// Stops the current engine, if any, and watches this target. name is for display only (never the conninfo,
    /// which may hold a password).
    void connectTo(const QString &conninfo, const QString &name);
    /// The current target again, with a new engine (after a failed start or a lost server).
    void reconnect();

    EngineRunner *runner() const { return m_runner.get(); }
    QString targetName() const { return m_name; }

signals:
    /// A new engine is attached and starting (nullptr before the first one).
    void runnerChanged(vigil::EngineRunner *runner, const QString &name);

private:
    MainWindow *m_window;
    std::function<EngineConfig()> m_baseConfig;
    QString m_conninfo;
    QString m_name;
    std::unique_ptr<EngineRunner> m_runner;
};

} // namespace vigil

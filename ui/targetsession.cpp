// SPDX-License-Identifier: MIT
#include "targetsession.h"

#include "enginerunner.h"
#include "mainwindow.h"

namespace vigil {

TargetSession::TargetSession(MainWindow *window, std::function<EngineConfig()> baseConfig, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_baseConfig(std::move(baseConfig))
{
    connect(window, &MainWindow::connectRequested, this, &TargetSession::connectTo);
    connect(window, &MainWindow::reconnectRequested, this, &TargetSession::reconnect);
}

TargetSession::~TargetSession() = default;

void TargetSession::connectTo(const QString &conninfo, const QString &name)
{
    // The old engine lets go of its target (and its advisory lock) before the new one connects.
    if (m_runner)
        emit runnerChanged(nullptr, QString());
    m_runner.reset();
    m_conninfo = conninfo;
    m_name = name;
    EngineConfig config = m_baseConfig();
    config.targetConninfo = conninfo;
    config.mode = m_window->mode();
    m_runner = std::make_unique<EngineRunner>(config);
    m_window->attachEngine(m_runner.get(), name);
    emit runnerChanged(m_runner.get(), name);
    m_runner->start();
}

void TargetSession::reconnect()
{
    if (!m_conninfo.isEmpty())
        connectTo(m_conninfo, m_name);
}

} // namespace vigil

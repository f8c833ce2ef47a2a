// SPDX-License-Identifier: MIT
#include "enginerunner.h"

namespace vigil {

EngineRunner::EngineRunner(EngineConfig config, QObject *parent)
    : QObject(parent)
    , m_engine(new Engine(std::move(config)))
{
    m_thread.setObjectName(QStringLiteral("vigil-engine"));
    m_engine->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_engine, &QObject::deleteLater);
    // Queued: these cross from the engine thread to this object's thread, carrying values only.
    connect(m_engine, &Engine::started, this, &EngineRunner::started, Qt::QueuedConnection);
    connect(m_engine->events(), &EventBus::published, this, &EngineRunner::event, Qt::QueuedConnection);
    connect(m_engine, &Engine::storedSamplesLoaded, this, &EngineRunner::storedSamplesLoaded, Qt::QueuedConnection);
    connect(m_engine, &Engine::actionFinished, this, &EngineRunner::actionFinished, Qt::QueuedConnection);
    connect(m_engine, &Engine::actionRefused, this, &EngineRunner::actionRefused, Qt::QueuedConnection);
}

EngineRunner::~EngineRunner()
{
    if (m_thread.isRunning() || m_thread.isFinished())
        stop(); // the engine is deleted in its thread as the thread ends
    else
        delete m_engine; // never started: no thread ran to delete it (LeakSanitizer found it in tst_fleetpage)
}

void EngineRunner::start()
{
    m_thread.start();
    QMetaObject::invokeMethod(m_engine, &Engine::startQueued, Qt::QueuedConnection);
}

void EngineRunner::stop()
{
    if (!m_thread.isRunning())
        return;
    // The engine stops its timers and its executor thread in its own thread, then this thread ends.
    QMetaObject::invokeMethod(m_engine, &Engine::stop, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    m_engine = nullptr;
}

void EngineRunner::submit(const Action &action)
{
    if (m_engine)
        QMetaObject::invokeMethod(
            m_engine, [engine = m_engine, action] { engine->submit(action); }, Qt::QueuedConnection);
}

void EngineRunner::setPaused(bool paused)
{
    if (m_engine)
        QMetaObject::invokeMethod(
            m_engine, [engine = m_engine, paused] { engine->setPaused(paused); }, Qt::QueuedConnection);
}

void EngineRunner::setPolicy(const GuardPolicy &policy)
{
    if (m_engine)
        QMetaObject::invokeMethod(
            m_engine, [engine = m_engine, policy] { engine->setPolicy(policy); }, Qt::QueuedConnection);
}

void EngineRunner::propose(const Action &action)
{
    if (m_engine)
        QMetaObject::invokeMethod(
            m_engine, [engine = m_engine, action] { engine->propose(action); }, Qt::QueuedConnection);
}

void EngineRunner::approve(qint64 actionId, const QString &by)
{
    if (m_engine)
        QMetaObject::invokeMethod(
            m_engine, [engine = m_engine, actionId, by] { engine->approve(actionId, by); }, Qt::QueuedConnection);
}

void EngineRunner::reject(qint64 actionId, const QString &by)
{
    if (m_engine)
        QMetaObject::invokeMethod(
            m_engine, [engine = m_engine, actionId, by] { engine->reject(actionId, by); }, Qt::QueuedConnection);
}

void EngineRunner::recover()
{
    if (m_engine)
        QMetaObject::invokeMethod(m_engine, &Engine::recover, Qt::QueuedConnection);
}

void EngineRunner::setMode(Mode mode)
{
    if (m_engine)
        QMetaObject::invokeMethod(
            m_engine, [engine = m_engine, mode] { engine->setMode(mode); }, Qt::QueuedConnection);
}

void EngineRunner::setLimits(const ProposalLimits &limits)
{
    if (m_engine)
        QMetaObject::invokeMethod(
            m_engine, [engine = m_engine, limits] { engine->setLimits(limits); }, Qt::QueuedConnection);
}

void EngineRunner::setThresholds(const AnalyserThresholds &thresholds)
{
    if (m_engine)
        QMetaObject::invokeMethod(
            m_engine, [engine = m_engine, thresholds] { engine->setThresholds(thresholds); }, Qt::QueuedConnection);
}

void EngineRunner::confirmRollback(qint64 actionId, const QString &by)
{
    if (m_engine)
        QMetaObject::invokeMethod(
            m_engine, [engine = m_engine, actionId, by] { engine->confirmRollback(actionId, by); },
            Qt::QueuedConnection);
}

void EngineRunner::keepDespiteVerdict(qint64 actionId, const QString &by)
{
    if (m_engine)
        QMetaObject::invokeMethod(
            m_engine, [engine = m_engine, actionId, by] { engine->keepDespiteVerdict(actionId, by); },
            Qt::QueuedConnection);
}

void EngineRunner::setAskBeforeRollback(bool ask)
{
    if (m_engine)
        QMetaObject::invokeMethod(
            m_engine, [engine = m_engine, ask] { engine->setAskBeforeRollback(ask); }, Qt::QueuedConnection);
}

void EngineRunner::analyseNow()
{
    if (m_engine)
        QMetaObject::invokeMethod(m_engine, &Engine::analyseNow, Qt::QueuedConnection);
}

} // namespace vigil

// SPDX-License-Identifier: MIT
// Events per second through the NATS publisher, and what publishing costs the thread that publishes (the engine's).
// A private nats-server on a free port; a subscriber in the same process counts what arrives. For bursts of 10,000
// and 50,000 action events (~450 bytes of JSON each) it prints: the publishing thread's time per event without any
// publisher, with the publisher (connected), and with the server down; the end-to-end rate until the last event
// arrived; and what was dropped. Run by hand: build/bench/bench_natspublisher (not a test: a measurement).
#include "events/eventbus.h"
#include "events/natsconnection.h"
#include "events/natspublisher.h"
#include "natsserver.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QThread>

#include <atomic>
#include <cstdio>
#include <ctime>

using namespace vigil;
using namespace vigil::testing;

namespace {

/// A verdict's event as the engine publishes it: the action, the reason and the evidence.
EngineEvent verdictEvent(int i)
{
    Action action;
    action.id = i;
    action.target = QStringLiteral("127.0.0.1:5432/shop");
    action.kind = ActionKind::SetParameter;
    action.state = ActionState::Observing;
    action.applySql = QStringLiteral("ALTER SYSTEM SET work_mem = '64MB'");
    action.rollbackSql = QStringLiteral("ALTER SYSTEM RESET work_mem");
    return actionEvent(QStringLiteral("degraded"), action,
        QStringLiteral("p95 latency +41% vs baseline (0.212 ms -> 0.299 ms) for 3 samples in a row"),
        { { QStringLiteral("evidence"),
            QJsonObject { { QStringLiteral("metric"), QStringLiteral("latency_p95_ms") },
                { QStringLiteral("baseline"), 0.212 }, { QStringLiteral("window"), 0.299 },
                { QStringLiteral("samples"), QJsonArray { 0.31, 0.29, 0.30 } } } } });
}

double threadCpuSeconds()
{
    timespec ts {};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

/// CPU seconds the publishing thread spends on n events through the bus (with whatever is connected to it): the
/// engine's cost. CPU time, not wall time: on two cores the publisher's worker and libnats compete with this
/// thread for the CPU, which is the machine's load, not this thread's work.
double publishBurst(EventBus &bus, int n)
{
    const double start = threadCpuSeconds();
    for (int i = 0; i < n; ++i)
        bus.publish(verdictEvent(i));
    return threadCpuSeconds() - start;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    NatsServer server;
    QString error;
    if (!server.start(&error)) {
        std::fprintf(stderr, "cannot start nats-server: %s\n", qPrintable(error));
        return 1;
    }
    NatsOptions options;
    options.url = server.url();
    NatsConnection counter(options);
    std::atomic<qint64> received { 0 };
    if (!counter.open(&error)
        || !counter.subscribe(
            "vigil.>", [&received](const NatsMessage &) { ++received; }, &error)) {
        std::fprintf(stderr, "subscriber: %s\n", qPrintable(error));
        return 1;
    }
    counter.flush(2000);

    std::printf(
        "burst    engine thread CPU per event (us): bus only  +publisher  server down   end-to-end (ev/s)  dropped\n");
    for (const int n : { 10000, 50000 }) {
        // The bus alone: building and stamping the payload, what the engine pays anyway.
        EventBus plain;
        const double bare = publishBurst(plain, n);

        EventBus bus;
        NatsPublisher publisher(options);
        publisher.setTarget(QStringLiteral("127.0.0.1:5432/shop"));
        if (!publisher.start(&error)) {
            std::fprintf(stderr, "publisher: %s\n", qPrintable(error));
            return 1;
        }
        QObject::connect(&bus, &EventBus::published, &publisher, &NatsPublisher::publish);
        QThread::msleep(200);
        received = 0;
        QElapsedTimer wall;
        wall.start();
        const double withPublisher = publishBurst(bus, n);
        // Until every event is accounted for and the subscriber has everything handed to libnats (or 30 s).
        while (wall.elapsed() < 30000
            && (publisher.publishedCount() + publisher.droppedCount() < quint64(n)
                || received.load() < qint64(publisher.publishedCount())))
            QThread::msleep(1);
        const double endToEnd = double(wall.nsecsElapsed()) / 1e9;
        const qint64 got = received.load();
        const quint64 dropped = publisher.droppedCount();
        publisher.stop();

        // The same burst with the server gone: the caller must not notice.
        NatsServer nowhere;
        if (!nowhere.start(&error))
            return 1;
        nowhere.stop();
        NatsOptions down = options;
        down.url = nowhere.url();
        EventBus downBus;
        NatsPublisher downPublisher(down);
        downPublisher.setTarget(QStringLiteral("x"));
        downPublisher.start(&error);
        QObject::connect(&downBus, &EventBus::published, &downPublisher, &NatsPublisher::publish);
        const double whileDown = publishBurst(downBus, n);
        downPublisher.stop(0);

        std::printf("%-8d %45.2f  %10.2f  %11.2f  %18.0f  %llu (received %lld)\n", n, bare / n * 1e6,
            withPublisher / n * 1e6, whileDown / n * 1e6, double(got) / endToEnd, (unsigned long long)dropped, got);
    }
    counter.close(0);
    return 0;
}

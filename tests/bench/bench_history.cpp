// SPDX-License-Identifier: MIT
// Targets (issue 4): the history page opens a journal of 100,000 actions and shows its first page in under 300 ms;
// a CSV export of 100,000 rows takes under 1 s. A plain executable: each figure is the median of several runs of a
// cold-for-Qt operation (a new model, store connection and page each time; the file is in the OS cache after the
// first).
//
// Usage: bench_history [--store PATH] [--actions N] [--runs R]
// The journal is built once through KnowledgeStore (about a minute for 100,000 actions) and kept at PATH
// (default: build/bench/history-<N>.sqlite) for the next runs.
#include "actionfiltermodel.h"
#include "actionhistorymodel.h"
#include "csvwriter.h"
#include "historypage.h"
#include "store/knowledgestore.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QSignalSpy>
#include <QSysInfo>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <memory>
#include <vector>

using namespace vigil;

namespace {

QJsonObject verdict(int i, bool rollback)
{
    QJsonArray samples;
    for (int s = 1; s <= 12; ++s)
        samples.append(QJsonObject { { QStringLiteral("index"), s }, { QStringLiteral("t"), 1.7e9 + 5 * s },
            { QStringLiteral("state"), rollback && s > 3 ? QStringLiteral("degraded") : QStringLiteral("clean") },
            { QStringLiteral("latency_pct"), rollback && s > 3 ? 18.0 + s : 0.4 * (s % 3) },
            { QStringLiteral("throughput_pct"), rollback && s > 3 ? -6.5 : 0.2 } });
    QJsonArray regressed;
    if (rollback)
        regressed.append(QJsonObject { { QStringLiteral("queryid"), QString::number(7000 + i % 50) },
            { QStringLiteral("query"),
                QStringLiteral("SELECT o.* FROM orders o JOIN customers c ON c.id = o.customer_id "
                               "WHERE o.created_at > $1 ORDER BY o.created_at DESC LIMIT $2") },
            { QStringLiteral("baseline_mean_ms"), 0.81 }, { QStringLiteral("window_mean_ms"), 1.07 },
            { QStringLiteral("change_pct"), 32.1 } });
    return QJsonObject { { QStringLiteral("verdict"), rollback ? QStringLiteral("rollback") : QStringLiteral("keep") },
        { QStringLiteral("reason"), QStringLiteral("p95 latency +23.4% over samples 4-12 (1.20 ms -> 1.48 ms)") },
        { QStringLiteral("metric"), rollback ? QStringLiteral("p95_latency") : QStringLiteral("none") },
        { QStringLiteral("change_pct"), rollback ? 23.4 : -0.8 }, { QStringLiteral("baseline_value"), 1.2 },
        { QStringLiteral("window_value"), rollback ? 1.48 : 1.19 },
        { QStringLiteral("first_sample"), rollback ? 4 : 0 }, { QStringLiteral("last_sample"), rollback ? 12 : 0 },
        { QStringLiteral("decided_t"), 1.7e9 + 60 }, { QStringLiteral("extended"), false },
        { QStringLiteral("baseline"), QStringLiteral("p95 1.20 ms, 812 tps, 3.1 busy sessions over 60 s") },
        { QStringLiteral("regressed"), regressed }, { QStringLiteral("samples"), samples } };
}

/// A journal shaped like a busy one: 40 % of the actions went through a verdict (with its evidence), the rest were
/// proposed, rejected or are waiting; five targets; parameter, index and SQL actions.
bool buildJournal(const QString &path, int count)
{
    QString error;
    auto store = KnowledgeStore::open(path, &error);
    if (!store) {
        std::fprintf(stderr, "cannot open %s: %s\n", qPrintable(path), qPrintable(error));
        return false;
    }
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < count; ++i) {
        Action a;
        a.target = QStringLiteral("db%1.example.net:5432/app").arg(i % 5);
        a.origin = i % 3 ? ActionOrigin::Auto : ActionOrigin::User;
        switch (i % 3) {
        case 0:
            a.kind = ActionKind::SetParameter;
            a.applySql = QStringLiteral("ALTER SYSTEM SET work_mem = '%1MB'").arg(4 + i % 60);
            a.rollbackSql = QStringLiteral("ALTER SYSTEM RESET work_mem");
            a.details = QJsonObject { { QStringLiteral("name"), QStringLiteral("work_mem") },
                { QStringLiteral("value"), QStringLiteral("%1MB").arg(4 + i % 60) },
                { QStringLiteral("previous_value"), QStringLiteral("4MB") } };
            break;
        case 1:
            a.kind = ActionKind::CreateIndex;
            a.applySql = QStringLiteral("CREATE INDEX CONCURRENTLY orders_created_%1_idx ON public.orders (created_at, "
                                        "customer_id)")
                             .arg(i);
            a.rollbackSql = QStringLiteral("DROP INDEX CONCURRENTLY public.orders_created_%1_idx").arg(i);
            break;
        default:
            a.kind = ActionKind::Sql;
            a.applySql = QStringLiteral("UPDATE app_config SET batch = %1 WHERE name = 'export'").arg(i % 1000);
            a.rollbackSql = QStringLiteral("UPDATE app_config SET batch = 100 WHERE name = 'export'");
            break;
        }
        a.reason = QStringLiteral("seq scans on orders: 1,284/min, 92 % of reads; an index on created_at would serve "
                                  "the dashboard's query (\"last orders\")");
        const int fate = i % 10;
        a.state = fate < 4 ? ActionState::Applying
            : fate == 4    ? ActionState::Rejected
            : fate == 5    ? ActionState::AwaitingApproval
                           : ActionState::Proposed;
        const qint64 id = store->createAction(a);
        bool ok = id > 0;
        if (ok && fate < 4) {
            const bool rollback = fate == 0;
            const QJsonObject evidence = verdict(i, rollback);
            ok = store->transition(id, ActionState::Observing, QStringLiteral("applied; observing for 60 s"))
                && (rollback ? store->transition(id, ActionState::RollingBack,
                                   evidence.value(QLatin1StringView("reason")).toString(), evidence)
                            && store->transition(id, ActionState::RolledBack,
                                evidence.value(QLatin1StringView("reason")).toString(), evidence)
                             : store->transition(id, ActionState::Kept,
                                 QStringLiteral("no harmful change: p95 -0.8%, throughput +0.2%"), evidence));
        }
        if (!ok) {
            std::fprintf(stderr, "cannot write action %d: %s\n", i, qPrintable(store->lastError()));
            return false;
        }
        if ((i + 1) % 10000 == 0)
            std::fprintf(stderr, "  %d actions (%.0f s)\n", i + 1, timer.elapsed() / 1000.0);
    }
    return true;
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

long rssKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLong();
    }
    return -1;
}

void report(const char *what, const std::vector<double> &ms)
{
    std::printf("%-62s median %8.1f ms   (min %.1f, max %.1f, %zu runs)\n", what, median(ms),
        *std::min_element(ms.begin(), ms.end()), *std::max_element(ms.begin(), ms.end()), ms.size());
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addOptions({ { QStringLiteral("store"), QStringLiteral("The journal to use (built when missing)."),
                            QStringLiteral("PATH") },
        { QStringLiteral("actions"), QStringLiteral("Actions in the journal (default 100000)."), QStringLiteral("N"),
            QStringLiteral("100000") },
        { QStringLiteral("runs"), QStringLiteral("Runs per figure (default 7)."), QStringLiteral("R"),
            QStringLiteral("7") } });
    parser.addHelpOption();
    parser.process(app);
    const int count = parser.value(QStringLiteral("actions")).toInt();
    const int runs = qMax(1, parser.value(QStringLiteral("runs")).toInt());
    QString path = parser.value(QStringLiteral("store"));
    if (path.isEmpty())
        path = QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("history-%1.sqlite").arg(count));

    {
        QString error;
        auto store = QFileInfo::exists(path) ? KnowledgeStore::open(path, &error) : nullptr;
        if (!store || store->countActions() != count) {
            store.reset();
            for (const QString &suffix : { QString(), QStringLiteral("-wal"), QStringLiteral("-shm") })
                QFile::remove(path + suffix);
            std::fprintf(stderr, "building a journal of %d actions in %s\n", count, qPrintable(path));
            if (!buildJournal(path, count))
                return 1;
        }
    }
    std::printf(
        "journal: %s, %d actions, %.1f MiB\n", qPrintable(path), count, QFileInfo(path).size() / (1024.0 * 1024.0));
    std::printf("Qt %s, %s\n", qVersion(), qPrintable(QSysInfo::prettyProductName()));

    // 1. Opening the page: the store's connection, the first page of rows, the first paint of the table.
    std::vector<double> openStore, firstPage, firstPaint, total;
    for (int run = 0; run < runs; ++run) {
        QElapsedTimer timer;
        timer.start();
        ActionHistoryModel model(path);
        const double opened = timer.nsecsElapsed() / 1e6;
        HistoryPage page(&model);
        page.setRefreshInterval(0);
        page.resize(1280, 800);
        page.show();
        auto *view = page.findChild<QTableView *>(QStringLiteral("historyTable"));
        // The view asks for the first page from its delayed layout: let the event loop run until it has.
        while (model.rowCount() == 0)
            QCoreApplication::processEvents();
        const double fetched = timer.nsecsElapsed() / 1e6;
        view->viewport()->repaint(); // paints now, synchronously: the rows are on screen
        const double painted = timer.nsecsElapsed() / 1e6;
        if (!QTest::qWaitForWindowExposed(&page))
            std::fprintf(stderr, "the page was never exposed\n");
        openStore.push_back(opened);
        firstPage.push_back(fetched - opened);
        firstPaint.push_back(painted - fetched);
        total.push_back(painted);
        if (run == 0)
            std::printf("first page: %d rows of %lld\n", model.rowCount(), model.totalCount());
    }
    std::printf("\nOpen the history page on %d actions and show the first page (target < 300 ms)\n", count);
    report("  construct the model (its reader opens the store on its own thread)", openStore);
    report("  page built and shown, first page fetched (500 rows)", firstPage);
    report("  first paint of the table", firstPaint);
    report("  total: constructor to painted rows", total);

    // 2. Export: every row read from the store and written as CSV through the filter proxy, as [Export CSV…] does.
    QTemporaryDir dir;
    const QString csv = dir.filePath(QStringLiteral("history.csv"));
    std::vector<double> readAll, write, clickPath, stalls;
    long rssLoaded = 0;
    long rssBefore = 0;
    qint64 bytes = 0;
    for (int run = 0; run < runs; ++run) {
        ActionHistoryModel model(path);
        ActionFilterModel filter;
        filter.setSourceModel(&model);
        filter.sort(ActionHistoryModel::TimeColumn, Qt::DescendingOrder); // the page's default order
        if (run == 0)
            rssBefore = rssKiB();
        QElapsedTimer timer;
        timer.start();
        QSignalSpy finished(&model, &ActionHistoryModel::readAllFinished);
        // How long the GUI thread's event loop goes without running while the rows arrive: a timer that should fire
        // every 5 ms, and the longest gap between two of its ticks.
        QElapsedTimer sinceTick;
        sinceTick.start();
        double longestGap = 0;
        QTimer ticker;
        ticker.setInterval(5);
        QObject::connect(&ticker, &QTimer::timeout, [&] {
            longestGap = std::max(longestGap, sinceTick.nsecsElapsed() / 1e6);
            sinceTick.restart();
        });
        ticker.start();
        model.readAll();
        if (!finished.wait(120000) || !finished.at(0).at(0).toBool()) {
            std::fprintf(stderr, "readAll failed: %s\n", qPrintable(model.errorString()));
            return 1;
        }
        ticker.stop();
        const double read = timer.nsecsElapsed() / 1e6;
        stalls.push_back(longestGap);
        CsvWriter writer;
        writer.setRole(ActionHistoryModel::ExportRole);
        if (!writer.exportModel(filter, csv) || writer.rowsWritten() != count) {
            std::fprintf(stderr, "export failed: %s\n", qPrintable(writer.errorString()));
            return 1;
        }
        const double written = timer.nsecsElapsed() / 1e6;
        readAll.push_back(read);
        write.push_back(written - read);
        if (run == 0)
            rssLoaded = rssKiB(); // one model holds every row (the page's model below is not built yet)
        bytes = QFileInfo(csv).size();

        // The button itself, with the page's progress and its own proxy: from the first page shown to the file saved.
        ActionHistoryModel pageModel(path);
        HistoryPage page(&pageModel);
        page.setRefreshInterval(0);
        page.setProgressThreshold(INT_MAX); // no dialog offscreen: its painting is not the export's cost
        page.setExportPathProvider([&] { return csv; });
        page.show();
        while (pageModel.rowCount() == 0)
            QCoreApplication::processEvents();
        QSignalSpy exported(&page, &HistoryPage::exported);
        timer.restart();
        page.exportCsv();
        if (!exported.wait(120000)) {
            std::fprintf(stderr, "the page's export did not finish\n");
            return 1;
        }
        clickPath.push_back(timer.nsecsElapsed() / 1e6);
    }
    std::printf("\nCSV export of %d rows (target < 1 s), %.1f MiB written\n", count, bytes / (1024.0 * 1024.0));
    report("  read the rest of the journal into the model (readAll, on the reader's thread)", readAll);
    report("  longest the GUI thread's event loop waited meanwhile (5 ms timer)", stalls);
    report("  write the CSV through the filter proxy (CsvWriter, QSaveFile)", write);
    report("  [Export CSV…] on the page: readAll + write", clickPath);
    std::printf("\nRSS before loading the rows: %.0f MiB, with all %d rows in one model: %.0f MiB\n",
        rssBefore / 1024.0, count, rssLoaded / 1024.0);
    return 0;
}

// SPDX-License-Identifier: MIT
// Produces the README/docs screenshots from the real application: a sandbox database under pgbench load, a
// harmful guarded change (index scans off while bitmap scans are off: every lookup becomes a sequential scan), the
// automatic rollback, and the window captured at that moment. Run by scripts/screenshots under Xvfb.
#include "actionhistorymodel.h"
#include "dashboardpage.h"
#include "enginerunner.h"
#include "mainwindow.h"
#include "sandbox.h"
#include "sandboxshowcase.h"
#include "settings.h"

#include <QAction>
#include <QApplication>
#include <QDialog>
#include <QDir>
#include <QLineEdit>
#include <QListWidget>
#include <QProcess>
#include <QPushButton>
#include <QScreen>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>

#include <cstdio>
#include <functional>

namespace {
/// Triggers a File menu action of the window, waits for the modal dialog it opens, lets prepare fill it in, saves a
/// picture of it and closes it (exec() returns, and with it trigger()).
void grabDialog(
    QWidget &window, const char *actionName, const QString &path, const std::function<void(QDialog *)> &prepare)
{
    QTimer::singleShot(800, &window, [path, prepare] {
        auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
        if (!dialog)
            return;
        if (prepare)
            prepare(dialog);
        QTimer::singleShot(500, dialog, [dialog, path] {
            dialog->grab().save(path);
            std::printf("%s\n", qPrintable(path));
            dialog->reject();
        });
    });
    if (QAction *action = window.findChild<QAction *>(QLatin1StringView(actionName)))
        action->trigger();
}
} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("VigilScreenshots"));
    QApplication::setApplicationName(QStringLiteral("vigil"));
    const QString outDir = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("docs/images");
    QDir().mkpath(outDir);

    vigil::SandboxOptions options;
    options.scale = 5;
    options.rate = 200;
    // As `vigil --sandbox` starts it: a lookup without its index and a client hoarding sessions, which the analyser
    // finds and, in approve mode, queues fixes for (the Findings, Approvals and Sessions pictures).
    options.showcase = true;
    vigil::Sandbox sandbox(options);
    QString error;
    if (!sandbox.start(&error)) {
        std::fprintf(stderr, "sandbox: %s\n", qPrintable(error));
        return 1;
    }
    // Make the demo harm visible: with bitmap scans off, turning index scans off leaves sequential scans only.
    QProcess psql;
    psql.start(QStringLiteral("psql"),
        { sandbox.conninfo(), QStringLiteral("-c"), QStringLiteral("ALTER SYSTEM SET enable_bitmapscan = off"),
            QStringLiteral("-c"), QStringLiteral("SELECT pg_reload_conf()") });
    psql.waitForFinished(10000);
    vigil::EngineConfig config;
    config.targetConninfo = sandbox.conninfo();
    config.storeLocation = QDir(outDir).absoluteFilePath(QStringLiteral("screenshot-store.sqlite"));
    QFile::remove(config.storeLocation);
    config.policy.intervalSeconds = 1;
    config.policy.baselineSeconds = 30;
    config.policy.windowSeconds = 20;
    config.analyseSeconds = 20;
    config.publishSessions = true; // as the application asks, for the Sessions page
    vigil::EngineRunner runner(config);
    vigil::Settings settings(QDir(outDir).absoluteFilePath(QStringLiteral("screenshot-settings.ini")));
    vigil::MainWindow window(&settings);
    window.resize(1280, 820);
    window.attachEngine(&runner, sandbox.displayName());
    window.showHistory(config.storeLocation);
    window.showHint(vigil::SandboxShowcase::whatToTry()); // what `vigil --sandbox` says at start
    window.show();
    runner.start();

    // What a new user sees first: the charts filling, the hint, the first findings counted on their page's badge.
    QTimer::singleShot(32000, &window, [&window, outDir] {
        window.dashboard()->refreshNow();
        const QString path = QDir(outDir).absoluteFilePath(QStringLiteral("sandbox-start.png"));
        window.grab().save(path);
        std::printf("%s\n", qPrintable(path));
        window.showHint(QString()); // dismissed, as a user would, before the harmful change
    });

    // Let the charts fill, then apply the harmful change; capture once it has been rolled back (and a few seconds
    // later, so the recovery after the rollback shows too).
    QTimer::singleShot(35000, &window, [&runner] {
        vigil::Action action;
        action.kind = vigil::ActionKind::SetParameter;
        action.applySql = QStringLiteral("ALTER SYSTEM SET enable_indexscan = off");
        action.details = { { QStringLiteral("name"), QStringLiteral("enable_indexscan") },
            { QStringLiteral("value"), QStringLiteral("off") } };
        action.reason = QStringLiteral("screenshot: a harmful change");
        runner.submit(action);
    });
    int code = 1;
    QObject::connect(&runner, &vigil::EngineRunner::actionFinished, &window, [&](const vigil::Action &done) {
        QTimer::singleShot(12000, &window, [&, done] {
            window.dashboard()->refreshNow();
            const QString path = QDir(outDir).absoluteFilePath(QStringLiteral("dashboard-rollback.png"));
            window.grab().save(path);
            std::printf("%s (action %lld: %s)\n", qPrintable(path), done.id, qPrintable(vigil::stateName(done.state)));
            code = done.state == vigil::ActionState::RolledBack ? 0 : 1;
            // Then the History page with the rolled-back action selected, its evidence in the details pane.
            window.findChild<QListWidget *>(QStringLiteral("navigation"))->setCurrentRow(1);
            QTimer::singleShot(1500, &window, [&window, outDir] {
                // The rolled-back action (a proposal of the analyser's may be newer).
                if (auto *table = window.findChild<QTableView *>(QStringLiteral("historyTable"))) {
                    for (int row = 0; row < table->model()->rowCount(); ++row) {
                        if (table->model()->index(row, 0).data(vigil::ActionHistoryModel::StateRole).toString()
                            == QLatin1StringView("rolled_back")) {
                            table->selectRow(row);
                            break;
                        }
                    }
                }
                QTimer::singleShot(1000, &window, [&window, outDir] {
                    const QString history = QDir(outDir).absoluteFilePath(QStringLiteral("history.png"));
                    window.grab().save(history);
                    std::printf("%s\n", qPrintable(history));
                    // The same action's Plans tab: a regressed statement's plan before the change and with it.
                    if (auto *tabs = window.findChild<QTabWidget *>(QStringLiteral("historyDetailTabs"))) {
                        tabs->setCurrentIndex(1);
                        QApplication::processEvents();
                        const QString plans = QDir(outDir).absoluteFilePath(QStringLiteral("history-plans.png"));
                        window.grab().save(plans);
                        std::printf("%s\n", qPrintable(plans));
                        tabs->setCurrentIndex(0);
                    }
                    // Then the Findings page, its first finding selected.
                    auto *nav = window.findChild<QListWidget *>(QStringLiteral("navigation"));
                    for (int row = 0; row < nav->count(); ++row)
                        if (nav->item(row)->text().startsWith(QLatin1StringView("Findings")))
                            nav->setCurrentRow(row);
                    QTimer::singleShot(1500, &window, [&window, outDir] {
                        const QString findings = QDir(outDir).absoluteFilePath(QStringLiteral("findings.png"));
                        window.grab().save(findings);
                        std::printf("%s\n", qPrintable(findings));
                        // The Approvals page (Ctrl+3), then Settings and Connect opened from the File menu.
                        window.findChild<QListWidget *>(QStringLiteral("navigation"))->setCurrentRow(2);
                        QTimer::singleShot(1500, &window, [&window, outDir] {
                            const QString approvals = QDir(outDir).absoluteFilePath(QStringLiteral("approvals.png"));
                            window.grab().save(approvals);
                            std::printf("%s\n", qPrintable(approvals));
                            // A proposed index's card: what its verdict will be read from ("Judged on").
                            if (auto *queue = window.findChild<QTableView *>(QStringLiteral("approvalsTable"))) {
                                for (int row = 0; row < queue->model()->rowCount(); ++row) {
                                    const QString kind = queue->model()->index(row, 3).data().toString();
                                    if (kind == QLatin1StringView("create index")) {
                                        queue->selectRow(row);
                                        QApplication::processEvents();
                                        const QString card
                                            = QDir(outDir).absoluteFilePath(QStringLiteral("approvals-index.png"));
                                        window.grab().save(card);
                                        std::printf("%s\n", qPrintable(card));
                                        break;
                                    }
                                }
                            }
                            // The Statements page (Ctrl+5): the workload's statements and their change since the
                            // rolled-back action.
                            auto *pages = window.findChild<QListWidget *>(QStringLiteral("navigation"));
                            for (int row = 0; row < pages->count(); ++row)
                                if (pages->item(row)->text() == QLatin1StringView("Statements"))
                                    pages->setCurrentRow(row);
                            QApplication::processEvents();
                            const QString statements = QDir(outDir).absoluteFilePath(QStringLiteral("statements.png"));
                            window.grab().save(statements);
                            std::printf("%s\n", qPrintable(statements));
                            // The Sessions page (Ctrl+6): who is connected and what each runs.
                            for (int row = 0; row < pages->count(); ++row)
                                if (pages->item(row)->text() == QLatin1StringView("Sessions"))
                                    pages->setCurrentRow(row);
                            QApplication::processEvents();
                            const QString sessions = QDir(outDir).absoluteFilePath(QStringLiteral("sessions.png"));
                            window.grab().save(sessions);
                            std::printf("%s\n", qPrintable(sessions));
                            grabDialog(window, "actionSettings",
                                QDir(outDir).absoluteFilePath(QStringLiteral("settings.png")), {});
                            // Connect, tried on a port where nothing listens: the dialog says why and keeps nothing.
                            grabDialog(window, "actionConnect",
                                QDir(outDir).absoluteFilePath(QStringLiteral("connect.png")), [](QDialog *dialog) {
                                    dialog->findChild<QLineEdit *>(QStringLiteral("hostEdit"))
                                        ->setText(QStringLiteral("127.0.0.1"));
                                    dialog->findChild<QSpinBox *>(QStringLiteral("portEdit"))->setValue(1);
                                    dialog->findChild<QLineEdit *>(QStringLiteral("databaseEdit"))
                                        ->setText(QStringLiteral("app"));
                                    dialog->findChild<QLineEdit *>(QStringLiteral("userEdit"))
                                        ->setText(QStringLiteral("dba"));
                                    dialog->findChild<QPushButton *>(QStringLiteral("connectButton"))->click();
                                });
                            QApplication::quit();
                        });
                    });
                });
            });
        });
    });
    QTimer::singleShot(240000, &app, [] {
        std::fprintf(stderr, "timed out waiting for the rollback\n");
        QApplication::exit(1);
    });
    const int exitCode = QApplication::exec();
    runner.stop();
    return exitCode ? exitCode : code;
}

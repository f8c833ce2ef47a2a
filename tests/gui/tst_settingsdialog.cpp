// SPDX-License-Identifier: MIT
#include "settings.h"
#include "settingsdialog.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace vigil;

namespace {

template<typename T>
T *child(const QWidget &parent, const char *name)
{
    return parent.findChild<T *>(QLatin1StringView(name));
}

/// Replaces a field's text the way a user does: select all, then type over it.
void retype(QLineEdit *edit, const QString &text)
{
    QTest::keyClick(edit, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, text);
}

/// The fields a test types into, found by the object names the dialog documents.
struct Fields
{
    explicit Fields(const SettingsDialog &dialog)
        : interval(child<QLineEdit>(dialog, "intervalEdit"))
        , baseline(child<QLineEdit>(dialog, "baselineEdit"))
        , window(child<QLineEdit>(dialog, "windowEdit"))
        , latency(child<QLineEdit>(dialog, "latencyEdit"))
        , throughput(child<QLineEdit>(dialog, "throughputEdit"))
        , consecutive(child<QLineEdit>(dialog, "consecutiveEdit"))
        , rateLimit(child<QLineEdit>(dialog, "rateLimitEdit"))
        , cooldown(child<QLineEdit>(dialog, "cooldownEdit"))
        , tick(child<QLineEdit>(dialog, "tickEdit"))
        , mode(child<QComboBox>(dialog, "modeCombo"))
        , ask(child<QCheckBox>(dialog, "askBeforeRollbackCheck"))
        , error(child<QLabel>(dialog, "errorLabel"))
        , summary(child<QLabel>(dialog, "policySummary"))
        , ok(child<QPushButton>(dialog, "okButton"))
        , cancel(child<QPushButton>(dialog, "cancelButton"))
        , restore(child<QPushButton>(dialog, "restoreDefaultsButton"))
    { }

    bool complete() const
    {
        return interval && baseline && window && latency && throughput && consecutive && rateLimit && cooldown && tick
            && mode && ask && error && summary && ok && cancel && restore;
    }

    QStringList texts() const
    {
        return { interval->text(), baseline->text(), window->text(), latency->text(), throughput->text(),
            consecutive->text(), rateLimit->text(), cooldown->text(), tick->text() };
    }

    QLineEdit *interval;
    QLineEdit *baseline;
    QLineEdit *window;
    QLineEdit *latency;
    QLineEdit *throughput;
    QLineEdit *consecutive;
    QLineEdit *rateLimit;
    QLineEdit *cooldown;
    QLineEdit *tick;
    QComboBox *mode;
    QCheckBox *ask;
    QLabel *error;
    QLabel *summary;
    QPushButton *ok;
    QPushButton *cancel;
    QPushButton *restore;
};

const QStringList kDefaultTexts { QStringLiteral("5"), QStringLiteral("60"), QStringLiteral("60"), QStringLiteral("10"),
    QStringLiteral("10"), QStringLiteral("3"), QStringLiteral("6"), QStringLiteral("30"), QStringLiteral("1") };

} // namespace

class TestSettingsDialog : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_path;

    bool showAndWait(SettingsDialog &dialog)
    {
        dialog.show();
        return QTest::qWaitForWindowExposed(&dialog);
    }

private slots:
    void initTestCase()
    {
        // The fields read and write numbers in the user's locale: pin it so "12.5" means the same everywhere.
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
    }

    void init()
    {
        static int serial = 0;
        m_path = m_dir.filePath(QStringLiteral("settings-%1.ini").arg(++serial));
    }

    void showsTheCurrentSettings()
    {
        Settings settings(m_path);
        QVERIFY(settings.setSampleIntervalSeconds(10));
        settings.setMode(Settings::Mode::Observe);
        SettingsDialog dialog(&settings);
        QVERIFY(showAndWait(dialog));
        const Fields f(dialog);
        QVERIFY(f.complete());

        QCOMPARE(f.interval->text(), QStringLiteral("10"));
        QCOMPARE(f.window->text(), QStringLiteral("60"));
        QCOMPARE(f.mode->currentText(), QStringLiteral("Observe"));
        QVERIFY(!f.ask->isEnabled()); // asking first is a choice of approve mode only
        QVERIFY(f.ok->isEnabled());
        QVERIFY(!f.error->isVisible());
        QVERIFY2(f.summary->text().contains(QLatin1StringView("window 6")), qPrintable(f.summary->text()));
        // Every field says what it is for and in which unit.
        QVERIFY(f.interval->toolTip().contains(QLatin1StringView("seconds")));
        QVERIFY(f.latency->toolTip().contains(QLatin1StringView("percent")));
        QVERIFY(f.cooldown->toolTip().contains(QLatin1StringView("minutes")));
    }

    void rejectsWhatTheGuardCannotUse_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("typed");
        QTest::addColumn<QString>("message");

        auto row = [](const char *name, const char *field, const char *typed, const char *message) {
            QTest::newRow(name) << QString::fromLatin1(field) << QString::fromLatin1(typed)
                                << QString::fromUtf8(message);
        };
        row("negative latency threshold", "latencyEdit", "-5",
            "The latency threshold cannot be negative: enter 0 to 1000 %.");
        row("negative throughput threshold", "throughputEdit", "-10", "The throughput threshold cannot be negative");
        row("latency threshold too high", "latencyEdit", "5000",
            "The latency threshold must be 0 to 1000 % (not 5000).");
        row("throughput drop of 100 %", "throughputEdit", "100", "The throughput threshold must be 0 to 99 %");
        row("window shorter than the interval", "windowEdit", "3",
            "The observation window (3 s) must be at least one sample interval (5 s).");
        row("baseline shorter than the interval", "baselineEdit", "2",
            "The baseline (2 s) must be at least one sample interval (5 s).");
        row("more consecutive samples than the window holds", "consecutiveEdit", "13",
            "13 consecutive samples cannot fit in a window of 12 samples (60 s / 5 s).");
        row("interval not a multiple of the tick", "tickEdit", "2",
            "The sample interval (5 s) must be a whole multiple of the source's tick (2 s).");
        row("zero interval", "intervalEdit", "0", "The sample interval must be 0.1 to 3600 s (not 0).");
        row("empty interval", "intervalEdit", "", "The sample interval is empty: enter 0.1 to 3600 s.");
        row("lone minus sign", "cooldownEdit", "-", "The cool-down \u201c-\u201d is not a number.");
        row("no actions per hour", "rateLimitEdit", "0", "The rate limit must be 1 to 60 actions per hour (not 0).");
        row("zero consecutive", "consecutiveEdit", "0", "Consecutive samples must be 1 to 10000 samples (not 0).");
    }

    void rejectsWhatTheGuardCannotUse()
    {
        QFETCH(QString, field);
        QFETCH(QString, typed);
        QFETCH(QString, message);

        Settings settings(m_path);
        QSignalSpy policyChanged(&settings, &Settings::policyChanged);
        SettingsDialog dialog(&settings);
        QVERIFY(showAndWait(dialog));
        const Fields f(dialog);
        QVERIFY(f.complete());
        auto *edit = child<QLineEdit>(dialog, field.toLatin1().constData());
        QVERIFY(edit);
        const QString valid = edit->text();

        retype(edit, typed);
        QCOMPARE(edit->text(), typed); // the validator let it through, so that the label can explain it
        QVERIFY(f.error->isVisible());
        QVERIFY2(f.error->text().contains(message), qPrintable(f.error->text()));
        QVERIFY(!f.ok->isEnabled());
        QVERIFY(f.summary->text().isEmpty());

        // Enter in a field presses the default button, but not while something is wrong.
        QTest::keyClick(edit, Qt::Key_Return);
        QVERIFY(dialog.isVisible());
        QCOMPARE(dialog.result(), int(QDialog::Rejected));

        // Putting it right clears the message and enables OK again.
        retype(edit, valid);
        QVERIFY(!f.error->isVisible());
        QVERIFY(f.ok->isEnabled());

        QCOMPARE(policyChanged.count(), 0);
        QVERIFY(settings.sync());
        Settings onDisk(m_path);
        QCOMPARE(onDisk.guardPolicy().intervalSeconds, 5.0); // nothing written
    }

    void lettersCannotBeTyped()
    {
        Settings settings(m_path);
        SettingsDialog dialog(&settings);
        QVERIFY(showAndWait(dialog));
        const Fields f(dialog);
        QVERIFY(f.complete());
        retype(f.interval, QStringLiteral("1x0s"));
        QCOMPARE(f.interval->text(), QStringLiteral("10"));
        retype(f.consecutive, QStringLiteral("4.5"));
        QCOMPARE(f.consecutive->text(), QStringLiteral("45")); // a count has no decimals
    }

    void validValuesArePersistedAndAppliedAtOnce()
    {
        Settings settings(m_path);
        QSignalSpy policyChanged(&settings, &Settings::policyChanged);
        QSignalSpy askChanged(&settings, &Settings::askBeforeRollbackChanged);
        SettingsDialog dialog(&settings);
        QVERIFY(showAndWait(dialog));
        const Fields f(dialog);
        QVERIFY(f.complete());

        // In this order the interval (120 s) is longer than the window (60 s) for a while: the message shows,
        // then goes once the window is typed.
        retype(f.interval, QStringLiteral("10"));
        retype(f.tick, QStringLiteral("2"));
        retype(f.interval, QStringLiteral("120"));
        QVERIFY(!f.ok->isEnabled());
        retype(f.window, QStringLiteral("600"));
        retype(f.baseline, QStringLiteral("480"));
        retype(f.latency, QStringLiteral("12.5"));
        retype(f.throughput, QStringLiteral("20"));
        retype(f.consecutive, QStringLiteral("4"));
        retype(f.rateLimit, QStringLiteral("3"));
        retype(f.cooldown, QStringLiteral("45"));
        QVERIFY(f.ask->isEnabled());
        QTest::mouseClick(f.ask, Qt::LeftButton, {}, QPoint(4, f.ask->height() / 2)); // on the box itself
        QVERIFY(f.ask->isChecked());
        QVERIFY2(f.ok->isEnabled(), qPrintable(f.error->text()));
        QVERIFY2(f.summary->text().contains(QLatin1StringView("window 5")), qPrintable(f.summary->text()));

        QTest::mouseClick(f.ok, Qt::LeftButton);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QVERIFY(!dialog.isVisible());

        // The engine hears of it once, with everything in it.
        QCOMPARE(policyChanged.count(), 1);
        const auto policy = policyChanged.at(0).at(0).value<GuardPolicy>();
        QCOMPARE(policy.intervalSeconds, 120.0);
        QCOMPARE(policy.windowSeconds, 600.0);
        QCOMPARE(policy.baselineSeconds, 480.0);
        QCOMPARE(policy.latencyPct, 12.5);
        QCOMPARE(policy.throughputPct, 20.0);
        QCOMPARE(policy.consecutive, 4);
        QCOMPARE(askChanged.count(), 1);

        QVERIFY(settings.sync());
        Settings onDisk(m_path);
        QCOMPARE(onDisk.sampleIntervalSeconds(), 120.0);
        QCOMPARE(onDisk.windowSeconds(), 600.0);
        QCOMPARE(onDisk.baselineSeconds(), 480.0);
        QCOMPARE(onDisk.latencyThresholdPct(), 12.5);
        QCOMPARE(onDisk.throughputThresholdPct(), 20.0);
        QCOMPARE(onDisk.consecutiveSamples(), 4);
        QCOMPARE(onDisk.collectorTickSeconds(), 2.0);
        QCOMPARE(onDisk.rateLimitPerHour(), 3);
        QCOMPARE(onDisk.cooldownMinutes(), 45);
        QCOMPARE(onDisk.askBeforeRollback(), true);
        QCOMPARE(onDisk.mode(), Settings::Mode::Approve);
        QSettings raw(m_path, QSettings::IniFormat);
        QCOMPARE(raw.value(QStringLiteral("guard/latencyPct")).toString(), QStringLiteral("12.5"));
    }

    void modeIsChosenFromTheList()
    {
        Settings settings(m_path);
        QSignalSpy modeChanged(&settings, &Settings::modeChanged);
        SettingsDialog dialog(&settings);
        QVERIFY(showAndWait(dialog));
        const Fields f(dialog);
        QVERIFY(f.complete());

        QTest::keyClick(f.mode, Qt::Key_Down); // approve -> autonomous
        QCOMPARE(f.mode->currentText(), QStringLiteral("Autonomous"));
        QVERIFY(!f.ask->isEnabled());
        QCOMPARE(modeChanged.count(), 0); // nothing before OK
        QTest::keyClick(f.mode, Qt::Key_Return);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QCOMPARE(modeChanged.count(), 1);
        QCOMPARE(settings.mode(), Settings::Mode::Autonomous);
    }

    void rollingBackUnverifiedActionsIsAChoicePersisted()
    {
        Settings settings(m_path);
        QSignalSpy policyChanged(&settings, &Settings::policyChanged);
        {
            SettingsDialog dialog(&settings);
            QVERIFY(showAndWait(dialog));
            auto *check = dialog.findChild<QCheckBox *>(QStringLiteral("rollbackUnverifiedCheck"));
            QVERIFY(check);
            QVERIFY(!check->isChecked()); // default: keep it, marked unverified
            QVERIFY(!check->toolTip().isEmpty());
            QTest::mouseClick(check, Qt::LeftButton);
            QVERIFY(check->isChecked());
            QTest::mouseClick(Fields(dialog).ok, Qt::LeftButton);
            QCOMPARE(dialog.result(), int(QDialog::Accepted));
        }
        QCOMPARE(policyChanged.count(), 1);
        QVERIFY(settings.guardPolicy().rollbackWhenUnverified);
        Settings again(m_path);
        QVERIFY(again.guardPolicy().rollbackWhenUnverified);
        SettingsDialog dialog(&again);
        QVERIFY(dialog.findChild<QCheckBox *>(QStringLiteral("rollbackUnverifiedCheck"))->isChecked());
    }

    void restoreDefaultsResetsTheFields()
    {
        Settings settings(m_path);
        GuardPolicy custom;
        custom.intervalSeconds = 10;
        custom.windowSeconds = 120;
        custom.latencyPct = 30;
        QVERIFY(settings.setGuardPolicy(custom, 2));
        settings.setMode(Settings::Mode::Observe);
        QVERIFY(settings.setRateLimitPerHour(2));
        settings.setAskBeforeRollback(true);
        QSignalSpy policyChanged(&settings, &Settings::policyChanged);

        SettingsDialog dialog(&settings);
        QVERIFY(showAndWait(dialog));
        const Fields f(dialog);
        QVERIFY(f.complete());
        QVERIFY(f.texts() != kDefaultTexts);
        retype(f.throughput, QStringLiteral("-3")); // even from a wrong state
        QVERIFY(!f.ok->isEnabled());

        QTest::mouseClick(f.restore, Qt::LeftButton);
        QCOMPARE(f.texts(), kDefaultTexts);
        QCOMPARE(f.mode->currentText(), QStringLiteral("Approve"));
        QVERIFY(!f.ask->isChecked());
        QVERIFY(f.ok->isEnabled());
        QVERIFY(!f.error->isVisible());
        QCOMPARE(settings.sampleIntervalSeconds(), 10.0); // nothing saved before OK
        QCOMPARE(policyChanged.count(), 0);

        QTest::mouseClick(f.ok, Qt::LeftButton);
        QCOMPARE(policyChanged.count(), 1);
        QVERIFY(settings.sync());
        Settings onDisk(m_path);
        const GuardPolicy defaults;
        QCOMPARE(onDisk.sampleIntervalSeconds(), defaults.intervalSeconds);
        QCOMPARE(onDisk.windowSeconds(), defaults.windowSeconds);
        QCOMPARE(onDisk.latencyThresholdPct(), defaults.latencyPct);
        QCOMPARE(onDisk.collectorTickSeconds(), Settings::kDefaultTickSeconds);
        QCOMPARE(onDisk.mode(), Settings::Mode::Approve);
        QCOMPARE(onDisk.rateLimitPerHour(), Settings::kDefaultRateLimitPerHour);
        QCOMPARE(onDisk.askBeforeRollback(), false);
    }

    void theStorageProbeDirectoryIsCheckedAsItIsTyped()
    {
        Settings settings(m_path);
        SettingsDialog dialog(&settings);
        QVERIFY(showAndWait(dialog));
        const Fields f(dialog);
        QVERIFY(f.complete());
        auto *probe = child<QLineEdit>(dialog, "storageProbeDirEdit");
        QVERIFY(probe);
        QVERIFY(probe->text().isEmpty()); // no probe by default
        QVERIFY2(probe->toolTip().contains(QLatin1StringView("data directory")), qPrintable(probe->toolTip()));

        const QString file = m_dir.filePath(QStringLiteral("a-file"));
        QFile touch(file);
        QVERIFY(touch.open(QIODevice::WriteOnly));
        touch.close();
        const struct
        {
            QString typed;
            const char *said;
        } wrong[] = {
            { QStringLiteral("var/lib/vigil"), "absolute path" },
            { m_dir.filePath(QStringLiteral("missing")), "does not exist" },
            { file, "is a file" },
        };
        for (const auto &w : wrong) {
            retype(probe, w.typed);
            QVERIFY2(!f.ok->isEnabled(), qPrintable(w.typed));
            QVERIFY2(f.error->isVisible() && f.error->text().contains(QLatin1StringView(w.said)),
                qPrintable(f.error->text()));
        }

        retype(probe, m_dir.path());
        QVERIFY(f.ok->isEnabled());
        QVERIFY(!f.error->isVisible());
        QSignalSpy changed(&settings, &Settings::storageProbeDirectoryChanged);
        QTest::mouseClick(f.restore, Qt::LeftButton);
        QCOMPARE(probe->text(), m_dir.path()); // a place, not a threshold: Restore defaults leaves it
        QTest::mouseClick(f.ok, Qt::LeftButton);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(settings.storageProbeDirectory(), m_dir.path());
    }

    void theStorageProbeDirectoryCanBeBrowsedFor()
    {
        Settings settings(m_path);
        SettingsDialog dialog(&settings);
        QVERIFY(showAndWait(dialog));
        auto *probe = child<QLineEdit>(dialog, "storageProbeDirEdit");
        auto *browse = child<QPushButton>(dialog, "storageProbeBrowseButton");
        QVERIFY(probe && browse);
        const QString chosen = m_dir.filePath(QStringLiteral("chosen"));
        QVERIFY(QDir().mkpath(chosen));
        // The directory dialog is modal: answered from the event loop it runs, as a user would.
        bool answered = false;
        QTimer poll;
        poll.setInterval(50);
        connect(&poll, &QTimer::timeout, this, [&] {
            if (auto *files = qobject_cast<QFileDialog *>(QApplication::activeModalWidget())) {
                files->setDirectory(chosen); // as a user who opened it and clicks Choose
                static_cast<QDialog *>(files)->accept(); // QFileDialog::accept(), public through QDialog
                answered = true;
            }
        });
        poll.start();
        QTest::mouseClick(browse, Qt::LeftButton);
        poll.stop();
        QVERIFY(answered);
        QCOMPARE(probe->text(), chosen);
        QVERIFY(child<QPushButton>(dialog, "okButton")->isEnabled());
        QCOMPARE(settings.storageProbeDirectory(), QString()); // nothing saved before OK
    }

    void cancelWritesNothing()
    {
        Settings settings(m_path);
        QSignalSpy policyChanged(&settings, &Settings::policyChanged);
        SettingsDialog dialog(&settings);
        QVERIFY(showAndWait(dialog));
        const Fields f(dialog);
        QVERIFY(f.complete());
        retype(f.latency, QStringLiteral("50"));
        QTest::mouseClick(f.cancel, Qt::LeftButton);
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        QCOMPARE(policyChanged.count(), 0);
        QCOMPARE(settings.latencyThresholdPct(), 10.0);
    }
};

QTEST_MAIN(TestSettingsDialog)
#include "tst_settingsdialog.moc"

// SPDX-License-Identifier: MIT
// The detectors' thresholds in Settings (validated, persisted, hand edits out of range fall back to the default)
// and the dialog that edits them.
#include "detectorsettingsdialog.h"
#include "settings.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace vigil;

class TestDetectorSettings : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString ini() const { return m_dir.filePath(QStringLiteral("vigil.ini")); }

private slots:
    void init() { QFile::remove(ini()); }

    void defaultsPersistAndValidate()
    {
        Settings settings(ini());
        const AnalyserThresholds defaults;
        QCOMPARE(settings.analyserThresholds().minHitRatio, defaults.minHitRatio);
        QCOMPARE(settings.rollbackMemoryHours(), 24);

        AnalyserThresholds t;
        t.minHitRatio = 0.9;
        t.unusedMinStatsAgeSeconds = 86400;
        QSignalSpy changed(&settings, &Settings::analyserThresholdsChanged);
        QVERIFY(settings.setAnalyserThresholds(t));
        QCOMPARE(changed.count(), 1);
        QVERIFY(settings.setRollbackMemoryHours(48));
        QVERIFY(!settings.setRollbackMemoryHours(10000));
        t.minHitRatio = 7; // out of range: nothing is stored
        QString error;
        QVERIFY(!settings.setAnalyserThresholds(t, &error));
        QVERIFY(error.contains(QLatin1StringView("min_hit_ratio")));
        settings.sync();

        Settings again(ini());
        QCOMPARE(again.analyserThresholds().minHitRatio, 0.9);
        QCOMPARE(again.analyserThresholds().unusedMinStatsAgeSeconds, 86400.0);
        QCOMPARE(again.rollbackMemoryHours(), 48);
    }

    void handEditedNonsenseReadsAsTheDefault()
    {
        {
            QSettings raw(ini(), QSettings::IniFormat);
            raw.setValue(QStringLiteral("analyser/min_hit_ratio"), QStringLiteral("banana"));
            raw.setValue(QStringLiteral("analyser/min_samples"), QStringLiteral("-4"));
            raw.setValue(QStringLiteral("analyser/low_cpu_pct"), QStringLiteral("40"));
        }
        Settings settings(ini());
        const AnalyserThresholds defaults;
        QCOMPARE(settings.analyserThresholds().minHitRatio, defaults.minHitRatio);
        QCOMPARE(settings.analyserThresholds().minSamples, defaults.minSamples);
        QCOMPARE(settings.analyserThresholds().lowCpuPct, 40.0);
    }

    void dialogWritesValidValuesAndRefusesBadOnes()
    {
        Settings settings(ini());
        DetectorSettingsDialog dialog(&settings);
        QLineEdit *ratio = dialog.field(QStringLiteral("min_hit_ratio"));
        QVERIFY(ratio);
        QCOMPARE(QLocale().toDouble(ratio->text()), 0.95);
        QVERIFY(ratio->toolTip().contains(QLatin1StringView("Default")));

        ratio->setText(QStringLiteral("abc"));
        dialog.accept();
        QVERIFY(dialog.errorText().contains(QLatin1StringView("min_hit_ratio")));
        QCOMPARE(settings.analyserThresholds().minHitRatio, 0.95); // nothing written

        // A typed "-1" stays "-1" (a validator used to drop the minus without a word) and is refused as typed,
        // in red, with OK disabled until it is mended.
        ratio->clear();
        QTest::keyClicks(ratio, QStringLiteral("-1"));
        QCOMPARE(ratio->text(), QStringLiteral("-1"));
        QVERIFY2(dialog.errorText().contains(QLatin1StringView("min_hit_ratio")), qPrintable(dialog.errorText()));
        auto *ok = dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
        QVERIFY(!ok->isEnabled());

        ratio->clear();
        QTest::keyClicks(ratio, QLocale().toString(0.9));
        QVERIFY(ok->isEnabled());
        dialog.memoryField()->setText(QStringLiteral("72"));
        dialog.accept();
        QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
        QCOMPARE(settings.analyserThresholds().minHitRatio, 0.9);
        QCOMPARE(settings.rollbackMemoryHours(), 72);
    }

    void enterAfterRestoreDefaultsMeansOk()
    {
        Settings settings(ini());
        DetectorSettingsDialog dialog(&settings);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        dialog.memoryField()->setText(QStringLiteral("5"));
        QTest::mouseClick(
            dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::RestoreDefaults), Qt::LeftButton);
        QCOMPARE(dialog.memoryField()->text(), QString::number(Settings::kDefaultRollbackMemoryHours));
        QTest::keyClick(QApplication::focusWidget() ? QApplication::focusWidget() : &dialog, Qt::Key_Return);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QCOMPARE(settings.rollbackMemoryHours(), Settings::kDefaultRollbackMemoryHours);
    }
};

QTEST_MAIN(TestDetectorSettings)
#include "tst_detectorsettings.moc"

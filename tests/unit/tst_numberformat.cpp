// SPDX-License-Identifier: MIT
// Vigil's one way to write numbers: what the banner, History, the CSV and vigilctl show.
#include "metrics/numberformat.h"

#include <QTest>

using namespace vigil;

class TestNumberFormat : public QObject
{
    Q_OBJECT

private slots:
    void changes_data()
    {
        QTest::addColumn<double>("fraction");
        QTest::addColumn<QString>("text");
        QTest::newRow("small rise") << 0.3 << QStringLiteral("+30.0%");
        QTest::newRow("fall") << -0.87 << QStringLiteral("-87.0%");
        QTest::newRow("no change") << 0.0 << QStringLiteral("+0.0%");
        QTest::newRow("just under twice") << 0.99 << QStringLiteral("+99.0%");
        QTest::newRow("twice and a half") << 1.4 << QStringLiteral("×2.4");
        QTest::newRow("fifteen times") << 14.0 << QStringLiteral("×15");
        // The walkthrough's +158388.1%: 1,585 times the baseline.
        QTest::newRow("the walkthrough") << 1583.881 << QStringLiteral("×1,580");
        QTest::newRow("eleven thousand") << 11316.07 << QStringLiteral("×11,300");
    }
    void changes()
    {
        QFETCH(double, fraction);
        QFETCH(QString, text);
        QCOMPARE(numbers::change(fraction), text);
    }

    void values_data()
    {
        QTest::addColumn<double>("value");
        QTest::addColumn<QString>("text");
        QTest::newRow("tiny") << 0.05216 << QStringLiteral("0.0522");
        QTest::newRow("tens") << 82.64 << QStringLiteral("82.6");
        QTest::newRow("trailing zero dropped") << 1.2 << QStringLiteral("1.2");
        QTest::newRow("thousands") << 1298871.0 << QStringLiteral("1,300,000");
        QTest::newRow("zero") << 0.0 << QStringLiteral("0");
    }
    void values()
    {
        QFETCH(double, value);
        QFETCH(QString, text);
        QCOMPARE(numbers::significant(value), text);
    }

    void unitsFollowTheNumber()
    {
        QCOMPARE(numbers::milliseconds(0.07401), QStringLiteral("0.074 ms"));
        QCOMPARE(numbers::perSecond(1407.04, QStringLiteral("calls/s")), QStringLiteral("1,407 calls/s"));
        QCOMPARE(numbers::perSecond(83.46, QStringLiteral("calls/s")), QStringLiteral("83.5 calls/s"));
    }
};

QTEST_GUILESS_MAIN(TestNumberFormat)
#include "tst_numberformat.moc"

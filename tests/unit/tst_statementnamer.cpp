// SPDX-License-Identifier: MIT
// The statements' texts go out once each (collect/statementnamer.h): a text not known yet is asked for again, a long
// one is cut.
#include "collect/statementnamer.h"

#include <QTest>

using namespace vigil;

namespace {

Sample sampleOf(std::initializer_list<qint64> queryIds)
{
    Sample sample;
    for (const qint64 id : queryIds) {
        StatementInterval s;
        s.queryId = id;
        sample.statements.push_back(s);
    }
    return sample;
}

} // namespace

class TestStatementNamer : public QObject
{
    Q_OBJECT

private slots:
    void eachTextGoesOutOnceAndAnUnknownOneIsAskedAgain()
    {
        StatementNamer namer;
        QHash<qint64, QString> texts { { 1, QStringLiteral("SELECT 1") } };
        const QJsonObject first = namer.newTexts(sampleOf({ 1, 2 }), texts);
        QCOMPARE(first.size(), 1);
        QCOMPARE(first.value(QLatin1StringView("1")).toString(), QStringLiteral("SELECT 1"));

        texts.insert(2, QStringLiteral("UPDATE t SET a = $1"));
        const QJsonObject second = namer.newTexts(sampleOf({ 1, 2 }), texts);
        QCOMPARE(second.size(), 1); // 1 went out already; 2's text is known now
        QCOMPARE(second.value(QLatin1StringView("2")).toString(), QStringLiteral("UPDATE t SET a = $1"));

        QVERIFY(namer.newTexts(sampleOf({ 1, 2 }), texts).isEmpty());
    }

    void aLongTextIsCut()
    {
        StatementNamer namer;
        const QString huge(StatementNamer::kTextChars * 3, u'x');
        const QJsonObject named = namer.newTexts(sampleOf({ 9 }), { { 9, huge } });
        QCOMPARE(named.value(QLatin1StringView("9")).toString().size(), StatementNamer::kTextChars);
    }
};

QTEST_GUILESS_MAIN(TestStatementNamer)
#include "tst_statementnamer.moc"

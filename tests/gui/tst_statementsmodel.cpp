// SPDX-License-Identifier: MIT
// The Statements page's model on samples made by hand: pooling over the last minute (a mean of the calls, not of
// the samples' means), costliest first, texts from the engine's event, and the change since the last action.
#include "statementsmodel.h"

#include <QJsonObject>
#include <QTest>

using namespace vigil;

namespace {
Sample sample(double tEnd, std::vector<StatementInterval> statements, double seconds = 1.0)
{
    Sample s;
    s.tStart = tEnd - seconds;
    s.tEnd = tEnd;
    s.valid = true;
    s.statements = std::move(statements);
    return s;
}

StatementInterval statement(qint64 id, double calls, double meanMs)
{
    StatementInterval st;
    st.queryId = id;
    st.calls = calls;
    st.meanMs = meanMs;
    return st;
}

QString cell(const StatementsModel &m, int row, int column)
{
    return m.data(m.index(row, column)).toString();
}
} // namespace

class TestStatementsModel : public QObject
{
    Q_OBJECT
private slots:
    void poolsTheLastMinuteCostliestFirst()
    {
        StatementsModel m(60);
        // Statement 1: 100 calls of 0.1 ms, then 100 of 0.3 ms: pooled mean 0.2 ms, 100 calls/s, 20 ms/s.
        // Statement 2: 10 calls of 5 ms a second: 50 ms/s, the costliest.
        m.addSample(sample(1, { statement(1, 100, 0.1), statement(2, 10, 5) }));
        m.addSample(sample(2, { statement(1, 100, 0.3), statement(2, 10, 5) }));
        QCOMPARE(m.rowCount(), 2);
        QCOMPARE(m.data(m.index(0, 0), StatementsModel::QueryIdRole).toLongLong(), 2);
        QCOMPARE(cell(m, 0, StatementsModel::CallsColumn), QStringLiteral("10"));
        QCOMPARE(cell(m, 0, StatementsModel::TimeColumn), QStringLiteral("50 ms"));
        QCOMPARE(cell(m, 1, StatementsModel::MeanColumn), QStringLiteral("0.2 ms"));
        QCOMPARE(cell(m, 1, StatementsModel::CallsColumn), QStringLiteral("100"));
        QCOMPARE(cell(m, 0, StatementsModel::ShareColumn), QStringLiteral("71 %"));
        // Unnamed until the engine names it; then its text, on one line, whole in the tooltip.
        QCOMPARE(cell(m, 0, StatementsModel::StatementColumn), QStringLiteral("queryid 2"));
        m.onEvent(statusEvent(QStringLiteral("statements.named"),
            { { QStringLiteral("texts"),
                QJsonObject { { QStringLiteral("2"), QStringLiteral("SELECT *\n  FROM t WHERE id = $1") } } } }));
        QCOMPARE(cell(m, 0, StatementsModel::StatementColumn), QStringLiteral("SELECT * FROM t WHERE id = $1"));
        // Samples older than the minute leave the pool.
        m.addSample(sample(70, { statement(1, 100, 1.0) }));
        QCOMPARE(m.rowCount(), 1);
        QCOMPARE(cell(m, 0, StatementsModel::MeanColumn), QStringLiteral("1 ms"));
    }

    void theChangeSinceTheLastActionAgainstTheMinuteBeforeIt()
    {
        StatementsModel m(60);
        m.addSample(sample(1, { statement(1, 100, 0.1) }));
        QCOMPARE(cell(m, 0, StatementsModel::ChangeColumn), QString()); // no action yet
        Action created;
        created.id = 1;
        created.applySql = QStringLiteral("CREATE INDEX");
        m.onEvent(actionEvent(QStringLiteral("executed"), created));
        QCOMPARE(m.referenceAction(), QStringLiteral("CREATE INDEX"));
        QCOMPARE(m.rowCount(), 0); // the rows now show the database with the action in place
        m.addSample(sample(2, { statement(1, 100, 0.5), statement(3, 5, 1) }));
        QCOMPARE(m.rowCount(), 2);
        const int row1 = m.data(m.index(0, 0), StatementsModel::QueryIdRole).toLongLong() == 1 ? 0 : 1;
        QCOMPARE(cell(m, row1, StatementsModel::ChangeColumn), QStringLiteral("×5.0"));
        QCOMPARE(cell(m, 1 - row1, StatementsModel::ChangeColumn), QStringLiteral("new"));
        m.clear();
        QCOMPARE(m.rowCount(), 0);
        QVERIFY(m.referenceAction().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestStatementsModel)
#include "tst_statementsmodel.moc"

// SPDX-License-Identifier: MIT
#include "planview.h"

#include "act/planreader.h"
#include "historyformat.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QGridLayout>
#include <QJsonArray>
#include <QLabel>
#include <QPlainTextEdit>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace vigil {

namespace {
QPlainTextEdit *planBox(const QString &name, const QString &accessible, QWidget *parent)
{
    auto *box = new QPlainTextEdit(parent);
    box->setObjectName(name);
    box->setAccessibleName(accessible);
    box->setReadOnly(true);
    box->setLineWrapMode(QPlainTextEdit::NoWrap); // plans are indented trees: wrapping would break the indentation
    box->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return box;
}
} // namespace

PlanView::PlanView(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_stack = new QStackedWidget(this);
    layout->addWidget(m_stack);

    m_noneText = tr("No plans recorded for this action. Vigil reads the costliest statements' plans from "
                    "pg_stat_statements just before it applies an action, and the regressed statements' plans before "
                    "it rolls one back.");
    m_none = new QLabel(m_noneText, m_stack);
    m_none->setObjectName(QStringLiteral("plansPlaceholder"));
    m_none->setWordWrap(true);
    m_none->setAlignment(Qt::AlignCenter);
    m_none->setEnabled(false);
    m_stack->addWidget(m_none);

    auto *content = new QWidget(m_stack);
    auto *grid = new QGridLayout(content);
    grid->setContentsMargins(0, 0, 0, 0);
    m_statement = new QComboBox(content);
    m_statement->setObjectName(QStringLiteral("planStatement"));
    m_statement->setAccessibleName(tr("Statement whose plans are shown"));
    m_statement->setToolTip(tr("Statements with a recorded plan; those the verdict found slower come first"));
    m_statement->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_statement->setMinimumContentsLength(30);
    auto *statementLabel = new QLabel(tr("S&tatement:"), content);
    statementLabel->setBuddy(m_statement);
    m_verdict = new QLabel(content);
    m_verdict->setObjectName(QStringLiteral("planVerdict"));
    m_verdict->setWordWrap(true);
    m_before = planBox(QStringLiteral("planBefore"), tr("Plan before the action"), content);
    m_after = planBox(QStringLiteral("planAfter"), tr("Plan with the action in effect"), content);
    m_before->setToolTip(tr("The generic plan (EXPLAIN, nothing run) just before the action was applied"));
    m_after->setToolTip(tr("The generic plan with the action in effect, read just before the rollback"));
    grid->addWidget(statementLabel, 0, 0);
    grid->addWidget(m_statement, 0, 1, 1, 3);
    grid->addWidget(m_verdict, 1, 0, 1, 4);
    grid->addWidget(new QLabel(tr("Before the action"), content), 2, 0, 1, 2);
    grid->addWidget(new QLabel(tr("With the action"), content), 2, 2, 1, 2);
    grid->addWidget(m_before, 3, 0, 1, 2);
    grid->addWidget(m_after, 3, 2, 1, 2);
    grid->setColumnStretch(1, 1);
    grid->setColumnStretch(3, 1);
    grid->setRowStretch(3, 1);
    m_stack->addWidget(content);

    connect(m_statement, &QComboBox::currentIndexChanged, this, &PlanView::showPair);
}

std::vector<PlanView::Pair> PlanView::pairsFrom(const QJsonObject &details)
{
    // The journal's shape is the engine's (PlanReader::toJson); an entry without a statement says why none was read.
    std::vector<Pair> pairs;
    // Regressed statements first, in the verdict's order.
    for (const StatementPlan &s : PlanReader::fromJson(details.value(QLatin1StringView("plans_after")).toArray()))
        pairs.push_back({ s.queryId, s.query, {}, s.plan, {}, s.error, true });
    for (const StatementPlan &s : PlanReader::fromJson(details.value(QLatin1StringView("plans_before")).toArray())) {
        if (s.query.isEmpty())
            continue; // unavailableReason()
        auto p = std::find_if(pairs.begin(), pairs.end(), [&s](const Pair &p) { return p.queryId == s.queryId; });
        if (p == pairs.end())
            p = pairs.insert(pairs.end(), { s.queryId, s.query, {}, {}, {}, {}, false });
        p->before = s.plan;
        p->beforeNote = s.error;
    }
    for (Pair &p : pairs) {
        if (p.before.isEmpty() && p.beforeNote.isEmpty())
            p.beforeNote = QObject::tr("not read: the statement was not among the costliest when the action ran");
        if (!p.regressed)
            p.afterNote = QObject::tr("not read: Vigil plans again only the statements a rollback's verdict names");
    }
    return pairs;
}

QString PlanView::unavailableReason(const QJsonObject &details)
{
    for (const StatementPlan &s : PlanReader::fromJson(details.value(QLatin1StringView("plans_before")).toArray()))
        if (s.query.isEmpty())
            return s.error;
    return {};
}

bool PlanView::setDetails(const QJsonObject &details)
{
    m_pairs = pairsFrom(details);
    const QString why = unavailableReason(details);
    m_none->setText(why.isEmpty() ? m_noneText : tr("No plans recorded for this action: %1").arg(why));
    {
        const QSignalBlocker block(m_statement);
        m_statement->clear();
        for (const Pair &p : m_pairs)
            m_statement->addItem(
                (p.regressed ? tr("regressed: %1") : QStringLiteral("%1")).arg(shortSql(p.query, 120)), p.queryId);
    }
    m_stack->setCurrentIndex(m_pairs.empty() ? 0 : 1);
    showPair(m_pairs.empty() ? -1 : 0);
    return !m_pairs.empty();
}

void PlanView::showPair(int index)
{
    if (index < 0 || index >= int(m_pairs.size())) {
        m_before->clear();
        m_after->clear();
        m_verdict->clear();
        return;
    }
    const Pair &p = m_pairs[std::size_t(index)];
    m_statement->setToolTip(p.query);
    m_before->setPlainText(p.before.isEmpty() ? p.beforeNote : p.before);
    m_after->setPlainText(p.after.isEmpty() ? p.afterNote : p.after);
    if (!p.before.isEmpty() && !p.after.isEmpty())
        m_verdict->setText(p.before == p.after
                ? tr("Same generic plan before and with the action (a statement run with literal values may still "
                     "plan differently).")
                : tr("The plan changed with the action."));
    else
        m_verdict->setText(tr("Only one side of this statement's plans was recorded."));
}

} // namespace vigil

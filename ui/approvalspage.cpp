// SPDX-License-Identifier: MIT
#include "approvalspage.h"

#include "actionfiltermodel.h"
#include "actionhistorymodel.h"
#include "evidencetext.h"
#include "guard/actionreach.h"

#include <QCheckBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace vigil {

ApprovalsPage::ApprovalsPage(ActionHistoryModel *history, QWidget *parent)
    : QWidget(parent)
    , m_history(history)
{
    setObjectName(QStringLiteral("approvalsPage"));
    m_waiting = new ActionFilterModel(this);
    m_waiting->setSourceModel(history);
    m_waiting->setStates({ QStringLiteral("awaiting_approval") });

    m_empty = new QLabel(tr("Nothing is waiting for approval."), this);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("approvalsTable"));
    m_table->setAccessibleName(tr("Actions awaiting approval"));
    m_table->setModel(m_waiting);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    // The statement gets the room (it was cut to "CREATE INDEX CONCURREN…" beside a Reason taking all the width).
    m_table->horizontalHeader()->setSectionResizeMode(ActionHistoryModel::ActionColumn, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(ActionHistoryModel::ReasonColumn, QHeaderView::Stretch);
    m_table->verticalHeader()->hide();
    m_details = new QPlainTextEdit(this);
    m_details->setObjectName(QStringLiteral("approvalDetails"));
    m_details->setAccessibleName(tr("The selected action: what it does, why, and its evidence"));
    m_details->setReadOnly(true);
    m_details->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_approve = new QPushButton(tr("&Approve"), this);
    m_approve->setObjectName(QStringLiteral("approveButton"));
    m_approve->setToolTip(tr("Run it under watch: baseline, apply, observe, keep or roll back"));
    m_reject = new QPushButton(tr("&Reject"), this);
    m_reject->setObjectName(QStringLiteral("rejectButton"));
    m_reject->setToolTip(tr("Do not run it; the journal keeps it as rejected"));
    // One decision per card: the buttons stay off until the journal has been read again (the decided row then
    // leaves the page, or stays if the engine refused), so a second click cannot reach an action already decided.
    connect(m_approve, &QPushButton::clicked, this, [this] {
        if (const qint64 id = selectedId()) {
            setDecisionPending();
            emit approveRequested(id);
        }
    });
    connect(m_reject, &QPushButton::clicked, this, [this] {
        if (const qint64 id = selectedId()) {
            setDecisionPending();
            emit rejectRequested(id);
        }
    });
    connect(history, &ActionHistoryModel::readingDone, this, &ApprovalsPage::onSelectionChanged);
    connect(
        m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ApprovalsPage::onSelectionChanged);
    auto countChanged = [this] {
        m_empty->setVisible(pendingCount() == 0);
        if (!m_table->selectionModel()->hasSelection() && pendingCount() > 0)
            m_table->selectRow(0);
        onSelectionChanged();
        emit pendingCountChanged(pendingCount());
    };
    connect(m_waiting, &QAbstractItemModel::rowsInserted, this, countChanged);
    connect(m_waiting, &QAbstractItemModel::rowsRemoved, this, countChanged);
    connect(m_waiting, &QAbstractItemModel::modelReset, this, countChanged);
    connect(m_waiting, &QAbstractItemModel::dataChanged, this, countChanged);

    m_raw = new QCheckBox(tr("Show the evidence as recorded (JSON)"), this);
    m_raw->setObjectName(QStringLiteral("approvalRawEvidence"));
    connect(m_raw, &QCheckBox::toggled, this, &ApprovalsPage::onSelectionChanged);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_raw);
    buttons->addStretch(1);
    buttons->addWidget(m_reject);
    buttons->addWidget(m_approve);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_empty);
    layout->addWidget(m_table, 2);
    layout->addWidget(m_details, 1);
    layout->addLayout(buttons);
    countChanged();
}

int ApprovalsPage::pendingCount() const
{
    return m_waiting->rowCount();
}

qint64 ApprovalsPage::selectedId() const
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? 0 : rows.front().data(ActionHistoryModel::ActionIdRole).toLongLong();
}

void ApprovalsPage::setDecisionPending()
{
    m_approve->setEnabled(false);
    m_reject->setEnabled(false);
}

void ApprovalsPage::onSelectionChanged()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    m_approve->setEnabled(!rows.isEmpty());
    m_reject->setEnabled(!rows.isEmpty());
    if (rows.isEmpty()) {
        m_details->clear();
        return;
    }
    const QModelIndex row = rows.front();
    QString text = tr("Why: %1\n\nWill run:\n%2\n\nTaken back with:\n%3\n\nOn: %4")
                       .arg(row.data(ActionHistoryModel::ReasonRole).toString(),
                           row.data(ActionHistoryModel::ApplySqlRole).toString(),
                           row.data(ActionHistoryModel::RollbackSqlRole).toString(),
                           row.data(ActionHistoryModel::TargetRole).toString());
    // What the guard will read the verdict from: a DBA approving an index learns that a slowdown elsewhere will not
    // roll it back, or why (a trigger, a view) every statement counts.
    // Asking for the details starts their read (off the GUI thread) if they are not here; until they arrive the card
    // says so rather than judge from none: without them a new index reads as judged on its table's statements even
    // where a trigger widens that to every one. readingDone brings the card back here when they have.
    const QJsonObject details = row.data(ActionHistoryModel::DetailsRole).toJsonObject();
    if (!row.data(ActionHistoryModel::FullActionReadRole).toBool()) {
        m_details->setPlainText(text + tr("\n\nJudged on: reading the action's details…"));
        return;
    }
    text += tr("\n\nJudged on: %1")
                .arg(ActionReach::judgedOn(row.data(ActionHistoryModel::KindRole).toString(),
                    row.data(ActionHistoryModel::ApplySqlRole).toString(),
                    row.data(ActionHistoryModel::RollbackSqlRole).toString(), details));
    // An action a detector proposed carries its finding: the advice and the numbers behind it.
    const QJsonObject finding = details.value(QLatin1StringView("finding")).toObject();
    if (!finding.isEmpty()) {
        text += tr("\n\nFound by: %1 (%2, %3)")
                    .arg(finding.value(QLatin1StringView("detector")).toString(),
                        finding.value(QLatin1StringView("case")).toString(),
                        finding.value(QLatin1StringView("severity")).toString());
        if (const QString advice = finding.value(QLatin1StringView("advice")).toString(); !advice.isEmpty())
            text += u'\n' + advice;
        const QJsonObject evidence = finding.value(QLatin1StringView("evidence")).toObject();
        text += tr("\n\nEvidence:\n%1").arg(readableEvidence(evidence));
        if (m_raw->isChecked())
            text += tr("\n\nAs recorded (JSON):\n%1").arg(rawEvidence(evidence));
    }
    m_details->setPlainText(text);
}

} // namespace vigil

// SPDX-License-Identifier: MIT
#include "fleetpage.h"

#include "fleetmodel.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace vigil {

FleetPage::FleetPage(FleetModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
{
    setObjectName(QStringLiteral("fleetPage"));
    m_status = new QLabel(tr("NATS is off: set its URL in Settings (Ctrl+,) to see the fleet."), this);
    m_status->setObjectName(QStringLiteral("fleetStatus"));
    m_status->setWordWrap(true);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("fleetTable"));
    m_table->setModel(model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();
    m_events = new QListWidget(this);
    m_events->setObjectName(QStringLiteral("fleetEvents"));
    m_pending = new QLabel(this);
    m_pending->setObjectName(QStringLiteral("fleetPending"));
    m_pending->setWordWrap(true);
    m_approve = new QPushButton(tr("Approve"), this);
    m_approve->setObjectName(QStringLiteral("fleetApproveButton"));
    m_approve->setToolTip(tr("Ask that target's agent to run this action under watch"));
    m_reject = new QPushButton(tr("Reject"), this);
    m_reject->setObjectName(QStringLiteral("fleetRejectButton"));
    m_reject->setToolTip(tr("Ask that target's agent to close this action as rejected"));
    connect(m_approve, &QPushButton::clicked, this, [this] {
        if (m_pendingId)
            emit decisionRequested(selectedTarget(), m_pendingId, true);
    });
    connect(m_reject, &QPushButton::clicked, this, [this] {
        if (m_pendingId)
            emit decisionRequested(selectedTarget(), m_pendingId, false);
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &FleetPage::showSelected);
    connect(model, &FleetModel::targetChanged, this, [this](const QString &target) {
        if (target == selectedTarget())
            showSelected();
        else if (selectedTarget().isEmpty())
            selectTarget(target);
    });

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_pending, 1);
    buttons->addWidget(m_reject);
    buttons->addWidget(m_approve);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_status);
    layout->addWidget(m_table, 2);
    layout->addWidget(new QLabel(tr("Actions of the selected target, as published:"), this));
    layout->addWidget(m_events, 1);
    layout->addLayout(buttons);
    showSelected();
}

QString FleetPage::selectedTarget() const
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : m_model->target(rows.front().row());
}

void FleetPage::selectTarget(const QString &target)
{
    for (int row = 0; row < m_model->rowCount(); ++row)
        if (m_model->target(row) == target) {
            m_table->selectRow(row);
            return;
        }
}

void FleetPage::setStatus(const QString &text)
{
    m_status->setText(text);
}

void FleetPage::showSelected()
{
    const QString target = selectedTarget();
    m_events->clear();
    const QList<QJsonObject> history = m_model->history(target);
    for (qsizetype i = history.size() - 1; i >= 0; --i) { // newest first
        const QJsonObject &e = history.at(i);
        const QDateTime ts = QDateTime::fromString(e.value(QLatin1StringView("ts")).toString(), Qt::ISODateWithMs);
        m_events->addItem(QStringLiteral("%1  #%2  %3  %4  %5")
                              .arg(ts.toLocalTime().toString(QStringLiteral("HH:mm:ss")))
                              .arg(e.value(QLatin1StringView("action_id")).toInteger())
                              .arg(e.value(QLatin1StringView("event")).toString().mid(7),
                                  e.value(QLatin1StringView("apply_sql")).toString().left(80),
                                  e.value(QLatin1StringView("reason")).toString()));
    }
    const std::vector<FleetModel::Pending> pending = m_model->pendingApprovals(target);
    m_pendingId = pending.empty() ? 0 : pending.front().actionId;
    m_pending->setText(pending.empty()
            ? QString()
            : tr("#%1 waits for approval: %2").arg(m_pendingId).arg(pending.front().applySql.left(100)));
    m_approve->setEnabled(m_pendingId != 0);
    m_reject->setEnabled(m_pendingId != 0);
}

} // namespace vigil

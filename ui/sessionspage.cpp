// SPDX-License-Identifier: MIT
#include "sessionspage.h"

#include "sessionsmodel.h"

#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace vigil {

SessionsPage::SessionsPage(SessionsModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
{
    m_header = new QLabel(this);
    m_header->setObjectName(QStringLiteral("sessionsHeader"));
    m_header->setWordWrap(true);

    auto *sorted = new QSortFilterProxyModel(this);
    sorted->setSourceModel(model);
    sorted->setSortRole(SessionsModel::SortRole);
    sorted->setDynamicSortFilter(true);
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("sessionsView"));
    m_view->setAccessibleName(tr("Sessions of the target now, blocked ones first"));
    m_view->setModel(sorted);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(SessionsModel::BlockedByColumn, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->verticalHeader()->hide();
    m_view->setWordWrap(false);
    QHeaderView *header = m_view->horizontalHeader();
    header->setSectionResizeMode(SessionsModel::QueryColumn, QHeaderView::Stretch);
    for (int column = 0; column < SessionsModel::QueryColumn; ++column)
        header->setSectionResizeMode(column, QHeaderView::ResizeToContents);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_header);
    layout->addWidget(m_view, 1);
    connect(model, &QAbstractItemModel::modelReset, this, &SessionsPage::updateHeader);
    connect(model, &QAbstractItemModel::rowsInserted, this, &SessionsPage::updateHeader);
    connect(model, &QAbstractItemModel::rowsRemoved, this, &SessionsPage::updateHeader);
    connect(model, &QAbstractItemModel::headerDataChanged, this, &SessionsPage::updateHeader);
    updateHeader();
}

void SessionsPage::updateHeader()
{
    if (!m_model->hasReading()) {
        m_header->setText(tr("Waiting for the first reading of pg_stat_activity (every 5 s)."));
        return;
    }
    QString text = tr("%n session(s) connected to the target, %1 running a statement.", nullptr, m_model->rowCount())
                       .arg(m_model->activeCount());
    if (const int blocked = m_model->blockedCount(); blocked > 0) {
        QStringList blockers;
        for (const int pid : m_model->blockers())
            blockers << QString::number(pid);
        text += u' '
            + tr("%n session(s) wait for a lock held by %1 (first in the table).", nullptr, blocked)
                  .arg(blockers.join(QStringLiteral(", ")));
    } else {
        text += u' ' + tr("No session waits for another's lock.");
    }
    m_header->setText(text);
}

} // namespace vigil

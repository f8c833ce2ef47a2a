// SPDX-License-Identifier: MIT
#include "statementspage.h"

#include "historyformat.h"
#include "statementsmodel.h"

#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace vigil {

StatementsPage::StatementsPage(StatementsModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
{
    m_header = new QLabel(this);
    m_header->setObjectName(QStringLiteral("statementsHeader"));
    m_header->setWordWrap(true);

    auto *sorted = new QSortFilterProxyModel(this);
    sorted->setSourceModel(model);
    sorted->setSortRole(StatementsModel::SortRole);
    sorted->setDynamicSortFilter(true);
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("statementsView"));
    m_view->setAccessibleName(tr("Statements of the last minute, costliest first"));
    m_view->setModel(sorted);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(StatementsModel::TimeColumn, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->verticalHeader()->hide();
    m_view->setWordWrap(false);
    QHeaderView *header = m_view->horizontalHeader();
    header->setSectionResizeMode(StatementsModel::StatementColumn, QHeaderView::Stretch);
    // The numbers take the room they need (a 0.000631 ms mean is as wide as a 1,230 ms one), the text the rest.
    for (const int column : { int(StatementsModel::CallsColumn), int(StatementsModel::MeanColumn),
             int(StatementsModel::TimeColumn), int(StatementsModel::ShareColumn), int(StatementsModel::ChangeColumn) })
        header->setSectionResizeMode(column, QHeaderView::ResizeToContents);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_header);
    layout->addWidget(m_view, 1);
    connect(model, &QAbstractItemModel::modelReset, this, &StatementsPage::updateHeader);
    connect(model, &QAbstractItemModel::headerDataChanged, this, &StatementsPage::updateHeader);
    updateHeader();
}

void StatementsPage::updateHeader()
{
    const QString since = m_model->referenceAction().isEmpty()
        ? tr("No action yet: the last column fills in once one is applied.")
        : tr("\"Since the last action\" compares each statement's mean time with the minute before \"%1\".")
              .arg(shortSql(m_model->referenceAction(), 80));
    m_header->setText(m_model->rowCount() == 0
            ? tr("Waiting for the first sample with statement statistics (pg_stat_statements).")
            : tr("%n statement(s) ran in the last minute; time inside the server, per call and per second. %1", nullptr,
                m_model->rowCount())
                  .arg(since));
}

} // namespace vigil

// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QLabel;
class QTableView;

namespace vigil {

class StatementsModel;

/**
 * The statements behind the dashboard's numbers: the costliest statements of the last minute (pg_stat_statements as
 * the guard reads it), sortable, with each one's change since the last action. A statement's whole text is its
 * tooltip.
 */
class StatementsPage : public QWidget
{
    Q_OBJECT

public:
    StatementsPage(StatementsModel *model, QWidget *parent = nullptr);
    QTableView *view() const { return m_view; }

private:
    void updateHeader();

    StatementsModel *m_model;
    QLabel *m_header;
    QTableView *m_view;
};

} // namespace vigil

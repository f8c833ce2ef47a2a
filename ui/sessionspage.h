// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QLabel;
class QTableView;

namespace vigil {

class SessionsModel;

/**
 * The target's sessions now: who is connected, what each runs or waits for and for how long, and the lock waits
 * (which session blocks which), blocked ones first. A session's whole query is its tooltip.
 */
class SessionsPage : public QWidget
{
    Q_OBJECT

public:
    SessionsPage(SessionsModel *model, QWidget *parent = nullptr);
    QTableView *view() const { return m_view; }

private:
    void updateHeader();

    SessionsModel *m_model;
    QLabel *m_header;
    QTableView *m_view;
};

} // namespace vigil

// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QLabel;
class QListWidget;
class QPushButton;
class QTableView;

namespace vigil {

class FleetModel;

/**
 * The Fleet page: every target heard on NATS with its last state, last action and last rollback, live; below,
 * the selected target's action events, and Approve / Reject for the oldest of its actions waiting for approval
 * (a request to that target's agent, docs/events.md).
 */
class FleetPage : public QWidget
{
    Q_OBJECT
public:
    explicit FleetPage(FleetModel *model, QWidget *parent = nullptr);

    /// The selected target ("" when none).
    QString selectedTarget() const;
    void selectTarget(const QString &target);
    /// Shown above the table: where the fleet is heard from, or why not.
    void setStatus(const QString &text);

signals:
    void decisionRequested(const QString &target, qint64 actionId, bool approve);

private:
    void showSelected();

    FleetModel *m_model;
    QLabel *m_status = nullptr;
    QTableView *m_table = nullptr;
    QListWidget *m_events = nullptr;
    QLabel *m_pending = nullptr;
    QPushButton *m_approve = nullptr;
    QPushButton *m_reject = nullptr;
    qint64 m_pendingId = 0;
};

} // namespace vigil

// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QCheckBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace vigil {

class ActionFilterModel;
class ActionHistoryModel;

/**
 * Actions waiting for a person (Approve mode): what each would run, how Vigil would take it back, and why it was
 * proposed, with Approve and Reject. The page reads the journal through the history model and asks; the engine acts.
 */
class ApprovalsPage : public QWidget
{
    Q_OBJECT
public:
    explicit ApprovalsPage(ActionHistoryModel *history, QWidget *parent = nullptr);

    int pendingCount() const;

signals:
    void approveRequested(qint64 actionId);
    void rejectRequested(qint64 actionId);
    void pendingCountChanged(int count);

private:
    void onSelectionChanged();
    void setDecisionPending();
    qint64 selectedId() const;

    ActionHistoryModel *m_history;
    ActionFilterModel *m_waiting = nullptr;
    QTableView *m_table = nullptr;
    QPlainTextEdit *m_details = nullptr;
    QPushButton *m_approve = nullptr;
    QPushButton *m_reject = nullptr;
    QCheckBox *m_raw = nullptr; ///< the evidence as recorded (JSON) below the readable one
    QLabel *m_empty = nullptr;
};

} // namespace vigil

// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QWidget>

#include <vector>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QStackedWidget;

namespace vigil {

/**
 * A statement's plan before an action and with it, side by side: what a DBA reads to see why a statement regressed.
 *
 * The plans come from the action's journalled details: `plans_before` (the costliest statements, read just before
 * the action ran) and `plans_after` (the regressed statements, read just before the rollback). Regressed statements
 * come first in the chooser; a statement with only one side says why the other is missing.
 */
class PlanView : public QWidget
{
    Q_OBJECT
public:
    /// One statement's two plans (either may be missing).
    struct Pair
    {
        qint64 queryId = 0;
        QString query;
        QString before; ///< the plan, or empty
        QString after;
        QString beforeNote; ///< why there is no plan before, when there is none
        QString afterNote;
        bool regressed = false; ///< has a plan after: the verdict named it
    };

    explicit PlanView(QWidget *parent = nullptr);

    /// Shows the plans in an action's details; false when it holds none.
    bool setDetails(const QJsonObject &details);
    /// The statements with plans in `details`, regressed ones first.
    static std::vector<Pair> pairsFrom(const QJsonObject &details);
    /// Why no plan at all could be read for the action (pg_stat_statements missing, ...), when that was journalled.
    static QString unavailableReason(const QJsonObject &details);
    int statementCount() const { return int(m_pairs.size()); }

private:
    void showPair(int index);

    std::vector<Pair> m_pairs;
    QStackedWidget *m_stack = nullptr;
    QLabel *m_none = nullptr;
    QString m_noneText;
    QComboBox *m_statement = nullptr;
    QLabel *m_verdict = nullptr;
    QPlainTextEdit *m_before = nullptr;
    QPlainTextEdit *m_after = nullptr;
};

} // namespace vigil

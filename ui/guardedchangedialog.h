// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"

#include <QDialog>

#include <optional>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QPlainTextEdit;

namespace vigil {

/**
 * The DBA types a statement; Vigil shows what kind of change it recognised and the rollback it will use (editable:
 * a rollback typed here replaces the derived one). Accepting yields an Action for the engine; nothing touches the
 * database here.
 */
class GuardedChangeDialog : public QDialog
{
    Q_OBJECT
public:
    explicit GuardedChangeDialog(QWidget *parent = nullptr);

    /// The action to submit, once accepted.
    std::optional<Action> action() const { return m_action; }
    /// Propose it for approval (another person decides) instead of running it now.
    bool askForApproval() const;

private:
    void onSqlChanged();
    void updateApplyButton(); ///< Apply is enabled for a recognised statement, or one with a rollback typed
    void onAccept();

    QPlainTextEdit *m_sql = nullptr;
    QPlainTextEdit *m_rollback = nullptr;
    QLabel *m_kind = nullptr;
    QLabel *m_error = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
    QCheckBox *m_askApproval = nullptr;
    bool m_rollbackEdited = false;
    bool m_settingRollback = false;
    std::optional<Action> m_action;
};

} // namespace vigil

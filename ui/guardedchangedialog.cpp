// SPDX-License-Identifier: MIT
#include "guardedchangedialog.h"

#include "act/actionfromsql.h"
#include "act/sqlrecognizer.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace vigil {

GuardedChangeDialog::GuardedChangeDialog(QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Guarded change"));
    setObjectName(QStringLiteral("guardedChangeDialog"));
    resize(640, 420);
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);

    auto *layout = new QVBoxLayout(this);
    auto *sqlLabel = new QLabel(tr("Statement to apply (Vigil observes the database after it and takes it back if "
                                   "it makes things slower):"),
        this);
    layout->addWidget(sqlLabel);
    m_sql = new QPlainTextEdit(this);
    sqlLabel->setBuddy(m_sql); // what a screen reader says for the field
    m_sql->setObjectName(QStringLiteral("sqlEdit"));
    m_sql->setFont(mono);
    m_sql->setPlaceholderText(QStringLiteral("ALTER SYSTEM SET random_page_cost = 1.1"));
    m_sql->setToolTip(tr("ALTER SYSTEM SET/RESET, CREATE INDEX and DROP INDEX are recognised and taken back by "
                         "Vigil; anything else needs the rollback statement below"));
    layout->addWidget(m_sql, 2);
    m_kind = new QLabel(this);
    m_kind->setObjectName(QStringLiteral("kindLabel"));
    m_kind->setWordWrap(true);
    layout->addWidget(m_kind);
    auto *rollbackLabel = new QLabel(tr("Rollback (derived; edit it to use your own):"), this);
    layout->addWidget(rollbackLabel);
    m_rollback = new QPlainTextEdit(this);
    rollbackLabel->setBuddy(m_rollback);
    m_rollback->setObjectName(QStringLiteral("rollbackEdit"));
    m_rollback->setFont(mono);
    layout->addWidget(m_rollback, 1);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("errorLabel"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #cc0000"));
    layout->addWidget(m_error);
    m_askApproval = new QCheckBox(tr("Propose it for approval instead of running it now"), this);
    m_askApproval->setObjectName(QStringLiteral("askApproval"));
    m_askApproval->setToolTip(tr("It then waits on the Approvals page until someone approves or rejects it"));
    layout->addWidget(m_askApproval);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Apply under watch"));
    m_buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("applyButton"));
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &GuardedChangeDialog::onAccept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_sql, &QPlainTextEdit::textChanged, this, &GuardedChangeDialog::onSqlChanged);
    connect(m_rollback, &QPlainTextEdit::textChanged, this, [this] {
        // The preview that onSqlChanged() writes raises textChanged too: only the DBA's own typing counts, and
        // only the button follows it (calling onSqlChanged() here would write the preview again, without end).
        if (m_settingRollback)
            return;
        m_rollbackEdited = !m_rollback->toPlainText().trimmed().isEmpty();
        updateApplyButton();
    });
    onSqlChanged();
}

void GuardedChangeDialog::onSqlChanged()
{
    const QString sql = m_sql->toPlainText();
    const SqlRecognizer::Result r = SqlRecognizer::recognize(sql);
    QString kind;
    switch (r.kind) {
    case ActionKind::SetParameter:
        kind = tr("Parameter change: %1 (checked against pg_settings before it runs; applied with ALTER SYSTEM and a "
                  "reload)")
                   .arg(r.parameter);
        break;
    case ActionKind::CreateIndex:
        kind = tr("New index %1 on %2, built CONCURRENTLY (progress shown while it builds)").arg(r.index, r.table);
        break;
    case ActionKind::DropIndex:
        kind = tr("Drop index %1, CONCURRENTLY; its definition is saved to recreate it").arg(r.index);
        break;
    case ActionKind::Sql:
        kind = r.statements == 0 ? tr("Type a statement.")
                                 : tr("Your own statement: give the statement that takes it back.%1")
                                       .arg(r.note.isEmpty() ? QString() : QStringLiteral(" (") + r.note + u')');
        break;
    }
    m_kind->setText(kind);
    if (!m_rollbackEdited) {
        m_settingRollback = true;
        m_rollback->setPlainText(derivedRollbackPreview(sql));
        m_settingRollback = false;
    }
    updateApplyButton();
    m_error->clear();
}

void GuardedChangeDialog::updateApplyButton()
{
    const SqlRecognizer::Result r = SqlRecognizer::recognize(m_sql->toPlainText());
    const bool canApply
        = r.statements > 0 && (r.kind != ActionKind::Sql || !m_rollback->toPlainText().trimmed().isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(canApply);
}

bool GuardedChangeDialog::askForApproval() const
{
    return m_askApproval->isChecked();
}

void GuardedChangeDialog::onAccept()
{
    QString error;
    // The derived preview is not a statement to run: only a rollback the DBA typed is passed on.
    const QString rollback = m_rollbackEdited ? m_rollback->toPlainText() : QString();
    m_action = actionFromSql(m_sql->toPlainText(), rollback, &error);
    if (!m_action) {
        m_error->setText(error);
        return;
    }
    m_action->reason = tr("guarded change from the desktop app");
    accept();
}

} // namespace vigil

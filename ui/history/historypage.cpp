// SPDX-License-Identifier: MIT
#include "historypage.h"

#include "actionfiltermodel.h"
#include "actionhistorymodel.h"
#include "csvwriter.h"
#include "evidenceview.h"
#include "historyformat.h"
#include "planview.h"

#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressDialog>
#include <QPushButton>
#include <QScopeGuard>
#include <QShortcut>
#include <QSplitter>
#include <QStandardPaths>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <memory>
#include <utility>

namespace vigil {

namespace {

constexpr int kDefaultRefreshMs = 2000;

QPlainTextEdit *sqlBox(const QString &name, const QString &placeholder, QWidget *parent)
{
    auto *box = new QPlainTextEdit(parent);
    box->setObjectName(name);
    box->setReadOnly(true);
    box->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    box->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    box->setPlaceholderText(placeholder);
    box->setTabChangesFocus(true); // read-only: Tab should move on, not be swallowed
    return box;
}

} // namespace

HistoryPage::HistoryPage(ActionHistoryModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
{
    setObjectName(QStringLiteral("historyPage"));
    m_filter = new ActionFilterModel(this);
    m_filter->setSourceModel(m_model);

    // The filter bar.
    m_filterEdit = new QLineEdit(this);
    m_filterEdit->setObjectName(QStringLiteral("historyFilter"));
    m_filterEdit->setAccessibleName(tr("Filter the history"));
    m_filterEdit->setPlaceholderText(tr("Filter by SQL, target or reason (Ctrl+F)"));
    m_filterEdit->setToolTip(tr("Shows only the actions whose statement, target or reason contains this text "
                                "(case does not matter)"));
    m_filterEdit->setClearButtonEnabled(true);
    connect(m_filterEdit, &QLineEdit::textChanged, m_filter, &ActionFilterModel::setText);

    m_statusCombo = new QComboBox(this);
    m_statusCombo->setObjectName(QStringLiteral("historyStatusFilter"));
    m_statusCombo->setToolTip(tr("Shows only the actions in this status"));
    m_statusCombo->addItem(tr("All statuses"), QStringList());
    for (const ActionState state : { ActionState::Kept, ActionState::RolledBack, ActionState::Failed,
             ActionState::Observing, ActionState::Applying, ActionState::RollingBack, ActionState::AwaitingApproval,
             ActionState::Proposed, ActionState::Rejected, ActionState::Dropped })
        m_statusCombo->addItem(statusIcon(state), stateLabel(state), QStringList { stateName(state) });
    connect(m_statusCombo, &QComboBox::currentIndexChanged, this, &HistoryPage::onStatusChosen);

    m_count = new QLabel(this);
    m_count->setObjectName(QStringLiteral("historyCount"));
    m_count->setToolTip(tr("Actions shown by the filter, and how much of the journal is loaded (scroll for more)"));

    m_exportButton = new QPushButton(tr("Export CSV…"), this);
    m_exportButton->setObjectName(QStringLiteral("historyExport"));
    m_exportButton->setIcon(QIcon::fromTheme(QStringLiteral("document-export")));
    m_exportButton->setToolTip(tr("Saves the actions the filter shows, from the whole journal, as a CSV file "
                                  "(RFC 4180, UTF-8, times in ISO 8601 with their offset)"));
    connect(m_exportButton, &QPushButton::clicked, this, &HistoryPage::exportCsv);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_filterEdit, 2);
    bar->addWidget(m_statusCombo);
    bar->addStretch(1);
    bar->addWidget(m_count);
    bar->addWidget(m_exportButton);

    // The table.
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("historyTable"));
    m_view->setAccessibleName(tr("Action history"));
    m_view->setModel(m_filter);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(ActionHistoryModel::TimeColumn, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->setTextElideMode(Qt::ElideRight);
    m_view->verticalHeader()->hide();
    // Fixed row heights: with thousands of rows the view must not measure each one.
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    QHeaderView *header = m_view->horizontalHeader();
    header->setSectionsMovable(true);
    header->setStretchLastSection(true);
    const int em = fontMetrics().horizontalAdvance(u'M');
    header->resizeSection(ActionHistoryModel::TimeColumn,
        fontMetrics().horizontalAdvance(QStringLiteral("2026-11-27 14:05:09")) + em * 2);
    // Widths from the longest label a column shows (no ResizeToContents: it would measure every loaded row).
    const int padding = em * 2;
    header->resizeSection(ActionHistoryModel::TargetColumn, em * 12);
    header->resizeSection(ActionHistoryModel::ActionColumn, em * 26);
    header->resizeSection(
        ActionHistoryModel::KindColumn, fontMetrics().horizontalAdvance(kindLabel(ActionKind::CreateIndex)) + padding);
    header->resizeSection(ActionHistoryModel::OriginColumn,
        std::max(fontMetrics().horizontalAdvance(tr("Origin")), fontMetrics().horizontalAdvance(QStringLiteral("auto")))
            + padding);
    header->resizeSection(ActionHistoryModel::StatusColumn,
        fontMetrics().horizontalAdvance(stateLabel(ActionState::AwaitingApproval))
            + m_view->style()->pixelMetric(QStyle::PM_SmallIconSize) + padding);

    // The details of the selected action.
    m_details = new QWidget(this);
    m_details->setObjectName(QStringLiteral("historyDetails"));
    auto *detailsLayout = new QVBoxLayout(m_details);
    detailsLayout->setContentsMargins(0, 0, 0, 0);
    m_detailsTitle = new QLabel(m_details);
    m_detailsTitle->setObjectName(QStringLiteral("historyDetailsTitle"));
    m_detailsTitle->setTextFormat(Qt::PlainText);
    m_detailsTitle->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont titleFont = m_detailsTitle->font();
    titleFont.setBold(true);
    m_detailsTitle->setFont(titleFont);
    detailsLayout->addWidget(m_detailsTitle);

    auto *detailsSplitter = new QSplitter(Qt::Horizontal, m_details);
    detailsSplitter->setChildrenCollapsible(false);
    auto *sqlPane = new QWidget(detailsSplitter);
    auto *sqlLayout = new QVBoxLayout(sqlPane);
    sqlLayout->setContentsMargins(0, 0, 0, 0);
    m_applySql = sqlBox(QStringLiteral("applySql"), tr("Select an action to see its statement"), sqlPane);
    m_applySql->setToolTip(tr("The statement Vigil ran (or would run) on the target"));
    m_rollbackSql = sqlBox(QStringLiteral("rollbackSql"), tr("No rollback statement"), sqlPane);
    m_rollbackSql->setToolTip(tr("The statement that takes the action back"));
    auto *applyLabel = new QLabel(tr("&Apply SQL"), sqlPane);
    applyLabel->setBuddy(m_applySql);
    auto *rollbackLabel = new QLabel(tr("&Rollback SQL"), sqlPane);
    rollbackLabel->setBuddy(m_rollbackSql);
    sqlLayout->addWidget(applyLabel);
    sqlLayout->addWidget(m_applySql, 1);
    sqlLayout->addWidget(rollbackLabel);
    sqlLayout->addWidget(m_rollbackSql, 1);
    // The verdict's evidence and, beside it, the plans of the statements it names.
    m_detailTabs = new QTabWidget(detailsSplitter);
    m_detailTabs->setObjectName(QStringLiteral("historyDetailTabs"));
    m_evidence = new EvidenceView(m_detailTabs);
    m_evidence->setObjectName(QStringLiteral("historyEvidence"));
    m_plans = new PlanView(m_detailTabs);
    m_plans->setObjectName(QStringLiteral("historyPlans"));
    m_detailTabs->addTab(m_evidence, tr("&Evidence"));
    m_detailTabs->addTab(m_plans, tr("&Plans"));
    m_detailTabs->setTabToolTip(1, tr("Statements' plans before the action and with it"));
    detailsSplitter->addWidget(sqlPane);
    detailsSplitter->addWidget(m_detailTabs);
    detailsSplitter->setStretchFactor(0, 2);
    detailsSplitter->setStretchFactor(1, 3);
    detailsLayout->addWidget(detailsSplitter, 1);

    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->setObjectName(QStringLiteral("historySplitter"));
    m_splitter->addWidget(m_view);
    m_splitter->addWidget(m_details);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);

    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("historyMessage"));
    m_message->setTextFormat(Qt::PlainText);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->hide();

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_splitter, 1);
    layout->addWidget(m_message);

    auto *find = new QShortcut(QKeySequence::Find, this);
    find->setContext(Qt::WidgetWithChildrenShortcut);
    connect(find, &QShortcut::activated, this, [this] {
        m_filterEdit->setFocus(Qt::ShortcutFocusReason);
        m_filterEdit->selectAll();
    });

    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &HistoryPage::onCurrentChanged);
    connect(m_filter, &QAbstractItemModel::dataChanged, this, &HistoryPage::onFilterDataChanged);
    for (const auto signal : { &QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved })
        connect(m_filter, signal, this, &HistoryPage::updateCount);
    connect(m_filter, &QAbstractItemModel::modelReset, this, &HistoryPage::updateCount);
    connect(m_filter, &QAbstractItemModel::layoutChanged, this, &HistoryPage::updateCount);
    connect(m_model, &ActionHistoryModel::totalCountChanged, this, &HistoryPage::updateCount);
    connect(m_model, &ActionHistoryModel::readAllProgress, this, &HistoryPage::onReadAllProgress);
    connect(m_model, &ActionHistoryModel::readAllFinished, this, &HistoryPage::onReadAllFinished);
    connect(m_model, &ActionHistoryModel::errorOccurred, this,
        [this](const QString &message) { showMessage(tr("Could not read the journal: %1").arg(message), true); });
    if (!m_model->errorString().isEmpty())
        showMessage(tr("Could not read the journal: %1").arg(m_model->errorString()), true);

    m_refreshTimer.setInterval(kDefaultRefreshMs);
    connect(&m_refreshTimer, &QTimer::timeout, m_model, &ActionHistoryModel::refresh);

    showDetails({});
    updateCount();
}

HistoryPage::~HistoryPage() = default;

void HistoryPage::setExportPathProvider(std::function<QString()> provider)
{
    m_exportPath = std::move(provider);
}

void HistoryPage::setRefreshInterval(int milliseconds)
{
    m_refreshTimer.setInterval(qMax(0, milliseconds));
    if (milliseconds <= 0)
        m_refreshTimer.stop();
    else if (isVisible())
        m_refreshTimer.start();
}

void HistoryPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_refreshTimer.interval() > 0) {
        m_model->refresh(); // what happened while the page was hidden, at once
        m_refreshTimer.start();
    }
}

void HistoryPage::hideEvent(QHideEvent *event)
{
    m_refreshTimer.stop(); // nobody looks: no polling
    QWidget::hideEvent(event);
}

bool HistoryPage::selectAction(qint64 actionId)
{
    for (int row = 0; row < m_filter->rowCount(); ++row) {
        const QModelIndex index = m_filter->index(row, 0);
        if (index.data(ActionHistoryModel::ActionIdRole).toLongLong() == actionId) {
            m_view->setCurrentIndex(index);
            m_view->scrollTo(index);
            return true;
        }
    }
    return false;
}

void HistoryPage::showAction(qint64 actionId)
{
    if (selectAction(actionId)) {
        emit actionShown(actionId);
        return;
    }
    m_filterEdit->clear();
    m_statusCombo->setCurrentIndex(0);
    if (selectAction(actionId)) {
        emit actionShown(actionId);
        return;
    }
    // Not loaded yet, or not merged yet (a notification can name an action journaled a moment ago): read what
    // changed and the rest of the journal, then look again (onReadAllFinished).
    m_pendingAction = actionId;
    m_model->refresh();
    m_model->readAll();
}

void HistoryPage::onStatusChosen(int comboIndex)
{
    m_filter->setStates(m_statusCombo->itemData(comboIndex).toStringList());
}

void HistoryPage::onCurrentChanged(const QModelIndex &current)
{
    showDetails(current);
}

void HistoryPage::onFilterDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight)
{
    const QModelIndex current = m_view->currentIndex();
    if (current.isValid() && current.row() >= topLeft.row() && current.row() <= bottomRight.row())
        showDetails(current); // the selected action moved on (e.g. observing -> kept): its evidence is new
}

void HistoryPage::showDetails(const QModelIndex &index)
{
    if (!index.isValid()) {
        m_detailsTitle->setText(tr("Select an action to see its SQL and the evidence behind its verdict."));
        m_applySql->clear();
        m_rollbackSql->clear();
        m_evidence->setEvidence({});
        m_plans->setDetails({});
        m_detailTabs->setTabText(1, tr("&Plans"));
        return;
    }
    const auto state = stateFromName(index.data(ActionHistoryModel::StateRole).toString());
    const auto kind = kindFromName(index.data(ActionHistoryModel::KindRole).toString());
    m_detailsTitle->setText(
        tr("Action %1 · %2 · %3 · %4 on %5")
            .arg(index.data(ActionHistoryModel::ActionIdRole).toLongLong())
            .arg(state ? stateLabel(*state) : QString(),
                formatLocalTime(index.data(ActionHistoryModel::CreatedAtRole).toDateTime()),
                kind ? kindLabel(*kind) : QString(), index.data(ActionHistoryModel::TargetRole).toString()));
    const QString apply = index.data(ActionHistoryModel::ApplySqlRole).toString();
    const QString rollback = index.data(ActionHistoryModel::RollbackSqlRole).toString();
    // setPlainText resets the scroll position: only when the text is another action's.
    if (m_applySql->toPlainText() != apply)
        m_applySql->setPlainText(apply);
    if (m_rollbackSql->toPlainText() != rollback)
        m_rollbackSql->setPlainText(rollback);
    m_evidence->setEvidence(index.data(ActionHistoryModel::EvidenceRole).toJsonObject());
    m_plans->setDetails(index.data(ActionHistoryModel::DetailsRole).toJsonObject());
    m_detailTabs->setTabText(
        1, m_plans->statementCount() > 0 ? tr("&Plans (%1)").arg(m_plans->statementCount()) : tr("&Plans"));
}

void HistoryPage::updateCount()
{
    const int shown = m_filter->rowCount();
    const qint64 loaded = m_model->rowCount();
    const qint64 total = m_model->totalCount();
    if (total < 0) {
        m_count->setText(tr("%n action(s)", nullptr, shown));
    } else if (m_model->canFetchMore({})) {
        m_count->setText(tr("%1 shown · newest %2 of %3 loaded")
                             .arg(QLocale().toString(shown), QLocale().toString(loaded), QLocale().toString(total)));
    } else {
        m_count->setText(tr("%1 of %2 actions").arg(QLocale().toString(shown), QLocale().toString(total)));
    }
}

void HistoryPage::showMessage(const QString &text, bool error)
{
    m_message->setText(text);
    m_message->setProperty("error", error);
    m_message->setVisible(!text.isEmpty());
}

QString HistoryPage::askForExportPath()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    const QString suggested
        = QDir(dir).filePath(QStringLiteral("vigil-history-%1.csv")
                                 .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmm"))));
    QString path = QFileDialog::getSaveFileName(
        this, tr("Export history as CSV"), suggested, tr("CSV files (*.csv);;All files (*)"));
    if (!path.isEmpty() && QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".csv");
    return path;
}

void HistoryPage::exportCsv()
{
    if (m_exporting)
        return; // one export at a time: the button is disabled until it ends
    const QString path = m_exportPath ? m_exportPath() : askForExportPath();
    if (path.isEmpty())
        return;

    // Nothing may move under the writer: a merge in the middle would shift the rows it walks.
    m_exporting = true;
    m_exportCanceled = false;
    m_exportTo = path;
    m_refreshAfterExport = m_refreshTimer.isActive();
    m_refreshTimer.stop();
    m_exportButton->setEnabled(false);
    if (qMax<qint64>(m_model->totalCount(), m_model->rowCount()) > m_progressThreshold) {
        m_exportProgress = std::make_unique<QProgressDialog>(tr("Reading the journal…"), tr("Cancel"), 0, 100, this);
        m_exportProgress->setObjectName(QStringLiteral("historyExportProgress"));
        m_exportProgress->setWindowTitle(tr("Export CSV"));
        m_exportProgress->setWindowModality(Qt::WindowModal);
        m_exportProgress->setMinimumDuration(300);
        m_exportProgress->setValue(0);
        connect(m_exportProgress.get(), &QProgressDialog::canceled, this, [this] {
            m_exportCanceled = true;
            m_model->stopReadingAll();
        });
    }
    // The filter shows the whole journal's matching actions, not only the rows scrolled into view so far; the rows
    // not loaded yet arrive from the reader's thread while the window stays responsive.
    m_model->readAll();
}

void HistoryPage::onReadAllProgress(qint64 loaded, qint64 total)
{
    if (m_exportProgress && !m_exportCanceled)
        m_exportProgress->setValue(int(50 * loaded / qMax<qint64>(total, 1)));
}

void HistoryPage::onReadAllFinished(bool complete)
{
    if (m_pendingAction) {
        const qint64 id = std::exchange(m_pendingAction, 0);
        if (selectAction(id))
            emit actionShown(id);
        else
            emit actionNotFound(id);
    }
    if (m_exporting)
        writeExport(complete);
}

void HistoryPage::writeExport(bool journalRead)
{
    m_model->holdMerges(true); // the progress dialog runs the event loop: no row may move under the writer
    const auto done = qScopeGuard([this] {
        m_model->holdMerges(false);
        m_exportProgress.reset();
        m_exporting = false;
        m_exportButton->setEnabled(true);
        if (m_refreshAfterExport)
            m_refreshTimer.start();
    });
    const QString path = m_exportTo;
    if (!journalRead) {
        const QString message = m_exportCanceled
            ? tr("Export canceled; nothing was written.")
            : tr("Export failed: could not read the journal: %1").arg(m_model->errorString());
        showMessage(message, true);
        emit exportFailed(message);
        return;
    }

    QList<int> columns;
    const QHeaderView *header = m_view->horizontalHeader();
    for (int visual = 0; visual < header->count(); ++visual) {
        const int logical = header->logicalIndex(visual);
        if (!header->isSectionHidden(logical))
            columns << logical;
    }
    CsvWriter writer;
    writer.setRole(ActionHistoryModel::ExportRole);
    writer.setColumns(columns);
    if (m_exportProgress) {
        m_exportProgress->setLabelText(tr("Writing %1…").arg(QDir::toNativeSeparators(path)));
        writer.setProgress([this](int written, int rows) {
            m_exportProgress->setValue(50 + int(50LL * written / qMax(rows, 1)));
            return !m_exportCanceled && !m_exportProgress->wasCanceled();
        });
    }
    if (!writer.exportModel(*m_filter, path)) {
        const QString message = writer.wasCanceled() ? tr("Export canceled; nothing was written.")
                                                     : tr("Export failed: %1").arg(writer.errorString());
        showMessage(message, true);
        emit exportFailed(message);
        return;
    }
    if (m_exportProgress)
        m_exportProgress->setValue(100);
    showMessage(
        tr("Exported %n action(s) to %1.", nullptr, writer.rowsWritten()).arg(QDir::toNativeSeparators(path)), false);
    emit exported(path, writer.rowsWritten());
}

} // namespace vigil

// SPDX-License-Identifier: MIT
#pragma once

#include <QTimer>
#include <QWidget>

#include <functional>
#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QModelIndex;
class QPlainTextEdit;
class QProgressDialog;
class QPushButton;
class QSplitter;
class QTabWidget;
class QTableView;

namespace vigil {

class ActionFilterModel;
class ActionHistoryModel;
class EvidenceView;
class PlanView;

/**
 * The History page: every action Vigil took or proposed, newest first, narrowed by status and text, with the details
 * of the selected one below (apply and rollback SQL, the verdict's evidence) and an export of what is shown to CSV.
 *
 * The page reads the journal only through its ActionHistoryModel. While visible it asks the model to merge what was
 * journaled every couple of seconds: the engine may be another process (vigilctl) writing the same store, and no
 * signal crosses processes.
 */
class HistoryPage : public QWidget
{
    Q_OBJECT
public:
    /// `model` is not owned; it must outlive the page.
    explicit HistoryPage(ActionHistoryModel *model, QWidget *parent = nullptr);
    ~HistoryPage() override;

    ActionHistoryModel *model() const { return m_model; }
    ActionFilterModel *filterModel() const { return m_filter; }

    /// Where [Export CSV…] writes: by default the DBA picks a file (QFileDialog); tests give a path. An empty path
    /// cancels the export.
    void setExportPathProvider(std::function<QString()> provider);
    /// Exports of more rows than this show a progress dialog (with Cancel).
    void setProgressThreshold(int rows) { m_progressThreshold = rows; }
    /// How often the page merges new journal entries while it is visible (0 stops it).
    void setRefreshInterval(int milliseconds);

public slots:
    /// Selects the action with this journal id (clearing the filters when they hide it) and shows its details:
    /// at once when it is loaded, else once the journal has been read (actionShown, or actionNotFound when the
    /// journal has no such action).
    void showAction(qint64 actionId);
    /// Writes the rows the filter shows, from the whole journal (the rows not loaded yet are read first, off the GUI
    /// thread), in the view's order and with its visible columns: exported() or exportFailed() when done.
    void exportCsv();

signals:
    void actionShown(qint64 actionId);
    void actionNotFound(qint64 actionId);
    void exported(const QString &path, int rows);
    void exportFailed(const QString &message);

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void onCurrentChanged(const QModelIndex &current);
    void onFilterDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight);
    void onStatusChosen(int comboIndex);
    void showDetails(const QModelIndex &index);
    bool selectAction(qint64 actionId);
    void onReadAllProgress(qint64 loaded, qint64 total);
    void onReadAllFinished(bool complete);
    void writeExport(bool journalRead);
    void updateCount();
    void showMessage(const QString &text, bool error);
    QString askForExportPath();

    ActionHistoryModel *m_model = nullptr;
    ActionFilterModel *m_filter = nullptr;
    QLineEdit *m_filterEdit = nullptr;
    QComboBox *m_statusCombo = nullptr;
    QPushButton *m_exportButton = nullptr;
    QLabel *m_count = nullptr;
    QLabel *m_message = nullptr;
    QSplitter *m_splitter = nullptr;
    QTableView *m_view = nullptr;
    QWidget *m_details = nullptr;
    QLabel *m_detailsTitle = nullptr;
    QPlainTextEdit *m_applySql = nullptr;
    QPlainTextEdit *m_rollbackSql = nullptr;
    EvidenceView *m_evidence = nullptr;
    PlanView *m_plans = nullptr;
    QTabWidget *m_detailTabs = nullptr;
    QTimer m_refreshTimer;
    std::function<QString()> m_exportPath;
    int m_progressThreshold = 20000;
    qint64 m_pendingAction = 0; ///< showAction() waits for the journal to be read
    bool m_exporting = false;
    bool m_exportCanceled = false;
    bool m_refreshAfterExport = false;
    QString m_exportTo;
    std::unique_ptr<QProgressDialog> m_exportProgress;
};

} // namespace vigil

// SPDX-License-Identifier: MIT
#pragma once

#include "act/action.h"
#include "historyformat.h"
#include "store/journalreader.h"

#include <QAbstractTableModel>
#include <QCache>
#include <QIcon>
#include <QSet>
#include <QString>

#include <array>
#include <memory>
#include <optional>
#include <vector>

namespace vigil {

class JournalReader;

/**
 * The journal of actions as a table, newest first, read page by page from a knowledge store.
 *
 * The model runs no SQL: a JournalReader reads the store on a thread of its own (its own connection: SQLite in WAL
 * mode lets it run beside the engine's writer, and a PostgreSQL store takes any number of readers) and hands the rows
 * back through the event loop, so the GUI thread never waits on a disk or a network. Rows arrive through
 * canFetchMore()/fetchMore(), `pageSize()` at a time, so a journal of 100,000 actions opens as fast as one of 500.
 * refresh() merges what changed since (new actions at the top, state changes in place) and never resets; only
 * setStoreLocation() does. Every read answers later: isReading() says whether one is on its way.
 *
 * A row holds an action without its evidence and details (the bulk of the journal); EvidenceRole and DetailsRole
 * answer an empty object for a row not asked about before, ask the reader, and emit dataChanged when they arrive;
 * the last few are kept.
 */
class ActionHistoryModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Columns {
        TimeColumn,
        TargetColumn,
        ActionColumn,
        KindColumn,
        OriginColumn,
        StatusColumn,
        ReasonColumn,
        COLUMN_COUNT
    };
    Q_ENUM(Columns)

    /// Raw values, the same for every column of a row unless said otherwise.
    enum Roles {
        ActionIdRole = Qt::UserRole, ///< qint64, the journal id
        CreatedAtRole, ///< QDateTime (UTC)
        UpdatedAtRole, ///< QDateTime (UTC)
        TargetRole, ///< QString
        ApplySqlRole, ///< QString, as written
        RollbackSqlRole, ///< QString
        KindRole, ///< QString, the journal's name (create_index)
        OriginRole, ///< QString (auto, user)
        StateRole, ///< QString, the journal's name (rolled_back)
        ReasonRole, ///< QString, the last transition's reason
        EvidenceRole, ///< QJsonObject, the verdict's evidence (read from the store when asked)
        DetailsRole, ///< QJsonObject (read from the store when asked)
        StatusColorRole, ///< QColor of the status chip
        SortRole, ///< per column: the value to sort by (the id for time: ids follow the journal's order)
        ExportRole, ///< per column: the raw value for export (QDateTime for time, journal names for enums)
        /// bool: whether EvidenceRole and DetailsRole answer what the store holds (false while they are being read)
        FullActionReadRole,
    };
    Q_ENUM(Roles)

    static constexpr int kDefaultPageSize = 500;

    /// Opens the store at `location` (a SQLite path or a PostgreSQL conninfo) on the reader's thread. On failure the
    /// model stays empty and errorString() says why (errorOccurred). No action is read until the first fetchMore().
    explicit ActionHistoryModel(const QString &storeLocation, QObject *parent = nullptr);
    ~ActionHistoryModel() override;

    QString storeLocation() const { return m_location; }
    /// Replaces the store: the one reset this model does.
    void setStoreLocation(const QString &location);
    /// True once the reader opened the store (the open answers later: see isReading()).
    bool isOpen() const { return m_open; }
    /// A read (open, page, changes, an action's evidence) is on its way; readingDone() is emitted when none is left.
    bool isReading() const { return m_readsInFlight > 0; }
    /// Why the store could not be opened or read; empty when all is well.
    QString errorString() const { return m_error; }

    int pageSize() const { return m_pageSize; }
    void setPageSize(int rows);
    /// Actions in the journal when it was last read (fetchMore or refresh); -1 before the first read.
    qint64 totalCount() const { return m_totalCount; }
    /// The row of action `id`, or -1 when it is not loaded.
    int rowOfAction(qint64 id) const;

    /// Loads every row not loaded yet, `pageRows` at a time: readAllProgress() after each page, then
    /// readAllFinished(true), or readAllFinished(false) when a read failed or stopReadingAll() was called.
    void readAll(int pageRows = 5000);
    void stopReadingAll();
    bool isReadingAll() const { return m_readingAll; }
    /// While held, no row moves: changes read meanwhile wait, and refresh() only notes that it was asked. A writer
    /// walking the rows (CSV export, whose progress dialog runs the event loop) holds them; release merges what waited.
    void holdMerges(bool hold);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;
    QHash<int, QByteArray> roleNames() const override;

public slots:
    /// Merges what the journal recorded since the last read: new actions are inserted (at the top when newest), rows
    /// whose action changed emit dataChanged with the roles that changed. Does nothing before the first fetch.
    void refresh();

signals:
    void errorOccurred(const QString &message);
    void totalCountChanged(qint64 count);
    void readingDone();
    void readAllProgress(qint64 loaded, qint64 total);
    void readAllFinished(bool complete);

private:
    void open();
    void fetchPage(int rows);
    void onPageRead(bool first, JournalPage page);
    void onChangesRead(JournalChanges changes);
    void onActionRead(qint64 id, std::optional<Action> action);
    void continueReadingAll();
    void finishReadingAll(bool complete);
    void readStarted();
    void readEnded();
    void setError(const QString &message);
    void setTotalCount(qint64 count);
    void updateRow(int row, Action action);
    void insertAt(int row, std::vector<Action> actions);
    /// The cached full action, or null after asking the reader for it (dataChanged follows its arrival).
    const Action *fullAction(qint64 id) const;
    QVariant rawValue(const Action &action, int column) const;
    QVariant sortValue(const Action &action, int column) const;
    QString displayText(const Action &action, int column) const;
    const QIcon &iconFor(ActionState state) const;

    QString m_location;
    std::unique_ptr<JournalReader> m_reader;
    bool m_open = false;
    QString m_error;
    int m_readsInFlight = 0;
    bool m_pageInFlight = false;
    bool m_changesInFlight = false;
    bool m_refreshAgain = false; ///< refresh() was called while changes were being read (or merges were held)
    bool m_mergesHeld = false;
    std::optional<JournalChanges> m_heldChanges; ///< read while merges were held
    bool m_readingAll = false;
    int m_readAllPageRows = 5000;
    mutable QSet<qint64> m_fullActionsAsked; ///< ids whose full action is on its way
    std::vector<Action> m_rows; ///< newest first: ids strictly decreasing (rows are found by binary search)
    int m_pageSize = kDefaultPageSize;
    bool m_fetched = false; ///< the first page has been read (and m_cursor set)
    bool m_hasMore = true;
    qint64 m_cursor = 0; ///< the newest transition id already merged
    qint64 m_totalCount = -1;
    mutable QCache<qint64, Action> m_fullActions { 64 }; ///< evidence and details of the rows asked about
    mutable std::array<QIcon, 9> m_icons; ///< painted on first use, one per state
    TimeFormatter m_times; ///< the system's zone, looked up once (not on every cell painted)
};

} // namespace vigil

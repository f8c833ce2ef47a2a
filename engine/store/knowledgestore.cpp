// SPDX-License-Identifier: MIT
#include "store/knowledgestore.h"

#include "store/storedatabase.h"

#include <QStandardPaths>

#include <utility>

namespace vigil {

QString KnowledgeStore::defaultLocation()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/vigil.sqlite");
}

bool KnowledgeStore::isConninfo(const QString &location)
{
    return StoreDatabase::isConninfo(location);
}

std::unique_ptr<KnowledgeStore> KnowledgeStore::open(const QString &location, QString *error)
{
    std::unique_ptr<StoreDatabase> database = StoreDatabase::open(location, error);
    if (!database)
        return nullptr;
    return std::unique_ptr<KnowledgeStore>(new KnowledgeStore(std::move(database)));
}

KnowledgeStore::KnowledgeStore(std::unique_ptr<StoreDatabase> database)
    : m_database(std::move(database))
    , m_journal(*m_database)
    , m_archive(*m_database)
{ }

KnowledgeStore::~KnowledgeStore() = default;

int KnowledgeStore::schemaVersion() const
{
    return m_database->schemaVersion();
}

QString KnowledgeStore::lastError() const
{
    return m_database->lastError();
}

QString KnowledgeStore::connectionName() const
{
    return m_database->connectionName();
}

} // namespace vigil

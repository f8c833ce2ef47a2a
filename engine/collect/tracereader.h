// SPDX-License-Identifier: MIT
#pragma once

#include "collect/trace.h"

#include <QIODevice>
#include <QString>

#include <optional>

namespace vigil {

/// What went wrong reading a trace: the 1-based line and a message a person can act on.
struct TraceError
{
    qint64 line = 0;
    QString message;

    QString toString() const;
};

/**
 * Reads vigil-trace/1 JSON Lines into a Trace.
 *
 * Strict about structure (a wrong type or a broken line is an error naming the line), tolerant about content
 * the format allows to be missing (absent fields, missing ticks, optional pgss columns). Note lines are skipped:
 * they describe the experiment and a detector must not see them.
 */
class TraceReader
{
public:
    /// Reads the whole device. On failure returns nothing and fills error().
    std::optional<Trace> read(QIODevice &device);
    std::optional<Trace> readFile(const QString &path);

    const TraceError &error() const { return m_error; }

private:
    TraceError m_error;
};

} // namespace vigil

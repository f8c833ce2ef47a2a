// SPDX-License-Identifier: MIT
// Hostile trace files (vigilctl replay reads what it is given): the reader either returns a trace or an error naming
// a line within the input, and a trace it accepts goes through sample derivation without crashing.
#include "collect/tracereader.h"
#include "metrics/samplederiver.h"

#include <QBuffer>

#include <cstdint>
#include <cstdlib>
#include <span>

using namespace vigil;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::ReadOnly);
    TraceReader reader;
    const std::optional<Trace> trace = reader.read(buffer);
    if (!trace) {
        if (reader.error().message.isEmpty() || reader.error().line < 0 || reader.error().line > bytes.count('\n') + 1)
            std::abort();
        return 0;
    }
    const std::span<const Snapshot> snapshots(trace->snapshots);
    for (std::size_t i = 1; i < snapshots.size() && i < 64; ++i)
        SampleDeriver::derive(snapshots.subspan(i - 1, 2));
    if (!snapshots.empty())
        SampleDeriver::derive(snapshots.first(std::min<std::size_t>(snapshots.size(), 64)));
    return 0;
}

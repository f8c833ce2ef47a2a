#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The layers stay apart (docs/engine.md, docs/desktop.md): no SQL and no store in ui/ or models/ (the journal reaches
# them through JournalReader's thread), no widget or chart in engine/. Then the same check on a copy with one planted
# violation of each kind, which it must catch.
#   tst_layering.sh SOURCE_DIR
set -uo pipefail
src=${1:?usage: tst_layering.sh SOURCE_DIR}

check() { # ROOT: prints each violation, returns the number found (capped at 1)
    local root=$1 found=0 hits
    hits=$(grep -rnE '#include *[<"](QtSql/)?QSql|KnowledgeStore|StoreDatabase|ActionJournal|SampleArchive|(knowledgestore|storedatabase|actionjournal|samplearchive)\.h' "$root/ui" "$root/models" \
        --include='*.h' --include='*.cpp' 2>/dev/null)
    if [ -n "$hits" ]; then
        echo "SQL or the store in ui/ or models/:"; echo "$hits"; found=1
    fi
    hits=$(grep -rnE '#include *[<"](QtWidgets/|QtCharts/)?(QWidget|QApplication|QMainWindow|QDialog|QChart|QAbstractItemView|QtWidgets|QtCharts)\b' \
        "$root/engine" --include='*.h' --include='*.cpp' 2>/dev/null)
    if [ -n "$hits" ]; then
        echo "widgets or charts in engine/:"; echo "$hits"; found=1
    fi
    return $found
}

if ! check "$src"; then
    echo "FAIL: the layers are mixed (above)"
    exit 1
fi
echo "PASS: no SQL or store in ui/ and models/, no widgets in engine/"

planted=$(mktemp -d)
trap 'rm -rf "$planted"' EXIT
mkdir -p "$planted/ui" "$planted/models" "$planted/engine"
echo '#include <QSqlQuery>' > "$planted/models/a.cpp"
if check "$planted" >/dev/null; then echo "FAIL: a planted QSqlQuery in models/ went unseen"; exit 1; fi
rm "$planted/models/a.cpp"
echo 'void f(vigil::KnowledgeStore &s);' > "$planted/ui/b.h"
if check "$planted" >/dev/null; then echo "FAIL: a planted KnowledgeStore in ui/ went unseen"; exit 1; fi
rm "$planted/ui/b.h"
echo '#include <QWidget>' > "$planted/engine/c.cpp"
if check "$planted" >/dev/null; then echo "FAIL: a planted QWidget in engine/ went unseen"; exit 1; fi
rm "$planted/engine/c.cpp"
if ! check "$planted" >/dev/null; then echo "FAIL: an empty tree was reported"; exit 1; fi
echo "PASS: each planted violation was caught"

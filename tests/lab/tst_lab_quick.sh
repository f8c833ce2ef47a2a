#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/lab --quick on one scenario: a fresh server, the workload, the action, the recorder and the clients' log
# make a trace that `vigilctl replay` reads and a label computed from what the clients saw. The scenario's harm is
# beyond any noise (index and bitmap scans off: every account lookup scans 1,000,000 rows; clients' p95 from a few ms
# to seconds), since this tests the lab's pipeline, not a near-threshold label: commit_delay 1 ms, the scenario before,
# was labelled harmless or ambiguous in 4 of 11 runs on 2026-12-06, 3 of 6 of them alone on the machine, when the
# disk's WAL flush time wandered and took the clients' p95 before the action from 3-5 ms to 10-21 ms.
set -euo pipefail
bin=$1
lab=$2
out=$(mktemp -d /tmp/vigil-lab-test-XXXXXX)
trap 'rm -rf "$out"' EXIT
VIGIL_BIN=$bin python3 "$lab/lab.py" --quick --out "$out" tpcb_open_scans_off
trace=$out/tpcb_open_scans_off.jsonl.gz
[ -s "$trace" ] || { echo "FAIL: no trace"; exit 1; }
python3 - "$out/labels.json" <<'PY'
import json, sys
label = json.load(open(sys.argv[1]))["tpcb_open_scans_off.jsonl.gz"]
assert label["label"] == "harmful", label
assert label["client_p95_post_ms"] > label["client_p95_pre_ms"], label
assert 0 < label["action_t"] <= label["finished_t"], label
print("label:", label["label"], label["label_rule"])
PY
zcat "$trace" > "$out/trace.jsonl"
grep -q '"type":"action"' "$out/trace.jsonl" || { echo "FAIL: no action line"; exit 1; }
grep -q '"active_time"' "$out/trace.jsonl" || { echo "FAIL: no session clocks in the trace"; exit 1; }
verdict=$("$bin/vigilctl" replay "$out/trace.jsonl" --interval 1 --window 15 --baseline 15)
echo "replay: $verdict"
echo "$verdict" | grep -q '"action_id":"a1"' || { echo "FAIL: replay gave no verdict"; exit 1; }

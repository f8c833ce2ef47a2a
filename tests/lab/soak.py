# SPDX-License-Identifier: MIT
"""The guard live at the production shape (5 s samples, 60 s window, 60 s baseline): `vigilctl apply` on a private
server under a real workload, with outside load injected during harmless actions' windows. Run it through
scripts/bench-guard-soak on a quiet machine (about 70 minutes for the whole list).

Each case is a lab scenario's workload and action (tests/lab/scenarios.py), applied the way a DBA applies one; the
expected outcome is the scenario's label in tests/data/lab/labels.json (or harmless by construction)."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import lab
import scenarios as catalogue
from scenarios import Noise

# Harmless actions with outside load in their windows (seconds after the action finished), then harmful ones.
HARMLESS = [
    ("tpcb_open_idx_untouched", [Noise(15, "cpu", 10)]),
    ("tpcb_open_idx_untouched", [Noise(20, "burst", 10, {"clients": 8})]),
    ("tpcb_open_idx_untouched", [Noise(10, "checkpoint")]),
    ("tpcb_open_idx_untouched", [Noise(20, "lock", 4, {"table": "pgbench_branches"})]),
    ("tpcb_open_idx_untouched", [Noise(10, "pg_dump")]),
    ("tpcb_open_idx_untouched", [Noise(15, "io", 10)]),
    ("tpcb_open_idx_untouched", [Noise(15, "vacuum_full")]),
    ("tpcb_open_idx_untouched", [Noise(10, "other_db", 20)]),
    ("tpcb_open_idx_untouched", [Noise(15, "demand", 0, {"rate_share": 0.5})]),
    ("lookup_open_cpu_hog", [Noise(20, "cpu", 8)]),
    ("lookup_open_burst", [Noise(20, "burst", 10, {"clients": 4})]),
    ("lookup_open_long_report", [Noise(15, "report", 12)]),
    ("lookup_open_lock_held", [Noise(20, "lock", 5, {"table": "items"})]),
    ("lookup_open_drop_unused_email_idx", [Noise(25, "cpu", 15)]),
    ("tpcb_open_analyze", [Noise(20, "burst", 10, {"clients": 4})]),
    ("selectonly_open_log_all", []),
    ("selectonly16_open_demand_rise", [Noise(15, "demand", 0, {"rate_share": 0.5})]),
    ("tpcb_idle_idx_untouched", []),
    ("sort_open_work_mem_fix", [Noise(20, "cpu", 8)]),
    ("tpcb_closed_checkpoint", [Noise(15, "checkpoint")]),
]
HARMFUL = [
    "lookup_open_random_page_cost",
    "lookup_open_drop_sku_idx",
    "tpcb_open_commit_delay_1000",
    "rw3_open_sync_commit_on",
    # near the threshold (the clients' p95 +12 % to +30 % when the lab recorded them)
    "tpcb_open_commit_delay_200",
    "rw3_open_commit_delay_300",
    "insert_open_commit_delay_300",
    "tpcb_open_commit_delay_500",
]


def run_case(scenario, noise, expected, interval, window, baseline):
    workdir = tempfile.mkdtemp(prefix="vigil-soak-")
    os.chmod(workdir, 0o777)
    scripts_dir = os.path.join(workdir, "scripts")
    os.makedirs(scripts_dir)
    server = lab.Server()
    try:
        lab.prepare(server, scenario, scripts_dir)
        total = baseline + 3 * window + 60
        lab.RUN["end"] = time.time() + total
        workload = subprocess.Popen(lab.pgbench_command(server, scenario.workload, total, None, scripts_dir),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(5)
        # vigilctl apply takes one statement and derives its rollback (the reload is the executor's). What must be in
        # place before the action itself (commit_siblings for commit_delay) is set first.
        before = [s for s in scenario.apply if "commit_siblings" in s]
        main = [s for s in scenario.apply if s not in before and not s.startswith("SELECT pg_reload_conf")]
        if len(main) != 1:
            raise ValueError(f"{scenario.name}: vigilctl apply takes one statement, the scenario has {len(main)}")
        if before:
            server.psql(before + ["SELECT pg_reload_conf()"])
        sql = main[0]
        command = [os.path.join(lab.BIN, "vigilctl"), "apply", "--target", server.conninfo(), "--sql", sql,
                   "--store", os.path.join(workdir, "store.sqlite"), "--interval", str(interval),
                   "--window", str(window), "--baseline", str(baseline)]
        apply = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        reason = ""
        noise_started = []

        def inject():
            finished = time.time()
            for n in sorted(noise, key=lambda n: n.after):
                time.sleep(max(0.0, finished + n.after - time.time()))
                processes, text = lab.start_noise(server, scenario, n, workdir)
                noise_started.append(text)
                for p in processes:
                    p.wait(timeout=300)

        injector = None
        for line in apply.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            name = event.get("event", "")
            if name == "action.executed" and injector is None and noise:
                injector = threading.Thread(target=inject)
                injector.start()
            if name in ("action.kept", "action.rolled_back", "action.failed"):
                reason = event.get("reason", "")
        code = apply.wait()
        if injector:
            injector.join()
        workload.terminate()
        workload.wait()
        outcome = {0: "kept", 3: "rolled back"}.get(code, f"exit {code}")
        return outcome, reason, noise_started
    finally:
        server.close()
        subprocess.run(["rm", "-rf", workdir])


def main():
    parser = argparse.ArgumentParser(prog="scripts/bench-guard-soak", description=__doc__)
    parser.add_argument("--interval", type=float, default=5)
    parser.add_argument("--window", type=float, default=60)
    parser.add_argument("--baseline", type=float, default=60)
    parser.add_argument("--limit", type=int, default=0, help="run only the first N cases of each kind")
    args = parser.parse_args()
    known = {s.name: s for s in catalogue.CATALOGUE}
    labels_path = os.path.join(lab.OUT, "labels.json")
    labels = json.load(open(labels_path)) if os.path.exists(labels_path) else {}
    cases = [(known[n], noise, "harmless") for n, noise in HARMLESS]
    cases += [(known[n], [], "harmful") for n in HARMFUL]
    if args.limit:
        cases = [c for c in cases if c[2] == "harmless"][:args.limit] + [c for c in cases if c[2] == "harmful"][:args.limit]
    results = {"harmless": [0, 0], "harmful": [0, 0]}
    print("| # | scenario | outside load | expected | outcome | reason |")
    print("| --- | --- | --- | --- | --- | --- |")
    for i, (scenario, noise, expected) in enumerate(cases, 1):
        recorded = labels.get(scenario.name + ".jsonl.gz", {}).get("label")
        if expected == "harmful" and recorded not in (None, "harmful"):
            print(f"| {i} | {scenario.name} | | skipped: the lab labelled it {recorded} | | |", flush=True)
            continue
        outcome, reason, noise_text = run_case(scenario, noise, expected, args.interval, args.window, args.baseline)
        right = (outcome == "kept") if expected == "harmless" else (outcome == "rolled back")
        results[expected][0 if right else 1] += 1
        short = reason if len(reason) < 140 else reason[:137] + "..."
        print(f"| {i} | {scenario.name} | {'; '.join(noise_text) or '—'} | {expected} | {outcome} | {short} |",
              flush=True)
    ok_harmless, bad_harmless = results["harmless"]
    ok_harmful, bad_harmful = results["harmful"]
    print(f"\nharmless kept {ok_harmless} / {ok_harmless + bad_harmless}, harmful rolled back {ok_harmful} / "
          f"{ok_harmful + bad_harmful}")
    return 0 if bad_harmless == 0 and bad_harmful == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

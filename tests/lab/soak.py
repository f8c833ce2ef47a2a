# SPDX-License-Identifier: MIT
"""The guard live at the production shape (5 s samples, 60 s window, 60 s baseline): `vigilctl apply` on a private
server under a real workload, with outside load injected during harmless actions' windows. Run it through
scripts/bench-guard-soak on a quiet machine (about 100 minutes for the whole list of 36 cases).

Each case is a lab scenario's workload and action (tests/lab/scenarios.py), applied the way a DBA applies one. The
clients log every transaction (pgbench -l) as in the lab, and each case is labelled from this run's own log by the
lab's rule (docs/lab.md): the minute before the action against the time from the action's end to the verdict (at
most the window), leaving out the seconds of outside load (and 3 s after it). An action harmless by construction is
harmless whatever outside load does to the clients.
Ambiguous cases (between 5 and 10 %) are shown and not scored."""
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

# Seconds after an outside load ends that the clients' label still sets aside.
NOISE_SETTLE_S = 3

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
    ("tpcb_open_create_helpful_idx", [Noise(20, "burst", 10, {"clients": 4})]),
    ("selectonly_open_log_all", []),
    ("selectonly16_open_demand_rise", [Noise(15, "demand", 0, {"rate_share": 0.5})]),
    ("tpcb_idle_idx_untouched", []),
    # A setting that cannot touch the workload beside the loads that fooled the guard before: unlike an index on a
    # table nobody uses (which the guard now judges on the statements that use its table, none), a setting reaches
    # every statement, so these measure outside-load recognition itself (added after run 10).
    ("tpcb_open_log_autovacuum_cpu_hog", [Noise(15, "cpu", 10)]),
    ("tpcb_open_log_autovacuum_cpu_hog", [Noise(20, "lock", 4, {"table": "pgbench_branches"})]),
    ("tpcb_open_log_autovacuum_cpu_hog", [Noise(15, "vacuum_full")]),
    ("tpcb_open_log_autovacuum_cpu_hog", [Noise(10, "pg_dump")]),
    ("tpcb_open_log_autovacuum_cpu_hog", [Noise(15, "io", 10)]),
    # The storage stalling (fsfreeze of the server's file system; added 2026-12-08 with the storage probe).
    ("tpcb_open_log_autovacuum_cpu_hog", [Noise(15, "freeze", 2)]),
    ("tpcb_open_log_autovacuum_cpu_hog", [Noise(30, "freeze", 1)]),
    ("sort_open_work_mem_fix", [Noise(20, "cpu", 8)]),
    ("tpcb_closed_checkpoint", [Noise(15, "checkpoint")]),
]
HARMFUL = [
    "lookup_open_random_page_cost",
    "lookup_open_drop_sku_idx",
    "tpcb_open_commit_delay_1000",
    "rw3_open_sync_commit_on",
    # near the threshold (the clients' p95 +20 % to +37 % when the lab recorded them)
    "rw3_open_commit_delay_100",
    "insert_open_gin_trgm",
    "rw3_open_commit_delay_60",
    "tpcb_open_commit_delay_200",
    "insert_open_commit_delay_150",
]


def save_trace(path, trace_out, scenario, applying, executed, notes):
    lines = [json.loads(line) for line in trace_out.splitlines() if line.strip()]
    if not lines or not applying or not executed:
        return
    header = lines[0]
    t0 = header["t0_epoch"]
    header["scenario"] = scenario.name
    action = {"type": "action", "t": round(applying - t0, 3), "id": "a1", "kind": scenario.kind,
              "apply_sql": "; ".join(scenario.apply), "rollback_sql": "; ".join(scenario.rollback),
              "finished_t": round(executed - t0, 3)}
    body = sorted(lines[1:] + [action] + [{"type": "note", "t": round(executed - t0, 3), "text": n} for n in notes],
                  key=lambda o: o["t"])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        for o in [header] + body:
            f.write(json.dumps(o, separators=(",", ":")) + "\n")


def run_case(scenario, noise, expected, interval, window, baseline, trace_path=None):
    workdir = tempfile.mkdtemp(prefix="vigil-soak-")
    os.chmod(workdir, 0o777)
    scripts_dir = os.path.join(workdir, "scripts")
    log_dir = os.path.join(workdir, "clients")
    os.makedirs(scripts_dir)
    os.makedirs(log_dir)
    # A stall of the storage needs the cluster, and the storage probe, on a file system of its own (lab.FreezableFs).
    fs = lab.FreezableFs(workdir) if any(n.kind == "freeze" for n in noise) else None
    lab.RUN["fs"] = fs
    probe_dir = fs.mountpoint if fs else workdir  # the data directory is under /tmp otherwise, as workdir is
    server = lab.Server(fs.mountpoint if fs else None)
    try:
        lab.prepare(server, scenario, scripts_dir)
        total = baseline + 3 * window + 60
        lab.RUN["end"] = time.time() + total
        # A 1 s trace of the run beside it (the baseline and the first window), to replay what the live guard decided.
        recorder = None
        if trace_path:
            recorder = subprocess.Popen([os.path.join(lab.BIN, "vigilctl"), "record", "--target", server.conninfo(),
                                         "--seconds", str(int(baseline + window + 30)),
                                         "--storage-probe-dir", probe_dir], stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        workload = subprocess.Popen(lab.pgbench_command(server, scenario.workload, total,
                                                        os.path.join(log_dir, "pgbench_log"), scripts_dir),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(5)
        # vigilctl apply takes one statement and derives its rollback (the reload is the executor's). What must be in
        # place before the action itself (commit_siblings for commit_delay) is set first.
        # ANALYZE cannot be taken back, and a guarded change needs a way back: the harmless-by-construction ANALYZE
        # of an untouched table becomes the index on it, harmless by construction too.
        statements = catalogue.UNTOUCHED_INDEX[0] if scenario.apply[0].startswith("ANALYZE") else scenario.apply
        before = [s for s in statements if "commit_siblings" in s]
        main = [s for s in statements if s not in before and not s.startswith("SELECT pg_reload_conf")]
        if len(main) != 1:
            raise ValueError(f"{scenario.name}: vigilctl apply takes one statement, the scenario has {len(main)}")
        if before:
            server.psql(before + ["SELECT pg_reload_conf()"])
        sql = main[0]
        command = [os.path.join(lab.BIN, "vigilctl"), "apply", "--target", server.conninfo(), "--sql", sql,
                   "--store", os.path.join(workdir, "store.sqlite"), "--interval", str(interval),
                   "--window", str(window), "--baseline", str(baseline),
                   "--storage-probe-dir", probe_dir]
        apply = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        reason = ""
        noise_started = []
        noise_spans = []

        def inject():
            finished = time.time()
            for n in sorted(noise, key=lambda n: n.after):
                time.sleep(max(0.0, finished + n.after - time.time()))
                began = time.time()
                processes, text = lab.start_noise(server, scenario, n, workdir)
                noise_started.append(text)
                for p in processes:
                    p.wait(timeout=300)
                # An open-loop client stream catches up on its backlog for a moment after the load ends.
                noise_spans.append((began, time.time() + NOISE_SETTLE_S))

        injector = None
        applying = executed = decided = None
        for line in apply.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            name = event.get("event", "")
            if name == "action.applying" and applying is None:
                applying = time.time()
            if name == "action.executed" and executed is None:
                executed = time.time()
                if noise:
                    injector = threading.Thread(target=inject)
                    injector.start()
            if name in ("action.kept", "action.rolled_back", "action.failed", "action.degraded") and decided is None:
                decided = time.time()
            if name in ("action.kept", "action.rolled_back", "action.failed"):
                reason = event.get("reason", "")
        code = apply.wait()
        if injector:
            injector.join()
        if recorder:
            trace_out, _ = recorder.communicate(timeout=window + 120)
            save_trace(trace_path, trace_out, scenario, applying, executed, noise_started)
        workload.terminate()
        workload.wait()
        outcome = {0: "kept", 3: "rolled back"}.get(code, f"exit {code}")
        live = "unknown"
        if applying and executed and decided:
            post = min(window, max(1.0, decided - executed))
            # The clients' latency while outside load runs is the load's, not the action's: those seconds are set
            # aside from the label (the guard must still keep the action through them).
            label = lab.label_from_clients(lab.read_client_log(log_dir), applying, executed, baseline, post, scenario,
                                           noise_spans)
            live = f"{label['label']} (p95 {label['p95_change_pct']:+.1f} %, tps {label['tps_change_pct']:+.1f} %)"
            if noise_spans:
                live += " outside the outside load"
            if scenario.harmless_by_construction:
                live = f"harmless by construction (p95 {label['p95_change_pct']:+.1f} %)"
            kind = "harmless" if scenario.harmless_by_construction else label["label"]
        else:
            kind = "unknown"
        return outcome, reason, noise_started, kind, live
    finally:
        if fs:
            subprocess.run(["fsfreeze", "-u", fs.mountpoint], capture_output=True)  # if stopped mid-stall
        server.close()
        if fs:
            fs.remove()
        subprocess.run(["rm", "-rf", workdir])


def main():
    parser = argparse.ArgumentParser(prog="scripts/bench-guard-soak", description=__doc__)
    parser.add_argument("--interval", type=float, default=5)
    parser.add_argument("--window", type=float, default=60)
    parser.add_argument("--baseline", type=float, default=60)
    parser.add_argument("--limit", type=int, default=0, help="run only the first N cases of each kind")
    parser.add_argument("--only", default="",
                        help="run only the cases whose scenario name contains this or whose outside load is of this kind")
    parser.add_argument("--traces", default="",
                        help="also record a 1 s trace of each case into this folder (to replay the live decisions)")
    args = parser.parse_args()
    if args.traces and os.path.isdir(args.traces):
        # Case files are named by position: an older run's file would sit beside this run's and be read as its own.
        old = sorted(f for f in os.listdir(args.traces) if f.endswith(".jsonl"))
        if old:
            sys.exit(f"soak: {args.traces} already holds {len(old)} trace(s) ({old[0]}, ...) from an earlier run; "
                     "give --traces an empty or new folder")
    known = {s.name: s for s in catalogue.CATALOGUE}
    cases = [(known[n], noise, "harmless") for n, noise in HARMLESS]
    cases += [(known[n], [], "harmful") for n in HARMFUL]
    if args.only:
        cases = [c for c in cases if args.only in c[0].name or any(n.kind == args.only for n in c[1])]
    if args.limit:
        cases = [c for c in cases if c[2] == "harmless"][:args.limit] + [c for c in cases if c[2] == "harmful"][:args.limit]
    results = {"harmless": [0, 0], "harmful": [0, 0]}
    ambiguous = []
    print("| # | scenario | outside load | meant as | clients' label (this run) | outcome | reason |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for i, (scenario, noise, meant) in enumerate(cases, 1):
        began = time.time()
        trace = os.path.join(args.traces, f"{i:02d}_{scenario.name}.jsonl") if args.traces else None
        outcome, reason, noise_text, kind, live = run_case(scenario, noise, meant, args.interval, args.window,
                                                           args.baseline, trace)
        if kind in results:
            right = (outcome == "kept") if kind == "harmless" else (outcome == "rolled back")
            results[kind][0 if right else 1] += 1
        else:
            ambiguous.append(scenario.name)
        short = reason if len(reason) < 140 else reason[:137] + "..."
        print(f"| {i} | {scenario.name} | {'; '.join(noise_text) or '—'} | {meant} | {live} | {outcome} | {short} "
              f"({time.time() - began:.0f} s) |", flush=True)
    ok_harmless, bad_harmless = results["harmless"]
    ok_harmful, bad_harmful = results["harmful"]
    print(f"\nharmless kept {ok_harmless} / {ok_harmless + bad_harmless}, harmful rolled back {ok_harmful} / "
          f"{ok_harmful + bad_harmful}; not scored (ambiguous or unknown): {', '.join(ambiguous) or 'none'}")
    return 0 if bad_harmless == 0 and bad_harmful == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

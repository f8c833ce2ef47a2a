# SPDX-License-Identifier: MIT
"""Null actions: how often the guard rolls back a change that did nothing (docs/guard.md, "Null actions").

`record` runs a workload with no action at all on a fresh private PostgreSQL 15 (optionally with busy loops
competing for the CPU the whole time, as on a loaded test machine) and saves `vigilctl record`'s trace.
`score` puts an action that does nothing (`SELECT 1`) every few seconds into such a trace and replays each one
with its own baseline and window: every rollback is a false one, made of the workload's own noise. It is the
offline twin of a live verdict test that flakes, reproducible from the trace.
Run it through scripts/null-actions."""
import argparse
import dataclasses
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import lab
import workloads

# The workload of tst_indexactions: a customer's ten latest orders, 80 lookups a second from two open-loop clients.
ORDERS = workloads.Workload(
    "orders",
    ["CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL, created_at timestamptz NOT NULL, "
     "amount numeric(10,2) NOT NULL DEFAULT 1)",
     "INSERT INTO orders (customer_id, created_at) SELECT 1 + g / 10000, timestamptz '2026-01-01' + g * "
     "interval '1 second' FROM generate_series(0, 499999) g",
     "CREATE INDEX orders_customer_idx ON orders (customer_id)", "ANALYZE orders"],
    [("orders", 1)], 2, 2, 80)
workloads.SCRIPTS["orders"] = ("\\set c random(1, 50)\n"
                               "SELECT id FROM orders WHERE customer_id = :c ORDER BY created_at DESC LIMIT 10;\n")


# The workload of tst_guardedchange: pgbench's select-only lookups, 200 a second from four open-loop clients.
SELECT200 = workloads.Workload("select200", workloads.UNTOUCHED, [("builtin:select-only", 1)], 4, 2, 200, 5)


def workload_named(name):
    if name == "orders":
        return ORDERS
    if name == "select200":
        return SELECT200
    factory = getattr(workloads, name.replace("-", "_"), None)
    if factory is None:
        raise SystemExit(f"unknown workload {name}: orders, tpcb, select_only, rw3, lookup, inserts, sorts, latest")
    return factory()


def record(args):
    workload = workload_named(args.workload)
    if args.closed:  # as many clients as asked, each sending its next transaction when the last one ends
        workload = dataclasses.replace(workload, clients=args.closed, rate=None)
    scenario = type("Scenario", (), {"workload": workload, "setup": [], "noise": []})()
    workdir = tempfile.mkdtemp(prefix="vigil-null-")
    os.chmod(workdir, 0o777)
    scripts_dir = os.path.join(workdir, "scripts")
    os.makedirs(scripts_dir)
    server = lab.Server()
    loops = []
    try:
        lab.prepare(server, scenario, scripts_dir)
        total = args.seconds
        loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
        recorder = subprocess.Popen([os.path.join(lab.BIN, "vigilctl"), "record", "--target", server.conninfo(),
                                     "--seconds", str(int(total)), "--storage-probe-dir", workdir],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True)
        command = lab.pgbench_command(server, workload, total + 5, None, scripts_dir)
        if args.workload in ("orders", "select200") and not args.closed:
            command[-1:-1] = ["-L", "100"]  # as the test: skip what falls more than 100 ms behind
        clients = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        trace_out, err = recorder.communicate(timeout=total + 120)
        clients.kill()
        if recorder.returncode != 0:
            raise SystemExit(f"vigilctl record failed: {err.strip()}")
        lines = [json.loads(line) for line in trace_out.splitlines() if line.strip()]
        lines[0]["workload"] = workload.describe() + (f" + {args.busy} busy loop(s)" if args.busy else "")
        with gzip.open(args.out, "wt") as f:
            for o in lines:
                f.write(json.dumps(o, separators=(",", ":")) + "\n")
        print(f"{args.out}: {len(lines) - 1} ticks of {lines[0]['workload']}")
    finally:
        for loop in loops:
            loop.kill()
        server.close()
        shutil.rmtree(workdir, ignore_errors=True)


def score(args):
    opener = gzip.open if args.trace.endswith(".gz") else open
    with opener(args.trace, "rt") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    header, body = lines[0], [o for o in lines[1:] if o.get("type") != "action"]
    if args.no_statements:  # as a server without pg_stat_statements would be seen
        header["statements"] = {}
        for o in body:
            o.pop("pgss", None)
    ticks = [o["t"] for o in body if o.get("type") == "sample"]
    first = ticks[0] + args.baseline + 2 * args.interval
    last = ticks[-1] - args.window * 3 - 2 * args.interval  # room for the window and its extensions
    actions, t, n = [], first, 0
    while t <= last:
        n += 1
        actions.append({"type": "action", "t": round(t, 3), "id": f"null{n}", "kind": "other",
                        "apply_sql": "SELECT 1", "rollback_sql": "SELECT 1", "finished_t": round(t + 0.05, 3)})
        t += args.every
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as out:
        for o in [header] + sorted(body + actions, key=lambda o: o["t"]):
            out.write(json.dumps(o, separators=(",", ":")) + "\n")
        path = out.name
    try:
        command = [os.path.join(lab.BIN, "vigilctl"), "replay", path, "--interval", str(args.interval), "--window",
                   str(args.window), "--baseline", str(args.baseline)] + sum((["--tune", t] for t in args.tune), [])
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"vigilctl replay failed: {result.stderr.strip()}")
        verdicts = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    finally:
        os.unlink(path)
    rolled = [v for v in verdicts if v["verdict"] == "rollback"]
    print(f"{os.path.basename(args.trace)}{' without statements' if args.no_statements else ''}: "
          f"{len(rolled)} of {len(verdicts)} null actions rolled back "
          f"(interval {args.interval:g} s, baseline {args.baseline:g} s, window {args.window:g} s, one every "
          f"{args.every:g} s)")
    # The live engine waits (up to two more baselines) when the baseline before an action is unsteady; the replay
    # judges at the recorded time either way, so how often that happens, and how those verdicts went, is shown apart.
    unsteady = [v for v in verdicts if v.get("unsteady")]
    print(f"  baselines the live engine would have found unsteady: {len(unsteady)} of {len(verdicts)} "
          f"({sum(v['verdict'] == 'rollback' for v in unsteady)} of them rolled back)")
    for v in rolled:
        t = next(a["t"] for a in actions if a["id"] == v["action_id"])
        unsteady_note = f" [unsteady baseline: {v['unsteady']}]" if v.get("unsteady") else ""
        print(f"  t={t:.0f}: {v['reason']}{unsteady_note}")
    return 1 if rolled else 0


def main():
    parser = argparse.ArgumentParser(prog="scripts/null-actions", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("record", help="record a workload with no action (a quiet machine, please)")
    r.add_argument("--workload", default="orders")
    r.add_argument("--seconds", type=int, default=600)
    r.add_argument("--busy", type=int, default=0, help="busy loops competing for the CPU the whole time")
    r.add_argument("--closed", type=int, default=0, metavar="CLIENTS",
                   help="run the workload as a closed loop of this many clients (the host's CPU saturated)")
    r.add_argument("--out", required=True, help="trace file to write (.jsonl.gz)")
    s = sub.add_parser("score", help="replay null actions on a recorded trace; exit 1 when any is rolled back")
    s.add_argument("trace")
    s.add_argument("--interval", type=float, default=1)
    s.add_argument("--baseline", type=float, default=10)
    s.add_argument("--window", type=float, default=12)
    s.add_argument("--every", type=float, default=5, help="seconds between null actions")
    s.add_argument("--no-statements", action="store_true",
                   help="leave pg_stat_statements out of the trace, as on a server without it")
    s.add_argument("--tune", action="append", default=[], metavar="NAME=VALUE",
                   help="a refinement constant for this replay (vigilctl replay --tune; repeatable)")
    args = parser.parse_args()
    if args.command == "record":
        record(args)
        return 0
    return score(args)


if __name__ == "__main__":
    sys.exit(main())

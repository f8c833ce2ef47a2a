# SPDX-License-Identifier: MIT
"""The guard's lab: records labelled real traces (docs/lab.md). Run it through scripts/lab.

For each scenario: a fresh private PostgreSQL 15 (vigil-lab-server, the sandbox's cluster code), the workload's
schema, `vigilctl record` for the whole run, pgbench with its per-transaction log as ground truth, the action at a
fixed time, outside load injected as the scenario says, and a label computed from the clients' log by the rule in
docs/guard.md. The trace (gzip) and its label land in tests/data/lab/."""
import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import scenarios as catalogue

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("VIGIL_BIN", os.path.join(ROOT, "build", "bin"))
OUT = os.path.join(ROOT, "tests", "data", "lab")
DATABASE = "lab"

# The label rule (docs/guard.md): harm is what the clients wait for.
HARM_PCT = 10.0  # clients' p95 more than this above the minute before, or throughput this much below: harmful
CALM_PCT = 5.0  # both within this (or better): harmless; in between: ambiguous
SCRIPT_TIME_SHARE = 0.05  # a script with this share of the clients' time counts on its own (minority harm)


class Server:
    """vigil-lab-server: up while its stdin is open."""

    def __init__(self, parent=None):
        """parent: the directory the cluster's own is made in (default /tmp)."""
        self.process = subprocess.Popen([os.path.join(BIN, "vigil-lab-server")] + (["--in", parent] if parent else []),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("vigil-lab-server did not start (see its stderr)")
        info = json.loads(line)
        self.port = info["port"]
        self.bin = info["bin"]
        self.log = info["log"]
        self.directory = info["directory"]

    def conninfo(self, database=DATABASE):
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def client_args(self):
        return ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]

    def psql(self, statements, database=DATABASE, check=True):
        command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At"] + self.client_args() + ["-d", database]
        for s in statements:
            command += ["-c", s]
        return subprocess.run(command, capture_output=True, text=True, check=check).stdout

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=60)


def pgbench_command(server, workload, seconds, log_prefix, scripts_dir, clients=None, rate=None, closed=False):
    command = ["pgbench", "-n"] + server.client_args() + [
        "-c", str(clients or workload.clients), "-j", str(min(workload.threads, clients or workload.clients)),
        "-T", str(int(seconds))]
    if not closed and (rate or workload.rate):
        command += ["-R", str(rate or workload.rate)]
    if log_prefix:
        command += ["-l", f"--log-prefix={log_prefix}"]
    for script, weight in workload.scripts:
        if script.startswith("builtin:"):
            command += ["-b", f"{script[len('builtin:'):]}@{weight}"]
        else:
            command += ["-f", f"{os.path.join(scripts_dir, script + '.sql')}@{weight}"]
    return command + [DATABASE]


def prepare(server, scenario, scripts_dir):
    server.psql([f"CREATE DATABASE {DATABASE}"], database="postgres")
    wl = scenario.workload
    if wl.pgbench_scale:
        subprocess.run(["pgbench", "-i", "-q", "-s", str(wl.pgbench_scale)] + server.client_args() + [DATABASE],
                       check=True, capture_output=True)
    server.psql(["CREATE EXTENSION pg_stat_statements"] + wl.schema)
    for script, _ in wl.scripts:
        if not script.startswith("builtin:"):
            with open(os.path.join(scripts_dir, script + ".sql"), "w") as f:
                f.write(catalogue.w.SCRIPTS[script])
    if wl.settings:
        server.psql(wl.settings + ["SELECT pg_reload_conf()"])
    if scenario.setup:
        server.psql(scenario.setup)
    if any(n.kind == "other_db" for n in scenario.noise):
        server.psql(["CREATE DATABASE other"], database="postgres")
        subprocess.run(["pgbench", "-i", "-q", "-s", "2"] + server.client_args() + ["other"], check=True,
                       capture_output=True)
    server.psql(["CHECKPOINT", "SELECT pg_stat_statements_reset()"])


def start_noise(server, scenario, noise, workdir):
    """Starts one outside load; returns the processes to wait for and the note text."""
    wl = scenario.workload
    scripts_dir = os.path.join(workdir, "scripts")
    null = subprocess.DEVNULL
    if noise.kind == "cpu":
        loop = [sys.executable, "-c", "import time\nend = time.time() + %f\nwhile time.time() < end: pass"
                % noise.seconds]
        return [subprocess.Popen(loop) for _ in range(2)], f"outside CPU load: two busy loops for {noise.seconds:g} s"
    if noise.kind == "burst":
        clients = noise.detail.get("clients", 4)
        cmd = pgbench_command(server, wl, noise.seconds, None, scripts_dir, clients=clients, closed=True)
        return ([subprocess.Popen(cmd, stdout=null, stderr=null)],
                f"burst of {clients} extra closed-loop clients for {noise.seconds:g} s")
    if noise.kind == "demand":
        share = noise.detail.get("rate_share", 0.5)
        rest = max(5, RUN["end"] - time.time())
        cmd = pgbench_command(server, wl, rest, None, scripts_dir, rate=wl.rate * share)
        return ([subprocess.Popen(cmd, stdout=null, stderr=null)],
                f"a second open-loop client stream (+{share * 100:.0f} % of the rate) for the rest of the run")
    if noise.kind == "checkpoint":
        return [subprocess.Popen(["psql", "-X", "-q"] + server.client_args() + ["-d", DATABASE, "-c", "CHECKPOINT"],
                                 stdout=null)], "CHECKPOINT"
    if noise.kind == "vacuum":
        return ([subprocess.Popen(["psql", "-X", "-q"] + server.client_args()
                                  + ["-d", DATABASE, "-c", "VACUUM (ANALYZE) untouched"], stdout=null)],
                "VACUUM of another table (untouched)")
    if noise.kind == "vacuum_full":
        return ([subprocess.Popen(["psql", "-X", "-q"] + server.client_args()
                                  + ["-d", DATABASE, "-c", "VACUUM FULL untouched"], stdout=null)],
                "VACUUM FULL of another table (untouched)")
    if noise.kind == "pg_dump":
        return ([subprocess.Popen(["pg_dump", "-Fc", "-f", os.path.join(workdir, "dump")] + server.client_args()
                                  + [DATABASE], stdout=null)], "pg_dump of the database")
    if noise.kind == "report":
        # a self-join of 90 million rows, cut by its statement_timeout
        sql = (f"SET statement_timeout = '{noise.seconds:g}s'; "
               "SELECT count(*) FROM untouched a, untouched b WHERE a.v = b.v")
        return ([subprocess.Popen(["psql", "-X", "-q"] + server.client_args() + ["-d", DATABASE, "-c", sql],
                                  stdout=null, stderr=null)],
                f"a report query in the same database for {noise.seconds:g} s")
    if noise.kind == "lock":
        table = noise.detail["table"]
        sql = f"BEGIN; LOCK TABLE {table} IN SHARE MODE; SELECT pg_sleep({noise.seconds:g}); COMMIT;"
        return ([subprocess.Popen(["psql", "-X", "-q"] + server.client_args() + ["-d", DATABASE, "-c", sql],
                                  stdout=null)],
                f"another session holds a SHARE lock on {table} for {noise.seconds:g} s")
    if noise.kind == "io":
        target = os.path.join(workdir, "io-load")
        cmd = ["timeout", str(noise.seconds), "dd", "if=/dev/zero", f"of={target}", "bs=1M", "count=100000",
               "oflag=direct"]
        return [subprocess.Popen(cmd, stdout=null, stderr=null)], f"direct writes by another process for {noise.seconds:g} s"
    if noise.kind == "freeze":
        return ([subprocess.Popen(RUN["fs"].freeze_command(noise.seconds), stdout=null, stderr=null)],
                f"every write to the server's file system held for {noise.seconds:g} s (fsfreeze)")
    if noise.kind == "other_db":
        cmd = (["pgbench", "-n"] + server.client_args() + ["-c", "2", "-j", "2", "-T", str(int(noise.seconds)),
                                                           "other"])
        return ([subprocess.Popen(cmd, stdout=null, stderr=null)],
                f"another database runs pgbench (2 closed-loop clients) for {noise.seconds:g} s")
    raise ValueError(f"unknown noise kind {noise.kind}")


RUN = {}


class FreezableFs:
    """A file system of its own (ext4 in a loop device) for a scenario whose outside load stalls the storage: the
    cluster and the storage probe live on it, and `fsfreeze` holds every write to it for a few seconds, as a virtual
    disk whose host is busy elsewhere does. Needs root (mount, fsfreeze)."""

    def __init__(self, workdir):
        self.image = os.path.join(workdir, "fs.img")
        self.mountpoint = os.path.join(workdir, "fs")
        os.makedirs(self.mountpoint)
        with open(self.image, "wb") as f:
            f.truncate(3 << 30)
        subprocess.run(["mkfs.ext4", "-q", "-F", self.image], check=True)
        subprocess.run(["mount", "-o", "loop", self.image, self.mountpoint], check=True)
        os.chmod(self.mountpoint, 0o777)

    def freeze_command(self, seconds):
        return ["sh", "-c", f"fsfreeze -f {self.mountpoint} && sleep {seconds:g}; fsfreeze -u {self.mountpoint}"]

    def remove(self):
        subprocess.run(["fsfreeze", "-u", self.mountpoint], capture_output=True)  # if the lab stopped mid-stall
        subprocess.run(["umount", self.mountpoint], capture_output=True)


def read_client_log(prefix_dir):
    """Per transaction: (completion epoch s, latency ms, script number). Failed or skipped ones are left out."""
    out = []
    for name in os.listdir(prefix_dir):
        if not name.startswith("pgbench_log"):
            continue
        with open(os.path.join(prefix_dir, name)) as f:
            for line in f:
                fields = line.split()
                if len(fields) < 6 or not fields[2].isdigit():
                    continue
                out.append((int(fields[4]) + int(fields[5]) / 1e6, int(fields[2]) / 1000.0, int(fields[3])))
    out.sort()
    return out


def p95(values):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(0.95 * len(values)))]


def pct(after, before):
    if before is None or after is None or before <= 0:
        return None
    return 100.0 * (after - before) / before


def label_from_clients(transactions, action_epoch, finished_epoch, pre_s, post_s, scenario, set_aside=()):
    """set_aside: (start, end) epochs of outside load in the window, whose transactions say nothing about the action
    (the live soak uses it for actions that are not harmless by construction)."""
    inside = lambda t: any(start <= t < end for start, end in set_aside)
    pre = [t for t in transactions if action_epoch - pre_s <= t[0] < action_epoch]
    post = [t for t in transactions if finished_epoch <= t[0] < finished_epoch + post_s and not inside(t[0])]
    overlap = sum(max(0.0, min(end, finished_epoch + post_s) - max(start, finished_epoch)) for start, end in set_aside)
    p95_pre = p95([t[1] for t in pre])
    p95_post = p95([t[1] for t in post])
    tps_pre = len(pre) / pre_s
    tps_post = len(post) / max(1.0, post_s - overlap)
    p95_change = pct(p95_post, p95_pre)
    tps_change = pct(tps_post, tps_pre)
    total_pre_time = sum(t[1] for t in pre) or 1.0
    per_script = {}
    for script in sorted({t[2] for t in pre}):
        s_pre = [t[1] for t in pre if t[2] == script]
        s_post = [t[1] for t in post if t[2] == script]
        per_script[str(script)] = {
            "name": scenario.workload.scripts[script][0] if script < len(scenario.workload.scripts) else str(script),
            "share_of_calls": round(len(s_pre) / max(1, len(pre)), 4),
            "share_of_time": round(sum(s_pre) / total_pre_time, 4),
            "p95_pre_ms": p95(s_pre), "p95_post_ms": p95(s_post),
            "p95_change_pct": None if pct(p95(s_post), p95(s_pre)) is None else round(pct(p95(s_post), p95(s_pre)), 1),
        }
    significant = [s for s in per_script.values() if s["share_of_time"] >= SCRIPT_TIME_SHARE and len(per_script) > 1]
    worst_script = max((s["p95_change_pct"] or 0 for s in significant), default=0)
    overall_p95 = p95_change if p95_change is not None else 0
    overall_tps = tps_change if tps_change is not None else -100
    if scenario.harmless_by_construction:
        label, rule = "harmless", "by construction: the action cannot touch the workload"
    elif overall_p95 > HARM_PCT or overall_tps < -HARM_PCT or worst_script > HARM_PCT or p95_post is None:
        label, rule = "harmful", (f"clients' p95 {overall_p95:+.1f} %, throughput {overall_tps:+.1f} %, "
                                  f"worst significant script p95 {worst_script:+.1f} %")
    elif overall_p95 <= CALM_PCT and overall_tps >= -CALM_PCT and worst_script <= CALM_PCT:
        label, rule = "harmless", f"clients' p95 {overall_p95:+.1f} %, throughput {overall_tps:+.1f} %"
    else:
        label, rule = "ambiguous", (f"clients' p95 {overall_p95:+.1f} %, throughput {overall_tps:+.1f} %, "
                                    f"worst significant script p95 {worst_script:+.1f} %: between {CALM_PCT:g} "
                                    f"and {HARM_PCT:g} %")
    r = lambda v, d=3: None if v is None else round(v, d)
    return {
        "label": label, "label_rule": rule, "part": scenario.part,
        "client_p95_pre_ms": r(p95_pre), "client_p95_post_ms": r(p95_post),
        "client_tps_pre": r(tps_pre, 1), "client_tps_post": r(tps_post, 1),
        "p95_change_pct": r(p95_change, 1), "tps_change_pct": r(tps_change, 1),
        "per_script": per_script,
        "pre_window_s": pre_s, "post_window_s": post_s,
    }


def run_scenario(scenario, warm_s, pre_s, post_s, out_dir):
    workdir = tempfile.mkdtemp(prefix="vigil-lab-run-")
    os.chmod(workdir, 0o777)
    scripts_dir = os.path.join(workdir, "scripts")
    log_dir = os.path.join(workdir, "clients")
    os.makedirs(scripts_dir)
    os.makedirs(log_dir)
    RUN["fs"] = FreezableFs(workdir) if any(n.kind == "freeze" for n in scenario.noise) else None
    # The storage probe writes on the file system of the server's data directory.
    probe_dir = RUN["fs"].mountpoint if RUN["fs"] else workdir
    server = Server(RUN["fs"].mountpoint if RUN["fs"] else None)
    try:
        prepare(server, scenario, scripts_dir)
        total = warm_s + pre_s + post_s
        recorder = subprocess.Popen([os.path.join(BIN, "vigilctl"), "record", "--target", server.conninfo(),
                                     "--seconds", str(int(total + 2)), "--storage-probe-dir", probe_dir], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        start = time.time()
        RUN["end"] = start + total
        workload = subprocess.Popen(pgbench_command(server, scenario.workload, total, os.path.join(log_dir,
                                                                                                  "pgbench_log"),
                                                    scripts_dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True)
        time.sleep(max(0.0, start + warm_s + pre_s - time.time()))
        action_epoch = time.time()
        applied = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"] + server.client_args()
                                 + ["-d", DATABASE] + sum((["-c", s] for s in scenario.apply), []),
                                 capture_output=True, text=True)
        finished_epoch = time.time()
        if applied.returncode != 0:
            raise RuntimeError(f"the action failed: {applied.stderr.strip()}")
        notes, waiting = [], []
        for noise in sorted(scenario.noise, key=lambda n: n.after):
            time.sleep(max(0.0, finished_epoch + noise.after - time.time()))
            processes, text = start_noise(server, scenario, noise, workdir)
            notes.append((time.time(), text))
            waiting += processes
        workload_out, _ = workload.communicate(timeout=total + 120)
        for p in waiting:
            p.wait(timeout=300)
        trace_out, recorder_err = recorder.communicate(timeout=120)
        if recorder.returncode != 0:
            raise RuntimeError(f"vigilctl record failed: {recorder_err.strip()}")
        transactions = read_client_log(log_dir)
        label = label_from_clients(transactions, action_epoch, finished_epoch, pre_s, min(60.0, post_s), scenario)
        lines = [json.loads(line) for line in trace_out.splitlines() if line.strip()]
        header = lines[0]
        t0 = header["t0_epoch"]
        header["workload"] = scenario.workload.describe()
        header["scenario"] = scenario.name
        extra = [{"type": "action", "t": round(action_epoch - t0, 3), "id": "a1", "kind": scenario.kind,
                  "apply_sql": "; ".join(scenario.apply), "rollback_sql": "; ".join(scenario.rollback),
                  "finished_t": round(finished_epoch - t0, 3)}]
        extra += [{"type": "note", "t": round(at - t0, 3), "text": text} for at, text in notes]
        body = sorted(lines[1:] + extra, key=lambda o: o["t"])
        label.update({
            "action_t": round(action_epoch - t0, 3), "finished_t": round(finished_epoch - t0, 3),
            "workload": scenario.workload.describe(), "description": scenario.description,
            "noise": [{"t": round(at - t0, 2), "text": text} for at, text in notes],
            "harmless_by_construction": scenario.harmless_by_construction,
            "clients_summary": workload_out.strip().splitlines()[-3:] if workload_out else [],
        })
        os.makedirs(out_dir, exist_ok=True)
        with gzip.open(os.path.join(out_dir, scenario.name + ".jsonl.gz"), "wt") as f:
            for o in [header] + body:
                f.write(json.dumps(o, separators=(",", ":")) + "\n")
        return label
    finally:
        if RUN["fs"]:
            subprocess.run(["fsfreeze", "-u", RUN["fs"].mountpoint], capture_output=True)
        server.close()
        if RUN["fs"]:
            RUN["fs"].remove()
        shutil.rmtree(workdir, ignore_errors=True)


def save_label(out_dir, name, label):
    path = os.path.join(out_dir, "labels.json")
    labels = json.load(open(path)) if os.path.exists(path) else {}
    labels[name + ".jsonl.gz"] = label
    with open(path + ".tmp", "w") as f:
        json.dump(dict(sorted(labels.items())), f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)


NEAR_THRESHOLD = (12.0, 30.0)  # the issue's band for near-threshold harms: the clients' worst change, in %


def harm_size(label):
    """The clients' worst change in % (p95 rise, throughput fall, a significant script's p95 rise)."""
    scripts = [s["p95_change_pct"] or 0 for s in label.get("per_script", {}).values()
               if s.get("share_of_time", 0) >= SCRIPT_TIME_SHARE and len(label.get("per_script", {})) > 1]
    return max(label.get("p95_change_pct") or 0, -(label.get("tps_change_pct") or 0), max(scripts, default=0))


def summarise_labels(out_dir):
    """Counts the recorded labels by part, and lists the near-threshold harms (docs/lab.md)."""
    labels = json.load(open(os.path.join(out_dir, "labels.json")))
    parts = sorted({v["part"] for v in labels.values()})
    print(f"{'part':11}{'traces':>7}{'harmful':>9}{'ambiguous':>11}{'harmless':>10}{'near-threshold':>16}")
    near = []
    for part in parts + ["all"]:
        rows = [(k, v) for k, v in labels.items() if part in ("all", v["part"])]
        count = lambda name: sum(1 for _, v in rows if v["label"] == name)
        band = [(k, v) for k, v in rows if v["label"] == "harmful"
                and NEAR_THRESHOLD[0] <= harm_size(v) <= NEAR_THRESHOLD[1]]
        if part == "all":
            near = band
        print(f"{part:11}{len(rows):7}{count('harmful'):9}{count('ambiguous'):11}{count('harmless'):10}{len(band):16}")
    print(f"\nnear-threshold harms (the clients' worst change {NEAR_THRESHOLD[0]:g} to {NEAR_THRESHOLD[1]:g} %):")
    for k, v in sorted(near, key=lambda kv: (kv[1]["part"], kv[0])):
        print(f"  {k.removesuffix('.jsonl.gz'):45} {v['part']:11} {harm_size(v):+6.1f} %  ({v['label_rule']})")
    return 0


def main():
    parser = argparse.ArgumentParser(prog="scripts/lab", description=__doc__)
    parser.add_argument("names", nargs="*", help="scenarios to record (default: all of --part)")
    parser.add_argument("--list", action="store_true", help="list the catalogue and exit")
    parts = list(dict.fromkeys(s.part for s in catalogue.CATALOGUE))  # in catalogue order: tuning, validation, holdouts
    parser.add_argument("--part", choices=parts + ["all"], default="all")
    parser.add_argument("--labels", action="store_true",
                        help="count the recorded labels by part, list the near-threshold harms, and exit")
    parser.add_argument("--missing", action="store_true", help="only scenarios without a recorded trace")
    parser.add_argument("--quick", action="store_true",
                        help="short timings (20 s before, 20 s after) into a scratch folder: checks the lab works")
    parser.add_argument("--out", default=None, help="where traces and labels.json go (default tests/data/lab)")
    args = parser.parse_args()
    if args.labels:
        return summarise_labels(args.out or OUT)
    chosen = [s for s in catalogue.CATALOGUE if args.part in ("all", s.part)]
    if args.names:
        known = {s.name: s for s in catalogue.CATALOGUE}
        unknown = [n for n in args.names if n not in known]
        if unknown:
            print(f"scripts/lab: unknown scenario(s): {', '.join(unknown)} (see scripts/lab --list)", file=sys.stderr)
            return 2
        chosen = [known[n] for n in args.names]
    if args.list:
        for s in chosen:
            print(f"{s.name:40} {s.part:10} {s.workload.describe()}: {s.description}")
        print(f"{len(chosen)} scenarios")
        return 0
    warm, pre, post = (3, 20, 20) if args.quick else (5, 60, 70)
    out_dir = args.out or (tempfile.mkdtemp(prefix="vigil-lab-quick-") if args.quick else OUT)
    if args.missing:
        chosen = [s for s in chosen if not os.path.exists(os.path.join(out_dir, s.name + ".jsonl.gz"))]
    failures = 0
    for i, s in enumerate(chosen, 1):
        began = time.time()
        print(f"[{i}/{len(chosen)}] {s.name} ({s.part}): {s.description}", flush=True)
        try:
            label = run_scenario(s, warm, pre, post, out_dir)
        except Exception as e:  # one broken scenario must not lose the others' recordings
            failures += 1
            print(f"    FAILED: {e}", flush=True)
            continue
        save_label(out_dir, s.name, label)
        print(f"    {label['label']}: {label['label_rule']} ({time.time() - began:.0f} s)", flush=True)
    print(f"traces and labels in {out_dir}; {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

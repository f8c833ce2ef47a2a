#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# How a lab workload's time in the server per transaction wanders with no action at all, and when autovacuum runs:
# python3 tests/lab/serverwander.py [SCENARIO] (default tpcb_open_idx_untouched; about 3 minutes, quiet machine).
# Written for: does autovacuum run on the tpcb lab workload around 90-100 s after it starts, and does the server's
# time per transaction rise then? (soak run 9: +20-25 % from ~25 s into windows that began ~70 s after the start)
import os, sys, time, subprocess, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab, scenarios as catalogue
known = {s.name: s for s in catalogue.CATALOGUE}
scenario = known[sys.argv[1] if len(sys.argv) > 1 else "tpcb_open_idx_untouched"]
workdir = tempfile.mkdtemp(prefix="vigil-avdiag-"); os.chmod(workdir, 0o777)
scripts = os.path.join(workdir, "scripts"); logs = os.path.join(workdir, "clients")
os.makedirs(scripts); os.makedirs(logs)
server = lab.Server()
try:
    lab.prepare(server, scenario, scripts)
    lab.RUN["end"] = time.time() + 200
    w = subprocess.Popen(lab.pgbench_command(server, scenario.workload, 170, os.path.join(logs, "l"), scripts),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.time()
    q = ("SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname=current_database()),"
         " (SELECT active_time FROM pg_stat_database WHERE datname=current_database()),"
         " (SELECT string_agg(coalesce(query,''), ' | ') FROM pg_stat_activity WHERE backend_type='autovacuum worker'),"
         " (SELECT string_agg(relname||':'||autovacuum_count||'/'||autoanalyze_count, ' ') FROM pg_stat_user_tables"
         "   WHERE autovacuum_count+autoanalyze_count>0)")
    prev = None
    while time.time() - t0 < 165:
        out = server.psql([q]).strip().splitlines()[-1]
        xc, at, av, counts = (out.split("|", 3) + ["", "", "", ""])[:4]
        xc, at = float(xc), float(at)
        if prev:
            d = xc - prev[0]
            print("%5.0f srv/txn %.3f av[%s] %s" % (time.time() - t0, (at - prev[1]) / d if d else 0, av, counts), flush=True)
        prev = (xc, at)
        time.sleep(1)
    w.wait()
finally:
    server.close()

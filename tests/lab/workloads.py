# SPDX-License-Identifier: MIT
"""The lab's workloads: what the database holds and what the clients run (docs/lab.md).

A workload is the schema it needs (built once per scenario on a fresh server), the pgbench scripts its clients run
with their weights, and the client shape: clients, threads, and a rate for an open loop (None is a closed loop,
each client sending its next transaction as soon as the last one ends)."""
from dataclasses import dataclass, field

# Every schema also has `untouched`: a table no workload reads, for actions that cannot affect the workload by
# construction (an index there, an ANALYZE of it) and for outside maintenance (VACUUM FULL of another table).
UNTOUCHED = [
    "CREATE TABLE untouched (id int PRIMARY KEY, v int NOT NULL, pad text NOT NULL)",
    "INSERT INTO untouched SELECT g, g % 1000, repeat('u', 60) FROM generate_series(1, 300000) g",
    "VACUUM ANALYZE untouched",
]

ITEMS = [
    "CREATE TABLE items (id int PRIMARY KEY, sku text NOT NULL, category int NOT NULL, qty int NOT NULL,"
    " email text NOT NULL, note text NOT NULL)",
    "INSERT INTO items SELECT g, md5(g::text), g % 500, g % 100, 'user' || g || '@example.org',"
    " repeat('n', 40) FROM generate_series(1, 500000) g",
    "CREATE INDEX items_sku_idx ON items (sku)",
    "CREATE INDEX items_category_idx ON items (category)",
    "CREATE INDEX items_email_idx ON items (email)",
    "VACUUM ANALYZE items",
]

EVENTS = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE TABLE events (id bigserial PRIMARY KEY, k int NOT NULL, payload text NOT NULL,"
    " created timestamptz NOT NULL DEFAULT now())",
    "INSERT INTO events (k, payload) SELECT g, md5(g::text) || md5((g + 1)::text) FROM generate_series(1, 200000) g",
    "VACUUM ANALYZE events",
]

# tst_indexactions' table: 50 customers, each one's 10,000 orders contiguous in time, so customer_id is correlated
# with created_at (the ORDER BY ... LIMIT trap of the brief's own example).
ORDERS = [
    "CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL, created_at timestamptz NOT NULL,"
    " amount numeric(10,2) NOT NULL DEFAULT 1)",
    "INSERT INTO orders (customer_id, created_at) SELECT 1 + g / 10000, timestamptz '2026-01-01' + g * interval"
    " '1 second' FROM generate_series(0, 499999) g",
    "CREATE INDEX orders_customer_idx ON orders (customer_id)",
    "VACUUM ANALYZE orders",
]

SCRIPTS = {
    # a customer's ten latest orders (about 2 ms: 10,000 index entries and a top-N sort)
    "orders": """\\set c random(1, 50)
SELECT id FROM orders WHERE customer_id = :c ORDER BY created_at DESC LIMIT 10;
""",
    # two lookups by a hashed key and one update by primary key: t15/t17's workload
    "lookup": """\\set id random(1, 500000)
SELECT qty FROM items WHERE sku = md5(:id::text);
\\set id2 random(1, 500000)
SELECT qty FROM items WHERE sku = md5(:id2::text);
UPDATE items SET qty = qty + 1 WHERE id = :id;
""",
    # read-only lookups by primary key: the majority of a mixed workload
    "pk": """\\set id random(1, 500000)
SELECT qty, note FROM items WHERE id = :id;
""",
    # a report: one category of 1,000 rows through its index (about a millisecond); a sequential scan without it
    "report": """\\set c random(0, 499)
SELECT count(*), sum(qty) FROM items WHERE category = :c;
""",
    # a rare lookup by e-mail
    "email": """\\set id random(1, 500000)
SELECT id FROM items WHERE email = 'user' || :id || '@example.org';
""",
    # one insert per transaction
    "insert": """\\set k random(1, 100000000)
INSERT INTO events (k, payload) VALUES (:k, md5(:k::text) || md5((:k + 7)::text));
""",
    # a write and two reads: one statement in three writes
    "rw3": """\\set aid random(1, 100000 * :scale)
\\set delta random(-5000, 5000)
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid + 1;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
""",
    # a sort of 1,000 rows wide enough to spill with a small work_mem
    "sort": """\\set c random(0, 499)
SELECT id, note, sku FROM items WHERE category = :c ORDER BY note DESC, sku LIMIT 20;
""",
    # a slow statement: a sequential scan of 500,000 rows (tens of milliseconds)
    "scan": """\\set q random(0, 99)
SELECT count(*) FROM items WHERE qty = :q AND note <> 'x';
""",
    # ORDER BY ... LIMIT on a filtered column: the plan a new index on the sort key can trap
    "latest": """\\set c random(0, 499)
SELECT id, qty FROM items WHERE category = :c ORDER BY id DESC LIMIT 5;
""",
}


@dataclass
class Workload:
    name: str
    schema: list  # SQL run once on the fresh server (pgbench -i comes first when pgbench_scale is set)
    scripts: list  # [(script name, weight)] or [("builtin:tpcb-like", 1)]
    clients: int
    threads: int
    rate: float | None  # transactions/s of the whole open loop; None: closed loop
    pgbench_scale: int | None = None
    settings: list = field(default_factory=list)  # ALTER SYSTEM statements applied before the run

    def describe(self):
        loop = f"rate={self.rate:g} (open loop)" if self.rate else "(closed loop)"
        scripts = " + ".join(f"{s}@{w}" if len(self.scripts) > 1 else s for s, w in self.scripts)
        scale = f" scale={self.pgbench_scale}" if self.pgbench_scale else ""
        return f"pgbench {scripts}{scale} clients={self.clients} {loop}"


def tpcb(clients=4, rate=600, threads=2, scale=10, settings=()):
    return Workload("tpcb", UNTOUCHED, [("builtin:tpcb-like", 1)], clients, threads, rate, scale, list(settings))


def select_only(clients=4, rate=3000, threads=2, scale=10):
    return Workload("select-only", UNTOUCHED, [("builtin:select-only", 1)], clients, threads, rate, scale)


def rw3(clients=4, rate=900, threads=2, settings=()):
    return Workload("rw3", UNTOUCHED, [("rw3", 1)], clients, threads, rate, 10, list(settings))


def lookup(clients=4, rate=800, threads=2):
    return Workload("lookup", UNTOUCHED + ITEMS, [("lookup", 1)], clients, threads, rate)


def pk_with_report(rate=800, clients=4):
    return Workload("pk+report", UNTOUCHED + ITEMS, [("pk", 95), ("report", 5)], clients, 2, rate)


def pk_with_email(rate=800, clients=4):
    return Workload("pk+email", UNTOUCHED + ITEMS, [("pk", 97), ("email", 3)], clients, 2, rate)


def inserts(clients=4, rate=1500, threads=2):
    return Workload("insert", UNTOUCHED + EVENTS, [("insert", 1)], clients, threads, rate)


def sorts(rate=300, settings=()):
    return Workload("sort", UNTOUCHED + ITEMS, [("sort", 1)], 2, 2, rate, None, list(settings))


def scans(rate=8):
    return Workload("scan", UNTOUCHED + ITEMS, [("scan", 1)], 2, 2, rate)


def latest(rate=400):
    return Workload("latest", UNTOUCHED + ITEMS, [("latest", 1)], 4, 2, rate)


def orders(rate=80, clients=2):
    return Workload("orders", UNTOUCHED + ORDERS, [("orders", 1)], clients, 2, rate)

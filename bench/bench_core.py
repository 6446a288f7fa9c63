"""Core benchmark (issue 6): import rate, the seed guide's queries, aggregates and storage, each beside its
reference measured in the same run on the same events:

- import: `glasslog import` (a real subprocess) vs DuckDB's own `read_json` into a plain table;
- queries ("newest 100" over the whole range): glasslog's search vs hand-written DuckDB SQL over the same
  stored table vs the PostgreSQL `jsonb` peer (GIN index on the document, btree on published: Retraced's design);
- aggregates: hourly histogram and top actors / targets / event types;
- storage: bytes per event on disk vs the NDJSON.

    python bench/bench_core.py --users 7000 --days 90            # ~10M events
    python bench/bench_core.py --users 200 --days 30 --no-postgres  # quick look
    python bench/bench_core.py --users 7000 --days 90 --store DIR --pg-dir DIR  # reuse a store and a loaded peer

Events come from `glasslog simulate` (cached under bench/data/). PostgreSQL is started from the machine's
`initdb`/`pg_ctl` on a private socket directory when present; `--pg-dir` keeps its data directory (and the load,
~2.5 KB/event on disk) for later runs, `--pg-load-only` stops after loading it, and `--store` queries an existing
glasslog data directory instead of importing.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
GLASSLOG = [sys.executable, "-m", "glasslog.cli"]


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, **kw)


def generate(users: int, days: int, seed: int) -> Path:
    DATA.mkdir(exist_ok=True)
    out = DATA / f"sim-{users}u-{days}d-{seed}.ndjson"
    if not out.exists():
        t = time.perf_counter()
        end = datetime(2026, 11, 1, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        run([*GLASSLOG, "simulate", "--org", "acme", "--users", str(users), "--days", str(days), "--seed",
             str(seed), "--scenario", "all", "--end", end, "--out", str(out)])
        print(f"generated {out.name} in {time.perf_counter() - t:.1f}s")
    return out


def child_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def bench_import(ndjson: Path, work: Path, events: int) -> dict:
    ref_db = work / "readjson.duckdb"
    con = duckdb.connect(str(ref_db))
    t = time.perf_counter()
    con.execute(f"CREATE TABLE plain AS SELECT * FROM read_json('{ndjson}', format='newline_delimited', "
                "maximum_object_size=10000000, union_by_name=true)")
    con.execute("CHECKPOINT")
    ref_s = time.perf_counter() - t
    con.close()
    data = work / "glasslog"
    t = time.perf_counter()
    run([*GLASSLOG, "import", str(ndjson), "--data", str(data), "--org", "acme"], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    ours_s = time.perf_counter() - t
    return {"events": events, "read_json_s": ref_s, "read_json_eps": events / ref_s, "glasslog_s": ours_s,
            "glasslog_eps": events / ours_s, "ratio": ref_s / ours_s, "peak_rss_mb": child_peak_rss_mb(),
            "data_dir": data, "ref_db_bytes": ref_db.stat().st_size}


def pick_values(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Real values for the guide's placeholders (an attacker IP, a session, a user, an app)."""
    one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    return {
        "ip": one("SELECT json_extract_string(raw, '$.client.ipAddress') FROM events "
                  "WHERE client_user_agent = 'python-urllib/2.7' LIMIT 1") or one(
            "SELECT json_extract_string(raw, '$.client.ipAddress') FROM events LIMIT 1"),
        "session": one("SELECT external_session_id FROM events WHERE external_session_id IS NOT NULL "
                       "ORDER BY seq DESC LIMIT 1"),
        "user": one("SELECT json_extract_string(raw, '$.actor.alternateId') FROM events "
                    "WHERE event_type = 'user.authentication.sso' ORDER BY seq DESC LIMIT 1"),
        "name": one("SELECT json_extract_string(raw, '$.actor.displayName') FROM events "
                    "WHERE event_type = 'user.authentication.sso' ORDER BY seq DESC LIMIT 1"),
        "app": one("SELECT t.display_name FROM (SELECT unnest(targets) AS t FROM events "
                   "WHERE event_type = 'user.authentication.sso' LIMIT 1)"),
        "app_orig": one("SELECT json_extract_string(raw, '$.target[0].displayName') FROM events "
                        "WHERE event_type = 'user.authentication.sso' AND "
                        "json_extract_string(raw, '$.target[0].type') = 'AppInstance' LIMIT 1"),
    }


def queries(v: dict[str, str]) -> list[tuple[str, str, str, tuple]]:
    """(filter as the guide writes it, hand-written DuckDB SQL condition, PostgreSQL condition, pg params)."""
    ip, sess, user, name = v["ip"], v["session"], v["user"], v["name"]
    app = v["app_orig"]
    return [
        ('eventType eq "user.session.start" and outcome.reason eq "UNKNOWN_USER"',
         "event_type = 'user.session.start' AND outcome_reason = 'unknown_user'",
         "doc @> %s", (json.dumps({"eventType": "user.session.start", "outcome": {"reason": "UNKNOWN_USER"}}),)),
        ('eventType eq "user.account.lock"', "event_type = 'user.account.lock'",
         "doc @> %s", (json.dumps({"eventType": "user.account.lock"}),)),
        ('eventType eq "user.session.start" and outcome.reason eq "INVALID_CREDENTIALS"',
         "event_type = 'user.session.start' AND outcome_reason = 'invalid_credentials'",
         "doc @> %s", (json.dumps({"eventType": "user.session.start",
                                   "outcome": {"reason": "INVALID_CREDENTIALS"}}),)),
        ('eventType eq "user.session.start" and outcome.result eq "SUCCESS"',
         "event_type = 'user.session.start' AND outcome_result = 'success'",
         "doc @> %s", (json.dumps({"eventType": "user.session.start", "outcome": {"result": "SUCCESS"}}),)),
        ('eventType sw "user.authentication.auth"', "starts_with(event_type, 'user.authentication.auth')",
         "doc->>'eventType' LIKE %s", ("user.authentication.auth%",)),
        (f'authenticationContext.externalSessionId eq "{sess}"', f"external_session_id = '{sess}'",
         "doc @> %s", (json.dumps({"authenticationContext": {"externalSessionId": sess}}),)),
        ('eventType eq "user.session.access_admin_app"', "event_type = 'user.session.access_admin_app'",
         "doc @> %s", (json.dumps({"eventType": "user.session.access_admin_app"}),)),
        ('eventType eq "user.mfa.factor.deactivate"', "event_type = 'user.mfa.factor.deactivate'",
         "doc @> %s", (json.dumps({"eventType": "user.mfa.factor.deactivate"}),)),
        ('eventType eq "user.account.reset_password"', "event_type = 'user.account.reset_password'",
         "doc @> %s", (json.dumps({"eventType": "user.account.reset_password"}),)),
        ('eventType eq "user.account.update_password"', "event_type = 'user.account.update_password'",
         "doc @> %s", (json.dumps({"eventType": "user.account.update_password"}),)),
        ('eventType eq "zone.update"', "event_type = 'zone.update'",
         "doc @> %s", (json.dumps({"eventType": "zone.update"}),)),
        ('eventType eq "user.account.privilege.grant"', "event_type = 'user.account.privilege.grant'",
         "doc @> %s", (json.dumps({"eventType": "user.account.privilege.grant"}),)),
        ('eventType eq "group.user_membership.add"', "event_type = 'group.user_membership.add'",
         "doc @> %s", (json.dumps({"eventType": "group.user_membership.add"}),)),
        ('eventType eq "user.session.start"', "event_type = 'user.session.start'",
         "doc @> %s", (json.dumps({"eventType": "user.session.start"}),)),
        (f'eventType eq "user.session.start" and client.ipAddress eq "{ip}"',
         f"event_type = 'user.session.start' AND client_ip = '{ip.lower()}'",
         "doc @> %s", (json.dumps({"eventType": "user.session.start", "client": {"ipAddress": ip}}),)),
        (f'eventType eq "user.authentication.sso" and client.ipAddress eq "{ip}"',
         f"event_type = 'user.authentication.sso' AND client_ip = '{ip.lower()}'",
         "doc @> %s", (json.dumps({"eventType": "user.authentication.sso", "client": {"ipAddress": ip}}),)),
        ('client.userAgent.rawUserAgent eq "Python-urllib/2.7"', "client_user_agent = 'python-urllib/2.7'",
         "doc @> %s", (json.dumps({"client": {"userAgent": {"rawUserAgent": "Python-urllib/2.7"}}}),)),
        ('eventType eq "user.authentication.auth_via_mfa" and outcome.result eq "FAILURE"',
         "event_type = 'user.authentication.auth_via_mfa' AND outcome_result = 'failure'",
         "doc @> %s", (json.dumps({"eventType": "user.authentication.auth_via_mfa",
                                   "outcome": {"result": "FAILURE"}}),)),
        (f'actor.alternateId eq "{user}"', f"actor_alternate_id = '{user.lower()}'",
         "doc @> %s", (json.dumps({"actor": {"alternateId": user}}),)),
        (f'actor.displayName eq "{name}"', f"actor_display_name = '{name.lower()}'",
         "doc @> %s", (json.dumps({"actor": {"displayName": name}}),)),
        (f'eventType eq "user.authentication.sso" and actor.alternateId eq "{user}"',
         f"event_type = 'user.authentication.sso' AND actor_alternate_id = '{user.lower()}'",
         "doc @> %s", (json.dumps({"eventType": "user.authentication.sso", "actor": {"alternateId": user}}),)),
        (f'client.IpAddress eq "{ip}"', f"client_ip = '{ip.lower()}'",
         "doc @> %s", (json.dumps({"client": {"ipAddress": ip}}),)),
        (f'request.ipChain.ip eq "{ip}"', f"list_bool_or([x.ip = '{ip.lower()}' for x in ip_chain])",
         "doc @> %s", (json.dumps({"request": {"ipChain": [{"ip": ip}]}}),)),
        ('request.ipChain.geographicalContext.country eq "United States"',
         "list_bool_or([x.country = 'united states' for x in ip_chain])",
         "doc @> %s", (json.dumps({"request": {"ipChain": [{"geographicalContext": {"country":
                                                                                       "United States"}}]}}),)),
        (f'target.displayName eq "{app}" and eventType eq "user.authentication.sso"',
         f"list_bool_or([x.display_name = '{app.lower()}' for x in targets]) AND "
         "event_type = 'user.authentication.sso'",
         "doc @> %s", (json.dumps({"eventType": "user.authentication.sso", "target": [{"displayName": app}]}),)),
        ('eventType eq "user.account.privilege.grant" and '
         'debugContext.debugData.privilegeGranted eq "Super administrator"',
         "event_type = 'user.account.privilege.grant' AND "
         "lower(json_extract_string(raw, '$.debugContext.debugData.privilegeGranted')) = 'super administrator'",
         "doc @> %s", (json.dumps({"eventType": "user.account.privilege.grant",
                                   "debugContext": {"debugData": {"privilegeGranted": "Super administrator"}}}),)),
    ]


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    fn()  # warm
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), out


def pg_timed(fn, repeat: int, once_above_s: float | None) -> str:
    """The peer's median of `repeat` runs after a warm-up, as "ms"; with `once_above_s`, a warm-up slower than
    that is the figure itself ("ms (1 run)"): at 10M a rare-match query walks the whole table."""
    t = time.perf_counter()
    fn()
    first = (time.perf_counter() - t) * 1000
    if once_above_s is not None and first > once_above_s * 1000:
        return f"{first:.1f} (1 run)"
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return f"{statistics.median(times):.1f}"


PG_MARKER = "glasslog-bench-loaded.json"  # written into a kept data directory once the load is complete


class Postgres:
    """A PostgreSQL server on a private socket, loaded the way Retraced keeps events.

    Throwaway (under the work directory) by default; with `pg_dir` the data directory is kept there and a
    complete load (marked by PG_MARKER after VACUUM ANALYZE) is reused by later runs instead of reloading."""

    def __init__(self, work: Path, pg_dir: Path | None = None) -> None:
        user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.user = user
        self.kept = pg_dir is not None
        if pg_dir is None:
            self.dir = work / "pg"
            self.sock = work / "pgsock"
            self.sock.mkdir(exist_ok=True)
            logfile = work / "pg.log"
            if user:
                shutil.chown(work, "postgres")
        else:
            self.dir = pg_dir.resolve()
            self.dir.mkdir(parents=True, exist_ok=True)
            self.sock = Path(tempfile.mkdtemp(prefix="glasslog-pgsock-"))  # short: socket paths are limited
            logfile = self.dir / "server.log"
        if user:
            shutil.chown(self.sock, "postgres")
            if self.kept:
                shutil.chown(self.dir, "postgres")
        if not (self.dir / "PG_VERSION").exists():
            run([*user, "initdb", "-D", str(self.dir), "-A", "trust", "-U", "postgres"], stdout=subprocess.DEVNULL)
        self.marker = self.dir / PG_MARKER
        self.loaded = json.loads(self.marker.read_text()) if self.kept and self.marker.exists() else None
        # wal_level=minimal: the table is created in the COPY's transaction and its indexes are built whole, so
        # neither is WAL-logged (no WAL as big as the data on disk while loading)
        run([*user, "pg_ctl", "-D", str(self.dir), "-o", f"-k {self.sock} -c listen_addresses='' "
             "-c shared_buffers=4GB -c work_mem=256MB -c maintenance_work_mem=2GB -c max_wal_size=8GB "
             "-c wal_level=minimal -c max_wal_senders=0 "
             "-c synchronous_commit=off -c fsync=off", "-l", str(logfile), "-w", "start"],
            stdout=subprocess.DEVNULL)
        self.running = True

    def psql(self, sql: str, *args: str) -> str:
        return subprocess.run([*self.user, "psql", "-h", str(self.sock), "-U", "postgres", "-At", "-c", sql,
                               *args], check=True, capture_output=True, text=True).stdout

    def load(self, ndjson: Path) -> float | None:
        """Load and index the events; None when a kept data directory already holds a complete load."""
        if self.loaded:
            return None
        self.marker.unlink(missing_ok=True)
        t = time.perf_counter()
        # One COPY of two columns straight into the table: `published` is cut out of each line here (the
        # simulator writes one event per line, `published` its second key), so there is no staging copy of the
        # text. Backslashes are doubled because COPY's text format treats them as escapes (JSON's own \" and \\
        # must survive); \x01 delimits the columns, as valid JSON never holds a raw control character; the
        # line's own newline ends the row. Fed from here: the postgres user may not read the bench's files.
        key = b'"published":"'
        events = 0
        with self.connect(autocommit=False) as con:
            con.execute("DROP TABLE IF EXISTS events")
            con.execute("CREATE TABLE events (id bigserial PRIMARY KEY, published timestamptz, doc jsonb)")
            copy_sql = "COPY events (published, doc) FROM STDIN WITH (FORMAT text, DELIMITER E'\\x01', FREEZE)"
            with con.cursor() as cur, cur.copy(copy_sql) as copy, open(ndjson, "rb") as fh:
                buf, size = [], 0
                for line in fh:
                    i = line.find(key) + len(key)
                    if i < len(key):
                        raise RuntimeError(f"line {events + 1} of {ndjson} has no published")
                    pub = line[i:line.index(b'"', i)]
                    if events < 1000 and pub.decode() != json.loads(line)["published"]:
                        raise RuntimeError(f"line {events + 1}: the first \"published\" is not the event's own")
                    if not line.endswith(b"\n"):
                        line += b"\n"
                    row = pub + b"\x01" + line.replace(b"\\", b"\\\\")
                    buf.append(row)
                    size += len(row)
                    events += 1
                    if size > 8 << 20:
                        copy.write(b"".join(buf))
                        buf, size = [], 0
                    if events % 1_000_000 == 0:
                        print(f"postgres: copied {events:,} events ({time.perf_counter() - t:.0f}s)", flush=True)
                if buf:
                    copy.write(b"".join(buf))
            con.commit()
        print(f"postgres: copied {events:,} events in {time.perf_counter() - t:.0f}s; indexing", flush=True)
        self.psql("CREATE INDEX ON events (published)")
        self.psql("CREATE INDEX ON events USING gin (doc jsonb_path_ops)")
        self.psql("VACUUM ANALYZE events")
        load_s = time.perf_counter() - t
        if self.kept:
            self.psql("CHECKPOINT")  # fsync is off: have everything on disk before saying the load is complete
            os.sync()
            self.marker.write_text(json.dumps({"ndjson": str(ndjson), "events": events, "load_s": round(load_s, 1),
                                               "loaded_at": datetime.now(UTC).isoformat()}) + "\n")
            self.loaded = json.loads(self.marker.read_text())
        return load_s

    def size_bytes(self) -> tuple[int, int]:
        """(whole database, events table with its indexes and TOAST)."""
        db, tbl = self.psql("SELECT pg_database_size('postgres'), pg_total_relation_size('events')").split("|")
        return int(db), int(tbl)

    def connect(self, autocommit: bool = True):  # noqa: ANN201
        import psycopg

        return psycopg.connect(host=str(self.sock), user="postgres", dbname="postgres", autocommit=autocommit)

    def stop(self) -> None:
        if not self.running:
            return
        self.running = False
        # a kept data directory is shut down cleanly (checkpointed) so the next run starts without recovery
        subprocess.run([*self.user, "pg_ctl", "-D", str(self.dir), "-m", "fast" if self.kept else "immediate",
                        "-w", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if self.kept:
            shutil.rmtree(self.sock, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--work", default=None, help="work directory (default: a temp dir, removed after)")
    ap.add_argument("--pg-dir", type=Path, default=None,
                    help="keep the PostgreSQL data directory here; a later run reuses its load instead of reloading")
    ap.add_argument("--store", type=Path, default=None,
                    help="an existing glasslog data directory holding these events (org acme): the import "
                         "(glasslog and read_json) is skipped and its store is queried")
    ap.add_argument("--ndjson", type=Path, default=None,
                    help="the events file (default: the simulator's output for --users/--days/--seed)")
    ap.add_argument("--pg-load-only", action="store_true",
                    help="stop after loading the PostgreSQL peer (with --pg-dir: load it for later runs)")
    ap.add_argument("--pg-once-above", type=float, default=None, metavar="SECONDS",
                    help="time a peer query once when its warm-up run takes longer than this (default: always "
                         "the median of the repeats)")
    args = ap.parse_args()

    ndjson = args.ndjson.resolve() if args.ndjson else generate(args.users, args.days, args.seed)
    size = ndjson.stat().st_size
    work = Path(args.work or tempfile.mkdtemp(prefix="glasslog-bench-"))
    work.mkdir(parents=True, exist_ok=True)

    import glasslog

    if args.store:
        data_dir = args.store.resolve()
        if not (data_dir / "glasslog.duckdb").exists():
            sys.exit(f"--store {data_dir}: no glasslog.duckdb there")
        log = glasslog.open(data_dir)
        con = log.store._cursor()  # the same stored table, for the hand-written SQL reference
        events = con.execute("SELECT count(*) FROM events WHERE org = 'acme'").fetchone()[0]
        print(f"# {events:,} events (in the store), {size / 1e9:.2f} GB NDJSON ({size / events:.0f} B/event), "
              f"{os.cpu_count()} cores")
        print(f"import: skipped (reusing the glasslog store {data_dir})")
        ref_note = ""
    else:
        with open(ndjson, "rb") as fh:
            events = sum(1 for _ in fh)
        print(f"# {events:,} events, {size / 1e9:.2f} GB NDJSON ({size / events:.0f} B/event), "
              f"{os.cpu_count()} cores")
        imp = bench_import(ndjson, work, events)
        print(f"import: glasslog {imp['glasslog_eps']:,.0f} ev/s ({imp['glasslog_s']:.1f}s) vs DuckDB read_json "
              f"{imp['read_json_eps']:,.0f} ev/s ({imp['read_json_s']:.1f}s): {imp['ratio']:.2f}x; "
              f"peak RSS {imp['peak_rss_mb']:.0f} MB")
        data_dir = imp["data_dir"]
        log = glasslog.open(data_dir)
        con = log.store._cursor()  # the same stored table, for the hand-written SQL reference
        ref_note = f"; plain read_json table {imp['ref_db_bytes'] / events:.0f} B/event"
    db_bytes = (data_dir / "glasslog.duckdb").stat().st_size
    print(f"storage: {db_bytes / events:.0f} B/event on disk vs {size / events:.0f} B/event NDJSON "
          f"(1/{size / db_bytes:.1f}){ref_note}")
    values = pick_values(con)
    lo, hi = con.execute("SELECT min(published), max(published) FROM events").fetchone()
    since = lo.replace(tzinfo=UTC)
    until = hi.replace(tzinfo=UTC) + timedelta(seconds=1)

    pg = None
    if not args.no_postgres and shutil.which("initdb"):
        try:
            pg = Postgres(work, args.pg_dir)
            atexit.register(pg.stop)
            load_s = pg.load(ndjson)
            if load_s is not None:
                print(f"postgres: loaded + indexed in {load_s:.0f}s")
            else:
                print(f"postgres: reusing the load in {pg.dir} ({pg.loaded['events']:,} events from "
                      f"{Path(pg.loaded['ndjson']).name}, loaded + indexed in {pg.loaded['load_s']:.0f}s)")
            pgcon = pg.connect()
            pg_events = pgcon.execute("SELECT count(*) FROM events").fetchone()[0]
            db_b, tbl_b = pg.size_bytes()
            print(f"postgres: {pg_events:,} events, {db_b / 1e9:.2f} GB database ({db_b / pg_events:.0f} B/event), "
                  f"events table + indexes {tbl_b / 1e9:.2f} GB")
            if pg_events != events:
                print(f"postgres: WARNING: {pg_events:,} events vs {events:,} in glasslog")
        except Exception as exc:  # noqa: BLE001 - the peer is optional; say why it is missing
            print(f"postgres peer unavailable: {exc}")
            pg = None
    if args.pg_load_only:
        log.close()
        if pg:
            pg.stop()
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
        return

    print("\n| query | matches | glasslog ms | hand SQL ms | PostgreSQL jsonb ms |")
    print("|---|---:|---:|---:|---:|")
    worst = 0.0
    for flt, cond, pgcond, pgparams in queries(values):
        ms, got = timed(lambda f=flt: log.search(org="acme", filter=f, since=since, until=until, limit=100,
                                                 sort_order="DESCENDING"))
        hand_sql = (f"SELECT raw FROM events WHERE org = 'acme' AND {cond} "
                    "ORDER BY published DESC, uuid DESC LIMIT 100")
        hms, _ = timed(lambda s=hand_sql: con.execute(s).fetchall())
        nmatch = con.execute(f"SELECT count(*) FROM events WHERE org = 'acme' AND {cond}").fetchone()[0]
        pms = "nan"
        if pg:
            sql = f"SELECT doc FROM events WHERE {pgcond} ORDER BY published DESC LIMIT 100"
            pms = pg_timed(lambda s=sql, p=pgparams: pgcon.execute(s, p).fetchall(), 3, args.pg_once_above)
        worst = max(worst, ms)
        assert len(got) == min(100, nmatch), (flt, len(got), nmatch)
        print(f"| `{flt[:90]}` | {nmatch:,} | {ms:.1f} | {hms:.1f} | {pms} |")
    print(f"\nworst glasslog query: {worst:.1f} ms")

    from glasslog.store.base import SearchQuery

    q = SearchQuery(since=since, until=until)
    # top_values answers these unfiltered trends from the daily rollup (store/duckdb_rollup.py); the second
    # column is the same call grouping the events instead (rollup=False), which gives the same rows
    print("\n| aggregate | glasslog ms | without the rollup ms | PostgreSQL ms |")
    print("|---|---:|---:|---:|")
    aggs = [
        ("hourly histogram", lambda **_: log.store.histogram("acme", q, 3600),
         "SELECT date_trunc('hour', published), count(*) FROM events GROUP BY 1"),
        ("top actors", lambda **kw: log.store.top_values("acme", q, "actor.alternateId", 10, **kw),
         "SELECT doc->'actor'->>'alternateId' a, count(*) FROM events GROUP BY a ORDER BY 2 DESC LIMIT 10"),
        ("top targets", lambda **kw: log.store.top_values("acme", q, "target.displayName", 10, **kw),
         "SELECT t->>'displayName' a, count(*) FROM events, jsonb_array_elements(CASE WHEN "
         "jsonb_typeof(doc->'target') = 'array' THEN doc->'target' ELSE '[]' END) t "
         "GROUP BY a ORDER BY 2 DESC LIMIT 10"),
        ("top event types", lambda **kw: log.store.top_values("acme", q, "eventType", 10, **kw),
         "SELECT doc->>'eventType' a, count(*) FROM events GROUP BY a ORDER BY 2 DESC LIMIT 10"),
    ]
    for name, fn, pgsql in aggs:
        ms, got = timed(fn, repeat=3)
        bms, plain = timed(lambda f=fn: f(rollup=False), repeat=3) if name.startswith("top") else (float("nan"), got)
        assert got == plain, name
        pms = pg_timed(lambda s=pgsql: pgcon.execute(s).fetchall(), 1, args.pg_once_above) if pg else "nan"
        print(f"| {name} | {ms:.1f} | {bms:.1f} | {pms} |")

    # `q` keywords (exact tokens, reference section 4): an RE2 prefilter scans the stored JSON of the time slices
    # it needs, then Python confirms the tokens
    print("\n| q keywords, newest 100 | returned | glasslog ms |")
    print("|---|---:|---:|")
    for words in ("Python-urllib/2.7", values["name"], values["user"], "Tehran"):
        ms, got = timed(lambda w=words: log.search(org="acme", q=w, since=since, until=until, limit=100,
                                                   sort_order="DESCENDING"), repeat=3)
        print(f"| `{words}` | {len(got)} | {ms:.1f} |")

    jq = shutil.which("jq")
    if jq and events <= 2_000_000:
        t = time.perf_counter()
        subprocess.run([jq, "-c", 'select(.eventType == "user.account.lock")', str(ndjson)],
                       stdout=subprocess.DEVNULL, check=True)
        print(f"\njq over the NDJSON: {(time.perf_counter() - t) * 1e6 / events:.1f} s per million events")
    log.close()
    if pg:
        pg.stop()
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""How the ClickHouse store talks to an engine: one thin "executor" per transport, so all SQL is shared.

- `ChdbExecutor`: ClickHouse's engine in-process (`chdb`), a persistent database at a directory. Used by
  tests and for trying the scale-out backend on one machine.
- `HttpExecutor`: a ClickHouse server or cluster through `clickhouse-connect` (HTTP).

Both take the same statements with `{?}` markers for values. `bind` turns the markers into ClickHouse's typed
server-side parameters (`{p0:String}`), so values never become SQL text; only lists (a batch's uuids, which
would not fit in an HTTP URL as parameters) are written inline as escaped literals.
"""

from __future__ import annotations

import contextlib
import io
import threading
from datetime import UTC, datetime
from typing import Any, Protocol

import pyarrow as pa

MARKER = "{?}"
# Ingest probes a batch's uuids inline (`uuid IN [...]`); the default 256 KiB query limit is too small for that.
BASE_SETTINGS: dict[str, Any] = {"max_query_size": 16 * 1024 * 1024}


class Executor(Protocol):
    """The four things the store needs from a transport."""

    def arrow(self, sql: str, params: dict[str, Any] | None = None) -> pa.Table:
        """Run a query and return its result as an Arrow table."""

    def command(self, sql: str, params: dict[str, Any] | None = None) -> None:
        """Run a statement with no result (DDL, ALTER, DELETE)."""

    def insert_arrow(self, table: str, data: pa.Table, settings: dict[str, Any] | None = None) -> None:
        """Insert an Arrow table's columns (named as the table's columns) as one INSERT."""

    def close(self) -> None: ...


# -- parameters ---------------------------------------------------------------------------------------------


def _instant_text(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def literal(value: Any) -> str:
    """An escaped ClickHouse literal (used only for lists of strings and numbers)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"no ClickHouse literal for {type(value).__name__}")


def bind(sql: str, params: list[Any]) -> tuple[str, dict[str, Any]]:
    """Replace each `{?}` marker, in order, by a typed parameter named after its position."""
    pieces = sql.split(MARKER)
    if len(pieces) - 1 != len(params):
        raise ValueError(f"{len(pieces) - 1} markers for {len(params)} parameters")
    out = [pieces[0]]
    named: dict[str, Any] = {}
    for i, (value, rest) in enumerate(zip(params, pieces[1:], strict=True)):
        name = f"p{i}"
        if isinstance(value, list | tuple):
            out.append(literal(list(value)))
        else:
            kind, text = _typed(value)
            out.append(f"{{{name}:{kind}}}")
            named[name] = text
        out.append(rest)
    return "".join(out), named


def _typed(value: Any) -> tuple[str, Any]:
    if value is None:
        return "Nullable(String)", None
    if isinstance(value, bool):
        return "Bool", value
    if isinstance(value, int):
        return ("Int64" if -(2**63) <= value < 2**63 else "Int128"), value
    if isinstance(value, float):
        return "Float64", value
    if isinstance(value, str):
        return "String", value
    if isinstance(value, datetime):
        return "DateTime64(6, 'UTC')", _instant_text(value)
    raise TypeError(f"cannot bind a {type(value).__name__} as a ClickHouse parameter")


# -- chdb ---------------------------------------------------------------------------------------------------

# Server-side parameter values are read in ClickHouse's "escaped" text format.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0", "'": "\\'",
                          "\b": "\\b", "\f": "\\f"})


def _chdb_param(value: Any) -> Any:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return value


_ENGINE_LOCK = threading.Lock()
_ENGINE_PATH: list[str] = []  # chdb hosts one engine per process, bound to one path


class ChdbExecutor:
    """chdb in-process. chdb hosts a single engine per process, bound to one directory; connections to that
    directory are cheap and independent, so each thread gets its own (a connection runs one query at a time)."""

    def __init__(self, path: str, settings: dict[str, Any] | None = None) -> None:
        from chdb.state import sqlitelike

        self._sqlitelike = sqlitelike
        self.path = path
        self._settings = {**BASE_SETTINGS, **(settings or {})}
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()
        self._closed = False
        with _ENGINE_LOCK:
            if _ENGINE_PATH and _ENGINE_PATH[0] != path:
                raise RuntimeError(
                    f"chdb already hosts {_ENGINE_PATH[0]} in this process; close that store before opening "
                    f"{path} (chdb runs one embedded engine per process)")
            self._conn()  # fail now, not on first use
            if not _ENGINE_PATH:
                _ENGINE_PATH.append(path)
            self._owns = True

    def _conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise RuntimeError("the ClickHouse store is closed")
            query = "&".join(f"{k}={v}" for k, v in self._settings.items())
            conn = self._sqlitelike.connect(self.path + (f"?{query}" if query else ""))
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def arrow(self, sql: str, params: dict[str, Any] | None = None) -> pa.Table:
        conn = self._conn()
        if params:
            return conn.query(sql, "ArrowTable", params={k: _chdb_param(v) for k, v in params.items()})
        return conn.query(sql, "ArrowTable")

    def command(self, sql: str, params: dict[str, Any] | None = None) -> None:
        conn = self._conn()
        if params:
            conn.query(sql, "CSV", params={k: _chdb_param(v) for k, v in params.items()})
        else:
            conn.query(sql, "CSV")

    def insert_arrow(self, table: str, data: pa.Table, settings: dict[str, Any] | None = None) -> None:
        sink = io.BytesIO()
        with pa.ipc.new_stream(sink, data.schema) as writer:
            writer.write_table(data)
        cols = ", ".join(f"`{c}`" for c in data.column_names)
        extra = ""
        if settings:
            extra = " SETTINGS " + ", ".join(f"{k} = {literal(v)}" for k, v in settings.items())
        with self._conn().send_insert(f"INSERT INTO {table} ({cols}){extra}", "ArrowStream") as ins:
            ins.append(sink.getvalue())
            ins.finish()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            with contextlib.suppress(Exception):  # closing is best effort
                conn.close()
        with _ENGINE_LOCK:
            if _ENGINE_PATH and _ENGINE_PATH[0] == self.path:
                _ENGINE_PATH.clear()


# -- clickhouse-connect ------------------------------------------------------------------------------------


class HttpExecutor:
    """A ClickHouse server through clickhouse-connect. A client holds one HTTP session, which ClickHouse lets
    run one query at a time, so each thread gets its own client."""

    def __init__(self, host: str, port: int, username: str, password: str, secure: bool,
                 settings: dict[str, Any] | None = None) -> None:
        import clickhouse_connect

        self._connect = lambda: clickhouse_connect.get_client(
            host=host, port=port, username=username, password=password, secure=secure,
            settings={**BASE_SETTINGS, **(settings or {})}, autogenerate_session_id=False)
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()
        self._client()

    def _client(self) -> Any:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._connect()
            self._local.client = client
            with self._lock:
                self._all.append(client)
        return client

    def arrow(self, sql: str, params: dict[str, Any] | None = None) -> pa.Table:
        return self._client().query_arrow(sql, parameters=params or {})

    def command(self, sql: str, params: dict[str, Any] | None = None) -> None:
        self._client().command(sql, parameters=params or {})

    def insert_arrow(self, table: str, data: pa.Table, settings: dict[str, Any] | None = None) -> None:
        database, _, name = table.rpartition(".")
        self._client().insert_arrow(name.strip("`"), data, database=database.strip("`") or None,
                                    settings=settings or {})

    def close(self) -> None:
        with self._lock:
            clients, self._all = self._all, []
        for client in clients:
            with contextlib.suppress(Exception):  # closing is best effort
                client.close()

"""Settings from the environment, turned into the library's settings in one place.

``REGISTRY_DATABASE_URL``:

* ``sqlite:///relative/path.sqlite`` or ``sqlite:////absolute/path.sqlite`` — the embedded
  default is ``sqlite:///var/registry.sqlite`` (the folder is created on demand);
* ``postgresql://user[:password]@host[:port]/dbname[?schema=name]`` — the schema (created on
  demand) keeps several registries, or each test, apart in one database. ``?pool_size=N``
  (8: N connections kept, N more on demand) and ``?pool_timeout=S`` (1: the whole seconds a
  request waits for a pooled connection before it is answered 503 ``store-unavailable``).

When PostgreSQL drops the connections (a restart, ``pg_terminate_backend``), a pooled
connection fails its check and is replaced; while the server does not answer, the pools retry
every 0.5 s instead of psycopg_pool's doubling back-off (1, 2, 4… s), so service resumes
within about half a second of the server answering again (:func:`prepare_store`).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import msgspec

DEFAULT_DATABASE_URL = "sqlite:///var/registry.sqlite"
#: the eventsourcing SQLite datastore's fixed pool: 5 connections + 10 overflow
SQLITE_POOL_CONNECTIONS = 15
_SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class SettingsError(ValueError):
    """The configuration cannot be used; the message says what to change.

    ``template`` is the message in English with ``%(name)s`` placeholders — the msgid the
    command line translates (``cli.common.settings_problem``; extracted into the ``cli``
    catalogue) — and ``params`` its values, quoted as the user wrote them.
    """

    def __init__(self, template: str, /, **params: str) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)


class Settings(msgspec.Struct, frozen=True):
    database_url: str
    backend: str  # "sqlite" | "postgres"
    sqlite_path: str | None = None
    pg_host: str | None = None
    pg_port: int = 5432
    pg_user: str | None = None
    pg_password: str = ""
    pg_dbname: str | None = None
    pg_schema: str = "public"
    pg_pool_size: int = 8
    pg_max_overflow: int = 8
    #: whole seconds a request waits for a pooled connection (the library takes whole seconds)
    pg_pool_timeout: int = 1

    def describe(self) -> str:
        """The store, for people (no password)."""
        if self.backend == "sqlite":
            return f"SQLite file {self.sqlite_path}"
        return (
            f"PostgreSQL {self.pg_user}@{self.pg_host}:{self.pg_port}/{self.pg_dbname}"
            f" schema {self.pg_schema}"
        )

    # The differences between the backends that the layers above act on, each behind a name
    # (the SQL ones are in ``store.dialect``).

    @property
    def local_lookups(self) -> bool:
        """Whether a lookup in the store reads a local file (SQLite): microseconds, not worth
        a trip to a worker thread, and cheap enough to repeat on every request."""
        return self.backend == "sqlite"

    @property
    def pool_connections(self) -> int:
        """The most connections the event store's pool opens: ``pg_pool_size +
        pg_max_overflow`` on PostgreSQL; on SQLite the library's fixed pool of 5 + 10."""
        if self.backend == "sqlite":
            return SQLITE_POOL_CONNECTIONS
        return self.pg_pool_size + self.pg_max_overflow

    @property
    def default_projector(self) -> str:
        """Where the projector runs unless told otherwise: ``"in-process"`` on SQLite (no
        subscriptions, one writer process: the serving process follows its own saves),
        ``"external"`` on PostgreSQL (``registry project``, shared by several API processes)."""
        return "in-process" if self.backend == "sqlite" else "external"

    @property
    def subscriptions(self) -> bool:
        """Whether the store pushes new events to followers (PostgreSQL's LISTEN/NOTIFY, the
        library's ``recorder.subscribe``); on SQLite followers poll and are woken by saves."""
        return self.backend == "postgres"

    @property
    def write_turns_path(self) -> str | None:
        """The lock file through which the writing processes of one store take turns
        (``registry.writer.FileTurns``): beside a SQLite file, which has one writer anyway;
        None on PostgreSQL, where writers meet the store's optimistic concurrency."""
        return f"{self.sqlite_path}.write-lock" if self.backend == "sqlite" else None

    def eventsourcing_env(self) -> dict[str, str]:
        """The eventsourcing library's settings for this store."""
        env = {
            "MAPPER_TOPIC": "store.mapper:MsgspecMapper",
            "AGGREGATE_CACHE_MAXSIZE": "2000",
            "AGGREGATE_CACHE_FASTFORWARD": "y",
        }
        if self.backend == "sqlite":
            assert self.sqlite_path is not None
            env.update(
                PERSISTENCE_MODULE="eventsourcing.sqlite",
                SQLITE_DBNAME=self.sqlite_path,
                SQLITE_LOCK_TIMEOUT="30",
            )
        else:
            env.update(
                PERSISTENCE_MODULE="eventsourcing.postgres",
                **{
                    f"POSTGRES_{name.upper()}": value for name, value in self.pg_datastore().items()
                },
                POSTGRES_POOL_SIZE=str(self.pg_pool_size),
                POSTGRES_MAX_OVERFLOW=str(self.pg_max_overflow),
                # the library's name for the pool's wait for a connection (psycopg_pool's
                # ``timeout``): short, so a lost server is a quick 503, never a hung request
                POSTGRES_CONNECT_TIMEOUT=str(self.pg_pool_timeout),
                POSTGRES_PRE_PING="y",
                # Never POSTGRES_ENABLE_DB_FUNCTIONS: its insert takes no table lock and
                # followers can skip events (NOTES-eventsourcing.md).
                POSTGRES_ENABLE_DB_FUNCTIONS="n",
            )
        return env

    def pg_datastore(self) -> dict[str, str]:
        """The PostgreSQL database and schema as the library's ``PostgresDatastore`` takes
        them (``store.events.postgres_datastore``); its settings are the same names in upper
        case after ``POSTGRES_`` (``eventsourcing_env``)."""
        return {
            "dbname": self.pg_dbname or "",
            "host": self.pg_host or "",
            "port": str(self.pg_port),
            "user": self.pg_user or "",
            "password": self.pg_password,
            "schema": self.pg_schema,
        }

    def pg_conninfo(self) -> str:
        """A libpq connection string for direct connections (schema set up, tests)."""
        parts = {
            "host": self.pg_host,
            "port": self.pg_port,
            "user": self.pg_user,
            "dbname": self.pg_dbname,
            "connect_timeout": 10,
        }
        if self.pg_password:
            parts["password"] = self.pg_password
        return " ".join(f"{k}={_quote(str(v))}" for k, v in parts.items())


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def parse_database_url(url: str) -> Settings:
    """Parse ``REGISTRY_DATABASE_URL``; raise :class:`SettingsError` with a clear message."""
    url = url.strip()
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        if not path:
            raise SettingsError(
                "REGISTRY_DATABASE_URL: after sqlite:/// give the path of the registry's file."
            )
        if path == ":memory:":
            raise SettingsError(
                "REGISTRY_DATABASE_URL: a registry in memory would lose every event when the "
                "command ends; give the path of a file."
            )
        return Settings(database_url=url, backend="sqlite", sqlite_path=path)
    parts = urlsplit(url)
    if parts.scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        query = parse_qs(parts.query)
        schema = (query.get("schema") or ["public"])[0].lower()
        if not _SCHEMA_RE.match(schema):
            raise SettingsError(
                "REGISTRY_DATABASE_URL: %(schema)s is not a schema name (small Latin letters, "
                "digits and _, not starting with a digit).",
                schema=repr(schema),
            )
        dbname = unquote(parts.path.lstrip("/"))
        if not dbname:
            raise SettingsError(
                "REGISTRY_DATABASE_URL: after postgresql://USER@HOST:PORT/ give the database name."
            )
        try:
            port = parts.port or 5432
        except ValueError:
            raise SettingsError(
                "REGISTRY_DATABASE_URL: the port of the database server is not a number."
            ) from None
        pool_size = _whole(query, "pool_size", 8)
        pool_timeout = _whole(query, "pool_timeout", 1)
        return Settings(
            database_url=url,
            backend="postgres",
            pg_host=parts.hostname or "127.0.0.1",
            pg_port=port,
            pg_user=unquote(parts.username or "postgres"),
            pg_password=unquote(parts.password or ""),
            pg_dbname=dbname,
            pg_schema=schema,
            pg_pool_size=pool_size,
            pg_max_overflow=pool_size,
            pg_pool_timeout=pool_timeout,
        )
    raise SettingsError(
        "REGISTRY_DATABASE_URL: %(url)s is neither sqlite:///PATH nor "
        "postgresql://USER@HOST:PORT/DATABASE.",
        url=repr(url),
    )


def _whole(query: dict[str, list[str]], name: str, default: int) -> int:
    text = (query.get(name) or [str(default)])[0]
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise SettingsError(
            "REGISTRY_DATABASE_URL: %(name)s must be a whole number, at least 1.", name=name
        )
    return int(text)


def load_settings(url: str | None = None) -> Settings:
    """Settings from ``url`` or the environment (``REGISTRY_DATABASE_URL``)."""
    return parse_database_url(
        url or os.environ.get("REGISTRY_DATABASE_URL") or DEFAULT_DATABASE_URL
    )


def private_directory(path: Path) -> None:
    """Make ``path`` and its missing parents readable by their owner only (0700), whatever
    the umask. Folders that exist already are left as they are: they may be shared ones the
    store was put in (``/srv``, a home directory) and are not ours to change."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:  # made by another process meanwhile: it made it the same way
            continue
        folder.chmod(0o700)  # mkdir's mode is masked by the umask


def private_file(path: Path) -> None:
    """Make the file ``path`` readable and writable by its owner only (0600), whatever the
    umask: created empty when missing, tightened when it exists."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
    finally:
        os.close(descriptor)


def private_sqlite_file(path: str) -> None:
    """A SQLite database file and its folder, owner-only (issue 13, point 14). SQLite gives
    the ``-wal``, ``-shm`` and journal files it makes the database file's mode; those left by
    an earlier, laxer run are tightened too."""
    database = Path(path).expanduser().resolve()
    private_directory(database.parent)
    private_file(database)
    for suffix in ("-wal", "-shm", "-journal"):
        companion = database.with_name(database.name + suffix)
        if companion.exists():
            companion.chmod(0o600)


def store_exists(settings: Settings, events_table: str) -> bool:
    """Whether the store of ``settings`` was made already: the SQLite file exists, or the
    PostgreSQL schema holds ``events_table``. :class:`SettingsError` if the server cannot
    be reached."""
    if settings.backend == "sqlite":
        assert settings.sqlite_path is not None
        return Path(settings.sqlite_path).expanduser().exists()
    import psycopg

    try:
        with psycopg.connect(settings.pg_conninfo()) as conn:
            row = conn.execute(
                "SELECT to_regclass(%s)", (f'"{settings.pg_schema}".{events_table}',)
            ).fetchone()
    except psycopg.OperationalError as error:
        raise _unreachable(settings, error) from error
    return row is not None and row[0] is not None


def prepare_store(settings: Settings) -> None:
    """Create what the store needs before the library opens it: the SQLite file and its
    folder, owner-only (``private_sqlite_file``), or the PostgreSQL schema."""
    if settings.backend == "sqlite":
        assert settings.sqlite_path is not None
        private_sqlite_file(settings.sqlite_path)
        return
    import psycopg
    from psycopg import sql

    reconnect_promptly()

    try:
        with psycopg.connect(settings.pg_conninfo(), autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(settings.pg_schema))
            )
    except psycopg.OperationalError as error:
        raise _unreachable(settings, error) from error


def _unreachable(settings: Settings, error: Exception) -> SettingsError:
    """The refusal of a store whose server does not answer (``error``: the driver's)."""
    return SettingsError(
        "cannot reach %(store)s: %(reason)s", store=settings.describe(), reason=str(error).strip()
    )


#: seconds between reconnection attempts of a pool while the server does not answer
RECONNECT_DELAY = 0.5


def reconnect_promptly() -> None:
    """Make psycopg_pool retry a lost server every :data:`RECONNECT_DELAY` s (±10 %) instead
    of backing off 1, 2, 4… s: with back-off a server back after 10 s was used again only
    several seconds later. A refused connection costs the server nothing, so the steady retry
    is cheap; psycopg_pool has no per-pool setting for it, hence its class attributes."""
    from psycopg_pool.base import AttemptWithBackoff

    AttemptWithBackoff.INITIAL_DELAY = RECONNECT_DELAY
    AttemptWithBackoff.DELAY_BACKOFF = 1.0


SEAL_KEY_ENV = "REGISTRY_SEAL_KEY"


def load_seal_key(environ: Mapping[str, str] | None = None) -> bytes | None:
    """The Ed25519 private key (its 32-byte seed) that signs seal checkpoints, from
    ``REGISTRY_SEAL_KEY``: 64 hexadecimal digits, or base64 (standard or URL-safe, padding
    optional) of the 32 bytes. None when unset; :class:`SettingsError` when malformed.

    Kept out of :class:`Settings` on purpose: settings are printed and logged, a signing key
    must never be. ``registry audit keygen`` makes one.
    """
    value = (os.environ if environ is None else environ).get(SEAL_KEY_ENV, "").strip()
    if not value:
        return None
    if re.fullmatch(r"[0-9a-fA-F]{64}", value):
        return bytes.fromhex(value)
    try:  # altchars: "-_" read as "+/", so both alphabets are accepted
        padded = value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4)
        seed = base64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        seed = b""
    if len(seed) != 32:
        raise SettingsError(
            "%(variable)s is not a signing key: expected the 32-byte Ed25519 private key "
            "as 64 hexadecimal digits or as base64 (`registry audit keygen` makes one).",
            variable=SEAL_KEY_ENV,
        )
    return seed

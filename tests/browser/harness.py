"""The browser tests' harness: the real ``registry serve --demo`` process, its demo tokens, a
JSON API client, and page helpers (no CDN, accessibility). Fixtures are in ``conftest.py``;
``README.md`` beside this file shows how to write a test.

Nothing here is mocked: the server is the ``registry`` console script on a real store
(a SQLite file or a PostgreSQL schema of its own), the browser is Debian's Chromium.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from uuid import UUID

import httpx

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Route

#: Debian's Chromium (Playwright's own browser download is not reachable from these machines)
CHROMIUM = Path(os.environ.get("REGISTRY_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

#: the demo loads ~990 events, then the views catch up; generous for a loaded 2-core machine
START_TIMEOUT = 180.0
STOP_TIMEOUT = 15.0
API_PREFIX = "/api/v1"
#: axe impacts that fail ``assert_accessible``
FAILING_IMPACTS = ("serious", "critical")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def registry_command(*args: str) -> list[str]:
    """The installed ``registry`` console script (or ``python -m cli.main``)."""
    script = shutil.which("registry") or str(Path(sys.executable).with_name("registry"))
    if Path(script).exists():
        return [script, *args]
    return [sys.executable, "-m", "cli.main", *args]


# ------------------------------------------------------------------------------ demo tokens


@dataclass(frozen=True)
class DemoAccount:
    """One line of ``var/demo-tokens.txt``."""

    role: str  # admin, organiser, akimat, auditor, chief_expert, expert
    name: str
    account_id: UUID
    token: str
    note: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class DemoTokens:
    """The demo accounts with tokens, as ``registry serve --demo`` wrote them.

    ``token("expert")`` is an expert of ``competition_id`` (the demo competition whose chief
    and experts got tokens); ``outsider`` is the expert of another competition (for 403s);
    ``in_2026(role, stage)`` is the expert or chief of the 2026 competition in ``stage``
    ("marking": partly marked; "disputed": the chief, a judgement aspect disputed), whose id
    is ``competitions_2026[stage]``.
    """

    accounts: tuple[DemoAccount, ...]
    competition_id: UUID | None  # the competition of the chief expert and the experts
    competitions_2026: dict[str, UUID] = field(default_factory=dict)

    def by_role(self, role: str) -> list[DemoAccount]:
        return [
            a
            for a in self.accounts
            if a.role == role and not self._outside(a) and not a.note.startswith("2026 ")
        ]

    def in_2026(self, role: str, stage: str = "marking") -> DemoAccount:
        """The account of ``role`` with a token for the 2026 competition in ``stage``."""
        return next(
            a for a in self.accounts if a.role == role and a.note.startswith(f"2026 {stage}:")
        )

    def account(self, role: str) -> DemoAccount:
        """The first account of ``role`` (experts: one of the tokens' competition)."""
        found = self.by_role(role)
        if not found:
            roles = sorted({a.role for a in self.accounts})
            raise KeyError(f"no demo account with role {role!r} (roles: {roles})")
        return found[0]

    def token(self, role: str) -> str:
        return self.account(role).token

    @property
    def outsider(self) -> DemoAccount:
        """The expert who is NOT an expert of ``competition_id``."""
        return next(a for a in self.accounts if self._outside(a))

    @staticmethod
    def _outside(account: DemoAccount) -> bool:
        return account.note.startswith("NOT ")


def parse_tokens_file(path: Path) -> DemoTokens:
    """Parse the tab-separated tokens file of ``demo.tokens.write_tokens``."""
    accounts: list[DemoAccount] = []
    competition: UUID | None = None
    competitions_2026: dict[str, UUID] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# experts: competition "):
            competition = UUID(line.rsplit(" ", 1)[-1])
        if line.startswith("# 2026 ") and ": competition " in line:
            stage = line.removeprefix("# 2026 ").split(":", 1)[0]
            competitions_2026[stage] = UUID(line.rsplit(" ", 1)[-1])
        if line.startswith("#") or not line.strip():
            continue
        role, name, account_id, token, *note = line.split("\t")
        accounts.append(DemoAccount(role, name, UUID(account_id), token, "\t".join(note)))
    if not accounts:
        raise AssertionError(f"no tokens in {path}:\n{path.read_text(encoding='utf-8')}")
    return DemoTokens(tuple(accounts), competition, competitions_2026)


# ------------------------------------------------------------------------------ the JSON API


class JsonApi:
    """The JSON API of the served process, to assert what is stored (httpx, synchronous).

    A ``path`` without a leading ``/`` is under ``/api/v1`` (``"championships"``); one with it
    is taken as is (``"/readyz"``). Authenticate with ``role=`` (a demo account's token) or
    ``token=``; ``expect`` is the status the answer must have (``None``: any).
    """

    def __init__(self, base_url: str, tokens: DemoTokens | None) -> None:
        self.base_url = base_url
        self.tokens = tokens
        self.client = httpx.Client(base_url=base_url, timeout=30)

    def close(self) -> None:
        self.client.close()

    def url(self, path: str) -> str:
        return path if path.startswith("/") else f"{API_PREFIX}/{path}"

    def request(
        self,
        method: str,
        path: str,
        *,
        role: str | None = None,
        token: str | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        expect: int | None = 200,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if role is not None:
            if self.tokens is None:
                raise AssertionError("this server has no demo tokens")
            token = self.tokens.token(role)
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        response = self.client.request(
            method, self.url(path), json=json, headers=sent, params=params
        )
        if expect is not None and response.status_code != expect:
            raise AssertionError(
                f"{method} {self.url(path)} answered {response.status_code}, "
                f"expected {expect}:\n{response.text[:2000]}"
            )
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        """GET and decode the JSON body."""
        return self.request("GET", path, **kwargs).json()

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        """POST ``body`` as JSON and decode the answer (``expect`` defaults to 200)."""
        return self.request("POST", path, json=body, **kwargs).json()


# ------------------------------------------------------------------------------ the process


@dataclass
class RegistryServer:
    """One real ``registry serve [--demo]`` process on ``database_url``, in ``directory``.

    ``directory`` is its working directory: the SQLite store (``var/registry.sqlite``), the
    tokens file (``var/demo-tokens.txt``) and the log (``serve.log``) are there.
    ``startup_seconds`` is from the spawn to ``/readyz`` answering 200 with the views caught up
    (the demo history loaded, the tokens written, the projector at the head).
    """

    store: str  # "sqlite" or "postgres"
    database_url: str
    directory: Path
    demo: bool = True
    port: int = field(default_factory=free_port)
    startup_seconds: float | None = None
    tokens: DemoTokens | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def tokens_file(self) -> Path:
        return self.directory / "var" / "demo-tokens.txt"

    @property
    def log_path(self) -> Path:
        return self.directory / "serve.log"

    def start(self, timeout: float = START_TIMEOUT) -> RegistryServer:
        """Spawn the process and wait until it is ready; raises with its log if it is not."""
        env = {**os.environ, "REGISTRY_DATABASE_URL": self.database_url}
        env.pop("REGISTRY_PROJECTOR", None)
        args = ["serve", "--port", str(self.port), "--projector", "in-process"]
        if self.demo:
            args += ["--demo", "--tokens-file", str(self.tokens_file)]
        started = time.monotonic()
        with self.log_path.open("wb") as log:  # a file, not a pipe: a full pipe blocks uvicorn
            self.process = subprocess.Popen(
                registry_command(*args),
                env=env,
                cwd=self.directory,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_ready(started + timeout)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        if self.demo:
            self.tokens = parse_tokens_file(self.tokens_file)
        return self

    def _wait_ready(self, deadline: float) -> None:
        assert self.process is not None
        last = "no answer"
        with httpx.Client(timeout=5) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise AssertionError(
                        f"registry serve ({self.store}) exited with {self.process.returncode} "
                        f"before it was ready:\n{self.log()}"
                    )
                try:
                    answer = client.get(f"{self.base_url}/readyz")
                    last = f"{answer.status_code} {answer.text}"
                    if answer.status_code == 200 and answer.json()["projector_lag"] == 0:
                        return
                except httpx.TransportError as error:
                    last = repr(error)
                time.sleep(0.1)
        raise AssertionError(
            f"registry serve ({self.store}) was not ready in time; last /readyz: {last}\n"
            f"{self.log()}"
        )

    def log(self, tail: int = 200) -> str:
        """The last ``tail`` lines of the process's output."""
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(lines[-tail:])

    def stop(self) -> int | None:
        """SIGINT, then SIGKILL if it does not stop in time; returns the exit code."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)
        return process.returncode

    def api(self) -> JsonApi:
        return JsonApi(self.base_url, self.tokens)


# ------------------------------------------------------------------------------ page helpers


def block_external(target: Page | BrowserContext, base_url: str) -> list[str]:
    """Abort every request from ``target`` to a host other than ``base_url``'s; return the
    list the aborted URLs are appended to (empty at the end of a test: nothing came from a
    CDN). ``data:`` and ``blob:`` URLs never reach the network and are not routed.

    A request that the page's Content-Security-Policy refuses never leaves the browser either,
    so it is not recorded here (it shows as a console error).
    """
    origin = urlsplit(base_url)
    allowed = (origin.scheme, origin.netloc)
    blocked: list[str] = []

    def route(route: Route) -> None:
        url = urlsplit(route.request.url)
        if (url.scheme, url.netloc) == allowed:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    target.route("**/*", route)
    return blocked


def axe_violations(
    page: Page,
    impacts: Iterable[str] = FAILING_IMPACTS,
    *,
    context: str | list[Any] | dict[str, Any] | None = None,
    disable_rules: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, of the given impacts (axe's dicts:
    ``id``, ``impact``, ``help``, ``helpUrl``, ``nodes``). ``context`` limits the check to a
    part of the page (axe's context, e.g. ``"main"``); ``disable_rules`` turns rules off."""
    from axe_playwright_python.sync_playwright import Axe

    options: dict[str, Any] = {"resultTypes": ["violations"]}
    rules = list(disable_rules)
    if rules:
        options["rules"] = {rule: {"enabled": False} for rule in rules}
    results = Axe().run(page, context=context, options=options)
    wanted = set(impacts)
    return [v for v in results.response["violations"] if v.get("impact") in wanted]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- [{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation['helpUrl']})"
        )
        for node in violation["nodes"][:5]:
            summary = " ".join(str(node.get("failureSummary", "")).split())
            lines.append(f"    at {node['target']}: {node['html'][:160]}")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more elements")
    return "\n".join(lines)


def assert_accessible(page: Page, **kwargs: Any) -> None:
    """Fail with a readable list when axe finds serious or critical violations on the page
    (keyword arguments as :func:`axe_violations`)."""
    violations = axe_violations(page, **kwargs)
    if violations:
        raise AssertionError(
            f"{len(violations)} accessibility violation(s) on {page.url}:\n"
            + describe_violations(violations)
        )

"""A real threaded web server in a subprocess (runserver or gunicorn's gthread worker), and a TCP
proxy between it and PostgreSQL that a test can cut to take the database away."""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


def fetch(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    data: bytes | None = None,
    timeout: float = 30.0,
) -> Answer:
    """One HTTP request; an error status is an answer, not an exception."""
    request = urllib.request.Request(url, data=data, headers=dict(headers or {}))  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read())


@contextlib.contextmanager
def web_server(
    kind: str, *, database_url: str, env: Mapping[str, str] | None = None, threads: int = 16
) -> Iterator[str]:
    """Serve the desk with `kind` ("runserver": a thread per request; "gunicorn": one gthread
    worker with `threads` threads) on a free loopback port; yields its base URL."""
    port = free_port()
    bin_dir = Path(sys.executable).parent
    if kind == "runserver":
        argv = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    elif kind == "gunicorn":
        gunicorn = shutil.which("gunicorn", path=str(bin_dir)) or "gunicorn"
        argv = [gunicorn, "--worker-class", "gthread", "--workers", "1",
                "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
                "factcheck.wsgi:application"]  # fmt: skip
    else:
        raise ValueError(kind)
    full_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        # Tasks in process and a local cache: these servers test the web side alone.
        "REDIS_URL": "",
        "DJANGO_DEBUG": "false",
        **(env or {}),
    }
    log_path = ROOT / "artifacts" / f"server-{kind}-{port}.log"
    log_path.parent.mkdir(exist_ok=True)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(  # noqa: S603 - fixed argv
            argv, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"{kind} exited early; see {log_path.name}")
            try:
                if fetch(f"{base}/admin/login/", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{kind} did not answer within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class TcpProxy:
    """Forwards 127.0.0.1:`port` to `target`. `cut()` closes the listening socket and every
    forwarded connection (the database is gone: connections drop, new ones are refused);
    `restore()` listens again on the same port."""

    target: tuple[str, int]
    port: int = field(default_factory=free_port)
    _listener: socket.socket | None = None
    _pairs: list[tuple[socket.socket, socket.socket]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        listener.settimeout(0.1)
        self._listener = listener
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def cut(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            for client, upstream in self._pairs:
                for sock in (client, upstream):
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
            self._pairs.clear()

    def _serve(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, client: socket.socket, upstream: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        try:
            selector.register(client, selectors.EVENT_READ, upstream)
            selector.register(upstream, selectors.EVENT_READ, client)
            while True:
                for key, _ in selector.select(timeout=1.0):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except (OSError, ValueError):
            return
        finally:
            selector.close()
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.close()

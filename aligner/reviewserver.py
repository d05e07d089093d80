"""The local web app of ``aligner review``: an HTTP server over :mod:`aligner.review`.

The server is the standard library's ``http.server`` (a thread per request): the app is
one static page (``review_static/``: HTML, CSS and a script, no framework, nothing
fetched from the internet) and a handful of JSON calls, so a web framework would add a
dependency and nothing the page needs. It binds 127.0.0.1 only, answers only requests
addressed to that host (a page on another site cannot reach it by DNS rebinding) and
takes only JSON bodies (a form on another site cannot post to it).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import polars as pl

from aligner.errors import AlignerError, InputError
from aligner.review import Drawings, ReviewCorpus, pair_view, queue
from aligner.reviewdb import ActionError, StaleError

log = logging.getLogger(__name__)

__all__ = ["ReviewApp", "make_server", "open_app", "serve"]

_STATIC = "review_static"
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}  # fmt: skip


class ReviewApp:
    """What the HTTP handler serves: the corpus, the reviewer's name and the drawings."""

    def __init__(self, corpus: ReviewCorpus, reviewer: str, drawings: Drawings) -> None:
        self.corpus = corpus
        self.reviewer = reviewer
        self.drawings = drawings

    def info(self) -> dict[str, Any]:
        kinds = sorted(self.corpus.frame["kind"].cast(pl.String).unique().to_list())
        return {
            "corpus": self.corpus.path.name,
            "reviewer": self.reviewer,
            "pairs": self.corpus.pair_ids,
            "kinds": kinds,
            "order_by": "prob" if self.corpus.has_prob else "margin",
            "heatmap": self.drawings.encode is not None,
        }

    def act(self, body: Mapping[str, Any]) -> dict[str, Any]:
        pid = str(body.get("pair", ""))
        self.corpus.group(pid)
        try:
            expect = {int(k): int(v) for k, v in dict(body.get("expect") or {}).items()}
            bead = int(body["bead"])
        except (KeyError, TypeError, ValueError) as err:
            raise ActionError(f"bad action request ({err})") from None
        self.corpus.store.act(
            pid, lambda: self.corpus.initial(pid), str(body.get("action", "")), bead, expect,
            self.reviewer, body.get("args") or {},
        )  # fmt: skip
        return pair_view(self.corpus, pid, self.drawings)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, value: Any) -> None:
        body = json.dumps(value, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8")

    def _host_ok(self) -> bool:
        host = self.headers.get("Host", "")
        port = self.server.server_address[1]
        if host in (f"127.0.0.1:{port}", f"localhost:{port}"):
            return True
        self._json(HTTPStatus.FORBIDDEN, {"error": f"unexpected Host header {host!r}"})
        return False

    def _guard(self, call: Callable[[], None]) -> None:
        try:
            call()
        except StaleError as err:
            self._json(HTTPStatus.CONFLICT, {"error": str(err)})
        except (ActionError, InputError) as err:
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(err)})
        except AlignerError as err:
            self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": str(err)})
        except Exception as err:  # a bug: say so in the page rather than drop the line
            log.exception("review request %s failed", self.path)
            self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"internal error: {err!r}"})

    def do_GET(self) -> None:
        if not self._host_ok():
            return
        url = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(url.query).items()}
        app = self.server.app
        if url.path in ("/", "/index.html"):
            self._static("index.html")
        elif url.path.startswith("/static/"):
            self._static(url.path.removeprefix("/static/"))
        elif url.path == "/favicon.ico":
            self._send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
        elif url.path == "/api/info":
            self._json(HTTPStatus.OK, app.info())
        elif url.path == "/api/queue":
            self._guard(lambda: self._json(HTTPStatus.OK, queue(
                app.corpus, order=q.get("order", "worst"), pair=q.get("pair", ""),
                kind=q.get("kind", ""), todo=q.get("todo", "1") == "1",
            )))  # fmt: skip
        elif url.path == "/api/pair":
            self._guard(lambda: self._json(
                HTTPStatus.OK, pair_view(app.corpus, q.get("id", ""), app.drawings)
            ))  # fmt: skip
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no such page {url.path}"})

    def do_POST(self) -> None:
        if not self._host_ok():
            return
        if urlsplit(self.path).path != "/api/action":
            self._json(HTTPStatus.NOT_FOUND, {"error": "no such call"})
            return
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            self._json(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "send JSON"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._json(HTTPStatus.BAD_REQUEST, {"error": "the body is not JSON"})
            return
        self._guard(lambda: self._json(HTTPStatus.OK, self.server.app.act(body)))

    def _static(self, name: str) -> None:
        folder = resources.files("aligner").joinpath(_STATIC)
        names = {p.name for p in folder.iterdir()}
        suffix = Path(name).suffix
        if name not in names or suffix not in _TYPES:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no such file {name}"})
            return
        self._send(HTTPStatus.OK, folder.joinpath(name).read_bytes(), _TYPES[suffix])


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    app: ReviewApp


def make_server(app: ReviewApp, port: int = 0) -> _Server:
    """The HTTP server for ``app`` on 127.0.0.1 (``port`` 0: a free port)."""
    try:
        server = _Server(("127.0.0.1", port), _Handler)
    except OSError as err:
        raise InputError(f"cannot listen on 127.0.0.1:{port} ({err.strerror})",
                         fix="pick another --port, or 0 for a free one") from err  # fmt: skip
    server.app = app
    return server


def open_app(
    corpus: str | Path,
    *,
    reviewer: str,
    encode: Callable[[list[str]], np.ndarray] | None = None,
    min_score: float = 0.5,
) -> ReviewApp:
    if not reviewer.strip():
        raise InputError("the reviewer needs a name", fix="pass --reviewer NAME")
    return ReviewApp(ReviewCorpus(corpus), reviewer.strip(), Drawings(encode, min_score))


def serve(app: ReviewApp, port: int = 0, ready: Callable[[str], None] | None = None) -> None:
    """Serve ``app`` until interrupted; ``ready`` gets the URL once the port is open."""
    server = make_server(app, port)
    if ready is not None:
        ready(f"http://127.0.0.1:{server.server_address[1]}/")
    try:
        server.serve_forever()
    finally:
        server.server_close()

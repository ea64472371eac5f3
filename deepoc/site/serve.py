"""A loopback-only static server for a built site (demo and tests; not for production)."""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

from deepoc.errors import UsageError


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files; unknown paths get the site's 404.html with status 404."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".xml": "application/xml",
                      ".json": "application/json"}

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)


def make_server(site: str | Path, port: int = 0,
                verbose: bool = False) -> http.server.ThreadingHTTPServer:
    """A server bound to 127.0.0.1 (port 0 picks a free one); call serve_forever()."""
    root = Path(site)
    if not (root / "index.html").is_file():
        raise UsageError(f"{root} is not a built site (no index.html): run 'deep-oc site build "
                         f"-o {root}' first")
    handler = functools.partial(_Handler, directory=str(root.resolve()))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror}): pick another "
                         f"--port") from None
    server.daemon_threads = True
    server.verbose = verbose  # type: ignore[attr-defined]
    return server


def serve(site: str | Path, port: int = 8000) -> None:
    """Serve until Ctrl-C (the CLI turns that into exit code 130)."""
    server = make_server(site, port, verbose=True)
    host, real_port = server.server_address[:2]
    print(f"serving {site} on http://{host}:{real_port}/ (Ctrl-C stops)", file=sys.stderr)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def serve_in_thread(site: str | Path) -> tuple[http.server.ThreadingHTTPServer, threading.Thread]:
    """For tests: a server on a free port in a daemon thread; call server.shutdown() to stop."""
    server = make_server(site, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread

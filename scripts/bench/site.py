"""The website `make bench-checks` watches: ~20 KB HTML pages (a header, a
50-item list with prices and descriptions, a footer), every page distinct,
served at /page/<n> in one of three modes set by GET /_mode/<mode>:

- text: the visible text changes on every request (prices move);
- markup: only the markup changes (a nonce attribute), the text does not;
- identical: every response of a page is byte-identical.

Usage: python3 site.py PORT
"""

import itertools
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ("text", "markup", "identical")
STATE = {"mode": "identical"}
REQUESTS = itertools.count()

DESCRIPTIONS = [
    "A sturdy everyday item made from recycled aluminium, with a two-year "
    "warranty, free returns within thirty days and delivery in two to four "
    "working days to most addresses in the European Union.",
    "Hand-finished in a small workshop, each piece varies slightly in colour "
    "and grain; the listing photos show a typical example rather than the "
    "exact item you will receive, which we think is part of its charm.",
    "Compatible with every model released since 2019; the adapter in the box "
    "covers older sockets, and the quick-start guide walks through setup in "
    "five short steps that take about ten minutes in total.",
]


def page(number: int, mode: str, request: int) -> bytes:
    shift = request % 97 if mode == "text" else 0
    items = []
    for index in range(50):
        price = (number * 7 + index * 13) % 900 + 100 + shift
        items.append(
            f'<li class="item" data-sku="{number}-{index}">'
            f"<h3>Item {index + 1} of catalogue page {number}</h3>"
            f'<p class="price">{price}.00 EUR</p>'
            f'<p class="description">{DESCRIPTIONS[(number + index) % len(DESCRIPTIONS)]}</p>'
            "</li>"
        )
    nonce = f' data-nonce="{request}"' if mode == "markup" else ""
    html = (
        f"<!doctype html><html lang=en><head><title>Catalogue page {number}</title></head>"
        f"<body{nonce}><header><h1>Catalogue page {number}</h1>"
        "<nav><a href=/>Home</a> <a href=/about>About</a></nav></header>"
        f'<main><ul class="items">{"".join(items)}</ul></main>'
        "<footer><p>Bench Shop Ltd, 1 Loopback Road. Prices include VAT.</p></footer>"
        "</body></html>"
    )
    return html.encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; with Nagle's algorithm on, the
    # body waits for the client's delayed ACK of the headers (~40 ms on
    # Linux) on every reused connection, and the bench would measure that
    # stall instead of Lookout. Web servers (nginx, Apache) set TCP_NODELAY.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        if self.path.startswith("/_mode/"):
            mode = self.path.removeprefix("/_mode/")
            if mode not in MODES:
                self.answer(400, b"unknown mode")
                return
            STATE["mode"] = mode
            self.answer(200, mode.encode())
            return
        if not self.path.startswith("/page/"):
            self.answer(404, b"not found")
            return
        try:
            number = int(self.path.removeprefix("/page/"))
        except ValueError:
            self.answer(404, b"not found")
            return
        self.answer(200, page(number, STATE["mode"], next(REQUESTS)), "text/html; charset=utf-8")

    def answer(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # one line per request would dominate the site's CPU
        pass


class Site(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5: when a round opens 64
    # connections at once the kernel drops the SYNs past it, and each dropped
    # one is retried after 1, then 3, then 7 s (TcpExtListenOverflows), which
    # stalled 1,000-monitor rounds for seconds. Web servers listen with
    # hundreds (nginx 511).
    request_queue_size = 1024
    daemon_threads = True


if __name__ == "__main__":
    Site(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()

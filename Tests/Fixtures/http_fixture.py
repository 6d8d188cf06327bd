"""A loopback HTTP server for the http collector's tests (never linked into pond).

    python3 http_fixture.py DIR

Serves the files of DIR on 127.0.0.1 at a free port, which it prints as its
first line. GET /NAME answers DIR/NAME with an ETag (its SHA-256) and honours
If-None-Match with 304; a file DIR/NAME.status holding a number answers that
status instead. Each request is logged to DIR/requests.log as
"METHOD PATH IF-NONE-MATCH STATUS". It exits when standard input closes, so
a test that dies leaves no server behind.
"""
import hashlib
import http.server
import os
import sys
import threading

ROOT = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        name = os.path.join(ROOT, self.path.lstrip("/").split("?")[0])
        condition = self.headers.get("If-None-Match", "-")
        status_file = name + ".status"
        if os.path.exists(status_file):
            status = int(open(status_file).read().strip())
            self.answer(status, b"failing on purpose\n", None, condition)
            return
        if not os.path.isfile(name):
            self.answer(404, b"no such file\n", None, condition)
            return
        body = open(name, "rb").read()
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
        if condition == etag:
            self.answer(304, b"", etag, condition)
            return
        self.answer(200, body, etag, condition)

    def answer(self, status, body, etag, condition):
        self.send_response(status)
        if etag:
            self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)
        with open(os.path.join(ROOT, "requests.log"), "a") as log:
            log.write("GET %s %s %d\n" % (self.path, condition, status))

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
server.shutdown()

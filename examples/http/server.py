#!/usr/bin/env python3
"""A tiny answer service for the http example: POST /answer {"q": "..."}.

Run it with `python3 server.py [PORT]` (default 18765) before `caliper run`;
`make demo` starts and stops it for you.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CAPITALS = {"france": "Paris", "japan": "Tokyo", "italy": "Rome", "canada": "Ottawa",
            "australia": "Canberra", "brazil": "Brasilia", "kenya": "Nairobi"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        country = str(body.get("q", "")).strip().lower()
        answer = CAPITALS.get(country, "I don't know")
        out = json.dumps({"answer": answer, "model": "lookup-v1"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 18765
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()

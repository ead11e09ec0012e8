#!/usr/bin/env python3
"""A webhook receiver for tests, on 127.0.0.1 and a free port (printed as "READY <port>").

It verifies each request's Standard Webhooks signature itself (hmac, not the server's code)
against every secret in <out>/secrets.json (a list of "whsec_..." the test writes), and appends
one JSON line per request to <out>/requests.jsonl:
  {"path", "id", "timestamp", "signature", "body", "verified": [indexes of secrets that match],
   "status": what it answered}
Paths choose the answer: /ok → 200, /gone → 410, /redirect → 302 to /ok, /flaky → 500 for the
first two tries of each webhook-id then 200, /fail → 500. It stops when standard input closes.
"""
import argparse, base64, hashlib, hmac, json, os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret, msg_id, timestamp, body, header):
    key = base64.b64decode(secret[len("whsec_"):])
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()).decode()
    for entry in header.split(" "):
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return True
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    lock = threading.Lock()
    tries = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            msg_id = self.headers.get("webhook-id", "")
            timestamp = self.headers.get("webhook-timestamp", "")
            signature = self.headers.get("webhook-signature", "")
            try:
                with open(os.path.join(args.out, "secrets.json")) as f:
                    secrets = json.load(f)
            except FileNotFoundError:
                secrets = []
            verified = [i for i, s in enumerate(secrets) if verify(s, msg_id, timestamp, body, signature)]
            with lock:
                tries[(self.path, msg_id)] = tries.get((self.path, msg_id), 0) + 1
                count = tries[(self.path, msg_id)]
            status = {"/ok": 200, "/gone": 410, "/redirect": 302, "/fail": 500}.get(self.path, 200)
            if self.path == "/flaky":
                status = 500 if count <= 2 else 200
            record = {"path": self.path, "id": msg_id, "timestamp": timestamp, "signature": signature,
                      "body": body.decode("utf-8", "replace"), "verified": verified, "status": status,
                      "contentType": self.headers.get("content-type", "")}
            with lock, open(os.path.join(args.out, "requests.jsonl"), "a") as f:
                f.write(json.dumps(record) + "\n")
            answer = (b"x" * 5000) if status == 500 else b"thanks"
            self.send_response(status)
            if status == 302:
                self.send_header("Location", "/ok")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"READY {server.server_address[1]}", flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()

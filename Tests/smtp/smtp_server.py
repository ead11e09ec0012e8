#!/usr/bin/env python3
"""A real SMTP server for Handover's mail tests (aiosmtpd), on 127.0.0.1 and a free port.

Started by the Swift tests (HandoverTestSupport/TestSMTPServer.swift); prints "READY <port>"
(and "CA <path>" with TLS) on standard output once it accepts connections, and runs until its
standard input closes. Every accepted message is parsed back with Python's `email` package and
written to --out as <n>.json: the envelope, the raw text, the decoded headers, the text and HTML
parts, the attachments and any defects the parser found.

Recipients choose what the server answers, so one server serves several cases:
  nobody@... (or nobody+tag@...)  550 5.1.1 at RCPT TO (a permanent refusal)
  busy@...    451 4.3.0 at RCPT TO, every time (a temporary one)
  flaky@...   451 4.3.0 at RCPT TO for the first --flaky tries, then accepted
--only-login offers AUTH LOGIN alone. --mode plain | starttls (STARTTLS offered and required) | tls (implicit TLS) | silent (accepts the
TCP connection and never says a word: for timeouts). --user/--password require AUTH (PLAIN or LOGIN).
--idle-timeout SECONDS drops a connection that said nothing for that long (default 300), as servers do.
Each message's record names the client's address and port ("peer"): one per connection.
The TLS modes make a throwaway CA and server certificate (127.0.0.1, localhost) with the openssl CLI.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import socket
import ssl
import subprocess
import sys
import threading


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificates(folder):
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    ca_key, ca = os.path.join(folder, "ca.key"), os.path.join(folder, "ca.pem")
    key, csr, cert = os.path.join(folder, "server.key"), os.path.join(folder, "server.csr"), os.path.join(folder, "server.pem")
    ext = os.path.join(folder, "server.ext")
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=Handover test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")
    run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext)
    return ca, cert, key


def summary(envelope, number, peer=None):
    raw = envelope.original_content if envelope.original_content is not None else envelope.content
    message = email.message_from_bytes(raw, policy=email.policy.default)
    text = html = None
    attachments = []
    for part in message.walk():
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment":
            payload = part.get_payload(decode=True)
            attachments.append({"filename": part.get_filename(), "contentType": part.get("Content-Type"),
                                "method": part.get_param("method"), "content": payload.decode("utf-8", "replace")})
        elif part.get_content_type() == "text/plain" and text is None:
            text = part.get_content().replace("\r\n", "\n")
        elif part.get_content_type() == "text/html" and html is None:
            html = part.get_content().replace("\r\n", "\n")
    defects = [type(d).__name__ for part in message.walk() for d in part.defects]
    header_defects = []
    for name in message.keys():
        value = message[name]
        header_defects += [type(d).__name__ for d in getattr(value, "defects", [])]
    return {
        "number": number,
        "peer": "%s:%s" % tuple(peer[:2]) if peer else None,
        "mailFrom": envelope.mail_from,
        "rcptTos": envelope.rcpt_tos,
        "raw": raw.decode("ascii", "replace"),
        "headers": {name: str(message[name]) for name in message.keys()},
        "fromAddresses": [a.addr_spec for a in message["from"].addresses] if message["from"] else [],
        "fromNames": [a.display_name for a in message["from"].addresses] if message["from"] else [],
        "toNames": [a.display_name for a in message["to"].addresses] if message["to"] else [],
        "ccAddresses": [a.addr_spec for a in message["cc"].addresses] if message["cc"] else [],
        "subject": str(message["subject"]),
        "contentType": message.get_content_type(),
        "text": text,
        "html": html,
        "attachments": attachments,
        "defects": defects + header_defects,
        "longestLine": max(len(line) for line in raw.split(b"\r\n")),
        "bareLineFeeds": raw.replace(b"\r\n", b"").count(b"\n"),
    }


class Handler:
    def __init__(self, out, flaky):
        self.out, self.flaky, self.count, self.tries = out, flaky, 0, {}
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].split("+")[0].lower()
        if local == "nobody":
            return "550 5.1.1 No such user here"
        if local == "busy":
            return "451 4.3.0 Mailbox busy, try again later"
        if local == "flaky":
            with self.lock:
                self.tries[address] = self.tries.get(address, 0) + 1
                if self.tries[address] <= self.flaky:
                    return "451 4.3.0 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            number = self.count
        record = summary(envelope, number, session.peer)
        path = os.path.join(self.out, "%06d.json" % number)
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.replace(path + ".tmp", path)
        return "250 2.0.0 Queued as handover-test-%d" % number


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--mode", choices=["plain", "starttls", "tls", "silent"], default="plain")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--flaky", type=int, default=2)
    parser.add_argument("--idle-timeout", type=float, default=300)
    parser.add_argument("--only-login", action="store_true", help="offer AUTH LOGIN but not PLAIN")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    port = free_port()

    if args.mode == "silent":
        async def silent():
            async def hold(reader, writer):
                await reader.read()  # says nothing; waits for the client to give up
                writer.close()
            server = await asyncio.start_server(hold, "127.0.0.1", port)
            print("READY %d" % port, flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
            server.close()
        asyncio.run(silent())
        return

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    kwargs = {"timeout": args.idle_timeout}
    ca = None
    if args.mode in ("starttls", "tls"):
        ca, cert, key = make_certificates(args.out)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        if args.mode == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        else:
            kwargs.update(ssl_context=context)
    if args.user:
        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login == args.user.encode() and auth_data.password == (args.password or "").encode()
            return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself
        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=args.mode == "starttls")
        if args.only_login:
            kwargs.update(auth_exclude_mechanism=["PLAIN"])
    controller = Controller(Handler(args.out, args.flaky), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    if ca:
        print("CA %s" % ca, flush=True)
    print("READY %d" % port, flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()

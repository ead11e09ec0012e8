"""Writers for the crash check in scripts/cli-e2e: N threads, each renaming its own account back
to back over the API until the server goes away, recording the last rename the server answered
200 for. Prints {account id: last acknowledged number} as JSON.

Usage: write-storm.py SERVER TOKEN N SECONDS   (SECONDS bounds the run if the server never dies)
       write-storm.py --check SERVER TOKEN ACKED.json   (exit 1 if an acknowledged rename is lost)
"""
import json, sys, threading, time, urllib.request, urllib.error


def call(server, token, method, path, body=None):
    request = urllib.request.Request(server + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def storm(server, token, n, seconds):
    accounts = []
    for i in range(n):
        try:
            accounts.append(call(server, token, "POST", "/api/v1/accounts", {"name": f"Storm {i}", "kind": "customer"})["id"])
        except (urllib.error.URLError, ConnectionError, OSError):
            break  # the server went away already: check what there is
    acked = {account: 0 for account in accounts}
    deadline = time.monotonic() + seconds

    def worker(account):
        number = 0
        while time.monotonic() < deadline:
            number += 1
            try:
                call(server, token, "PATCH", f"/api/v1/accounts/{account}", {"name": f"Storm {account} {number}"})
            except (urllib.error.URLError, ConnectionError, OSError):
                return  # the server is gone: whatever was not answered 200 may or may not be there
            acked[account] = number

    threads = [threading.Thread(target=worker, args=(a,)) for a in accounts]
    for t in threads: t.start()
    for t in threads: t.join()
    print(json.dumps(acked))


def check(server, token, path):
    acked = json.load(open(path))
    lost = []
    for account, number in acked.items():
        name = call(server, token, "GET", f"/api/v1/accounts/{account}")["name"]
        stored = int(name.rsplit(" ", 1)[1]) if name.startswith("Storm " + account) else 0
        if stored < number:
            lost.append(f"{account}: acknowledged rename {number}, stored {stored}")
    total = sum(acked.values())
    if lost or total == 0:
        print(f"{len(lost)} acknowledged writes lost of {total}: " + "; ".join(lost))
        sys.exit(1)
    print(f"all {total} acknowledged writes are there")


if __name__ == "__main__":
    if sys.argv[1] == "--check":
        check(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        storm(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))

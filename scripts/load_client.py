#!/usr/bin/env python3
"""Upload load against a running `kakunin serve` on loopback, over TLS.

Signs in one provider per worker (invitations from `kakunin invite --json`), then each of
CONCURRENCY workers uploads the photo back to back on its own keep-alive connection until
UPLOADS uploads are done or SECONDS have passed (both bounds always apply). Prints one JSON
line: photos/s sustained, p50/p99 latency, status counts.

usage: load_client.py --port P --cert CERT --kakunin BIN --data-dir D --photo F
                      [--concurrency 16] [--uploads 160] [--seconds 120]
"""
import argparse
import http.client
import json
import ssl
import subprocess
import threading
import time
import uuid


def request(conn, method, path, body=None, headers=None, cookie=None):
    headers = dict(headers or {})
    if cookie:
        headers["Cookie"] = cookie
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, resp.getheader("Set-Cookie"), data


def provider(args, ctx):
    out = subprocess.run([args.kakunin, "invite", "--data-dir", args.data_dir, "--kind", "employee",
                          "--name", "山田 太郎", "--json"] + args.db_args,
                         check=True, capture_output=True, text=True).stdout
    token = json.loads(out)["token"]
    conn = http.client.HTTPSConnection("localhost", args.port, context=ctx, timeout=120)
    status, set_cookie, _ = request(conn, "POST", "/api/v1/provider/session",
                                    json.dumps({"token": token}),
                                    {"Content-Type": "application/json"})
    assert status == 200, status
    cookie = set_cookie.split(";")[0]
    status, _, body = request(conn, "PUT", "/api/v1/provider/subjects/self", json.dumps({
        "number": "123456789018", "name": "山田 太郎", "name_kana": "やまだ たろう",
        "birth_date": "1990-04-01"}), {"Content-Type": "application/json"}, cookie)
    assert status == 200, status
    return conn, cookie, json.loads(body)["subject_id"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--kakunin", required=True)
    p.add_argument("--data-dir", required=True)
    p.add_argument("--database-url")
    p.add_argument("--photo", required=True)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--uploads", type=int, default=160)
    p.add_argument("--seconds", type=float, default=120)
    args = p.parse_args()
    args.db_args = ["--database-url", args.database_url] if args.database_url else []
    ctx = ssl.create_default_context(cafile=args.cert)
    photo = open(args.photo, "rb").read()
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n"
            f"my_number_card_front\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"file\"; filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            ).encode() + photo + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    phones = [provider(args, ctx) for _ in range(args.concurrency)]

    lock = threading.Lock()
    latencies, statuses = [], {}
    remaining = [args.uploads]
    deadline = time.monotonic() + args.seconds

    def worker(conn, cookie, subject):
        while True:
            with lock:
                if remaining[0] <= 0 or time.monotonic() > deadline:
                    return
                remaining[0] -= 1
            start = time.monotonic()
            try:
                status, _, _ = request(conn, "POST", f"/api/v1/provider/subjects/{subject}/documents",
                                       body, headers, cookie)
            except Exception as e:  # a transport error counts, then reconnect
                status = type(e).__name__
                conn = http.client.HTTPSConnection("localhost", args.port, context=ctx, timeout=120)
            elapsed = time.monotonic() - start
            with lock:
                latencies.append(elapsed)
                statuses[str(status)] = statuses.get(str(status), 0) + 1

    threads = [threading.Thread(target=worker, args=ph) for ph in phones]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - began
    latencies.sort()
    pct = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else None
    ok = statuses.get("201", 0)
    print(json.dumps({"uploads": len(latencies), "statuses": statuses, "wall_s": round(wall, 2),
                      "photos_per_s": round(ok / wall, 2), "p50_s": round(pct(0.50), 3),
                      "p99_s": round(pct(0.99), 3), "concurrency": args.concurrency}))


if __name__ == "__main__":
    main()

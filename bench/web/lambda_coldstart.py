#!/usr/bin/env python3
"""Cold starts of the AWS Lambda binary (`mirai-lambda`, release): exec to first answer.

AWS's Lambda Runtime API is played here by a few lines of HTTP on 127.0.0.1 (the binary finds it
through AWS_LAMBDA_RUNTIME_API, as on AWS): each run starts the binary, hands it one API Gateway
HTTP API (v2) event for PATH at its first `invocation/next`, and stops the clock when the answer
is POSTed to `invocation/<id>/response`. The binary is then killed, so every run is a cold one.
What AWS adds on top (fetching and unpacking the code, Firecracker's own start) is not in it;
this is the part the code decides. Python's own start is outside the timing.

    bench/web/lambda_coldstart.py target/release/mirai-lambda /api/health [RUNS] [TOKEN]
"""

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime/invocation/"


def event(path, token):
    headers = {"host": "bench.example", "user-agent": "lambda-coldstart"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "bench",
            "domainName": "bench.example",
            "domainPrefix": "bench",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "lambda-coldstart",
            },
            "requestId": "bench",
            "routeKey": "$default",
            "stage": "$default",
            "time": "07/Dec/2026:00:00:00 +0000",
            "timeEpoch": 0,
        },
        "isBase64Encoded": False,
    }


class Runtime(BaseHTTPRequestHandler):
    """The Runtime API: one event per run, then the answer."""

    def log_message(self, *_):
        pass

    def do_GET(self):
        run = self.server.run
        if self.path != PREFIX + "next" or run["served"]:
            # A second `next`: the run is over; keep the binary waiting until it is killed.
            run["done"].wait(30)
            self.send_response(503)
            self.end_headers()
            return
        run["served"] = True
        body = json.dumps(event(run["path"], run["token"])).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Lambda-Runtime-Aws-Request-Id", "req-1")
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 10_000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:mirai")
        self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        run = self.server.run
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.endswith("/response"):
            run["elapsed"] = time.perf_counter() - run["started"]
            run["answer"] = json.loads(body or b"{}")
        else:
            run["error"] = body.decode(errors="replace")
        self.send_response(202)
        self.end_headers()
        run["done"].set()


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, path = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    token = sys.argv[4] if len(sys.argv) > 4 else None
    env = dict(
        os.environ,
        AWS_LAMBDA_FUNCTION_NAME="mirai",
        AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE="1024",
        AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/mirai",
        AWS_LAMBDA_LOG_STREAM_NAME="bench",
        AWS_REGION="us-east-1",
        RUST_LOG="warn",
    )
    times = []
    for i in range(runs + 3):  # three warm-up runs (the page cache), not counted
        # A Runtime API of its own for each run: a killed binary's last `next` cannot reach the
        # next run's.
        server = ThreadingHTTPServer(("127.0.0.1", 0), Runtime)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        env["AWS_LAMBDA_RUNTIME_API"] = f"127.0.0.1:{server.server_address[1]}"
        server.run = {"path": path, "token": token, "served": False, "done": threading.Event()}
        server.run["started"] = time.perf_counter()
        child = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        finished = server.run["done"].wait(10)
        child.kill()
        _, err = child.communicate()
        server.shutdown()
        server.server_close()
        run = server.run
        if not finished or "elapsed" not in run:
            print(f"run {i}: no answer ({run.get('error')}); stderr: {err.decode(errors='replace')[-2000:]}",
                  file=sys.stderr)
            return 1
        status = run["answer"].get("statusCode")
        if not (200 <= int(status or 0) < 300):
            print(f"run {i}: status {status}: {run['answer']}", file=sys.stderr)
            return 1
        if i >= 3:
            times.append(run["elapsed"] * 1000)
    times.sort()
    p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
    print(f"{binary} GET {path}: {runs} cold starts, exec to answer: median {statistics.median(times):.2f} ms, "
          f"min {times[0]:.2f}, p90 {p90:.2f}, max {times[-1]:.2f} (status {status})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

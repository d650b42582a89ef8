#!/usr/bin/env python3
"""Herald's build benchmark: wall time, CPU time and peak RSS.

Generates the shared synthetic corpus (30% under embargo until 2099), adds a
herald.yaml and a key, and times `herald build` (release binary) on it.

    python3 bench/bench.py                 # N=1000 and N=10000, 5 runs each
    python3 bench/bench.py --counts 10000 --runs 3 --command check

Figures come from wait4(2): wall clock around the child, user+system CPU
time, and the child's peak resident set size.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
GEN = os.path.join(HERE, "gen_shim.py")
WORK = os.path.join(REPO, "target", "bench")

CONFIG = """site:
  title: Benchmark Security Advisories
  base-url: https://security.example.org/
team:
  name: Benchmark Security Team
  email: security@example.org
  key: keys/security.asc
channels:
  announcements: { address: announce@googlegroups.com, group: bench-announce }
  blog: { base-url: https://blog.example.org/ }
  forum: { base-url: https://forum.example.org/, category: 7 }
  oss-security: { address: oss-security@lists.openwall.com }
  distros: { address: distros@vs.openwall.org }
"""


def corpus(n):
    d = os.path.join(WORK, f"corpus-{n}")
    if not os.path.isdir(os.path.join(d, "advisories")):
        os.makedirs(d, exist_ok=True)
        subprocess.run([sys.executable, GEN, "--count", str(n), "--out", d,
                        "--format", "herald", "--future", "0.3"], check=True)
    with open(os.path.join(d, "herald.yaml"), "w") as f:
        f.write(CONFIG)
    os.makedirs(os.path.join(d, "keys"), exist_ok=True)
    shutil.copy(os.path.join(REPO, "keys", "security.asc"), os.path.join(d, "keys"))
    return d


def measure(argv):
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(argv)}\n{err}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0


def summary(name, xs, unit):
    return (f"{name} median {statistics.median(xs):.3f}{unit} "
            f"(min {min(xs):.3f}, max {max(xs):.3f})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--counts", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--command", choices=["build", "check"], default="build")
    args = ap.parse_args()

    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO, check=True)
    herald = os.path.join(REPO, "target", "release", "herald")
    results = {}
    for n in args.counts:
        root = corpus(n)
        argv = [herald, "--root", root, args.command]
        if args.command == "build":
            argv += ["--now", "2026-01-01T00:00:00Z"]
        measure(argv)  # warm the page cache
        runs = [measure(argv) for _ in range(args.runs)]
        walls, cpus, rss = zip(*runs)
        results[n] = statistics.median(walls)
        print(f"herald {args.command} N={n} ({args.runs} runs, {os.cpu_count()} cores): "
              f"{summary('wall', walls, 's')}; {summary('cpu', cpus, 's')}; "
              f"peak RSS {max(rss):.0f} MB")
    if len(results) >= 2:
        lo, hi = min(results), max(results)
        print(f"scaling: N={hi} takes {results[hi] / results[lo]:.1f}x the wall time of N={lo}")


if __name__ == "__main__":
    main()

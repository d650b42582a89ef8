#!/usr/bin/env python3
"""Herald's benchmark, side by side with Hugo: wall time, CPU time, peak RSS.

Generates the shared synthetic corpus (30% under embargo until 2099) in
Herald's format and in Hugo's, then runs, alternating in the same loop:
- `herald build` (site and every outbox text), into the folders of the
  previous run, as a team's repeated builds do,
- the same build into folders never used before ("cold"), as on a fresh
  checkout (see the comment in main on why they are not emptied instead),
- `herald build --site-only`,
- `herald check`,
- `hugo` on ../shared/bench/hugo-site (when hugo is installed),
and prints the median and min-max of each, with the Herald/Hugo ratios.

    python3 bench/bench.py                      # N=1000 and N=10000, 5 runs each
    python3 bench/bench.py --counts 10000 --runs 3

Figures come from wait4(2): wall clock around the child, user+system CPU
time, and the child's peak resident set size. Outputs go to target/bench.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
GEN = os.path.join(HERE, "gen_shim.py")
HUGO_SITE = os.path.join(REPO, "..", "shared", "bench", "hugo-site")
WORK = os.path.join(REPO, "target", "bench")

NOW = "2026-01-01T00:00:00Z"

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
  advance-notice: { recipients: [vetted@example.net] }
"""


def generate(n, fmt, herald=None):
    d = os.path.join(WORK, f"{fmt}-{n}")
    marker = os.path.join(d, ".complete")
    if not os.path.exists(marker):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        args = [sys.executable, GEN, "--count", str(n), "--out", d, "--format", fmt]
        if fmt == "herald":
            args += ["--future", "0.3"]
        subprocess.run(args, check=True)
        open(marker, "w").close()
    if fmt == "herald":
        with open(os.path.join(d, "herald.yaml"), "w") as f:
            f.write(CONFIG)
        os.makedirs(os.path.join(d, "keys"), exist_ok=True)
        shutil.copy(os.path.join(REPO, "keys", "security.asc"), os.path.join(d, "keys"))
        # A tree with history is adopted once, as a team does on its first
        # day; without it `check` refuses every old announcement as late.
        if herald and not os.path.isdir(os.path.join(d, "ledger")):
            subprocess.run([herald, "--root", d, "ledger", "adopt", "--now", NOW],
                           check=True, stderr=subprocess.DEVNULL)
    else:
        site = os.path.join(WORK, f"hugo-site-{n}")
        if not os.path.isdir(site):
            shutil.copytree(HUGO_SITE, site)
            os.symlink(os.path.join(d, "content"), os.path.join(site, "content"))
        d = site
    return d


def measure(argv, cwd=None):
    # stderr goes to a file: a pipe that nobody reads while the child runs
    # would block a child that reports many findings.
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            sys.exit(f"failed: {' '.join(argv)}\n{err.read().decode()[-3000:]}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0


def line(name, runs):
    walls, cpus, rss = zip(*runs)
    return (f"  {name:<18} wall median {statistics.median(walls):6.2f}s "
            f"(min {min(walls):.2f}, max {max(walls):.2f})  cpu median {statistics.median(cpus):6.2f}s  "
            f"peak RSS {max(rss):5.0f} MB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--counts", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    subprocess.run(["cargo", "build", "--release", "--quiet", "--locked"], cwd=REPO, check=True)
    herald = os.path.join(REPO, "target", "release", "herald")
    hugo = shutil.which("hugo")
    medians = {}
    for n in args.counts:
        root = generate(n, "herald", herald)
        out = os.path.join(WORK, f"out-{n}")
        jobs = {
            "herald build": [herald, "--root", root, "build", "--now", NOW,
                             "--out", os.path.join(out, "public"), "--outbox", os.path.join(out, "outbox")],
            "herald site-only": [herald, "--root", root, "build", "--site-only", "--now",
                                 NOW, "--out", os.path.join(out, "public-site")],
            "herald check": [herald, "--root", root, "check", "--now", NOW],
        }
        # The same build into empty folders, as on a fresh CI checkout. Each
        # run gets folders never used before, and they are all deleted only
        # after the last run: on ext4 without a journal (this machine kind)
        # the inode allocator skips, one by one, inodes freed in the last
        # 5 to 35 seconds (`recently_deleted` in fs/ext4/ialloc.c), so a
        # build that follows a deletion of 100,000 files pays minutes of
        # kernel time that a fresh checkout never pays.
        cold_runs = []
        def cold_argv():
            d = os.path.join(out, f"cold-{len(cold_runs)}")
            cold_runs.append(d)
            return [herald, "--root", root, "build", "--now", NOW,
                    "--out", os.path.join(d, "public"), "--outbox", os.path.join(d, "outbox")]
        jobs["herald build, cold"] = cold_argv
        cwd = {}
        if hugo:
            site = generate(n, "hugo")
            jobs["hugo"] = [hugo, "--quiet", "-d", os.path.join(out, "hugo-public")]
            cwd["hugo"] = site
        results = {k: [] for k in jobs}
        def run(k):
            argv = jobs[k]() if callable(jobs[k]) else jobs[k]
            return measure(argv, cwd.get(k))

        for k in jobs:  # warm the page cache, and leave a spare generation
            run(k)
            run(k)
        for _ in range(args.runs):
            for k in jobs:  # alternate, so drift hits all alike
                results[k].append(run(k))
        for d in cold_runs:
            shutil.rmtree(d, ignore_errors=True)
        print(f"N={n} ({args.runs} runs each, alternating, {os.cpu_count()} cores)")
        for k, runs in results.items():
            print(line(k, runs))
        med = {k: statistics.median([r[0] for r in v]) for k, v in results.items()}
        medians[n] = med
        if "hugo" in med:
            for k in ("herald build", "herald build, cold", "herald site-only", "herald check"):
                print(f"  {k} / hugo: {med[k] / med['hugo']:.2f}")
    if len(medians) >= 2:
        lo, hi = min(medians), max(medians)
        for k in ("herald build", "herald build, cold"):
            r = medians[hi][k] / medians[lo][k]
            print(f"scaling: {k} at N={hi} takes {r:.1f}x its time at N={lo}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Herald's benchmark, side by side with Hugo: wall time, CPU time, peak RSS.

Generates the shared synthetic corpus (30% under embargo until 2099) in
Herald's format and in Hugo's, then runs, alternating in the same loop:
- `herald build` (site and every outbox text), into the folders of the
  previous run, as a team's repeated builds do,
- the same build into folders never used before ("cold"), as on a fresh
  checkout (see the comment in main on why they are not emptied instead),
- the same warm build right after one advisory's body was edited (what a
  team's CI does on each merge; the incremental build renders that
  advisory's files and the lists again, and keeps the rest),
- `herald build --site-only`, into its previous folder ("warm") and into
  a folder never used before ("cold"; #18's target is on this one),
- `herald check --fresh`, as on a fresh checkout: everything rendered in
  memory and held against the wall,
- `herald check` after that warm build, as in an author's tree: what the
  build rendered from the same inputs, behind the same wall, is not
  rendered again,
- `hugo` on ../shared/bench/hugo-site (when hugo is installed),
- the floor (`bench/floor.rs`): each body rendered by pulldown-cmark and
  written to a folder never used before, nothing else, on every core,
and prints the median and min-max of each, with the ratios to Hugo's
fastest and median runs, and to the floor's median: Hugo's time follows
the disk and the machine from run to run, the floor's much less.

Then the adversarial rows, which must each take about a second at most
(the wall and the safety checks are linear; what cannot be, is capped):
- a build whose embargoed advisory has a 100 KB title;
- a build with 10,000 advisories under embargo, so 10,000 hidden titles
  and ids (site only: the outbox would hold 10,000 advisories' texts);
- `check` on an advisory body with 100,000 nested `<div>`s (refused, at
  its line, by the nesting cap).

    python3 bench/bench.py                      # N=1000 and N=10000, 5 runs each
    python3 bench/bench.py --counts 10000 --runs 3

Figures come from wait4(2): wall clock around the child, its user and
system CPU time, and its peak resident set size. Outputs go to target/bench.
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


# Issue #18's targets: Herald's cold build, site-only build and check, each
# against Hugo's fastest run in the same benchmark run.
TARGETS = {"herald build, cold": 0.35, "herald site-only, cold": 0.15, "herald check, fresh": 0.10}


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


ADVISORY = """---
kind: advisory
title: {title}
summary: Widgets overflow
cves: [CVE-{year}-{n}]
embargo: {embargo}
severity: high
component: widgets
affected:
  - package: widgets
    vulnerable: "< 1.2.3"
    patched: ">= 1.2.3"
---

{body}

## Overview

Details.
"""


def adversarial(name, herald, advisories):
    """A small tree with `advisories`: (file, title, year, n, embargo, body)."""
    d = os.path.join(WORK, f"adversarial-{name}")
    if os.path.isdir(d):
        return d
    os.makedirs(os.path.join(d, "keys"))
    with open(os.path.join(d, "herald.yaml"), "w") as f:
        f.write(CONFIG)
    shutil.copy(os.path.join(REPO, "keys", "security.asc"), os.path.join(d, "keys"))
    for file, title, year, n, embargo, body in advisories:
        path = os.path.join(d, "advisories", file)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(ADVISORY.format(title=title, year=year, n=n, embargo=embargo, body=body))
    # The nesting tree is refused as it loads, so it has no history to adopt.
    subprocess.run([herald, "--root", d, "ledger", "adopt", "--now", NOW],
                   check=False, stderr=subprocess.DEVNULL)
    return d


def adversarial_rows(herald, runs):
    published = ("2025/published.md", "Security advisory for widgets (CVE-2025-1000)",
                 2025, 1000, "2025-06-10T15:00:00Z", "Widgets could overflow.")
    words = "gadget parser overflow in the frobnicator "
    big_title = (words * (100_000 // len(words) + 1))[:100_000].strip()
    trees = {
        "100 KB title": adversarial("title", herald, [
            published,
            ("2099/hidden.md", big_title, 2099, 1001, "2099-06-09T15:00:00Z", "Hidden."),
        ]),
        "10,000 hidden titles": adversarial("hidden", herald, [published] + [
            (f"2099/h{i}.md", f"Security advisory for component {i} of the gadget parser",
             2099, 10000 + i, "2099-06-09T15:00:00Z", "Hidden.")
            for i in range(10_000)
        ]),
        "100,000 nested divs": adversarial("nesting", herald, [
            ("2025/published.md", published[1], 2025, 1000, published[4],
             "<div>" * 100_000 + "deep" + "</div>" * 100_000),
        ]),
    }
    argv = {
        "100 KB title": lambda d, o: [herald, "--root", d, "build", "--now", NOW,
                                      "--out", os.path.join(o, "public"),
                                      "--outbox", os.path.join(o, "outbox")],
        "10,000 hidden titles": lambda d, o: [herald, "--root", d, "build", "--site-only",
                                              "--now", NOW, "--out", os.path.join(o, "public")],
        "100,000 nested divs": lambda d, o: [herald, "--root", d, "check", "--now", NOW],
    }
    expect = {"100,000 nested divs": 1}
    print(f"adversarial ({runs} runs each)")
    for name, d in trees.items():
        results = []
        for i in range(runs + 1):
            o = os.path.join(WORK, f"adversarial-out-{len(name)}-{i}")
            shutil.rmtree(o, ignore_errors=True)
            r = measure(argv[name](d, o), expect=expect.get(name, 0))
            if i:  # the first run warms the page cache
                results.append(r)
        cmd = argv[name](d, "OUT")
        what = " ".join(cmd[3:5] if cmd[4].startswith("--s") else cmd[3:4])
        print(line(f"{name} ({what})", results))


def measure(argv, cwd=None, expect=0):
    # stderr goes to a file: a pipe that nobody reads while the child runs
    # would block a child that reports many findings.
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != expect:
            err.seek(0)
            sys.exit(f"failed: {' '.join(argv)}\n{err.read().decode()[-3000:]}")
    return wall, ru.ru_utime, ru.ru_stime, ru.ru_maxrss / 1024.0


def line(name, runs):
    walls, users, syss, rss = zip(*runs)
    return (f"  {name:<22} wall median {statistics.median(walls):6.2f}s "
            f"(min {min(walls):.2f}, max {max(walls):.2f})  user {statistics.median(users):5.2f}s  "
            f"sys {statistics.median(syss):5.2f}s  peak RSS {max(rss):5.0f} MB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--counts", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--adversarial-only", action="store_true",
                    help="only the adversarial rows")
    args = ap.parse_args()

    subprocess.run(["cargo", "build", "--release", "--quiet", "--locked",
                    "--bin", "herald", "--example", "floor"], cwd=REPO, check=True)
    herald = os.path.join(REPO, "target", "release", "herald")
    floor = os.path.join(REPO, "target", "release", "examples", "floor")
    hugo = shutil.which("hugo")
    adversarial_rows(herald, args.runs)
    if args.adversarial_only:
        return
    medians = {}
    for n in args.counts:
        root = generate(n, "herald", herald)
        out = os.path.join(WORK, f"out-{n}")
        jobs = {
            "herald build": [herald, "--root", root, "build", "--now", NOW,
                             "--out", os.path.join(out, "public"), "--outbox", os.path.join(out, "outbox")],
            "herald site-only, warm": [herald, "--root", root, "build", "--site-only", "--now",
                                 NOW, "--out", os.path.join(out, "public-site")],
            # As on a fresh checkout (a pull request's CI job): everything
            # rendered and held against the wall. The target is this one.
            "herald check, fresh": [herald, "--root", root, "check", "--fresh", "--now", NOW],
            # As in an author's tree: after a build, whose verdicts on the
            # files it rendered from the same inputs are reused.
            "herald check": [herald, "--root", root, "check", "--now", NOW,
                             "--out", os.path.join(out, "public"), "--outbox", os.path.join(out, "outbox")],
        }
        # The same build into empty folders, as on a fresh CI checkout. Each
        # run gets folders never used before, and they are all deleted only
        # after the last run: on ext4 without a journal (this machine kind)
        # the inode allocator skips, one by one, inodes freed in the last
        # 5 to 35 seconds (`recently_deleted` in fs/ext4/ialloc.c), so a
        # build that follows a deletion of 100,000 files pays minutes of
        # kernel time that a fresh checkout never pays.
        cold_runs = []
        def fresh(kind, argv_in):
            """A job that runs `argv_in(d)` in a folder `d` never used before."""
            def argv():
                d = os.path.join(out, f"{kind}-{len(cold_runs)}")
                cold_runs.append(d)
                return argv_in(d)
            return argv
        jobs["herald build, cold"] = fresh("cold", lambda d: [
            herald, "--root", root, "build", "--now", NOW,
            "--out", os.path.join(d, "public"), "--outbox", os.path.join(d, "outbox")])
        jobs["herald site-only, cold"] = fresh("cold", lambda d: [
            herald, "--root", root, "build", "--site-only", "--now", NOW,
            "--out", os.path.join(d, "public")])
        jobs["floor"] = fresh("floor", lambda d: [floor, os.path.join(root, "advisories"), d])
        # One advisory's body edited, then the same warm build.
        edited = sorted(os.listdir(os.path.join(root, "advisories")))[0]
        edited = os.path.join(root, "advisories", edited)
        if os.path.isdir(edited):
            edited = os.path.join(edited, sorted(os.listdir(edited))[0])
        pristine = open(edited, encoding="utf-8").read()
        edits = []
        def edit_argv():
            edits.append(None)
            with open(edited, "w", encoding="utf-8") as f:
                f.write(pristine + f"\nEdit number {len(edits)}.\n")
            return jobs["herald build"]
        jobs["herald one edit"] = edit_argv
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
        with open(edited, "w", encoding="utf-8") as f:
            f.write(pristine)
        print(f"N={n} ({args.runs} runs each, alternating, {os.cpu_count()} cores)")
        for k, runs in results.items():
            print(line(k, runs))
        med = {k: statistics.median([r[0] for r in v]) for k, v in results.items()}
        medians[n] = med
        if "hugo" in med:
            fastest = min(r[0] for r in results["hugo"])
            print(f"  ratios to Hugo's fastest run ({fastest:.2f}s) and its median ({med['hugo']:.2f}s),"
                  " Herald's median; targets (#18) against the fastest:")
            for k in ("herald build", "herald build, cold", "herald one edit",
                      "herald site-only, warm", "herald site-only, cold",
                      "herald check, fresh", "herald check"):
                target = TARGETS.get(k)
                r = med[k] / fastest
                verdict = "" if target is None else f"  target <= {target:.2f}: {'met' if r <= target else 'NOT met'}"
                print(f"  {k:<22} {r:5.2f} (median {med[k] / med['hugo']:.2f}){verdict}")
        print(f"  ratios to the floor's median ({med['floor']:.2f}s), Herald's median:")
        for k in ("herald build, cold", "herald site-only, cold", "herald check, fresh"):
            print(f"  {k:<22} {med[k] / med['floor']:5.2f}")
        one = med["herald one edit"]
        print(f"  one-advisory rebuild: {one:.2f}s  target <= 0.30s: {'met' if one <= 0.3 else 'NOT met'}")
        rss = max(r[3] for k, v in results.items() if k.startswith("herald") for r in v)
        print(f"  peak RSS of any Herald run: {rss:.0f} MB  target <= 200 MB: {'met' if rss <= 200 else 'NOT met'}")
    if len(medians) >= 2:
        lo, hi = min(medians), max(medians)
        for k in ("herald build", "herald build, cold"):
            r = medians[hi][k] / medians[lo][k]
            print(f"scaling: {k} at N={hi} takes {r:.1f}x its time at N={lo}  target <= 11: {'met' if r <= 11 else 'NOT met'}")


if __name__ == "__main__":
    main()

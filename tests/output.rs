//! A build takes the generation before the live one as its staging folder
//! and writes only the files whose bytes changed. Whatever happened to the
//! output folders in between, every build must leave exactly what a build
//! into empty folders gives, byte for byte.

mod common;

use std::fs;
use std::path::Path;

use common::{advisory, code, stderr, Tree};

const NOW: &str = "2025-01-01T00:00:00Z";

/// Assert that two folders hold the same files with the same bytes, naming
/// only the files that differ.
fn assert_same(t: &Tree, got: &str, want: &str, step: &str) {
    let (got, want) = (t.snapshot(got), t.snapshot(want));
    let differ: Vec<_> = got
        .keys()
        .chain(want.keys())
        .filter(|p| got.get(*p) != want.get(*p))
        .collect();
    assert!(
        differ.is_empty(),
        "{step}: these files differ from a fresh build: {differ:?}"
    );
}

/// Build into the tree's `public/` and `outbox/`, then into fresh folders,
/// and compare. Returns the build's report.
fn build_like_fresh(t: &Tree, step: &str) -> String {
    build_like_fresh_at(t, step, NOW)
}

fn build_like_fresh_at(t: &Tree, step: &str, now: &str) -> String {
    let o = t.build(now);
    assert_eq!(code(&o), 0, "{step}: {}", stderr(&o));
    let fresh = tempfile::tempdir().expect("tmp");
    let out = fresh.path().join("public");
    let outbox = fresh.path().join("outbox");
    let f = t.herald(&[
        "build",
        "--now",
        now,
        "--out",
        out.to_str().expect("utf-8"),
        "--outbox",
        outbox.to_str().expect("utf-8"),
    ]);
    assert_eq!(code(&f), 0, "{step}: {}", stderr(&f));
    assert_same(t, "public", out.to_str().expect("utf-8"), step);
    assert_same(t, "outbox", outbox.to_str().expect("utf-8"), step);
    stderr(&o)
}

/// How many site files the build reported unchanged, and how many it built.
fn counts(report: &str) -> (usize, usize) {
    let line = report
        .lines()
        .find(|l| l.starts_with("herald: built"))
        .expect("report line");
    let number = |s: &str| s.split(' ').next().expect("n").parse().expect("number");
    let built = number(line.trim_start_matches("herald: built "));
    let (_, rest) = line.split_once(" (").expect("count");
    (number(rest), built)
}

fn unchanged(report: &str) -> usize {
    counts(report).0
}

#[test]
fn every_build_leaves_what_a_fresh_build_leaves() {
    let t = Tree::new();
    t.write(
        "advisories/2024/cve-2024-1002.md",
        &advisory(2, "2024-06-04T15:00:00Z"),
    );
    build_like_fresh(&t, "first build");
    assert_eq!(
        unchanged(&build_like_fresh(&t, "second build")),
        0,
        "no spare yet"
    );
    // Everything but osv.json, which is streamed and always written; the
    // manifest is sealed after the clock moves on, so even a build quicker
    // than one tick is reused.
    let third = build_like_fresh(&t, "third build");
    let (same, built) = counts(&third);
    assert_eq!(same + 1, built, "the spare generation is reused: {third}");
    assert!(!t.path().join(".public.herald/staging").exists());
    assert_eq!(t.read(".public.herald/.gitignore"), "*\n");

    // A changed title changes pages across the site and the outbox.
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &common::ADVISORY.replace("Widgets overflow", "Widgets overflow badly"),
    );
    build_like_fresh(&t, "changed summary");
    build_like_fresh(&t, "changed summary, other generation");

    // A removed advisory leaves no page, folder or channel text behind.
    fs::remove_file(t.path().join("advisories/2024/cve-2024-1002.md")).expect("rm");
    build_like_fresh(&t, "removed advisory");
    build_like_fresh(&t, "removed advisory, other generation");
    assert!(!t.path().join("public/advisories/cve-2024-1002").exists());
    assert!(!t.path().join("outbox/cve-2024-1002").exists());
}

#[test]
fn whatever_else_touched_the_outputs_is_undone() {
    let t = Tree::new();
    for step in ["one", "two", "three"] {
        build_like_fresh(&t, step);
    }
    let outside = t.path().join("outside.txt");
    fs::write(&outside, "keep me").expect("write");
    let index = t.path().join("public/index.html");
    // Same length, other bytes: only the file's identity can tell.
    let page = fs::read(&index).expect("read");
    let mut edited = page.clone();
    edited[0] = if page[0] == b'<' { b'>' } else { b'<' };
    fs::write(&index, &edited).expect("write");
    fs::write(t.path().join("public/advisories/extra.html"), "not ours").expect("write");
    fs::create_dir_all(t.path().join("public/stray/deeper")).expect("mkdir");
    std::os::unix::fs::symlink(&outside, t.path().join("public/feed.xml.tmp")).expect("link");
    fs::write(t.path().join("outbox/cve-2024-1000/blog.md"), "tampered").expect("write");
    // Both generations pass through a build: the touched one is the spare
    // after the first, and the staging folder in the second.
    build_like_fresh(&t, "after tampering");
    build_like_fresh(&t, "after tampering, other generation");
    build_like_fresh(&t, "after tampering, third");
    assert_eq!(fs::read_to_string(&outside).expect("read"), "keep me");
}

#[test]
fn a_failed_build_keeps_the_live_output_and_the_next_ones_recover() {
    let t = Tree::new();
    build_like_fresh(&t, "one");
    build_like_fresh(&t, "two");
    let before = t.snapshot("public");
    // A theme that drops a required disclaimer fails after the outbox
    // staging folder has been filled.
    t.use_theme("terse");
    t.write(
        "themes/terse/templates/channels/oss-security.txt",
        "{{ a.lead_text }}\n",
    );
    let o = t.build(NOW);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(t.snapshot("public"), before);
    fs::remove_dir_all(t.path().join("themes")).expect("rm");
    t.write("herald.yaml", common::CONFIG);
    build_like_fresh(&t, "after the failure");
    build_like_fresh(&t, "after the failure, other generation");
}

#[test]
fn a_spare_without_its_manifest_is_not_trusted() {
    let t = Tree::new();
    for step in ["one", "two"] {
        build_like_fresh(&t, step);
    }
    let spare: &Path = &t.path().join(".public.herald/spare");
    assert!(spare.join("index.html").exists());
    fs::remove_file(t.path().join(".public.herald/spare.manifest")).expect("rm");
    fs::write(spare.join("index.html"), "stale").expect("write");
    let report = build_like_fresh(&t, "no manifest");
    assert_eq!(unchanged(&report), 0, "{report}");
}

/// A large build tells a person at a terminal what it is doing; a pipe or
/// a log gets the summary alone.
#[test]
fn a_large_build_shows_its_phases_at_a_terminal_only() {
    let t = common::Tree::new();
    for n in 1..300 {
        t.write(
            &format!("advisories/2024/cve-2024-{}.md", 1000 + n),
            &common::advisory(n, "2024-04-09T15:00:00Z"),
        );
    }
    let piped = t.build("2024-04-09T16:00:00Z");
    assert_eq!(common::code(&piped), 0, "{}", common::stderr(&piped));
    assert!(!common::stderr(&piped).contains("rendering the site"));

    // `script` (util-linux) runs the build on a pseudo-terminal.
    let bin = assert_cmd::cargo::cargo_bin("herald");
    let command = format!(
        "{} --root {} build --now 2024-04-09T16:00:00Z",
        bin.display(),
        t.path().display()
    );
    let tty = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("HERALD_SIGNING_KEY")
        .output()
        .expect("script(1) from util-linux");
    let shown = String::from_utf8_lossy(&tty.stdout);
    assert!(tty.status.success(), "{shown}");
    for phase in [
        "herald: rendering the channel texts into the outbox…",
        "herald: rendering the site, behind the embargo wall…",
        "herald: putting the new site in place…",
    ] {
        assert!(shown.contains(phase), "{phase} in {shown}");
    }
}

/// How many site files the build kept without rendering them.
fn kept(report: &str) -> usize {
    kept_in(report, "herald: built")
}

/// How many channel texts the build kept without rendering them.
fn outbox_kept(report: &str) -> usize {
    kept_in(report, "herald: wrote")
}

fn kept_in(report: &str, line: &str) -> usize {
    let line = report
        .lines()
        .find(|l| l.starts_with(line))
        .expect("report line");
    let (before, _) = line.split_once(" of them kept unrendered").expect("kept");
    before
        .rsplit(' ')
        .next()
        .expect("n")
        .parse()
        .expect("number")
}

/// The edited tree of `every_kind_of_edit_rebuilds_what_a_cold_build_gives`.
fn edit_tree() -> Tree {
    let t = Tree::new();
    t.write(
        "advisories/2024/cve-2024-1002.md",
        &advisory(2, "2024-06-04T15:00:00Z"),
    );
    // Public at a moment the steps below move past.
    t.write(
        "advisories/2025/cve-2024-1003.md",
        &advisory(3, "2025-03-01T15:00:00Z").replace("component: widgets", "component: gadgets"),
    );
    t.write(
        "advisories/2025/pre.md",
        "---\nkind: pre-announcement\ntitle: Security release for gadgets 2.0.1\nrelease: 2025-03-01T15:00:00Z\nseverity: high\ncomponent: gadgets\nadvisory: cve-2024-1003\n---\n\nA release is coming.\n",
    );
    t.write(
        "content/about.md",
        "---\ntitle: About us\n---\n\nWe fix things.\n",
    );
    t.use_theme("mine");
    t.write(
        "themes/mine/templates/page.html",
        include_str!("../themes/default/templates/page.html"),
    );
    t
}

/// Issue #18's incremental build: after each kind of edit, the files whose
/// inputs changed are rendered again and the others are kept unrendered,
/// and the result is byte for byte what a build into empty folders gives,
/// in both generations.
#[test]
fn every_kind_of_edit_rebuilds_what_a_cold_build_gives() {
    let t = edit_tree();
    // Both generations: the second build starts from the folder the first
    // one did not.
    let at = |t: &Tree, step: &str, now: &str| {
        [
            build_like_fresh_at(t, step, now),
            build_like_fresh_at(t, &format!("{step}, other generation"), now),
        ]
    };
    at(&t, "first builds", NOW);
    let settled = at(&t, "nothing changed", NOW);
    // Both advisory pages and OSV records, the three archive pages (2024,
    // high, widgets) and the page; the lists of everything and the small
    // files are rendered.
    assert_eq!(kept(&settled[1]), 8, "{}", settled[1]);
    // The texts of the advisories still to go out, all of them.
    let texts = outbox_kept(&settled[1]);
    assert!(texts > 0, "{}", settled[1]);

    let page = "public/advisories/cve-2024-1000/index.html";
    let edits: [(&str, &str, &dyn Fn(&Tree)); 8] = [
        ("body", "rewritten body", &|t| {
            t.write(
                "advisories/2024/cve-2024-1000.md",
                &common::ADVISORY.replace("Details.", "Details, rewritten body."),
            );
        }),
        ("title", "widgets, retitled", &|t| {
            t.write(
                "advisories/2024/cve-2024-1000.md",
                &common::ADVISORY.replace("widgets (CVE", "widgets, retitled (CVE"),
            );
        }),
        ("embargo", "2023-11-", &|t| {
            t.write(
                "advisories/2024/cve-2024-1000.md",
                &common::ADVISORY.replace("2024-04-09T15:00:00Z", "2023-11-07T15:00:00Z"),
            );
        }),
        ("severity", "Low", &|t| {
            t.write(
                "advisories/2024/cve-2024-1000.md",
                &common::ADVISORY.replace("severity: high", "severity: low"),
            );
        }),
        ("a page", "Who we are", &|t| {
            t.write(
                "content/about.md",
                "---\ntitle: Who we are\n---\n\nWe fix things.\n",
            );
        }),
        ("a template", "<meta name=\"edited\">", &|t| {
            t.write(
                "themes/mine/templates/advisory.html",
                &include_str!("../themes/default/templates/advisory.html").replacen(
                    "{% block main %}",
                    "{% block main %}<meta name=\"edited\">",
                    1,
                ),
            );
        }),
        ("herald.yaml", "Renamed Security Advisories", &|t| {
            let config = t
                .read("herald.yaml")
                .replace("Test Security Advisories", "Renamed Security Advisories");
            t.write("herald.yaml", &config);
        }),
        (
            "a removed advisory",
            "Security advisory for widgets",
            &|t| {
                fs::remove_file(t.path().join("advisories/2024/cve-2024-1002.md")).expect("rm");
            },
        ),
    ];
    for (step, shows, edit) in edits {
        edit(&t);
        let reports = at(&t, step, NOW);
        assert!(
            t.read(page).contains(shows),
            "{step}: the page does not show `{shows}`"
        );
        // The edit renders something again; the next build keeps again.
        assert!(kept(&reports[0]) < 8, "{step}: {}", reports[0]);
        let again = at(&t, &format!("{step}, rebuilt"), NOW);
        assert!(kept(&again[1]) > 0, "{step}: {}", again[1]);
        assert!(outbox_kept(&again[1]) > 0, "{step}: {}", again[1]);
    }
    assert!(!t.path().join("public/advisories/cve-2024-1002").exists());

    // Time moves past an embargo and a pre-announcement's release: the
    // wall changes, so nothing is kept by its key at first.
    let later = "2025-06-01T00:00:00Z";
    let reports = at(&t, "an embargo lifts", later);
    assert_eq!(kept(&reports[0]), 0, "{}", reports[0]);
    assert!(t
        .read("public/advisories/cve-2024-1003/index.html")
        .contains("gadgets"));
    assert!(kept(&at(&t, "after the embargo", later)[1]) > 0);
}

/// A file kept unrendered is still held against the wall whenever the wall
/// changes: an embargoed advisory retitled to words that a published page
/// already holds stops the build, though that page's own inputs did not
/// change.
#[test]
fn a_kept_file_is_held_against_a_changed_wall() {
    let t = Tree::new();
    let phrase = "gadget parser overflow in the frobnicator";
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &common::ADVISORY.replace("Details.", &format!("Unrelated to the {phrase}.")),
    );
    t.write(
        "advisories/2099/cve-2024-1009.md",
        &advisory(9, "2099-01-01T15:00:00Z"),
    );
    for step in ["one", "two", "three"] {
        build_like_fresh(&t, step);
    }
    let before = t.snapshot("public");
    t.write(
        "advisories/2099/cve-2024-1009.md",
        &advisory(9, "2099-01-01T15:00:00Z").replace(
            "Security advisory for widgets number 9 (CVE-2024-1009)",
            &format!("The {phrase}"),
        ),
    );
    for _ in 0..2 {
        let o = t.build(NOW);
        common::assert_fails_with(&o, "advisories/cve-2024-1000/index.html");
        assert!(
            stderr(&o).contains("the title from advisory `cve-2024-1009`"),
            "{}",
            stderr(&o)
        );
        assert_eq!(t.snapshot("public"), before);
    }
}

/// The same for a secret: a token that a kept page holds is found once the
/// build runs with that token in its environment.
#[test]
fn a_kept_file_is_held_against_the_secrets_of_each_run() {
    let t = Tree::new();
    // Of no known token format: only the environment says it is a secret.
    let token = "opaque-0123456789abcdefghijklmnopqrstuvwxyz";
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &common::ADVISORY.replace("Details.", &format!("Details {token}.")),
    );
    for step in ["one", "two", "three"] {
        build_like_fresh(&t, step);
    }
    let o = with_token(&t, token, &["build", "--now", NOW]);
    common::assert_fails_with(&o, "the value of GITHUB_TOKEN");
    // The page itself, not only the lists rendered anew each time.
    assert!(
        stderr(&o).contains("advisories/cve-2024-1000/index.html"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains(token), "{}", stderr(&o));
}

/// Run herald on `t` with `token` as the environment's GITHUB_TOKEN.
fn with_token(t: &Tree, token: &str, args: &[&str]) -> std::process::Output {
    common::herald_cmd()
        .env("GITHUB_TOKEN", token)
        .arg("--root")
        .arg(t.path())
        .args(args)
        .output()
        .expect("run herald")
}

/// How many files `check` took as the last build found them.
fn trusted(report: &str) -> usize {
    report
        .split_once(" files as the last build found them")
        .map_or(0, |(before, _)| {
            before
                .rsplit('(')
                .next()
                .expect("n")
                .parse()
                .expect("number")
        })
}

/// `check` need not render again what the last build rendered from the
/// same inputs and found clean behind the same wall, but it must still
/// refuse everything `build` would: an edit that leaks, a wall that now
/// hides what a kept page says, a secret of this run. A copy of the output
/// (another folder than the one the record describes) is not trusted.
#[test]
fn check_reuses_only_verdicts_on_the_same_inputs_behind_the_same_wall() {
    let t = Tree::new();
    let phrase = "gadget parser overflow in the frobnicator";
    let token = "opaque-0123456789abcdefghijklmnopqrstuvwxyz";
    let public = common::ADVISORY.replace(
        "Details.",
        &format!("Unrelated to the {phrase}. Build {token}."),
    );
    t.write("advisories/2024/cve-2024-1000.md", &public);
    // The feed, rendered every time, holds only a newer advisory: what the
    // check finds below is in files it took from the build.
    t.write(
        "herald.yaml",
        &common::CONFIG.replacen("site:\n", "site:\n  feed-entries: 1\n", 1),
    );
    t.write(
        "advisories/2024/cve-2024-1002.md",
        &advisory(2, "2024-06-04T15:00:00Z"),
    );
    let hidden = advisory(9, "2099-01-01T15:00:00Z");
    t.write("advisories/2099/cve-2024-1009.md", &hidden);
    // Its history, as `check` wants it: the public advisory went out.
    let o = t.herald(&["ledger", "adopt", "--now", NOW]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    build_like_fresh(&t, "first");
    let check = |args: &[&str]| {
        let mut all = vec!["check", "--now", NOW];
        all.extend_from_slice(args);
        t.herald(&all)
    };
    let o = check(&[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Both advisory pages and OSV records, archive pages, and the outbox
    // texts of the advisory under embargo.
    let reused = trusted(&stderr(&o));
    assert!(reused > 8, "{}", stderr(&o));
    let o = check(&["--fresh"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(trusted(&stderr(&o)), 0, "{}", stderr(&o));

    // The same secret the build did not look for: the run's own.
    let o = with_token(&t, token, &["check", "--now", NOW]);
    common::assert_fails_with(&o, "the value of GITHUB_TOKEN");

    // A wall that now hides what the kept page says.
    t.write(
        "advisories/2099/cve-2024-1009.md",
        &hidden.replace(
            "Security advisory for widgets number 9 (CVE-2024-1009)",
            &format!("The {phrase}"),
        ),
    );
    common::assert_fails_with(&check(&[]), "advisories/2024/cve-2024-1000.md");
    t.write("advisories/2099/cve-2024-1009.md", &hidden);

    // An edit to a page the build found clean, which now leaks.
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &public.replace("Unrelated", "Not CVE-2024-1009, and unrelated"),
    );
    common::assert_fails_with(&check(&[]), "embargo leak");
    t.write("advisories/2024/cve-2024-1000.md", &public);
    let o = check(&[]);
    assert_eq!(trusted(&stderr(&o)), reused, "{}", stderr(&o));

    // A copy of the site is another folder than the record's; the outbox
    // is still the record's own.
    let elsewhere = tempfile::tempdir().expect("tmp");
    let copy = elsewhere.path().join("public");
    fs::rename(t.path().join("public"), &copy).expect("move");
    let cp = std::process::Command::new("cp")
        .arg("-a")
        .arg(&copy)
        .arg(t.path())
        .status()
        .expect("cp");
    assert!(cp.success());
    let o = check(&[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let outbox = trusted(&stderr(&o));
    assert!(outbox > 0 && outbox < reused, "{}", stderr(&o));
}

#[test]
fn output_folders_that_overlap_each_other_or_the_sources_are_refused() {
    let t = Tree::new();
    t.write(
        "advisories/2099/cve-2024-1002.md",
        &advisory(2, "2099-04-07T15:00:00Z"),
    );
    let o = t.build(NOW);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let before = (
        t.snapshot("public"),
        t.snapshot("outbox"),
        t.snapshot("content"),
    );
    for (args, says) in [
        (
            &["--outbox", "public"][..],
            "--out `public` and --outbox `public` overlap: the private outbox would be deployed with the site",
        ),
        (&["--outbox", "public/private"], "overlap: the private outbox would be deployed"),
        (&["--out", "outbox/site"], "overlap: the private outbox would be deployed"),
        (
            &["--outbox", "content/drafts"],
            "--outbox `content/drafts` overlaps the tree's `content/`, which Herald reads as sources",
        ),
        (&["--out", "./public/../advisories/site"], "overlaps the tree's `advisories/`"),
        (&["--out", "."], "overlap: the private outbox would be deployed"),
    ] {
        let mut all = vec!["build", "--now", NOW];
        all.extend_from_slice(args);
        let o = t.herald(&all);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
    let after = (
        t.snapshot("public"),
        t.snapshot("outbox"),
        t.snapshot("content"),
    );
    assert!(before == after, "nothing was written or removed");
    assert!(!t.path().join("content/drafts").exists());
}

#[test]
fn a_site_built_ahead_of_the_clock_is_marked_never_to_deploy() {
    let t = Tree::new();
    t.write(
        "advisories/2099/cve-2024-1002.md",
        &advisory(2, "2099-04-07T15:00:00Z"),
    );
    let o = t.build("2099-05-01T00:00:00Z");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: --now 2099-05-01T00:00:00Z is ahead of this machine's clock: `public` will show what is under embargo today as published; never deploy it"),
        "{}",
        stderr(&o)
    );
    let o = t.build(NOW);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("ahead of this machine's clock"),
        "{}",
        stderr(&o)
    );
}

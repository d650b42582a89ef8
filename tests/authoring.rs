//! Writing advisories: scaffolds, lints, and findings for editors and CI.

mod common;

use common::{code, stderr, Tree, ADVISORY};

/// `herald new advisory` with every flag it needs, and `extra`.
fn new_advisory(t: &Tree, cve: &str, title: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "new",
        "advisory",
        "--cve",
        cve,
        "--title",
        title,
        "--component",
        "gadgets",
        "--severity",
        "high",
    ];
    args.extend_from_slice(extra);
    t.herald(&args)
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn scaffolds_pass_check_as_written_and_are_never_overwritten() {
    let t = Tree::new();
    std::fs::remove_file(t.path().join("advisories/2024/cve-2024-1000.md")).expect("rm");
    t.write(
        "herald.yaml",
        &format!(
            "{}  advance-notice: {{ recipients: [vetted@example.net] }}\n",
            common::CONFIG
        ),
    );
    let o = new_advisory(
        &t,
        "CVE-2030-12345",
        "Security advisory for gadgets",
        &["--embargo", "2030-06-04T15:00:00Z"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "advisories/2030/cve-2030-12345.md");
    let text = t.read("advisories/2030/cve-2030-12345.md");
    assert!(text.contains("title: \"Security advisory for gadgets (CVE-2030-12345)\""));
    // Quoted in the front matter, written as prose in the body.
    assert!(text.contains("component: \"gadgets\""), "{text}");
    assert!(
        text.contains("List the affected versions of gadgets."),
        "{text}"
    );
    assert!(!text.contains("of \"gadgets\""), "{text}");
    for section in [
        "## Overview",
        "## Mitigations",
        "## Affected Versions",
        "## Acknowledgments",
        "[policy]: https://security.example.org/policy/",
    ] {
        assert!(text.contains(section), "{section}");
    }
    for field in herald::model::advisory::FIELDS {
        assert!(
            text.contains(&format!("\n{field}:")),
            "the scaffold has every field: {field}"
        );
    }
    let o = t.herald(&["new", "pre-announcement", "--for", "cve-2030-12345"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        "advisories/2030/pre-gadgets-2030-06-04.md"
    );
    let pre = t.read("advisories/2030/pre-gadgets-2030-06-04.md");
    assert!(
        pre.contains("release: 2030-06-04T15:00:00+00:00[UTC]") && pre.contains("severity: high")
    );
    assert!(
        !pre.contains("CVE-2030-12345") && !pre.contains("Security advisory for gadgets"),
        "reveals nothing more"
    );

    // Scaffolds pass `check` and build, but their placeholder text is a
    // warning until the author replaces it, so `--strict` fails.
    let o = t.herald(&["check", "--now", "2030-01-01T00:00:00Z"]);
    assert_eq!(code(&o), 0, "scaffolds pass check: {}", stderr(&o));
    let err = stderr(&o);
    for p in herald::lint::PLACEHOLDERS {
        assert!(
            err.contains(&format!("placeholder text `{p}`")),
            "{p}: {err}"
        );
    }
    assert!(
        !err.contains("warning: advisories/2030/pre-"),
        "the pre-announcement is whole: {err}"
    );
    let o = t.herald(&["check", "--strict", "--now", "2030-01-01T00:00:00Z"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(code(&t.build("2030-01-01T00:00:00Z")), 0);

    let before = t.read("advisories/2030/cve-2030-12345.md");
    let o = new_advisory(&t, "CVE-2030-12345", "x", &[]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("already exists; Herald never overwrites a file"),
        "{}",
        stderr(&o)
    );
    assert_eq!(t.read("advisories/2030/cve-2030-12345.md"), before);
    let o = t.herald(&["new", "pre-announcement", "--for", "cve-2030-12345"]);
    assert_eq!(code(&o), 2);

    // A title that would split a subject is refused as `check` would,
    // and nothing is written.
    let o = new_advisory(&t, "CVE-2030-22223", "x\nBcc: someone@example.net", &[]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("--title: it must be one line of text, without U+000A"),
        "{}",
        stderr(&o)
    );
    assert!(!t.path().join("advisories/2030/cve-2030-22223.md").exists());

    // Without a terminal, what is missing is an error, not a prompt.
    let o = t.herald(&["new", "advisory", "--cve", "CVE-2030-22222"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("missing --component, --severity, --title (and no terminal to ask on)"),
        "every missing flag at once: {}",
        stderr(&o)
    );
}

/// (lint, how to break the valid advisory, expected `path:line:col: message [lint]`)
const LINT_CASES: &[(&str, &str, &str, &str)] = &[
    ("summary-length", "summary: Widgets overflow", "summary: Widgets overflow when the input is longer than the buffer that the parser allocated for it, which happens with large files and long lines", "advisories/2024/cve-2024-1000.md:4:10: the summary has 137 characters"),
    ("summary-period", "summary: Widgets overflow", "summary: Widgets overflow.", "advisories/2024/cve-2024-1000.md:4:10: the summary ends with a period"),
    ("title-length", "title: Security advisory for widgets (CVE-2024-1000)", "title: Security advisory for widgets, gadgets, sprockets, cogs, levers, springs and every other part (CVE-2024-1000)", "advisories/2024/cve-2024-1000.md:3:8: the title has 109 characters"),
    ("title-cves", "title: Security advisory for widgets (CVE-2024-1000)", "title: Security advisory for widgets", "advisories/2024/cve-2024-1000.md:3:8: the title does not name `CVE-2024-1000`"),
    ("sections", "## Overview", "## Overview\n\n## Mitigations\n\nUpgrade.", "advisories/2024/cve-2024-1000.md:17:1: the body has no `## Affected Versions` section"),
    ("https-links", "Details.", "Details, see [the fix](http://example.org/fix).", "advisories/2024/cve-2024-1000.md:21:14: link to `http://example.org/fix` uses http"),
    ("bare-handle", "Details.", "Found by @jdoe.", "advisories/2024/cve-2024-1000.md:21:10: bare handle `@jdoe`"),
    ("unresolved-reference", "Details.", "See [the report][report].", "advisories/2024/cve-2024-1000.md:21:5: reference link `[report]` has no definition"),
    ("todo", "Details.", "Details. TODO: add the timeline.", "advisories/2024/cve-2024-1000.md:21:10: `TODO` left in the text"),
    ("unknown-cve", "Details.", "Related to CVE-2023-99999.", "advisories/2024/cve-2024-1000.md:21:12: `CVE-2023-99999` is mentioned but not listed in `cves`"),
    ("placeholder", "Details.", "Explain the vulnerability: soon.", "advisories/2024/cve-2024-1000.md:21:1: placeholder text `Explain the vulnerability:`"),
    ("ghsa-sections", "cves: [CVE-2024-1000]", "cves: [CVE-2024-1000, CVE-2024-1001]\nghsa:\n  - { id: GHSA-2345-6789-cfgh, repository: example/widgets, cves: [CVE-2024-1000] }\n  - { id: GHSA-3456-789c-fghj, repository: example/widgets, cves: [CVE-2024-1001] }", "advisories/2024/cve-2024-1000.md:7:5: no heading names `CVE-2024-1000`: its GHSA, GHSA-2345-6789-cfgh, will carry every section"),
];

/// A lint-clean version of the test advisory, with a reporter credited.
fn clean() -> String {
    ADVISORY
        .replace("component: widgets", "component: widgets\ncredits:\n  - { name: Jane Doe, type: reporter }")
        .replace("## Overview\n\nDetails.\n", "## Overview\n\nDetails.\n\n## Mitigations\n\nUpgrade.\n\n## Affected Versions\n\nAll.\n\n## Acknowledgments\n\nThanks to Jane Doe.\n")
}

#[test]
fn each_lint_fires_on_its_fixture_and_can_be_allowed() {
    let t = Tree::new();
    t.write("advisories/2024/cve-2024-1000.md", &clean());
    let o = t.herald(&["check", "--strict", "--now", "2024-04-10T00:00:00Z"]);
    assert_eq!(code(&o), 0, "the clean fixture is clean: {}", stderr(&o));
    for (lint, from, to, want) in LINT_CASES {
        let mut text = clean();
        if *lint == "sections" {
            text = ADVISORY.to_string();
        }
        assert!(text.contains(from), "{lint}: `{from}` not in the fixture");
        let text = text.replacen(from, to, 1);
        t.write("advisories/2024/cve-2024-1000.md", &text);
        let o = t.herald(&["check", "--now", "2024-04-10T00:00:00Z"]);
        assert_eq!(code(&o), 0, "{lint}: lints are warnings: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains(&format!("warning: {want}")),
            "{lint}: missing `{want}` in:\n{err}"
        );
        assert!(err.contains(&format!("[{lint}]")), "{lint}: {err}");
        let o = t.herald(&["check", "--strict", "--now", "2024-04-10T00:00:00Z"]);
        assert_eq!(code(&o), 1, "{lint}: --strict makes it an error");
        // Allowed per file, it goes quiet.
        let allowed = text.replacen(
            "kind: advisory",
            &format!("kind: advisory\nallow: [{lint}, sections]"),
            1,
        );
        t.write("advisories/2024/cve-2024-1000.md", &allowed);
        let o = t.herald(&["check", "--now", "2024-04-10T00:00:00Z"]);
        assert!(
            !stderr(&o).contains(&format!("[{lint}]")),
            "{lint} allowed: {}",
            stderr(&o)
        );
    }
    // The acknowledgments lint: a reporter missing from the section.
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &clean().replace("Thanks to Jane Doe.", "Thanks to everyone."),
    );
    let err = stderr(&t.herald(&["check", "--now", "2024-04-10T00:00:00Z"]));
    assert!(err.contains("warning: advisories/2024/cve-2024-1000.md:31:1: the Acknowledgments section does not credit the reporter Jane Doe [acknowledgments]"), "{err}");
    // An unknown lint name in `allow` is an error.
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &clean().replace("kind: advisory", "kind: advisory\nallow: [todos]"),
    );
    let o = t.herald(&["check", "--now", "2024-04-10T00:00:00Z"]);
    common::assert_fails_with(&o, "unknown lint `todos` (did you mean `todo`?)");
}

#[test]
fn an_embargo_within_a_day_with_warnings_is_called_out() {
    let t = Tree::new();
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &clean().replace("Details.", "Details. FIXME"),
    );
    let o = t.herald(&["check", "--now", "2024-04-09T00:00:00Z"]);
    let err = stderr(&o);
    assert!(err.contains("warning: advisories/2024/cve-2024-1000.md:6:10: the embargo lifts in 15 hour(s) and this advisory still has 1 lint warning(s) [embargo-soon]"), "{err}");
    let o = t.herald(&["check", "--now", "2024-04-01T00:00:00Z"]);
    assert!(!stderr(&o).contains("embargo-soon"));
}

#[test]
fn the_examples_are_lint_clean() {
    let o = common::on_examples(["check", "--strict", "--now", "2026-11-21T12:00:00Z"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn json_and_github_formats_are_pinned() {
    let t = Tree::new();
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &clean().replace(
            "Details.",
            "Details, see [the fix](http://example.org/fix), TODO.",
        ),
    );
    // A day before the embargo, the distros notice is overdue: an error.
    let now = "2024-04-08T00:00:00Z";
    let o = t.herald(&["check", "--format", "json", "--now", now]);
    assert_eq!(code(&o), 1);
    let json = stdout(&o);
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let items = parsed.as_array().expect("array");
    assert_eq!(items.len(), 3, "{json}");
    assert!(items
        .iter()
        .any(|f| f["severity"] == "error" && f["code"] == "timeline"));
    // Every finding names its kind: none falls back to its level.
    assert!(
        items
            .iter()
            .all(|f| f["code"] != "error" && f["code"] != "warning"),
        "{json}"
    );
    assert!(items
        .iter()
        .any(|f| f["code"] == "https-links" && f["line"] == 21 && f["column"] == 14));
    insta::assert_snapshot!("check_json", json);
    let o = t.herald(&["check", "--format", "github", "--now", now]);
    assert_eq!(code(&o), 1);
    let gh = stdout(&o);
    assert!(
        gh.contains("::warning file=advisories/2024/cve-2024-1000.md,line=21,col=14,title=herald https-links::link to `http://example.org/fix` uses http; use https\n"),
        "{gh}"
    );
    insta::assert_snapshot!("check_github", gh);

    // A broken file still reports as JSON.
    t.write(
        "advisories/2024/bad.md",
        &ADVISORY
            .replace("CVE-2024-1000", "CVE-2024-1001")
            .replace("severity: high", "severity: severe"),
    );
    let o = t.herald(&["check", "--format", "json", "--now", now]);
    let parsed: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(
        parsed[0]["message"],
        "unknown severity `severe`: expected one of low, medium, high, critical"
    );
}

#[test]
fn toolchain_parts_speak_in_toolchain_releases() {
    let t = Tree::new();
    t.write(
        "herald.yaml",
        &format!(
            "{}toolchain: {{ name: Widgetlang, components: [widgets] }}\n",
            common::CONFIG
        ),
    );
    t.write("advisories/2024/cve-2024-1000.md", &clean());
    let o = t.herald(&["check", "--now", "2024-04-10T00:00:00Z"]);
    let err = stderr(&o);
    assert!(err.contains("warning: advisories/2024/cve-2024-1000.md:8:12: `widgets` ships in Widgetlang, but the advisory gives no `toolchain` versions"), "{err}");
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &clean().replace(
            "component: widgets",
            "component: widgets\ntoolchain: { vulnerable: \"< 2.0.1\", patched: \">= 2.0.1\" }",
        ),
    );
    let o = t.herald(&["check", "--strict", "--now", "2024-04-10T00:00:00Z"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = t.build("2024-04-10T00:00:00Z");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Every facts block Herald writes for people speaks in toolchain
    // releases; the GHSA and OSV keep the package versions.
    for f in ["oss-security.eml", "distros.eml"] {
        let text = t.read(&format!("outbox/cve-2024-1000/{f}"));
        assert!(
            text.contains("Widgetlang < 2.0.1") && text.contains("Widgetlang >= 2.0.1"),
            "{f}: {text}"
        );
        assert!(!text.contains("widgets < 1.2.3"), "{f}: {text}");
    }
    // The cross-posts are the announcement's text, as the team's are: the
    // body alone, with no facts block of Herald's above it.
    for f in ["announcement.txt", "forum.md", "blog.md"] {
        let text = t.read(&format!("outbox/cve-2024-1000/{f}"));
        assert!(!text.contains("Widgetlang < 2.0.1"), "{f}: {text}");
        assert!(!text.contains("widgets < 1.2.3"), "{f}: {text}");
    }
    let page = t.read("public/advisories/cve-2024-1000/index.html");
    assert!(
        page.contains("<dt>Affected</dt><dd>Widgetlang <code>&lt; 2.0.1</code></dd>"),
        "{page}"
    );
    let osv = t.read("public/advisories/cve-2024-1000/osv.json");
    assert!(
        osv.contains("\"fixed\": \"1.2.3\"") || osv.contains("\"fixed\":\"1.2.3\""),
        "{osv}"
    );
}

#[test]
fn herald_finds_its_tree_from_a_folder_inside_it() {
    let t = Tree::new();
    let o = common::herald_cmd()
        .current_dir(t.path().join("advisories/2024"))
        .args(["check", "--now", "2024-04-10T00:00:00Z"])
        .output()
        .expect("run");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("herald: using the tree at "),
        "{}",
        stderr(&o)
    );
    // Outside any tree, the error says how to name one.
    let empty = tempfile::tempdir().expect("tmp");
    let o = common::herald_cmd()
        .current_dir(empty.path())
        .arg("check")
        .output()
        .expect("run");
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("or pass --root DIR"), "{}", stderr(&o));
}

#[test]
fn a_mistyped_slug_gets_the_nearest_one() {
    let t = Tree::new();
    let o = t.herald(&["new", "pre-announcement", "--for", "cve-2024-100"]);
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("no advisory with slug `cve-2024-100`; did you mean `cve-2024-1000`?"),
        "{}",
        stderr(&o)
    );
    let o = t.herald(&["ledger", "record", "cve-2024-10000", "blog"]);
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("did you mean `cve-2024-1000`?"),
        "{}",
        stderr(&o)
    );
    t.write(
        "advisories/2024/pre.md",
        "---\nkind: pre-announcement\ntitle: Security release for widgets\nrelease: 2024-04-09T15:00:00Z\nseverity: high\ncomponent: widgets\nadvisory: cve-2024-1001\n---\n\nA release is coming.\n",
    );
    let o = t.herald(&["check"]);
    assert!(
        stderr(&o).contains("help: did you mean `cve-2024-1000`?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn new_never_writes_through_a_symbolic_link() {
    let t = Tree::new();
    let outside = tempfile::tempdir().expect("temp dir");
    std::os::unix::fs::symlink(outside.path(), t.path().join("advisories/2031")).expect("symlink");
    let o = new_advisory(
        &t,
        "CVE-2031-12345",
        "Security advisory for gadgets",
        &["--embargo", "2031-06-03T15:00:00Z"],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is a symbolic link; Herald never writes through one"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_dir(outside.path()).expect("dir").count(),
        0,
        "nothing written outside"
    );
}

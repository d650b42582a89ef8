//! Every channel is optional: one left out produces no texts and no
//! publish steps, and `schedule` says so.

mod common;

use common::{assert_fails_with, code, stderr, Tree, ADVISORY, CONFIG};

/// The test configuration with only its announcement list.
fn only_announcements() -> String {
    without(&["  blog:", "  forum:", "  oss-security:", "  distros:"])
}

/// The test configuration without the lines of `channels`.
fn without(channels: &[&str]) -> String {
    CONFIG
        .lines()
        .filter(|l| !channels.iter().any(|c| l.starts_with(c)))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// An advisory under embargo at 2030, with one GHSA.
fn embargoed() -> String {
    ADVISORY
        .replace("2024-04-09T15:00:00Z", "2030-04-09T15:00:00Z")
        .replace(
            "---\n\nWidgets",
            "ghsa:\n  - { id: GHSA-4f7x-c9qm-2r8v, repository: example/widgets }\n---\n\nWidgets",
        )
}

fn outbox_files(t: &Tree) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(t.path().join("outbox/cve-2024-1000"))
        .expect("outbox")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn a_team_with_only_an_announcement_list_gets_only_its_texts_and_steps() {
    let t = Tree::new();
    t.write("herald.yaml", &only_announcements());
    t.write("advisories/2024/cve-2024-1000.md", &embargoed());
    let o = t.herald(&["check", "--now", "2030-01-01T00:00:00Z"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = t.build("2030-01-01T00:00:00Z");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        outbox_files(&t),
        [
            "announcement.eml",
            "announcement.txt",
            "ghsa-GHSA-4f7x-c9qm-2r8v.json",
            "ghsa-GHSA-4f7x-c9qm-2r8v.md",
            "manifest.json"
        ]
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&t.read("outbox/cve-2024-1000/manifest.json")).expect("json");
    let steps: Vec<&str> = manifest["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| a["channel"].as_str().expect("channel"))
        .collect();
    assert_eq!(steps, ["announcement", "ghsa:GHSA-4f7x-c9qm-2r8v"]);

    // Without a blog, the GHSA points straight at the signed announcement.
    let ghsa = t.read("outbox/cve-2024-1000/ghsa-GHSA-4f7x-c9qm-2r8v.md");
    assert!(
        ghsa.contains("<https://groups.google.com/d/msgid/test-announce/herald.cve-2024-1000."),
        "{ghsa}"
    );
    assert!(!ghsa.contains("blog"), "{ghsa}");

    let o = t.herald(&["schedule", "--now", "2030-01-01T00:00:00Z"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("not set up in herald.yaml, so never sent: blog, forum, oss-security, cve, distros, advance-notice"),
        "{out}"
    );
    assert!(!out.contains("distros "), "{out}");
    // A team in UTC gets one time column, not the same one twice.
    assert_eq!(out.matches("when (").count(), 1, "{out}");
}

#[test]
fn each_channel_left_out_removes_exactly_its_texts() {
    for (channels, files) in [
        (vec!["  blog:"], vec!["blog.md"]),
        (vec!["  forum:"], vec!["forum.md"]),
        // The distros list requires the oss-security post.
        (
            vec!["  oss-security:", "  distros:"],
            vec!["oss-security.eml", "distros.eml"],
        ),
        (vec!["  distros:"], vec!["distros.eml"]),
    ] {
        let channel = channels.join(" and");
        let t = Tree::new();
        t.write("herald.yaml", &without(&channels));
        t.write("advisories/2024/cve-2024-1000.md", &embargoed());
        let o = t.build("2030-01-01T00:00:00Z");
        assert_eq!(code(&o), 0, "{channel}: {}", stderr(&o));
        let got = outbox_files(&t);
        for f in &files {
            assert!(!got.contains(&f.to_string()), "{channel}: {got:?}");
        }
        // Everything else is still there.
        for f in [
            "announcement.eml",
            "blog.md",
            "forum.md",
            "oss-security.eml",
            "distros.eml",
        ] {
            assert_eq!(
                got.contains(&f.to_string()),
                !files.contains(&f),
                "{channel}: {f} in {got:?}"
            );
        }
    }
}

#[test]
fn a_tree_with_no_channel_at_all_builds_its_site_and_only_its_ghsa_step() {
    let t = Tree::new();
    t.write(
        "herald.yaml",
        &only_announcements().replace(
            "channels:\n  announcements: { address: announce@googlegroups.com, group: test-announce }\n",
            "channels: {}\n",
        ),
    );
    t.write("advisories/2024/cve-2024-1000.md", &embargoed());
    let o = t.herald(&["check", "--now", "2030-01-01T00:00:00Z"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Under embargo: the outbox holds the GHSA, which opens the disclosure.
    let o = t.build("2030-01-01T00:00:00Z");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        outbox_files(&t),
        [
            "ghsa-GHSA-4f7x-c9qm-2r8v.json",
            "ghsa-GHSA-4f7x-c9qm-2r8v.md",
            "manifest.json"
        ]
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&t.read("outbox/cve-2024-1000/manifest.json")).expect("json");
    assert_eq!(
        manifest["actions"][0]["channel"],
        "ghsa:GHSA-4f7x-c9qm-2r8v"
    );
    assert_eq!(
        manifest["actions"][0]["rule"],
        "the embargo lifts: this goes first"
    );
    assert_eq!(manifest["actions"].as_array().map(Vec::len), Some(1));
    let ghsa = t.read("outbox/cve-2024-1000/ghsa-GHSA-4f7x-c9qm-2r8v.md");
    assert!(
        ghsa.contains("at <https://security.example.org/advisories/cve-2024-1000/>."),
        "no list: the GHSA points at the page: {ghsa}"
    );
    let o = t.build("2030-04-10T00:00:00Z");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(t
        .path()
        .join("public/advisories/cve-2024-1000/index.html")
        .exists());
    let page = t.read("public/advisories/cve-2024-1000/index.html");
    assert!(
        !page.contains("Signed announcement"),
        "no list, no link to one"
    );
    let o = t.herald(&["schedule", "--now", "2030-01-01T00:00:00Z"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(
            "never sent: announcements, blog, forum, oss-security, cve, distros, advance-notice"
        ),
        "{out}"
    );
}

#[test]
fn what_needs_the_announcement_list_says_so() {
    let t = Tree::new();
    t.write(
        "herald.yaml",
        &only_announcements().replace(
            "  announcements: { address: announce@googlegroups.com, group: test-announce }\n",
            "  oss-security: { address: oss-security@lists.openwall.com, form: full }\n",
        ),
    );
    let o = t.herald(&["check"]);
    assert_fails_with(
        &o,
        "herald.yaml:9:67: `form: full` posts the signed announcement, and there is no `channels.announcements`",
    );
    t.write(
        "herald.yaml",
        &only_announcements().replace(
            "  announcements: { address: announce@googlegroups.com, group: test-announce }\n",
            "  oss-security: { address: oss-security@lists.openwall.com }\n",
        ),
    );
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &ADVISORY.replace(
            "component: widgets",
            "component: widgets\nupdated: 2024-04-10T00:00:00Z\nchanges: The range is corrected.\nupdate-mail: true",
        ),
    );
    let o = t.herald(&["check"]);
    assert_fails_with(
        &o,
        "`update-mail: true`, but herald.yaml has no `channels.announcements`",
    );
}

#[test]
fn the_distros_list_without_oss_security_is_refused() {
    let t = Tree::new();
    t.write("herald.yaml", &without(&["  oss-security:"]));
    let o = t.herald(&["check"]);
    assert_fails_with(
        &o,
        "`channels.distros` without `channels.oss-security`: the distros list requires every issue it was told of to be posted to oss-security at disclosure",
    );
}

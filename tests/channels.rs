//! Every channel text: snapshots of the examples, the required wording, and
//! the guarantees that a theme or a pre-announcement cannot break.

mod common;

use std::path::Path;

use common::{code, stderr, Tree, ADVISORY};

/// Build the repository's example tree into a temporary outbox.
fn example_outbox() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tmp");
    let outbox = dir.path().join("outbox");
    let public = dir.path().join("public");
    // Every text, also of what the example ledger settles.
    let o = common::on_examples([
        "build".as_ref(),
        "--outbox-all".as_ref(),
        "--now".as_ref(),
        "2026-11-21T12:00:00Z".as_ref(),
        "--out".as_ref(),
        public.as_os_str(),
        "--outbox".as_ref(),
        outbox.as_os_str(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    (dir, outbox)
}

fn read(outbox: &Path, rel: &str) -> String {
    std::fs::read_to_string(outbox.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn every_channel_of_the_examples_matches_its_snapshot() {
    let (_dir, outbox) = example_outbox();
    let mut files: Vec<String> = walkdir::WalkDir::new(&outbox)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(&outbox)
                .expect("prefix")
                .to_string_lossy()
                .into_owned()
        })
        .filter(|p| !p.starts_with(".herald"))
        .collect();
    files.sort();
    // 52 texts, and a CVE record for each of the 5 CVE ids.
    assert_eq!(files.len(), 57, "{files:#?}");
    for f in files {
        let name = f.replace('/', "__");
        insta::assert_snapshot!(name, read(&outbox, &f));
    }
}

#[test]
fn each_channel_carries_its_disclaimer_and_link() {
    let (_dir, outbox) = example_outbox();
    let group = "https://groups.google.com/d/msgid/ferrite-security-announcements/herald.cve-2025-31001.1744124400%40ferrite-lang.org";
    let blog = "https://blog.ferrite-lang.org/2025/04/08/cve-2025-31001/";
    let ann = read(&outbox, "cve-2025-31001/announcement.txt");
    assert!(ann.starts_with("This announcement is signed by The Ferrite Security Response Team. The\nGoogle Groups web interface shows its signature as not matching"));
    assert!(ann.contains("is attached as announcement.txt.asc:\nverify that file."));
    assert!(ann.lines().all(|l| l.chars().count() <= 80), "wrapped");
    for (f, quote) in [
        // The Rust blog's words, wrapped as its posts wrap them, and its
        // reference to the mail right after the blockquote.
        ("blog.md", "> This is a cross-post of [the official security advisory][advisory]. The\n> official advisory contains a signed version with our PGP key, as well."),
        // One line on the forum, which keeps line breaks.
        ("forum.md", "> This is a cross-post of [the official security advisory][advisory]. The official advisory contains a signed version with our PGP key, as well."),
    ] {
        let t = read(&outbox, &format!("cve-2025-31001/{f}"));
        assert!(t.contains(&format!("{quote}\n\n[advisory]: {group}\n\n")), "{f}: {t}");
        // A pre-announcement's cross-post says what it copies.
        let p = read(&outbox, &format!("pre-2025-04-08/{f}"));
        assert!(p.replace("\n> ", " ").contains("This is a cross-post of [the official pre-announcement of a security release][pre-announcement]."), "{p}");
        assert!(!p.contains("security advisory"), "{p}");
    }
    let blog_md = read(&outbox, "cve-2025-31001/blog.md");
    // The blog's Zola front matter.
    assert!(blog_md.starts_with("+++\npath = \"2025/04/08/cve-2025-31001\"\ntitle = \"Security advisory for the standard library (CVE-2025-31001)\"\nauthors = [\"The Ferrite Security Response Team\"]\naliases = []\n+++\n"), "{blog_md}");
    // The post is the announcement's text: the body as its author wrapped
    // it (Zola reads a line break as a space), no facts block above it.
    // The forum, whose renderer keeps line breaks, gets one line per
    // paragraph.
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("advisories/2025/cve-2025-31001.md"),
    )
    .expect("source");
    let first = source.split("\n\n").nth(1).expect("a first paragraph");
    assert!(first.contains('\n') && blog_md.contains(first), "{blog_md}");
    let forum = read(&outbox, "cve-2025-31001/forum.md");
    assert!(forum.contains(&first.replace('\n', " ")), "{forum}");
    for text in [&blog_md, &forum, &ann] {
        assert!(
            !text.contains("Severity:") && !text.contains("Fixed in"),
            "{text}"
        );
    }
    let ghsa = read(&outbox, "cve-2025-31001/ghsa-GHSA-4f7x-c9qm-2r8v.md");
    assert!(ghsa.starts_with(&format!("> This advisory is a copy of the security advisory published by The Ferrite Security Response Team at <{blog}>")));
    let oss = read(&outbox, "cve-2025-31001/oss-security.eml");
    assert!(oss.contains("Subject: CVE-2025-31001: Argument injection when spawning batch files on\r\n Windows with std::process::Command"));
    assert!(oss.contains("To: oss-security@lists.openwall.com"));
    let distros = read(&outbox, "cve-2025-31001/distros.eml");
    assert!(distros
        .contains("Subject: [vs] Security advisory for the standard library (CVE-2025-31001)"));
    // The date goes on a line of its own when label and date would pass the
    // width: one long line would make the whole mail quoted-printable.
    assert!(
        distros.contains("Content-Transfer-Encoding: 7bit\r\n"),
        "{distros}"
    );
    let body = distros.split_once("\r\n\r\n").expect("body").1;
    assert!(
        body.starts_with(
            "Tentative public disclosure:\r\n2025-04-08 15:00 UTC (2025-04-08 17:00 Europe/Berlin)\r\n\r\n"
        ),
        "{body}"
    );
    let eml = read(&outbox, "cve-2025-31001/announcement.eml");
    assert!(eml.contains("Message-ID: <herald.cve-2025-31001.1744124400@ferrite-lang.org>"));
    assert!(eml.contains("Date: Tue, 08 Apr 2025 15:00:00 +0000"));
    assert!(eml.contains("To: ferrite-security-announcements@googlegroups.com"));
    assert!(
        eml.contains("From: \"The Ferrite Security Response Team\" <security@ferrite-lang.org>")
    );
    let advance = read(&outbox, "cve-2025-31001/advance-notice.eml");
    assert!(advance.contains("Subject: [embargoed]"));
    assert!(
        !advance.contains("example-distro.org"),
        "recipients are blind copies, not headers"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&outbox, "cve-2025-31001/manifest.json")).expect("json");
    let channels: Vec<&str> = manifest["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| a["channel"].as_str().expect("channel"))
        .collect();
    assert_eq!(
        channels,
        [
            "advance-notice",
            "distros",
            "announcement",
            "blog",
            "forum",
            "ghsa:GHSA-4f7x-c9qm-2r8v",
            "cve:CVE-2025-31001",
            "oss-security"
        ]
    );
    assert_eq!(
        manifest["actions"][0]["recipients"][0],
        "security-notices@example-distro.org"
    );
}

#[test]
fn an_advisory_with_two_ghsas_gets_two_texts_and_bodies() {
    let (_dir, outbox) = example_outbox();
    for (id, cve, other, vector, cwes, summary) in [
        (
            "GHSA-j9mp-7wq3-xhc5",
            "CVE-2025-31010",
            "CVE-2025-31011",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N",
            vec!["CWE-22", "CWE-59"],
            "Cargo extracting malicious crates can write files outside their directory",
        ),
        (
            "GHSA-v2rf-p8gq-m4c6",
            "CVE-2025-31011",
            "CVE-2025-31010",
            "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N",
            vec!["CWE-522"],
            "Cargo sends registry tokens to the target of a redirect",
        ),
    ] {
        assert!(outbox.join(format!("cargo-2025-06/ghsa-{id}.md")).is_file());
        let body: serde_json::Value =
            serde_json::from_str(&read(&outbox, &format!("cargo-2025-06/ghsa-{id}.json")))
                .expect("json");
        assert_eq!(body["cve_id"], cve);
        // Each GHSA has its own values, and only its own CVE's section.
        assert_eq!(body["cvss_vector_string"], vector);
        assert_eq!(body["cwe_ids"], serde_json::json!(cwes));
        assert_eq!(body["summary"], summary);
        let description = body["description"].as_str().expect("description");
        assert!(
            description.contains(&format!("### {cve}:")),
            "{description}"
        );
        assert!(!description.contains(other), "{description}");
        let text = read(&outbox, &format!("cargo-2025-06/ghsa-{id}.md"));
        assert!(!text.contains(other), "{text}");
        assert!(
            body.get("severity").is_none(),
            "severity and cvss_vector_string are exclusive"
        );
        assert_eq!(body["vulnerabilities"][0]["package"]["ecosystem"], "rust");
        assert_eq!(
            body["vulnerabilities"][0]["vulnerable_version_range"],
            "< 0.88.1"
        );
        // Only credits with a GitHub login can be sent.
        assert_eq!(body["credits"].as_array().expect("credits").len(), 2);
    }
}

#[test]
fn pre_announcements_reveal_nothing_of_their_advisory() {
    let (_dir, outbox) = example_outbox();
    for f in [
        "announcement.txt",
        "announcement.eml",
        "blog.md",
        "forum.md",
    ] {
        let t = read(&outbox, &format!("pre-2099-06-09/{f}"));
        for secret in [
            "CVE-2026-40001",
            "GHSA-x3qc-9v2m-h6wj",
            "Heap overflow",
            "read_dir",
            "Security advisory for the standard library",
        ] {
            assert!(!t.contains(secret), "{f} reveals {secret}");
        }
        assert!(
            t.contains("2099-06-09 15:00 UTC (2099-06-09 17:00 Europe/Berlin)"),
            "{f} has the planned moment with zones"
        );
        assert!(t.contains("High") && t.contains("standard library"), "{f}");
    }
}

/// A GHSA's own summary says what the advisory is as plainly as its
/// title: a pre-announcement may not say it either.
#[test]
fn a_pre_announcement_that_says_a_ghsa_summary_fails_the_build() {
    let t = Tree::new();
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &ADVISORY
            .replace("2024-04-09T15:00:00Z", "2099-04-07T15:00:00Z")
            .replace(
                "component: widgets",
                "component: widgets\nghsa:\n  - id: GHSA-2345-6789-cfgh\n    repository: example/widgets\n    summary: Widget frames loop forever",
            ),
    );
    t.write(
        "advisories/2024/pre.md",
        "---\nkind: pre-announcement\ntitle: Security release for widgets\nrelease: 2099-04-07T15:00:00Z\nseverity: high\ncomponent: widgets\nadvisory: cve-2024-1000\n---\n\nWidget frames loop forever.\n",
    );
    let o = t.build("2025-01-01T00:00:00Z");
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "of pre-announcement `pre` reveals `widget frames loop forever` of its advisory"
        ),
        "{}",
        stderr(&o)
    );
    assert!(
        !t.path().join("outbox").exists() && !t.path().join("public").exists(),
        "nothing written"
    );
}

#[test]
fn a_pre_announcement_that_names_its_cve_fails_the_build() {
    let t = Tree::new();
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &ADVISORY.replace("2024-04-09T15:00:00Z", "2099-04-07T15:00:00Z"),
    );
    t.write(
        "advisories/2024/pre.md",
        "---\nkind: pre-announcement\ntitle: Security release for widgets\nrelease: 2099-04-07T15:00:00Z\nseverity: high\ncomponent: widgets\nadvisory: cve-2024-1000\n---\n\nThis fixes CVE-2024-1000.\n",
    );
    let o = t.build("2025-01-01T00:00:00Z");
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("error: the announcement text of pre-announcement `pre` reveals `cve-2024-1000` of its advisory"), "{}", stderr(&o));
    assert!(
        !t.path().join("outbox").exists() && !t.path().join("public").exists(),
        "nothing written"
    );
}

#[test]
fn a_theme_that_drops_a_disclaimer_fails_naming_the_template() {
    let t = Tree::new();
    t.use_theme("terse");
    t.write(
        "themes/terse/templates/channels/blog.md",
        "# {{ a.title }}\n\n{{ a.body_markdown }}\n",
    );
    let o = t.build("2025-01-01T00:00:00Z");
    common::assert_fails_with(&o, "error: template `channels/blog.md` dropped the cross-post disclaimer from the blog text of `cve-2024-1000`; the channel requires it");
    assert!(!t.path().join("public").exists());

    t.write(
        "themes/terse/templates/channels/blog.md",
        "> {{ disclaimer }}\n\n{{ a.body_markdown }}\n",
    );
    t.write(
        "themes/terse/templates/channels/oss-security.txt",
        "{{ a.lead_text }}\n",
    );
    let o = t.build("2025-01-01T00:00:00Z");
    assert!(
        stderr(&o).contains(
            "template `channels/oss-security.txt` dropped the link to the official advisory"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn private_notices_follow_the_rules() {
    let t = Tree::new();
    let low = ADVISORY
        .replace("severity: high", "severity: low")
        .replace("CVE-2024-1000", "CVE-2024-1001")
        .replace("widgets (", "gizmos (");
    t.write("advisories/2024/low.md", &low);
    let infra = ADVISORY
        .replace(
            "component: widgets",
            "component: widgets\ntoolchain-update: false",
        )
        .replace("CVE-2024-1000", "CVE-2024-1002")
        .replace("widgets (", "sprockets (");
    t.write("advisories/2024/infra.md", &infra);
    t.write(
        "herald.yaml",
        &format!(
            "{}  advance-notice: {{ recipients: [a@example.net] }}\n",
            common::CONFIG
        ),
    );
    assert_eq!(code(&t.build("2025-01-01T00:00:00Z")), 0);
    let ob = t.path().join("outbox");
    assert!(
        ob.join("cve-2024-1000/distros.eml").is_file()
            && ob.join("cve-2024-1000/advance-notice.eml").is_file()
    );
    assert!(
        !ob.join("low/distros.eml").exists(),
        "low severity: no distros notice"
    );
    assert!(ob.join("low/advance-notice.eml").exists());
    assert!(
        !ob.join("infra/advance-notice.eml").exists(),
        "no toolchain update: no advance notice"
    );
    assert!(ob.join("infra/distros.eml").exists());
}

#[test]
fn schedule_prints_rules_and_writes_icalendar() {
    let dir = tempfile::tempdir().expect("tmp");
    let ics = dir.path().join("s.ics");
    let run = || {
        common::on_examples([
            "schedule".as_ref(),
            "--now".as_ref(),
            "2026-01-01T00:00:00Z".as_ref(),
            "--ics".as_ref(),
            ics.as_os_str(),
        ])
    };
    let o = run();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    insta::assert_snapshot!("schedule", out);
    let first = std::fs::read(&ics).expect("ics");
    assert_eq!(code(&run()), 0);
    assert_eq!(
        first,
        std::fs::read(&ics).expect("ics"),
        "same --now, same bytes"
    );
    let text = String::from_utf8(first).expect("utf8");
    assert!(text.contains("BEGIN:VEVENT\r\nDESCRIPTION:5 business day(s) before the embargo\r\nDTEND:20260210T131500Z\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260210T130000Z\r\nSUMMARY:cve-2026-20114: advance-notice (private)\r\n"), "{text}");
}

#[test]
fn check_fails_when_a_notice_moment_has_passed() {
    let t = Tree::new();
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &ADVISORY.replace("2024-04-09T15:00:00Z", "2024-04-10T15:00:00Z"),
    );
    // Distros notice due 2024-04-07 15:00; checked a day later.
    let o = t.herald(&["check", "--now", "2024-04-08T15:00:00Z"]);
    common::assert_fails_with(&o, "advisories/2024/cve-2024-1000.md:6:10: the distros for `cve-2024-1000` was due at 2024-04-07 15:00 UTC (72 hours before the embargo: severity high), which has passed before the embargo");
    // Building the site still works in that window; it warns.
    let o = t.build("2024-04-08T15:00:00Z");
    assert_eq!(code(&o), 0);
    assert!(stderr(&o).contains("warning: advisories/2024/cve-2024-1000.md:6:10: the distros"));
    // A Saturday embargo is legal but unusual.
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &ADVISORY.replace("2024-04-09T15:00:00Z", "2024-04-13T15:00:00Z"),
    );
    let o = t.herald(&["check", "--now", "2024-01-01T00:00:00Z"]);
    assert_eq!(code(&o), 0);
    assert!(stderr(&o).contains("warning: advisories/2024/cve-2024-1000.md:6:10: the embargo falls on a Saturday in UTC"), "{}", stderr(&o));
}

/// The references a text uses that it does not define: Markdown reference
/// links without a definition, and plain-text markers `[n]` without a
/// `[n]: url` line.
fn undefined_references(name: &str, text: &str) -> Vec<String> {
    if name.ends_with(".md") {
        let mut broken = Vec::new();
        let mut note = |l: pulldown_cmark::BrokenLink| {
            if matches!(
                l.link_type,
                pulldown_cmark::LinkType::Reference | pulldown_cmark::LinkType::Collapsed
            ) {
                broken.push(l.reference.to_string());
            }
            None
        };
        let parser = pulldown_cmark::Parser::new_with_broken_link_callback(
            text,
            pulldown_cmark::Options::empty(),
            Some(&mut note),
        );
        parser.for_each(drop);
        return broken;
    }
    let defined: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix('[')?.split_once("]: ").map(|(n, _)| n))
        .collect();
    let mut missing = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some(i) = rest.find('[') {
            rest = &rest[i + 1..];
            let Some(j) = rest.find(']') else { break };
            let n = &rest[..j];
            let is_def = line.starts_with(&format!("[{n}]: "));
            if !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
                && !is_def
                && !defined.contains(&n)
            {
                missing.push(format!("[{n}]"));
            }
        }
    }
    missing
}

#[test]
fn every_text_defines_every_reference_it_uses() {
    let t = common::Tree::new();
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &ADVISORY
            .replace("cves: [CVE-2024-1000]", "cves: [CVE-2024-1000, CVE-2024-1001]\nghsa:\n  - { id: GHSA-2345-6789-cfgh, repository: example/widgets, cves: [CVE-2024-1000] }\n  - { id: GHSA-3456-789c-fghj, repository: example/widgets, cves: [CVE-2024-1001] }")
            .replace("title: Security advisory for widgets (CVE-2024-1000)", "title: Security advisory for widgets (CVE-2024-1000, CVE-2024-1001)")
            .replace("Widgets could overflow.", "Widgets could overflow in [`Widget::parse`][parse].")
            .replace("## Overview\n\nDetails.\n", "## Overview\n\n### CVE-2024-1000: overflow\n\nSee [the fix][fix].\n\n### CVE-2024-1001: underflow\n\nSee [the other fix][other] and [the docs](https://docs.example.org/).\n\n[parse]: https://docs.example.org/widgets/parse\n[fix]: https://example.org/fix/1\n[other]: https://example.org/fix/2\n"),
    );
    let o = t.build("2025-01-01T00:00:00Z");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let (_dir, examples) = example_outbox();
    let mut checked = 0;
    for outbox in [t.path().join("outbox"), examples] {
        for e in walkdir::WalkDir::new(&outbox)
            .into_iter()
            .filter_map(Result::ok)
        {
            let name = e.file_name().to_string_lossy().into_owned();
            if !e.file_type().is_file() || name.ends_with(".json") || name.ends_with(".patch") {
                continue;
            }
            let text = std::fs::read_to_string(e.path()).expect("text");
            let missing = undefined_references(&name, &text);
            assert!(
                missing.is_empty(),
                "{}: uses {missing:?} without defining them:\n{text}",
                e.path().display()
            );
            checked += 1;
        }
    }
    assert!(checked > 40, "{checked} texts");
    // The excerpt names the lead's link and defines it.
    let oss = t.read("outbox/cve-2024-1000/oss-security.eml");
    assert!(
        oss.contains("https://docs.example.org/widgets/parse"),
        "{oss}"
    );
    let ghsa = t.read("outbox/cve-2024-1000/ghsa-GHSA-2345-6789-cfgh.md");
    assert!(ghsa.contains("[fix]: https://example.org/fix/1"), "{ghsa}");
    assert!(!ghsa.contains("underflow"), "{ghsa}");
}

#[test]
fn public_mails_can_come_from_a_person_while_signed_by_the_team() {
    let t = common::Tree::new();
    t.write(
        "herald.yaml",
        &common::CONFIG.replace(
            "group: test-announce }",
            "group: test-announce, from: Jane Doe <jane@example.org> }",
        ),
    );
    let o = t.build("2025-01-01T00:00:00Z");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for f in ["announcement.eml", "oss-security.eml"] {
        let eml = t.read(&format!("outbox/cve-2024-1000/{f}"));
        assert!(
            eml.contains("From: \"Jane Doe\" <jane@example.org>\r\n"),
            "{f}: {eml}"
        );
    }
    // The private notices still come from the team.
    let distros = t.read("outbox/cve-2024-1000/distros.eml");
    assert!(distros.contains("<security@example.org>\r\n"), "{distros}");
    assert!(!distros.contains("jane@"), "{distros}");
    // A sender the mailer would refuse is refused at its line.
    t.write(
        "herald.yaml",
        &common::CONFIG.replace(
            "group: test-announce }",
            "group: test-announce, from: \"Jane <jane@example.org\" }",
        ),
    );
    let o = t.herald(&["check"]);
    common::assert_fails_with(&o, "herald.yaml:9:84: invalid sender");
    assert!(stderr(&o).contains("invalid sender"), "{}", stderr(&o));
}

/// The official schema, from ../shared where CI has it, else the copy in
/// the tree (the same bytes, by SOURCE.md's checksum).
fn cve_schema() -> jsonschema::Validator {
    let shared = common::repo_root()
        .join("../shared/schemas/cve/CVE_Record_Format_bundled_cnaPublishedContainer.json");
    let own = common::repo_root()
        .join("schemas/cve/CVE_Record_Format_bundled_cnaPublishedContainer.json");
    let text = std::fs::read_to_string(&shared)
        .unwrap_or_else(|_| std::fs::read_to_string(&own).expect("schema"));
    assert_eq!(
        text,
        std::fs::read_to_string(&own).expect("copy"),
        "the tree's copy is the official schema"
    );
    let mut schema: serde_json::Value = serde_json::from_str(&text).expect("json");
    let o = schema.as_object_mut().expect("object");
    o.remove("properties");
    o.remove("additionalProperties");
    o.insert("$ref".into(), "#/definitions/cnaPublishedContainer".into());
    jsonschema::draft7::new(&schema).expect("schema")
}

#[test]
fn each_cve_gets_a_record_that_passes_the_official_schema() {
    let (_dir, outbox) = example_outbox();
    let schema = cve_schema();
    let mut records = 0;
    for e in walkdir::WalkDir::new(&outbox)
        .into_iter()
        .filter_map(Result::ok)
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with("cve-CVE-") {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(e.path()).expect("read")).expect("json");
        let errors: Vec<String> = schema
            .iter_errors(&v)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        records += 1;
    }
    // The Cargo advisory yields two, each with its own GHSA's values.
    assert_eq!(records, 5, "a record per CVE id");
    let rec = |id: &str| -> serde_json::Value {
        serde_json::from_str(&read(&outbox, &format!("cargo-2025-06/cve-{id}.json"))).expect("json")
    };
    let (a, b) = (rec("CVE-2025-31010"), rec("CVE-2025-31011"));
    assert_eq!(
        a["metrics"][0]["cvssV3_1"]["vectorString"],
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N"
    );
    assert_eq!(b["metrics"][0]["cvssV3_1"]["baseSeverity"], "MEDIUM");
    assert_eq!(a["problemTypes"].as_array().map(Vec::len), Some(2));
    assert_eq!(b["problemTypes"][0]["descriptions"][0]["cweId"], "CWE-522");
    assert_eq!(
        b["title"],
        "Cargo sends registry tokens to the target of a redirect"
    );
    let desc = b["descriptions"][0]["value"].as_str().expect("description");
    assert!(
        desc.contains("CVE-2025-31011") && !desc.contains("CVE-2025-31010"),
        "{desc}"
    );
    assert_eq!(a["affected"][0]["product"], "Ferrite");
    assert_eq!(a["affected"][0]["versions"][0]["lessThan"], "1.87.1");
    assert_eq!(a["datePublic"], "2025-06-10T15:00:00.000Z");
    assert_eq!(a["credits"][2]["type"], "remediation developer");
}

#[test]
fn a_record_the_schema_refuses_is_an_error_at_its_field() {
    let t = common::Tree::new();
    t.write(
        "herald.yaml",
        &common::CONFIG.replace(
            "  distros:",
            "  cve: { org-id: 6b2f1c0e-8d4a-4e57-9a3b-2c1d0e9f8a7b, vendor: Example }\n  distros:",
        ),
    );
    let o = t.build("2024-04-09T16:00:00Z");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(t
        .path()
        .join("outbox/cve-2024-1000/cve-CVE-2024-1000.json")
        .is_file());
    // The schema caps a credit at 4,096 characters.
    let long = "x".repeat(5000);
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &ADVISORY.replace(
            "component: widgets",
            &format!("component: widgets\ncredits:\n  - {{ name: {long}, type: finder }}"),
        ),
    );
    let o = t.herald(&["check", "--now", "2024-04-09T16:00:00Z"]);
    common::assert_fails_with(&o, "error: advisories/2024/cve-2024-1000.md:9:1: the CVE record of CVE-2024-1000 does not pass the CVE JSON 5 schema at `/credits/0/value`");
    let o = t.build("2024-04-09T16:00:00Z");
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("does not pass the CVE JSON 5 schema"),
        "{}",
        stderr(&o)
    );
}

/// A relative link to a page of the site is absolute in every channel,
/// on the page and in the feed; the source keeps it as written.
#[test]
fn relative_links_to_site_pages_are_absolute_everywhere() {
    let t = common::Tree::new();
    t.write(
        "content/policy.md",
        "---\ntitle: Security policy\n---\n\nReport to us.\n",
    );
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &common::ADVISORY
            .replace("2024-04-09T15:00:00Z", "2030-04-09T15:00:00Z")
            .replace(
                "Details.",
                "Read [the policy](/policy/) and [its reporting part](policy.md#reporting).",
            ),
    );
    let o = t.build("2030-01-01T00:00:00Z");
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    for file in ["announcement.txt", "blog.md", "forum.md"] {
        let text = t.read(&format!("outbox/cve-2024-1000/{file}"));
        assert!(
            text.contains("https://security.example.org/policy/"),
            "{file}: {text}"
        );
        assert!(
            text.contains("https://security.example.org/policy/#reporting"),
            "{file}: {text}"
        );
        assert!(
            !text.contains("(/policy/)") && !text.contains("policy.md"),
            "{file}: {text}"
        );
    }
    let o = t.build("2030-04-10T00:00:00Z");
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let page = t.read("public/advisories/cve-2024-1000/index.html");
    assert!(
        page.contains("href=\"https://security.example.org/policy/#reporting\""),
        "{page}"
    );
    assert!(t
        .read("public/feed.xml")
        .contains("https://security.example.org/policy/"));
}

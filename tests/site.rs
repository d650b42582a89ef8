//! The readers' site: what it contains, the embargo wall, the feed, and
//! escaping — all through the binary.

mod common;

use std::path::Path;

use common::{advisory, code, stderr, Tree, CONFIG};

#[test]
fn the_example_tree_builds_and_hides_the_embargoed_advisory() {
    let out = tempfile::tempdir().expect("tmp");
    let public = out.path().join("public");
    let o = common::on_examples([
        "build".as_ref(),
        "--now".as_ref(),
        "2026-11-21T12:00:00Z".as_ref(),
        "--out".as_ref(),
        public.as_os_str(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for f in [
        "index.html",
        "feed.xml",
        "style.css",
        "keys/security.asc",
        "policy/index.html",
        "advisories/cve-2025-31001/index.html",
        "advisories/cargo-2025-06/index.html",
        "advisories/cve-2026-20114/index.html",
        "pre-announcements/pre-2025-04-08/index.html",
        "pre-announcements/pre-2099-06-09/index.html",
    ] {
        assert!(public.join(f).is_file(), "{f} missing");
    }
    assert!(!public.join("advisories/cve-2026-40001").exists());
    for entry in walkdir::WalkDir::new(&public)
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.file_type().is_file() {
            let text =
                String::from_utf8_lossy(&std::fs::read(entry.path()).expect("read")).into_owned();
            for secret in [
                "CVE-2026-40001",
                "GHSA-x3qc-9v2m-h6wj",
                "Heap overflow in std::fs::read_dir",
            ] {
                assert!(
                    !text.contains(secret),
                    "{} leaks {secret}",
                    entry.path().display()
                );
            }
        }
    }
    let page =
        std::fs::read_to_string(public.join("advisories/cve-2025-31001/index.html")).expect("page");
    for want in [
        r#"<a href="https://www.cve.org/CVERecord?id=CVE-2025-31001">CVE-2025-31001</a>"#,
        r#"<a href="https://github.com/ferrite-lang/ferrite/security/advisories/GHSA-4f7x-c9qm-2r8v">GHSA-4f7x-c9qm-2r8v</a>"#,
        "<strong>9.8</strong> <code class=\"vector\">CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</code>",
        "<td><code>std</code></td><td><code>&lt; 1.86.1</code></td><td><code>&gt;= 1.86.1</code></td>",
        "<li>Ana Lindqvist (reporter)</li>",
        r#"<time datetime="2025-04-08T15:00:00Z">2025-04-08</time>"#,
        r#"<h2 id="overview">Overview"#,
        "https://groups.google.com/d/msgid/ferrite-security-announcements/herald.cve-2025-31001.1744124400%40ferrite-lang.org",
    ] {
        assert!(page.contains(want), "advisory page lacks {want}");
    }
    let v4 =
        std::fs::read_to_string(public.join("advisories/cve-2026-20114/index.html")).expect("page");
    assert!(
        v4.contains("CVSS 4.0</dt><dd><strong>5.3</strong>"),
        "CVSS 4.0 score shown"
    );
    assert!(v4.contains("<dt>Updated</dt>"));
    let index = std::fs::read_to_string(public.join("index.html")).expect("index");
    let newest = index.find("cve-2026-20114").expect("newest listed");
    let oldest = index.find("cve-2025-31001").expect("oldest listed");
    assert!(newest < oldest, "newest first");
    let upcoming = index
        .find("Upcoming security releases")
        .expect("upcoming section");
    assert!(index[upcoming..].contains("Security release for Ferrite 1.99.1 on 2099-06-09"));
    let policy = std::fs::read_to_string(public.join("policy/index.html")).expect("policy");
    assert!(policy.contains("0F942EB05131B0E904852872ADF6FBD9B70DD41C"));
}

/// The example site alone, built at the session's fixed moment into `out`.
fn site_only_examples(out: &Path) -> std::process::Output {
    common::on_examples([
        "build".as_ref(),
        "--site-only".as_ref(),
        "--now".as_ref(),
        "2026-11-21T12:00:00Z".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
}

/// A tree with two advisories and a pre-announcement of the second.
fn timeline_tree() -> Tree {
    let t = Tree::new();
    t.write(
        "advisories/2024/cve-2024-1002.md",
        &advisory(2, "2024-06-04T15:00:00Z"),
    );
    t.write(
        "advisories/2024/pre.md",
        "---\nkind: pre-announcement\ntitle: Security release for widgets 2.0.1\nrelease: 2024-06-04T15:00:00Z\nseverity: high\ncomponent: widgets\nadvisory: cve-2024-1002\n---\n\nA release is coming.\n",
    );
    t
}

#[test]
fn the_embargo_wall_holds_at_every_moment() {
    let t = timeline_tree();
    let a1 = "advisories/cve-2024-1000/index.html";
    let a2 = "advisories/cve-2024-1002/index.html";
    let pre = "pre-announcements/pre/index.html";
    // (now, first advisory public, second public, pre-announcement public)
    let moments = [
        ("2024-01-01T00:00:00Z", false, false, false),
        ("2024-04-09T14:59:59Z", false, false, false),
        ("2024-04-09T15:00:00Z", true, false, false),
        // Five business days before Tuesday 2024-06-04 is Tuesday 2024-05-28.
        ("2024-05-28T14:59:59Z", true, false, false),
        ("2024-05-28T17:00:00+02:00", true, false, true),
        ("2024-06-04T14:59:59Z", true, false, true),
        ("2024-06-04T15:00:00Z", true, true, true),
    ];
    for (now, one, two, p) in moments {
        let o = t.build(now);
        assert_eq!(code(&o), 0, "{now}: {}", stderr(&o));
        let public = t.path().join("public");
        assert_eq!(public.join(a1).exists(), one, "{now}: first advisory");
        assert_eq!(public.join(a2).exists(), two, "{now}: second advisory");
        assert_eq!(public.join(pre).exists(), p, "{now}: pre-announcement");
        let ids = [
            ("CVE-2024-1000", one),
            ("CVE-2024-1002", two),
            ("widgets number 2", two),
        ];
        for (id, visible) in ids {
            let hits = t.grep("public", id);
            assert_eq!(!hits.is_empty(), visible, "{now}: `{id}` found in {hits:?}");
        }
        let feed = t.read("public/feed.xml");
        let parsed: atom_syndication::Feed = feed.parse().expect("feed is Atom");
        let expected = usize::from(one) + usize::from(two) + usize::from(p);
        assert_eq!(parsed.entries().len(), expected, "{now}: feed entries");
    }
}

#[test]
fn a_template_that_leaks_fails_the_build_and_deploys_nothing() {
    let t = timeline_tree();
    assert_eq!(code(&t.build("2024-05-01T00:00:00Z")), 0);
    let before = t.snapshot("public");
    t.use_theme("leaky");
    // A careless theme author hard-codes what is coming.
    t.write(
        "themes/leaky/templates/page.html",
        "{% extends \"base.html\" %}{% block main %}Coming soon: cve-2024-1002{% endblock main %}",
    );
    t.write("content/about.md", "---\ntitle: About\n---\n\nAbout us.\n");
    let o = t.build("2024-05-01T00:00:00Z");
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(
        err.contains("error: embargo leak: about/index.html: contains `cve-2024-1002`, a CVE id from advisory `cve-2024-1002`, embargoed until 2024-06-04 15:00 UTC"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(t.snapshot("public"), before, "public/ untouched");
}

#[test]
fn a_published_advisory_that_names_an_embargoed_one_leaks_into_every_export() {
    let t = timeline_tree();
    assert_eq!(code(&t.build("2024-05-01T00:00:00Z")), 0);
    assert_eq!(code(&t.build("2024-05-01T00:00:00Z")), 0);
    let before = t.snapshot("public");
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &common::ADVISORY.replace("Details.", "Related to CVE-2024-1002."),
    );
    let o = t.build("2024-05-01T00:00:00Z");
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    // The page, its OSV record and the streamed osv.json of all records.
    for file in [
        "advisories/cve-2024-1000/index.html",
        "advisories/cve-2024-1000/osv.json",
        "osv.json",
    ] {
        assert!(
            err.contains(&format!(
                "error: embargo leak: {file}: contains `cve-2024-1002`"
            )),
            "{file}: {err}"
        );
    }
    assert_eq!(t.snapshot("public"), before, "public/ untouched");
    // Nor does the leak survive in the folder the next build starts from.
    assert!(t.grep(".public.herald", "CVE-2024-1002").is_empty());
}

#[test]
fn content_that_mentions_an_embargoed_title_is_a_leak() {
    let t = Tree::new();
    t.write(
        "advisories/2024/secret.md",
        &advisory(3, "2024-06-04T15:00:00Z").replace(
            "title: Security advisory for widgets number 3 (CVE-2024-1003)",
            "title: Heap overflow in the widget parser",
        ),
    );
    t.write(
        "content/policy.md",
        "---\ntitle: Policy\n---\n\nWe are busy with the heap overflow in the widget parser. Heap overflow in the widget parser!\n",
    );
    let o = t.build("2024-05-01T00:00:00Z");
    common::assert_fails_with(&o, "policy/index.html: contains `heap overflow in the widget parser`, the title from advisory `secret`");
    assert!(
        !t.path().join("public").exists(),
        "a failed first build leaves no public/"
    );
}

#[test]
fn script_in_title_and_body_is_escaped_or_removed() {
    let t = Tree::new();
    t.write(
        "advisories/2024/xss.md",
        &advisory(5, "2024-04-09T15:00:00Z")
            .replace(
                "title: Security advisory",
                "title: <script>alert('t')</script> Security advisory",
            )
            .replace(
                "Widgets could overflow.",
                "Widgets <script>alert('b')</script> could <img src=x onerror=alert(1)> overflow.",
            ),
    );
    // Script in a body is refused where the author wrote it: the blog,
    // forum and GHSA texts carry the Markdown to sites that render it.
    let o = t.build("2025-01-01T00:00:00Z");
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("advisories/2024/xss.md:15:9: raw HTML `<script>` is not allowed"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("the event handler `onerror` is not allowed"),
        "{}",
        stderr(&o)
    );
    // In the title (plain text everywhere) it is only escaped.
    t.write(
        "advisories/2024/xss.md",
        &advisory(5, "2024-04-09T15:00:00Z").replace(
            "title: Security advisory",
            "title: <script>alert('t')</script> Security advisory",
        ),
    );
    let o = t.build("2025-01-01T00:00:00Z");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for file in ["index.html", "advisories/xss/index.html", "feed.xml"] {
        let text = t.read(&format!("public/{file}"));
        assert!(!text.contains("<script"), "{file} has a live script tag");
        assert!(!text.contains("onerror"), "{file} keeps an event handler");
    }
    let page = t.read("public/advisories/xss/index.html");
    assert!(
        page.contains("&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; Security advisory"),
        "title escaped"
    );
}

#[test]
fn builds_are_byte_for_byte_deterministic() {
    let t = timeline_tree();
    assert_eq!(code(&t.build("2024-06-05T00:00:00Z")), 0);
    let first = t.snapshot("public");
    assert_eq!(code(&t.build("2024-06-05T00:00:00Z")), 0);
    assert_eq!(first, t.snapshot("public"));
}

#[test]
fn a_theme_overrides_templates_one_by_one() {
    let t = Tree::new();
    t.use_theme("mine");
    t.write("themes/mine/templates/index.html", "{% extends \"base.html\" %}{% block main %}MY INDEX {{ advisories | length }}{% endblock main %}");
    t.write("themes/mine/static/extra.css", "body{}");
    assert_eq!(code(&t.build("2025-01-01T00:00:00Z")), 0);
    assert!(t.read("public/index.html").contains("MY INDEX 1"));
    assert!(
        t.read("public/advisories/cve-2024-1000/index.html")
            .contains("Affected packages"),
        "built-in advisory template still used"
    );
    assert_eq!(t.read("public/extra.css"), "body{}");
    assert!(t.read("public/style.css").contains("prefers-color-scheme"));
}

#[test]
fn build_refuses_to_replace_a_folder_it_did_not_make() {
    let t = Tree::new();
    t.write("mine/notes.txt", "precious");
    let o = t.herald(&["build", "--out", "mine"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("refusing to replace"), "{}", stderr(&o));
    assert_eq!(t.read("mine/notes.txt"), "precious");
}

#[test]
fn exports_archive_and_crawler_files_agree_with_the_pages() {
    let out = tempfile::tempdir().expect("tmp");
    let public = out.path().join("public");
    let o = site_only_examples(&public);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let read =
        |f: &str| std::fs::read_to_string(public.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));

    // OSV: every record parses as the OSV schema, one per published advisory.
    let all: Vec<osv::schema::Vulnerability> =
        serde_json::from_str(&read("osv.json")).expect("osv.json is OSV");
    let slugs = ["cve-2026-20114", "cargo-2025-06", "cve-2025-31001"];
    assert_eq!(all.len(), slugs.len());
    for (rec, slug) in all.iter().zip(slugs) {
        let one: osv::schema::Vulnerability =
            serde_json::from_str(&read(&format!("advisories/{slug}/osv.json"))).expect("OSV");
        assert_eq!(one.id, rec.id);
        assert_eq!(one.id, format!("FERRITE-{}", slug.to_uppercase()));
        let page = read(&format!("advisories/{slug}/index.html"));
        for alias in one.aliases.clone().unwrap_or_default() {
            assert!(page.contains(&alias), "{slug}: the page shows {alias}");
        }
    }
    let v: serde_json::Value =
        serde_json::from_str(&read("advisories/cargo-2025-06/osv.json")).expect("json");
    assert_eq!(v["schema_version"], "1.6.0");
    assert_eq!(v["severity"][0]["type"], "CVSS_V3");
    assert_eq!(
        v["affected"][0]["ranges"][0]["events"],
        serde_json::json!([{ "introduced": "0" }, { "fixed": "0.88.1" }])
    );
    let v4: serde_json::Value =
        serde_json::from_str(&read("advisories/cve-2026-20114/osv.json")).expect("json");
    assert_eq!(v4["severity"][0]["type"], "CVSS_V4");
    assert_eq!(
        v4["affected"][0]["ranges"][0]["events"],
        serde_json::json!([{ "introduced": "1.80.0" }, { "fixed": "1.92.0" }])
    );
    assert_eq!(v4["modified"], "2026-02-20T09:00:00Z", "updated");

    // The feed lists the same advisories as the OSV export.
    let feed: atom_syndication::Feed = read("feed.xml").parse().expect("atom");
    for slug in slugs {
        assert!(
            feed.entries()
                .iter()
                .any(|e| e.id().ends_with(&format!("/advisories/{slug}/"))),
            "{slug} in the feed"
        );
    }

    let sitemap = read("sitemap.xml");
    assert!(sitemap.contains("<loc>https://security.ferrite-lang.org/advisories/cve-2025-31001/</loc><lastmod>2025-04-08</lastmod>"));
    assert!(!sitemap.contains("cve-2026-40001"));
    assert_eq!(
        read("robots.txt"),
        "User-agent: *\nAllow: /\nSitemap: https://security.ferrite-lang.org/sitemap.xml\n"
    );
    assert!(read("404.html").contains("<a href=\"/\">All security advisories</a>"));
    let archive = read("archive/index.html");
    for link in [
        "2026/",
        "2025/",
        "severity/critical/",
        "component/standard-library/",
        "component/cargo/",
    ] {
        assert!(
            archive.contains(&format!("href=\"../archive/{link}\"")),
            "archive links {link}"
        );
    }
    let critical = read("archive/severity/critical/index.html");
    assert!(critical.contains("cve-2025-31001") && !critical.contains("cargo-2025-06"));
    assert!(
        critical.contains("href=\"../../../style.css\""),
        "relative links from depth 3"
    );
    let year = read("archive/2025/index.html");
    assert!(
        year.contains("cve-2025-31001")
            && year.contains("cargo-2025-06")
            && !year.contains("cve-2026-20114")
    );
}

/// Parse errors html5ever reports for `html` (an empty list for valid HTML).
fn html_errors(html: &str) -> Vec<String> {
    use html5ever::tendril::TendrilSink;
    let opts = html5ever::ParseOpts {
        tree_builder: html5ever::tree_builder::TreeBuilderOpts {
            exact_errors: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let dom = html5ever::parse_document(markup5ever_rcdom::RcDom::default(), opts).one(html);
    let errors: Vec<String> = dom.errors.borrow().iter().map(|e| e.to_string()).collect();
    errors
}

#[test]
fn every_page_parses_without_errors_and_stays_small() {
    // The checker itself reports broken markup.
    assert!(!html_errors("<!DOCTYPE html><title>x</title><p><b>x</p></i>").is_empty());
    let out = tempfile::tempdir().expect("tmp");
    let public = out.path().join("public");
    let t = Tree::new();
    // A withdrawn advisory, with a table and a code block in its body.
    t.write(
        "advisories/2024/withdrawn.md",
        &advisory(7, "2024-04-09T15:00:00Z")
            .replace("component: widgets", "component: widgets\nwithdrawn: { at: 2024-05-01T00:00:00Z, reason: Not exploitable after all. }")
            .replace("Details.", "Details.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```rust\nfn main() {}\n```\n\n<details><summary>More</summary>Raw HTML.</details>"),
    );
    let o = t.build_site_into("2025-01-01T00:00:00Z", &public);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = site_only_examples(&out.path().join("examples"));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut pages = 0;
    for entry in walkdir::WalkDir::new(out.path())
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.path().extension().is_some_and(|x| x == "html") {
            let html = std::fs::read_to_string(entry.path()).expect("read");
            let errors = html_errors(&html);
            assert!(errors.is_empty(), "{}: {errors:?}", entry.path().display());
            if entry.path().to_string_lossy().contains("/advisories/") {
                assert!(
                    html.len() < 50_000,
                    "{} is {} bytes",
                    entry.path().display(),
                    html.len()
                );
            }
            pages += 1;
        }
    }
    assert!(pages > 15, "{pages} pages checked");
    let page =
        std::fs::read_to_string(public.join("advisories/withdrawn/index.html")).expect("page");
    assert!(page.contains("<p class=\"withdrawn\" role=\"note\"><strong>Withdrawn</strong> on <time datetime=\"2024-05-01T00:00:00Z\">2024-05-01</time>: Not exploitable after all.</p>"), "withdrawn state");
    assert!(page.contains("<pre tabindex=\"0\">") && page.contains("<table tabindex=\"0\">"));
    assert!(
        page.contains("<details><summary>More</summary>Raw HTML.</details>"),
        "harmless raw HTML kept"
    );
    let osv: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(public.join("advisories/withdrawn/osv.json")).expect("osv"),
    )
    .expect("json");
    assert_eq!(osv["withdrawn"], "2024-05-01T00:00:00Z");
    let index = std::fs::read_to_string(public.join("index.html")).expect("index");
    assert!(index.contains("<strong>withdrawn</strong>"));
}

#[test]
fn a_parallel_build_writes_the_same_bytes_as_a_one_thread_build() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().expect("tmp");
    let build = |threads: &str, name: &str| {
        let o = common::herald_cmd()
            .env("RAYON_NUM_THREADS", threads)
            .arg("--root")
            .arg(root)
            .args([
                "build",
                "--outbox-all",
                "--now",
                "2026-11-21T12:00:00Z",
                "--out",
            ])
            .arg(out.path().join(name).join("public"))
            .arg("--outbox")
            .arg(out.path().join(name).join("outbox"))
            .output()
            .expect("run");
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let base = out.path().join(name);
        // Only the outputs: Herald's own `.public.herald/` folders beside
        // them hold file identities, which differ between any two builds.
        ["public", "outbox"]
            .iter()
            .flat_map(|o| walkdir::WalkDir::new(base.join(o)).sort_by_file_name())
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path().strip_prefix(&base).expect("prefix").to_path_buf(),
                    std::fs::read(e.path()).expect("read"),
                )
            })
            .collect::<Vec<_>>()
    };
    let one = build("1", "one");
    let many = build("4", "many");
    assert!(one.len() > 70, "{} files", one.len());
    assert_eq!(one, many);
}

#[test]
fn the_front_page_lists_the_newest_and_links_the_archive_for_the_rest() {
    let t = Tree::new();
    t.write(
        "herald.yaml",
        &CONFIG.replace(
            "  base-url: https://security.example.org/\n",
            "  base-url: https://security.example.org/\n  index-entries: 2\n",
        ),
    );
    t.write("advisories/2024/b.md", &advisory(1, "2024-05-09T15:00:00Z"));
    t.write("advisories/2024/c.md", &advisory(2, "2024-06-09T15:00:00Z"));
    let o = t.herald(&["build", "--site-only", "--now", "2025-01-01T00:00:00Z"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let index = t.read("public/index.html");
    assert!(
        index.contains("CVE-2024-1002") && index.contains("CVE-2024-1001"),
        "{index}"
    );
    assert!(
        !index.contains("CVE-2024-1000"),
        "the oldest is not on the front page"
    );
    assert!(
        index.contains("<a href=\"archive/\">All 3 advisories</a>"),
        "{index}"
    );
    let year = t.read("public/archive/2024/index.html");
    for id in ["CVE-2024-1000", "CVE-2024-1001", "CVE-2024-1002"] {
        assert!(year.contains(id), "the archive lists {id}");
    }

    // At or under the limit there is nothing more to link.
    t.write("herald.yaml", CONFIG);
    let o = t.herald(&["build", "--site-only", "--now", "2025-01-01T00:00:00Z"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!t.read("public/index.html").contains("All 3 advisories"));
}

#[test]
fn the_site_alone_reads_no_ledger_and_a_build_with_the_outbox_still_does() {
    let t = Tree::new();
    // A broken ledger, and an announcement long overdue: both are about
    // sending, and the site shows nothing of either.
    t.write("ledger/cve-2024-1000.yaml", "slug: [unclosed\n");
    let o = t.herald(&["build", "--site-only", "--now", "2025-01-01T00:00:00Z"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!stderr(&o).contains("ledger"), "{}", stderr(&o));
    assert!(t.read("public/index.html").contains("CVE-2024-1000"));

    let o = t.herald(&["build", "--now", "2025-01-01T00:00:00Z"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: ledger/cve-2024-1000.yaml"),
        "{}",
        stderr(&o)
    );
    let o = t.herald(&["check", "--now", "2025-01-01T00:00:00Z"]);
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("error: ledger/cve-2024-1000.yaml"),
        "{}",
        stderr(&o)
    );
}

//! `herald publish` against a real SMTP server and HTTP servers that answer
//! as Discourse and GitHub do: order, exactly once, faults and crashes.

mod common;
#[path = "common/fakes.rs"]
mod fakes;

use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{code, git, stderr, Tree, ADVISORY, CONFIG};
use fakes::{Discourse, GitHub, Http, Smtp};

const GHSA: &str = "GHSA-2345-6789-cfgh";
const GHSA2: &str = "GHSA-3456-789c-fghj";
const BEFORE_NOTICE: &str = "2024-04-01T12:00:00Z";
const DISCLOSURE: &str = "2024-04-09T15:00:00Z";

struct World {
    tree: Tree,
    smtp: Smtp,
    forum: Http,
    forum_state: Arc<Mutex<Discourse>>,
    gh: Http,
    gh_state: Arc<Mutex<GitHub>>,
    secret: String,
    public: Vec<u8>,
}

impl World {
    fn new() -> Self {
        Self::with(&ADVISORY.replace(
            "component: widgets",
            &format!("component: widgets\nghsa:\n  - id: {GHSA}\n    repository: example/widgets"),
        ))
    }

    /// One advisory with two CVEs and a GHSA for each, sharing one summary.
    fn with_two_ghsas() -> Self {
        Self::with(
            &ADVISORY
                .replace("cves: [CVE-2024-1000]", "cves: [CVE-2024-1000, CVE-2024-1001]")
                .replace(
                    "component: widgets",
                    &format!("component: widgets\nghsa:\n  - id: {GHSA}\n    repository: example/widgets\n    cves: [CVE-2024-1000]\n  - id: {GHSA2}\n    repository: example/widgets\n    cves: [CVE-2024-1001]"),
                ),
        )
    }

    fn with(advisory: &str) -> Self {
        let (secret, public, _) = common::sequoia_key();
        let forum_state = Arc::new(Mutex::new(Discourse::default()));
        let gh_state = Arc::new(Mutex::new(GitHub::default()));
        let forum = Http::start(fakes::discourse(forum_state.clone()));
        let gh = Http::start(fakes::github(gh_state.clone()));
        let tree = Tree::new();
        tree.write_bytes("keys/team.asc", &public);
        let config = CONFIG
            .replace("https://forum.example.org/", &forum.url())
            .replace("  oss-security:", &format!("  github: {{ api: \"{}\" }}\n  advance-notice: {{ recipients: [vetted@example.net] }}\n  oss-security:", gh.url()));
        tree.write("herald.yaml", &config);
        tree.write("advisories/2024/cve-2024-1000.md", advisory);
        let w = World {
            tree,
            smtp: Smtp::start(),
            forum,
            forum_state,
            gh,
            gh_state,
            secret,
            public,
        };
        let o = w.herald(&["build", "--now", BEFORE_NOTICE], true, None);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        w
    }

    fn herald(&self, args: &[&str], sign: bool, failpoint: Option<&str>) -> Output {
        self.herald_at(self.tree.path(), args, sign, failpoint)
    }

    /// [`World::herald`] on another copy of the tree, with the same servers.
    fn herald_at(
        &self,
        root: &std::path::Path,
        args: &[&str],
        sign: bool,
        failpoint: Option<&str>,
    ) -> Output {
        let mut cmd = common::herald_cmd();
        cmd.arg("--root")
            .arg(root)
            .args(args)
            .env("GITHUB_REF_NAME", "main")
            .env("HERALD_SMTP_URL", self.smtp.url())
            .env("GITHUB_TOKEN", "gh-test-token")
            .env("DISCOURSE_API_KEY", "discourse-test-key")
            .env("DISCOURSE_API_USERNAME", "security-bot")
            .env("HERALD_CVE_API_USER", "herald-bot")
            .env("HERALD_CVE_API_KEY", "cve-secret");
        if sign {
            cmd.env("HERALD_SIGNING_KEY", &self.secret);
        }
        if let Some(f) = failpoint {
            cmd.env("HERALD_FAILPOINT", f);
        }
        cmd.output().expect("run")
    }

    /// `herald build`, signed, in a job that holds none of the publishing
    /// tokens, so nothing stops it writing what they would find.
    fn build_without_tokens(&self, now: &str) -> Output {
        common::herald_cmd()
            .arg("--root")
            .arg(self.tree.path())
            .args(["build", "--now", now])
            .env("HERALD_SIGNING_KEY", &self.secret)
            .output()
            .expect("run")
    }

    /// `herald build`, signed, at the machine's own clock.
    fn build_without_tokens_at_the_clock(&self) -> Output {
        common::herald_cmd()
            .arg("--root")
            .arg(self.tree.path())
            .arg("build")
            .env("HERALD_SIGNING_KEY", &self.secret)
            .output()
            .expect("run")
    }

    fn publish(&self, now: &str, extra: &[&str]) -> Output {
        let mut args = vec!["publish", "--now", now];
        args.extend_from_slice(extra);
        self.herald(&args, false, None)
    }

    fn ledger(&self) -> String {
        std::fs::read_to_string(self.tree.path().join("ledger/cve-2024-1000.yaml"))
            .unwrap_or_default()
    }

    /// Mails by kind, in arrival order.
    fn subjects(&self) -> Vec<String> {
        self.smtp
            .mails()
            .iter()
            .map(|m| {
                let parsed = mailparse::parse_mail(m.data.as_bytes()).expect("mail");
                mailparse::MailHeaderMap::get_first_value(parsed.headers.as_slice(), "Subject")
                    .unwrap_or_default()
            })
            .collect()
    }

    fn topics(&self) -> usize {
        self.forum_state.lock().expect("lock").topics.len()
    }

    fn advisories(&self) -> Vec<(String, String, String, String)> {
        self.gh_state.lock().expect("lock").advisories.clone()
    }

    fn assert_all_done_once(&self) {
        let subjects = self.subjects();
        let count = |needle: &str| subjects.iter().filter(|s| s.contains(needle)).count();
        let announcements = subjects
            .iter()
            .filter(|s| *s == "Security advisory for widgets (CVE-2024-1000)")
            .count();
        assert_eq!(announcements, 1, "{subjects:?}");
        assert_eq!(count("[embargoed]"), 1, "{subjects:?}");
        assert_eq!(count("[vs]"), 1, "{subjects:?}");
        assert_eq!(count("CVE-2024-1000: Widgets overflow"), 1, "{subjects:?}");
        assert_eq!(self.topics(), 1, "one forum topic");
        let adv = self.advisories();
        assert_eq!(adv.len(), 1, "one GHSA");
        assert_eq!(adv[0].2, "published");
        let ledger = self.ledger();
        assert_eq!(ledger.matches("state: done").count(), 7, "{ledger}");
    }
}

/// The attachment `announcement.txt.asc` of a received mail, decoded.
fn attachment(data: &str) -> Vec<u8> {
    let mail = mailparse::parse_mail(data.as_bytes()).expect("mail");
    mail.subparts
        .iter()
        .find(|p| {
            p.get_content_disposition()
                .params
                .get("filename")
                .map(String::as_str)
                == Some("announcement.txt.asc")
        })
        .expect("the signed copy is attached")
        .get_body_raw()
        .expect("decode")
}

#[test]
fn a_full_disclosure_goes_out_in_order_exactly_once() {
    let w = World::new();
    // Before any moment has come, nothing is sent.
    let o = w.publish(BEFORE_NOTICE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        w.smtp.mails().is_empty() && w.forum.requests().is_empty() && w.gh.requests().is_empty()
    );

    // The advance notice, to the vetted organisations as blind copies.
    let o = w.publish("2024-04-02T15:00:00Z", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mails = w.smtp.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, ["vetted@example.net"]);
    assert!(
        !mails[0].data.contains("vetted@example.net"),
        "recipients are not in the headers"
    );

    // One second before the embargo: the distros notice, nothing public.
    let o = w.publish("2024-04-09T14:59:59Z", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(w.smtp.mails().len(), 2);
    assert_eq!(w.smtp.mails()[1].to, ["distros@vs.openwall.org"]);
    assert!(w.forum.requests().is_empty() && w.gh.requests().is_empty());

    // The embargo lifts.
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mails = w.smtp.mails();
    assert_eq!(mails.len(), 4);
    let (ann, oss) = (&mails[2], &mails[3]);
    assert_eq!(ann.to, ["announce@googlegroups.com"]);
    assert_eq!(ann.from, "security@example.org");
    assert!(ann
        .data
        .contains("Message-ID: <herald.cve-2024-1000.1712674800@example.org>"));
    assert_eq!(
        oss.to,
        ["oss-security@lists.openwall.com"],
        "oss-security comes after the announcement"
    );

    // The attached signed copy verifies with gpg.
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("a.asc"), attachment(&ann.data)).expect("write");
    std::fs::write(dir.path().join("key.asc"), &w.public).expect("write");
    let gpg = |args: &[&str]| {
        std::process::Command::new("gpg")
            .arg("--homedir")
            .arg(dir.path())
            .args(["--batch", "--no-tty"])
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("gpg")
    };
    assert!(gpg(&["--import", "key.asc"]).status.success());
    let v = gpg(&["--verify", "a.asc"]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));

    // Discourse: looked up, created once with the documented request, then
    // looked up again (Discourse redirects to the topic) to see it is there.
    let reqs = w.forum.requests();
    let calls: Vec<(&str, &str)> = reqs
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        calls,
        [
            ("GET", "/t/external_id/herald-cve-2024-1000.json"),
            ("POST", "/posts.json"),
            ("GET", "/t/external_id/herald-cve-2024-1000.json"),
            ("GET", "/t/topic-100/100.json"),
        ]
    );
    let post = &reqs[1];
    assert_eq!(
        (post.method.as_str(), post.path.as_str()),
        ("POST", "/posts.json")
    );
    assert_eq!(post.header("Api-Key"), Some("discourse-test-key"));
    assert_eq!(post.header("Api-Username"), Some("security-bot"));
    let body = post.json();
    assert_eq!(
        body["title"],
        "Security advisory for widgets (CVE-2024-1000)"
    );
    assert_eq!(body["category"], 7);
    assert_eq!(body["external_id"], "herald-cve-2024-1000");
    assert!(body["raw"]
        .as_str()
        .expect("raw")
        .starts_with("> This is a cross-post of [the official security advisory][advisory]."));

    // GitHub: looked up, not found, created, then published.
    let reqs = w.gh.requests();
    let calls: Vec<(String, String)> = reqs
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    assert_eq!(
        calls,
        [
            (
                "GET".into(),
                format!("/repos/example/widgets/security-advisories/{GHSA}")
            ),
            (
                "GET".into(),
                "/repos/example/widgets/security-advisories?per_page=100&page=1".into()
            ),
            (
                "POST".into(),
                "/repos/example/widgets/security-advisories".into()
            ),
            (
                "PATCH".into(),
                "/repos/example/widgets/security-advisories/GHSA-9999-8888-7777".into()
            ),
        ]
    );
    for r in &reqs {
        assert_eq!(r.header("Authorization"), Some("Bearer gh-test-token"));
        assert_eq!(r.header("Accept"), Some("application/vnd.github+json"));
        assert_eq!(r.header("X-GitHub-Api-Version"), Some("2022-11-28"));
        assert!(r
            .header("User-Agent")
            .is_some_and(|u| u.starts_with("herald/")));
    }
    let create = reqs[2].json();
    assert_eq!(create["cve_id"], "CVE-2024-1000");
    assert_eq!(create["severity"], "high");
    assert_eq!(
        create["vulnerabilities"][0]["vulnerable_version_range"],
        "< 1.2.3"
    );
    assert_eq!(reqs[3].json(), serde_json::json!({ "state": "published" }));
    w.assert_all_done_once();
    let ledger = w.ledger();
    assert!(ledger.contains("\"topic-id\": \"100\""), "{ledger}");
    assert!(
        ledger
            .contains("https://github.com/example/widgets/security/advisories/GHSA-9999-8888-7777"),
        "{ledger}"
    );

    // A second run, and a later one, send nothing.
    for now in [DISCLOSURE, "2024-04-10T00:00:00Z"] {
        let o = w.publish(now, &[]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    assert_eq!(w.smtp.mails().len(), 4);
    assert_eq!(w.forum.requests().len(), 4);
    assert_eq!(w.gh.requests().len(), 4);
}

#[test]
fn a_crash_at_any_step_leaves_every_channel_done_once_or_visibly_pending() {
    // The blog step only records the post that the site deploy carries; it
    // makes no external call, so there is nothing to crash in the middle of.
    let steps = [
        "announcement",
        "forum",
        &format!("ghsa:{GHSA}"),
        "oss-security",
    ]
    .map(str::to_string);
    for when in ["before", "after"] {
        for step in &steps {
            let w = World::new();
            assert_eq!(code(&w.publish("2024-04-09T14:59:59Z", &[])), 0, "notices");
            let o = w.herald(
                &["publish", "--now", DISCLOSURE],
                false,
                Some(&format!("{when}:cve-2024-1000:{step}")),
            );
            assert!(
                o.status.code().is_none() || code(&o) != 0,
                "{when} {step}: the process was killed"
            );
            assert!(
                w.ledger().contains("state: started"),
                "{when} {step}: the ledger shows the step began:\n{}",
                w.ledger()
            );

            let o = w.publish(DISCLOSURE, &[]);
            let is_mail = step == "announcement" || step == "oss-security";
            if is_mail {
                // A mail that may have gone out is never resent silently.
                assert_eq!(code(&o), 1, "{when} {step}: {}", stderr(&o));
                assert!(
                    stderr(&o).contains("may already have gone out"),
                    "{}",
                    stderr(&o)
                );
                assert!(w.ledger().contains("state: started"));
                let flag = if when == "before" {
                    "--resend-started"
                } else {
                    "--confirm-sent"
                };
                let o = w.publish(DISCLOSURE, &[flag]);
                assert_eq!(code(&o), 0, "{when} {step} {flag}: {}", stderr(&o));
            } else {
                assert_eq!(code(&o), 0, "{when} {step}: {}", stderr(&o));
            }
            w.assert_all_done_once();
        }
    }
}

#[test]
fn smtp_refusals_keep_the_step_pending_and_later_steps_waiting() {
    for code_ in [451u16, 554] {
        let w = World::new();
        assert_eq!(code(&w.publish("2024-04-09T14:59:59Z", &[])), 0);
        w.smtp.refuse(code_, 1);
        let o = w.publish(DISCLOSURE, &[]);
        assert_eq!(code(&o), 1, "{}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("error: cve-2024-1000: announcement: not sent:")),
            "{}",
            stderr(&o)
        );
        assert!(stderr(&o).contains("it stays pending"), "{}", stderr(&o));
        let ledger = w.ledger();
        assert!(
            ledger.contains("\"announcement\":\n    state: pending"),
            "{ledger}"
        );
        assert!(
            w.forum.requests().is_empty() && w.gh.requests().is_empty(),
            "later steps wait"
        );
        assert_eq!(w.smtp.mails().len(), 2, "only the notices");
        let o = w.publish(DISCLOSURE, &[]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        w.assert_all_done_once();
    }
}

#[test]
fn http_429_honours_retry_after_and_5xx_retries_are_bounded() {
    let w = World::new();
    assert_eq!(code(&w.publish("2024-04-09T14:59:59Z", &[])), 0);
    w.forum_state.lock().expect("lock").faults.push_back((
        429,
        vec![("Retry-After".into(), "2".into())],
        "{}".into(),
    ));
    // GitHub fails every attempt of the first run.
    for _ in 0..4 {
        w.gh_state.lock().expect("lock").faults.push_back((
            502,
            vec![],
            "{\"message\":\"bad gateway\"}".into(),
        ));
    }
    let start = Instant::now();
    let o = w.publish(DISCLOSURE, &[]);
    let took = start.elapsed();
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("HTTP 429; retrying in 2.0s"), "{err}");
    assert!(
        took.as_secs_f64() >= 2.0,
        "waited for Retry-After: {took:?}"
    );
    assert_eq!(w.topics(), 1, "the forum post went through after the wait");
    assert_eq!(w.gh.requests().len(), 4, "four attempts, then give up");
    assert!(
        err.contains(&format!("error: cve-2024-1000: ghsa:{GHSA}: GET")),
        "{err}"
    );
    assert!(err.contains("HTTP 502"), "{err}");
    assert_eq!(
        w.subjects()
            .iter()
            .filter(|s| s.contains("CVE-2024-1000: Widgets overflow"))
            .count(),
        0,
        "oss-security waits for the GHSA"
    );
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    w.assert_all_done_once();
}

#[test]
fn githubs_403_rate_limits_are_waited_out_and_a_plain_403_is_not() {
    let w = World::new();
    assert_eq!(code(&w.publish("2024-04-09T14:59:59Z", &[])), 0);
    let reset = (jiff::Timestamp::now() + jiff::SignedDuration::from_secs(2)).as_second();
    {
        let mut gh = w.gh_state.lock().expect("lock");
        // The hourly limit, spent until `reset`; then a secondary limit.
        gh.faults.push_back((
            403,
            vec![
                ("x-ratelimit-remaining".into(), "0".into()),
                ("x-ratelimit-reset".into(), reset.to_string()),
            ],
            "{\"message\":\"API rate limit exceeded\"}".into(),
        ));
        gh.faults.push_back((
            403,
            vec![("Retry-After".into(), "1".into())],
            "{\"message\":\"You have exceeded a secondary rate limit\"}".into(),
        ));
    }
    let start = Instant::now();
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        start.elapsed().as_secs_f64() >= 2.0,
        "waited for the limits"
    );
    let err = stderr(&o);
    assert_eq!(err.matches("HTTP 403; retrying in").count(), 2, "{err}");
    w.assert_all_done_once();

    // A 403 that says nothing of limits is a token without the rights.
    let w = World::new();
    assert_eq!(code(&w.publish("2024-04-09T14:59:59Z", &[])), 0);
    w.gh_state
        .lock()
        .expect("lock")
        .faults
        .push_back(fakes::fault(403));
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("HTTP 403: "), "{}", stderr(&o));
    assert_eq!(w.gh.requests().len(), 1, "not retried");
}

#[test]
fn a_draft_created_before_publishing_failed_is_published_not_created_again() {
    let w = World::new();
    assert_eq!(code(&w.publish("2024-04-09T14:59:59Z", &[])), 0);
    for _ in 0..4 {
        w.gh_state.lock().expect("lock").patch_faults.push_back((
            502,
            vec![],
            "{\"message\":\"bad gateway\"}".into(),
        ));
    }
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("HTTP 502"), "{}", stderr(&o));
    // GitHub gave the draft its own id; the ledger keeps it for the retry.
    let ledger = w.tree.read("ledger/cve-2024-1000.yaml");
    assert!(
        ledger.contains("\"created\": \"GHSA-9999-8888-7777\""),
        "{ledger}"
    );
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("GitHub assigned GHSA-9999-8888-7777"),
        "{}",
        stderr(&o)
    );
    let advisories = w.gh_state.lock().expect("lock").advisories.clone();
    assert_eq!(advisories.len(), 1, "created once: {advisories:?}");
    assert_eq!(advisories[0].2, "published");
    w.assert_all_done_once();
}

#[test]
fn a_ghsa_github_says_it_published_but_left_a_draft_is_not_believed() {
    let w = World::new();
    assert_eq!(code(&w.publish("2024-04-09T14:59:59Z", &[])), 0);
    let draft = r#"{"ghsa_id":"GHSA-9999-8888-7777","state":"draft","html_url":"https://github.com/example/widgets/security/advisories/GHSA-9999-8888-7777"}"#;
    w.gh_state
        .lock()
        .expect("lock")
        .patch_faults
        .push_back((200, vec![], draft.into()));
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("asked to publish GHSA-9999-8888-7777, GitHub answered with GHSA-9999-8888-7777 in state `draft`"),
        "{}",
        stderr(&o)
    );
    assert_eq!(w.advisories()[0].2, "draft");
    assert!(!w.ledger().contains("ghsa-id:"), "{}", w.ledger());
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    w.assert_all_done_once();
}

#[test]
fn a_ghsa_id_that_is_not_one_never_reaches_a_request_path_or_the_ledger() {
    let w = World::new();
    assert_eq!(code(&w.publish("2024-04-09T14:59:59Z", &[])), 0);
    w.gh_state.lock().expect("lock").after_create.push_back((
        201,
        vec![],
        r#"{"ghsa_id":"GHSA-../../../../user","state":"draft"}"#.into(),
    ));
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("malformed GHSA id `GHSA-../../../../user`"),
        "{}",
        stderr(&o)
    );
    // The create went through: the next run finds it by its CVE id.
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    w.assert_all_done_once();
    // A path with dot segments would have been resolved by the client,
    // to another resource of the API.
    let paths: Vec<String> = w.gh.requests().into_iter().map(|r| r.path).collect();
    assert!(
        paths
            .iter()
            .all(|p| p.starts_with("/repos/example/widgets/security-advisories")),
        "{paths:#?}"
    );
    let ledger = w.ledger();
    assert!(
        ledger.contains("\"ghsa-id\": \"GHSA-9999-8888-7777\"")
            && !ledger.contains("\"created\": \"GHSA-.."),
        "{ledger}"
    );
}

#[test]
fn a_forum_topic_claimed_but_not_there_is_not_believed() {
    let w = World::new();
    assert_eq!(code(&w.publish("2024-04-09T14:59:59Z", &[])), 0);
    {
        // The lookup finds nothing; the create answers as if it made
        // topic 555, and makes nothing.
        let mut forum = w.forum_state.lock().expect("lock");
        forum.faults.push_back((404, vec![], "{}".into()));
        forum.faults.push_back((
            200,
            vec![],
            r#"{"id":1555,"topic_id":555,"topic_slug":"topic-555"}"#.into(),
        ));
    }
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "the forum answered with topic 555, but `external_id` herald-cve-2024-1000 finds none"
        ),
        "{}",
        stderr(&o)
    );
    assert!(!w.ledger().contains("topic-id"), "{}", w.ledger());
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    w.assert_all_done_once();
    assert!(
        w.ledger().contains("\"topic-id\": \"100\""),
        "{}",
        w.ledger()
    );
}

#[test]
fn history_is_never_recorded_ahead_of_the_clock() {
    // Under embargo for years yet: adopting "history" up to 2099, a typo
    // for 2029 say, would record its announcement as done, and it would
    // never go out.
    let w = World::with(&ADVISORY.replace(
        "embargo: 2024-04-09T15:00:00Z",
        "embargo: 2098-04-08T15:00:00Z",
    ));
    for args in [
        &["ledger", "adopt", "--now", "2099-04-09T15:00:00Z"][..],
        &[
            "ledger",
            "record",
            "cve-2024-1000",
            "announcement",
            "--at",
            "2098-04-08T15:00:00Z",
        ],
    ] {
        let o = w.herald(args, false, None);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("is after this machine's clock")
                && stderr(&o).contains("what it records as done is never sent"),
            "{args:?}: {}",
            stderr(&o)
        );
        assert!(
            !w.tree.path().join("ledger/cve-2024-1000.yaml").exists(),
            "{args:?}: nothing recorded"
        );
    }
}

#[test]
fn dry_run_shows_the_plan_with_secrets_redacted_and_does_nothing() {
    let w = World::new();
    let url = format!("smtp://mailer:s3cret-pass@127.0.0.1:{}", w.smtp.port);
    let o = common::herald_cmd()
        .arg("--root")
        .arg(w.tree.path())
        .args(["publish", "--dry-run", "--now", DISCLOSURE])
        .env("HERALD_SMTP_URL", &url)
        .env("GITHUB_TOKEN", "gh-secret-token")
        .env("DISCOURSE_API_KEY", "discourse-secret")
        .env("DISCOURSE_API_USERNAME", "bot")
        .output()
        .expect("run");
    let err = stderr(&o);
    assert_eq!(code(&o), 0, "{err}");
    for secret in ["s3cret-pass", "gh-secret-token", "discourse-secret"] {
        assert!(!err.contains(secret), "{secret} printed:\n{err}");
    }
    assert!(
        err.contains(&format!("smtp://mailer:***@127.0.0.1:{}", w.smtp.port)),
        "{err}"
    );
    assert!(
        err.contains("would send") && err.contains("announcement.eml to announce@googlegroups.com"),
        "{err}"
    );
    assert!(
        err.contains(&format!("would publish {GHSA} in example/widgets")),
        "{err}"
    );
    assert!(
        w.smtp.mails().is_empty() && w.forum.requests().is_empty() && w.gh.requests().is_empty()
    );
    assert!(!w.tree.path().join("ledger/cve-2024-1000.yaml").exists());
}

#[test]
fn unsigned_or_stale_builds_are_refused() {
    let w = World::new();
    // Rebuilt without a key: the announcement is unsigned.
    assert_eq!(
        code(&w.herald(&["build", "--now", BEFORE_NOTICE], false, None)),
        0
    );
    let o = w.publish(DISCLOSURE, &[]);
    common::assert_fails_with(&o, "the announcement is unsigned");
    assert!(!w
        .subjects()
        .iter()
        .any(|s| s == "Security advisory for widgets (CVE-2024-1000)"));
    assert!(w.forum.requests().is_empty());

    // The tree changed after the build: publish refuses the stale outbox.
    w.tree.write(
        "content/policy.md",
        "---\ntitle: Policy\n---\n\nNew text.\n",
    );
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("run `herald build` again first"),
        "{}",
        stderr(&o)
    );
}

// ---------------------------------------------------------------------------
// Time: windows, lateness, history.

/// The scheduled moments of the test advisory.
const ADVANCE_DUE: &str = "2024-04-02T15:00:00Z";
const DISTROS_DUE: &str = "2024-04-06T15:00:00Z";

impl World {
    /// The `at` of a channel's ledger record, and its state.
    fn record(&self, channel: &str) -> (String, String) {
        let ledger = self.ledger();
        let Some(i) = ledger.find(&format!("\"{channel}\":\n")) else {
            return (String::new(), String::new());
        };
        let rest = &ledger[i..];
        let field = |k: &str| {
            rest.lines()
                .skip(1)
                .take_while(|l| l.starts_with("    "))
                .find_map(|l| {
                    l.trim()
                        .strip_prefix(k)
                        .map(|v| v.trim().trim_matches('"').to_string())
                })
                .unwrap_or_default()
        };
        (field("state:"), field("at:"))
    }

    fn nothing_went_out(&self) -> bool {
        self.smtp.mails().is_empty()
            && self.forum.requests().is_empty()
            && self.gh.requests().is_empty()
    }
}

#[test]
fn a_cron_across_the_schedule_sends_each_notice_inside_its_window_and_each_text_once() {
    let w = World::new();
    // Every 6 hours from a day before the advance notice to two days after
    // disclosure, as a scheduled job would (coarser than every 10 minutes,
    // with the same decisions).
    let mut t: jiff::Timestamp = "2024-04-01T15:00:00Z".parse().expect("t");
    let end: jiff::Timestamp = "2024-04-11T15:00:00Z".parse().expect("t");
    while t <= end {
        let now = t.to_string();
        let o = w.publish(&now, &[]);
        assert_eq!(code(&o), 0, "{now}: {}", stderr(&o));
        t = t
            .checked_add(jiff::SignedDuration::from_hours(6))
            .expect("t");
    }
    w.assert_all_done_once();
    let at = |c: &str| w.record(c).1.parse::<jiff::Timestamp>().expect(c);
    let embargo: jiff::Timestamp = DISCLOSURE.parse().expect("t");
    assert!(
        at("advance-notice") >= ADVANCE_DUE.parse().expect("t") && at("advance-notice") < embargo
    );
    assert!(at("distros") >= DISTROS_DUE.parse().expect("t") && at("distros") < embargo);
    assert!(at("announcement") >= embargo);
}

#[test]
fn a_notice_late_but_inside_its_window_goes_out_with_its_lateness_stated() {
    let w = World::new();
    // The job was down from before the advance notice until a day before
    // disclosure: both notices are late, both still useful.
    let o = w.publish("2024-04-08T15:00:00Z", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("note: cve-2024-1000: advance-notice went out 144h 00m after it was due"),
        "{err}"
    );
    assert_eq!(w.subjects().len(), 2, "{:?}", w.subjects());
    let ledger = w.ledger();
    assert!(ledger.contains("\"late-by\": \"144h 00m\""), "{ledger}");
    assert!(ledger.contains("\"late-by\": \"48h 00m\""), "{ledger}");
}

#[test]
fn a_notice_whose_window_closed_is_recorded_missed_reported_once_and_never_sent() {
    let w = World::new();
    // Down from before the advance notice until after disclosure.
    let o = w.publish("2024-04-09T15:05:00Z", &[]);
    assert_eq!(
        code(&o),
        1,
        "missed notices fail the run loudly: {}",
        stderr(&o)
    );
    let err = stderr(&o);
    assert!(
        err.contains("MISSED: cve-2024-1000: advance-notice was due at 2024-04-02T15:00:00Z"),
        "{err}"
    );
    assert!(err.contains("MISSED: cve-2024-1000: distros"), "{err}");
    let subjects = w.subjects();
    assert!(
        !subjects
            .iter()
            .any(|s| s.contains("[embargoed]") || s.contains("[vs]")),
        "{subjects:?}"
    );
    assert_eq!(w.record("advance-notice").0, "missed");
    assert_eq!(w.record("distros").0, "missed");
    // The disclosure itself is only minutes late: it went out.
    assert_eq!(w.record("announcement").0, "done");
    assert_eq!(w.record("oss-security").0, "done");
    // Reported once: the next run is quiet and sends nothing more.
    let mails = w.smtp.mails().len();
    let o = w.publish("2024-04-09T16:00:00Z", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!stderr(&o).contains("MISSED"), "{}", stderr(&o));
    assert_eq!(w.smtp.mails().len(), mails);
    // schedule and check list them.
    let o = w.herald(&["schedule", "--now", "2024-04-09T16:00:00Z"], false, None);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        out.contains("missed: cve-2024-1000 advance-notice"),
        "{out}"
    );
    assert!(out.contains("missed: cve-2024-1000 distros"), "{out}");
    let o = w.herald(&["check", "--now", "2024-04-09T16:00:00Z"], false, None);
    assert!(
        stderr(&o).contains("the advance-notice of `cve-2024-1000` was missed"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_notice_whose_window_closes_during_a_slow_run_is_missed_never_sent() {
    // On the machine's clock: the embargo lifts a few seconds from now, and
    // both notices are overdue but still inside their windows.
    let embargo = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(10);
    let embargo = embargo.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let w = World::with(&ADVISORY.replace(
        "embargo: 2024-04-09T15:00:00Z",
        &format!("embargo: {embargo}"),
    ));
    let o = w.build_without_tokens_at_the_clock();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // The server takes 12 s to accept the first notice; the embargo lifts
    // meanwhile.
    w.smtp.delay(Duration::from_secs(12));
    let o = w.herald(&["publish"], false, None);
    let err = stderr(&o);
    let mails = w.smtp.mails();
    assert_eq!(mails.len(), 1, "only the first notice: {err}");
    assert_eq!(mails[0].to, ["vetted@example.net"], "{err}");
    assert!(
        err.contains("MISSED: cve-2024-1000: distros was due at")
            && err.contains("a private notice after disclosure is never sent"),
        "{err}"
    );
    assert!(w.ledger().contains("state: missed"), "{}", w.ledger());
}

#[test]
fn a_notice_left_started_is_never_resent_after_its_window_closed() {
    let w = World::new();
    let o = w.herald(
        &["publish", "--now", ADVANCE_DUE],
        false,
        Some("before:cve-2024-1000:advance-notice"),
    );
    assert!(o.status.code() != Some(0));
    let o = w.publish("2024-04-09T15:00:00Z", &["--resend-started"]);
    assert!(
        stderr(&o).contains("MISSED: cve-2024-1000: advance-notice"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("may have gone out"), "{}", stderr(&o));
    assert!(
        !w.subjects().iter().any(|s| s.contains("[embargoed]")),
        "{:?}",
        w.subjects()
    );
}

#[test]
fn an_announcement_past_the_late_limit_waits_for_a_person() {
    let w = World::new();
    let later = "2024-04-11T15:00:00Z";
    let o = w.publish(later, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("past the late limit of 24 hours"), "{err}");
    assert!(err.contains("herald publish --late cve-2024-1000"), "{err}");
    assert!(
        err.contains("herald ledger record cve-2024-1000 announcement"),
        "{err}"
    );
    assert!(
        w.smtp.mails().is_empty() && w.forum.requests().is_empty() && w.gh.requests().is_empty()
    );
    // check fails at the embargo line, with both remedies.
    let o = w.herald(&["check", "--now", later], false, None);
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert!(
        err.contains("advisories/2024/cve-2024-1000.md:6:10: the embargo of `cve-2024-1000`"),
        "{err}"
    );
    assert!(
        err.contains("herald ledger adopt") && err.contains("--late cve-2024-1000"),
        "{err}"
    );
    // A mistyped slug is refused with a suggestion.
    let o = w.publish(later, &["--late", "cve-2024-100"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("did you mean `cve-2024-1000`?"),
        "{}",
        stderr(&o)
    );
    // A person decides: it goes out, in order, once.
    let o = w.publish(later, &["--late", "cve-2024-1000"]);
    assert_eq!(
        code(&o),
        0,
        "the missed notices were reported by the first run: {}",
        stderr(&o)
    );
    assert_eq!(
        w.subjects()
            .iter()
            .filter(|s| s.contains("Security advisory for widgets"))
            .count(),
        1
    );
    assert_eq!(w.topics(), 1);
    assert_eq!(w.advisories().len(), 1);
    assert!(
        w.ledger().contains("\"late-by\": \"48h 00m\""),
        "{}",
        w.ledger()
    );
    let o = w.publish(later, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn a_tree_with_history_and_no_ledger_sends_nothing_until_adopted() {
    let w = World::new();
    std::fs::remove_dir_all(w.tree.path().join("ledger")).ok();
    let years_later = "2026-11-28T00:00:00Z";
    let o = w.herald(&["check", "--now", years_later], false, None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let o = w.herald(&["ledger", "adopt", "--now", years_later], false, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("adopted 7 action(s)"), "{}", stderr(&o));
    for channel in [
        "advance-notice",
        "distros",
        "announcement",
        "blog",
        "forum",
        "oss-security",
    ] {
        assert_eq!(w.record(channel).0, "adopted", "{channel}: {}", w.ledger());
    }
    let o = w.herald(&["check", "--now", years_later], false, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = w.herald(&["build", "--now", years_later], true, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = w.publish(years_later, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(w.nothing_went_out());
    // Adopting again changes nothing.
    let before = w.ledger();
    let o = w.herald(&["ledger", "adopt", "--now", years_later], false, None);
    assert_eq!(code(&o), 0);
    assert_eq!(w.ledger(), before);
}

#[test]
fn without_adopting_a_late_run_sends_nothing_at_all() {
    let w = World::new();
    let years_later = "2026-11-28T00:00:00Z";
    let o = w.herald(&["build", "--now", years_later], true, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = w.publish(years_later, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(w.nothing_went_out(), "{:?}", w.subjects());
}

#[test]
fn a_notice_sent_by_hand_is_recorded_and_not_sent_again() {
    let w = World::new();
    let o = w.herald(
        &[
            "ledger",
            "record",
            "cve-2024-1000",
            "advance-notce",
            "--at",
            ADVANCE_DUE,
        ],
        false,
        None,
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("did you mean `advance-notice`?"),
        "{}",
        stderr(&o)
    );
    let o = w.herald(
        &[
            "ledger",
            "record",
            "cve-2024-1000",
            "advance-notice",
            "--at",
            ADVANCE_DUE,
            "--message-id",
            "<by-hand@example.org>",
        ],
        false,
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        w.record("advance-notice"),
        ("adopted".into(), "2024-04-02T15:00:00Z".into())
    );
    let o = w.publish(DISTROS_DUE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let subjects = w.subjects();
    assert!(
        !subjects.iter().any(|s| s.contains("[embargoed]")),
        "{subjects:?}"
    );
    assert_eq!(
        subjects.iter().filter(|s| s.contains("[vs]")).count(),
        1,
        "{subjects:?}"
    );
}

// ---------------------------------------------------------------------------
// Identity: servers that act and then fail, and crashes around every call.

#[test]
fn two_ghsas_sharing_a_summary_end_as_two_even_after_a_crash_between_them() {
    for failpoint in [
        format!("created:cve-2024-1000:ghsa:{GHSA}"),
        format!("after:cve-2024-1000:ghsa:{GHSA}"),
        format!("created:cve-2024-1000:ghsa:{GHSA2}"),
        format!("before:cve-2024-1000:ghsa:{GHSA2}"),
    ] {
        let w = World::with_two_ghsas();
        assert_eq!(code(&w.publish("2024-04-09T14:59:59Z", &[])), 0);
        let o = w.herald(&["publish", "--now", DISCLOSURE], false, Some(&failpoint));
        assert!(o.status.code() != Some(0), "{failpoint}: killed");
        let o = w.publish(DISCLOSURE, &[]);
        assert_eq!(code(&o), 0, "{failpoint}: {}", stderr(&o));
        let adv = w.advisories();
        assert_eq!(adv.len(), 2, "{failpoint}: two GHSAs: {adv:?}");
        assert!(adv.iter().all(|a| a.2 == "published"), "{adv:?}");
        assert_ne!(adv[0].1, adv[1].1);
        let mut cves: Vec<&str> = adv.iter().map(|a| a.3.as_str()).collect();
        cves.sort();
        assert_eq!(cves, ["CVE-2024-1000", "CVE-2024-1001"], "{failpoint}");
        let ledger = w.ledger();
        for id in [&adv[0].1, &adv[1].1] {
            assert!(
                ledger.contains(&format!("\"ghsa-id\": \"{id}\"")),
                "{failpoint}: {ledger}"
            );
        }
        let posts =
            w.gh.count("POST", "/repos/example/widgets/security-advisories");
        assert_eq!(posts, 2, "{failpoint}: one POST per GHSA");
    }
}

#[test]
fn a_server_that_creates_then_fails_never_gets_a_second_create() {
    for answer in [
        fakes::fault(500),
        fakes::fault(502),
        fakes::fault(fakes::DROP),
    ] {
        let w = World::new();
        assert_eq!(code(&w.publish("2024-04-09T14:59:59Z", &[])), 0);
        w.forum_state
            .lock()
            .expect("lock")
            .after_create
            .push_back(answer.clone());
        w.gh_state
            .lock()
            .expect("lock")
            .after_create
            .push_back(answer.clone());
        let o = w.publish(DISCLOSURE, &[]);
        assert_eq!(code(&o), 1, "{}", stderr(&o));
        assert!(
            stderr(&o).contains("the next run looks it up before creating anything"),
            "{}",
            stderr(&o)
        );
        assert_eq!(
            w.forum.count("POST", "/posts.json"),
            1,
            "one POST in the failed run"
        );
        assert_eq!(w.record("forum").0, "started", "{}", w.ledger());
        // The next run finds the topic, then the GHSA (by its CVE), and
        // creates neither again.
        for _ in 0..2 {
            let o = w.publish(DISCLOSURE, &[]);
            if code(&o) == 0 {
                break;
            }
        }
        assert_eq!(w.forum.count("POST", "/posts.json"), 1, "{:?}", answer.0);
        assert_eq!(
            w.gh.count("POST", "/repos/example/widgets/security-advisories"),
            1
        );
        w.assert_all_done_once();
    }
}

#[test]
fn a_server_that_never_answers_costs_a_bounded_time() {
    let w = World::new();
    assert_eq!(code(&w.publish("2024-04-09T14:59:59Z", &[])), 0);
    for _ in 0..4 {
        w.forum_state
            .lock()
            .expect("lock")
            .faults
            .push_back(fakes::fault(fakes::HANG));
    }
    let start = Instant::now();
    let o = w.publish(DISCLOSURE, &["--deadline", "4s"]);
    let took = start.elapsed();
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(took.as_secs() < 15, "bounded by the deadline: {took:?}");
    assert!(stderr(&o).contains("deadline"), "{}", stderr(&o));
    assert_eq!(w.topics(), 0);
    assert_ne!(w.record("forum").0, "done");
    // The next run, with the server back, finishes.
    w.forum_state.lock().expect("lock").faults.clear();
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    w.assert_all_done_once();
}

#[test]
fn a_redirect_to_another_server_never_carries_the_keys_or_the_text_there() {
    let w = World::new();
    assert_eq!(code(&w.publish("2024-04-09T14:59:59Z", &[])), 0);
    let elsewhere = Http::start(|_| (200, vec![], "{\"id\":1,\"topic_id\":1}".into()));
    let away = |status: u16, path: &str| {
        let to = format!("{}{path}", elsewhere.url());
        (status, vec![("Location".to_string(), to)], String::new())
    };
    {
        // The lookup finds nothing; the create, body and keys, is sent on.
        let mut forum = w.forum_state.lock().expect("lock");
        forum.faults.push_back((404, vec![], "{}".into()));
        forum.faults.push_back(away(308, "posts.json"));
    }
    let refusal = format!(
        "redirected to {}, another origin than",
        elsewhere.url().trim_end_matches('/')
    );
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains(&refusal), "{}", stderr(&o));
    assert_eq!(w.topics(), 0);
    // GitHub's lookup is sent on too.
    w.gh_state
        .lock()
        .expect("lock")
        .faults
        .push_back(away(307, "repos/example/widgets/security-advisories"));
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains(&refusal), "{}", stderr(&o));
    assert_eq!(w.topics(), 1);
    assert_eq!(elsewhere.requests().len(), 0, "{:#?}", elsewhere.requests());

    // Nothing is lost or doubled: the next run, with both servers behaving,
    // looks before it creates and sends each text once.
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    w.assert_all_done_once();
    assert_eq!(elsewhere.requests().len(), 0);
}

#[test]
fn an_answer_without_end_is_cut_off_and_the_step_stays_pending() {
    let w = World::new();
    assert_eq!(code(&w.publish("2024-04-09T14:59:59Z", &[])), 0);
    // A topic that would parse, were it read whole: 33 MiB of slug.
    let endless = format!("{{\"id\":1,\"slug\":\"{}\"}}", "a".repeat(33 << 20));
    w.forum_state
        .lock()
        .expect("lock")
        .faults
        .push_back((200, vec![], endless));
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("forum: GET") && err.contains("unexpected answer: longer than 32 MiB"),
        "{err}"
    );
    // The topic the endless answer names is not recorded.
    assert!(
        !w.ledger().contains("\"topic-id\": \"1\""),
        "{}",
        w.ledger()
    );
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    w.assert_all_done_once();
}

#[test]
fn a_run_at_another_moment_than_the_clock_reaches_no_real_server() {
    let w = World::new();
    // A team's herald.yaml, with its forum on the internet.
    let config = w
        .tree
        .read("herald.yaml")
        .replace(&w.forum.url(), "https://forum.example.org/");
    w.tree.write("herald.yaml", &config);
    let o = w.herald(&["build", "--now", BEFORE_NOTICE], true, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let publish = |now: &str, smtp: &str| {
        common::herald_cmd()
            .arg("--root")
            .arg(w.tree.path())
            .args(["publish", "--now", now])
            .env("HERALD_SMTP_URL", smtp)
            .env("GITHUB_TOKEN", "gh-test-token")
            .env("DISCOURSE_API_KEY", "discourse-test-key")
            .env("DISCOURSE_API_USERNAME", "security-bot")
            .output()
            .expect("run")
    };

    // The advance notice's moment, years behind this machine's clock:
    // the team's mail server is not reached.
    let o = publish(
        "2024-04-02T15:00:00Z",
        "smtps://mailer:pw@mail.example.org:465",
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("advance-notice: --now 2024-04-02T15:00:00Z is ")
            && err.contains(" behind this machine's clock")
            && err.contains("reaches only servers on loopback")
            && err.contains("not sent to smtps://mailer:***@mail.example.org:465"),
        "{err}"
    );
    assert!(!err.contains(":pw@"), "{err}");
    assert!(!w.ledger().contains("state: done"), "{}", w.ledger());

    // A rehearsal against servers on loopback goes on as before.
    let o = publish("2024-04-02T15:00:00Z", &w.smtp.url());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(w.smtp.mails().len(), 1);
    let o = publish("2024-04-09T14:59:59Z", &w.smtp.url());
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    // At the disclosure, the mails on loopback go; the forum does not.
    let o = publish(DISCLOSURE, &w.smtp.url());
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("forum: GET https://forum.example.org/t/external_id/herald-cve-2024-1000.json: --now 2024-04-09T15:00:00Z is ")
            && err.contains("; nothing was sent"),
        "{err}"
    );
    assert_eq!(
        w.smtp.mails().len(),
        3,
        "the announcement went, on loopback"
    );
    assert!(w.forum.requests().is_empty());
}

#[test]
fn mail_is_never_sent_unencrypted_across_a_network() {
    let w = World::new();
    let run = |smtp: &str, dry: bool| {
        let mut cmd = common::herald_cmd();
        cmd.arg("--root")
            .arg(w.tree.path())
            .args(["publish", "--now", "2024-04-02T15:00:00Z"])
            .env("HERALD_SMTP_URL", smtp);
        if dry {
            cmd.arg("--dry-run");
        }
        cmd.output().expect("run")
    };
    for url in [
        "smtp://mailer:pw@mail.example.org:587",
        "smtp://mailer:pw@mail.example.org:587?tls=opportunistic",
        "smtp://192.0.2.7:25",
    ] {
        let shown = url.replace(":pw@", ":***@");
        for dry in [true, false] {
            let o = run(url, dry);
            let err = stderr(&o);
            assert_eq!(code(&o), 1, "{url}: {err}");
            assert!(
                err.contains(&format!(
                    "advance-notice: HERALD_SMTP_URL ({shown}) would send mail unencrypted"
                )),
                "{url}: {err}"
            );
            assert!(!err.contains(":pw@"), "{err}");
        }
    }
    // TLS from the first byte, or STARTTLS required, is what a plan shows.
    for url in [
        "smtps://mailer:pw@mail.example.org:465",
        "smtp://mailer:pw@mail.example.org:587?tls=required",
    ] {
        let o = run(url, true);
        assert_eq!(code(&o), 0, "{url}: {}", stderr(&o));
        assert!(stderr(&o).contains("would send "), "{}", stderr(&o));
    }
    assert!(w.smtp.mails().is_empty());
    assert!(!w.ledger().contains("state: done"), "{}", w.ledger());
}

#[test]
fn credentials_a_server_quotes_back_reach_neither_the_log_nor_the_ledger() {
    let w = World::new();
    assert_eq!(code(&w.publish("2024-04-09T14:59:59Z", &[])), 0);
    // A proxy that answers with the request it was sent, headers and all,
    // and a token of someone else's for good measure.
    // Also in base64, as `Authorization: Basic` and SMTP's `AUTH PLAIN`
    // carry credentials.
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let basic = b64("x-access-token:gh-test-token");
    let plain = b64("\0herald\0discourse-test-key");
    let echo = format!(
        "{{\"errors\":[\"Api-Key: discourse-test-key\",\"Authorization: Bearer gh-test-token\",\"CVE-API-KEY: cve-secret\",\"ghp_{}\",\"Authorization: Basic {basic}\",\"AUTH PLAIN {plain}\"]}}",
        "R8mQz2LkV9xWc4TnB7yHs1JdF6gAp3Ue0Kio"
    );
    w.forum_state
        .lock()
        .expect("lock")
        .faults
        .push_back((403, vec![], echo));
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("forum: GET") && err.contains("HTTP 403"),
        "{err}"
    );
    assert!(
        err.contains("Api-Key: [the value of DISCOURSE_API_KEY]")
            && err.contains("Bearer [the value of GITHUB_TOKEN]"),
        "{err}"
    );
    let ledger = w.ledger();
    assert!(ledger.contains("HTTP 403"), "{ledger}");
    // `cve-secret` is shorter than what build looks for in its files,
    // and still never printed.
    for secret in [
        "discourse-test-key",
        "gh-test-token",
        "cve-secret",
        "R8mQz2LkV9xWc4TnB7yHs1JdF6gAp3Ue0Kio",
        &basic[20..],
        &plain[12..],
    ] {
        assert!(!err.contains(secret), "{secret} in the log: {err}");
        assert!(!ledger.contains(secret), "{secret} in the ledger: {ledger}");
    }
}

#[test]
fn retry_after_as_an_http_date_is_honoured() {
    let w = World::new();
    assert_eq!(code(&w.publish("2024-04-09T14:59:59Z", &[])), 0);
    let at = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_secs(3))
        .expect("t");
    let date = jiff::fmt::rfc2822::to_string(&at.to_zoned(jiff::tz::TimeZone::UTC)).expect("date");
    let date = date.replace("+0000", "GMT");
    w.forum_state.lock().expect("lock").faults.push_back((
        429,
        vec![("Retry-After".into(), date.clone())],
        "{}".into(),
    ));
    let start = Instant::now();
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(start.elapsed().as_secs_f64() >= 1.5, "waited for {date}");
    w.assert_all_done_once();
}

#[test]
fn a_killed_runs_temporary_files_are_removed_and_ignored_by_git() {
    let w = World::new();
    assert_eq!(code(&w.publish("2024-04-09T14:59:59Z", &[])), 0);
    let tmp = w
        .tree
        .path()
        .join("ledger/.cve-2024-1000.yaml.herald-tmp-4242");
    std::fs::write(&tmp, "half").expect("plant");
    let ignore =
        std::fs::read_to_string(w.tree.path().join("ledger/.gitignore")).expect("gitignore");
    assert!(
        ignore.contains(".*.herald-tmp-*") && ignore.contains(".lock"),
        "{ignore}"
    );
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!tmp.exists());
    assert!(
        stderr(&o).contains("removed `.cve-2024-1000.yaml.herald-tmp-4242`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_hand_edited_ledger_that_does_not_parse_is_a_located_error_never_a_reset() {
    let w = World::new();
    assert_eq!(code(&w.publish(ADVANCE_DUE, &[])), 0);
    let path = w.tree.path().join("ledger/cve-2024-1000.yaml");
    let text = std::fs::read_to_string(&path).expect("ledger");
    std::fs::write(&path, text.replace("state: done", "state: doen")).expect("edit");
    let o = w.herald(&["check", "--now", DISTROS_DUE], false, None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("ledger/cve-2024-1000.yaml:6:12: unknown state `doen`"),
        "{}",
        stderr(&o)
    );
    let mails = w.smtp.mails().len();
    let o = w.publish(DISTROS_DUE, &[]);
    assert_ne!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        w.smtp.mails().len(),
        mails,
        "nothing sent from a broken ledger"
    );
}

#[test]
fn a_ledger_left_in_a_merge_conflict_is_a_located_error_and_sends_nothing() {
    let w = World::new();
    assert_eq!(code(&w.publish(ADVANCE_DUE, &[])), 0);
    let path = w.tree.path().join("ledger/cve-2024-1000.yaml");
    let text = std::fs::read_to_string(&path).expect("ledger");
    // A hand edit and the CI's commit of the ledger, merged by someone who
    // committed the conflict as git left it.
    let (head, actions) = text.split_once("actions:\n").expect("actions");
    let merged =
        format!("{head}actions:\n<<<<<<< HEAD\n{actions}=======\n{actions}>>>>>>> origin/main\n");
    std::fs::write(&path, merged).expect("edit");
    let o = w.herald(&["check", "--now", DISTROS_DUE], false, None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let line = head.lines().count() + 2;
    assert!(
        stderr(&o).contains(&format!(
            "ledger/cve-2024-1000.yaml:{line}:1: an unresolved merge conflict"
        )),
        "{}",
        stderr(&o)
    );
    // Long after the disclosure, the ledger is still what is wrong: not
    // an announcement it would seem to have no record of.
    let o = w.herald(&["check", "--now", "2024-05-01T00:00:00Z"], false, None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(!stderr(&o).contains("no record"), "{}", stderr(&o));
    let mails = w.smtp.mails().len();
    let o = w.publish(DISTROS_DUE, &[]);
    assert_ne!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("an unresolved merge conflict"),
        "{}",
        stderr(&o)
    );
    assert_eq!(w.smtp.mails().len(), mails, "nothing sent");
}

impl World {
    /// Give `advisories/2024/<from>.md` the name `<to>.md`, as an author
    /// tidying up would, rebuild at `at`, and publish: the run must hold
    /// it, saying `held`.
    fn rename_and_publish_held(&self, from: &str, to: &str, at: &str, held: &str) {
        let dir = self.tree.path().join("advisories/2024");
        std::fs::rename(dir.join(format!("{from}.md")), dir.join(format!("{to}.md")))
            .expect("rename");
        let o = self.herald(&["build", "--now", at], true, None);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let o = self.publish(at, &[]);
        assert_ne!(code(&o), 0, "{}", stderr(&o));
        assert!(stderr(&o).contains(held), "{}", stderr(&o));
    }
}

#[test]
fn an_advisory_renamed_after_it_went_out_is_held_not_announced_again() {
    let w = World::new();
    assert_eq!(code(&w.publish("2024-04-09T14:59:59Z", &[])), 0);
    assert_eq!(code(&w.publish(DISCLOSURE, &[])), 0);
    w.assert_all_done_once();
    assert!(
        w.ledger().contains("ids: [\"CVE-2024-1000\", \""),
        "{}",
        w.ledger()
    );
    let (mails, topics, ghsas) = (w.smtp.mails().len(), w.topics(), w.advisories().len());
    // An hour later, inside the late limit, someone gives the file a
    // better name; its slug changes with it.
    let later = "2024-04-09T16:00:00Z";
    w.rename_and_publish_held(
        "cve-2024-1000",
        "widgets-overflow",
        later,
        "held: widgets-overflow: `ledger/cve-2024-1000.yaml` records CVE-2024-1000 as sent under the slug `cve-2024-1000`",
    );
    let root = w.tree.path();
    assert_eq!(w.smtp.mails().len(), mails, "no second announcement");
    assert_eq!(w.topics(), topics);
    assert_eq!(w.advisories().len(), ghsas);
    let o = w.herald(&["check", "--now", later], false, None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("advisories/2024/widgets-overflow.md:5:8: `ledger/cve-2024-1000.yaml` records CVE-2024-1000"),
        "{}",
        stderr(&o)
    );
    // The fix the message gives: the ledger follows the new name.
    let moved = w
        .ledger()
        .replace("slug: \"cve-2024-1000\"", "slug: \"widgets-overflow\"");
    std::fs::write(root.join("ledger/widgets-overflow.yaml"), moved).expect("write");
    std::fs::remove_file(root.join("ledger/cve-2024-1000.yaml")).expect("remove");
    // The new name changed the advisory's address in the GHSA text, which
    // is then a revision like any other edit; nothing goes out twice.
    let o = w.publish(later, &[]);
    assert!(!stderr(&o).contains("held:"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("its text changed since it was sent"),
        "{}",
        stderr(&o)
    );
    assert_eq!(w.smtp.mails().len(), mails, "still no second announcement");
    assert_eq!(w.topics(), topics);
    assert_eq!(w.advisories().len(), ghsas);
    // A ledger no file claims that cannot be read might hold anything's
    // history: it is reported, never taken as claiming nothing.
    std::fs::write(root.join("ledger/old-widgets.yaml"), "slug: [\n").expect("write");
    let o = w.herald(&["check", "--now", later], false, None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("ledger/old-widgets.yaml:"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_pre_announcement_renamed_after_it_went_out_is_held_not_sent_again() {
    let w = World::new();
    let pre = "---\nkind: pre-announcement\ntitle: Security release for widgets 1.2.3\nrelease: 2024-04-09T15:00:00Z\nseverity: high\ncomponent: widgets\n---\n\nA release is coming.\n";
    w.tree.write("advisories/2024/pre-2024-04-09.md", pre);
    let o = w.herald(&["build", "--now", BEFORE_NOTICE], true, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = w.publish(ADVANCE_DUE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let sent = |w: &World| {
        w.subjects()
            .iter()
            .filter(|s| s.contains("Security release for widgets 1.2.3"))
            .count()
    };
    assert_eq!(sent(&w), 1);
    let topics = w.topics();
    let later = "2024-04-02T16:00:00Z";
    w.rename_and_publish_held(
        "pre-2024-04-09",
        "widgets-release",
        later,
        "held: widgets-release: `ledger/pre-2024-04-09.yaml` records release 2024-04-09T15:00:00Z of widgets as sent",
    );
    assert_eq!(sent(&w), 1, "no second pre-announcement");
    assert_eq!(w.topics(), topics);
    let o = w.herald(&["check", "--now", later], false, None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "advisories/2024/widgets-release.md:4:10: `ledger/pre-2024-04-09.yaml` records release"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_outbox_that_points_outside_its_folder_sends_nothing() {
    let w = World::new();
    let manifest = w.tree.path().join("outbox/cve-2024-1000/manifest.json");
    let original = std::fs::read_to_string(&manifest).expect("manifest");
    std::fs::write(w.tree.path().join("private.txt"), "not for the list\n").expect("write");
    for (what, edited) in [
        (
            "a file outside its folder",
            original.replace("\"advance-notice.eml\"", "\"../../private.txt\""),
        ),
        (
            "another slug than its folder's",
            original.replace("\"slug\": \"cve-2024-1000\"", "\"slug\": \"../escaped\""),
        ),
        (
            "a repository that climbs out of its path",
            original.replace("\"example/widgets\"", "\"example/widgets/../../../user\""),
        ),
    ] {
        assert_ne!(edited, original, "{what}");
        std::fs::write(&manifest, &edited).expect("edit");
        let o = w.publish(ADVANCE_DUE, &[]);
        assert_ne!(code(&o), 0, "{what}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("rebuild the outbox"),
            "{what}: {}",
            stderr(&o)
        );
        assert!(w.smtp.mails().is_empty(), "{what}: nothing sent");
        assert!(!w.tree.path().join("escaped.yaml").exists());
        assert!(!w.tree.path().join("ledger/cve-2024-1000.yaml").exists());
    }
    std::fs::write(&manifest, &original).expect("restore");
    // The right name, standing for another file.
    let notice = w
        .tree
        .path()
        .join("outbox/cve-2024-1000/advance-notice.eml");
    let text = std::fs::read(&notice).expect("notice");
    std::fs::remove_file(&notice).expect("remove");
    std::os::unix::fs::symlink(w.tree.path().join("private.txt"), &notice).expect("symlink");
    refused_at_the_notice(&w, "is a symbolic link");
    std::fs::remove_file(&notice).expect("remove");
    std::fs::write(&notice, text).expect("restore");
    assert_eq!(code(&w.publish(ADVANCE_DUE, &[])), 0);
    assert_eq!(w.smtp.mails().len(), 1);
}

/// A publish run at the advance notice's moment fails, says `why`, and
/// mails nothing.
fn refused_at_the_notice(w: &World, why: &str) {
    let o = w.publish(ADVANCE_DUE, &[]);
    assert_ne!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains(why), "{why}: {}", stderr(&o));
    assert!(w.smtp.mails().is_empty(), "{why}: nothing sent");
}

/// The build stamp vouches for the tree, not for the outbox's bytes: a
/// manifest edited by hand, or left by another build, is held to the plan
/// the tree makes before anything of it is acted on.
#[test]
fn a_manifest_that_differs_from_the_trees_plan_sends_nothing() {
    let w = World::new();
    let manifest = w.tree.path().join("outbox/cve-2024-1000/manifest.json");
    let original = std::fs::read_to_string(&manifest).expect("manifest");
    let announcement_due = format!("\"due\": \"{DISCLOSURE}\"");
    for (what, edited, at) in [
        (
            "another recipient for the advance notice",
            original.replacen(
                "\"recipients\": [",
                "\"recipients\": [\n        \"someone@elsewhere.example\",",
                1,
            ),
            "actions[0].recipients[0]",
        ),
        (
            "the announcement brought forward to the notice's moment",
            original.replace(&announcement_due, &format!("\"due\": \"{ADVANCE_DUE}\"")),
            ".due",
        ),
        (
            "a private notice's window kept open past the disclosure",
            original.replacen(
                &format!("\"until\": \"{DISCLOSURE}\""),
                "\"until\": \"2099-01-01T00:00:00Z\"",
                1,
            ),
            "actions[0].until",
        ),
        (
            "a digest that is not the file's",
            original.replacen("\"sha256\": \"", "\"sha256\": \"00", 1),
            ".sha256",
        ),
    ] {
        assert_ne!(edited, original, "{what}");
        std::fs::write(&manifest, &edited).expect("edit");
        for now in [ADVANCE_DUE, DISCLOSURE] {
            let o = w.publish(now, &[]);
            let err = stderr(&o);
            assert_ne!(code(&o), 0, "{what}: {err}");
            assert!(
                err.contains("differs from what the tree plans") && err.contains(at),
                "{what}: {err}"
            );
            assert!(w.smtp.mails().is_empty(), "{what}: nothing sent");
            assert!(
                !w.tree.path().join("ledger/cve-2024-1000.yaml").exists(),
                "{what}"
            );
        }
    }
    std::fs::write(&manifest, &original).expect("restore");
    // The file a digest stands for, changed or swapped for a link, with
    // the manifest left as the build wrote it.
    let ghsa = w
        .tree
        .path()
        .join(format!("outbox/cve-2024-1000/ghsa-{GHSA}.json"));
    let body = std::fs::read(&ghsa).expect("ghsa");
    let mut edited = body.clone();
    edited.extend_from_slice(b" ");
    std::fs::write(&ghsa, &edited).expect("edit");
    refused_at_the_notice(&w, ".sha256");
    std::fs::remove_file(&ghsa).expect("remove");
    std::os::unix::fs::symlink(w.tree.path().join("herald.yaml"), &ghsa).expect("link");
    refused_at_the_notice(&w, "is a symbolic link");
    std::fs::remove_file(&ghsa).expect("remove");
    std::fs::write(&ghsa, &body).expect("restore");
    assert_eq!(code(&w.publish(ADVANCE_DUE, &[])), 0);
    assert_eq!(w.smtp.mails().len(), 1);
}

#[test]
fn no_secret_from_the_environment_reaches_any_output_mail_or_request() {
    let w = World::new();
    // A patch that would carry the environment is refused, not attached.
    let adv = w.tree.read("advisories/2024/cve-2024-1000.md");
    w.tree.write(
        "advisories/2024/cve-2024-1000.md",
        &adv.replace(
            "component: widgets",
            "component: widgets\npatches: [/proc/self/environ]",
        ),
    );
    let o = w.herald(&["build", "--now", BEFORE_NOTICE], true, None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("patch refused"), "{}", stderr(&o));
    w.tree.write("advisories/2024/cve-2024-1000.md", &adv);
    let secrets = [
        ("HERALD_SIGNING_PASSPHRASE", "passphrase-PLANTED-1"),
        ("GITHUB_TOKEN", "ghp_PLANTED_token_2"),
        ("DISCOURSE_API_KEY", "discourse-PLANTED-3"),
        ("HERALD_EXTRA_SECRET", "extra-PLANTED-4"),
    ];
    let run = |args: &[&str]| {
        let mut cmd = common::herald_cmd();
        cmd.arg("--root")
            .arg(w.tree.path())
            .args(args)
            .env("HERALD_SIGNING_KEY", &w.secret)
            .env("HERALD_SMTP_URL", w.smtp.url())
            .env("DISCOURSE_API_USERNAME", "security-bot");
        for (k, v) in secrets {
            cmd.env(k, v);
        }
        cmd.output().expect("run")
    };
    for (cmd, now) in [
        ("build", BEFORE_NOTICE),
        ("publish", ADVANCE_DUE),
        ("publish", DISTROS_DUE),
        ("publish", DISCLOSURE),
    ] {
        let o = run(&[cmd, "--now", now]);
        assert_eq!(code(&o), 0, "{cmd} {now}: {}", stderr(&o));
    }
    let planted: Vec<&str> = secrets.iter().map(|s| s.1).collect();
    let mut found = Vec::new();
    for dir in ["public", "outbox", "ledger"] {
        for (path, bytes) in w.tree.snapshot(dir) {
            let text = String::from_utf8_lossy(&bytes);
            found.extend(
                planted
                    .iter()
                    .filter(|p| text.contains(*p))
                    .map(|p| format!("{p} in {}", path.display())),
            );
        }
    }
    for m in w.smtp.mails() {
        found.extend(
            planted
                .iter()
                .filter(|p| m.data.contains(*p))
                .map(|p| format!("{p} in a mail")),
        );
    }
    for r in w.forum.requests().iter().chain(&w.gh.requests()) {
        let mut seen = format!("{} {} {}", r.method, r.path, r.body);
        for (k, v) in &r.headers {
            // Each service gets its own credential, and only that.
            let own = (k.eq_ignore_ascii_case("authorization")
                && v == "Bearer ghp_PLANTED_token_2")
                || (k.eq_ignore_ascii_case("api-key") && v == "discourse-PLANTED-3");
            if !own {
                seen.push_str(&format!(" {k}: {v}"));
            }
        }
        found.extend(
            planted
                .iter()
                .filter(|p| seen.contains(*p))
                .map(|p| format!("{p} in {} {}", r.method, r.path)),
        );
    }
    assert!(found.is_empty(), "{found:?}");
    assert!(w.smtp.mails().len() >= 3, "the disclosure went out");
}

#[test]
fn a_token_pasted_into_an_advisory_is_never_sent_on_any_channel() {
    let w = World::new();
    let adv = w.tree.read("advisories/2024/cve-2024-1000.md");
    // The run's own GITHUB_TOKEN, pasted into the body by mistake.
    w.tree.write(
        "advisories/2024/cve-2024-1000.md",
        &adv.replace("Details.", "Details. Reproduced with token gh-test-token."),
    );
    // A build that runs with the token refuses to write it anywhere, and
    // never prints it.
    let o = w.herald(&["build", "--now", BEFORE_NOTICE], true, None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("the value of GITHUB_TOKEN, a secret of the environment this build runs in"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("gh-test-token"), "{}", stderr(&o));
    for dir in ["public", "outbox"] {
        for (path, bytes) in w.tree.snapshot(dir) {
            assert!(
                !String::from_utf8_lossy(&bytes).contains("gh-test-token"),
                "{}",
                path.display()
            );
        }
    }
    // A build job without the token writes it; publish, which has it,
    // sends none of it.
    let o = w.build_without_tokens(BEFORE_NOTICE);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for now in [ADVANCE_DUE, DISCLOSURE] {
        let o = w.publish(now, &[]);
        assert_ne!(code(&o), 0, "{now}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("holds the value of GITHUB_TOKEN; nothing of it was sent"),
            "{now}: {}",
            stderr(&o)
        );
    }
    assert!(w.smtp.mails().is_empty(), "no mail went out");
    assert_eq!(w.topics(), 0);
    assert!(w.advisories().is_empty());
    assert!(!w.ledger().contains("done"), "{}", w.ledger());
    // Taken out and rebuilt, the disclosure goes out, once.
    w.tree.write("advisories/2024/cve-2024-1000.md", &adv);
    let o = w.herald(&["build", "--now", BEFORE_NOTICE], true, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        w.subjects()
            .iter()
            .filter(|s| s.contains("Security advisory"))
            .count(),
        1,
        "{:?}",
        w.subjects()
    );
    assert!(w
        .smtp
        .mails()
        .iter()
        .all(|m| !m.data.contains("gh-test-token")));
}

#[test]
fn an_embargo_moved_after_its_notices_went_out_is_an_error_until_the_lists_are_told() {
    let w = World::new();
    for now in [ADVANCE_DUE, DISTROS_DUE] {
        let o = w.publish(now, &[]);
        assert_eq!(code(&o), 0, "{now}: {}", stderr(&o));
    }
    assert!(
        w.ledger()
            .contains("\"disclosure\": \"2024-04-09T15:00:00Z\""),
        "{}",
        w.ledger()
    );
    let check = |w: &World| w.herald(&["check", "--now", "2024-04-07T12:00:00Z"], false, None);
    // Unmoved, the notices agree with the embargo, whatever its spelling.
    let o = check(&w);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let adv = w.tree.read("advisories/2024/cve-2024-1000.md");
    w.tree.write(
        "advisories/2024/cve-2024-1000.md",
        &adv.replace(
            "embargo: 2024-04-09T15:00:00Z",
            "embargo: 2024-04-09T17:00:00+02:00",
        ),
    );
    let o = check(&w);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    w.tree.write(
        "advisories/2024/cve-2024-1000.md",
        &adv.replace(
            "embargo: 2024-04-09T15:00:00Z",
            "embargo: 2024-04-11T15:00:00Z",
        ),
    );
    let o = check(&w);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    for channel in ["advance-notice", "distros"] {
        assert!(
            stderr(&o).contains(&format!(
                "advisories/2024/cve-2024-1000.md:6:10: the {channel} notice sent at "
            )),
            "{}",
            stderr(&o)
        );
    }
    assert!(
        stderr(&o).contains("announced disclosure at 2024-04-09T15:00:00Z; the embargo is now 2024-04-11T15:00:00Z, later: the list may disclose at the old moment"),
        "{}",
        stderr(&o)
    );
    // Told by hand, one list at a time.
    let record = |channel: &str| {
        w.herald(
            &[
                "ledger",
                "record",
                "cve-2024-1000",
                channel,
                "--at",
                "2024-04-07T10:00:00Z",
            ],
            false,
            None,
        )
    };
    let o = record("distros");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = check(&w);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(!stderr(&o).contains("the distros notice"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the advance-notice notice"),
        "{}",
        stderr(&o)
    );
    let o = record("advance-notice");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = check(&w);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Told, the record stays done: nothing is sent again.
    assert!(w.ledger().contains("moved-told"), "{}", w.ledger());
    let mails = w.smtp.mails().len();
    let o = w.herald(&["build", "--now", "2024-04-07T12:00:00Z"], true, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = w.publish("2024-04-07T12:00:00Z", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(w.smtp.mails().len(), mails);
}

#[test]
fn a_token_in_a_revision_fails_each_place_it_would_reach_and_the_run_goes_on() {
    let (state, cve) = cve_service(0);
    let w = World::new().with_cve_services(&cve, BEFORE_NOTICE);
    w.disclose();
    let patches_before = w.gh_state.lock().unwrap().patches.len();
    let source = w.tree.read("advisories/2024/cve-2024-1000.md");
    // In the lead, which the GHSA and the CVE record both carry.
    let revised = as_revision(&corrected_range(&source), false).replace(
        "Widgets could overflow.",
        "Widgets could overflow (seen with token gh-test-token).",
    );
    w.tree.write("advisories/2024/cve-2024-1000.md", &revised);
    let o = w.herald(&["build", "--now", "2024-04-12T10:00:00Z"], true, None);
    assert_eq!(code(&o), 1, "the page would carry it: {}", stderr(&o));
    let o = w.build_without_tokens("2024-04-12T10:00:00Z");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = w.publish("2024-04-12T10:05:00Z", &[]);
    assert_ne!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    // The GHSA and the CVE record each refused: one did not end the run.
    assert!(
        err.matches("holds the value of GITHUB_TOKEN; nothing of it was sent")
            .count()
            >= 2,
        "{err}"
    );
    assert_eq!(w.gh_state.lock().unwrap().patches.len(), patches_before);
    assert!(state.lock().unwrap().updates.is_empty());
    assert!(
        !w.ledger().contains("2024-04-12T09:00:00Z"),
        "{}",
        w.ledger()
    );
}

#[test]
fn a_hand_record_waits_for_no_one_and_never_races_a_publish_run() {
    let w = World::new();
    std::fs::create_dir_all(w.tree.path().join("ledger")).expect("ledger");
    let lock = std::fs::File::create(w.tree.path().join("ledger/.lock")).expect("lock");
    lock.try_lock()
        .expect("held by the test, as a running publish would");
    for args in [
        &[
            "ledger",
            "record",
            "cve-2024-1000",
            "advance-notice",
            "--at",
            ADVANCE_DUE,
        ][..],
        &["ledger", "adopt", "--now", "2026-11-28T00:00:00Z"][..],
        &["publish", "--now", ADVANCE_DUE][..],
    ] {
        let o = w.herald(args, false, None);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("another `herald publish` is running"),
            "{}",
            stderr(&o)
        );
    }
    assert!(w.ledger().is_empty(), "{}", w.ledger());
    assert!(w.smtp.mails().is_empty());
}

#[test]
fn a_public_source_repository_sends_no_notice_of_what_it_already_leaked() {
    let w = World::new();
    w.gh_state
        .lock()
        .unwrap()
        .repositories
        .push(("example/security".into(), "public".into()));
    let run = |now: &str| {
        common::herald_cmd()
            .arg("--root")
            .arg(w.tree.path())
            .args(["publish", "--now", now])
            .env("HERALD_SMTP_URL", w.smtp.url())
            .env("GITHUB_TOKEN", "gh-test-token")
            .env("GITHUB_REPOSITORY", "example/security")
            .env("GITHUB_API_URL", w.gh.url())
            .output()
            .expect("run")
    };
    let o = run(ADVANCE_DUE);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("example/security is public"),
        "{}",
        stderr(&o)
    );
    assert!(w.smtp.mails().is_empty(), "nothing is sent");
    assert_eq!(w.ledger(), "", "nothing is recorded");
    // Made private, the same run sends the advance notice.
    w.gh_state.lock().unwrap().repositories[0].1 = "private".into();
    let o = run(ADVANCE_DUE);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(w.subjects().len(), 1, "{:?}", w.subjects());
}

/// A CVE Services stand-in where CVE-2024-1000 is reserved, and that
/// answers its first `lies` POSTs with success while keeping nothing.
fn cve_service(lies: usize) -> (Arc<Mutex<fakes::CveServices>>, Http) {
    let state = Arc::new(Mutex::new(fakes::CveServices {
        reserved: vec!["CVE-2024-1000".into()],
        lies,
        ..Default::default()
    }));
    let http = Http::start(fakes::cve_services(state.clone()));
    (state, http)
}

impl World {
    /// Publish the advance notice, the distros notice and the disclosure,
    /// each at its moment, each run clean.
    fn disclose(&self) {
        for now in [ADVANCE_DUE, DISTROS_DUE, DISCLOSURE] {
            let o = self.publish(now, &[]);
            assert_eq!(code(&o), 0, "{now}: {}", stderr(&o));
        }
    }

    /// Make the team a CNA that publishes through the CVE Services
    /// stand-in `cve`, and rebuild at `now`.
    fn with_cve_services(self, cve: &Http, now: &str) -> Self {
        let config = std::fs::read_to_string(self.tree.path().join("herald.yaml")).expect("config");
        self.tree.write(
            "herald.yaml",
            &config.replace(
                "  distros:",
                &format!("  cve: {{ org-id: 6b2f1c0e-8d4a-4e57-9a3b-2c1d0e9f8a7b, vendor: Example, api: \"{}api/\", org-short-name: example }}\n  distros:", cve.url()),
            ),
        );
        let o = self.herald(&["build", "--now", now], true, None);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        self
    }

    /// Point the blog channel at a repository on the fake GitHub, whose
    /// `main` exists, and rebuild.
    fn with_blog_repository(self, extra: &str) -> Self {
        self.gh_state.lock().unwrap().branches.push((
            "example/blog".into(),
            "main".into(),
            "0123456789abcdef0123456789abcdef01234567".into(),
        ));
        let config = std::fs::read_to_string(self.tree.path().join("herald.yaml")).expect("config");
        let config = config.replace(
            "blog: { base-url: https://blog.example.org/ }",
            &format!(
                "blog: {{ base-url: https://blog.example.org/, repository: example/blog{extra} }}"
            ),
        );
        self.tree.write("herald.yaml", &config);
        let o = self.herald(&["build", "--now", BEFORE_NOTICE], true, None);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        self
    }

    fn blog_requests(&self, method: &str, tail: &str) -> usize {
        self.gh
            .requests()
            .iter()
            .filter(|r| {
                r.method == method && r.path.starts_with(&format!("/repos/example/blog/{tail}"))
            })
            .count()
    }
}

#[test]
fn the_blog_post_is_delivered_once_as_a_pull_request_through_every_crash() {
    // (failpoint, answer the server gives after it wrote) for each crash.
    let crashes: Vec<(Option<&str>, Option<u16>)> = vec![
        (None, None),
        (Some("before:cve-2024-1000:blog"), None),
        (Some("after:cve-2024-1000:blog"), None),
        (None, Some(fakes::DROP)),
        (None, Some(502)),
    ];
    for (failpoint, fault) in crashes {
        let w = World::new().with_blog_repository("");
        let label = format!("{failpoint:?} {fault:?}");
        let o = w.publish(DISTROS_DUE, &[]);
        assert_eq!(code(&o), 0, "{label}: {}", stderr(&o));
        if let Some(f) = fault {
            // The file is written, then the answer is lost.
            w.gh_state
                .lock()
                .unwrap()
                .after_write
                .push_back((f, vec![], "{}".into()));
        }
        let o = w.herald(&["publish", "--now", DISCLOSURE], false, failpoint);
        if failpoint.is_some() || fault.is_some() {
            assert_ne!(code(&o), 0, "{label}: the run was cut short");
            let o = w.publish(DISCLOSURE, &[]);
            assert_eq!(code(&o), 0, "{label}: {}", stderr(&o));
        } else {
            assert_eq!(code(&o), 0, "{label}: {}", stderr(&o));
        }
        // And a later run changes nothing.
        let o = w.publish("2024-04-09T16:00:00Z", &[]);
        assert_eq!(code(&o), 0, "{label}: {}", stderr(&o));
        let gh = w.gh_state.lock().unwrap();
        assert_eq!(
            gh.pulls.len(),
            1,
            "{label}: one pull request: {:?}",
            gh.pulls
        );
        let (_, number, head, base, title) = gh.pulls[0].clone();
        assert_eq!(
            (head.as_str(), base.as_str()),
            ("herald/cve-2024-1000", "main"),
            "{label}"
        );
        assert_eq!(title, "Security advisory for widgets (CVE-2024-1000)");
        let branches: Vec<&str> = gh.branches.iter().map(|b| b.1.as_str()).collect();
        assert_eq!(branches, ["main", "herald/cve-2024-1000"], "{label}");
        assert_eq!(gh.files.len(), 1, "{label}");
        let (_, branch, path, bytes) = &gh.files[0];
        assert_eq!(
            (branch.as_str(), path.as_str()),
            ("herald/cve-2024-1000", "content/cve-2024-1000.md")
        );
        // The post as built, in the blog's Zola format.
        let built =
            std::fs::read(w.tree.path().join("outbox/cve-2024-1000/blog.md")).expect("blog.md");
        assert_eq!(bytes, &built, "{label}");
        assert!(built.starts_with(b"+++\npath = \"2024/04/09/cve-2024-1000\"\ntitle = \"Security advisory for widgets (CVE-2024-1000)\"\nauthors = [\"Test Security Team\"]\naliases = []\n+++\n"), "{}", String::from_utf8_lossy(&built));
        drop(gh);
        assert!(
            w.ledger()
                .contains(&format!("\"pull-request\": \"{number}\"")),
            "{label}: {}",
            w.ledger()
        );
        assert!(w.blog_requests("POST", "pulls") <= 2, "{label}");
    }
}

#[test]
fn a_commit_delivery_writes_once_and_never_overwrites_someone_elses_post() {
    let w = World::new().with_blog_repository(", delivery: commit, file: \"posts/{slug}.md\"");
    let o = w.publish(DISTROS_DUE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = w.publish("2024-04-09T16:00:00Z", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    {
        let gh = w.gh_state.lock().unwrap();
        assert_eq!(gh.files.len(), 1);
        assert_eq!(
            (gh.files[0].1.as_str(), gh.files[0].2.as_str()),
            ("main", "posts/cve-2024-1000.md")
        );
        assert!(gh.pulls.is_empty());
    }
    assert_eq!(w.blog_requests("PUT", "contents/"), 1);

    // Someone already put another post at that path: never overwritten.
    let w = World::new().with_blog_repository(", delivery: commit");
    w.gh_state.lock().unwrap().files.push((
        "example/blog".into(),
        "main".into(),
        "content/cve-2024-1000.md".into(),
        b"a post a person wrote\n".to_vec(),
    ));
    let o = w.publish(DISTROS_DUE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Herald never overwrites a post it did not write"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        w.gh_state.lock().unwrap().files[0].3,
        b"a post a person wrote\n"
    );
    assert_eq!(w.blog_requests("PUT", "contents/"), 0);
}

#[test]
fn cve_records_are_published_once_through_cve_services_crashes_included() {
    let crashes: Vec<(Option<&str>, Option<u16>)> = vec![
        (None, None),
        (Some("before:cve-2024-1000:cve:CVE-2024-1000"), None),
        (Some("after:cve-2024-1000:cve:CVE-2024-1000"), None),
        (None, Some(fakes::DROP)),
        (None, Some(500)),
    ];
    for (failpoint, fault) in crashes {
        let label = format!("{failpoint:?} {fault:?}");
        let (state, cve) = cve_service(0);
        let w = World::new().with_cve_services(&cve, BEFORE_NOTICE);
        let run = |now: &str, failpoint: Option<&str>| {
            w.herald(&["publish", "--now", now], false, failpoint)
        };
        let o = run(DISTROS_DUE, None);
        assert_eq!(code(&o), 0, "{label}: {}", stderr(&o));
        if let Some(f) = fault {
            state
                .lock()
                .unwrap()
                .after_create
                .push_back((f, vec![], "{}".into()));
        }
        let o = run(DISCLOSURE, failpoint);
        if failpoint.is_some() || fault.is_some() {
            assert_ne!(code(&o), 0, "{label}: the run was cut short");
            let o = run(DISCLOSURE, None);
            assert_eq!(code(&o), 0, "{label}: {}", stderr(&o));
        } else {
            assert_eq!(code(&o), 0, "{label}: {}", stderr(&o));
        }
        let o = run("2024-04-09T16:00:00Z", None);
        assert_eq!(code(&o), 0, "{label}: {}", stderr(&o));
        let st = state.lock().unwrap();
        assert!(
            st.refused.is_empty(),
            "{label}: the schema refused {:?}",
            st.refused
        );
        assert_eq!(st.records.len(), 1, "{label}: one record");
        let posts = cve.count("POST", "/api/cve/CVE-2024-1000/cna");
        assert_eq!(posts, 1, "{label}: exactly one POST");
        let sent = std::fs::read(
            w.tree
                .path()
                .join("outbox/cve-2024-1000/cve-CVE-2024-1000.json"),
        )
        .expect("record");
        let sent: serde_json::Value = serde_json::from_slice(&sent).expect("json");
        assert_eq!(
            st.records[0].1["containers"]["cna"]["descriptions"], sent["descriptions"],
            "{label}"
        );
        let ledger = w.ledger();
        assert!(
            ledger.contains("\"cve:CVE-2024-1000\":\n    state: done"),
            "{label}: {ledger}"
        );
        assert!(ledger.contains("\"sha256\":"), "{label}: {ledger}");
        // In the sequence after the GHSA, before oss-security.
        let manifest: serde_json::Value = serde_json::from_slice(
            &std::fs::read(w.tree.path().join("outbox/cve-2024-1000/manifest.json"))
                .expect("manifest"),
        )
        .expect("json");
        let order: Vec<&str> = manifest["actions"]
            .as_array()
            .expect("actions")
            .iter()
            .filter_map(|a| a["channel"].as_str())
            .collect();
        assert_eq!(
            order[order.len() - 3..],
            [
                format!("ghsa:{GHSA}").as_str(),
                "cve:CVE-2024-1000",
                "oss-security"
            ],
            "{label}"
        );
    }
}

#[test]
fn a_cve_id_not_reserved_is_a_clear_failure_and_nothing_after_it_goes() {
    let state = Arc::new(Mutex::new(fakes::CveServices::default()));
    let cve = Http::start(fakes::cve_services(state.clone()));
    let w = World::new().with_cve_services(&cve, BEFORE_NOTICE);
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("CVE_ID_NOT_RESERVED"), "{}", stderr(&o));
    // oss-security comes after the record and waits for it.
    assert!(
        !w.subjects().iter().any(|s| s.starts_with("CVE-2024-1000:")),
        "{:?}",
        w.subjects()
    );
    assert!(
        !stderr(&o).contains("cve-secret"),
        "the key never reaches the log"
    );
}

#[test]
fn a_channel_set_up_later_never_reaches_back_into_adopted_history() {
    let (_state, cve) = cve_service(0);
    let w = World::new();
    // The advisory went out before Herald; its history is adopted.
    let o = w.herald(
        &["ledger", "adopt", "--now", "2024-05-01T00:00:00Z"],
        false,
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Months later the team becomes a CNA.
    let w = w.with_cve_services(&cve, "2024-09-01T00:00:00Z");
    let publish = |extra: &[&str]| w.publish("2024-09-01T00:10:00Z", extra);
    let o = publish(&[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("its announcement went out outside Herald; it is not sent unattended"),
        "{}",
        stderr(&o)
    );
    assert!(
        cve.requests().is_empty(),
        "nothing was asked of CVE Services"
    );
    assert!(w.smtp.mails().is_empty());
    // A person decides it should go out after all.
    let o = publish(&["--late", "cve-2024-1000"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(cve.count("POST", "/api/cve/CVE-2024-1000/cna"), 1);
}

#[test]
fn the_outbox_holds_only_what_is_still_due() {
    let w = World::new();
    w.disclose();
    w.assert_all_done_once();
    let folder = w.tree.path().join("outbox/cve-2024-1000");
    assert!(folder.join("announcement.eml").is_file());
    // Everything is done: the next build leaves its texts out.
    let o = w.herald(&["build", "--now", "2024-04-10T00:00:00Z"], true, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("left out the texts of 1 advisories"),
        "{}",
        stderr(&o)
    );
    assert!(!folder.exists(), "no texts of a settled advisory");
    // Publishing then has nothing to do, and does nothing.
    let mails = w.smtp.mails().len();
    let o = w.publish("2024-04-10T00:10:00Z", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(w.smtp.mails().len(), mails);
    // On demand, one advisory's texts, the site left as it is.
    let site = w.tree.snapshot("public");
    let o = w.herald(
        &["outbox", "cve-2024-1000", "--now", "2024-04-10T00:00:00Z"],
        true,
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cve-2024-1000: every action is settled in the ledger; its texts are rendered for review, and publish sends nothing of them"),
        "{}",
        stderr(&o)
    );
    assert!(folder.join("announcement.eml").is_file());
    assert!(
        folder.join("announcement.txt.asc").is_file(),
        "signed as build signs"
    );
    assert!(w.tree.snapshot("public") == site, "the site is untouched");
    let o = w.publish("2024-04-10T00:20:00Z", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(w.smtp.mails().len(), mails, "rendered, never sent again");
    let o = w.herald(&["outbox", "cve-2024-100"], true, None);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "no advisory or pre-announcement `cve-2024-100`; did you mean `cve-2024-1000`?"
        ),
        "{}",
        stderr(&o)
    );
    // Or every settled one.
    let o = w.herald(
        &["build", "--outbox-all", "--now", "2024-04-10T00:00:00Z"],
        true,
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(folder.join("announcement.eml").is_file());
}

#[test]
fn an_advisory_with_one_step_left_keeps_its_texts() {
    let w = World::new();
    // The forum is down at the disclosure (every attempt of that run):
    // that step stays pending.
    {
        let mut f = w.forum_state.lock().unwrap();
        for _ in 0..4 {
            f.faults.push_back(fakes::fault(503));
        }
    }
    for now in [ADVANCE_DUE, DISTROS_DUE, DISCLOSURE] {
        w.publish(now, &[]);
    }
    let o = w.herald(&["build", "--now", "2024-04-09T16:00:00Z"], true, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(w
        .tree
        .path()
        .join("outbox/cve-2024-1000/forum.md")
        .is_file());
    let o = w.publish("2024-04-09T16:10:00Z", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    w.assert_all_done_once();
}

#[test]
fn a_dry_run_without_credentials_still_shows_the_whole_plan() {
    let w = World::new();
    // Built without a key, run without credentials.
    let o = w.herald(&["build", "--now", BEFORE_NOTICE], false, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = common::herald_cmd()
        .arg("--root")
        .arg(w.tree.path())
        .args(["publish", "--dry-run", "--now", DISCLOSURE])
        .output()
        .expect("run");
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "problems make the exit code: {err}");
    for want in [
        "would fail: cve-2024-1000: announcement: the announcement is unsigned",
        "would fail: cve-2024-1000: forum: DISCOURSE_API_KEY and DISCOURSE_API_USERNAME must be set",
        &format!("would fail: cve-2024-1000: ghsa:{GHSA}: GITHUB_TOKEN must be set"),
        "cve-2024-1000: oss-security",
    ] {
        assert!(err.contains(want), "missing `{want}` in:\n{err}");
    }
    assert!(w.smtp.mails().is_empty() && w.gh.requests().is_empty());
    assert_eq!(w.ledger(), "", "a dry run writes nothing");
}

#[test]
fn a_revision_reaches_every_place_once_and_a_silent_edit_fails_check() {
    let (state, cve) = cve_service(0);
    let w = World::new().with_cve_services(&cve, BEFORE_NOTICE);
    w.disclose();
    let patches_before = w.gh_state.lock().unwrap().patches.len();
    let source = w.tree.read("advisories/2024/cve-2024-1000.md");
    let corrected = corrected_range(&source);
    assert_ne!(corrected, source);

    // A silent edit: check refuses it, at the front matter.
    w.tree.write("advisories/2024/cve-2024-1000.md", &corrected);
    let o = w.herald(&["check", "--now", "2024-04-12T00:00:00Z"], false, None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(&format!("advisories/2024/cve-2024-1000.md:1:1: the ghsa:{GHSA} text changed since it was published")), "{err}");
    assert!(
        err.contains("the cve:CVE-2024-1000 text changed since it was published"),
        "{err}"
    );

    // The same edit as a revision: carried once to the GHSA and the record.
    w.tree.write(
        "advisories/2024/cve-2024-1000.md",
        &as_revision(&corrected, false),
    );
    let o = w.herald(&["check", "--now", "2024-04-12T10:00:00Z"], false, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = w.herald(&["build", "--now", "2024-04-12T10:00:00Z"], true, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Not before its moment.
    let o = w.publish("2024-04-12T08:00:00Z", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(w.gh_state.lock().unwrap().patches.len(), patches_before);
    let o = w.publish("2024-04-12T10:05:00Z", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("revised: "), "{}", stderr(&o));
    {
        let gh = w.gh_state.lock().unwrap();
        assert_eq!(gh.patches.len(), patches_before + 1, "one PATCH carries it");
        let body = &gh.patches.last().expect("patch").1;
        assert_eq!(
            body["vulnerabilities"][0]["vulnerable_version_range"],
            "< 1.2.4"
        );
        let st = state.lock().unwrap();
        assert_eq!(st.updates.len(), 1, "one PUT carries it");
        assert_eq!(
            st.updates[0].1["affected"][0]["versions"][0]["lessThan"],
            "1.2.4"
        );
        assert!(st.refused.is_empty(), "{:?}", st.refused);
    }
    // The page, the feed and OSV say so.
    let page = w.tree.read("public/advisories/cve-2024-1000/index.html");
    assert!(
        page.contains("1.2.3 is affected too; the fix is in 1.2.4."),
        "the page names the change"
    );
    assert!(w
        .tree
        .read("public/advisories/cve-2024-1000/osv.json")
        .contains("\"modified\":\"2024-04-12T09:00:00Z\""));
    assert!(w
        .tree
        .read("public/feed.xml")
        .contains("<updated>2024-04-12T09:00:00"));
    // A second run sends nothing more.
    let o = w.publish("2024-04-12T10:15:00Z", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(w.gh_state.lock().unwrap().patches.len(), patches_before + 1);
    assert_eq!(state.lock().unwrap().updates.len(), 1);
    let o = w.herald(&["build", "--now", "2024-04-12T11:00:00Z"], true, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        !w.tree.path().join("outbox/cve-2024-1000").exists(),
        "carried: settled again"
    );
}

#[test]
fn a_withdrawal_is_carried_once_and_rejects_the_record_only_when_asked() {
    for reject in [false, true] {
        let (state, cve) = cve_service(0);
        let w = World::new().with_cve_services(&cve, BEFORE_NOTICE);
        w.disclose();
        let patches_before = w.gh_state.lock().unwrap().patches.len();
        let source = w.tree.read("advisories/2024/cve-2024-1000.md");
        w.tree.write(
            "advisories/2024/cve-2024-1000.md",
            &source.replace(
                "component: widgets",
                &format!("component: widgets\nwithdrawn: {{ at: 2024-04-20T09:00:00Z, reason: The overflow cannot be reached from safe code., reject: {reject} }}"),
            ),
        );
        let o = w.herald(&["check", "--now", "2024-04-20T10:00:00Z"], false, None);
        assert_eq!(code(&o), 0, "{reject}: {}", stderr(&o));
        let o = w.herald(&["build", "--now", "2024-04-20T10:00:00Z"], true, None);
        assert_eq!(code(&o), 0, "{reject}: {}", stderr(&o));
        for _ in 0..2 {
            let o = w.publish("2024-04-20T10:05:00Z", &[]);
            assert_eq!(code(&o), 0, "{reject}: {}", stderr(&o));
        }

        let gh = w.gh_state.lock().unwrap();
        assert_eq!(gh.patches.len(), patches_before + 1, "{reject}: one PATCH");
        let body = &gh.patches.last().expect("patch").1;
        assert!(
            body["summary"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Withdrawn: "),
            "{body}"
        );
        assert!(
            body["description"].as_str().unwrap_or_default().contains(
                "**Withdrawn on 2024-04-20: The overflow cannot be reached from safe code.**"
            ),
            "{body}"
        );
        let st = state.lock().unwrap();
        if reject {
            assert_eq!(st.rejections.len(), 1, "rejected once");
            assert!(st.updates.is_empty());
            assert_eq!(
                st.rejections[0].1["rejectedReasons"][0]["value"],
                "The overflow cannot be reached from safe code."
            );
        } else {
            assert!(
                st.rejections.is_empty(),
                "a withdrawn advisory is not always a wrong CVE"
            );
            assert_eq!(st.updates.len(), 1);
            let desc = st.updates[0].1["descriptions"][0]["value"]
                .as_str()
                .unwrap_or_default();
            assert!(desc.starts_with("Withdrawn on 2024-04-20: "), "{desc}");
        }
        assert!(st.refused.is_empty(), "{:?}", st.refused);
        assert!(w
            .tree
            .read("public/advisories/cve-2024-1000/osv.json")
            .contains("\"withdrawn\":\"2024-04-20T09:00:00Z\""));
    }
}

#[test]
fn a_text_changed_by_the_theme_alone_is_a_warning_not_a_silent_edit() {
    let w = World::new();
    w.disclose();
    // The team changes its GHSA template: the text differs, the advisory
    // does not.
    let config = std::fs::read_to_string(w.tree.path().join("herald.yaml")).expect("config");
    w.tree.write(
        "herald.yaml",
        &config.replace(
            "  base-url: https://security.example.org/",
            "  base-url: https://security.example.org/\n  theme: mine",
        ),
    );
    w.tree.write(
        "themes/mine/templates/channels/ghsa.md",
        "> {{ disclaimer }}\n\n{{ a.body_markdown }}\n\n(Published by the security team.)\n",
    );
    let o = w.herald(&["check", "--now", "2024-04-12T00:00:00Z"], false, None);
    let err = stderr(&o);
    assert_eq!(code(&o), 0, "{err}");
    assert!(
        err.contains(&format!(
            "the ghsa:{GHSA} text differs from what was published, though this file did not change"
        )),
        "{err}"
    );
    assert!(err.contains("[rendering-changed]"), "{err}");
}

#[test]
fn a_revision_with_update_mail_is_mailed_once_signed() {
    let w = World::new();
    w.disclose();
    w.revise_with_mail();
    let o = w.herald(&["build", "--now", "2024-04-12T10:00:00Z"], true, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let before = w.smtp.mails().len();
    for now in ["2024-04-12T10:05:00Z", "2024-04-12T10:15:00Z"] {
        let o = w.publish(now, &[]);
        assert_eq!(code(&o), 0, "{now}: {}", stderr(&o));
    }
    let mails = w.smtp.mails();
    assert_eq!(mails.len(), before + 1, "one update mail");
    let m = mails.last().expect("mail");
    assert!(
        m.data
            .contains("Subject: [UPDATED] Security advisory for widgets (CVE-2024-1000)"),
        "{}",
        m.data
    );
    assert!(
        m.data
            .contains("UPDATED on 2024-04-12: 1.2.3 is affected too; the fix is in 1.2.4."),
        "{}",
        m.data
    );
    assert!(
        m.data.contains("filename=\"update.txt.asc\""),
        "signed, with its copy attached"
    );
    assert_eq!(m.to, vec!["announce@googlegroups.com".to_string()]);
}

#[test]
fn a_cve_service_that_claims_success_and_keeps_nothing_is_not_believed() {
    let (state, cve) = cve_service(1);
    let w = World::new().with_cve_services(&cve, BEFORE_NOTICE);
    for now in [ADVANCE_DUE, DISTROS_DUE] {
        let o = w.publish(now, &[]);
        assert_eq!(code(&o), 0, "{now}: {}", stderr(&o));
    }
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("answered success, but holds no record"),
        "{}",
        stderr(&o)
    );
    assert!(
        w.ledger()
            .contains("\"cve:CVE-2024-1000\":\n    state: started"),
        "{}",
        w.ledger()
    );
    // The next run looks, finds nothing, and publishes: once.
    let o = w.publish("2024-04-09T15:10:00Z", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(state.lock().unwrap().records.len(), 1);
    assert_eq!(cve.count("POST", "/api/cve/CVE-2024-1000/cna"), 2);
}

#[test]
fn a_pull_request_github_claims_but_does_not_list_is_not_believed() {
    let w = World::new().with_blog_repository("");
    w.gh_state.lock().unwrap().pull_lies = 1;
    let o = w.publish(DISTROS_DUE, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = w.publish(DISCLOSURE, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "GitHub answered success, but lists no pull request from `herald/cve-2024-1000`"
        ),
        "{}",
        stderr(&o)
    );
    let o = w.publish("2024-04-09T15:10:00Z", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let gh = w.gh_state.lock().unwrap();
    assert_eq!(gh.pulls.len(), 1, "{:?}", gh.pulls);
    assert!(
        w.ledger()
            .contains(&format!("\"pull-request\": \"{}\"", gh.pulls[0].1)),
        "{}",
        w.ledger()
    );
}

#[test]
fn an_update_mail_days_after_its_revision_waits_for_a_person() {
    let w = World::new();
    w.disclose();
    w.revise_with_mail();
    let o = w.herald(&["build", "--now", "2024-04-14T10:00:00Z"], true, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let before = w.smtp.mails().len();
    // Two days late: held back and said so; the GHSA revision still goes.
    let o = w.publish("2024-04-14T10:05:00Z", &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "an [UPDATED] mail would arrive long after its revision; it is not sent unattended"
        ),
        "{}",
        stderr(&o)
    );
    assert_eq!(w.smtp.mails().len(), before);
    // A person decides it should still go.
    let o = w.publish("2024-04-14T10:10:00Z", &["--late", "cve-2024-1000"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(w.smtp.mails().len(), before + 1);
    assert!(w
        .smtp
        .mails()
        .last()
        .expect("mail")
        .data
        .contains("Subject: [UPDATED] "));
}

#[test]
fn a_record_withdrawn_before_it_went_out_is_rejected_once_never_published() {
    let (state, cve) = cve_service(0);
    // The id was not reserved at the disclosure: the record step fails and
    // stays due, while every other channel goes out.
    state.lock().unwrap().reserved.clear();
    let w = World::new().with_cve_services(&cve, BEFORE_NOTICE);
    for now in [ADVANCE_DUE, DISTROS_DUE] {
        let o = w.publish(now, &[]);
        assert_eq!(code(&o), 0, "{now}: {}", stderr(&o));
    }
    let o = w.publish(DISCLOSURE, &[]);
    assert_ne!(code(&o), 0, "the refused record is reported");
    assert!(stderr(&o).contains("CVE_ID_NOT_RESERVED"), "{}", stderr(&o));

    // The id is reserved, but the advisory is withdrawn as invalid first;
    // and the service answers the first rejection with success while
    // keeping nothing.
    state.lock().unwrap().reserved.push("CVE-2024-1000".into());
    state.lock().unwrap().lies = 1;
    let source = w.tree.read("advisories/2024/cve-2024-1000.md");
    w.tree.write(
        "advisories/2024/cve-2024-1000.md",
        &source.replace(
            "component: widgets",
            "component: widgets\nwithdrawn: { at: 2024-04-09T15:30:00Z, reason: Not a vulnerability., reject: true }",
        ),
    );
    let o = w.herald(&["build", "--now", "2024-04-09T15:40:00Z"], true, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = w.publish("2024-04-09T15:45:00Z", &[]);
    assert_ne!(code(&o), 0, "a success not kept is not believed");
    assert!(
        stderr(&o).contains("holds no record of it"),
        "{}",
        stderr(&o)
    );
    for _ in 0..2 {
        let o = w.publish("2024-04-09T15:55:00Z", &[]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }

    let st = state.lock().unwrap();
    assert_eq!(st.rejections.len(), 1, "rejected once");
    assert_eq!(
        st.rejections[0].1["rejectedReasons"][0]["value"],
        "Not a vulnerability."
    );
    assert!(st.updates.is_empty(), "{:?}", st.updates);
    let (_, record) = st
        .records
        .iter()
        .find(|r| r.0 == "CVE-2024-1000")
        .expect("record");
    assert_eq!(
        record["cveMetadata"]["state"], "REJECTED",
        "never published first"
    );
    assert!(st.refused.is_empty(), "{:?}", st.refused);
}

/// A team with GHSAs and nothing else: the GHSA is the disclosure's first
/// step, it points at the advisory's page, and the late hold anchors on it.
#[test]
fn a_team_without_an_announcement_list_publishes_its_ghsa_once_and_holds_it_when_late() {
    let w = World::new();
    let config = format!(
        "site:\n  title: Test Security Advisories\n  base-url: https://security.example.org/\nteam:\n  name: Test Security Team\n  email: security@example.org\n  key: keys/team.asc\nchannels:\n  github: {{ api: \"{}\" }}\n",
        w.gh.url()
    );
    w.tree.write("herald.yaml", &config);
    let o = w.herald(&["build", "--now", BEFORE_NOTICE], true, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let ghsa = w.tree.read(&format!("outbox/cve-2024-1000/ghsa-{GHSA}.md"));
    assert!(
        ghsa.contains("published by Test Security Team at <https://security.example.org/advisories/cve-2024-1000/>."),
        "{ghsa}"
    );
    assert!(!ghsa.contains("signed"), "{ghsa}");

    // Two days late and never tried: held, as an announcement would be.
    let late = "2024-04-11T15:00:00Z";
    let o = w.publish(late, &[]);
    let err = stderr(&o);
    assert!(
        err.contains(&format!("the ghsa:{GHSA} was due at")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "herald ledger record cve-2024-1000 ghsa:{GHSA} --at"
        )),
        "{err}"
    );
    assert!(w
        .gh_state
        .lock()
        .unwrap()
        .advisories
        .iter()
        .all(|a| a.2 != "published"));

    for _ in 0..2 {
        let o = w.publish(late, &["--late", "cve-2024-1000"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    let gh = w.gh_state.lock().unwrap();
    let published: Vec<_> = gh
        .advisories
        .iter()
        .filter(|a| a.2 == "published")
        .collect();
    assert_eq!(published.len(), 1, "published once: {:?}", gh.advisories);
    assert!(w.smtp.mails().is_empty(), "no list, no mail");
}

/// The test advisory with its range corrected: 1.2.3 is affected too.
fn corrected_range(source: &str) -> String {
    source
        .replace("vulnerable: \"< 1.2.3\"", "vulnerable: \"< 1.2.4\"")
        .replace("patched: \">= 1.2.3\"", "patched: \">= 1.2.4\"")
}

/// `corrected` as the revision of 2024-04-12 09:00, mailed or not.
fn as_revision(corrected: &str, mail: bool) -> String {
    let mail = if mail { "\nupdate-mail: true" } else { "" };
    corrected.replace(
        "component: widgets",
        &format!("component: widgets\nupdated: 2024-04-12T09:00:00Z\nchanges: 1.2.3 is affected too; the fix is in 1.2.4.{mail}"),
    )
}

impl World {
    /// Correct the range of the published advisory as a revision that is
    /// also mailed.
    fn revise_with_mail(&self) {
        let source = self.tree.read("advisories/2024/cve-2024-1000.md");
        self.tree.write(
            "advisories/2024/cve-2024-1000.md",
            &as_revision(&corrected_range(&source), true),
        );
    }
}

/// The `--checkpoint` of Herald's own publish workflow, which `herald init`
/// writes for a team too (tests/init.rs holds them equal).
fn workflow_checkpoint() -> String {
    let yml = std::fs::read_to_string(common::repo_root().join(".github/workflows/publish.yml"))
        .expect("workflow");
    common::literal_block(&yml, "CHECKPOINT")
}

#[test]
fn a_runner_lost_after_a_mail_went_out_leaves_its_record_on_the_branch() {
    let w = World::new();
    let checkpoint = workflow_checkpoint();
    // The team's repository, on a remote; the runner's checkout of it.
    let remote = tempfile::tempdir().expect("temp dir");
    git(remote.path(), &["init", "-q", "--bare", "-b", "main"]);
    let runner = w.tree.path();
    std::fs::write(
        runner.join(".gitignore"),
        "/public/\n/outbox/\n/.public.herald/\n/.outbox.herald/\n",
    )
    .expect("write");
    git(runner, &["init", "-q", "-b", "main"]);
    git(runner, &["add", "."]);
    git(runner, &["commit", "-q", "-m", "the tree"]);
    git(
        runner,
        &["remote", "add", "origin", &remote.path().to_string_lossy()],
    );
    git(runner, &["push", "-q", "origin", "main"]);
    let o = w.publish("2024-04-09T14:59:59Z", &["--checkpoint", &checkpoint]);
    assert_eq!(code(&o), 0, "the notices: {}", stderr(&o));
    assert_eq!(w.smtp.mails().len(), 2, "the notices went out");

    // The runner is lost right after the announcement went out: the
    // process dies, and what it recorded after the checkpoint with it.
    let o = w.herald(
        &["publish", "--now", DISCLOSURE, "--checkpoint", &checkpoint],
        false,
        Some("after:cve-2024-1000:announcement"),
    );
    assert!(o.status.code().is_none() || code(&o) != 0, "killed");
    let count = |w: &World| {
        w.subjects()
            .iter()
            .filter(|s| *s == "Security advisory for widgets (CVE-2024-1000)")
            .count()
    };
    assert_eq!(count(&w), 1, "the announcement went out");
    let on_branch = git(remote.path(), &["show", "main:ledger/cve-2024-1000.yaml"]);
    assert!(
        on_branch.contains("\"announcement\":\n    state: started"),
        "{on_branch}"
    );

    // The next run, on a new runner: the branch's ledger says the mail
    // may have gone out, so it asks a person and sends nothing.
    let next = tempfile::tempdir().expect("temp dir");
    git(
        next.path(),
        &["clone", "-q", &remote.path().to_string_lossy(), "tree"],
    );
    let tree = next.path().join("tree");
    let o = w.herald_at(&tree, &["build", "--now", DISCLOSURE], true, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = w.herald_at(
        &tree,
        &["publish", "--now", DISCLOSURE, "--checkpoint", &checkpoint],
        false,
        None,
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("may already have gone out"),
        "{}",
        stderr(&o)
    );
    assert_eq!(count(&w), 1, "never announced twice");

    // A checkpoint that fails sends nothing, and the step stays pending.
    let o = w.herald_at(
        &tree,
        &[
            "publish",
            "--now",
            DISCLOSURE,
            "--confirm-sent",
            "--checkpoint",
            "exit 3",
        ],
        false,
        None,
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cve-2024-1000: oss-security: the checkpoint command failed (exit status: 3); nothing was sent, and the next run tries again"),
        "{}",
        stderr(&o)
    );
    let ledger = std::fs::read_to_string(tree.join("ledger/cve-2024-1000.yaml")).expect("ledger");
    assert!(
        ledger.contains("\"oss-security\":\n    state: pending"),
        "{ledger}"
    );
    assert_eq!(
        w.subjects()
            .iter()
            .filter(|s| s.starts_with("CVE-2024-1000: "))
            .count(),
        0,
        "no oss-security mail"
    );
    let o = w.herald_at(
        &tree,
        &["publish", "--now", DISCLOSURE, "--checkpoint", &checkpoint],
        false,
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(count(&w), 1);
    let on_branch = git(remote.path(), &["show", "main:ledger/cve-2024-1000.yaml"]);
    assert!(
        on_branch.contains("\"oss-security\":\n    state: started"),
        "pushed before it went out: {on_branch}"
    );
}

#[test]
fn the_checkpoint_sees_none_of_the_publishing_secrets() {
    let w = World::new();
    let seen = w.tree.path().join("checkpoint-env.txt");
    let o = w.herald(
        &[
            "publish",
            "--now",
            "2024-04-09T14:59:59Z",
            "--checkpoint",
            &format!("env >> '{}'", seen.display()),
        ],
        true,
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(w.smtp.mails().len(), 2, "the notices went out");
    let env = std::fs::read_to_string(&seen).expect("the checkpoint ran");
    assert!(
        env.contains("HERALD_CHECKPOINT_STEP=cve-2024-1000: distros"),
        "{env}"
    );
    for secret in [
        w.smtp.url().as_str(),
        "gh-test-token",
        "discourse-test-key",
        "security-bot",
        "herald-bot",
        "cve-secret",
        "HERALD_SIGNING_KEY",
    ] {
        assert!(!env.contains(secret), "the checkpoint saw `{secret}`");
    }
}

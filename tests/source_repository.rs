//! The source is secret too: in GitHub Actions, `check`, `build` and
//! `publish` ask GitHub (here a loopback stand-in answering as its REST API
//! does) whether the repository is public, and stop if it is while anything
//! in it is under embargo.

mod common;
#[path = "common/fakes.rs"]
mod fakes;

use std::process::Output;
use std::sync::{Arc, Mutex};

use common::{advisory, code, stderr, Tree};
use fakes::{fault, GitHub, Http, DROP};

const REPO: &str = "example/security";
const NOW: &str = "2026-11-28T06:00:00Z";

struct Setup {
    tree: Tree,
    gh: Http,
    state: Arc<Mutex<GitHub>>,
}

impl Setup {
    /// A tree with one published advisory, plus one under embargo when
    /// `secret`; the repository has `visibility` on the stand-in.
    fn new(visibility: &str, secret: bool) -> Self {
        let tree = Tree::new();
        // The old advisory's history, as a team adopting Herald records it.
        let o = tree.herald(&["ledger", "adopt", "--now", "2025-01-01T00:00:00Z"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        if secret {
            tree.write(
                "advisories/2030/cve-2024-1001.md",
                &advisory(1, "2030-01-08T15:00:00Z"),
            );
        }
        let state = Arc::new(Mutex::new(GitHub {
            repositories: vec![(REPO.into(), visibility.into())],
            ..GitHub::default()
        }));
        let gh = Http::start(fakes::github(state.clone()));
        Setup { tree, gh, state }
    }

    fn run(&self, args: &[&str], token: Option<&str>) -> Output {
        let mut cmd = common::herald_cmd();
        cmd.arg("--root")
            .arg(self.tree.path())
            .args(args)
            .env("GITHUB_REPOSITORY", REPO)
            .env("GITHUB_API_URL", self.gh.url().trim_end_matches('/'));
        if let Some(t) = token {
            cmd.env("GITHUB_TOKEN", t);
        }
        cmd.output().expect("run")
    }

    fn asked(&self) -> Vec<Option<String>> {
        self.gh
            .requests()
            .iter()
            .filter(|r| r.path == format!("/repos/{REPO}"))
            .map(|r| r.header("Authorization").map(str::to_string))
            .collect()
    }
}

fn check(s: &Setup, extra: &[&str]) -> Output {
    let mut args = vec!["check", "--now", NOW];
    args.extend_from_slice(extra);
    s.run(&args, None)
}

fn build(s: &Setup, extra: &[&str]) -> Output {
    let mut args = vec!["build", "--now", NOW];
    args.extend_from_slice(extra);
    s.run(&args, None)
}

#[test]
fn a_public_repository_holding_an_embargoed_advisory_stops_check_and_build() {
    let s = Setup::new("public", true);
    for o in [
        check(&s, &[]),
        build(&s, &[]),
        // The acknowledgement never covers a secret.
        check(&s, &["--public-source"]),
        build(&s, &["--public-source"]),
    ] {
        let err = stderr(&o);
        assert_eq!(code(&o), 1, "{err}");
        assert!(err.contains("example/security is public"), "{err}");
        assert!(err.contains("cve-2024-1001"), "{err}");
        assert!(err.contains("already broken"), "{err}");
    }
    // Nothing was written.
    assert!(!s.tree.path().join("public").exists());
    assert!(!s.tree.path().join("outbox").exists());
    // Each run asked once, anonymously: the world's view.
    assert_eq!(s.asked(), vec![None; 4]);
}

#[test]
fn a_public_repository_with_only_published_advisories_needs_the_acknowledgement() {
    let s = Setup::new("public", false);
    let o = build(&s, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("--public-source"), "{}", stderr(&o));
    assert!(!s.tree.path().join("public").exists());

    let o = build(&s, &["--public-source"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(s.tree.path().join("public/index.html").is_file());
    let o = check(&s, &["--public-source"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn a_private_or_internal_repository_passes_on_the_anonymous_404() {
    for visibility in ["private", "internal"] {
        let s = Setup::new(visibility, true);
        let o = build(&s, &[]);
        assert_eq!(code(&o), 0, "{visibility}: {}", stderr(&o));
        assert!(s.tree.path().join("public/index.html").is_file());
        assert_eq!(s.asked(), vec![None], "{visibility}");
    }
}

#[test]
fn when_the_anonymous_allowance_is_spent_the_token_asks() {
    let s = Setup::new("private", true);
    s.state.lock().unwrap().faults.push_back((
        403,
        vec![("X-RateLimit-Remaining".into(), "0".into())],
        "{\"message\":\"API rate limit exceeded\"}".into(),
    ));
    let o = s.run(&["build", "--now", NOW], Some("ghs_token"));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(s.asked(), vec![None, Some("Bearer ghs_token".to_string())]);

    // A token's view of a public repository is believed too.
    let s = Setup::new("public", true);
    s.state.lock().unwrap().faults.push_back(fault(429));
    s.state.lock().unwrap().faults.push_back(fault(429));
    s.state.lock().unwrap().faults.push_back(fault(429));
    s.state.lock().unwrap().faults.push_back(fault(429));
    let o = s.run(&["check", "--now", NOW], Some("ghs_token"));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("is public"), "{}", stderr(&o));
}

#[test]
fn no_answer_is_a_warning_not_a_verdict() {
    let s = Setup::new("public", true);
    {
        let mut st = s.state.lock().unwrap();
        for _ in 0..4 {
            st.faults.push_back((DROP, vec![], String::new()));
        }
    }
    let o = build(&s, &[]);
    let err = stderr(&o);
    assert_eq!(code(&o), 0, "{err}");
    assert!(
        err.contains(
            "warning: could not learn from GitHub whether the source repository is public"
        ),
        "{err}"
    );
}

#[test]
fn outside_github_actions_nothing_is_asked() {
    let s = Setup::new("public", true);
    let o = s.tree.herald(&["build", "--now", NOW]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(s.gh.requests().is_empty());
}

//! `herald init`: a new team's tree that `herald check` passes as created,
//! with only the channels asked for, and nothing overwritten.

mod common;

use std::path::Path;

use common::{code, git, herald_cmd, literal_block, repo_root, stderr};

const REQUIRED: [&str; 8] = [
    "--team",
    "Tiny Security Team",
    "--email",
    "security@tiny.example",
    "--site",
    "https://security.tiny.example",
    "--announcements",
    "tiny-announce@googlegroups.com",
];

fn init(dir: &Path, extra: &[&str]) -> std::process::Output {
    herald_cmd()
        .arg("init")
        .arg(dir)
        .args(REQUIRED)
        .args(extra)
        .output()
        .expect("run herald")
}

fn in_tree(dir: &Path, args: &[&str]) -> std::process::Output {
    herald_cmd()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run herald")
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .expect("inside")
                .display()
                .to_string()
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_new_tree_passes_check_and_builds_only_the_channels_asked_for() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("advisories-repo");
    let key = repo_root().join("keys/security.asc");
    let o = init(
        &dir,
        &[
            "--blog",
            "https://blog.tiny.example/",
            "--oss-security",
            "--key",
            key.to_str().expect("utf8"),
            "--herald-git",
            "https://example.org/herald.git",
            "--herald-rev",
            "0123abc",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "no secret key was made");
    let year = jiff::Zoned::now().year();
    assert_eq!(
        files(&dir),
        [
            ".github/workflows/check.yml".to_string(),
            ".github/workflows/publish.yml".into(),
            ".gitignore".into(),
            format!("advisories/{year}/example-2099.md"),
            "content/index.md".into(),
            "content/policy.md".into(),
            "herald.yaml".into(),
            "keys/team.asc".into(),
        ]
    );
    assert_eq!(
        std::fs::read(dir.join("keys/team.asc")).expect("key"),
        std::fs::read(&key).expect("key")
    );

    let o = in_tree(&dir, &["check", "--strict"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // From a folder inside the tree, as cargo finds Cargo.toml.
    let o = in_tree(&dir.join("content"), &["check"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    let o = in_tree(&dir, &["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut outbox: Vec<String> = std::fs::read_dir(dir.join("outbox/example-2099"))
        .expect("outbox")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .collect();
    outbox.sort();
    assert_eq!(
        outbox,
        [
            "announcement.eml",
            "announcement.txt",
            "blog.md",
            "manifest.json",
            "oss-security.eml"
        ]
    );
    let o = in_tree(&dir, &["schedule"]);
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains("never sent: forum, cve, distros, advance-notice"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );

    let publish = std::fs::read_to_string(dir.join(".github/workflows/publish.yml")).expect("yml");
    assert!(
        publish
            .contains("HERALD_GIT: \"https://example.org/herald.git\"\n  HERALD_REV: \"0123abc\""),
        "{publish}"
    );
    assert!(publish
        .contains("cargo install --locked --git \"$HERALD_GIT\" --rev \"$HERALD_REV\" herald"));
    assert!(
        !publish.contains("cargo run"),
        "the tree does not build Herald from its own source"
    );
    assert!(
        publish.contains("${{ secrets.HERALD_SIGNING_KEY }}"),
        "{publish}"
    );
}

#[test]
fn without_a_key_a_team_key_is_made_and_its_secret_half_goes_only_to_stdout() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("t");
    let o = init(&dir, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let secret = String::from_utf8(o.stdout).expect("utf8");
    assert!(
        secret.starts_with("-----BEGIN PGP PRIVATE KEY BLOCK-----"),
        "{secret}"
    );
    for f in files(&dir) {
        let text = std::fs::read_to_string(dir.join(&f)).unwrap_or_default();
        assert!(!text.contains("PRIVATE KEY"), "{f} holds the secret key");
    }
    // The secret half signs what the public half in the tree verifies.
    let o = herald_cmd()
        .current_dir(&dir)
        .env("HERALD_SIGNING_KEY", &secret)
        .args(["build"])
        .output()
        .expect("run herald");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = in_tree(
        &dir,
        &["verify", "outbox/example-2099/announcement.txt.asc"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn init_lists_every_missing_flag_and_never_overwrites() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let o = herald_cmd()
        .args(["init"])
        .arg(tmp.path())
        .args(["--team", "T"])
        .output()
        .expect("run");
    assert_eq!(code(&o), 2, "a bad argument");
    assert!(
        stderr(&o).contains("missing --email, --site:"),
        "{}",
        stderr(&o)
    );
    assert!(files(tmp.path()).is_empty(), "nothing was written");

    // One file in the way: nothing at all is written.
    std::fs::write(tmp.path().join(".gitignore"), "mine\n").expect("write");
    let key = repo_root().join("keys/security.asc");
    let o = init(tmp.path(), &["--key", key.to_str().expect("utf8")]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(".gitignore` already exists"),
        "{}",
        stderr(&o)
    );
    assert_eq!(files(tmp.path()), [".gitignore"]);
    assert_eq!(
        std::fs::read_to_string(tmp.path().join(".gitignore")).expect("read"),
        "mine\n"
    );
}

#[test]
fn a_secret_key_given_as_the_team_key_is_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (secret, _, _) = common::sequoia_key();
    let path = tmp.path().join("secret.asc");
    std::fs::write(&path, secret).expect("write");
    let dir = tmp.path().join("t");
    let o = init(&dir, &["--key", path.to_str().expect("utf8")]);
    assert_eq!(code(&o), 2, "a bad argument");
    assert!(
        stderr(&o).contains("holds a secret key, which the site would publish"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.join("herald.yaml").exists());
    // A device is never read.
    let o = init(&dir, &["--key", "/dev/zero"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("is not a regular file"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.join("herald.yaml").exists());
}

#[test]
fn any_team_name_makes_a_valid_tree_and_a_flag_that_cannot_is_refused_first() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let key = repo_root().join("keys/security.asc");
    let dir = tmp.path().join("t");
    let o = herald_cmd()
        .arg("init")
        .arg(&dir)
        .args([
            "--team",
            "Team: \"Quotes\", #hash, {braces} & \\backslash",
            "--email",
            "security@tiny.example",
            "--site",
            "https://security.tiny.example/",
            "--cve-org-id",
            "6b2f1c0e-8d4a-4e57-9a3b-2c1d0e9f8a7b",
            "--key",
            key.to_str().expect("utf8"),
        ])
        .output()
        .expect("run");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = in_tree(&dir, &["check", "--strict"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = in_tree(&dir, &["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let page = std::fs::read_to_string(dir.join("public/index.html")).expect("index");
    assert!(
        page.contains("Team: &quot;Quotes&quot;, #hash, {braces} &amp; \\backslash"),
        "{page}"
    );

    // A flag the config would refuse: said before anything is written.
    let dir = tmp.path().join("v");
    let o = herald_cmd()
        .arg("init")
        .arg(&dir)
        .args(REQUIRED)
        .args([
            "--cve-org-id",
            "not-a-uuid",
            "--key",
            key.to_str().expect("utf8"),
        ])
        .output()
        .expect("run");
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("these flags would make an invalid herald.yaml")
            && stderr(&o).contains("invalid CNA org id `not-a-uuid`"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.exists() || files(&dir).is_empty(), "nothing written");
}

#[test]
fn init_never_writes_through_a_symbolic_link() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let key = repo_root().join("keys/security.asc");
    let outside = tmp.path().join("outside");
    std::fs::create_dir(&outside).expect("mkdir");
    for (link, target) in [
        (".gitignore", outside.join("planted")),
        (".github", outside.clone()),
    ] {
        let dir = tmp.path().join(format!("t{link}"));
        std::fs::create_dir(&dir).expect("mkdir");
        std::os::unix::fs::symlink(&target, dir.join(link)).expect("symlink");
        let o = init(&dir, &["--key", key.to_str().expect("utf8")]);
        assert_eq!(code(&o), 2, "{link}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("is a symbolic link; Herald never writes through one"),
            "{link}: {}",
            stderr(&o)
        );
        assert!(!dir.join("herald.yaml").exists(), "{link}: nothing written");
        assert!(
            files(&outside).is_empty(),
            "{link}: nothing written outside"
        );
    }
}

#[test]
fn a_failure_part_way_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("t");
    std::fs::create_dir(&dir).expect("mkdir");
    // A file where a folder must go: herald.yaml, the key and the pages are
    // written before the example advisory fails.
    std::fs::write(dir.join("advisories"), "not a folder").expect("write");
    let key = repo_root().join("keys/security.asc");
    let o = init(&dir, &["--key", key.to_str().expect("utf8")]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("nothing was left behind"),
        "{}",
        stderr(&o)
    );
    assert_eq!(files(&dir), ["advisories"], "only what was there before");
    assert!(!dir.join("content").exists() && !dir.join("keys").exists());
}

#[test]
fn every_bad_flag_is_reported_at_once_and_nothing_is_written() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("t");
    let key = repo_root().join("keys/security.asc");
    let o = herald_cmd()
        .arg("init")
        .arg(&dir)
        .args([
            "--team",
            "T",
            "--email",
            "not-an-address",
            "--site",
            "https://x.example/",
            "--blog",
            "http://blog.x.example/",
            "--key",
            key.to_str().expect("utf8"),
        ])
        .output()
        .expect("run");
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("invalid mail address `not-an-address`"),
        "{err}"
    );
    assert!(
        err.contains("URL `http://blog.x.example/` must use https"),
        "{err}"
    );
    assert!(!dir.exists(), "nothing written");
}

/// The `run: |` script of the step named `name` in a workflow.
fn step_script(workflow: &str, name: &str) -> String {
    let mut lines = workflow
        .lines()
        .skip_while(|l| l.trim() != format!("- name: {name}"))
        .skip_while(|l| l.trim() != "run: |")
        .skip(1)
        .peekable();
    let indent = lines
        .peek()
        .map(|l| l.len() - l.trim_start().len())
        .expect("a script");
    let script: String = lines
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() >= indent)
        .map(|l| format!("{}\n", l.get(indent..).unwrap_or("")))
        .collect();
    format!("{}\n", script.trim_end())
}

#[test]
fn a_ledger_push_refused_by_someone_elses_push_is_replayed_never_lost() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("t");
    assert_eq!(code(&init(&dir, &[])), 0);
    let generated =
        std::fs::read_to_string(dir.join(".github/workflows/publish.yml")).expect("yml");
    let script = step_script(&generated, "Commit the ledger");
    let own =
        std::fs::read_to_string(repo_root().join(".github/workflows/publish.yml")).expect("yml");
    assert_eq!(
        script,
        step_script(&own, "Commit the ledger"),
        "Herald's own workflow commits the ledger as a new team's does"
    );

    let remote = tmp.path().join("remote.git");
    let (runner, author) = (tmp.path().join("runner"), tmp.path().join("author"));
    git(
        tmp.path(),
        &["init", "-q", "--bare", "-b", "main", "remote.git"],
    );
    std::fs::create_dir_all(&author).expect("dir");
    std::fs::write(author.join("README"), "tree\n").expect("write");
    git(&author, &["init", "-q", "-b", "main"]);
    git(&author, &["add", "."]);
    git(&author, &["commit", "-q", "-m", "start"]);
    git(
        &author,
        &["remote", "add", "origin", &remote.to_string_lossy()],
    );
    git(&author, &["push", "-q", "origin", "main"]);
    git(
        tmp.path(),
        &["clone", "-q", &remote.to_string_lossy(), "runner"],
    );

    // While the run publishes, an author pushes an edit.
    std::fs::write(author.join("README"), "tree, edited\n").expect("write");
    git(&author, &["commit", "-q", "-am", "edit"]);
    git(&author, &["push", "-q", "origin", "main"]);
    std::fs::create_dir_all(runner.join("ledger")).expect("dir");
    std::fs::write(runner.join("ledger/a.yaml"), "announcement: done\n").expect("write");
    // `gh` on GitHub's runners disables the workflow; here a stand-in
    // records what it was asked, or fails as `gh` does without a token.
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).expect("dir");
    let asked = tmp.path().join("gh-asked");
    let gh = bin.join("gh");
    let run = |dir: &Path, gh_works: bool| {
        let body = if gh_works {
            format!("#!/bin/sh\necho \"$@\" >> '{}'\n", asked.display())
        } else {
            "#!/bin/sh\necho 'gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable.' >&2\nexit 4\n".to_string()
        };
        std::fs::write(&gh, body).expect("write");
        std::fs::set_permissions(&gh, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod");
        std::process::Command::new("bash")
            .args(["-e", "-c", &script])
            .current_dir(dir)
            .env("GITHUB_REF_NAME", "main")
            .env("GITHUB_RUN_ID", "4242")
            .env(
                "GITHUB_WORKFLOW_REF",
                "team/advisories/.github/workflows/publish.yml@refs/heads/main",
            )
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    bin.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .output()
            .expect("bash")
    };
    let o = run(&runner, true);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let log = git(&remote, &["log", "--format=%s", "main"]);
    assert_eq!(
        log, "ledger: record published actions\nedit\nstart\n",
        "both pushes are on the branch"
    );
    assert_eq!(
        git(&remote, &["show", "main:ledger/a.yaml"]),
        "announcement: done\n"
    );

    // A hand edit of the same ledger file cannot be merged: the step fails
    // loudly rather than pushing over it or dropping this run's record.
    git(&author, &["pull", "-q", "origin", "main"]);
    std::fs::write(author.join("ledger/a.yaml"), "announcement: adopted\n").expect("write");
    git(&author, &["commit", "-q", "-am", "by hand"]);
    git(&author, &["push", "-q", "origin", "main"]);
    std::fs::write(
        runner.join("ledger/a.yaml"),
        "announcement: done\nforum: done\n",
    )
    .expect("write");
    let o = run(&runner, true);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("::error::the ledger could not be pushed to main"),
        "{out}"
    );
    // The next scheduled run would read the branch's ledger, without this
    // run's record, and send its mails again: the schedule stops.
    assert_eq!(
        std::fs::read_to_string(&asked).expect("gh was run"),
        "workflow disable publish.yml\n"
    );
    assert!(
        out.contains("::error::this workflow is now disabled: commit the ledger artifact of this run (ledger-4242) by hand"),
        "{out}"
    );
    assert_eq!(
        git(&remote, &["show", "main:ledger/a.yaml"]),
        "announcement: adopted\n"
    );
    assert!(
        git(&runner, &["status", "--porcelain"]).is_empty(),
        "no rebase left half done"
    );
    assert_eq!(
        git(&runner, &["show", "HEAD:ledger/a.yaml"]),
        "announcement: done\nforum: done\n",
        "the run's record is kept, to be uploaded"
    );

    // Without `gh` (a token without `actions: write`), the step says so:
    // a person must disable the workflow.
    std::fs::write(
        runner.join("ledger/a.yaml"),
        "announcement: done\nforum: done\nblog: done\n",
    )
    .expect("write");
    let o = run(&runner, false);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("::error::disabling this workflow failed: disable it now, commit the ledger artifact of this run (ledger-4242) by hand"),
        "{out}"
    );
}

#[test]
fn a_new_teams_publish_step_pushes_the_ledger_before_each_mail_as_herald_does() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("t");
    assert_eq!(code(&init(&dir, &[])), 0);
    let generated =
        std::fs::read_to_string(dir.join(".github/workflows/publish.yml")).expect("yml");
    let own =
        std::fs::read_to_string(repo_root().join(".github/workflows/publish.yml")).expect("yml");
    let checkpoint = literal_block(&generated, "CHECKPOINT");
    assert!(checkpoint.contains("git push"), "{checkpoint}");
    assert_eq!(
        checkpoint,
        literal_block(&own, "CHECKPOINT"),
        "tests/publish.rs runs Herald's own, on a real remote"
    );
    assert!(
        generated.contains("run: herald publish --checkpoint \"$CHECKPOINT\""),
        "{generated}"
    );
}

//! `herald init [DIR]`: a new team's tree that `herald check` passes as
//! created, with only the channels the team asked for.
//!
//! Nothing is overwritten and nothing is half-written: every file is
//! planned first, and if any of them exists, none is written.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::Exit;
use crate::load::CONFIG_FILE;
use crate::model::common::parse_https_url;

/// What `herald init` was told on the command line.
#[derive(Debug, Clone, clap::Args)]
pub struct Flags {
    /// Where the tree goes; created if missing. Default: the current folder.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The team's name, e.g. "The Rust Security Response WG".
    #[arg(long)]
    pub team: Option<String>,
    /// The address reports go to, e.g. security@example.org.
    #[arg(long)]
    pub email: Option<String>,
    /// Where the security pages will be served, e.g. https://security.example.org/.
    #[arg(long, value_name = "URL")]
    pub site: Option<String>,
    /// The announcement list's address (a Google Group), for the signed announcements.
    #[arg(long, value_name = "ADDRESS")]
    pub announcements: Option<String>,
    /// The team's blog, for cross-posts (Zola layout).
    #[arg(long, value_name = "URL")]
    pub blog: Option<String>,
    /// The team's Discourse forum, for cross-posts.
    #[arg(long, value_name = "URL")]
    pub forum: Option<String>,
    /// The forum category to post in (its numeric id).
    #[arg(long, value_name = "ID", requires = "forum")]
    pub forum_category: Option<u64>,
    /// Mail each disclosure to oss-security.
    #[arg(long)]
    pub oss_security: bool,
    /// Notify the distros list before disclosures (implies --oss-security, as
    /// the list requires).
    #[arg(long)]
    pub distros: bool,
    /// The team is a CVE Numbering Authority: its org UUID from CVE Services.
    #[arg(long, value_name = "UUID")]
    pub cve_org_id: Option<String>,
    /// The team's public OpenPGP key (`gpg --armor --export`). Without it, a
    /// new Ed25519 team key is made: its public half goes in keys/team.asc,
    /// its secret half to standard output, for a secret store.
    #[arg(long, value_name = "PUBLIC.asc")]
    pub key: Option<PathBuf>,
    /// The git repository the workflows install Herald from.
    #[arg(long, value_name = "URL")]
    pub herald_git: Option<String>,
    /// The commit or tag of that repository the workflows pin.
    #[arg(long, value_name = "REV", requires = "herald_git")]
    pub herald_rev: Option<String>,
}

pub fn run(flags: Flags) -> Exit {
    match init(&flags) {
        Ok(written) => {
            for p in &written {
                eprintln!("  created {}", p.display());
            }
            eprintln!(
                "herald: a new tree in {}; next: `cd {} && herald check`, then read the guide's \"Setting it up for a real team\"",
                flags.dir.display(),
                flags.dir.display()
            );
            Exit::Ok
        }
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Failure
        }
    }
}

fn init(flags: &Flags) -> Result<Vec<PathBuf>, String> {
    let missing: Vec<&str> = [
        ("--team", flags.team.is_none()),
        ("--email", flags.email.is_none()),
        ("--site", flags.site.is_none()),
    ]
    .iter()
    .filter(|(_, absent)| *absent)
    .map(|(k, _)| *k)
    .collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing {}: `herald init DIR --team NAME --email ADDRESS --site URL [--announcements ADDRESS] [channels…]`",
            missing.join(", ")
        ));
    }
    let (team, email, site) = (
        flags.team.clone().unwrap_or_default(),
        flags.email.clone().unwrap_or_default(),
        flags.site.clone().unwrap_or_default(),
    );
    let site = with_slash(parse_https_url(&site).map_err(|e| format!("--site: {e}"))?);
    // Addresses and URLs are judged with the rest of the config below, by
    // the decoder `check` uses.
    if team.chars().any(char::is_control) {
        return Err("--team: one line, without control characters".into());
    }

    let root = &flags.dir;
    if root.join(CONFIG_FILE).exists() {
        return Err(format!(
            "{} already holds a Herald tree ({CONFIG_FILE}); Herald never overwrites a file",
            root.display()
        ));
    }
    let (public_key, secret) = match &flags.key {
        Some(path) => (team_key(path)?, None),
        None => {
            // A secret key on a screen or in a terminal's scrollback is
            // a secret key lost.
            if std::io::stdout().is_terminal() {
                return Err("without --key, Herald makes a team key and prints its secret half: send it somewhere safe, e.g. `herald init … | gh secret set HERALD_SIGNING_KEY`, or pass --key with the team's public key".into());
            }
            let (public, secret) = new_key(&team, &email)?;
            (public, Some(secret))
        }
    };

    // What `check` will read, judged before anything is written: a flag
    // that makes an invalid herald.yaml is reported as such.
    let config_text = config(flags, &team, &email, &site);
    crate::load::judge_config(&config_text)
        .map_err(|e| format!("these flags would make an invalid herald.yaml:\n{e}"))?;
    let year = jiff::Zoned::now().year();
    let files: Vec<(PathBuf, String)> = vec![
        (CONFIG_FILE.into(), config_text),
        ("keys/team.asc".into(), public_key),
        ("content/index.md".into(), index_page(&team)),
        ("content/policy.md".into(), policy_page(&team, &email)),
        (
            format!("advisories/{year}/example-2099.md").into(),
            EXAMPLE.to_string(),
        ),
        (".github/workflows/check.yml".into(), check_workflow(flags)),
        (
            ".github/workflows/publish.yml".into(),
            publish_workflow(flags),
        ),
        (".gitignore".into(), GITIGNORE.to_string()),
    ];
    // Nothing is overwritten, and nothing is written through a symbolic
    // link (a dangling `.gitignore` link, or `.github` pointing out of the
    // tree, would put a file elsewhere): every path below DIR is checked
    // without following links, before the first file is written.
    for (rel, _) in &files {
        super::refuse_links(root, rel)?;
        if root.join(rel).exists() {
            return Err(format!(
                "`{}` already exists; Herald never overwrites a file, so nothing was written",
                root.join(rel).display()
            ));
        }
    }
    // The folders this run creates, so that a failure part-way (a full
    // disk, a file where a folder must go) takes back all it made.
    let mut made: Vec<PathBuf> = Vec::new();
    for (rel, _) in &files {
        for dir in root.join(rel).ancestors().skip(1) {
            if dir.exists() || made.iter().any(|m| m == dir) {
                break;
            }
            made.push(dir.to_path_buf());
        }
    }
    let mut written = Vec::new();
    let result = files.iter().try_for_each(|(rel, text)| {
        let path = root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
        }
        // `create_new` refuses whatever appeared since the check, links
        // included.
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut f| {
                written.push(rel.clone());
                f.write_all(text.as_bytes())
            })
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))
    });
    if let Err(e) = result {
        for rel in &written {
            let _ = std::fs::remove_file(root.join(rel));
        }
        // Deepest first; a folder that is not empty stays.
        made.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        for dir in &made {
            let _ = std::fs::remove_dir(dir);
        }
        return Err(format!("{e}; nothing was left behind"));
    }
    if let Some(secret) = secret {
        let mut out = std::io::stdout().lock();
        out.write_all(secret.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot write the secret key to standard output: {e}"))?;
        eprintln!("herald: the team's secret key went to standard output; store it as the HERALD_SIGNING_KEY secret, and nowhere in the repository");
    }
    Ok(written)
}

fn with_slash(mut url: String) -> String {
    if !url.ends_with('/') {
        url.push('/');
    }
    url
}

/// The team's public key, refused if it holds a secret key: the site
/// publishes this file.
fn team_key(path: &Path) -> Result<String, String> {
    // A key is a few kilobytes; a device or a pipe would be read forever.
    const LIMIT: u64 = 1 << 20;
    let bytes = crate::tree::read_regular(path, &path.display().to_string(), LIMIT)
        .map_err(|e| format!("--key: {e}"))?;
    let certs = crate::signing::read_certs(&bytes)
        .map_err(|e| format!("--key `{}`: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("--key `{}` holds no OpenPGP key", path.display()));
    }
    if certs.iter().any(sequoia_openpgp::Cert::is_tsk) {
        return Err(format!(
            "--key `{}` holds a secret key, which the site would publish; export the public key with `gpg --armor --export`",
            path.display()
        ));
    }
    String::from_utf8(bytes)
        .map_err(|_| format!("--key `{}` is not an armored key", path.display()))
}

/// A new Ed25519 team key: (public, secret), both armored.
fn new_key(team: &str, email: &str) -> Result<(String, String), String> {
    use sequoia_openpgp::cert::{CertBuilder, CipherSuite};
    use sequoia_openpgp::serialize::SerializeInto;
    let (cert, _) = CertBuilder::general_purpose(Some(format!("{team} <{email}>")))
        .set_cipher_suite(CipherSuite::Cv25519)
        .generate()
        .map_err(|e| format!("cannot make a key: {e}"))?;
    let armor = |bytes: sequoia_openpgp::Result<Vec<u8>>| {
        bytes
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| "cannot armor the new key".to_string())
    };
    let public = armor(cert.armored().to_vec())?;
    let secret = armor(cert.as_tsk().armored().to_vec())?;
    Ok((public, secret))
}

fn config(flags: &Flags, team: &str, email: &str, site: &str) -> String {
    // Every value from a flag is quoted: a `:`, `#`, `,` or `}` in it must
    // not end the scalar.
    let q = super::yaml_str;
    let title = q(&format!("{team} security advisories"));
    let (team, email, site) = (q(team), q(email), q(site));
    let mut c = format!(
        r#"# Herald's configuration: docs/guide/configuration.md in Herald's repository has every key.
site:
  title: {title}
  base-url: {site}   # where public/ is served
team:
  name: {team}
  email: {email}
  key: keys/team.asc        # the public key; the secret one lives in the HERALD_SIGNING_KEY secret
  zone: UTC                 # the team's zone, for business days
channels:
"#
    );
    if let Some(list) = &flags.announcements {
        let group = q(list.split('@').next().unwrap_or_default());
        let list = q(list);
        c.push_str(&format!(
            "  # The signed announcement is the official advisory; every other text links to it.\n  announcements: {{ address: {list}, group: {group} }}\n"
        ));
    }
    if let Some(blog) = &flags.blog {
        c.push_str(&format!(
            "  blog: {{ base-url: {} }}\n",
            q(&with_slash(blog.clone()))
        ));
    }
    if let Some(forum) = &flags.forum {
        let category = flags
            .forum_category
            .map(|n| format!(", category: {n}"))
            .unwrap_or_default();
        c.push_str(&format!(
            "  forum: {{ base-url: {}{category} }}\n",
            q(&with_slash(forum.clone()))
        ));
    }
    if flags.oss_security || flags.distros {
        c.push_str("  oss-security: { address: oss-security@lists.openwall.com }\n");
    }
    if let Some(org) = &flags.cve_org_id {
        c.push_str(&format!(
            "  cve: {{ org-id: {}, vendor: {team} }}   # add org-short-name to publish through CVE Services\n",
            q(org)
        ));
    }
    if flags.distros {
        c.push_str("  distros: { address: distros@vs.openwall.org }\n");
    }
    c.push_str(
        "  # Left out channels produce no texts and no publish steps; `herald schedule` lists them.\n  # advance-notice: { recipients: [security@example-distro.org] }\n",
    );
    c
}

fn index_page(team: &str) -> String {
    format!(
        "---\ntitle: Security advisories\n---\n\nEvery security advisory published by {team}. To report a vulnerability,\nread the [security policy](policy/). Announcements are signed with the\nteam's OpenPGP key.\n"
    )
}

fn policy_page(team: &str, email: &str) -> String {
    format!(
        r#"---
title: Security policy
weight: 1
---

Thank you for taking the time to disclose a security issue to us
responsibly.

## Reporting a vulnerability

Send security reports by email to [{email}](mailto:{email}). {team}
acknowledges each report within two working days, and tells you what
happens next.

## Disclosure process

The team confirms the issue, prepares a fix, and agrees a disclosure date
with the reporter. Distributions may be told a few days before that date,
under embargo. On the date, the advisory is published here and mailed,
signed with the team's key, to the announcements list.
"#
    )
}

/// An advisory far under embargo, so that it shows every part of an
/// advisory and can never go out by accident before it is deleted.
const EXAMPLE: &str = r#"---
kind: advisory
title: Example advisory for the parser (CVE-2099-0001)
summary: An example advisory under embargo until 2099, to show the format; delete it before the first real one
cves: [CVE-2099-0001]
embargo: 2099-06-09T15:00:00Z
severity: medium
component: parser
affected:
  - package: example-parser
    vulnerable: "< 1.4.2"
    patched: ">= 1.4.2"
credits:
  - { name: Alex Example, type: reporter }
---

The security team learned that the parser read past the end of its input
when a document ended inside a comment. A crafted document could make a
program that parses untrusted input crash.

## Overview

The parser looked for the end of a comment without checking for the end of
the input first. A document that ends inside a comment made it read one byte
too far.

## Mitigations

Upgrade to version 1.4.2, which checks for the end of the input first.

## Affected Versions

Every version before 1.4.2 is affected.

## Acknowledgments

We thank Alex Example for reporting this issue.
"#;

const GITIGNORE: &str = "# Built by Herald: public/ is deployed by CI, outbox/ is private.
/public
/outbox
/.herald-preview
/.public.herald
/.outbox.herald
/.herald-preview.herald
/ledger/.lock
";

/// The install step, pinned to one Herald: a tree is checked and published
/// by the Herald it was written for, not by whatever is newest.
fn install(flags: &Flags) -> String {
    let git = flags.herald_git.clone().unwrap_or_default();
    let rev = flags.herald_rev.clone().unwrap_or_default();
    format!(
        r#"env:
  # The Herald this tree is checked and published with: a git repository and
  # a commit or tag of it. Change both together, after reading its changes.
  HERALD_GIT: "{git}"
  HERALD_REV: "{rev}"
"#
    )
}

const INSTALL_STEPS: &str = r#"      - uses: dtolnay/rust-toolchain@stable
      - uses: actions/cache@v5
        with:
          path: ~/.cargo/bin/herald
          key: herald-${{ env.HERALD_GIT }}-${{ env.HERALD_REV }}
      - name: Install Herald (pinned)
        run: |
          if [ -z "$HERALD_GIT" ] || [ -z "$HERALD_REV" ]; then
            echo "::error::set HERALD_GIT and HERALD_REV at the top of this workflow"
            exit 1
          fi
          command -v herald >/dev/null || cargo install --locked --git "$HERALD_GIT" --rev "$HERALD_REV" herald
"#;

fn check_workflow(flags: &Flags) -> String {
    format!(
        r#"# Checks every pull request: findings appear on their lines.
name: check
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: read
{env}jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
{INSTALL_STEPS}      - run: herald check --format github
"#,
        env = install(flags)
    )
}

/// The publish step's `--checkpoint`: pushes the ledger before each mail
/// (see `publish::checkpoint`). A push refused because someone pushed
/// meanwhile is replayed on top of theirs; a failure sends nothing.
const CHECKPOINT: &str = r#"          # Before each mail goes out, the ledger that says so is pushed: a
          # runner lost after sending leaves the record on the branch, and the
          # next run asks a person instead of sending the mail again.
          CHECKPOINT: |
            set -e
            git add ledger/
            if ! git diff --cached --quiet; then
              git -c user.name=herald-publish -c user.email=herald-publish@users.noreply.github.com \
                commit -q -m "ledger: $HERALD_CHECKPOINT_STEP is going out"
            fi
            branch="${GITHUB_REF_NAME:?}"
            if ! git push -q origin "HEAD:refs/heads/$branch"; then
              git -c user.name=herald-publish -c user.email=herald-publish@users.noreply.github.com \
                pull -q --rebase origin "$branch" || { git rebase --abort; exit 1; }
              git push -q origin "HEAD:refs/heads/$branch"
            fi
"#;

/// The publish workflow's last word on the ledger. A push refused because
/// someone pushed during the run is replayed on top of theirs, never
/// dropped: the next run reads the ledger from the branch, and a ledger
/// lost there is every mail of this run sent again. A conflict (a hand
/// edit of the same ledger file) stops with an error, and the step after
/// it keeps the ledger as an artifact.
const COMMIT_LEDGER: &str = r#"        run: |
          git config user.name "herald-publish"
          git config user.email "herald-publish@users.noreply.github.com"
          if [ -d ledger ]; then git add ledger/; fi
          if git diff --cached --quiet; then exit 0; fi
          git commit -q -m "ledger: record published actions"
          branch="${GITHUB_REF_NAME:?}"
          for attempt in 1 2 3 4 5; do
            if git push -q origin "HEAD:refs/heads/$branch"; then exit 0; fi
            sleep "$attempt"
            if ! git pull -q --rebase origin "$branch"; then
              git rebase --abort || true
              break
            fi
          done
          echo "::error::the ledger could not be pushed to $branch: the next run would send this run's mails again"
          # So the schedule stops here until a person has committed it.
          workflow="${GITHUB_WORKFLOW_REF%%@*}"
          if gh workflow disable "${workflow##*/}"; then
            echo "::error::this workflow is now disabled: commit the ledger artifact of this run (ledger-$GITHUB_RUN_ID) by hand, then enable the workflow again"
          else
            echo "::error::disabling this workflow failed: disable it now, commit the ledger artifact of this run (ledger-$GITHUB_RUN_ID) by hand, then enable it again"
          fi
          exit 1
"#;

fn publish_workflow(flags: &Flags) -> String {
    format!(
        r#"# Publishes what is due, every 10 minutes: builds the site and the signed
# outbox, sends each due action once, commits the ledger, deploys the site.
# Keep this repository private: it holds every advisory under embargo.
name: publish
on:
  schedule:
    - cron: "*/10 * * * *"
  workflow_dispatch:
concurrency:
  group: herald-publish
  cancel-in-progress: false
permissions:
  contents: write
  pages: write
  id-token: write
  actions: write
{env}jobs:
  publish:
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{{{ steps.deploy.outputs.page_url }}}}
    steps:
      - uses: actions/checkout@v5
{INSTALL_STEPS}      - name: Build the site and the signed outbox
        env:
          HERALD_SIGNING_KEY: ${{{{ secrets.HERALD_SIGNING_KEY }}}}
          HERALD_SIGNING_PASSPHRASE: ${{{{ secrets.HERALD_SIGNING_PASSPHRASE }}}}
        run: herald build
      - name: Publish what is due
        env:
          HERALD_SMTP_URL: ${{{{ secrets.HERALD_SMTP_URL }}}}
          GITHUB_TOKEN: ${{{{ secrets.HERALD_GITHUB_TOKEN }}}}
          DISCOURSE_API_KEY: ${{{{ secrets.DISCOURSE_API_KEY }}}}
          DISCOURSE_API_USERNAME: ${{{{ secrets.DISCOURSE_API_USERNAME }}}}
          HERALD_CVE_API_USER: ${{{{ secrets.HERALD_CVE_API_USER }}}}
          HERALD_CVE_API_KEY: ${{{{ secrets.HERALD_CVE_API_KEY }}}}
{CHECKPOINT}        run: herald publish --checkpoint "$CHECKPOINT"
      - name: Commit the ledger
        id: ledger
        # Also after a failed step: what did go out must be recorded.
        if: ${{{{ always() }}}}
        env:
          # To disable this workflow when the ledger cannot be pushed.
          GH_TOKEN: ${{{{ github.token }}}}
          GH_REPO: ${{{{ github.repository }}}}
{COMMIT_LEDGER}      - name: Keep the ledger that could not be pushed
        if: ${{{{ always() && steps.ledger.outcome == 'failure' }}}}
        uses: actions/upload-artifact@v6
        with:
          name: ledger-${{{{ github.run_id }}}}
          path: ledger/
      - uses: actions/upload-pages-artifact@v4
        with:
          path: public
      - id: deploy
        uses: actions/deploy-pages@v5
"#,
        env = install(flags)
    )
}

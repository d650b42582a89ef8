//! A throwaway Herald tree for integration tests, and the binary to run on it.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

pub const CONFIG: &str = "site:
  title: Test Security Advisories
  base-url: https://security.example.org/
team:
  name: Test Security Team
  email: security@example.org
  key: keys/team.asc
channels:
  announcements: { address: announce@googlegroups.com, group: test-announce }
  blog: { base-url: https://blog.example.org/ }
  forum: { base-url: https://forum.example.org/, category: 7 }
  oss-security: { address: oss-security@lists.openwall.com }
  distros: { address: distros@vs.openwall.org }
";

/// The example team's public key (its secret half was never kept).
pub const KEY: &str = include_str!("../../keys/security.asc");

pub const ADVISORY: &str = "---
kind: advisory
title: Security advisory for widgets (CVE-2024-1000)
summary: Widgets overflow
cves: [CVE-2024-1000]
embargo: 2024-04-09T15:00:00Z
severity: high
component: widgets
affected:
  - package: widgets
    vulnerable: \"< 1.2.3\"
    patched: \">= 1.2.3\"
---

Widgets could overflow.

## Overview

Details.
";

/// An advisory with the given slug-ish number, CVE and embargo.
pub fn advisory(n: u32, embargo: &str) -> String {
    ADVISORY
        .replace("CVE-2024-1000", &format!("CVE-2024-{}", 1000 + n))
        .replace("2024-04-09T15:00:00Z", embargo)
        .replace("widgets (", &format!("widgets number {n} ("))
}

pub struct Tree {
    pub dir: TempDir,
}

impl Tree {
    /// herald.yaml, a key and one published advisory.
    pub fn new() -> Self {
        let t = Tree {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        t.write("herald.yaml", CONFIG);
        t.write("keys/team.asc", KEY);
        t.write("advisories/2024/cve-2024-1000.md", ADVISORY);
        t
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        self.write_bytes(rel, text.as_bytes());
    }

    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, bytes).expect("write");
    }

    /// Point herald.yaml at the theme `themes/<name>/`.
    pub fn use_theme(&self, name: &str) {
        self.write(
            "herald.yaml",
            &CONFIG.replace(
                "  base-url: https://security.example.org/",
                &format!("  base-url: https://security.example.org/\n  theme: {name}"),
            ),
        );
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    pub fn herald(&self, args: &[&str]) -> Output {
        herald_in(self.path(), args)
    }

    pub fn build(&self, now: &str) -> Output {
        self.herald(&["build", "--now", now])
    }

    /// `herald build --site-only` at `now` into `out`, outside the tree.
    pub fn build_site_into(&self, now: &str, out: &Path) -> Output {
        let out = out.to_str().expect("UTF-8 path");
        self.herald(&["build", "--site-only", "--now", now, "--out", out])
    }

    /// Every file under `rel` with its bytes, for before/after comparisons.
    pub fn snapshot(&self, rel: &str) -> BTreeMap<PathBuf, Vec<u8>> {
        snapshot_of(&self.path().join(rel))
    }

    /// Every file under `rel` whose text contains `needle`.
    pub fn grep(&self, rel: &str, needle: &str) -> Vec<PathBuf> {
        self.snapshot(rel)
            .into_iter()
            .filter(|(_, b)| String::from_utf8_lossy(b).contains(needle))
            .map(|(p, _)| p)
            .collect()
    }
}

/// Every file under `base` with its bytes, by path relative to `base`.
pub fn snapshot_of(base: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(base)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let bytes = std::fs::read(e.path()).expect("read");
            (
                e.path().strip_prefix(base).expect("prefix").to_path_buf(),
                bytes,
            )
        })
        .collect()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// A key made by sequoia: Ed25519, no passphrase. (secret, public, fingerprint)
pub fn sequoia_key() -> (String, Vec<u8>, String) {
    use sequoia_openpgp::cert::CertBuilder;
    use sequoia_openpgp::serialize::SerializeInto;
    let (cert, _) = CertBuilder::general_purpose(Some("Test Team <security@example.org>"))
        .set_cipher_suite(sequoia_openpgp::cert::CipherSuite::Cv25519)
        .generate()
        .expect("generate");
    let secret = String::from_utf8(cert.as_tsk().armored().to_vec().expect("armor")).expect("utf8");
    let public = cert.armored().to_vec().expect("armor");
    (secret, public, cert.fingerprint().to_hex())
}

/// The repository itself: its example advisories, pages and key.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `herald` binary, with nothing taken from the environment that would
/// change what it does: no signing key, failpoint or backtrace setting, and
/// no GitHub Actions variables (which would make it ask GitHub about the
/// repository the suite runs in).
pub fn herald_cmd() -> Command {
    let mut cmd = Command::cargo_bin("herald").expect("binary");
    for var in [
        "RUST_BACKTRACE",
        "HERALD_SIGNING_KEY",
        "HERALD_SIGNING_PASSPHRASE",
        "HERALD_FAILPOINT",
        "GITHUB_ACTIONS",
        "GITHUB_REPOSITORY",
        "GITHUB_API_URL",
        "GITHUB_TOKEN",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// `herald --root ROOT ARGS`, as [`herald_cmd`] runs it.
pub fn herald_in<I, S>(root: &Path, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    herald_cmd()
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .expect("run herald")
}

/// `herald --root <the repository> ARGS`.
pub fn on_examples<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    herald_in(repo_root(), args)
}

/// Assert that `o` failed on its input (exit 1) and said `needle`.
pub fn assert_fails_with(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(code(o), 1, "{err}");
    assert!(err.contains(needle), "expected `{needle}` in:\n{err}");
}

/// The literal block under `key: |` in `yml`.
pub fn literal_block(yml: &str, key: &str) -> String {
    let mut lines = yml
        .lines()
        .skip_while(|l| l.trim() != format!("{key}: |"))
        .skip(1)
        .peekable();
    let indent = lines
        .peek()
        .map(|l| l.len() - l.trim_start().len())
        .expect("a block");
    lines
        .take_while(|l| l.len() - l.trim_start().len() >= indent)
        .map(|l| format!("{}\n", &l[indent..]))
        .collect()
}

/// `git args` in `dir`, as a fixed author; its output.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let o = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.org")
        .output()
        .expect("git");
    assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

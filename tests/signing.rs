//! Signing, checked with real GnuPG in throwaway homes.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{code, stderr, Tree};

/// A throwaway GnuPG home.
struct Gpg {
    home: tempfile::TempDir,
}

impl Gpg {
    fn new() -> Self {
        Gpg {
            home: tempfile::tempdir().expect("gnupg home"),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("gpg")
            .arg("--homedir")
            .arg(self.home.path())
            .args(["--batch", "--no-tty", "--pinentry-mode", "loopback"])
            .args(args)
            .output()
            .expect("gpg is installed (apt-get install gnupg)")
    }

    /// Make a key; returns its fingerprint.
    fn generate(&self, uid: &str, algo: &str, passphrase: &str) -> String {
        let o = self.run(&[
            "--passphrase",
            passphrase,
            "--quick-gen-key",
            uid,
            algo,
            "sign",
            "0",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let o = self.run(&["--with-colons", "--fingerprint", uid]);
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .find_map(|l| {
                l.strip_prefix("fpr:")
                    .map(|r| r.trim_matches(':').to_string())
            })
            .expect("fingerprint")
    }

    fn export_public(&self, fpr: &str) -> Vec<u8> {
        let o = self.run(&["--armor", "--export", fpr]);
        assert!(o.status.success());
        o.stdout
    }

    fn export_secret(&self, fpr: &str, passphrase: &str) -> Vec<u8> {
        let o = self.run(&[
            "--passphrase",
            passphrase,
            "--armor",
            "--export-secret-keys",
            fpr,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o.stdout
    }

    /// `gpg --verify` in a fresh home that knows only `public`.
    fn verify_with(public: &[u8], signed: &Path) -> Output {
        let v = Gpg::new();
        let key = v.home.path().join("key.asc");
        std::fs::write(&key, public).expect("write");
        assert!(v
            .run(&["--import", key.to_str().expect("utf8")])
            .status
            .success());
        v.run(&["--verify", signed.to_str().expect("utf8")])
    }
}

/// (secret bytes, public, fingerprint), as the tests below use them.
fn sequoia_key() -> (Vec<u8>, Vec<u8>, String) {
    let (secret, public, fpr) = common::sequoia_key();
    (secret.into_bytes(), public, fpr)
}

fn herald(dir: &Path, args: &[&str], key: Option<&str>, passphrase: Option<&str>) -> Output {
    let mut cmd = common::herald_cmd();
    cmd.current_dir(dir);
    if let Some(k) = key {
        cmd.env("HERALD_SIGNING_KEY", k);
    }
    if let Some(p) = passphrase {
        cmd.env("HERALD_SIGNING_PASSPHRASE", p);
    }
    cmd.args(args).output().expect("run")
}

const TRICKY: &str = "-----BEGIN PGP SIGNED MESSAGE-----? no, just text\n- a line that starts with a dash\nFrom the team: a line that starts with From\ntrailing spaces   \nnon-ASCII: Grüße, ☃, 漢字\nno final newline";

/// Sign `TRICKY` with `herald sign`, then check it with gpg and herald.
fn sign_and_verify(secret_env: &str, passphrase: Option<&str>, public: &[u8], fpr: &str) {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("text.txt"), TRICKY).expect("write");
    std::fs::write(dir.path().join("pub.asc"), public).expect("write");
    let o = herald(
        dir.path(),
        &["sign", "text.txt"],
        Some(secret_env),
        passphrase,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let asc = dir.path().join("text.txt.asc");
    let signed = std::fs::read_to_string(&asc).expect("signed");
    assert!(
        signed.starts_with("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA"),
        "{signed}"
    );
    assert!(
        signed.contains("\n- -----BEGIN PGP SIGNED MESSAGE-----? no"),
        "dash-escaped"
    );
    assert!(
        signed.contains("\n- - a line that starts with a dash\n"),
        "dash-escaped"
    );
    assert!(signed.contains("Grüße, ☃, 漢字"));
    let g = Gpg::verify_with(public, &asc);
    assert!(
        g.status.success(),
        "gpg --verify failed: {}",
        String::from_utf8_lossy(&g.stderr)
    );
    assert!(String::from_utf8_lossy(&g.stderr).contains("Good signature"));
    let o = herald(
        dir.path(),
        &["verify", "text.txt.asc", "--key", "pub.asc"],
        None,
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), fpr);

    // Tampering is caught by both.
    let tampered = signed.replace("Grüße", "Grusse");
    std::fs::write(&asc, tampered).expect("write");
    assert!(
        !Gpg::verify_with(public, &asc).status.success(),
        "gpg accepted a tampered file"
    );
    let o = herald(
        dir.path(),
        &["verify", "text.txt.asc", "--key", "pub.asc"],
        None,
        None,
    );
    common::assert_fails_with(&o, "bad signature");
}

#[test]
fn ed25519_key_made_by_sequoia() {
    let (secret, public, fpr) = sequoia_key();
    sign_and_verify(
        &String::from_utf8(secret).expect("armor"),
        None,
        &public,
        &fpr,
    );
}

#[test]
fn ed25519_key_made_by_gpg_given_as_a_path() {
    let g = Gpg::new();
    let fpr = g.generate("GPG Ed <ed@example.org>", "ed25519", "");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("secret.asc");
    std::fs::write(&path, g.export_secret(&fpr, "")).expect("write");
    sign_and_verify(
        path.to_str().expect("utf8"),
        None,
        &g.export_public(&fpr),
        &fpr,
    );
}

#[test]
fn rsa_key_made_by_gpg() {
    let g = Gpg::new();
    let fpr = g.generate("GPG RSA <rsa@example.org>", "rsa2048", "");
    let secret = String::from_utf8(g.export_secret(&fpr, "")).expect("armor");
    sign_and_verify(&secret, None, &g.export_public(&fpr), &fpr);
}

#[test]
fn passphrase_protected_key() {
    let g = Gpg::new();
    let fpr = g.generate(
        "GPG Locked <locked@example.org>",
        "ed25519",
        "correct horse",
    );
    let secret = String::from_utf8(g.export_secret(&fpr, "correct horse")).expect("armor");
    assert!(secret.contains("PRIVATE KEY"));
    sign_and_verify(&secret, Some("correct horse"), &g.export_public(&fpr), &fpr);

    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("t.txt"), "x").expect("write");
    let o = herald(dir.path(), &["sign", "t.txt"], Some(&secret), None);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("protected by a passphrase; set HERALD_SIGNING_PASSPHRASE"),
        "{}",
        stderr(&o)
    );
    let o = herald(dir.path(), &["sign", "t.txt"], Some(&secret), Some("wrong"));
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("does not unlock the signing key"),
        "{}",
        stderr(&o)
    );
    // The secret never shows up in what herald prints.
    let body: String = secret.lines().nth(3).expect("armor line").to_string();
    assert!(!stderr(&o).contains(&body) && !String::from_utf8_lossy(&o.stdout).contains(&body));
    assert!(!dir.path().join("t.txt.asc").exists());
}

/// A test tree whose team key is `public`.
/// `herald build` with the secret key, which must succeed.
fn build_signed(t: &Tree, secret: &str) -> Output {
    let o = herald(
        t.path(),
        &["build", "--now", "2025-01-01T00:00:00Z"],
        Some(secret),
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    o
}

fn tree_with_key(public: &[u8]) -> Tree {
    let t = Tree::new();
    t.write_bytes("keys/team.asc", public);
    t
}

#[test]
fn build_signs_every_announcement_so_that_gpg_verifies_it() {
    let (secret, public, fpr) = sequoia_key();
    let t = tree_with_key(&public);
    t.write(
        "advisories/2024/pre.md",
        "---\nkind: pre-announcement\ntitle: Security release for widgets 1.2.3\nrelease: 2024-04-09T15:00:00Z\nseverity: high\ncomponent: widgets\nadvisory: cve-2024-1000\n---\n\nA release is coming.\n",
    );
    let secret = String::from_utf8(secret).expect("armor");
    let o = build_signed(&t, &secret);
    assert!(stderr(&o).contains(" kept unrendered; signed; private: never deploy it)"));
    for slug in ["cve-2024-1000", "pre"] {
        let asc = t.path().join(format!("outbox/{slug}/announcement.txt.asc"));
        let g = Gpg::verify_with(&public, &asc);
        assert!(
            g.status.success(),
            "{slug}: {}",
            String::from_utf8_lossy(&g.stderr)
        );
        let eml = t.read(&format!("outbox/{slug}/announcement.eml"));
        assert!(eml.contains("Content-Type: multipart/mixed;"), "{eml}");
        assert!(
            eml.contains("Content-Disposition: attachment; filename=\"announcement.txt.asc\""),
            "{eml}"
        );
        let manifest: serde_json::Value =
            serde_json::from_str(&t.read(&format!("outbox/{slug}/manifest.json"))).expect("json");
        assert_eq!(manifest["signed"], true);
        let o = herald(
            t.path(),
            &["verify", &format!("outbox/{slug}/announcement.txt.asc")],
            None,
            None,
        );
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), fpr);
    }
    // The text inside the signature is the unsigned announcement.
    let text = t.read("outbox/cve-2024-1000/announcement.txt");
    let asc = t.read("outbox/cve-2024-1000/announcement.txt.asc");
    assert!(asc.contains(text.lines().next().expect("first line")));
}

#[test]
fn a_key_other_than_the_team_key_is_refused() {
    let (_, team_public, _) = sequoia_key();
    let (other_secret, _, other_fpr) = sequoia_key();
    let t = tree_with_key(&team_public);
    let other = String::from_utf8(other_secret).expect("armor");
    let o = herald(
        t.path(),
        &["build", "--now", "2025-01-01T00:00:00Z"],
        Some(&other),
        None,
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("the signing key {other_fpr} is not the team key")),
        "{}",
        stderr(&o)
    );
    assert!(!t.path().join("outbox").exists() && !t.path().join("public").exists());
    t.write("note.txt", "x");
    let o = herald(t.path(), &["sign", "note.txt"], Some(&other), None);
    assert_eq!(code(&o), 2);
    assert!(!t.path().join("note.txt.asc").exists());
}

#[test]
fn without_a_key_the_outbox_is_marked_unsigned() {
    let t = Tree::new();
    let o = t.build("2025-01-01T00:00:00Z");
    assert_eq!(code(&o), 0);
    assert!(stderr(&o).contains("warning: HERALD_SIGNING_KEY is not set: the announcements are unsigned, and publish will refuse to send them"));
    assert!(!t
        .path()
        .join("outbox/cve-2024-1000/announcement.txt.asc")
        .exists());
    let manifest: serde_json::Value =
        serde_json::from_str(&t.read("outbox/cve-2024-1000/manifest.json")).expect("json");
    assert_eq!(manifest["signed"], false);
}

#[test]
fn a_secret_key_file_is_never_published() {
    let (secret, _, _) = sequoia_key();
    let t = tree_with_key(&secret);
    let o = t.build("2025-01-01T00:00:00Z");
    common::assert_fails_with(&o, "contains a secret key; the site would publish it");
    assert!(!t.path().join("public").exists());
    // The same key unarmored (`gpg --export-secret-keys` without --armor)
    // carries no armor header to spot.
    let binary = {
        use sequoia_openpgp::parse::Parse;
        use sequoia_openpgp::serialize::SerializeInto;
        let cert = sequoia_openpgp::Cert::from_bytes(&secret).expect("key");
        let bytes = cert.as_tsk().to_vec().expect("binary");
        bytes
    };
    let t = tree_with_key(&binary);
    let o = t.build("2025-01-01T00:00:00Z");
    common::assert_fails_with(&o, "contains a secret key; the site would publish it");
    assert!(!t.path().join("public").exists());
}

#[test]
fn the_site_publishes_the_key_and_its_fingerprint() {
    let t = Tree::new();
    t.write(
        "content/policy.md",
        "---\ntitle: Policy\n---\n\nReport to us.\n",
    );
    assert_eq!(code(&t.build("2025-01-01T00:00:00Z")), 0);
    assert_eq!(t.read("public/keys/team.asc"), common::KEY);
    let policy = t.read("public/policy/index.html");
    assert!(policy.contains("<code>0F942EB05131B0E904852872ADF6FBD9B70DD41C</code>"));
    assert!(policy.contains("gpg --verify announcement.txt.asc"));
}

/// Every part of a mail that carries a clearsigned text, decoded as a
/// mail reader decodes it, with its transfer encoding.
fn signed_parts(eml: &[u8]) -> Vec<(String, Vec<u8>)> {
    fn walk(p: &mailparse::ParsedMail, out: &mut Vec<(String, Vec<u8>)>) {
        if p.subparts.is_empty() {
            let body = p.get_body_raw().expect("body");
            if body.starts_with(b"-----BEGIN PGP SIGNED MESSAGE-----") {
                let cte = mailparse::MailHeaderMap::get_first_value(
                    p.headers.as_slice(),
                    "Content-Transfer-Encoding",
                )
                .unwrap_or_default();
                out.push((cte, body));
            }
        }
        for s in &p.subparts {
            walk(s, out);
        }
    }
    let mut out = Vec::new();
    walk(&mailparse::parse_mail(eml).expect("mail"), &mut out);
    out
}

#[test]
fn signed_mails_verify_as_received_whether_7bit_or_quoted_printable() {
    let (secret, public, _) = sequoia_key();
    let secret = String::from_utf8(secret).expect("armor");
    let long = format!(
        "See https://example.org/{} for the = sign.",
        "a".repeat(100)
    );
    for (text, cte) in [
        (long.as_str(), "7bit"),
        ("Thanks to Jos\u{e9} M\u{fc}ller.", "quoted-printable"),
    ] {
        let t = tree_with_key(&public);
        t.write(
            "advisories/2024/cve-2024-1000.md",
            &common::ADVISORY.replace(
                "Widgets could overflow.",
                &format!("Widgets could overflow. {text}"),
            ),
        );
        build_signed(&t, &secret);
        let eml =
            std::fs::read(t.path().join("outbox/cve-2024-1000/announcement.eml")).expect("eml");
        let parts = signed_parts(&eml);
        assert!(!parts.is_empty(), "no signed part in the mail");
        for (i, (got, body)) in parts.iter().enumerate() {
            assert!(
                got.eq_ignore_ascii_case(cte) || got.is_empty() && cte == "7bit",
                "part {i}: {got}, expected {cte}"
            );
            let file = t.path().join(format!("received-{i}.asc"));
            std::fs::write(&file, body).expect("write");
            let g = Gpg::verify_with(&public, &file);
            assert!(
                g.status.success(),
                "{cte} part {i}: {}",
                String::from_utf8_lossy(&g.stderr)
            );
        }
    }
}

#[test]
fn oss_security_in_full_form_is_the_signed_announcement_and_verifies() {
    let (secret, public, _) = sequoia_key();
    let secret = String::from_utf8(secret).expect("armor");
    let t = tree_with_key(&public);
    t.write(
        "herald.yaml",
        &common::CONFIG.replace(
            "oss-security: { address: oss-security@lists.openwall.com }",
            "oss-security: { address: oss-security@lists.openwall.com, form: full }",
        ),
    );
    build_signed(&t, &secret);
    let eml = std::fs::read(t.path().join("outbox/cve-2024-1000/oss-security.eml")).expect("eml");
    let parts = signed_parts(&eml);
    assert_eq!(
        parts.len(),
        2,
        "the body is the clearsigned announcement, also attached"
    );
    let file = t.path().join("oss.asc");
    std::fs::write(&file, &parts[0].1).expect("write");
    let g = Gpg::verify_with(&public, &file);
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
    let signed = t.read("outbox/cve-2024-1000/announcement.txt.asc");
    assert_eq!(
        String::from_utf8_lossy(&parts[0].1).replace("\r\n", "\n"),
        signed
    );
}

#[test]
fn verify_says_what_is_wrong_in_words() {
    let (_, public, _) = sequoia_key();
    let t = tree_with_key(&public);
    t.write("plain.txt", "Not signed at all.\n");
    let o = herald(t.path(), &["verify", "plain.txt"], None, None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("this file carries no OpenPGP signature"),
        "{}",
        stderr(&o)
    );
    // Signed, but by another key than the team's.
    let (other_secret, other_public, _) = sequoia_key();
    let elsewhere = tree_with_key(&other_public);
    elsewhere.write("plain.txt", "Not signed at all.\n");
    let other = String::from_utf8(other_secret).expect("armor");
    let o = herald(elsewhere.path(), &["sign", "plain.txt"], Some(&other), None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    t.write("other.asc", &elsewhere.read("plain.txt.asc"));
    let o = herald(t.path(), &["verify", "other.asc"], None, None);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("signed by a key that is not the one given (issuer "),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("not the team key"), "{}", stderr(&o));
}

#[test]
fn a_secret_key_file_inside_the_tree_is_warned_of() {
    let (secret, public, _) = sequoia_key();
    let t = tree_with_key(&public);
    let outside = tempfile::tempdir().expect("tmp");
    std::fs::write(outside.path().join("team.key"), &secret).expect("write");
    t.write_bytes(".secrets/team.key", &secret);
    let warning = "names `.secrets/team.key`, inside the tree: a secret key there is one `git add` away from the repository's history";
    let o = build_signed(&t, ".secrets/team.key");
    assert!(stderr(&o).contains(warning), "{}", stderr(&o));
    assert!(t
        .path()
        .join("outbox/cve-2024-1000/announcement.txt.asc")
        .is_file());
    let o = build_signed(&t, &outside.path().join("team.key").to_string_lossy());
    assert!(!stderr(&o).contains("inside the tree"), "{}", stderr(&o));
}

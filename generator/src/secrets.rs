//! No output and no text that goes out holds a secret of this run's own
//! environment, or a private key.
//!
//! Everything Herald writes is made from the tree, and a tree can hold a
//! token that someone pasted into an advisory, or a key file named as a
//! patch. The wall stops embargoed facts; this stops credentials. `build`
//! looks for the environment's values in every file it writes: as
//! written, and mails also as their receiver reads them; `publish`, the
//! last look, reads every text as its receiver will: mail bodies also
//! quoted-printable-decoded, and every base64 block (an attachment)
//! decoded.

use base64::Engine;

use crate::publish::Credentials;

/// Shorter values occur by chance in ordinary text: an SMTP password can
/// be a word an advisory uses.
const MIN_SECRET: usize = 12;
/// Shorter values are not even taken out of what Herald prints: a key of
/// a few letters would blank out ordinary words.
const MIN_REDACTED: usize = 6;

#[derive(Default, Clone)]
pub struct Secrets {
    /// Every value of at least [`MIN_REDACTED`] bytes, longest first.
    values: Vec<(&'static str, Vec<u8>)>,
}

impl Secrets {
    /// The secrets of `creds`, and the signing passphrase from the
    /// environment. The signing key itself is a private key, which
    /// [`Secrets::find`] finds in any text by its armor.
    pub fn of(creds: &Credentials) -> Self {
        let mut values: Vec<(&'static str, Vec<u8>)> = Vec::new();
        let mut add = |name: &'static str, v: Option<String>| {
            if let Some(v) = v.filter(|v| v.trim().len() >= MIN_REDACTED) {
                values.push((name, v.trim().as_bytes().to_vec()));
            }
        };
        add("the value of GITHUB_TOKEN", creds.github_token.clone());
        add(
            "the value of DISCOURSE_API_KEY",
            creds.discourse_key.clone(),
        );
        add("the value of HERALD_CVE_API_KEY", creds.cve_key.clone());
        add(
            "the password of HERALD_SMTP_URL",
            creds.smtp_url.as_deref().and_then(smtp_password),
        );
        add(
            "the value of HERALD_SIGNING_PASSPHRASE",
            std::env::var("HERALD_SIGNING_PASSPHRASE").ok(),
        );
        // A value inside a longer one is replaced after it.
        values.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
        Secrets { values }
    }

    /// The values looked for in what Herald writes and sends.
    fn sought(&self) -> impl Iterator<Item = &(&'static str, Vec<u8>)> {
        self.values.iter().filter(|(_, v)| v.len() >= MIN_SECRET)
    }

    /// Those of the environment this process runs in.
    pub fn from_env() -> Self {
        Self::of(&Credentials::from_env())
    }

    /// Feeds the values into a memo key: a file found free of them is kept
    /// unscanned only while they stay the same.
    pub fn digest_into(&self, h: &mut crate::memo::Hasher) {
        for (name, value) in self.sought() {
            h.part(name.as_bytes()).part(value);
        }
    }

    /// Whether the environment has no values to look for.
    pub fn is_empty(&self) -> bool {
        self.sought().next().is_none()
    }

    /// Which of the environment's values `bytes` holds as written: for the
    /// files `build` writes, none of which is encoded.
    pub fn find_as_written(&self, bytes: &[u8]) -> Option<&'static str> {
        self.sought()
            .find(|(_, v)| memchr::memmem::find(bytes, v).is_some())
            .map(|(name, _)| *name)
    }

    /// `text` with each of the environment's values replaced by its name,
    /// and each token of a known format masked: for what Herald prints and
    /// records.
    pub fn redact(&self, text: &str) -> String {
        let mut out = std::borrow::Cow::Borrowed(text);
        for (name, value) in &self.values {
            let value = String::from_utf8_lossy(value);
            if out.contains(value.as_ref()) {
                out = std::borrow::Cow::Owned(out.replace(value.as_ref(), &format!("[{name}]")));
            }
        }
        // An SMTP server that quotes `AUTH PLAIN` back, or a proxy that
        // quotes an `Authorization: Basic` header, quotes the value in
        // base64, inside other bytes.
        for (name, value) in &self.values {
            for core in base64_cores(value) {
                if out.contains(core.as_str()) {
                    let marked = format!("[{name}, in base64]");
                    out = std::borrow::Cow::Owned(out.replace(core.as_str(), &marked));
                }
            }
        }
        crate::credentials::masked(&out)
    }

    /// What secret `bytes` holds, as its receiver reads it; `None` if none.
    pub fn find(&self, bytes: &[u8]) -> Option<&'static str> {
        let qp = quoted_printable::decode(bytes, quoted_printable::ParseMode::Robust).ok();
        let decoded = base64_blocks(bytes);
        let written = std::iter::once(bytes).chain(qp.as_deref());
        written
            .map(|text| (text, true))
            .chain(decoded.iter().map(|d| (d.as_slice(), false)))
            .find_map(|(text, encoded)| self.find_in(text, encoded))
    }

    /// `encoded`: `text` may hold base64 blocks (attachments, signatures),
    /// which are read decoded on their own. A token's format is not looked
    /// for in them as written: a run of letters and digits in megabytes of
    /// base64 has the shape of a crates.io token now and then.
    fn find_in(&self, text: &[u8], encoded: bool) -> Option<&'static str> {
        if crate::private_key::marked(text) {
            return Some("a private key");
        }
        // The environment's own values first: that name says which secret.
        self.find_as_written(text).or_else(|| {
            let plain = if encoded {
                std::borrow::Cow::Owned(outside_base64(text))
            } else {
                std::borrow::Cow::Borrowed(text)
            };
            crate::credentials::find(&plain).first().map(|f| f.kind)
        })
    }
}

/// Whether a line reads as base64, as MIME and OpenPGP armor write it.
fn is_b64_line(l: &[u8]) -> bool {
    l.len() >= 4
        && l.iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// `text` without its blocks of base64: runs of two or more long lines
/// that read as base64 (an attachment's 76 columns, a signature's 64).
fn outside_base64(text: &[u8]) -> Vec<u8> {
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    let long = |l: &[u8]| {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        l.len() >= 40 && is_b64_line(l)
    };
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < lines.len() {
        let run = lines[i..].iter().take_while(|l| long(l)).count();
        if run >= 2 {
            i += run;
            out.push(b'\n');
            continue;
        }
        out.extend_from_slice(lines[i]);
        out.push(b'\n');
        i += 1;
    }
    out
}

fn smtp_password(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let p = u.password()?;
    Some(
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

/// What every base64 encoding of a text holding `value` spells of it,
/// whatever precedes it: one piece for each of the three ways it can fall
/// on base64's groups of three bytes. The characters that also carry bits
/// of the bytes before or after it are left out.
fn base64_cores(value: &[u8]) -> Vec<String> {
    (0..3)
        .filter_map(|shift: usize| {
            let mut bytes = vec![0; shift];
            bytes.extend_from_slice(value);
            let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&bytes);
            let start = (8 * shift).div_ceil(6);
            let end = 8 * bytes.len() / 6;
            let core = encoded.get(start..end)?;
            (core.len() >= MIN_REDACTED).then(|| core.to_string())
        })
        .collect()
}

/// Each run of lines that reads as base64 (as MIME writes an attachment),
/// decoded.
fn base64_blocks(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut block: Vec<u8> = Vec::new();
    let mut flush = |block: &mut Vec<u8>| {
        if !block.is_empty() {
            if let Ok(d) = base64::engine::general_purpose::STANDARD.decode(&block) {
                out.push(d);
            }
            block.clear();
        }
    };
    for line in bytes.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if is_b64_line(line) {
            block.extend_from_slice(line);
        } else {
            flush(&mut block);
        }
    }
    flush(&mut block);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        Secrets::of(&Credentials {
            smtp_url: Some("smtps://bot:s3cr%40t-passw0rd@mail.example.org:465".into()),
            github_token: Some("ghp_abcdefghijklmnopqrstuvwxyz0123456789".into()),
            discourse_user: Some("system".into()),
            ..Credentials::default()
        })
    }

    #[test]
    fn a_token_is_found_as_written_split_by_quoted_printable_or_in_an_attachment() {
        let s = secrets();
        let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
        assert_eq!(
            s.find(format!("see {token} here").as_bytes()),
            Some("the value of GITHUB_TOKEN")
        );
        let soft = format!("see {}=\r\n{} here", &token[..10], &token[10..]);
        assert_eq!(s.find(soft.as_bytes()), Some("the value of GITHUB_TOKEN"));
        let attached =
            base64::engine::general_purpose::STANDARD.encode(format!("patch\n+token = {token}\n"));
        let eml = format!(
            "Content-Type: text/x-diff\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n{}\r\n--b--\r\n",
            &attached[..40],
            &attached[40..]
        );
        assert_eq!(s.find(eml.as_bytes()), Some("the value of GITHUB_TOKEN"));
    }

    #[test]
    fn the_smtp_password_is_found_decoded_and_a_user_name_is_no_secret() {
        let s = secrets();
        assert_eq!(
            s.find(b"pass: s3cr@t-passw0rd"),
            Some("the password of HERALD_SMTP_URL")
        );
        assert_eq!(s.find(b"posted by system as bot"), None);
    }

    #[test]
    fn a_secret_quoted_back_in_base64_is_redacted_wherever_it_falls() {
        let secrets = secrets();
        let password = "s3cr@t-passw0rd";
        let cores = base64_cores(password.as_bytes());
        assert_eq!(cores.len(), 3);
        for user in ["", "a", "ab", "abc", "bot@example.org"] {
            let plain = format!("\0{user}\0{password}");
            let quoted = base64::engine::general_purpose::STANDARD.encode(plain);
            let said = format!("535 5.7.8 Authentication failed: AUTH PLAIN {quoted}");
            let shown = secrets.redact(&said);
            assert!(
                shown.contains("[the password of HERALD_SMTP_URL, in base64]"),
                "{user:?}: {shown}"
            );
            for core in &cores {
                assert!(!shown.contains(core.as_str()), "{user:?}: {shown}");
            }
        }
        // Other credentials in base64 are left as they are.
        let other = "AUTH PLAIN AGFsaWNlAHdvcmQ=";
        assert_eq!(secrets.redact(other), other);
    }

    #[test]
    fn a_private_key_block_is_found_in_any_text() {
        let s = Secrets::of(&Credentials::default());
        assert_eq!(
            s.find(b"x\n-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQ..."),
            Some("a private key")
        );
        assert_eq!(
            s.find(b"-----BEGIN OPENSSH PRIVATE KEY-----"),
            Some("a private key")
        );
        assert_eq!(s.find(b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n"), None);
        // With no secret in the environment, an attachment is still read:
        // the last look is for keys too.
        let attached = base64::engine::general_purpose::STANDARD
            .encode("+-----BEGIN PGP PRIVATE KEY BLOCK-----\n+lQ...\n");
        let eml = format!("Content-Transfer-Encoding: base64\r\n\r\n{attached}\r\n--b--\r\n");
        assert_eq!(s.find(eml.as_bytes()), Some("a private key"));
    }

    #[test]
    fn a_token_of_a_known_format_is_found_whoever_it_belongs_to() {
        let s = Secrets::of(&Credentials::default());
        let token = "ghp_R8mQz2LkV9xWc4TnB7yHs1JdF6gAp3Ue0Kio";
        assert_eq!(
            s.find(format!("curl -H 'token {token}'").as_bytes()),
            Some("a GitHub token")
        );
        let soft = format!("token {}=\r\n{} here", &token[..9], &token[9..]);
        assert_eq!(s.find(soft.as_bytes()), Some("a GitHub token"));
        assert_eq!(
            s.find(b"token ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
            None
        );
        // An attachment whose base64 happens to have a token's shape as
        // written (`/cio` and 32 letters and digits) holds no token; one
        // that holds a token decoded does.
        let shaped = "AAAA/cioAb3De5Fg7Hi9Jk1Lm3No5Pq7Rs9Tu1Vw/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let eml =
            format!("Content-Transfer-Encoding: base64\r\n\r\n{shaped}\r\n{shaped}\r\n--b--\r\n");
        assert_eq!(s.find(eml.as_bytes()), None);
        let attached =
            base64::engine::general_purpose::STANDARD.encode(format!("+auth = {token}\n"));
        let eml = format!("Content-Transfer-Encoding: base64\r\n\r\n{attached}\r\n--b--\r\n");
        assert_eq!(s.find(eml.as_bytes()), Some("a GitHub token"));
    }
}

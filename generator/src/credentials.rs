//! Credentials of well-known formats, wherever one could slip out.
//!
//! [`crate::secrets`] finds this run's own secrets, and a private key by
//! its armor. But the token an author pasted while reproducing a bug (a
//! `curl -H "Authorization: token ghp_…"`) is someone's, not the run's:
//! no environment knows it. The services that issue tokens give them a
//! fixed prefix so that scanners can find them, and these are the ones a
//! security team's texts are likely to meet.
//!
//! A match needs the prefix at the start of a word, a tail of the
//! format's alphabet and length, and the end of a word after it. A tail
//! that reads as a placeholder (`ghp_XXXX…`, AWS's own `…EXAMPLE`, a run
//! of one character) is not a credential: advisories show the shape of a
//! token that way.

/// One credential found: where in the text, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub start: usize,
    pub len: usize,
    /// Its prefix, which is safe to show.
    pub prefix: &'static str,
    pub kind: &'static str,
}

#[derive(Clone, Copy)]
enum Alphabet {
    /// `A-Z a-z 0-9`
    Alnum,
    /// `A-Z 0-9`
    Upper,
    /// `A-Z a-z 0-9 _`
    Word,
    /// `A-Z a-z 0-9 _ -`
    Url,
}

impl Alphabet {
    fn holds(self, b: u8) -> bool {
        match self {
            Alphabet::Alnum => b.is_ascii_alphanumeric(),
            Alphabet::Upper => b.is_ascii_uppercase() || b.is_ascii_digit(),
            Alphabet::Word => b.is_ascii_alphanumeric() || b == b'_',
            Alphabet::Url => b.is_ascii_alphanumeric() || b == b'_' || b == b'-',
        }
    }
}

struct Format {
    prefix: &'static str,
    kind: &'static str,
    alphabet: Alphabet,
    /// The tail's shortest and longest length.
    min: usize,
    max: usize,
}

const fn format(
    prefix: &'static str,
    kind: &'static str,
    alphabet: Alphabet,
    min: usize,
    max: usize,
) -> Format {
    Format {
        prefix,
        kind,
        alphabet,
        min,
        max,
    }
}

const GITHUB: &str = "a GitHub token";
const SLACK: &str = "a Slack token";
const STRIPE: &str = "a Stripe secret key";

/// The formats, from each issuer's documentation of its token prefixes.
const FORMATS: &[Format] = &[
    format("ghp_", GITHUB, Alphabet::Alnum, 36, 251),
    format("gho_", GITHUB, Alphabet::Alnum, 36, 251),
    format("ghu_", GITHUB, Alphabet::Alnum, 36, 251),
    format("ghs_", GITHUB, Alphabet::Alnum, 36, 251),
    format("ghr_", GITHUB, Alphabet::Alnum, 36, 251),
    format("github_pat_", GITHUB, Alphabet::Word, 40, 244),
    format("cio", "a crates.io API token", Alphabet::Alnum, 32, 32),
    format("glpat-", "a GitLab access token", Alphabet::Url, 20, 64),
    format("npm_", "an npm access token", Alphabet::Alnum, 36, 36),
    format(
        "pypi-AgEIcHlwaS5vcmc",
        "a PyPI API token",
        Alphabet::Url,
        50,
        512,
    ),
    format("xoxb-", SLACK, Alphabet::Url, 20, 255),
    format("xoxp-", SLACK, Alphabet::Url, 20, 255),
    format("xoxa-", SLACK, Alphabet::Url, 20, 255),
    format("xoxr-", SLACK, Alphabet::Url, 20, 255),
    format("xoxs-", SLACK, Alphabet::Url, 20, 255),
    format("AKIA", "an AWS access key", Alphabet::Upper, 16, 16),
    format("ASIA", "an AWS access key", Alphabet::Upper, 16, 16),
    format("AIza", "a Google API key", Alphabet::Url, 35, 35),
    format("sk_live_", STRIPE, Alphabet::Alnum, 24, 247),
    format("rk_live_", STRIPE, Alphabet::Alnum, 24, 247),
];

/// Every credential in `text`, in order. Linear: the prefixes are found
/// in one pass (SIMD-accelerated for a set this small), and each is read
/// once, the search going on after what it read.
pub fn find(text: &[u8]) -> Vec<Found> {
    static PREFIXES: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::OnceLock::new();
    let Some(ac) = PREFIXES
        .get_or_init(|| aho_corasick::AhoCorasick::new(FORMATS.iter().map(|f| f.prefix)).ok())
    else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for m in ac.find_iter(text) {
        let (at, f) = (m.start(), &FORMATS[m.pattern().as_usize()]);
        if at > 0 && is_word(text[at - 1]) {
            continue;
        }
        let rest = &text[m.end()..];
        // Never past what could be a token: a text of `xoxb-` repeated
        // would otherwise be read to its end from every one of them.
        let tail = rest
            .iter()
            .take(f.max + 1)
            .take_while(|&&b| f.alphabet.holds(b))
            .count();
        let after = rest.get(tail).copied();
        if tail < f.min || tail > f.max || after.is_some_and(is_word) || placeholder(&rest[..tail])
        {
            continue;
        }
        found.push(Found {
            start: at,
            len: f.prefix.len() + tail,
            prefix: f.prefix,
            kind: f.kind,
        });
    }
    found
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A tail written to show a token's shape: with a word that says so, a
/// run of four of one character, or too few distinct characters to be
/// random (a random tail of 16 from 32 letters has about 13).
fn placeholder(tail: &[u8]) -> bool {
    let lower = tail.to_ascii_lowercase();
    let says = [
        "example",
        "redacted",
        "placeholder",
        "your",
        "token",
        "dummy",
    ]
    .iter()
    .any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some());
    let run = lower.windows(4).any(|w| w.iter().all(|&b| b == w[0]));
    let mut seen = [false; 256];
    for &b in &lower {
        seen[b as usize] = true;
    }
    let distinct = seen.iter().filter(|&&s| s).count();
    says || run || distinct < 8
}

/// `line` with each credential in it masked: its prefix kept, the rest
/// `*`, one for each character, so that a caret under it still points
/// right. An error message must not print what it warns of: CI logs are
/// often public.
pub fn masked(line: &str) -> String {
    let mut out = line.as_bytes().to_vec();
    for f in find(line.as_bytes()) {
        for b in &mut out[f.start + f.prefix.len()..f.start + f.len] {
            *b = b'*';
        }
    }
    for (start, end) in url_passwords(line.as_bytes()) {
        for b in &mut out[start..end] {
            *b = b'*';
        }
    }
    // Only ASCII bytes were replaced with ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// Where the password of each `scheme://user:password@host` in `text` is.
fn url_passwords(text: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    memchr::memmem::find_iter(text, b"://").filter_map(move |at| {
        let from = at + 3;
        let rest = &text[from..];
        let end = rest
            .iter()
            .position(|&b| b"/?#\"'<>".contains(&b) || b.is_ascii_whitespace())
            .unwrap_or(rest.len());
        let at_sign = memchr::memrchr(b'@', &rest[..end])?;
        let colon = memchr::memchr(b':', &rest[..at_sign])?;
        Some((from + colon + 1, from + at_sign))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_a_web_address_is_masked() {
        assert_eq!(
            masked("    api: https://user:s3cret@api.github.com/x"),
            "    api: https://user:******@api.github.com/x"
        );
        assert_eq!(
            masked("<a href=\"http://a:b@c/\">smtp://x@y z://:p@q"),
            "<a href=\"http://a:*@c/\">smtp://x@y z://:*@q"
        );
        assert_eq!(
            masked("see https://example.org/a:b@c"),
            "see https://example.org/a:b@c"
        );
    }

    const GH: &str = "ghp_R8mQz2LkV9xWc4TnB7yHs1JdF6gAp3Ue0Kio";

    #[test]
    fn tokens_are_found_at_word_boundaries_with_their_kind() {
        let text = format!("curl -H \"Authorization: token {GH}\" https://api.github.com/");
        let f = find(text.as_bytes());
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(&text[f[0].start..f[0].start + f[0].len], GH);
        assert_eq!(f[0].kind, "a GitHub token");
        // Inside a longer word it is not a token, nor with too short a
        // tail, nor one running on past its format's length.
        assert!(find(format!("x{GH}").as_bytes()).is_empty());
        assert!(find(&GH.as_bytes()[..30]).is_empty());
        assert!(find(b"npm_R8mQz2LkV9xWc4TnB7yHs1JdF6gAp3Ue0KioZ").is_empty());
        let crates = "CARGO_REGISTRY_TOKEN=cioAb3De5Fg7Hi9Jk1Lm3No5Pq7Rs9Tu1Vw";
        assert_eq!(find(crates.as_bytes())[0].kind, "a crates.io API token");
        assert_eq!(
            find(b"id AKIAZ7Q4M2N8K3P5W6R1 and more")[0].kind,
            "an AWS access key"
        );
        let two = format!("{GH} glpat-x8Yh3Kd9Lq2Mw7Pz4Rv6 ");
        assert_eq!(find(two.as_bytes()).len(), 2);
    }

    #[test]
    fn placeholders_and_ordinary_words_are_not_tokens() {
        for text in [
            "ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
            "ghp_000000000000000000000000000000000000",
            "AKIAIOSFODNN7EXAMPLE",
            "ghp_yourTokenGoesHereAndItIsLongEnough12",
            "ghp_abababababababababababababababababab",
            "a cion, cionabcdefghijklmnopqrstuvwxyz012345, circumstances",
            "the ghp_ prefix, npm_ tokens, AKIA keys, xoxb- bots",
        ] {
            assert!(find(text.as_bytes()).is_empty(), "{text}");
        }
    }

    #[test]
    fn a_text_of_prefixes_is_read_in_linear_time() {
        // Each `xoxb-` starts a word (after a `-`), and the run of its
        // alphabet goes on to the end: read whole from each, this took
        // minutes.
        let text = "xoxb-".repeat(400_000);
        assert!(find(text.as_bytes()).is_empty());
    }

    #[test]
    fn a_masked_line_keeps_its_prefixes_and_its_width() {
        let line = format!("token {GH} here");
        let m = masked(&line);
        assert_eq!(m, format!("token ghp_{} here", "*".repeat(36)));
        assert_eq!(m.chars().count(), line.chars().count());
    }
}

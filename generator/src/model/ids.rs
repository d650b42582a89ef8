//! Identifiers with a fixed shape, checked once when read.

use std::fmt;

use serde::Serialize;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// `CVE-YYYY-NNNN…`, as assigned by a CNA.
    CveId
);
id_type!(
    /// `GHSA-xxxx-xxxx-xxxx`, GitHub's advisory id.
    GhsaId
);
id_type!(
    /// `CWE-N`, a weakness class.
    CweId
);
id_type!(
    /// The URL name of an advisory or page: lowercase letters, digits, dashes.
    Slug
);
id_type!(
    /// A GitHub repository, `owner/name`.
    RepoName
);

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

impl CveId {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = s
            .strip_prefix("CVE-")
            .and_then(|rest| rest.split_once('-'))
            .is_some_and(|(year, num)| {
                year.len() == 4 && all_digits(year) && num.len() >= 4 && all_digits(num)
            });
        if ok {
            Ok(CveId(s.to_string()))
        } else {
            Err(format!(
                "malformed CVE id `{s}`: expected `CVE-YYYY-NNNN` (four-digit year, at least four digits)"
            ))
        }
    }
}

/// GitHub draws GHSA ids from this alphabet, which avoids look-alike characters.
const GHSA_ALPHABET: &str = "23456789cfghjmpqrvwx";

impl GhsaId {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = s.strip_prefix("GHSA-").is_some_and(|rest| {
            let parts: Vec<&str> = rest.split('-').collect();
            parts.len() == 3
                && parts
                    .iter()
                    .all(|p| p.len() == 4 && p.chars().all(|c| GHSA_ALPHABET.contains(c)))
        });
        if ok {
            Ok(GhsaId(s.to_string()))
        } else {
            Err(format!(
                "malformed GHSA id `{s}`: expected `GHSA-xxxx-xxxx-xxxx` with lowercase letters and digits from `{GHSA_ALPHABET}`"
            ))
        }
    }
}

impl CweId {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.strip_prefix("CWE-") {
            Some(n) if all_digits(n) => Ok(CweId(s.to_string())),
            _ => Err(format!(
                "malformed CWE id `{s}`: expected `CWE-N`, for example `CWE-78`"
            )),
        }
    }
}

impl Slug {
    /// Slugs become file names (`ledger/<slug>.yaml`, `outbox/<slug>/`,
    /// temporaries with a suffix), and file systems stop at 255 bytes.
    pub const MAX_LEN: usize = 100;

    pub fn parse(s: &str) -> Result<Self, String> {
        if s.len() > Self::MAX_LEN {
            return Err(format!(
                "slug of {} characters: at most {} fit in the file names Herald makes from it",
                s.len(),
                Self::MAX_LEN
            ));
        }
        let ok = !s.is_empty()
            && !s.starts_with('-')
            && !s.ends_with('-')
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Slug(s.to_string()))
        } else {
            Err(format!(
                "invalid slug `{s}`: use lowercase letters, digits and dashes, for example `cve-2024-24576`"
            ))
        }
    }

    /// The slug a file gets when it names none: its file stem, lowercased,
    /// with anything else turned into dashes.
    pub fn from_file_stem(stem: &str) -> Result<Self, String> {
        let mut out = String::with_capacity(stem.len());
        for c in stem.chars() {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                out.push(c);
            } else if !out.ends_with('-') {
                out.push('-');
            }
        }
        Slug::parse(out.trim_matches('-'))
    }
}

impl RepoName {
    pub fn parse(s: &str) -> Result<Self, String> {
        let valid = |p: &str| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        match s.split_once('/') {
            Some((owner, name)) if valid(owner) && valid(name) => Ok(RepoName(s.to_string())),
            _ => Err(format!("invalid repository `{s}`: expected `owner/name`")),
        }
    }

    pub fn owner(&self) -> &str {
        self.0.split_once('/').map_or("", |(o, _)| o)
    }

    pub fn name(&self) -> &str {
        self.0.split_once('/').map_or("", |(_, n)| n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_shapes() {
        assert!(CveId::parse("CVE-2024-24576").is_ok());
        assert!(CveId::parse("CVE-2024-1234567").is_ok());
        for bad in [
            "cve-2024-24576",
            "CVE-24-24576",
            "CVE-2024-123",
            "CVE-2024-12a4",
            "CVE-2024",
        ] {
            assert!(CveId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ghsa_shapes() {
        assert!(GhsaId::parse("GHSA-q455-m56c-85mh").is_ok());
        for bad in [
            "GHSA-q455-m56c-85m",
            "GHSA-Q455-M56C-85MH",
            "GHSA-q455-m56c-85mb",
            "ghsa-q455-m56c-85mh",
        ] {
            assert!(GhsaId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn slugs_from_stems() {
        assert_eq!(
            Slug::from_file_stem("CVE-2024-24576").unwrap().as_str(),
            "cve-2024-24576"
        );
        assert_eq!(
            Slug::from_file_stem("Pre announce_1").unwrap().as_str(),
            "pre-announce-1"
        );
        assert!(Slug::parse("Bad_Slug").is_err());
    }
}

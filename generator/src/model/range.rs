//! Version ranges in the comparator syntax GitHub's advisories take (and
//! OSV's events can express): `< 1.77.2`, `>= 1.0.0, < 1.77.2`, `= 0.3.1`.
//!
//! Checked here rather than by `semver::VersionReq`, which also accepts
//! caret, tilde and wildcard requirements that GitHub would refuse at
//! publication, long after `herald check` said they were fine.

use semver::Version;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparator {
    pub op: Op,
    pub version: Version,
}

const FORMS: &str = "write it like `< 1.77.2`, `>= 1.0.0, < 1.77.2` or `= 0.3.1`";

/// The comparators of `s`; bare versions mean `=`.
pub fn parse(s: &str) -> Result<Vec<Comparator>, String> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let part = part.trim();
        let (op, rest) = [
            (">=", Op::Ge),
            ("<=", Op::Le),
            (">", Op::Gt),
            ("<", Op::Lt),
            ("=", Op::Eq),
        ]
        .into_iter()
        .find_map(|(sym, op)| part.strip_prefix(sym).map(|r| (op, r)))
        .unwrap_or((Op::Eq, part));
        let rest = rest.trim();
        if rest.is_empty() || rest.starts_with(['^', '~', '*']) || rest.contains('*') {
            return Err(format!("unparsable version range `{s}`: `{part}` is not a comparison with a version; {FORMS}"));
        }
        let version = Version::parse(rest).map_err(|e| {
            format!("unparsable version range `{s}`: `{rest}` is not a full version ({e}); {FORMS}")
        })?;
        out.push(Comparator { op, version });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_github_comparators_only() {
        assert_eq!(parse(">= 1.0.0, < 1.77.2").unwrap().len(), 2);
        assert_eq!(parse("1.2.3").unwrap()[0].op, Op::Eq);
        assert_eq!(parse("<=0.9.0").unwrap()[0].op, Op::Le);
        for bad in ["^1.2.3", "~1.2", "1.*", "<< 1.2", "< 1.2", ">=", ""] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}

//! Severity ratings and CVSS vectors.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn parse(s: &str) -> Result<Self, String> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                let lower = s.to_ascii_lowercase();
                match Severity::ALL.into_iter().find(|v| v.as_str() == lower) {
                    Some(v) => format!(
                        "unknown severity `{s}`: did you mean `{}`? (lower case)",
                        v.as_str()
                    ),
                    None => format!(
                        "unknown severity `{s}`: expected one of low, medium, high, critical"
                    ),
                }
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
            Severity::Critical => "Critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A CVSS v3.1 or v4.0 base vector, parsed and scored by the `cvss` crate.
#[derive(Debug, Clone)]
pub struct CvssVector {
    text: String,
    parsed: cvss::Cvss,
}

/// One metric of a vector, for the per-metric breakdown on the page.
#[derive(Debug, Clone, Serialize)]
pub struct Metric {
    pub code: &'static str,
    pub name: &'static str,
    pub value: String,
}

impl CvssVector {
    pub fn parse(s: &str) -> Result<Self, String> {
        let parsed =
            cvss::Cvss::from_str(s).map_err(|e| format!("invalid CVSS vector `{s}`: {e}"))?;
        match parsed {
            cvss::Cvss::CvssV31(_) | cvss::Cvss::CvssV40(_) => Ok(CvssVector {
                text: s.to_string(),
                parsed,
            }),
            _ => Err(format!(
                "unsupported CVSS version in `{s}`: Herald takes CVSS:3.1/… or CVSS:4.0/… vectors"
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn version(&self) -> &'static str {
        match self.parsed {
            cvss::Cvss::CvssV40(_) => "4.0",
            _ => "3.1",
        }
    }

    pub fn score(&self) -> f64 {
        self.parsed.score()
    }

    /// The qualitative rating of the score; `None` for a score of 0.0.
    pub fn severity(&self) -> Option<Severity> {
        match self.parsed.severity() {
            cvss::Severity::None => None,
            cvss::Severity::Low => Some(Severity::Low),
            cvss::Severity::Medium => Some(Severity::Medium),
            cvss::Severity::High => Some(Severity::High),
            cvss::Severity::Critical => Some(Severity::Critical),
        }
    }

    pub fn metrics(&self) -> Vec<Metric> {
        self.parsed
            .metrics()
            .map(|(m, v)| Metric {
                code: m.name(),
                name: m.description(),
                value: format!("{v:?}"),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_v31_and_v40() {
        let v = CvssVector::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert_eq!(v.score(), 9.8);
        assert_eq!(v.severity(), Some(Severity::Critical));
        let v =
            CvssVector::parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
                .unwrap();
        assert_eq!(v.version(), "4.0");
        assert_eq!(v.severity(), Some(Severity::Critical));
    }

    #[test]
    fn refuses_other_versions_and_garbage() {
        assert!(
            CvssVector::parse("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
                .unwrap_err()
                .contains("unsupported")
        );
        assert!(CvssVector::parse("CVSS:3.1/AV:X").is_err());
    }
}

//! The body of GitHub's "create a repository security advisory" request.
//!
//! `POST /repos/{owner}/{repo}/security-advisories`. The schema rejects
//! unknown properties, and takes `severity` or `cvss_vector_string`, never
//! both.

use serde::Serialize;

use crate::model::advisory::{Affected, GhsaEntry};
use crate::model::Advisory;

#[derive(Serialize)]
pub struct CreateAdvisory<'a> {
    pub summary: &'a str,
    pub description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cve_id: Option<&'a str>,
    pub vulnerabilities: Vec<Vulnerability<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cwe_ids: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub credits: Vec<Credit<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss_vector_string: Option<&'a str>,
}

#[derive(Serialize)]
pub struct Vulnerability<'a> {
    pub package: Package<'a>,
    pub vulnerable_version_range: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patched_versions: Option<&'a str>,
}

#[derive(Serialize)]
pub struct Package<'a> {
    pub ecosystem: &'a str,
    pub name: &'a str,
}

#[derive(Serialize)]
pub struct Credit<'a> {
    pub login: &'a str,
    #[serde(rename = "type")]
    pub kind: &'a str,
}

fn vulnerability(a: &Affected) -> Vulnerability<'_> {
    Vulnerability {
        package: Package {
            ecosystem: &a.ecosystem,
            name: &a.package,
        },
        vulnerable_version_range: &a.vulnerable,
        patched_versions: a.patched.as_deref(),
    }
}

/// GitHub's summary is limited to 1024 characters.
const SUMMARY_MAX: usize = 1024;

pub fn body(a: &Advisory, entry: &GhsaEntry, description: &str) -> serde_json::Value {
    let summary = match a.summary.char_indices().nth(SUMMARY_MAX) {
        Some((i, _)) => &a.summary[..i],
        None => &a.summary,
    };
    let req = CreateAdvisory {
        summary,
        description,
        // A GHSA carries one CVE; an advisory with two needs two GHSAs.
        cve_id: entry.cves.first().map(|c| c.as_str()),
        vulnerabilities: a.affected.iter().map(vulnerability).collect(),
        cwe_ids: a.cwes.iter().map(|c| c.as_str()).collect(),
        credits: a
            .credits
            .iter()
            .filter_map(|c| {
                c.login.as_deref().map(|login| Credit {
                    login,
                    kind: &c.kind,
                })
            })
            .collect(),
        severity: a.cvss.is_none().then(|| a.severity.as_str()),
        cvss_vector_string: a.cvss.as_ref().map(|c| c.as_str()),
    };
    serde_json::to_value(req).unwrap_or(serde_json::Value::Null)
}

//! OSV export: one record per published advisory, in the Open Source
//! Vulnerability format (schema 1.6), and all of them in one file.

use serde_json::{json, Value};

use crate::links;
use crate::model::advisory::Affected;
use crate::model::config::Config;
use crate::model::{Advisory, Document};

pub const SCHEMA_VERSION: &str = "1.6.0";

/// GitHub's ecosystem names, as OSV spells them.
fn ecosystem(github: &str) -> &str {
    match github {
        "rust" => "crates.io",
        "npm" => "npm",
        "pip" => "PyPI",
        "go" => "Go",
        "maven" => "Maven",
        "nuget" => "NuGet",
        "rubygems" => "RubyGems",
        "composer" => "Packagist",
        "erlang" => "Hex",
        "pub" => "Pub",
        "swift" => "SwiftURL",
        "actions" => "GitHub Actions",
        other => other,
    }
}

/// `>= 1.0.0, < 1.2.3` as OSV events: introduced / fixed / last_affected.
/// The range was validated on load; OSV has no event for `> v`, so it
/// becomes `introduced: v`, the closest it can say.
fn events(a: &Affected) -> Vec<Value> {
    use crate::model::range::{self, Op};
    let mut introduced = None;
    let mut end = None;
    for c in range::parse(&a.vulnerable).unwrap_or_default() {
        let v = c.version.to_string();
        match c.op {
            Op::Ge | Op::Gt => introduced = Some(v),
            Op::Lt => end = Some(json!({ "fixed": v })),
            Op::Le => end = Some(json!({ "last_affected": v })),
            Op::Eq => {
                introduced = Some(v.clone());
                end = Some(json!({ "last_affected": v }));
            }
        }
    }
    let mut out = vec![json!({ "introduced": introduced.unwrap_or_else(|| "0".into()) })];
    out.extend(end);
    out
}

fn credit_type(github: &str) -> &'static str {
    match github {
        "finder" => "FINDER",
        "reporter" => "REPORTER",
        "analyst" => "ANALYST",
        "coordinator" => "COORDINATOR",
        "remediation_developer" => "REMEDIATION_DEVELOPER",
        "remediation_reviewer" => "REMEDIATION_REVIEWER",
        "remediation_verifier" => "REMEDIATION_VERIFIER",
        "tool" => "TOOL",
        "sponsor" => "SPONSOR",
        _ => "OTHER",
    }
}

pub fn id(config: &Config, a: &Advisory) -> String {
    format!(
        "{}-{}",
        config.site.osv_prefix,
        a.slug.as_str().to_ascii_uppercase()
    )
}

pub fn record(config: &Config, doc: &Document<Advisory>) -> Value {
    let a = &doc.meta;
    let mut aliases: Vec<String> = a.cves.iter().map(|c| c.to_string()).collect();
    aliases.extend(a.ghsa.iter().map(|g| g.id.to_string()));
    let modified = a
        .updated
        .as_ref()
        .or(a.withdrawn.as_ref().map(|w| &w.at))
        .unwrap_or(&a.embargo);
    let mut severity = Vec::new();
    if let Some(v) = &a.cvss {
        let kind = if v.version() == "4.0" {
            "CVSS_V4"
        } else {
            "CVSS_V3"
        };
        severity.push(json!({ "type": kind, "score": v.as_str() }));
    }
    let affected: Vec<Value> = a
        .affected
        .iter()
        .map(|p| {
            json!({
                "package": { "ecosystem": ecosystem(&p.ecosystem), "name": p.package },
                "ranges": [{ "type": "SEMVER", "events": events(p) }],
            })
        })
        .collect();
    let mut references =
        vec![json!({ "type": "ADVISORY", "url": links::advisory_page(config, &a.slug) })];
    references.extend(
        links::announcement_url(config, a).map(|url| json!({ "type": "ARTICLE", "url": url })),
    );
    references.extend(
        a.ghsa
            .iter()
            .map(|g| json!({ "type": "ADVISORY", "url": links::ghsa_url(g) })),
    );
    references.extend(a.fixes.iter().map(|u| json!({ "type": "FIX", "url": u })));
    let credits: Vec<Value> = a
        .credits
        .iter()
        .map(|c| json!({ "name": c.name, "type": credit_type(&c.kind) }))
        .collect();
    let mut rec = json!({
        "schema_version": SCHEMA_VERSION,
        "id": id(config, a),
        "modified": modified.utc_rfc3339(),
        "published": a.embargo.utc_rfc3339(),
        "aliases": aliases,
        "summary": a.summary,
        "details": doc.text().trim(),
        "affected": affected,
        "references": references,
        "database_specific": {
            "severity": a.severity.as_str(),
            "component": a.component,
            "cwe_ids": a.cwes.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        },
    });
    if !severity.is_empty() {
        rec["severity"] = json!(severity);
    }
    if !credits.is_empty() {
        rec["credits"] = json!(credits);
    }
    if let Some(w) = &a.withdrawn {
        rec["withdrawn"] = json!(w.at.utc_rfc3339());
    }
    rec
}

/// One record as a file: compact JSON and a line break. The site's
/// `osv.json` holds each record as these same bytes, so the wall, which
/// remembers what it found clean, reads each record once (at N=10,000 the
/// records are 40 MB).
pub fn to_bytes(v: &Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(v).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

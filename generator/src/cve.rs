//! CVE records: the CNA container of a CVE JSON 5.x record for each CVE id
//! of an advisory, as `POST /api/cve/{id}/cna` takes it, validated against
//! the official schema (CVEProject/cve-schema, copied unchanged into
//! `schemas/cve/` with its source).
//!
//! Where an advisory has a GHSA per CVE, that GHSA's summary, CVSS and
//! CWEs are the CVE's; its description is the advisory's lead and the
//! sections whose heading names the CVE.

use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::channels::ghsa;
use crate::links;
use crate::model::config::{CnaSettings, Config};
use crate::model::range::{self, Op};
use crate::model::{Advisory, CveId, Document};

/// The CNA published container schema, bundled (no external references).
const SCHEMA: &str =
    include_str!("../../schemas/cve/CVE_Record_Format_bundled_cnaPublishedContainer.json");

/// A record the schema refuses, with the front-matter field that made the
/// failing part, where that can be known.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the CVE record of {cve} does not pass the CVE JSON 5 schema at `{pointer}`: {message}")]
pub struct Invalid {
    pub cve: String,
    pub pointer: String,
    pub message: String,
    /// The advisory's front-matter field behind the failing part.
    pub field: Option<&'static str>,
}

/// The schema of one of the bundle's definitions: the file's top level
/// describes the bundle; the containers are among its definitions.
fn schema_of(definition: &str) -> jsonschema::Validator {
    let mut schema: Value = serde_json::from_str(SCHEMA).expect("the bundled schema is JSON");
    if let Some(o) = schema.as_object_mut() {
        o.remove("properties");
        o.remove("additionalProperties");
        o.insert("$ref".into(), format!("#/definitions/{definition}").into());
    }
    jsonschema::draft7::new(&schema).expect("the bundled schema compiles")
}

fn validator(rejected: bool) -> &'static jsonschema::Validator {
    static PUBLISHED: OnceLock<jsonschema::Validator> = OnceLock::new();
    static REJECTED: OnceLock<jsonschema::Validator> = OnceLock::new();
    if rejected {
        REJECTED.get_or_init(|| schema_of("cnaRejectedContainer"))
    } else {
        PUBLISHED.get_or_init(|| schema_of("cnaPublishedContainer"))
    }
}

/// Which front-matter field makes the part at `pointer`.
fn field_of(pointer: &str) -> Option<&'static str> {
    let top = pointer.trim_start_matches('/').split('/').next()?;
    Some(match top {
        "title" => "summary",
        "descriptions" => "summary",
        "affected" => "affected",
        "problemTypes" => "cwes",
        "metrics" => "cvss",
        "credits" => "credits",
        "datePublic" => "embargo",
        "references" => "announcement-url",
        "providerMetadata" => return None,
        _ => return None,
    })
}

/// Check a container against the schema.
pub fn validate(cve: &str, container: &Value) -> Result<(), Invalid> {
    let rejected = container.get("rejectedReasons").is_some();
    match validator(rejected).iter_errors(container).next() {
        None => Ok(()),
        Some(e) => {
            let pointer = e.instance_path().to_string();
            Err(Invalid {
                cve: cve.to_string(),
                field: field_of(&pointer),
                pointer: if pointer.is_empty() {
                    "/".into()
                } else {
                    pointer
                },
                message: e.to_string(),
            })
        }
    }
}

/// `>= 1.80.0, < 1.92.0` as a CVE `versions` entry.
fn versions(vulnerable: &str) -> Value {
    let mut v = json!({ "version": "0", "status": "affected", "versionType": "semver" });
    for c in range::parse(vulnerable).unwrap_or_default() {
        let s = c.version.to_string();
        match c.op {
            Op::Ge | Op::Gt => v["version"] = s.into(),
            Op::Lt => v["lessThan"] = s.into(),
            Op::Le => v["lessThanOrEqual"] = s.into(),
            Op::Eq => v["version"] = s.into(),
        }
    }
    json!([v])
}

fn affected(config: &Config, cve: &CnaSettings, a: &Advisory) -> Vec<Value> {
    let mut out = Vec::new();
    if let (Some(t), Some(tc)) = (&a.toolchain, &config.toolchain) {
        out.push(json!({
            "vendor": cve.vendor,
            "product": tc.name,
            "versions": versions(&t.vulnerable),
            "defaultStatus": "unaffected",
        }));
    }
    for p in &a.affected {
        let mut entry = if p.ecosystem == "rust"
            && config.toolchain.as_ref().is_none_or(|tc| {
                !tc.components
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(&a.component))
            }) {
            // A crate: where it is published names it.
            json!({ "collectionURL": "https://crates.io", "packageName": p.package })
        } else {
            json!({ "vendor": cve.vendor, "product": p.package })
        };
        entry["versions"] = versions(&p.vulnerable);
        entry["defaultStatus"] = "unaffected".into();
        out.push(entry);
    }
    out
}

fn credit_type(github: &str) -> &'static str {
    match github {
        "finder" => "finder",
        "reporter" => "reporter",
        "analyst" => "analyst",
        "coordinator" => "coordinator",
        "remediation_developer" => "remediation developer",
        "remediation_reviewer" => "remediation reviewer",
        "remediation_verifier" => "remediation verifier",
        "tool" => "tool",
        "sponsor" => "sponsor",
        _ => "other",
    }
}

/// The CNA container for `cve` of `doc`: published, or rejected when the
/// advisory is withdrawn with `reject: true`.
pub fn container(
    config: &Config,
    cna: &CnaSettings,
    doc: &Document<Advisory>,
    cve: &CveId,
) -> Value {
    let a = &doc.meta;
    if let Some(w) = a.withdrawn.as_ref().filter(|w| w.reject) {
        return json!({
            "providerMetadata": { "orgId": cna.org_id },
            "rejectedReasons": [{ "lang": "en", "value": w.reason }],
        });
    }
    let entry = a.ghsa.iter().find(|g| g.cves.contains(cve));
    let summary = entry.map_or(a.summary.as_str(), |g| a.ghsa_summary(g));
    let cvss = match entry {
        Some(g) => a.ghsa_cvss(g),
        None => a.cvss.as_ref(),
    };
    let cwes = entry.map_or(a.cwes.as_slice(), |g| a.ghsa_cwes(g));

    let mut description = String::new();
    if let Some(w) = &a.withdrawn {
        description = format!("Withdrawn on {}: {}\n\n", w.at.date(), w.reason);
    }
    description.push_str(
        crate::plaintext::to_record_text(&crate::channels::lead_markdown(doc.text())).trim_end(),
    );
    if a.cves.len() > 1 {
        let own = ghsa::own_sections(doc.text(), cve, &a.cves);
        if !own.trim().is_empty() {
            description.push_str("\n\n");
            description.push_str(crate::plaintext::to_record_text(&own).trim_end());
        }
    }

    let mut references = Vec::new();
    if let Some(url) = links::announcement_url(config, a) {
        references.push(
            json!({ "url": url, "name": "Signed announcement", "tags": ["vendor-advisory"] }),
        );
    }
    references.push(json!({ "url": links::advisory_page(config, &a.slug), "name": "Advisory", "tags": ["vendor-advisory"] }));
    if let Some(url) = links::blog_url(config, &a.slug, &a.embargo) {
        references.push(json!({ "url": url, "name": "Blog post", "tags": ["vendor-advisory"] }));
    }
    if let Some(g) = entry {
        references.push(json!({ "url": links::ghsa_url(g), "name": g.id.to_string(), "tags": ["vendor-advisory"] }));
    }
    references.extend(
        a.fixes
            .iter()
            .map(|u| json!({ "url": u, "name": "Fix", "tags": ["patch"] })),
    );

    let mut c = json!({
        "providerMetadata": { "orgId": cna.org_id },
        "datePublic": a.embargo.timestamp().strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string(),
        "title": summary,
        "descriptions": [{ "lang": "en", "value": description }],
        "affected": affected(config, cna, a),
        "references": references,
    });
    if !cwes.is_empty() {
        c["problemTypes"] = cwes
            .iter()
            .map(|w| json!({ "descriptions": [{ "lang": "en", "cweId": w.as_str(), "description": w.as_str(), "type": "CWE" }] }))
            .collect();
    }
    if let Some(v) = cvss {
        let key = match v.version() {
            "4.0" => "cvssV4_0",
            "3.0" => "cvssV3_0",
            _ => "cvssV3_1",
        };
        let severity = v
            .severity()
            .map_or("NONE", |s| s.as_str())
            .to_ascii_uppercase();
        c["metrics"] = json!([{
            "format": "CVSS",
            "scenarios": [{ "lang": "en", "value": "GENERAL" }],
            key: {
                "version": v.version(),
                "vectorString": v.as_str(),
                "baseScore": (v.score() * 10.0).round() / 10.0,
                "baseSeverity": severity,
            }
        }]);
    }
    if !a.credits.is_empty() {
        c["credits"] = a
            .credits
            .iter()
            .map(|cr| json!({ "lang": "en", "value": cr.name, "type": credit_type(&cr.kind) }))
            .collect();
    }
    c
}

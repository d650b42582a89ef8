//! The four Rust advisories of the fidelity issue, rebuilt as a Herald tree
//! in `examples/rust/`: their CVE records must be what the official schema
//! accepts and carry each CVE's own facts.

mod common;
#[path = "common/fakes.rs"]
#[allow(dead_code)]
mod fakes;

use common::{code, herald_in, repo_root, stderr};
use fakes::cve_schema;
use serde_json::Value;

/// Build the Rust tree the day the first of its advisories went out (the
/// others are then under embargo, which is when their texts are rendered).
fn records() -> (tempfile::TempDir, Vec<(String, Value)>) {
    let out = tempfile::tempdir().expect("temp dir");
    let root = repo_root().join("examples/rust");
    let o = herald_in(
        &root,
        [
            "build",
            "--now",
            "2022-01-20T16:00:00Z",
            "--out",
            out.path().join("public").to_str().expect("utf8"),
            "--outbox",
            out.path().join("outbox").to_str().expect("utf8"),
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut records = Vec::new();
    for entry in walkdir::WalkDir::new(out.path().join("outbox")).sort_by_file_name() {
        let entry = entry.expect("walk");
        let name = entry.file_name().to_string_lossy().to_string();
        if let Some(id) = name
            .strip_prefix("cve-")
            .and_then(|n| n.strip_suffix(".json"))
        {
            let text = std::fs::read_to_string(entry.path()).expect("read");
            records.push((id.to_string(), serde_json::from_str(&text).expect("json")));
        }
    }
    (out, records)
}

fn record<'a>(records: &'a [(String, Value)], id: &str) -> &'a Value {
    &records
        .iter()
        .find(|(i, _)| i == id)
        .unwrap_or_else(|| panic!("no record for {id}"))
        .1
}

#[test]
fn every_real_advisory_yields_records_the_official_schema_accepts() {
    let (_out, records) = records();
    let ids: Vec<&str> = records.iter().map(|(i, _)| i.as_str()).collect();
    assert_eq!(
        ids,
        [
            "CVE-2022-36113",
            "CVE-2022-36114",
            "CVE-2022-21658",
            "CVE-2023-38497",
            "CVE-2024-24576"
        ]
    );
    let schema = cve_schema();
    for (id, r) in &records {
        let errors: Vec<String> = schema
            .iter_errors(r)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{id}: {errors:?}");
    }
}

#[test]
fn the_cargo_pair_yields_two_records_each_with_its_own_facts() {
    let (_out, records) = records();
    let a = record(&records, "CVE-2022-36113");
    let b = record(&records, "CVE-2022-36114");
    assert_eq!(
        a["title"],
        "Cargo extracting malicious crates can corrupt arbitrary files"
    );
    assert_eq!(
        b["title"],
        "Cargo extracting malicious crates can fill the file system"
    );
    assert_eq!(a["problemTypes"][0]["descriptions"][0]["cweId"], "CWE-59");
    assert_eq!(b["problemTypes"][0]["descriptions"][0]["cweId"], "CWE-409");
    let (da, db) = (
        a["descriptions"][0]["value"].as_str().expect("text"),
        b["descriptions"][0]["value"].as_str().expect("text"),
    );
    assert!(da.contains(".cargo-ok") && !da.contains("zip bomb"), "{da}");
    assert!(db.contains("zip bomb") && !db.contains(".cargo-ok"), "{db}");
    // A record's text is read on cve.org and by scanners, which fill lines
    // themselves: one line per paragraph, as the team's records are.
    assert!(da.split("\n\n").all(|p| !p.contains('\n')), "{da}");
    assert!(a["references"]
        .as_array()
        .expect("references")
        .iter()
        .any(|r| r["url"]
            == "https://github.com/rust-lang/cargo/security/advisories/GHSA-rfj2-q3h3-hm5j"));
    assert_eq!(a["datePublic"], "2022-09-14T15:00:00.000Z");
}

#[test]
fn scores_fixes_and_credits_reach_the_records() {
    let (_out, records) = records();
    let r = record(&records, "CVE-2024-24576");
    let m = &r["metrics"][0]["cvssV3_1"];
    assert_eq!(
        m["vectorString"],
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"
    );
    assert_eq!(m["baseScore"], 10.0);
    assert_eq!(m["baseSeverity"], "CRITICAL");
    let credits: Vec<(&str, &str)> = r["credits"]
        .as_array()
        .expect("credits")
        .iter()
        .map(|c| {
            (
                c["value"].as_str().expect("name"),
                c["type"].as_str().expect("type"),
            )
        })
        .collect();
    assert!(credits.contains(&("RyotaK", "reporter")), "{credits:?}");
    // cve.org and NVD show a description as plain text: the body's
    // `**critical**` reads there without its asterisks.
    let text = r["descriptions"][0]["value"].as_str().expect("text");
    assert!(
        text.contains("the severity is critical.") && !text.contains('*'),
        "{text}"
    );
    assert!(
        credits.contains(&("Chris Denton", "remediation developer")),
        "{credits:?}"
    );

    let fixes: Vec<&Value> = record(&records, "CVE-2023-38497")["references"]
        .as_array()
        .expect("references")
        .iter()
        .filter(|r| r["tags"] == serde_json::json!(["patch"]))
        .collect();
    assert_eq!(fixes.len(), 2, "{fixes:?}");
    assert_eq!(
        fixes[0]["url"],
        "https://github.com/rust-lang/cargo/pull/12443"
    );
}

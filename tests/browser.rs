//! The example site in headless Chromium: screenshots at desktop and phone
//! widths, no horizontal overflow, and no serious accessibility violation
//! (axe-core). Needs Debian's chromium and `npm ci --prefix tests/browser`,
//! which `scripts/test` installs.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

#[test]
fn the_example_site_renders_and_passes_axe() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let browser_dir = root.join("tests/browser");
    assert!(
        browser_dir.join("node_modules/axe-core").is_dir()
            && Path::new("/usr/bin/chromium").exists(),
        "run `scripts/test` (or: apt-get install chromium; npm ci --prefix tests/browser)"
    );
    // Serve a copy, so the test never touches the repository's public/.
    let tree = tempfile::tempdir().expect("tmp");
    for entry in walkdir::WalkDir::new(root).into_iter().filter_entry(|e| {
        let n = e.file_name().to_string_lossy();
        !(n == "target" || n == ".git" || n == "node_modules" || n == "public" || n == "outbox")
    }) {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(root).expect("prefix");
        let dest = tree.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
    let mut server = Command::new(assert_cmd::cargo::cargo_bin("herald"))
        .arg("--root")
        .arg(tree.path())
        .args(["serve", "--port", "0", "--now", "2026-11-21T12:00:00Z"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let mut url = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut url)
        .expect("url");
    let shots = root.join("target/screenshots");
    std::fs::create_dir_all(&shots).expect("mkdir");
    let out = Command::new("node")
        .current_dir(&browser_dir)
        .arg("check.mjs")
        .arg(url.trim())
        .arg(&shots)
        .args([
            "",
            "advisories/cve-2025-31001/",
            "advisories/cve-2026-20114/",
            "policy/",
            "archive/",
        ])
        .output()
        .expect("node");
    let _ = server.kill();
    let _ = server.wait();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: serde_json::Value = serde_json::from_str(&report).expect("report");
    assert_eq!(parsed.as_array().expect("array").len(), 10);
    for shot in [
        "index-1280.png",
        "index-360.png",
        "advisories_cve-2025-31001_-1280.png",
        "advisories_cve-2025-31001_-360.png",
    ] {
        let png = std::fs::read(shots.join(shot)).expect("screenshot");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{shot} is a PNG");
        let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
        assert_eq!(
            width,
            if shot.contains("-360") { 360 } else { 1280 },
            "{shot}"
        );
    }
}

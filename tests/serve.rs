//! `herald serve`: preview over real HTTP, live rebuilds, and the embargoed
//! preview that never touches `public/`.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{advisory, Tree};

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(t: &Tree, extra: &[&str]) -> Server {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("herald"))
        .arg("--root")
        .arg(t.path())
        .args(["serve", "--port", "0", "--now", "2025-01-01T00:00:00Z"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("url");
    Server {
        child,
        url: line.trim().to_string(),
    }
}

fn get(url: &str) -> (u16, String) {
    let resp = reqwest::blocking::get(url).expect("GET");
    let status = resp.status().as_u16();
    (status, resp.text().expect("body"))
}

#[test]
fn serves_the_site_and_rebuilds_on_change() {
    let t = Tree::new();
    let s = start(&t, &[]);
    assert!(s.url.starts_with("http://127.0.0.1:"), "{}", s.url);
    let (status, index) = get(&s.url);
    assert_eq!(status, 200);
    assert!(index.contains("Security advisory for widgets (CVE-2024-1000)"));
    let (status, _) = get(&format!("{}advisories/cve-2024-1000/", s.url));
    assert_eq!(status, 200);
    let (status, body) = get(&format!("{}no/such/page/", s.url));
    assert_eq!(status, 404);
    assert!(body.contains("Page not found"));
    let (status, _) = get(&format!("{}../../etc/passwd", s.url));
    assert_eq!(status, 404);

    // An edit shows up without restarting.
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &common::ADVISORY.replace("widgets (CVE", "sprockets (CVE"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, index) = get(&s.url);
        if index.contains("Security advisory for sprockets (CVE-2024-1000)") {
            break;
        }
        assert!(Instant::now() < deadline, "no rebuild after the edit");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_embargoed_preview_shows_a_banner_and_leaves_public_alone() {
    let t = Tree::new();
    t.write(
        "advisories/2024/cve-2024-1002.md",
        &advisory(2, "2099-04-07T15:00:00Z"),
    );
    let s = start(&t, &["--embargoed"]);
    let (status, page) = get(&format!("{}advisories/cve-2024-1002/", s.url));
    assert_eq!(status, 200);
    assert!(
        page.contains("class=\"preview-banner\""),
        "banner on the embargoed page"
    );
    let (_, index) = get(&s.url);
    assert!(index.contains("preview-banner") && index.contains("CVE-2024-1002"));
    assert!(t
        .path()
        .join(".herald-preview/advisories/cve-2024-1002/index.html")
        .is_file());
    assert!(
        !t.path().join("public").exists(),
        "the preview never writes public/"
    );
    drop(s);

    // Without the flag, the embargoed advisory is absent and there is no banner.
    let s = start(&t, &[]);
    let (status, _) = get(&format!("{}advisories/cve-2024-1002/", s.url));
    assert_eq!(status, 404);
    let (_, index) = get(&s.url);
    assert!(!index.contains("preview-banner") && !index.contains("CVE-2024-1002"));
}

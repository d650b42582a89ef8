//! `herald serve`: preview over real HTTP, live rebuilds, and the embargoed
//! preview that never touches `public/`.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
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
    start_with(serve(t).args(extra))
}

/// `herald serve` on `t`, on a port of its choosing, not yet started;
/// what it says on stderr is dropped unless the caller asks for it.
fn serve(t: &Tree) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("herald"));
    c.arg("--root")
        .arg(t.path())
        .args(["serve", "--port", "0", "--now", "2025-01-01T00:00:00Z"])
        .stderr(Stdio::null());
    c
}

/// Start `c` and wait for the address it prints; an empty address when
/// it exited first.
fn start_with(c: &mut Command) -> Server {
    let mut child = c.stdout(Stdio::piped()).spawn().expect("spawn");
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
    // A page of another site that points its own name at 127.0.0.1 (DNS
    // rebinding) asks with that name: it is not answered.
    let addr = s.url.trim_start_matches("http://").trim_end_matches('/');
    for host in ["attacker.example", "127.0.0.1.attacker.example:80"] {
        let mut conn = std::net::TcpStream::connect(addr).expect("connect");
        let ask = format!(
            "GET /advisories/cve-2024-1002/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        );
        conn.write_all(ask.as_bytes()).expect("write");
        let mut answer = String::new();
        conn.read_to_string(&mut answer).expect("read");
        assert!(answer.starts_with("HTTP/1.1 421 "), "{answer}");
        assert!(!answer.contains("CVE-2024-1002"), "{answer}");
    }
    drop(s);

    // Without the flag, the embargoed advisory is absent and there is no banner.
    let s = start(&t, &[]);
    let (status, _) = get(&format!("{}advisories/cve-2024-1002/", s.url));
    assert_eq!(status, 404);
    let (_, index) = get(&s.url);
    assert!(!index.contains("preview-banner") && !index.contains("CVE-2024-1002"));
}

#[test]
fn a_connection_that_never_finishes_its_request_is_closed() {
    let t = Tree::new();
    t.write(
        "advisories/2024/cve-2024-1001.md",
        &advisory(1, "2024-04-09T15:00:00Z"),
    );
    let s = start(&t, &[]);
    let addr = s.url.trim_start_matches("http://").trim_end_matches('/');
    let mut idle = std::net::TcpStream::connect(addr).expect("connect");
    idle.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .expect("write");
    idle.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let started = Instant::now();
    // Others are served meanwhile.
    assert_eq!(get(&s.url).0, 200);
    let mut answer = Vec::new();
    idle.read_to_end(&mut answer)
        .expect("the server closes the connection before the client gives up");
    let waited = started.elapsed();
    assert!(
        answer.is_empty(),
        "closed without an answer: {:?}",
        String::from_utf8_lossy(&answer)
    );
    assert!(
        waited >= Duration::from_secs(3) && waited < Duration::from_secs(20),
        "closed after {waited:?}"
    );
}

/// Read the event stream until an event named `name`; its data lines.
fn next_event(reader: &mut impl BufRead, name: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut current = String::new();
    let mut data = String::new();
    loop {
        assert!(Instant::now() < deadline, "no `{name}` event");
        let mut line = String::new();
        if reader.read_line(&mut line).expect("read") == 0 {
            panic!("the event stream closed");
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if let Some(e) = line.strip_prefix("event: ") {
            current = e.to_string();
        } else if let Some(d) = line.strip_prefix("data: ") {
            data.push_str(d);
            data.push('\n');
        } else if line.is_empty() {
            if current == name {
                return data;
            }
            current.clear();
            data.clear();
        }
    }
}

#[test]
fn open_pages_reload_after_a_rebuild_and_show_a_failed_one() {
    let t = Tree::new();
    let s = start(&t, &[]);
    // The served page listens; the file on disk does not.
    let (_, page) = get(&s.url);
    assert!(
        page.contains("new EventSource(\"/__herald/events\")"),
        "{page}"
    );
    assert!(!t.read("public/index.html").contains("EventSource"));

    let mut events = subscribe(&s);

    t.write(
        "advisories/2024/cve-2024-1000.md",
        &common::ADVISORY.replace("widgets (CVE", "sprockets (CVE"),
    );
    next_event(&mut events, "reload");
    assert!(get(&s.url).1.contains("sprockets (CVE-2024-1000)"));

    // A broken tree: the page is told why, and the last good build stays.
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &common::ADVISORY.replace("severity: high", "severity: severe"),
    );
    let why = next_event(&mut events, "failed");
    assert!(
        why.contains("advisories/2024/cve-2024-1000.md:7:11: unknown severity `severe`"),
        "{why}"
    );
    assert!(get(&s.url).1.contains("sprockets (CVE-2024-1000)"));
}

/// The server's stream of events, once it is listening: no event of a
/// later edit is missed.
fn subscribe(s: &Server) -> BufReader<std::net::TcpStream> {
    let addr = s.url.trim_start_matches("http://").trim_end_matches('/');
    let mut conn = std::net::TcpStream::connect(addr).expect("connect");
    conn.write_all(format!("GET /__herald/events HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .expect("request");
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut events = BufReader::new(conn);
    let mut status = String::new();
    events.read_line(&mut status).expect("status");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    events
}

/// Waits until the served front page holds `needle`.
fn await_page(s: &Server, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !get(&s.url).1.contains(needle) {
        assert!(Instant::now() < deadline, "no rebuild shows {needle:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_rebuild_that_parses_only_the_edited_file_writes_what_a_cold_build_writes() {
    let t = Tree::new();
    for n in 1..=3 {
        t.write(
            &format!("advisories/2024/cve-2024-{}.md", 1000 + n),
            &advisory(n, &format!("2024-05-0{n}T15:00:00Z")),
        );
    }
    let s = start(&t, &[]);
    await_page(&s, "widgets number 3 (CVE-2024-1003)");
    // The others are kept as parsed; this one is parsed again, then put
    // back to the text it had, which is parsed again too.
    let edited = "advisories/2024/cve-2024-1002.md";
    t.write(
        edited,
        &advisory(2, "2024-05-02T15:00:00Z").replace("number 2", "number two"),
    );
    await_page(&s, "widgets number two (CVE-2024-1002)");
    t.write(edited, &advisory(2, "2024-05-02T15:00:00Z"));
    await_page(&s, "widgets number 2 (CVE-2024-1002)");

    let cold = tempfile::tempdir().expect("tempdir");
    let out = cold.path().join("public");
    let o = t.build_site_into("2025-01-01T00:00:00Z", &out);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let cold_files = common::snapshot_of(&out);
    let served = t.snapshot("public");
    assert_eq!(served.len(), cold_files.len());
    for (path, bytes) in &cold_files {
        assert!(
            served.get(path) == Some(bytes),
            "{} differs",
            path.display()
        );
    }
}

/// `public/` is the folder a deploy takes, so the preview holds it to the
/// secrets of its environment as `herald build` does: a token pasted into
/// an advisory stops the first build, and a later rebuild, before any page
/// carries it. The embargoed preview too: it shows what will go out.
#[test]
fn the_preview_never_writes_a_secret_of_its_environment() {
    // Of no known token format: only the environment says it is a secret.
    let token = "opaque-0123456789abcdefghijklmnopqrstuvwxyz";
    let pasted = common::ADVISORY.replace("widgets (CVE", &format!("widgets {token} (CVE"));
    // In `public/`, or in the embargoed preview's folder.
    let holds_token = |t: &Tree| {
        ["public", ".herald-preview"].iter().any(|dir| {
            common::snapshot_of(&t.path().join(dir))
                .values()
                .any(|bytes| String::from_utf8_lossy(bytes).contains(token))
        })
    };

    for extra in [&[][..], &["--embargoed"]] {
        let t = Tree::new();
        t.write("advisories/2024/cve-2024-1000.md", &pasted);
        first_build_refuses(serve(&t).args(extra).env("GITHUB_TOKEN", token), token);
        assert!(!holds_token(&t), "{extra:?}");
    }

    let t = Tree::new();
    let s = start_with(serve(&t).env("GITHUB_TOKEN", token));
    let mut events = subscribe(&s);
    t.write("advisories/2024/cve-2024-1000.md", &pasted);
    let why = next_event(&mut events, "failed");
    assert!(why.contains("the value of GITHUB_TOKEN"), "{why}");
    assert!(!why.contains(token), "{why}");
    assert!(!holds_token(&t));
    assert!(get(&s.url).1.contains("widgets (CVE-2024-1000)"));
}

/// `serve` whose first build must fail: it exits, never printing an
/// address, and says why without `secret`'s value.
fn first_build_refuses(c: &mut Command, secret: &str) {
    let mut s = start_with(c.stderr(Stdio::piped()));
    // A server that starts prints its address: then it served the secret.
    assert!(
        s.url.is_empty(),
        "serve started at {} with the secret",
        s.url
    );
    let mut err = String::new();
    s.child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("read");
    let status = s.child.wait().expect("wait");
    assert!(!status.success(), "the first build must fail");
    assert!(err.contains("the value of GITHUB_TOKEN"), "{err}");
    assert!(!err.contains(secret), "{err}");
}

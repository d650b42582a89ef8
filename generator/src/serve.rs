//! A small static file server for previews, on loopback only, that tells
//! open pages when a rebuild finished (server-sent events), so they reload,
//! or shows them why it failed. The script that listens is added to pages
//! as they are served, never to the files.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Where pages listen for rebuilds.
pub const EVENTS: &str = "/__herald/events";

/// What the last rebuild did: its number, and its error if it failed.
#[derive(Default)]
pub struct Rebuilds {
    state: Mutex<(u64, Option<String>)>,
    changed: Condvar,
}

impl Rebuilds {
    /// A rebuild finished: `Ok` reloads open pages, `Err` shows them why.
    pub fn finished(&self, outcome: Result<(), String>) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.0 += 1;
        s.1 = outcome.err();
        self.changed.notify_all();
    }

    fn current(&self) -> (u64, Option<String>) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Wait up to `timeout` for a rebuild after `seen`.
    fn wait_after(&self, seen: u64, timeout: Duration) -> (u64, Option<String>) {
        let guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (guard, _) = self
            .changed
            .wait_timeout_while(guard, timeout, |s| s.0 == seen)
            .unwrap_or_else(|p| p.into_inner());
        guard.clone()
    }
}

/// Listens for rebuilds: reloads the page, or shows the error on it while
/// the last good build stays served.
const LIVE: &str = r#"<script>(function(){var s=new EventSource("/__herald/events");s.addEventListener("reload",function(){location.reload()});s.addEventListener("failed",function(e){var p=document.getElementById("herald-failed");if(!p){p=document.createElement("pre");p.id="herald-failed";p.setAttribute("role","alert");p.style.cssText="position:fixed;inset:auto 0 0 0;max-height:50vh;overflow:auto;margin:0;padding:1em;background:#fff0f0;color:#8a0000;border-top:3px solid #8a0000;white-space:pre-wrap;z-index:9999";document.body.appendChild(p)}p.textContent="herald serve: the rebuild failed; this is the last good build.\n\n"+e.data})})();</script>"#;

/// `bytes` of an HTML page with the listener added before `</body>`.
fn with_live(bytes: Vec<u8>) -> Vec<u8> {
    let at = bytes
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(bytes.len());
    let mut out = Vec::with_capacity(bytes.len() + LIVE.len());
    out.extend_from_slice(&bytes[..at]);
    out.extend_from_slice(LIVE.as_bytes());
    out.extend_from_slice(&bytes[at..]);
    out
}

/// The event stream: one event per rebuild, a comment now and then to
/// notice a closed page.
fn events(mut stream: TcpStream, rebuilds: &Rebuilds) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\n: herald\n\n";
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let (mut seen, _) = rebuilds.current();
    loop {
        let (now, error) = rebuilds.wait_after(seen, Duration::from_secs(15));
        let msg = if now == seen {
            ": still here\n\n".to_string()
        } else {
            seen = now;
            match error {
                None => format!("event: reload\ndata: {now}\n\n"),
                Some(e) => {
                    let data: String = e.lines().map(|l| format!("data: {l}\n")).collect();
                    format!("event: failed\n{data}\n")
                }
            }
        };
        if stream
            .write_all(msg.as_bytes())
            .and_then(|_| stream.flush())
            .is_err()
        {
            return;
        }
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "asc" => "text/plain; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// The file a request path names inside `dir`, or `None` when the path
/// tries to leave it.
pub fn resolve(dir: &Path, request: &str) -> Option<PathBuf> {
    let path = request.split(['?', '#']).next().unwrap_or("/");
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    let mut out = dir.to_path_buf();
    for c in Path::new(decoded.trim_start_matches('/')).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if out.is_dir() {
        out.push("index.html");
    }
    Some(out)
}

fn respond(stream: &mut TcpStream, status: &str, ctype: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

/// The most of a request's head read: a browser's is a few hundred bytes.
const MAX_HEAD: u64 = 16 << 10;

/// How long a connection may take to send its request's head.
const HEAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// How long one write of an answer may wait for the reader.
const WRITE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Whether a `Host` header names this machine. A page on any site can
/// point its own name at 127.0.0.1 (DNS rebinding) and then read this
/// server as its own origin; with `--embargoed` that would hand it every
/// advisory under embargo. Its requests carry its own name, so only
/// loopback names are answered.
fn loopback_host(host: &str) -> bool {
    let host = host.trim();
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The request line and the `Host` header of a request's head.
fn read_head(stream: &TcpStream) -> Option<(String, Option<String>)> {
    use std::io::Read;
    let mut reader = BufReader::new(stream.take(MAX_HEAD));
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut host = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("host") {
                host = Some(value.trim().to_string());
            }
        }
    }
    Some((line, host))
}

fn handle(mut stream: TcpStream, dir: &Path, rebuilds: Option<&Rebuilds>) {
    // Each connection holds a thread: one that never finishes its head,
    // or never reads its answer, must not hold it for good.
    let _ = stream.set_read_timeout(Some(HEAD_TIMEOUT));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let Some((line, host)) = read_head(&stream) else {
        return;
    };
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return;
    };
    if !host.as_deref().is_some_and(loopback_host) {
        respond(
            &mut stream,
            "421 Misdirected Request",
            "text/plain",
            b"herald serve answers only requests for 127.0.0.1 or localhost\n",
        );
        return;
    }
    if let (Some(r), true) = (rebuilds, target == EVENTS) {
        return events(stream, r);
    }
    if method != "GET" && method != "HEAD" {
        respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain",
            b"GET only\n",
        );
        return;
    }
    match resolve(dir, target).and_then(|p| std::fs::read(&p).ok().map(|b| (p, b))) {
        Some((path, bytes)) => {
            let ctype = content_type(&path);
            let bytes = match rebuilds {
                Some(_) if ctype.starts_with("text/html") => with_live(bytes),
                _ => bytes,
            };
            respond(&mut stream, "200 OK", ctype, &bytes)
        }
        None => {
            let body =
                std::fs::read(dir.join("404.html")).unwrap_or_else(|_| b"Not found\n".to_vec());
            respond(
                &mut stream,
                "404 Not Found",
                "text/html; charset=utf-8",
                &body,
            );
        }
    }
}

/// Serve `dir` on `listener` until the process ends; one thread per
/// request. With `rebuilds`, pages reload when one finishes.
pub fn serve(listener: TcpListener, dir: PathBuf, rebuilds: Option<Arc<Rebuilds>>) {
    for stream in listener.incoming().flatten() {
        let dir = dir.clone();
        let rebuilds = rebuilds.clone();
        std::thread::spawn(move || handle(stream, &dir, rebuilds.as_deref()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        assert_eq!(
            resolve(dir.path(), "/a/"),
            Some(dir.path().join("a/index.html"))
        );
        assert_eq!(
            resolve(dir.path(), "/feed.xml?x=1"),
            Some(dir.path().join("feed.xml"))
        );
        assert_eq!(resolve(dir.path(), "/../etc/passwd"), None);
        assert_eq!(resolve(dir.path(), "/a/%2e%2e/%2e%2e/etc/passwd"), None);
    }

    #[test]
    fn only_loopback_names_are_answered() {
        for host in [
            "127.0.0.1:1111",
            "127.0.0.1",
            "localhost:8080",
            "LOCALHOST",
            "preview.localhost:1",
            "[::1]:1111",
        ] {
            assert!(loopback_host(host), "{host}");
        }
        for host in [
            "attacker.example:1111",
            "127.0.0.1.attacker.example:1111",
            "localhost.attacker.example",
            "10.0.0.1:1111",
            "[fe80::1]:1111",
            "",
        ] {
            assert!(!loopback_host(host), "{host}");
        }
    }
}

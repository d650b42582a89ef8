//! Real servers on loopback that answer as the services do: an SMTP server
//! (mailin-embedded) and a small HTTP/1.1 server whose answers a test
//! scripts, recording every request.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use mailin_embedded::{response, Handler, Response, Server};

/// One mail as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

#[derive(Default)]
struct SmtpState {
    mails: Vec<Received>,
    /// Codes to answer at the end of DATA, one per mail, before accepting.
    refusals: VecDeque<u16>,
}

#[derive(Clone)]
struct MailHandler {
    state: Arc<Mutex<SmtpState>>,
    current: Received,
}

impl Handler for MailHandler {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        self.current = Received {
            from: from.to_string(),
            to: Vec::new(),
            data: String::new(),
        };
        response::OK
    }
    fn rcpt(&mut self, to: &str) -> Response {
        self.current.to.push(to.to_string());
        response::OK
    }
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.data.push_str(&String::from_utf8_lossy(buf));
        Ok(())
    }
    fn data_end(&mut self) -> Response {
        let mut s = self.state.lock().expect("lock");
        if let Some(code) = s.refusals.pop_front() {
            return Response::custom(code, "Refused by the test".into());
        }
        s.mails.push(self.current.clone());
        response::OK
    }
}

pub struct Smtp {
    pub port: u16,
    state: Arc<Mutex<SmtpState>>,
}

impl Smtp {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new(Mutex::new(SmtpState::default()));
        let handler = MailHandler {
            state: state.clone(),
            current: Received {
                from: String::new(),
                to: Vec::new(),
                data: String::new(),
            },
        };
        let mut server = Server::new(handler);
        server.with_name("smtp.test").with_tcp_listener(listener);
        thread::spawn(move || {
            let _ = server.serve();
        });
        Smtp { port, state }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn mails(&self) -> Vec<Received> {
        self.state.lock().expect("lock").mails.clone()
    }

    /// The next `n` mails are refused with `code` at the end of DATA.
    pub fn refuse(&self, code: u16, n: usize) {
        let mut s = self.state.lock().expect("lock");
        for _ in 0..n {
            s.refusals.push_back(code);
        }
    }

    /// Mails whose Subject header contains `needle`.
    pub fn count(&self, needle: &str) -> usize {
        self.mails()
            .iter()
            .filter(|m| m.data.contains(needle))
            .count()
    }
}

/// One HTTP request as the fake server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// (status, extra headers, body)
pub type Answer = (u16, Vec<(String, String)>, String);
/// A status that makes the fake close the connection without an answer.
pub const DROP: u16 = 0;
/// A status that makes the fake hold the connection open, never answering.
pub const HANG: u16 = 1;

pub fn fault(status: u16) -> Answer {
    (
        status,
        vec![],
        "{\"message\":\"fault injected by the test\"}".into(),
    )
}
type Script = Box<dyn FnMut(&Request) -> Answer + Send>;

pub struct Http {
    pub port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = Vec::new();
    let mut len = 0;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

impl Http {
    /// Serve on loopback; `script` answers each request in turn.
    pub fn start(script: impl FnMut(&Request) -> Answer + Send + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let script: Arc<Mutex<Script>> = Arc::new(Mutex::new(Box::new(script)));
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                // One request per connection keeps the fake simple.
                let Some(req) = read_request(&mut stream) else {
                    continue;
                };
                log.lock().expect("lock").push(req.clone());
                let (status, headers, body) = (script.lock().expect("lock"))(&req);
                match status {
                    // The server acted, then the connection dropped.
                    DROP => continue,
                    // The server accepted and never answers.
                    HANG => {
                        thread::spawn(move || {
                            thread::sleep(std::time::Duration::from_secs(120));
                            drop(stream);
                        });
                        continue;
                    }
                    _ => {}
                }
                let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nContent-Type: application/json\r\nConnection: close\r\n", body.len());
                for (k, v) in headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body.as_bytes());
            }
        });
        Http { port, requests }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("lock").clone()
    }

    pub fn count(&self, method: &str, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    }
}

/// The state a fake Discourse keeps: topics by external id.
#[derive(Default)]
pub struct Discourse {
    pub topics: Vec<(String, u64)>,
    /// Answers to give before behaving normally, for fault injection.
    pub faults: VecDeque<Answer>,
    /// Answers to give to a POST after the topic was created.
    pub after_create: VecDeque<Answer>,
}

pub fn discourse(state: Arc<Mutex<Discourse>>) -> impl FnMut(&Request) -> Answer + Send {
    move |req| {
        let mut s = state.lock().expect("lock");
        if let Some(f) = s.faults.pop_front() {
            return f;
        }
        if req.method == "GET" {
            if let Some(ext) = req
                .path
                .strip_prefix("/t/external_id/")
                .and_then(|p| p.strip_suffix(".json"))
            {
                return match s.topics.iter().find(|(e, _)| e == ext) {
                    Some((_, id)) => (
                        200,
                        vec![],
                        format!("{{\"id\":{id},\"slug\":\"topic-{id}\"}}"),
                    ),
                    None => (404, vec![], "{\"errors\":[\"not found\"]}".into()),
                };
            }
        }
        if req.method == "POST" && req.path == "/posts.json" {
            let body = req.json();
            let ext = body["external_id"].as_str().unwrap_or_default().to_string();
            let id = 100 + s.topics.len() as u64;
            s.topics.push((ext, id));
            if let Some(f) = s.after_create.pop_front() {
                return f;
            }
            return (
                200,
                vec![],
                format!(
                    "{{\"id\":{},\"topic_id\":{id},\"topic_slug\":\"topic-{id}\"}}",
                    id + 1000
                ),
            );
        }
        (404, vec![], "{}".into())
    }
}

/// The state a fake GitHub keeps: repository advisories.
#[derive(Default)]
pub struct GitHub {
    /// (repository, ghsa_id, state, cve_id)
    pub advisories: Vec<(String, String, String, String)>,
    pub faults: VecDeque<Answer>,
    /// Answers to give to publishing requests (PATCH) only.
    pub patch_faults: VecDeque<Answer>,
    /// Answers to give to a POST after the advisory was created.
    pub after_create: VecDeque<Answer>,
    /// Repositories and their visibility (`public`, `private`, `internal`),
    /// for `GET /repos/{owner}/{repo}`.
    pub repositories: Vec<(String, String)>,
}

/// `GET /repos/{owner}/{repo}` as GitHub answers it: a repository the
/// caller may not see is a 404, and only a token sees a private one.
fn repository(s: &GitHub, req: &Request, repo: &str) -> Answer {
    let authorized = req.header("Authorization").is_some();
    match s.repositories.iter().find(|(r, _)| r == repo) {
        Some((r, v)) if v == "public" || authorized => (
            200,
            vec![],
            format!(
                "{{\"full_name\":\"{r}\",\"private\":{},\"visibility\":\"{v}\"}}",
                v != "public"
            ),
        ),
        _ => (
            404,
            vec![],
            "{\"message\":\"Not Found\",\"documentation_url\":\"https://docs.github.com/rest/repos/repos#get-a-repository\",\"status\":\"404\"}".into(),
        ),
    }
}

pub fn github(state: Arc<Mutex<GitHub>>) -> impl FnMut(&Request) -> Answer + Send {
    move |req| {
        let mut s = state.lock().expect("lock");
        if let Some(f) = s.faults.pop_front() {
            return f;
        }
        let path = req.path.split('?').next().unwrap_or_default();
        let Some(rest) = path.strip_prefix("/repos/") else {
            return (404, vec![], "{}".into());
        };
        if req.method == "GET" && rest.matches('/').count() == 1 {
            return repository(&s, req, rest);
        }
        let Some((repo, tail)) = rest.split_once("/security-advisories") else {
            return (404, vec![], "{}".into());
        };
        let repo = repo.to_string();
        let json = |(r, id, state, cve): &(String, String, String, String)| {
            format!("{{\"ghsa_id\":\"{id}\",\"state\":\"{state}\",\"html_url\":\"https://github.com/{r}/security/advisories/{id}\",\"cve_id\":\"{cve}\",\"summary\":\"s\"}}")
        };
        match (req.method.as_str(), tail) {
            ("GET", "") => {
                let list: Vec<String> = s
                    .advisories
                    .iter()
                    .filter(|a| a.0 == repo)
                    .map(json)
                    .collect();
                (200, vec![], format!("[{}]", list.join(",")))
            }
            ("POST", "") => {
                let cve = req.json()["cve_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                // GitHub assigns the id; these are valid GHSA ids.
                let ids = [
                    "GHSA-9999-8888-7777",
                    "GHSA-9999-8888-6666",
                    "GHSA-9999-8888-5555",
                ];
                let id = ids[s.advisories.len() % ids.len()].to_string();
                s.advisories.push((repo, id, "draft".into(), cve));
                if let Some(f) = s.after_create.pop_front() {
                    return f;
                }
                (201, vec![], json(s.advisories.last().expect("pushed")))
            }
            (method, tail) => {
                let id = tail.trim_start_matches('/').to_string();
                let Some(i) = s.advisories.iter().position(|a| a.0 == repo && a.1 == id) else {
                    return (404, vec![], "{\"message\":\"Not Found\"}".into());
                };
                if method == "PATCH" {
                    if let Some(f) = s.patch_faults.pop_front() {
                        return f;
                    }
                    s.advisories[i].2 = "published".into();
                }
                (200, vec![], json(&s.advisories[i]))
            }
        }
    }
}

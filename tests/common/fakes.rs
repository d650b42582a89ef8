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
    /// How long to think at the end of DATA, one per mail, before answering.
    delays: VecDeque<std::time::Duration>,
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
        let delay = self.state.lock().expect("lock").delays.pop_front();
        if let Some(d) = delay {
            thread::sleep(d);
        }
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

    /// The next mail is answered only after `d`, as a slow server does.
    pub fn delay(&self, d: std::time::Duration) {
        self.state.lock().expect("lock").delays.push_back(d);
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
                // Discourse answers with a 301 to the topic's own path
                // (`redirect_to_correct_topic`), on the same host.
                return match s.topics.iter().find(|(e, _)| e == ext) {
                    Some((_, id)) => (
                        301,
                        vec![("Location".into(), format!("/t/topic-{id}/{id}.json"))],
                        String::new(),
                    ),
                    None => (404, vec![], "{\"errors\":[\"not found\"]}".into()),
                };
            }
            if let Some(id) = req
                .path
                .strip_prefix("/t/topic-")
                .and_then(|p| p.split_once('/'))
                .and_then(|(id, rest)| (rest == format!("{id}.json")).then_some(id))
                .and_then(|id| id.parse::<u64>().ok())
                .filter(|id| s.topics.iter().any(|(_, t)| t == id))
            {
                return (
                    200,
                    vec![],
                    format!("{{\"id\":{id},\"slug\":\"topic-{id}\"}}"),
                );
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
    /// Git branches: (repository, branch, head commit sha).
    pub branches: Vec<(String, String, String)>,
    /// Files: (repository, branch, path, bytes).
    pub files: Vec<(String, String, String, Vec<u8>)>,
    /// Pull requests: (repository, number, head, base, title).
    pub pulls: Vec<(String, u64, String, String, String)>,
    /// Answers to give after a file was written or a pull request made.
    pub after_write: VecDeque<Answer>,
    /// The bodies of PATCH requests to advisories: (ghsa id, body).
    pub patches: Vec<(String, serde_json::Value)>,
    /// Pull requests to answer 201 for while making none: a server that lies.
    pub pull_lies: usize,
}

fn blob_sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .take(20)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The contents, refs and pulls endpoints, as GitHub answers them.
fn git(s: &mut GitHub, req: &Request, repo: &str, tail: &str) -> Answer {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
    let param = |k: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
            .map(str::to_string)
    };
    let not_found = || (404, vec![], "{\"message\":\"Not Found\"}".to_string());
    let body = req.json();
    match (req.method.as_str(), path) {
        ("GET", p) if p.starts_with("git/ref/heads/") => {
            let b = &p["git/ref/heads/".len()..];
            match s.branches.iter().find(|x| x.0 == repo && x.1 == b) {
                Some(x) => (200, vec![], format!("{{\"ref\":\"refs/heads/{b}\",\"object\":{{\"sha\":\"{}\",\"type\":\"commit\"}}}}", x.2)),
                None => not_found(),
            }
        }
        ("POST", "git/refs") => {
            let r = body["ref"]
                .as_str()
                .unwrap_or_default()
                .trim_start_matches("refs/heads/")
                .to_string();
            if s.branches.iter().any(|x| x.0 == repo && x.1 == r) {
                return (
                    422,
                    vec![],
                    "{\"message\":\"Reference already exists\"}".into(),
                );
            }
            let sha = body["sha"].as_str().unwrap_or_default().to_string();
            s.branches.push((repo.to_string(), r.clone(), sha.clone()));
            (
                201,
                vec![],
                format!("{{\"ref\":\"refs/heads/{r}\",\"object\":{{\"sha\":\"{sha}\"}}}}"),
            )
        }
        ("GET", p) if p.starts_with("contents/") => {
            let file = &p["contents/".len()..];
            let branch = param("ref").unwrap_or_else(|| "main".into());
            match s
                .files
                .iter()
                .find(|f| f.0 == repo && f.1 == branch && f.2 == file)
            {
                Some(f) => {
                    // GitHub wraps the content at 60 columns.
                    let enc = b64.encode(&f.3);
                    let wrapped: Vec<String> = enc
                        .as_bytes()
                        .chunks(60)
                        .map(|c| String::from_utf8_lossy(c).into_owned())
                        .collect();
                    (200, vec![], serde_json::json!({"sha": blob_sha(&f.3), "encoding": "base64", "content": wrapped.join("\n") + "\n", "path": file}).to_string())
                }
                None => not_found(),
            }
        }
        ("PUT", p) if p.starts_with("contents/") => {
            let file = p["contents/".len()..].to_string();
            let branch = body["branch"].as_str().unwrap_or("main").to_string();
            if !s.branches.iter().any(|x| x.0 == repo && x.1 == branch) {
                return (404, vec![], "{\"message\":\"Branch not found\"}".into());
            }
            let bytes = b64
                .decode(body["content"].as_str().unwrap_or_default())
                .unwrap_or_default();
            let existing = s
                .files
                .iter()
                .position(|f| f.0 == repo && f.1 == branch && f.2 == file);
            match (existing, body["sha"].as_str()) {
                (Some(_), None) => {
                    return (
                        422,
                        vec![],
                        "{\"message\":\"Invalid request.\\n\\n\\\"sha\\\" wasn't supplied.\"}"
                            .into(),
                    )
                }
                (Some(i), Some(sha)) if blob_sha(&s.files[i].3) != sha => {
                    return (409, vec![], "{\"message\":\"sha does not match\"}".into())
                }
                (Some(i), Some(_)) => s.files[i].3 = bytes.clone(),
                (None, _) => s
                    .files
                    .push((repo.to_string(), branch, file.clone(), bytes.clone())),
            }
            if let Some(a) = s.after_write.pop_front() {
                return a;
            }
            let commit = blob_sha(&[bytes.as_slice(), b"commit"].concat());
            (201, vec![], serde_json::json!({"content": {"path": file, "sha": blob_sha(&bytes)}, "commit": {"sha": commit}}).to_string())
        }
        ("GET", "pulls") => {
            let head = param("head").unwrap_or_default();
            let list: Vec<serde_json::Value> = s
                .pulls
                .iter()
                .filter(|p| p.0 == repo && format!("{}:{}", repo.split('/').next().unwrap_or_default(), p.2) == head)
                .map(|p| serde_json::json!({"number": p.1, "html_url": format!("https://github.com/{}/pull/{}", p.0, p.1), "state": "open"}))
                .collect();
            (200, vec![], serde_json::Value::Array(list).to_string())
        }
        ("POST", "pulls") => {
            let head = body["head"].as_str().unwrap_or_default().to_string();
            if s.pull_lies > 0 {
                s.pull_lies -= 1;
                return (201, vec![], serde_json::json!({"number": 999, "html_url": format!("https://github.com/{repo}/pull/999")}).to_string());
            }
            if s.pulls.iter().any(|p| p.0 == repo && p.2 == head) {
                return (422, vec![], format!("{{\"message\":\"Validation Failed\",\"errors\":[{{\"message\":\"A pull request already exists for {head}.\"}}]}}"));
            }
            let n = 100 + s.pulls.len() as u64;
            s.pulls.push((
                repo.to_string(),
                n,
                head,
                body["base"].as_str().unwrap_or_default().to_string(),
                body["title"].as_str().unwrap_or_default().to_string(),
            ));
            if let Some(a) = s.after_write.pop_front() {
                return a;
            }
            (201, vec![], serde_json::json!({"number": n, "html_url": format!("https://github.com/{repo}/pull/{n}")}).to_string())
        }
        _ => not_found(),
    }
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
        // `owner/name/tail…`
        let mut parts = rest.splitn(3, '/');
        let (owner, name, tail) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        if ["contents/", "git/", "pulls"]
            .iter()
            .any(|p| tail.starts_with(p))
        {
            let repo = format!("{owner}/{name}");
            let full = req
                .path
                .split_once(&format!("{repo}/"))
                .map(|x| x.1)
                .unwrap_or(tail);
            return git(&mut s, req, &repo, full);
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
                    s.patches.push((id.clone(), req.json()));
                    s.advisories[i].2 = "published".into();
                }
                (200, vec![], json(&s.advisories[i]))
            }
        }
    }
}

/// The state a fake CVE Services keeps.
#[derive(Default)]
pub struct CveServices {
    /// Ids the CNA reserved: only these can be published.
    pub reserved: Vec<String>,
    /// Published records: (id, full record).
    pub records: Vec<(String, serde_json::Value)>,
    /// Answers to give before behaving normally.
    pub faults: VecDeque<Answer>,
    /// Answers to give to a POST after the record was published.
    pub after_create: VecDeque<Answer>,
    /// Containers the schema refused, with why.
    pub refused: Vec<String>,
    /// Revisions received: (id, container).
    pub updates: Vec<(String, serde_json::Value)>,
    /// Rejections received: (id, container).
    pub rejections: Vec<(String, serde_json::Value)>,
    /// POSTs to answer with success while keeping nothing: a service that
    /// lies.
    pub lies: usize,
}

/// The official CNA container schema, as the service checks it.
pub fn cve_schema() -> jsonschema::Validator {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas/cve/CVE_Record_Format_bundled_cnaPublishedContainer.json");
    let mut schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema")).expect("json");
    let o = schema.as_object_mut().expect("object");
    o.remove("properties");
    o.remove("additionalProperties");
    o.insert("$ref".into(), "#/definitions/cnaPublishedContainer".into());
    jsonschema::draft7::new(&schema).expect("schema")
}

/// CVE Services as its API answers (`/api/cve/{id}`, `/api/cve/{id}/cna`),
/// for the org `example`, user `herald-bot`, key `cve-secret`.
pub fn cve_services(state: Arc<Mutex<CveServices>>) -> impl FnMut(&Request) -> Answer + Send {
    let schema = cve_schema();
    move |req| {
        let mut s = state.lock().expect("lock");
        if let Some(f) = s.faults.pop_front() {
            return f;
        }
        let error = |status: u16, code: &str, message: &str| {
            (
                status,
                vec![],
                serde_json::json!({ "error": code, "message": message }).to_string(),
            )
        };
        let authorized = req.header("CVE-API-ORG") == Some("example")
            && req.header("CVE-API-USER") == Some("herald-bot")
            && req.header("CVE-API-KEY") == Some("cve-secret");
        if !authorized {
            return error(401, "UNAUTHORIZED", "Unauthorized");
        }
        let Some(rest) = req.path.strip_prefix("/api/cve/") else {
            return error(404, "NOT_FOUND", "no such endpoint");
        };
        if let (Some(id), "POST") = (rest.strip_suffix("/reject"), req.method.as_str()) {
            if !s.reserved.iter().any(|r| r == id) {
                return error(
                    403,
                    "CVE_ID_NOT_RESERVED",
                    "The CVE ID is not reserved by this CNA.",
                );
            }
            if s.records.iter().any(|r| r.0 == id) {
                return error(400, "CVE_RECORD_EXISTS", "The CVE Record already exists.");
            }
            let container = req.json()["cnaContainer"].clone();
            if container["rejectedReasons"][0]["value"].as_str().is_none() {
                return error(400, "BAD_INPUT", "rejectedReasons is required");
            }
            if s.lies > 0 {
                s.lies -= 1;
                return (200, vec![], "{\"message\":\"created\"}".into());
            }
            let record = serde_json::json!({
                "dataType": "CVE_RECORD",
                "dataVersion": "5.1",
                "cveMetadata": { "cveId": id, "state": "REJECTED", "assignerShortName": "example" },
                "containers": { "cna": container },
            });
            s.records.push((id.to_string(), record));
            s.rejections.push((id.to_string(), container));
            return (
                200,
                vec![],
                serde_json::json!({ "message": format!("{id} record was successfully created.") })
                    .to_string(),
            );
        }
        if let (Some(id), "PUT") = (rest.strip_suffix("/reject"), req.method.as_str()) {
            let Some(i) = s.records.iter().position(|r| r.0 == id) else {
                return error(404, "CVE_RECORD_DNE", "The CVE Record does not exist.");
            };
            let container = req.json()["cnaContainer"].clone();
            if container["rejectedReasons"][0]["value"].as_str().is_none() {
                return error(400, "BAD_INPUT", "rejectedReasons is required");
            }
            s.records[i].1["cveMetadata"]["state"] = "REJECTED".into();
            s.rejections.push((id.to_string(), container));
            return (
                200,
                vec![],
                serde_json::json!({ "message": format!("{id} record was successfully rejected.") })
                    .to_string(),
            );
        }
        let (id, cna) = match rest.strip_suffix("/cna") {
            Some(id) => (id.to_string(), true),
            None => (rest.to_string(), false),
        };
        let found = s.records.iter().find(|r| r.0 == id).map(|r| r.1.clone());
        match (req.method.as_str(), cna) {
            ("GET", false) => match found {
                Some(record) => (200, vec![], record.to_string()),
                None => error(404, "CVE_RECORD_DNE", "The CVE Record does not exist."),
            },
            ("POST", true) => {
                if !s.reserved.contains(&id) {
                    return error(
                        403,
                        "CVE_ID_NOT_RESERVED",
                        "The CVE ID is not reserved by this CNA.",
                    );
                }
                if found.is_some() {
                    return error(403, "CVE_RECORD_EXISTS", "The CVE Record already exists.");
                }
                let container = req.json()["cnaContainer"].clone();
                if let Some(e) = schema.iter_errors(&container).next() {
                    let why = format!("{e} at {}", e.instance_path());
                    s.refused.push(why.clone());
                    return error(400, "BAD_INPUT", &why);
                }
                if s.lies > 0 {
                    s.lies -= 1;
                    return (200, vec![], "{\"message\":\"created\"}".into());
                }
                let mut cna = container;
                cna["providerMetadata"]["shortName"] = "example".into();
                cna["providerMetadata"]["dateUpdated"] = "2024-04-09T15:01:00.000Z".into();
                let record = serde_json::json!({
                    "dataType": "CVE_RECORD",
                    "dataVersion": "5.1",
                    "cveMetadata": { "cveId": id, "state": "PUBLISHED", "assignerShortName": "example" },
                    "containers": { "cna": cna },
                });
                s.records.push((id.clone(), record.clone()));
                if let Some(a) = s.after_create.pop_front() {
                    return a;
                }
                (200, vec![], serde_json::json!({ "message": format!("{id} record was successfully created."), "created": record }).to_string())
            }
            ("PUT", true) => {
                let Some(i) = s.records.iter().position(|r| r.0 == id) else {
                    return error(404, "CVE_RECORD_DNE", "The CVE Record does not exist.");
                };
                let container = req.json()["cnaContainer"].clone();
                if let Some(e) = schema.iter_errors(&container).next() {
                    let why = format!("{e} at {}", e.instance_path());
                    s.refused.push(why.clone());
                    return error(400, "BAD_INPUT", &why);
                }
                s.records[i].1["containers"]["cna"] = container.clone();
                s.updates.push((id.clone(), container));
                (200, vec![], serde_json::json!({ "message": format!("{id} record was successfully updated.") }).to_string())
            }
            _ => error(404, "NOT_FOUND", "no such endpoint"),
        }
    }
}

//! A loopback HTTP/1.1 server that plays GitHub or GitLab from the reference examples
//! (`../shared/reference/platform-api/`, routed by method + path template from
//! `examples-manifest.json`), plus per-path overrides for what the examples lack (an
//! organisation's repository list, long lists to page through, error answers).
//!
//! It pages arrays (and wrapper objects' array members) by `page`/`per_page` with `Link` headers
//! (GitLab: `x-next-page` too), answers `ETag`s and `304`, sends rate-limit headers, and injects
//! faults per path: 429 with `Retry-After`, secondary- and primary-limit 403s, 5xx, slow answers,
//! dropped connections. Every request is logged. A gate can hold requests after the Nth, so a
//! test can kill a client at a known point.
//!
//! Shared by `annexa-collect`'s tests and the CLI's integration test (included by `#[path]`),
//! so it uses only std and serde_json.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::hash::{Hash as _, Hasher as _};
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// The platform API reference beside the repository (never copied into it).
pub fn reference() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/platform-api");
    assert!(
        dir.join("examples-manifest.json").is_file(),
        "the platform API reference is missing at {}",
        dir.display()
    );
    dir
}

pub const GH_TOKEN: &str = "ghp_S3cretTestToken0123456789abcdefABCD";
pub const GL_TOKEN: &str = "glpat-S3cretTestToken0123456789xyz";
/// A variable value the GitLab mirror serves and no snapshot may contain.
pub const GL_SECRET_VALUE: &str = "hunter2-variable-value-never-stored";
/// The audit period of the scenarios.
pub const PERIOD: (&str, &str) = ("2026-01-01T00:00:00Z", "2026-03-31T23:59:59Z");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    Github,
    Gitlab,
}

/// A fixed answer for one path (and query).
#[derive(Clone, Debug)]
pub struct Canned {
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(String, String)>,
}

impl Canned {
    pub fn ok(body: Value) -> Canned {
        Canned {
            status: 200,
            body,
            headers: Vec::new(),
        }
    }

    pub fn status(status: u16, body: Value) -> Canned {
        Canned {
            status,
            body,
            headers: Vec::new(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Canned {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// 429 with `Retry-After`.
    TooMany { retry_after: u64 },
    /// GitHub's secondary limit: 403 with the message, with or without `Retry-After`.
    Secondary { retry_after: Option<u64> },
    /// The primary limit: 403 with `x-ratelimit-remaining: 0` and a reset this far ahead.
    Primary { reset_in: u64 },
    /// An answer with this status (5xx).
    Status(u16),
    /// The normal answer, after this long.
    Slow(Duration),
    /// Close the connection without answering.
    Drop,
}

struct Example {
    segments: Vec<String>,
    file: PathBuf,
    /// `<endpoint>.<variant>.json`: served only when the endpoint has no plain example.
    variant: bool,
}

/// What the server plays.
pub struct Mirror {
    pub platform: Platform,
    examples: Vec<Example>,
    /// By canonical key (`path?sorted-query`, paging parameters left out) or by path alone.
    pub overrides: HashMap<String, Canned>,
    /// By path (no query); consumed one per request.
    pub faults: HashMap<String, VecDeque<Fault>>,
    /// The server's own cap on `per_page`.
    pub max_per_page: usize,
    /// Send `Link` headers (GitLab can be made to send only `x-next-page`).
    pub link_header: bool,
    /// Sent with every answer (e.g. `X-OAuth-Scopes`).
    pub always: Vec<(String, String)>,
}

impl Mirror {
    pub fn new(platform: Platform) -> Mirror {
        let root = reference();
        let manifest: Value = serde_json::from_str(
            &std::fs::read_to_string(root.join("examples-manifest.json"))
                .expect("examples manifest"),
        )
        .expect("examples manifest is JSON");
        let want = match platform {
            Platform::Github => "github",
            Platform::Gitlab => "gitlab",
        };
        let mut examples = Vec::new();
        for e in manifest.as_array().expect("an array") {
            let file = e["file"].as_str().expect("file");
            let stem = Path::new(file)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("");
            if e["platform"] != want || e["method"] != "GET" || e["status"] != 200 {
                continue;
            }
            let path = e["path"].as_str().expect("path");
            examples.push(Example {
                segments: path.split('/').skip(1).map(str::to_owned).collect(),
                file: root.join(file),
                variant: stem.contains('.'),
            });
        }
        Mirror {
            platform,
            examples,
            overrides: HashMap::new(),
            faults: HashMap::new(),
            max_per_page: 100,
            link_header: true,
            always: Vec::new(),
        }
    }

    pub fn put(&mut self, key: &str, answer: Canned) {
        self.overrides.insert(key.to_owned(), answer);
    }

    pub fn fault(&mut self, path: &str, faults: &[Fault]) {
        self.faults
            .entry(path.to_owned())
            .or_default()
            .extend(faults.iter().copied());
    }

    /// The example file for a request path, with the names from the path put in.
    fn example(&self, path: &str) -> Option<Value> {
        let segs: Vec<&str> = path.split('/').skip(1).collect();
        let wild = |s: &str| (s.starts_with('{') && s.ends_with('}')) || s.starts_with(':');
        let best = self
            .examples
            .iter()
            .filter(|e| {
                e.segments.len() == segs.len()
                    && e.segments.iter().zip(&segs).all(|(t, s)| wild(t) || t == s)
            })
            .max_by_key(|e| (e.segments.iter().filter(|t| !wild(t)).count(), !e.variant))?;
        let mut text = std::fs::read_to_string(&best.file).ok()?;
        let var = |name: &str| {
            best.segments
                .iter()
                .position(|t| t == name)
                .and_then(|i| segs.get(i).copied())
        };
        if let (Some(owner), Some(repo)) = (var("{owner}"), var("{repo}")) {
            text = text.replace("octocat/Hello-World", &format!("{owner}/{repo}"));
        }
        if let Some(org) = var("{org}") {
            text = text.replace("octo-org", org);
        }
        serde_json::from_str(&text).ok()
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Logged {
    pub path: String,
    pub query: String,
    pub headers: HashMap<String, String>,
    pub status: u16,
}

impl Logged {
    pub fn target(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }
}

struct State {
    mirror: Mutex<Mirror>,
    log: Mutex<Vec<Logged>>,
    arrived: AtomicUsize,
    stop: AtomicBool,
    gate: Mutex<Option<usize>>,
    gate_moved: Condvar,
    addr: SocketAddr,
    prefix: &'static str,
}

/// A running mirror server; stopped on drop.
pub struct Server {
    state: Arc<State>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start(mirror: Mirror) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("address");
        let prefix = match mirror.platform {
            Platform::Github => "",
            Platform::Gitlab => "/api/v4",
        };
        let state = Arc::new(State {
            mirror: Mutex::new(mirror),
            log: Mutex::new(Vec::new()),
            arrived: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            gate: Mutex::new(None),
            gate_moved: Condvar::new(),
            addr,
            prefix,
        });
        let s = Arc::clone(&state);
        let accept = thread::spawn(move || {
            for conn in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let s = Arc::clone(&s);
                thread::spawn(move || serve(&s, conn));
            }
        });
        Server {
            state,
            accept: Some(accept),
        }
    }

    /// The API base URL to collect from.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.state.addr, self.state.prefix)
    }

    /// Requests that have arrived (including held ones).
    pub fn arrived(&self) -> usize {
        self.state.arrived.load(Ordering::SeqCst)
    }

    pub fn log(&self) -> Vec<Logged> {
        self.state.log.lock().expect("log").clone()
    }

    pub fn clear_log(&self) {
        self.state.log.lock().expect("log").clear();
    }

    pub fn mirror(&self) -> std::sync::MutexGuard<'_, Mirror> {
        self.state.mirror.lock().expect("mirror")
    }

    /// Hold every request after the `n`th (counted from now on) until [`Server::open`].
    pub fn hold_after(&self, n: usize) {
        let base = self.arrived();
        *self.state.gate.lock().expect("gate") = Some(base + n);
    }

    pub fn open(&self) {
        *self.state.gate.lock().expect("gate") = None;
        self.state.gate_moved.notify_all();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        self.open();
        // Wake the accept loop.
        let _ = TcpStream::connect(self.state.addr);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn serve(state: &State, stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return;
    };
    let (method, target) = (method.to_owned(), target.to_owned());
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.insert(n.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    if state.stop.load(Ordering::SeqCst) {
        return;
    }
    let n = state.arrived.fetch_add(1, Ordering::SeqCst) + 1;
    {
        let mut gate = state.gate.lock().expect("gate");
        while gate.is_some_and(|limit| n > limit) && !state.stop.load(Ordering::SeqCst) {
            gate = state.gate_moved.wait(gate).expect("gate");
        }
    }
    let (full_path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target.clone(), String::new()),
    };
    let path = full_path
        .strip_prefix(state.prefix)
        .unwrap_or(&full_path)
        .to_owned();
    let fault = state
        .mirror
        .lock()
        .expect("mirror")
        .faults
        .get_mut(&path)
        .and_then(VecDeque::pop_front);
    let response = if method != "GET" {
        Some(Response::json(
            405,
            &json!({"message": "Method Not Allowed"}),
        ))
    } else {
        match fault {
            Some(Fault::Drop) => None,
            Some(Fault::Slow(d)) => {
                thread::sleep(d);
                Some(answer(state, &full_path, &path, &query, &headers))
            }
            Some(f) => Some(fault_answer(state, &f)),
            None => Some(answer(state, &full_path, &path, &query, &headers)),
        }
    };
    let status = response.as_ref().map_or(0, |r| r.status);
    state.log.lock().expect("log").push(Logged {
        path,
        query,
        headers,
        status,
    });
    let mut stream = stream;
    if let Some(r) = response {
        let _ = r.write(&mut stream);
    }
    let _ = stream.shutdown(Shutdown::Both);
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn json(status: u16, body: &Value) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: serde_json::to_vec_pretty(body).expect("json"),
        }
    }

    fn write(&self, w: &mut TcpStream) -> std::io::Result<()> {
        let reason = match self.status {
            200 => "OK",
            304 => "Not Modified",
            403 => "Forbidden",
            404 => "Not Found",
            429 => "Too Many Requests",
            500 => "Internal Server Error",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            _ => "Status",
        };
        let mut head = format!("HTTP/1.1 {} {reason}\r\n", self.status);
        if self.status != 304 {
            head.push_str("Content-Type: application/json; charset=utf-8\r\n");
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n",
            self.body.len()
        ));
        for (n, v) in &self.headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str("\r\n");
        w.write_all(head.as_bytes())?;
        w.write_all(&self.body)?;
        w.flush()
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn rate_headers(remaining: u64, reset_in: u64) -> Vec<(String, String)> {
    vec![
        ("x-ratelimit-limit".into(), "5000".into()),
        ("x-ratelimit-remaining".into(), remaining.to_string()),
        ("x-ratelimit-used".into(), (5000 - remaining).to_string()),
        ("x-ratelimit-reset".into(), (now() + reset_in).to_string()),
        ("x-ratelimit-resource".into(), "core".into()),
    ]
}

fn fault_answer(state: &State, f: &Fault) -> Response {
    let gitlab = state.prefix == "/api/v4";
    let mut r = match f {
        Fault::TooMany { retry_after } => {
            let mut r = Response::json(429, &json!({"message": "Too Many Requests"}));
            r.headers
                .push(("Retry-After".into(), retry_after.to_string()));
            r
        }
        Fault::Secondary { retry_after } => {
            let mut r = Response::json(
                403,
                &json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                        "documentation_url": "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"}),
            );
            if let Some(s) = retry_after {
                r.headers.push(("Retry-After".into(), s.to_string()));
            }
            r.headers.extend(rate_headers(4000, 3600));
            r
        }
        Fault::Primary { reset_in } => {
            let mut r = Response::json(
                403,
                &json!({"message": "API rate limit exceeded for user ID 4242."}),
            );
            r.headers.extend(rate_headers(0, *reset_in));
            r
        }
        Fault::Status(s) => Response::json(*s, &json!({"message": "Server Error"})),
        Fault::Slow(_) | Fault::Drop => Response::json(500, &json!({"message": "unreachable"})),
    };
    if gitlab {
        r.headers.retain(|(n, _)| !n.starts_with("x-ratelimit"));
    }
    r
}

/// Query parameters that page or shape an answer without naming another resource.
fn paging_param(name: &str) -> bool {
    matches!(
        name,
        "page" | "per_page" | "hide_secret" | "pagination" | "cursor" | "id_after"
    )
}

fn canonical(path: &str, query: &str) -> String {
    let keyset = query.split('&').any(|p| p == "pagination=keyset");
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let name = p.split('=').next().unwrap_or("");
            let keyset_order = keyset && matches!(name, "order_by" | "sort");
            !(paging_param(name) || keyset_order)
        })
        .collect();
    params.sort_unstable();
    if params.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", params.join("&"))
    }
}

fn param<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

fn with_page(full_path: &str, query: &str, page: usize) -> String {
    let mut params: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("page="))
        .map(str::to_owned)
        .collect();
    params.push(format!("page={page}"));
    format!("{full_path}?{}", params.join("&"))
}

fn etag_of(bytes: &[u8]) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    format!("W/\"{:016x}\"", h.finish())
}

/// The list inside a body: the array, or a wrapper object's only array member.
fn list_of(body: &mut Value) -> Option<&mut Vec<Value>> {
    match body {
        Value::Array(a) => Some(a),
        Value::Object(o) => {
            let mut arrays = o.iter_mut().filter(|(_, v)| v.is_array());
            match (arrays.next(), arrays.next()) {
                (Some((_, v)), None) => v.as_array_mut(),
                _ => None,
            }
        }
        _ => None,
    }
}

fn answer(
    state: &State,
    full_path: &str,
    path: &str,
    query: &str,
    headers: &HashMap<String, String>,
) -> Response {
    let mirror = state.mirror.lock().expect("mirror");
    let gitlab = mirror.platform == Platform::Gitlab;
    let canned = mirror
        .overrides
        .get(&canonical(path, query))
        .or_else(|| mirror.overrides.get(path))
        .cloned()
        .or_else(|| mirror.example(path).map(Canned::ok))
        .unwrap_or_else(|| Canned::status(404, json!({"message": "Not Found"})));
    let mut body = canned.body;
    let mut extra: Vec<(String, String)> = canned.headers;
    if (200..300).contains(&canned.status) {
        let default_per_page = if gitlab { 20 } else { 30 };
        let per_page = param(query, "per_page")
            .and_then(|v| v.parse().ok())
            .unwrap_or(default_per_page)
            .clamp(1, mirror.max_per_page);
        let page: usize = param(query, "page")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1)
            .max(1);
        if let Some(list) = list_of(&mut body) {
            let total = list.len();
            let pages = total.div_ceil(per_page).max(1);
            if total > per_page || page > 1 {
                let start = ((page - 1) * per_page).min(total);
                let end = (start + per_page).min(total);
                *list = list[start..end].to_vec();
                let url =
                    |p: usize| format!("http://{}{}", state.addr, with_page(full_path, query, p));
                let mut links = Vec::new();
                if page < pages {
                    links.push(format!("<{}>; rel=\"next\"", url(page + 1)));
                }
                links.push(format!("<{}>; rel=\"last\"", url(pages)));
                links.push(format!("<{}>; rel=\"first\"", url(1)));
                if mirror.link_header {
                    extra.push(("Link".into(), links.join(", ")));
                }
                if gitlab {
                    extra.push(("x-page".into(), page.to_string()));
                    extra.push(("x-per-page".into(), per_page.to_string()));
                    extra.push(("x-total".into(), total.to_string()));
                    extra.push(("x-total-pages".into(), pages.to_string()));
                    let next = if page < pages {
                        (page + 1).to_string()
                    } else {
                        String::new()
                    };
                    extra.push(("x-next-page".into(), next));
                }
            }
        }
    }
    let bytes = serde_json::to_vec_pretty(&body).expect("json");
    let etag = etag_of(&bytes);
    let mut all: Vec<(String, String)> = mirror.always.clone();
    if !gitlab {
        all.extend(rate_headers(4999, 3600));
    }
    all.push(("ETag".into(), etag.clone()));
    all.extend(extra);
    if headers.get("if-none-match") == Some(&etag) {
        return Response {
            status: 304,
            headers: all,
            body: Vec::new(),
        };
    }
    Response {
        status: canned.status,
        headers: all,
        body: bytes,
    }
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

fn load(platform: &str, name: &str) -> Value {
    let path = reference().join(format!("{platform}-examples/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("example")).expect("example JSON")
}

pub fn gh_example(name: &str) -> Value {
    load("github", name)
}

pub fn gl_example(name: &str) -> Value {
    load("gitlab", name)
}

fn timestamp(secs: i64) -> String {
    // Days from the civil date algorithm would be overkill: compute from a known epoch day.
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil conversion.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// 2026-03-31T12:00:00Z as Unix seconds.
const LATEST: i64 = 1_774_958_400;

pub fn repo_body(full: &str, default_branch: &str) -> Value {
    let mut r = gh_example("repo_get");
    let (owner, name) = full.split_once('/').expect("owner/name");
    r["full_name"] = json!(full);
    r["name"] = json!(name);
    r["owner"]["login"] = json!(owner);
    r["default_branch"] = json!(default_branch);
    r
}

/// The GitHub repositories of the `acme` scenario and their default branches.
pub const GH_REPOS: &[(&str, &str)] = &[
    ("acme/app", "main"),
    ("acme/api", "release/2.x"),
    ("acme/Web.App", "main"),
];

/// Pull request numbers of `acme/app` merged inside [`PERIOD`].
pub const MERGED_IN_PERIOD: &[u64] = &[250, 245, 130];

/// GitHub organisation `acme`: three repositories (one default branch with a slash, one name
/// with upper case and a dot), long lists (230 members: 3 pages; 120 runners in a wrapper:
/// 2 pages; 250 closed pull requests of which the period covers the first 180), an unprotected
/// default branch (404 "Branch not protected"), a missing permission (403 with
/// `X-Accepted-GitHub-Permissions`), deployments with workflow-run status URLs, direct commits.
pub fn github_acme() -> Mirror {
    let mut m = Mirror::new(Platform::Github);
    m.always.push((
        "X-OAuth-Scopes".into(),
        "repo, read:org, admin:org_hook, security_events".into(),
    ));
    m.put(
        "/user",
        Canned::ok(json!({"login": "audit-bot", "id": 4242, "type": "User"})),
    );
    m.put(
        "/orgs/acme/repos?type=all",
        Canned::ok(Value::Array(
            GH_REPOS.iter().map(|(f, b)| repo_body(f, b)).collect(),
        )),
    );
    for (full, branch) in GH_REPOS {
        m.put(
            &format!("/repos/{full}"),
            Canned::ok(repo_body(full, branch)),
        );
    }
    let member = gh_example("org_members_list")[0].clone();
    let people = |n: usize, prefix: &str| {
        Value::Array(
            (1..=n)
                .map(|i| {
                    let mut p = member.clone();
                    p["login"] = json!(format!("{prefix}-{i}"));
                    p["id"] = json!(i);
                    p
                })
                .collect(),
        )
    };
    m.put("/orgs/acme/members", Canned::ok(people(230, "member")));
    m.put(
        "/orgs/acme/members?role=admin",
        Canned::ok(people(2, "owner")),
    );
    // (A path-only override would answer every query of the path.)
    m.put(
        "/orgs/acme/members?filter=2fa_disabled",
        Canned::ok(gh_example("org_members_list")),
    );
    let runner = gh_example("org_runners_list")["runners"][0].clone();
    let runners: Vec<Value> = (1..=120)
        .map(|i| {
            let mut r = runner.clone();
            r["id"] = json!(i);
            r["name"] = json!(format!("runner-{i}"));
            r
        })
        .collect();
    m.put(
        "/orgs/acme/actions/runners",
        Canned::ok(json!({"total_count": 120, "runners": runners})),
    );
    m.put(
        "/repos/acme/app/branches/main/protection",
        Canned::ok(gh_example("branch_protection_get.fully_enabled")),
    );
    m.put(
        "/repos/acme/api/branches/release%2F2.x/protection",
        Canned::status(404, gh_example("branch_protection_get.404_not_protected")),
    );
    m.put(
        "/repos/acme/Web.App/actions/secrets",
        Canned::status(
            403,
            json!({"message": "Resource not accessible by personal access token",
                   "documentation_url": "https://docs.github.com/rest/actions/secrets#list-repository-secrets",
                   "status": "403"}),
        )
        .header("X-Accepted-GitHub-Permissions", "secrets=read"),
    );

    // 250 closed pull requests, newest update first, one every 12 hours back from
    // 2026-03-31T12:00Z: the first 180 were updated inside the period.
    let pr = gh_example("repo_pulls_list")[0].clone();
    let pulls: Vec<Value> = (0..250i64)
        .map(|i| {
            let number = 250 - i;
            let at = timestamp(LATEST - i * 43_200);
            let mut p = pr.clone();
            p["number"] = json!(number);
            p["state"] = json!("closed");
            p["updated_at"] = json!(at);
            p["closed_at"] = json!(at);
            p["merge_commit_sha"] = json!(format!("mcs-{number}"));
            let merged = MERGED_IN_PERIOD.contains(&(number as u64)) || number == 50;
            p["merged_at"] = if merged { json!(at) } else { Value::Null };
            p
        })
        .collect();
    m.put(
        "/repos/acme/app/pulls?base=main&direction=desc&sort=updated&state=closed",
        Canned::ok(Value::Array(pulls)),
    );
    let commit = gh_example("repo_commits_list")[0].clone();
    let commits: Vec<Value> = ["mcs-250", "0000direct1", "0000direct2", "mcs-130"]
        .iter()
        .map(|sha| {
            let mut c = commit.clone();
            c["sha"] = json!(sha);
            c
        })
        .collect();
    m.put("/repos/acme/app/commits", Canned::ok(Value::Array(commits)));
    let dep = gh_example("repo_deployments_list")[0].clone();
    let deployments: Vec<Value> = [
        (901, "2026-03-01T10:00:00Z"),
        (902, "2026-01-15T10:00:00Z"),
        (903, "2025-12-01T10:00:00Z"),
    ]
    .iter()
    .map(|(id, at)| {
        let mut d = dep.clone();
        d["id"] = json!(id);
        d["created_at"] = json!(at);
        d["updated_at"] = json!(at);
        d
    })
    .collect();
    m.put(
        "/repos/acme/app/deployments",
        Canned::ok(Value::Array(deployments)),
    );
    let status = gh_example("deployment_statuses_list")[0].clone();
    for (id, run) in [(901, 777), (902, 778)] {
        let mut s = status.clone();
        s["target_url"] = json!(format!(
            "https://github.com/acme/app/actions/runs/{run}/job/1"
        ));
        s["log_url"] = json!(format!("https://github.com/acme/app/actions/runs/{run}"));
        m.put(
            &format!("/repos/acme/app/deployments/{id}/statuses"),
            Canned::ok(json!([s])),
        );
    }
    m
}

/// The GitLab projects of the `acme` scenario.
pub const GL_PROJECTS: &[&str] = &["acme/app", "acme/platform/api"];

/// GitLab group `acme`: two projects (one in a subgroup), 130 inherited members (2 pages),
/// variables with values that must not be stored, merged MRs and deployments in the period.
pub fn gitlab_acme() -> Mirror {
    let mut m = Mirror::new(Platform::Gitlab);
    m.put(
        "/user",
        Canned::ok(json!({"id": 7, "username": "audit-bot", "name": "Audit Bot"})),
    );
    m.put(
        "/personal_access_tokens/self",
        Canned::ok(json!({"id": 3, "name": "annexa", "scopes": ["read_api"], "active": true, "revoked": false, "expires_at": "2026-12-31"})),
    );
    m.put(
        "/groups/acme/projects?include_subgroups=true&with_shared=false",
        Canned::ok(json!([
            {"id": 1, "path_with_namespace": "acme/app"},
            {"id": 2, "path_with_namespace": "acme/platform/api"}
        ])),
    );
    m.put(
        "/groups/acme/members",
        Canned::ok(gl_example("project_members_list")),
    );
    let member = gl_example("project_members_all_list")[0].clone();
    let members: Vec<Value> = (1..=130)
        .map(|i| {
            let mut p = member.clone();
            p["id"] = json!(i);
            p["username"] = json!(format!("member-{i}"));
            p
        })
        .collect();
    m.put(
        "/groups/acme/members/all",
        Canned::ok(Value::Array(members)),
    );
    let mut vars = gl_example("project_variables_list");
    vars[0]["key"] = json!("DB_PASSWORD");
    vars[0]["value"] = json!(GL_SECRET_VALUE);
    m.put("/projects/acme%2Fapp/variables", Canned::ok(vars));
    let mut mr = gl_example("project_merge_requests_list")[0].clone();
    let mrs: Vec<Value> = [(11, "2026-02-01T09:00:00Z"), (12, "2026-03-02T09:00:00Z")]
        .iter()
        .map(|(iid, at)| {
            mr["iid"] = json!(iid);
            mr["merged_at"] = json!(at);
            mr["updated_at"] = json!(at);
            mr.clone()
        })
        .collect();
    m.put(
        "/projects/acme%2Fapp/merge_requests",
        Canned::ok(Value::Array(mrs)),
    );
    m.put(
        "/projects/acme%2Fplatform%2Fapi/merge_requests",
        Canned::ok(json!([])),
    );
    m.put(
        "/projects/acme%2Fapp/deployments",
        Canned::ok(json!([
            {"id": 41, "iid": 1, "status": "success", "environment": {"name": "production"}, "created_at": "2026-02-02T10:00:00Z", "updated_at": "2026-02-02T10:05:00Z"},
            {"id": 42, "iid": 2, "status": "success", "environment": {"name": "production"}, "created_at": "2026-03-03T10:00:00Z", "updated_at": "2026-03-03T10:05:00Z"}
        ])),
    );
    for id in [41, 42] {
        m.put(
            &format!("/projects/acme%2Fapp/deployments/{id}"),
            Canned::ok(json!({"id": id, "status": "success", "environment": {"name": "production"},
                              "approval_summary": {"total_required_approvals": 1, "total_pending_approval_count": 0},
                              "approvals": [{"user": {"username": "releaser"}, "status": "approved"}]})),
        );
    }
    m.put(
        "/projects/acme%2Fplatform%2Fapi/deployments",
        Canned::ok(json!([])),
    );
    m
}

/// Every regular file below `dir`, recursively.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Files below `dir` containing `needle`.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    files_below(dir)
        .into_iter()
        .filter(|p| {
            std::fs::read(p).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
        })
        .collect()
}

#[cfg(test)]
mod self_tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(LATEST), "2026-03-31T12:00:00Z");
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(LATEST - 179 * 43_200), "2026-01-01T00:00:00Z");
    }
}

//! The collector against a loopback HTTP server playing GitHub / GitLab from the reference
//! examples. Nothing is faked below HTTP: real sockets, real headers, real timeouts.

#[path = "support/mirror.rs"]
mod mirror;

use std::path::Path;
use std::time::{Duration, Instant};

use annexa_collect::{CollectError, Options, Summary, Target, collect, web_host};
use annexa_platform::keys::{github as gh, gitlab as gl};
use annexa_platform::{Lookup, Manifest, Snapshot};
use mirror::{Canned, Fault, GH_TOKEN, GL_SECRET_VALUE, GL_TOKEN, PERIOD, Server};
use serde_json::{Value, json};

fn options(server: &Server, out: &Path, token: &str) -> Options {
    Options {
        api_url: server.url(),
        web_host: web_host(&server.url()).expect("web host"),
        token: token.to_owned(),
        out: out.to_owned(),
        period: Some((PERIOD.0.to_owned(), PERIOD.1.to_owned())),
        // Generous: the tests share a loaded machine; the slow-answer fault sets its own.
        timeout: Duration::from_secs(5),
        max_retries: 3,
        max_wait: Duration::from_secs(1),
        quiet: true,
    }
}

fn acme() -> Target {
    Target::GithubOrg {
        org: "acme".into(),
        repos: vec![],
    }
}

fn body(dir: &Path, key: &str) -> Value {
    let snap = Snapshot::open(dir).expect("snapshot opens");
    match snap.get(key) {
        Lookup::Found(r) => r.body.unwrap_or(Value::Null),
        other => panic!("{key}: {other:?}"),
    }
}

fn no_token_anywhere(dir: &Path, token: &str) {
    let leaks = mirror::files_containing(dir, token);
    assert!(leaks.is_empty(), "the token was written to {leaks:?}");
}

/// The items of a list body (an array or a wrapper's array member).
fn len_of(v: &Value) -> usize {
    match v {
        Value::Array(a) => a.len(),
        Value::Object(o) => o.values().find_map(Value::as_array).map_or(0, Vec::len),
        _ => 0,
    }
}

fn print_cost(what: &str, m: &Manifest) {
    eprintln!(
        "{what}: {} requests ({} not modified, {} retries); per repository: {:?}",
        m.requests.total, m.requests.not_modified, m.requests.retries, m.requests.per_repository
    );
}

#[test]
fn github_org_with_faults_is_collected_completely() {
    let mut m = mirror::github_acme();
    m.fault("/orgs/acme", &[Fault::TooMany { retry_after: 1 }]);
    m.fault(
        "/orgs/acme/teams",
        &[Fault::Secondary {
            retry_after: Some(1),
        }],
    );
    // No Retry-After and requests left: a minute (capped by max_wait here).
    m.fault(
        "/orgs/acme/rulesets",
        &[Fault::Secondary { retry_after: None }],
    );
    m.fault("/orgs/acme/hooks", &[Fault::Primary { reset_in: 1 }]);
    m.fault("/repos/acme/api", &[Fault::Status(500), Fault::Status(502)]);
    m.fault(
        "/repos/acme/app/hooks",
        &[Fault::Slow(Duration::from_secs(3))],
    );
    m.fault("/repos/acme/app/keys", &[Fault::Drop]);
    let server = Server::start(m);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap");
    let mut opts = options(&server, &out, GH_TOKEN);
    opts.quiet = false;
    opts.timeout = Duration::from_millis(1500);
    let started = Instant::now();
    let s: Summary = collect(&acme(), &opts).expect("collect");
    let m = &s.manifest;
    print_cost("full collect with faults", m);
    assert!(m.complete, "incomplete: {:?}", m.incomplete);
    assert!(m.incomplete.is_empty());
    // One retry per injected fault (more only if the machine is so loaded that an answer
    // takes longer than the timeout).
    assert!(m.requests.retries >= 8, "{} retries", m.requests.retries);
    assert!(s.waits >= 8, "{} waits", s.waits);
    let log = server.log();
    for (path, fault_status) in [
        ("/orgs/acme", 429),
        ("/orgs/acme/teams", 403),
        ("/orgs/acme/rulesets", 403),
        ("/orgs/acme/hooks", 403),
        ("/repos/acme/api", 502),
        ("/repos/acme/app/hooks", 200),
        ("/repos/acme/app/keys", 0),
    ] {
        let answers: Vec<u16> = log
            .iter()
            .filter(|r| r.path == path)
            .map(|r| r.status)
            .collect();
        assert!(
            answers.len() >= 2 && answers.contains(&fault_status) && answers.last() == Some(&200),
            "{path}: {answers:?}"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(25));
    // Every request is one page of one resource, or a retry.
    let pages: u64 = m.resources.values().map(|r| u64::from(r.pages)).sum();
    assert_eq!(m.requests.total, pages + m.requests.retries);
    assert_eq!(
        m.requests.per_repository.values().sum::<u64>(),
        m.requests.total
    );
    for label in ["acme", "acme/app", "acme/api", "acme/Web.App"] {
        assert!(
            m.requests
                .per_repository
                .get(label)
                .is_some_and(|n| *n > 10),
            "{label}"
        );
    }
    assert!(!out.join("snapshot.partial.jsonl").exists());
    assert!(!out.join("snapshot.previous.json").exists());

    // Identity and scope.
    assert_eq!(m.collector.login.as_deref(), Some("audit-bot"));
    assert_eq!(m.collector.token_kind.as_deref(), Some("classic"));
    assert_eq!(
        m.collector.scopes,
        ["repo", "read:org", "admin:org_hook", "security_events"]
    );
    assert_eq!(m.scope.org.as_deref(), Some("acme"));
    assert_eq!(
        m.scope.repositories,
        ["acme/app", "acme/api", "acme/Web.App"]
    );
    assert_eq!(m.period.as_ref().map(|p| p.from.as_str()), Some(PERIOD.0));
    assert_eq!(m.base_url, server.url());

    // Pages merged: 230 members in 3 pages, 120 runners in a wrapper in 2.
    let res = |k: &str| {
        m.resources
            .get(k)
            .unwrap_or_else(|| panic!("{k} not collected"))
    };
    assert_eq!(res(&gh::org_members("acme")).pages, 3);
    assert_eq!(len_of(&body(&out, &gh::org_members("acme"))), 230);
    let runners = body(&out, &gh::org_runners("acme"));
    assert_eq!(res(&gh::org_runners("acme")).pages, 2);
    assert_eq!(runners["runners"].as_array().map(Vec::len), Some(120));
    assert_eq!(runners["total_count"], 120);
    // Closed pull requests stop once a page ends before the period: 2 of 3 pages, by design.
    let pulls = gh::pulls_closed("acme/app", "main");
    assert_eq!(res(&pulls).pages, 2);
    assert_eq!(res(&pulls).truncated, None);
    assert_eq!(len_of(&body(&out, &pulls)), 200);

    // Error answers are facts.
    let unprotected = gh::branch_protection("acme/api", "release/2.x");
    assert_eq!(res(&unprotected).status, 404);
    assert_eq!(body(&out, &unprotected)["message"], "Branch not protected");
    let secrets = gh::repo_secrets("acme/Web.App");
    assert_eq!(res(&secrets).status, 403);
    assert_eq!(
        res(&secrets).accepted_permissions.as_deref(),
        Some("secrets=read")
    );
    assert_eq!(res(&gh::branch_protection("acme/app", "main")).status, 200);

    // Dependent resources, planned from their parents' bodies.
    let has = |k: &str| m.resources.contains_key(k);
    for n in mirror::MERGED_IN_PERIOD {
        assert!(
            has(&gh::pull("acme/app", *n)) && has(&gh::pull_reviews("acme/app", *n)),
            "PR {n}"
        );
    }
    assert!(!has(&gh::pull("acme/app", 50)), "merged before the period");
    assert!(!has(&gh::pull("acme/app", 249)), "closed without merge");
    assert!(
        has(&gh::deployment_statuses("acme/app", 901))
            && has(&gh::deployment_statuses("acme/app", 902))
    );
    assert!(
        !has(&gh::deployment_statuses("acme/app", 903)),
        "created before the period"
    );
    assert!(has(&gh::run_approvals("acme/app", 777)) && has(&gh::run_approvals("acme/app", 778)));
    assert!(
        has(&gh::commit_pulls("acme/app", "0000direct1"))
            && has(&gh::commit_pulls("acme/app", "0000direct2"))
    );
    assert!(
        !has(&gh::commit_pulls("acme/app", "mcs-250")),
        "a merge commit came through its PR"
    );
    assert!(has(&gh::commit_pulls(
        "acme/api",
        "6dcb09b5b57875f334f61aebed695e2e4193db5e"
    )));
    assert!(
        has(&gh::team_members("acme", "justice-league"))
            && has(&gh::team_repos("acme", "justice-league"))
    );
    assert!(has(&gh::org_ruleset("acme", 21)) && has(&gh::org_ruleset("acme", 432)));
    assert!(
        has(&gh::repo_ruleset("acme/Web.App", 42)) && has(&gh::repo_ruleset("acme/Web.App", 314))
    );
    assert!(has(&gh::org_runner_group_repos("acme", 2)));
    assert!(
        !has(&gh::org_runner_group_repos("acme", 1)),
        "visibility all has no repository list"
    );
    assert!(
        has(&gh::environment_branch_policies("acme/api", "staging"))
            && has(&gh::environment_secrets("acme/api", "staging"))
    );
    assert!(has(&gh::org_audit_log("acme", "2026-01-01", "2026-03-31")));
    assert!(has(&gh::branch_rules("acme/api", "release/2.x")));

    // What went over the wire.
    assert!(log.iter().all(|r| {
        r.headers.get("authorization").map(String::as_str) == Some(&format!("Bearer {GH_TOKEN}"))
            && r.headers.get("accept").map(String::as_str) == Some("application/vnd.github+json")
            && r.headers.get("x-github-api-version").map(String::as_str) == Some("2022-11-28")
            && r.headers
                .get("user-agent")
                .is_some_and(|u| u.starts_with("annexa/"))
    }));
    assert!(
        log.iter()
            .any(|r| r.path == "/orgs/acme/members" && r.query.contains("per_page=100"))
    );
    assert!(
        log.iter()
            .filter(|r| r.path == "/orgs/acme/secret-scanning/alerts")
            .all(|r| r.query.contains("hide_secret=true"))
    );
    assert!(
        log.iter().all(|r| !r.headers.contains_key("if-none-match")),
        "nothing to revalidate yet"
    );

    // Everything reads back, untouched; the token is nowhere.
    let snap = Snapshot::open(&out).unwrap();
    assert!(snap.edited().is_empty());
    assert_eq!(s.stored, m.resources.len());
    assert_eq!(
        s.error_answers,
        m.resources.values().filter(|r| r.status >= 400).count()
    );
    no_token_anywhere(dir.path(), GH_TOKEN);
}

#[test]
fn a_recollection_without_changes_is_answered_304() {
    let server = Server::start(mirror::github_acme());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap");
    let opts = options(&server, &out, GH_TOKEN);
    let first = collect(&acme(), &opts).expect("first").manifest;
    assert!(first.complete);
    print_cost("full collect", &first);
    server.clear_log();
    let second = collect(&acme(), &opts).expect("second").manifest;
    print_cost("re-collect, nothing changed", &second);
    assert!(second.complete);

    assert_eq!(
        first.resources.keys().collect::<Vec<_>>(),
        second.resources.keys().collect::<Vec<_>>()
    );
    // The same requests (retries aside: none are injected here, but a loaded machine may
    // time one out).
    assert_eq!(
        second.requests.total - second.requests.retries,
        first.requests.total - first.requests.retries,
        "the same requests"
    );
    if first.requests.retries + second.requests.retries == 0 {
        assert_eq!(
            second.requests.per_repository,
            first.requests.per_repository
        );
    }
    let mut revalidated = 0;
    for (key, a) in &first.resources {
        let b = &second.resources[key];
        assert_eq!(a.sha256, b.sha256, "{key}: body changed");
        assert_eq!(a.status, b.status, "{key}");
        // Single, not full pages are revalidated; a longer list is fetched again, because an
        // unchanged first page says nothing about the later ones.
        let one_page = a.pages == 1 && len_of(&body(&out, key)) < 100;
        assert_eq!(b.not_modified, one_page, "{key}");
        revalidated += usize::from(one_page);
    }
    assert_eq!(second.requests.not_modified, revalidated as u64);
    assert!(
        revalidated + 4 >= first.resources.len(),
        "only the long lists are fetched again"
    );
    let log = server.log();
    assert_eq!(log.iter().filter(|r| r.status == 304).count(), revalidated);
    assert!(
        log.iter()
            .filter(|r| r.status == 304)
            .all(|r| r.headers.contains_key("if-none-match"))
    );
    // The previous manifest is gone once the new one is written.
    assert!(!out.join("snapshot.previous.json").exists());
    no_token_anywhere(dir.path(), GH_TOKEN);
}

#[test]
fn a_resource_that_keeps_failing_leaves_the_snapshot_incomplete_and_a_rerun_resumes() {
    let mut m = mirror::github_acme();
    m.fault("/repos/acme/app/hooks", &[Fault::Status(500); 4]);
    let server = Server::start(m);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap");
    let mut opts = options(&server, &out, GH_TOKEN);
    opts.max_wait = Duration::from_millis(50);
    let first = collect(&acme(), &opts).expect("collect").manifest;
    let hooks = gh::repo_hooks("acme/app");
    assert!(!first.complete);
    assert_eq!(
        first.incomplete,
        [format!("{hooks}: HTTP 500 (gave up after 4 attempts)")]
    );
    assert!(
        !first.resources.contains_key(&hooks),
        "a failed resource is not stored"
    );
    assert!(out.join("snapshot.json").exists() && out.join("snapshot.partial.jsonl").exists());

    server.clear_log();
    let second = collect(&acme(), &opts).expect("rerun").manifest;
    assert!(second.complete, "{:?}", second.incomplete);
    let asked: Vec<String> = server.log().iter().map(mirror::Logged::target).collect();
    assert!(
        !asked.is_empty() && asked.iter().all(|t| *t == format!("{hooks}?per_page=100")),
        "only the missing resource is requested: {asked:?}"
    );
    assert_eq!(second.resources.len(), first.resources.len() + 1);
    for (k, meta) in &first.resources {
        assert_eq!(second.resources[k].sha256, meta.sha256, "{k}");
    }
    no_token_anywhere(dir.path(), GH_TOKEN);
}

#[test]
fn gitlab_group_without_variable_values() {
    let mut m = mirror::gitlab_acme();
    // Only `x-next-page`: the fallback when the Link header is missing.
    m.link_header = false;
    m.fault("/groups/acme", &[Fault::TooMany { retry_after: 1 }]);
    let server = Server::start(m);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap");
    let s = collect(
        &Target::GitlabGroup {
            group: "acme".into(),
            projects: vec![],
        },
        &options(&server, &out, GL_TOKEN),
    )
    .expect("collect");
    let m = &s.manifest;
    print_cost("gitlab collect", m);
    assert!(m.complete, "{:?}", m.incomplete);
    assert!(m.requests.retries >= 1);
    assert_eq!(m.collector.login.as_deref(), Some("audit-bot"));
    assert_eq!(m.collector.scopes, ["read_api"]);
    assert_eq!(m.collector.token_kind.as_deref(), Some("gitlab-pat"));
    assert_eq!(m.scope.group.as_deref(), Some("acme"));
    assert_eq!(m.scope.repositories, mirror::GL_PROJECTS);
    assert_eq!(
        m.host,
        server
            .url()
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
    );

    let all = gl::group_members_all("acme");
    assert_eq!(m.resources[&all].pages, 2);
    assert_eq!(len_of(&body(&out, &all)), 130);
    for key in [
        gl::variables("acme/app"),
        gl::variables("acme/platform/api"),
        gl::group_variables("acme"),
    ] {
        let vars = body(&out, &key);
        assert!(len_of(&vars) > 0, "{key}");
        assert!(
            vars.as_array()
                .unwrap()
                .iter()
                .all(|v| v.get("value").is_none() && v.get("key").is_some()),
            "{key}: {vars}"
        );
    }
    assert!(mirror::files_containing(dir.path(), GL_SECRET_VALUE).is_empty());
    for key in [
        gl::mr_approvals("acme/app", 11),
        gl::mr_approvals("acme/app", 12),
        gl::deployment("acme/app", 41),
        gl::deployment("acme/app", 42),
        gl::protected_environments("acme/platform/api"),
        gl::approval_rules("acme/app"),
        gl::audit_events("acme/app", PERIOD.0, PERIOD.1),
        gl::group_audit_events("acme", PERIOD.0, PERIOD.1),
    ] {
        assert!(m.resources.contains_key(&key), "{key}");
    }
    let per = &m.requests.per_repository;
    assert_eq!(
        per.keys().collect::<Vec<_>>(),
        ["acme", "acme/app", "acme/platform/api"]
    );

    let log = server.log();
    assert!(
        log.iter().all(
            |r| r.headers.get("private-token").map(String::as_str) == Some(GL_TOKEN)
                && !r.headers.contains_key("authorization")
        )
    );
    assert!(
        log.iter()
            .filter(|r| r.path.ends_with("/audit_events"))
            .all(|r| r.query.contains("pagination=keyset"))
    );
    assert!(
        log.iter()
            .any(|r| r.path == "/groups/acme/members/all" && r.query.contains("page=2"))
    );
    no_token_anywhere(dir.path(), GL_TOKEN);
}

#[test]
fn a_rejected_token_stops_the_collection_without_storing_the_401() {
    let mut m = mirror::github_acme();
    m.put(
        "/user",
        Canned::status(401, json!({"message": "Bad credentials"})),
    );
    let server = Server::start(m);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap");
    let e = collect(&acme(), &options(&server, &out, GH_TOKEN)).unwrap_err();
    assert!(matches!(e, CollectError::Unauthorized { .. }), "{e}");
    assert!(
        e.to_string().contains("/user") && !e.to_string().contains(GH_TOKEN),
        "{e}"
    );
    assert_eq!(server.log().len(), 1);
    assert!(!out.join("snapshot.json").exists());
    let journal = std::fs::read_to_string(out.join("snapshot.partial.jsonl")).unwrap();
    assert!(
        !journal.contains("\"/user\""),
        "a 401 is not a fact to resume from"
    );
    no_token_anywhere(dir.path(), GH_TOKEN);

    // The interrupted collection is not resumed into another organisation's or period's.
    let other = Target::GithubOrg {
        org: "other".into(),
        repos: vec![],
    };
    let e = collect(&other, &options(&server, &out, GH_TOKEN)).unwrap_err();
    assert!(
        matches!(e, CollectError::Usage(_))
            && e.to_string().contains("interrupted collection of acme"),
        "{e}"
    );
    let mut no_period = options(&server, &out, GH_TOKEN);
    no_period.period = None;
    let e = collect(&acme(), &no_period).unwrap_err();
    assert!(e.to_string().contains("acme without a period"), "{e}");
    assert_eq!(server.log().len(), 1, "refused before any request");
}

#[test]
fn an_unreachable_api_is_an_error_not_an_empty_snapshot() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        api_url: format!("http://127.0.0.1:{port}"),
        web_host: "github.com".into(),
        token: GH_TOKEN.into(),
        out: dir.path().join("snap"),
        period: None,
        timeout: Duration::from_millis(300),
        max_retries: 1,
        max_wait: Duration::from_millis(10),
        quiet: true,
    };
    let e = collect(&acme(), &opts).unwrap_err();
    assert!(matches!(e, CollectError::Unreachable { .. }), "{e}");
    assert!(!dir.path().join("snap/snapshot.json").exists());
}

#[test]
fn links_and_redirects_never_take_the_token_to_another_origin() {
    let elsewhere = Server::start(mirror::github_acme());
    let mut m = mirror::github_acme();
    m.put(
        "/orgs/acme/members",
        Canned::ok(json!([{"login": "a"}])).header(
            "Link",
            &format!(
                "<{}/orgs/acme/members?page=2>; rel=\"next\"",
                elsewhere.url()
            ),
        ),
    );
    m.put(
        "/repos/acme/moved",
        Canned::status(301, json!({"message": "Moved Permanently"}))
            .header("Location", "/repos/acme/app"),
    );
    m.put(
        "/repos/acme/gone",
        Canned::status(301, json!({"message": "Moved Permanently"}))
            .header("Location", &format!("{}/repos/acme/app", elsewhere.url())),
    );
    let server = Server::start(m);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap");
    let mut opts = options(&server, &out, GH_TOKEN);
    opts.period = None;
    let target = Target::GithubOrg {
        org: "acme".into(),
        repos: vec!["acme/moved".into(), "acme/gone".into()],
    };
    let m = collect(&target, &opts).expect("collect").manifest;
    assert!(m.complete);
    let members = &m.resources[&gh::org_members("acme")];
    assert!(
        members
            .truncated
            .as_deref()
            .is_some_and(|t| t.contains("leaves the API base URL")),
        "{members:?}"
    );
    // Same origin: followed, stored under the key asked for.
    assert_eq!(m.resources[&gh::repo("acme/moved")].status, 200);
    assert_eq!(body(&out, &gh::repo("acme/moved"))["full_name"], "acme/app");
    assert!(
        m.resources
            .contains_key(&gh::branch_protection("acme/moved", "main"))
    );
    // Another origin: not followed, the redirect itself is the fact.
    assert_eq!(m.resources[&gh::repo("acme/gone")].status, 301);
    assert!(
        elsewhere.log().is_empty(),
        "the other origin was contacted: {:?}",
        elsewhere.log()
    );
}

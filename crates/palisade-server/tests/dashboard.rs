//! The dashboard on `/ui/` in a real browser: the webhook on loopback over
//! HTTPS with a real SQLite audit log, admissions sent by a real HTTPS
//! client, and headless Chromium (Debian's `chromium` and `chromium-driver`,
//! driven through WebDriver by `fantoccini`) signing in with each role's
//! token. Every page renders without script errors, draws its charts, fits
//! 1280 px and 390 px windows, shows a planted `<script>` as text, and shows
//! each role what the API lets it read and nothing else. Screenshots are
//! saved under the target directory.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use palisade_audit::access::{generate_token, hash_token};
use palisade_audit::{AuditLog, Filter, Reader, SourceKind, WriterOptions};
use palisade_server::api::ApiOptions;
use palisade_server::audit_sink::AuditLogSink;
use palisade_server::install::certs;
use palisade_server::state::PolicyFiles;
use palisade_server::{Server, ServerOptions};
use palisade_testkit::browser::{self, overflow, run};
use serde_json::{Value, json};

use support::{HOST, hardened_pod, privileged_pod, review};

struct Dashboard {
    server: Option<Server>,
    _dir: tempfile::TempDir,
    db: String,
    ca: String,
    admin: String,
    auditor: String,
    developer: String,
}

impl Dashboard {
    async fn start() -> Dashboard {
        let dir = tempfile::tempdir().unwrap();
        let certs = certs::generate(&[HOST.to_owned()], 30, 30).unwrap();
        std::fs::write(dir.path().join("tls.crt"), &certs.cert_pem).unwrap();
        std::fs::write(dir.path().join("tls.key"), &certs.key_pem).unwrap();
        let (admin, auditor, developer) = (
            generate_token().unwrap(),
            generate_token().unwrap(),
            generate_token().unwrap(),
        );
        let config = format!(
            "frameworks: [pss-baseline, pci-dss-4.0]
admission:
  mode: warn
  controls: {{privileged-container: enforce}}
exceptions:
  - controls: [host-namespaces]
    namespaces: [team-b]
    justification: the team-b proxy needs the node's network
    owner: team-b-lead
    expires: 2099-01-01
  - controls: [image-tag-latest]
    justification: demo images everywhere
    owner: platform
    expires: 2099-06-30
api:
  tokens:
    - {{name: root, role: admin, sha256: \"{}\"}}
    - {{name: soc2-auditor, role: auditor, sha256: \"{}\"}}
    - {{name: team-a-dev, role: developer, namespaces: [team-a], sha256: \"{}\"}}
",
            hash_token(&admin),
            hash_token(&auditor),
            hash_token(&developer),
        );
        std::fs::write(dir.path().join("palisade.yaml"), config).unwrap();
        let db = format!("sqlite://{}", dir.path().join("audit.db").display());
        let recorder = AuditLog::open(
            &db,
            WriterOptions {
                chain: "webhook-0".into(),
                ..WriterOptions::default()
            },
        )
        .await
        .unwrap();
        let (key_pem, _) = palisade_audit::keys::generate().unwrap();
        std::fs::write(dir.path().join("audit.key"), key_pem).unwrap();
        let key = palisade_audit::keys::read_signing_key(&dir.path().join("audit.key")).unwrap();
        let server = Server::start(ServerOptions {
            listen: "127.0.0.1:0".parse().unwrap(),
            tls_cert: dir.path().join("tls.crt"),
            tls_key: dir.path().join("tls.key"),
            sources: PolicyFiles {
                config: Some(dir.path().join("palisade.yaml")),
                policies: Default::default(),
            },
            reload_interval: Duration::from_secs(60),
            sink: Arc::new(AuditLogSink::new(recorder.clone())),
            client_ca: None,
            api: Some(ApiOptions {
                db: db.clone(),
                recorder,
                key: Some(key),
                description: json!({"db": "test"}),
                floor: None,
            }),
            prepared: None,
        })
        .await
        .unwrap();
        Dashboard {
            server: Some(server),
            _dir: dir,
            db,
            ca: certs.ca_pem,
            admin,
            auditor,
            developer,
        }
    }

    fn port(&self) -> u16 {
        self.server.as_ref().unwrap().local_addr().port()
    }

    fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(self.ca.as_bytes()).unwrap())
            .resolve(HOST, self.server.as_ref().unwrap().local_addr())
            .build()
            .unwrap()
    }

    fn url(&self, path: &str) -> String {
        format!("https://{HOST}:{}{path}", self.port())
    }

    async fn admit(&self, uid: &str, namespace: &str, object: Value) {
        let response = self
            .client()
            .post(self.url("/validate"))
            .json(&review(uid, namespace, object, false))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
    }

    /// The page as Chromium loads it (the browser resolves the test host
    /// to loopback and accepts the test CA's certificate).
    fn page(&self, route: &str) -> String {
        format!("https://{HOST}:{}/ui/{route}", self.port())
    }
}

/// Pods in two namespaces: a denial and a planted name in team-a, a
/// warning (host network, waived there by the team-b exception) and a
/// `latest` image in team-b.
async fn admit_some(d: &Dashboard) {
    d.admit("uid-1", "team-a", privileged_pod("payments-api"))
        .await;
    d.admit(
        "uid-2",
        "team-a",
        privileged_pod("evil<script>window.planted=1</script>"),
    )
    .await;
    let mut host = hardened_pod("team-b-proxy");
    host["spec"]["hostNetwork"] = json!(true);
    d.admit("uid-3", "team-b", host).await;
    let mut latest = hardened_pod("team-b-web");
    latest["spec"]["containers"][0]["image"] = json!("nginx:latest");
    d.admit("uid-4", "team-b", latest).await;
    d.admit("uid-5", "team-a", hardened_pod("fine")).await;
}

/// Waits until the page marks itself rendered (`data-ready` names the page).
async fn ready(client: &Client, page: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let state = run(
            client,
            "return document.documentElement.dataset.ready || null;",
        )
        .await;
        if state == json!(page) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "page {page} not ready: {state}; main: {}",
            run(client, "return document.getElementById('main').innerText;").await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Chromium that reaches the test server under its certificate's name
/// (the certificate is the test's own, not one Chromium trusts).
async fn dashboard_browser(driver: &browser::Driver) -> Client {
    browser::browser(
        driver,
        &[
            &format!("--host-resolver-rules=MAP {HOST} 127.0.0.1"),
            "--ignore-certificate-errors",
        ],
    )
    .await
}

async fn go(client: &Client, d: &Dashboard, route: &str, page: &str) {
    client.goto(&d.page(route)).await.unwrap();
    ready(client, page).await;
    no_script_errors(client).await;
}

async fn no_script_errors(client: &Client) {
    assert_eq!(
        run(client, "return window.palisadeErrors;").await,
        json!([]),
        "script errors"
    );
}

async fn text(client: &Client) -> String {
    run(client, "return document.getElementById('main').innerText;")
        .await
        .as_str()
        .unwrap()
        .to_owned()
}

async fn sign_in(client: &Client, d: &Dashboard, token: &str) {
    go(client, d, "", "signin").await;
    let field = client.find(Locator::Id("token")).await.unwrap();
    field.send_keys(token).await.unwrap();
    client
        .find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    ready(client, "overview").await;
}

async fn sign_out(client: &Client) {
    client
        .find(Locator::Css("#who button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    ready(client, "signin").await;
}

/// No horizontal overflow at 1280 and 390 px; a screenshot of each.
async fn fits(client: &Client, name: &str) {
    for width in [1280, 390] {
        let over = overflow(client, width).await;
        if over != 0 {
            let wide = run(
                client,
                "const w = document.documentElement.clientWidth; return Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > w + 1).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));",
            )
            .await;
            panic!("{name} at {width} px: {over} px too wide: {wide}");
        }
        let png = client.screenshot().await.unwrap();
        let dir = browser::screenshots(env!("CARGO_TARGET_TMPDIR"));
        std::fs::write(dir.join(format!("dashboard-{name}-{width}.png")), png).unwrap();
    }
    overflow(client, 1280).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_each_role_what_it_may_read() {
    let Some(binary) = browser::chromedriver("the dashboard") else {
        return;
    };
    let d = Dashboard::start().await;
    admit_some(&d).await;

    // The page and its assets carry the security headers.
    let page = d.client().get(d.url("/ui/")).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let headers = page.headers().clone();
    let html = page.text().await.unwrap();
    assert_eq!(
        headers["content-security-policy"],
        palisade_server::ui::CONTENT_SECURITY_POLICY
    );
    assert!(
        !palisade_server::ui::CONTENT_SECURITY_POLICY.contains("unsafe"),
        "no unsafe-inline, no unsafe-eval"
    );
    assert!(
        headers["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(!html.contains("<script>"), "no inline script");
    let script = html
        .split("src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let asset = d.client().get(d.url(&script)).send().await.unwrap();
    assert_eq!(asset.status().as_u16(), 200);
    assert!(
        asset.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(asset.headers().contains_key("content-security-policy"));
    // An old version's URL is not served.
    let stale = d
        .client()
        .get(d.url("/ui/assets/000000000000/app.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status().as_u16(), 404);
    assert!(
        palisade_server::ui::asset_bytes() < 200 * 1024,
        "the whole UI is small"
    );

    let driver = browser::start(&binary);
    let client = dashboard_browser(&driver).await;

    // Without a token: the sign-in form, and a wrong token is refused.
    go(&client, &d, "", "signin").await;
    let field = client.find(Locator::Id("token")).await.unwrap();
    field.send_keys("not-a-token").await.unwrap();
    client
        .find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !text(&client).await.contains("not accepted") {
        assert!(Instant::now() < deadline, "a wrong token was not refused");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The admin: every namespace, the charts, the planted name as text.
    sign_in(&client, &d, &d.admin).await;
    no_script_errors(&client).await;
    let overview = text(&client).await;
    assert!(overview.contains("Pod Security Standards"), "{overview}");
    assert!(
        overview.contains("evil<script>window.planted=1</script>"),
        "{overview}"
    );
    assert_eq!(
        run(&client, "return window.planted === undefined;").await,
        json!(true)
    );
    assert_eq!(
        run(&client, "return document.scripts.length;").await,
        json!(1)
    );
    let charts = run(
        &client,
        "return Array.from(document.querySelectorAll('svg[role=img]')).map(s => s.getAttribute('aria-label'));",
    )
    .await;
    assert_eq!(charts.as_array().unwrap().len(), 2, "{charts}");
    assert!(charts[0].as_str().unwrap().contains("fail"), "{charts}");
    assert!(
        charts[1].as_str().unwrap().contains("Denials per day"),
        "{charts}"
    );
    // The token is in this tab's session storage, never in a cookie or URL.
    assert_eq!(
        run(&client, "return sessionStorage.getItem('palisade.token');").await,
        json!(d.admin)
    );
    assert_eq!(run(&client, "return document.cookie;").await, json!(""));
    assert!(
        !client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains(&d.admin)
    );
    fits(&client, "overview").await;

    go(
        &client,
        &d,
        "#/framework?framework=pss-baseline",
        "framework",
    )
    .await;
    assert!(text(&client).await.contains("privileged-containers"));
    fits(&client, "framework").await;

    go(
        &client,
        &d,
        "#/requirement?framework=pss-baseline&id=privileged-containers",
        "requirement",
    )
    .await;
    let drill = run(
        &client,
        "return Array.from(document.querySelectorAll('details.object > summary')).map(s => s.textContent);",
    )
    .await;
    let objects: Vec<&str> = drill
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(objects.len(), 2, "{drill}");
    assert!(
        objects
            .iter()
            .any(|o| o.contains("Pod/team-a/payments-api")),
        "{drill}"
    );
    fits(&client, "requirement").await;

    go(&client, &d, "#/events", "events").await;
    let events = text(&client).await;
    assert!(events.contains("Pod/team-b/team-b-proxy"), "{events}");
    assert!(events.contains("Pod/team-a/fine"), "{events}");
    fits(&client, "events").await;

    go(&client, &d, "#/exceptions", "exceptions").await;
    let exceptions = text(&client).await;
    assert!(exceptions.contains("team-b-lead"), "{exceptions}");
    assert!(exceptions.contains("2099-06-30"), "{exceptions}");
    fits(&client, "exceptions").await;

    go(&client, &d, "#/audit", "audit").await;
    let audit = text(&client).await;
    assert!(audit.contains("intact"), "{audit}");
    assert!(
        audit.contains("Download the signed evidence bundle"),
        "{audit}"
    );
    fits(&client, "audit").await;
    sign_out(&client).await;
    assert_eq!(
        run(&client, "return sessionStorage.getItem('palisade.token');").await,
        json!(null)
    );

    // The developer of team-a: only team-a, and no way to another namespace.
    sign_in(&client, &d, &d.developer).await;
    let overview = text(&client).await;
    assert!(overview.contains("payments-api"), "{overview}");
    assert!(!overview.contains("team-b"), "{overview}");
    go(&client, &d, "#/events", "events").await;
    let events = text(&client).await;
    assert!(events.contains("Pod/team-a/payments-api"), "{events}");
    assert!(!events.contains("team-b"), "{events}");
    go(&client, &d, "#/events?namespace=team-b", "events").await;
    let refused = text(&client).await;
    assert!(refused.contains("may not read this"), "{refused}");
    assert!(!refused.contains("team-b-proxy"), "{refused}");
    go(&client, &d, "#/exceptions", "exceptions").await;
    let exceptions = text(&client).await;
    assert!(!exceptions.contains("team-b"), "{exceptions}");
    assert!(
        exceptions.contains("demo images everywhere"),
        "{exceptions}"
    );
    go(&client, &d, "#/audit", "audit").await;
    let audit = text(&client).await;
    assert!(audit.contains("may not run it"), "{audit}");
    assert!(!audit.contains("Download"), "{audit}");
    fits(&client, "developer-audit").await;
    sign_out(&client).await;

    // The auditor: every namespace, verification and export; no config.
    sign_in(&client, &d, &d.auditor).await;
    go(&client, &d, "#/audit", "audit").await;
    let audit = text(&client).await;
    assert!(audit.contains("intact"), "{audit}");
    let exported = run(
        &client,
        "return fetch('/api/v1/export?since=1h', {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('palisade.token')}}).then(r => r.status);",
    )
    .await;
    assert_eq!(exported, json!(200));
    client.close().await.unwrap();

    // Every read the pages made is an audited API access, by its principal.
    let reader = Reader::open(&d.db).await.unwrap();
    let accesses = reader
        .query(&Filter {
            source: Some(SourceKind::Api),
            ..Filter::default()
        })
        .await
        .unwrap();
    let by = |user: &str, path: &str| {
        accesses.iter().any(|e| match &e.event.source {
            palisade_audit::Source::Api {
                user: u, request, ..
            } => u == user && request.contains(path),
            _ => false,
        })
    };
    assert!(by("team-a-dev", "GET /api/v1/events?"));
    assert!(by("team-a-dev", "namespace=team-b"));
    assert!(by("root", "GET /api/v1/trend?"));
    assert!(by("soc2-auditor", "GET /api/v1/events/verify"));
    assert!(by("(unauthenticated)", "GET /api/v1/whoami"));
}

/// `events` admissions in 20 namespaces, a third denied, a third warned,
/// recorded on a chain of their own.
async fn seed(d: &Dashboard, events: usize) {
    use palisade_audit::{
        AuditFinding, Decision, Event, FindingAction, Resource, Source, Timestamp,
    };
    let recorder = AuditLog::open(
        &d.db,
        WriterOptions {
            chain: "seed".into(),
            max_batch: 1_000,
            ..WriterOptions::default()
        },
    )
    .await
    .unwrap();
    let controls = [
        "privileged-container",
        "host-namespaces",
        "image-tag-latest",
        "run-as-non-root",
    ];
    let mut last = None;
    for i in 0..events {
        let (decision, action) = match i % 3 {
            0 => (Decision::Denied, Some(FindingAction::Denied)),
            1 => (Decision::Warned, Some(FindingAction::Warned)),
            _ => (Decision::Allowed, None),
        };
        let findings = match action {
            None => Vec::new(),
            Some(action) => (0..1 + i % 3)
                .map(|k| AuditFinding {
                    control: controls[(i + k) % controls.len()].to_owned(),
                    severity: palisade_model::Severity::High,
                    message: "seeded finding".to_owned(),
                    action: Some(action),
                    waiver: None,
                })
                .collect(),
        };
        let event = Event {
            time: Timestamp::now(),
            source: Source::Admission {
                user: "seed".into(),
                groups: vec![],
                operation: "CREATE".into(),
                uid: format!("seed-{i}"),
                dry_run: false,
                mutated: vec![],
                endpoint: Some("validate".into()),
                authenticated: true,
                truncated: vec![],
            },
            resource: Resource {
                api_version: "v1".into(),
                kind: "Pod".into(),
                namespace: Some(format!("ns-{}", i % 20)),
                name: Some(format!("pod-{i}")),
            },
            decision,
            reason: None,
            findings,
            policy_version: "seed".into(),
            palisade_version: "seed".into(),
        };
        last = Some(recorder.record_waiting(event).await.unwrap());
    }
    last.unwrap().committed().await.unwrap();
    recorder.shutdown().await.unwrap();
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

/// The first view with 100,000 events in the log: the API answers the
/// overview asks for (five, at once, as the page sends them), and the page
/// in Chromium from navigation to drawn. Run by `scripts/bench-dashboard.sh`
/// (a release build): `cargo test --release -p palisade-server --test
/// dashboard -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: seeds 100,000 events"]
async fn first_view_with_100k_events() {
    let events: usize = std::env::var("PALISADE_BENCH_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let d = Dashboard::start().await;
    let seeding = Instant::now();
    seed(&d, events).await;
    eprintln!(
        "seeded {events} events in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    let client = d.client();
    let get = |path: &'static str| {
        let request = client.get(d.url(path)).bearer_auth(&d.admin).send();
        async move {
            let response = request.await.unwrap();
            assert_eq!(response.status().as_u16(), 200, "{path}");
            response.bytes().await.unwrap().len()
        }
    };
    let mut api_times = Vec::new();
    for _ in 0..7 {
        let start = Instant::now();
        tokio::join!(
            get("/api/v1/whoami"),
            get("/api/v1/summary?since=24h&framework=pss-baseline"),
            get("/api/v1/trend?since=14d&buckets=14&framework=pss-baseline"),
            get("/api/v1/events?decision=denied&order=newest&limit=8"),
            get("/api/v1/events?decision=warned&order=newest&limit=8"),
        );
        api_times.push(start.elapsed());
    }
    let api = median(api_times);
    eprintln!(
        "first view's API answers ({events} events): median {:.0} ms of 7",
        api.as_secs_f64() * 1000.0
    );
    if let Some(binary) = browser::chromedriver("the dashboard's first view") {
        let driver = browser::start(&binary);
        let browser = dashboard_browser(&driver).await;
        sign_in(&browser, &d, &d.admin).await;
        let mut page_times = Vec::new();
        for _ in 0..5 {
            // From another page, so that each is a whole load of the page.
            browser.goto("about:blank").await.unwrap();
            let start = Instant::now();
            browser.goto(&d.page("#/")).await.unwrap();
            ready(&browser, "overview").await;
            page_times.push(start.elapsed());
        }
        no_script_errors(&browser).await;
        let page = median(page_times);
        eprintln!(
            "first view in Chromium ({events} events): median {:.0} ms of 5",
            page.as_secs_f64() * 1000.0
        );
        browser.close().await.unwrap();
        // The goal (issue 20): under a second. Reported, not asserted, so
        // the script always prints its figures.
        eprintln!(
            "goal: first view under 1 s with 100,000 events: {}",
            if page < Duration::from_secs(1) {
                "met"
            } else {
                "NOT met"
            }
        );
    }
}

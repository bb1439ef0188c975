//! The audit log behind the webhook and the read API, end to end: the real
//! server on loopback over HTTPS, a real client (reqwest), a real SQLite
//! file or a throwaway PostgreSQL. Admission decisions land in the log,
//! every role meets every endpoint, client certificates map to roles.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

#[path = "../../palisade-audit/tests/support/postgres.rs"]
mod postgres;

/// Tests `$body` (given the audit log's URL, `None` for SQLite in the
/// harness's folder) on SQLite as `$sqlite` and on a new PostgreSQL
/// database `$db` as `$postgres`.
macro_rules! on_both_stores {
    ($body:ident => $sqlite:ident, $postgres:ident, $db:literal) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $sqlite() {
            $body(None).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $postgres() {
            let Some(pg) = postgres::TestPostgres::start(false) else {
                return;
            };
            $body(Some(pg.create_db($db).await)).await;
        }
    };
}

use std::sync::Arc;
use std::time::Duration;

use palisade_audit::access::{generate_token, hash_token};
use palisade_audit::{AuditLog, WriterOptions};
use palisade_server::api::ApiOptions;
use palisade_server::audit_sink::{AuditLogSink, FreeSpaceFloor};
use palisade_server::install::certs;
use palisade_server::state::PolicyFiles;
use palisade_server::{Server, ServerOptions};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};
use serde_json::{Value, json};

use support::{HOST, hardened_pod, privileged_pod, review};

/// A client certificate authority and leaf certificates signed by it.
struct ClientCa {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl ClientCa {
    fn new() -> ClientCa {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "test client CA");
        let cert = params.self_signed(&key).unwrap();
        ClientCa {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// Certificate and key PEM for subject `cn`, as reqwest's identity.
    fn identity(&self, cn: &str) -> reqwest::Identity {
        self.identity_with(cn, None)
    }

    /// Like [`ClientCa::identity`], with a second CN after the first when
    /// `second_cn` is given (as a hand-made CSR may carry).
    fn identity_with(&self, cn: &str, second_cn: Option<&str>) -> reqwest::Identity {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        if let Some(second) = second_cn {
            // The CN's own OID under another key: rcgen keeps one value per
            // key, and this writes a second commonName attribute.
            params
                .distinguished_name
                .push(DnType::CustomDnType(vec![2, 5, 4, 3]), second);
        }
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let pem = format!("{}{}", cert.pem(), key.serialize_pem());
        reqwest::Identity::from_pem(pem.as_bytes()).unwrap()
    }
}

/// The tokens of the configuration.
struct Tokens {
    admin: String,
    auditor: String,
    developer: String,
    reader: String,
    /// A custom role with `export` and `verify`, scoped to `team-a`.
    exporter: String,
}

struct Harness {
    /// The audit log's URL (SQLite in `dir`, or a PostgreSQL database).
    db: String,
    server: Option<Server>,
    dir: tempfile::TempDir,
    /// The configuration's text as written at start.
    config: String,
    ca: String,
    client_ca: ClientCa,
    /// Issues the API server's client certificate (`admission.client-ca`,
    /// configured only by [`Harness::start_with`]).
    apiserver_ca: ClientCa,
    tokens: Tokens,
}

impl Harness {
    /// Starts the webhook recording to `db` (`None`: a SQLite file in the
    /// temporary folder).
    async fn start(db: Option<String>) -> Harness {
        Harness::start_full(db, "", Duration::from_secs(60)).await
    }

    /// As [`Harness::start`], with more `admission:` settings.
    async fn start_with(db: Option<String>, admission: &str) -> Harness {
        Harness::start_full(db, admission, Duration::from_secs(60)).await
    }

    /// As [`Harness::start`], checking files for changes every `reload`.
    async fn start_reloading(db: Option<String>, reload: Duration) -> Harness {
        Harness::start_full(db, "", reload).await
    }

    async fn start_full(db: Option<String>, admission: &str, reload: Duration) -> Harness {
        Harness::start_floored(db, admission, reload, None).await
    }

    /// As [`Harness::start`], keeping `floor` bytes free on the log's
    /// volume (`None`: no floor).
    async fn start_floored(
        db: Option<String>,
        admission: &str,
        reload: Duration,
        floor: Option<u64>,
    ) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let certs = certs::generate(&[HOST.to_owned()], 30, 30).unwrap();
        std::fs::write(dir.path().join("tls.crt"), &certs.cert_pem).unwrap();
        std::fs::write(dir.path().join("tls.key"), &certs.key_pem).unwrap();
        let client_ca = ClientCa::new();
        std::fs::write(dir.path().join("client-ca.pem"), &client_ca.pem).unwrap();
        let apiserver_ca = ClientCa::new();
        std::fs::write(dir.path().join("apiserver-ca.pem"), &apiserver_ca.pem).unwrap();
        let tokens = Tokens {
            admin: generate_token().unwrap(),
            auditor: generate_token().unwrap(),
            developer: generate_token().unwrap(),
            reader: generate_token().unwrap(),
            exporter: generate_token().unwrap(),
        };
        let config = format!(
            "admission:
  mode: warn
  controls: {{privileged-container: enforce}}
{}api:
  client-ca: client-ca.pem
  tokens:
    - {{name: root, role: admin, sha256: \"{}\"}}
    - {{name: ci, role: auditor, sha256: \"{}\"}}
    - {{name: team-a-dev, role: developer, namespaces: [team-a], sha256: \"{}\"}}
    - {{name: dashboard, role: reader, sha256: \"{}\"}}
    - {{name: team-a-exporter, role: team-exporter, namespaces: [team-a], sha256: \"{}\"}}
  users:
    - {{subject: alice, role: admin}}
    - {{subject: bob, role: developer, namespaces: [team-b]}}
  roles:
    reader: [events, summary, all-namespaces]
    team-exporter: [events, export, verify]
",
            admission,
            hash_token(&tokens.admin),
            hash_token(&tokens.auditor),
            hash_token(&tokens.developer),
            hash_token(&tokens.reader),
            hash_token(&tokens.exporter),
        );
        std::fs::write(dir.path().join("palisade.yaml"), &config).unwrap();
        let db =
            db.unwrap_or_else(|| format!("sqlite://{}", dir.path().join("audit.db").display()));
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
            reload_interval: reload,
            sink: Arc::new(
                AuditLogSink::new(recorder.clone())
                    .with_floor(floor.and_then(|bytes| FreeSpaceFloor::for_url(&db, bytes))),
            ),
            client_ca: Some(dir.path().join("client-ca.pem")),
            api: Some(ApiOptions {
                db: db.clone(),
                recorder,
                key: Some(key),
                description: json!({"db": "test"}),
                floor: floor.and_then(|bytes| FreeSpaceFloor::for_url(&db, bytes)),
            }),
            prepared: None,
        })
        .await
        .unwrap();
        Harness {
            server: Some(server),
            db: db.clone(),
            dir,
            config,
            ca: certs.ca_pem,
            client_ca,
            apiserver_ca,
            tokens,
        }
    }

    fn client(&self, identity: Option<reqwest::Identity>) -> reqwest::Client {
        let addr = self.server.as_ref().unwrap().local_addr();
        let mut builder = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(self.ca.as_bytes()).unwrap())
            .resolve(HOST, addr);
        if let Some(identity) = identity {
            builder = builder.identity(identity);
        }
        builder.build().unwrap()
    }

    fn url(&self, path: &str) -> String {
        let port = self.server.as_ref().unwrap().local_addr().port();
        format!("https://{HOST}:{port}{path}")
    }

    async fn get(&self, path: &str, token: Option<&str>) -> (u16, String) {
        self.get_with(&self.client(None), path, token).await
    }

    async fn get_with(
        &self,
        client: &reqwest::Client,
        path: &str,
        token: Option<&str>,
    ) -> (u16, String) {
        let mut request = client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    /// Sends a review without a client certificate, as the API server does.
    async fn review(&self, uid: &str, namespace: &str, object: Value, dry_run: bool) -> Value {
        self.review_at("/validate", uid, namespace, object, dry_run)
            .await
    }

    /// Posts `body` to `/validate` with an optional client certificate.
    async fn post_as(&self, identity: Option<reqwest::Identity>, body: &Value) -> (u16, Value) {
        let response = self
            .client(identity)
            .post(self.url("/validate"))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Sends a review to `/validate` or `/mutate`.
    async fn review_at(
        &self,
        path: &str,
        uid: &str,
        namespace: &str,
        object: Value,
        dry_run: bool,
    ) -> Value {
        let body = review(uid, namespace, object, dry_run);
        let response = self
            .client(None)
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["response"]["uid"], uid);
        answer["response"].clone()
    }

    /// The API events recorded so far (read as the admin).
    async fn api_events(&self) -> Vec<Value> {
        let (status, body) = self
            .get(
                "/api/v1/events?source=api&limit=10000",
                Some(&self.tokens.admin),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let events: Value = serde_json::from_str(&body).unwrap();
        events["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"].clone())
            .collect()
    }

    /// Rewrites the configuration and waits until the server has tried to
    /// load it (its policy reload counter moves).
    async fn reconfigure(&self, config: &str) {
        let reloads = || async {
            let (_, metrics) = self.get("/metrics", None).await;
            metrics
                .lines()
                .filter(|l| {
                    l.starts_with("palisade_admission_reloads_total") && l.contains("policy")
                })
                .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                .sum::<f64>()
        };
        let before = reloads().await;
        std::fs::write(self.dir.path().join("palisade.yaml"), config).unwrap();
        for _ in 0..100 {
            if reloads().await > before {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the configuration was not reloaded");
    }

    async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown(Duration::from_secs(1)).await.unwrap();
        }
    }
}

fn latest_pod(name: &str) -> Value {
    let mut pod = hardened_pod(name);
    pod["spec"]["containers"][0]["image"] = json!("nginx:latest");
    pod
}

/// Three decisions and a dry run in two namespaces; returns nothing, the
/// log is checked by the caller.
async fn admit_some(h: &Harness) {
    assert_eq!(
        h.review("uid-allowed", "team-a", hardened_pod("a"), false)
            .await["allowed"],
        true
    );
    assert_eq!(
        h.review("uid-denied", "team-a", privileged_pod("b"), false)
            .await["allowed"],
        false
    );
    let warned = h
        .review("uid-warned", "team-b", latest_pod("c"), false)
        .await;
    assert_eq!(warned["allowed"], true);
    assert!(
        !warned["warnings"].as_array().unwrap().is_empty(),
        "{warned}"
    );
    h.review("uid-dry-run", "team-b", privileged_pod("d"), true)
        .await;
}

fn by_uid(events: &Value) -> std::collections::BTreeMap<String, Value> {
    events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"]["source"]["kind"] == "admission")
        .map(|e| {
            (
                e["event"]["source"]["uid"].as_str().unwrap().to_owned(),
                e["event"].clone(),
            )
        })
        .collect()
}

async fn admissions_are_recorded_and_verify(h: &Harness) {
    admit_some(h).await;
    let (status, body) = h
        .get("/api/v1/events?source=admission", Some(&h.tokens.auditor))
        .await;
    assert_eq!(status, 200, "{body}");
    let events = by_uid(&serde_json::from_str(&body).unwrap());
    assert_eq!(events.len(), 4, "{body}");
    // The hardened pod may draw warn-mode findings; it is never denied.
    assert_ne!(events["uid-allowed"]["decision"], "denied");
    assert_eq!(events["uid-denied"]["decision"], "denied");
    assert_eq!(events["uid-warned"]["decision"], "warned");
    let denied = &events["uid-denied"];
    assert_eq!(denied["source"]["user"], "carol");
    assert_eq!(
        denied["source"]["groups"],
        json!(["developers", "system:authenticated"])
    );
    assert_eq!(denied["source"]["operation"], "CREATE");
    assert_eq!(denied["resource"]["namespace"], "team-a");
    assert!(
        denied["policy_version"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    let finding = denied["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["control"] == "privileged-container")
        .unwrap();
    assert_eq!(finding["action"], "denied");
    assert_eq!(finding["severity"], "critical");
    assert_eq!(events["uid-dry-run"]["source"]["dry_run"], true);

    // Filters: decision and control.
    let (_, body) = h
        .get(
            "/api/v1/events?decision=denied&source=admission",
            Some(&h.tokens.auditor),
        )
        .await;
    let denied = by_uid(&serde_json::from_str(&body).unwrap());
    assert!(
        denied
            .keys()
            .all(|k| k == "uid-denied" || k == "uid-dry-run"),
        "{body}"
    );

    let (status, body) = h
        .get("/api/v1/events/verify", Some(&h.tokens.auditor))
        .await;
    assert_eq!(status, 200, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["ok"], true, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_admissions_are_recorded_and_the_chain_verifies() {
    let h = Harness::start(None).await;
    admissions_are_recorded_and_verify(&h).await;
    h.stop().await;
}

/// The API server calls `/mutate` and then `/validate` for one request:
/// the log holds one admission decision (validate's) and one mutation that
/// is no decision, each naming its endpoint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mutation_is_recorded_apart_from_the_admission_decision() {
    let h = Harness::start(None).await;
    let mutated = h
        .review_at("/mutate", "uid-both", "team-a", privileged_pod("m"), false)
        .await;
    assert_eq!(mutated["allowed"], true);
    let denied = h
        .review_at(
            "/validate",
            "uid-both",
            "team-a",
            privileged_pod("m"),
            false,
        )
        .await;
    assert_eq!(denied["allowed"], false);

    let (status, body) = h
        .get(
            "/api/v1/events?source=admission&decision=allowed",
            Some(&h.tokens.auditor),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        by_uid(&serde_json::from_str(&body).unwrap()).is_empty(),
        "{body}"
    );
    let (_, body) = h
        .get("/api/v1/events?source=admission", Some(&h.tokens.auditor))
        .await;
    let events: Value = serde_json::from_str(&body).unwrap();
    let mut seen: Vec<(String, String)> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["event"]["source"]["endpoint"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                e["event"]["decision"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("mutate".to_owned(), "unchanged".to_owned()),
            ("validate".to_owned(), "denied".to_owned()),
        ],
        "{body}"
    );
    h.stop().await;
}

/// The admission events' `source` by uid.
async fn admission_sources(h: &Harness) -> std::collections::BTreeMap<String, Value> {
    let (_, body) = h
        .get("/api/v1/events?source=admission", Some(&h.tokens.auditor))
        .await;
    by_uid(&serde_json::from_str(&body).unwrap())
        .into_iter()
        .map(|(uid, e)| (uid, e["source"].clone()))
        .collect()
}

/// Only a client certificate from `admission.client-ca` with an accepted
/// name proves the caller is the API server; the event says whether it
/// did. What a caller claims is kept within limits, marked when cut.
async fn the_api_server_proves_itself_and_claims_are_bounded_in(db: Option<String>) {
    let h = Harness::start_with(
        db,
        "  client-ca: apiserver-ca.pem\n  client-names: [kube-apiserver]\n",
    )
    .await;
    let pod = hardened_pod("a");
    let (status, _) = h
        .post_as(None, &review("uid-anonymous", "team-a", pod.clone(), false))
        .await;
    assert_eq!(status, 200);
    let apiserver = h.apiserver_ca.identity("kube-apiserver");
    let (status, _) = h
        .post_as(
            Some(apiserver),
            &review("uid-apiserver", "team-a", pod.clone(), false),
        )
        .await;
    assert_eq!(status, 200);
    // The read API's CA does not vouch for the API server, nor another name.
    let impostor = h.client_ca.identity("kube-apiserver");
    h.post_as(
        Some(impostor),
        &review("uid-impostor", "team-a", pod.clone(), false),
    )
    .await;
    let other = h.apiserver_ca.identity("someone-else");
    h.post_as(
        Some(other),
        &review("uid-other-name", "team-a", pod.clone(), false),
    )
    .await;
    let mut alice = review("uid-claims", "team-a", pod.clone(), false);
    alice["request"]["userInfo"] = json!({
        "username": "alice@example.com",
        "groups": (0..100_000).map(|i| format!("system:masters-{i}")).collect::<Vec<_>>(),
    });
    let (status, _) = h.post_as(None, &alice).await;
    assert_eq!(status, 200);

    let sources = admission_sources(&h).await;
    let authenticated = |uid: &str| sources[uid]["authenticated"].clone();
    assert_eq!(authenticated("uid-apiserver"), true);
    assert_eq!(authenticated("uid-anonymous"), false);
    assert_eq!(authenticated("uid-impostor"), false);
    assert_eq!(authenticated("uid-other-name"), false);
    let claims = &sources["uid-claims"];
    assert_eq!(claims["authenticated"], false);
    assert_eq!(claims["groups"].as_array().unwrap().len(), 64);
    assert_eq!(claims["truncated"], json!(["groups"]));
    h.stop().await;

    // Required: an unproven caller is refused, and not recorded.
    let h = Harness::start_with(
        None,
        "  client-ca: apiserver-ca.pem\n  client-names: [kube-apiserver]\n  client-auth: required\n",
    )
    .await;
    let (status, _) = h
        .post_as(None, &review("uid-refused", "team-a", pod.clone(), false))
        .await;
    assert_eq!(status, 401);
    let apiserver = h.apiserver_ca.identity("kube-apiserver");
    let (status, answer) = h
        .post_as(
            Some(apiserver),
            &review("uid-admitted", "team-a", pod, false),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let sources = admission_sources(&h).await;
    assert!(!sources.contains_key("uid-refused"));
    assert_eq!(sources["uid-admitted"]["authenticated"], true);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_admissions_are_recorded_and_the_chain_verifies() {
    let Some(pg) = postgres::TestPostgres::start(false) else {
        return;
    };
    let url = pg.create_db("webhook").await;
    let h = Harness::start(Some(url)).await;
    admissions_are_recorded_and_verify(&h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_against_every_endpoint() {
    let h = Harness::start(None).await;
    admit_some(&h).await;
    let endpoints = [
        "/api/v1/whoami",
        "/api/v1/events",
        "/api/v1/events/verify",
        "/api/v1/summary",
        "/api/v1/export",
        "/api/v1/config",
    ];
    let t = &h.tokens;
    let bad = generate_token().unwrap();
    let cases: [(&str, Option<&str>, [u16; 6]); 6] = [
        ("nobody", None, [401; 6]),
        ("bad token", Some(bad.as_str()), [401; 6]),
        ("admin", Some(t.admin.as_str()), [200; 6]),
        (
            "auditor",
            Some(t.auditor.as_str()),
            [200, 200, 200, 200, 200, 403],
        ),
        (
            "developer",
            Some(t.developer.as_str()),
            [200, 200, 403, 200, 403, 403],
        ),
        (
            "custom reader",
            Some(t.reader.as_str()),
            [200, 200, 403, 200, 403, 403],
        ),
    ];
    for (who, token, expected) in cases {
        for (path, want) in endpoints.iter().zip(expected) {
            let (status, body) = h.get(path, token).await;
            assert_eq!(status, want, "{who} GET {path}: {body}");
            if status >= 400 {
                // Nothing leaks: the same short body for every refusal.
                let expected = if status == 401 {
                    "unauthorized"
                } else {
                    "forbidden"
                };
                assert_eq!(
                    body.trim(),
                    json!({"error": expected}).to_string(),
                    "{who} {path}"
                );
            }
        }
    }

    // The developer sees team-a only, and asking for team-b is refused.
    let (status, body) = h.get("/api/v1/events", Some(&t.developer)).await;
    assert_eq!(status, 200);
    let events: Value = serde_json::from_str(&body).unwrap();
    let list = events["events"].as_array().unwrap();
    assert!(!list.is_empty());
    assert!(
        list.iter()
            .all(|e| e["event"]["resource"]["namespace"] == "team-a"),
        "{body}"
    );
    let (status, _) = h
        .get("/api/v1/events?namespace=team-b", Some(&t.developer))
        .await;
    assert_eq!(status, 403);
    let (status, _) = h
        .get("/api/v1/summary?namespace=team-b", Some(&t.developer))
        .await;
    assert_eq!(status, 403);
    let (status, body) = h.get("/api/v1/summary", Some(&t.developer)).await;
    assert_eq!(status, 200);
    let summary: Value = serde_json::from_str(&body).unwrap();
    assert!(summary["namespaces"].get("team-b").is_none(), "{body}");
    assert_eq!(
        summary["namespaces"]["team-a"]["decisions"]["denied"], 1,
        "{body}"
    );
    assert_eq!(
        summary["namespaces"]["team-a"]["failing_controls"]["privileged-container"], 1,
        "{body}"
    );

    // Through a framework: per requirement, the dry run left out.
    let (status, body) = h
        .get("/api/v1/summary?framework=pss-baseline", Some(&t.auditor))
        .await;
    assert_eq!(status, 200, "{body}");
    let summary: Value = serde_json::from_str(&body).unwrap();
    let framework = &summary["framework"];
    assert_eq!(framework["id"], "pss-baseline", "{body}");
    assert_eq!(framework["evaluated"], 3, "{body}");
    let requirement = |id: &str| {
        framework["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} in {body}"))
            .clone()
    };
    let privileged = requirement("privileged-containers");
    assert_eq!(privileged["verdict"], "fail", "{privileged}");
    assert_eq!(privileged["failing"], 1, "{privileged}");
    assert_eq!(requirement("host-namespaces")["verdict"], "pass");
    assert!(framework["tally"]["fail"].as_u64().unwrap() >= 1, "{body}");
    let (status, body) = h
        .get("/api/v1/summary?framework=iso-27001", Some(&t.auditor))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("unknown framework"), "{body}");

    // The admin's whoami and the configuration, without token hashes.
    let (_, body) = h.get("/api/v1/whoami", Some(&t.admin)).await;
    let me: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (me["name"].as_str(), me["role"].as_str()),
        (Some("root"), Some("admin"))
    );
    let (_, body) = h.get("/api/v1/config", Some(&t.admin)).await;
    for token in [&t.admin, &t.auditor, &t.developer, &t.reader] {
        assert!(!body.contains(&hash_token(token)), "{body}");
    }
    assert!(body.contains("team-a-dev"), "{body}");

    // The export is a signed bundle.
    let (_, body) = h.get("/api/v1/export", Some(&t.auditor)).await;
    assert!(body.lines().count() > 2, "{body}");
    assert!(
        body.lines().next().unwrap().contains("\"header\""),
        "{body}"
    );

    // Every access was recorded, refusals too, with who and what.
    let (_, body) = h
        .get("/api/v1/events?source=api&limit=10000", Some(&t.admin))
        .await;
    let events: Value = serde_json::from_str(&body).unwrap();
    let api: Vec<&Value> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["event"])
        .collect();
    assert!(
        api.iter()
            .any(|e| e["source"]["user"] == "(unauthenticated)" && e["decision"] == "denied")
    );
    assert!(api.iter().any(|e| e["source"]["user"] == "team-a-dev"
        && e["source"]["request"] == "GET /api/v1/events?namespace=team-b"
        && e["decision"] == "denied"));
    assert!(api.iter().any(|e| e["source"]["user"] == "ci"
        && e["source"]["role"] == "auditor"
        && e["decision"] == "allowed"));
    assert!(!body.contains(&t.admin) && !body.contains(&bad));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificates_map_to_roles() {
    let h = Harness::start(None).await;
    admit_some(&h).await;
    let alice = h.client(Some(h.client_ca.identity("alice")));
    let (status, body) = h.get_with(&alice, "/api/v1/whoami", None).await;
    assert_eq!(status, 200, "{body}");
    let me: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (me["name"].as_str(), me["role"].as_str()),
        (Some("cert:alice"), Some("admin"))
    );
    assert_eq!(h.get_with(&alice, "/api/v1/config", None).await.0, 200);

    let bob = h.client(Some(h.client_ca.identity("bob")));
    assert_eq!(
        h.get_with(&bob, "/api/v1/events?namespace=team-b", None)
            .await
            .0,
        200
    );
    assert_eq!(
        h.get_with(&bob, "/api/v1/events?namespace=team-a", None)
            .await
            .0,
        403
    );
    assert_eq!(h.get_with(&bob, "/api/v1/events/verify", None).await.0, 403);

    // A certificate of the right CA with a subject nobody configured.
    let mallory = h.client(Some(h.client_ca.identity("mallory")));
    assert_eq!(h.get_with(&mallory, "/api/v1/whoami", None).await.0, 401);

    // A certificate from another CA fails the handshake.
    let other = ClientCa::new();
    let stranger = h.client(Some(other.identity("alice")));
    assert!(stranger.get(h.url("/api/v1/whoami")).send().await.is_err());

    // The admission endpoints keep working with a client certificate too.
    let body = review("uid-cert", "team-a", hardened_pod("e"), false);
    let response = alice
        .post(h.url("/validate"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_unauthenticated_requests_is_counted_not_recorded_one_by_one() {
    let h = Harness::start(None).await;
    for _ in 0..100 {
        assert_eq!(h.get("/api/v1/whoami", None).await.0, 401);
    }
    // The next window: its first refusal hands over the count of the last.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(h.get("/api/v1/whoami", None).await.0, 401);

    let (_, body) = h
        .get(
            "/api/v1/events?source=api&limit=10000",
            Some(&h.tokens.admin),
        )
        .await;
    let events: Value = serde_json::from_str(&body).unwrap();
    let refused: Vec<&Value> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["event"])
        .filter(|e| e["source"]["user"] == "(unauthenticated)")
        .collect();
    let one_by_one = refused
        .iter()
        .filter(|e| e["source"]["request"] == "GET /api/v1/whoami")
        .count();
    let summaries: Vec<&str> = refused
        .iter()
        .filter_map(|e| e["source"]["request"].as_str())
        .filter(|r| r.contains("more requests without valid credentials"))
        .collect();
    // 101 refusals: at most 20 a second recorded one by one, the rest
    // counted into summaries, none unaccounted for.
    let counted: usize = summaries
        .iter()
        .map(|r| r.split(' ').next().unwrap().parse::<usize>().unwrap())
        .sum();
    assert!(
        counted > 0,
        "{one_by_one} recorded one by one, none counted"
    );
    assert_eq!(one_by_one + counted, 101, "{summaries:?}");
    assert!(refused.iter().all(|e| e["decision"] == "denied"));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_reload_is_not_told_to_strangers() {
    let h = Harness::start_reloading(None, Duration::from_millis(200)).await;
    // A configuration that does not parse, quoting a database password.
    let broken = format!(
        "{}audit:\n  db: \"postgres://audit:hunter2@db.example/audit\"\n  chain: [unclosed\n",
        h.config
    );
    h.reconfigure(&broken).await;

    let (status, body) = h.get("/readyz", None).await;
    assert_eq!(status, 200, "{body}");
    let ready: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["ready"], true, "{body}");
    assert!(
        ready["policy"]["lastReload"]
            .as_str()
            .unwrap()
            .starts_with("failed"),
        "{body}"
    );
    // Neither the password nor any line of the configuration.
    for secret in ["hunter2", "postgres://", "unclosed", "palisade.yaml"] {
        assert!(!body.contains(secret), "{secret} in {body}");
    }
    for public in ["/healthz", "/metrics"] {
        let (_, body) = h.get(public, None).await;
        assert!(!body.contains("hunter2"), "{public}: {body}");
    }

    // The details, redacted, are the admins'.
    assert_eq!(h.get("/api/v1/status", None).await.0, 401);
    assert_eq!(
        h.get("/api/v1/status", Some(&h.tokens.auditor)).await.0,
        403
    );
    let (status, body) = h.get("/api/v1/status", Some(&h.tokens.admin)).await;
    assert_eq!(status, 200, "{body}");
    let details: Value = serde_json::from_str(&body).unwrap();
    let error = details["policy"]["lastReloadError"].as_str().unwrap();
    assert!(error.contains("palisade.yaml"), "{body}");
    assert!(!body.contains("hunter2"), "{body}");
    h.stop().await;
}

async fn a_scoped_principal_cannot_export_or_verify_every_namespace_in(db: Option<String>) {
    let h = Harness::start(db).await;
    admit_some(&h).await;
    let t = &h.tokens;
    // Its events stay within team-a.
    let (status, body) = h.get("/api/v1/events", Some(&t.exporter)).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("team-b"), "{body}");
    // A bundle or a verification covers whole chains: every namespace.
    for path in ["/api/v1/export", "/api/v1/events/verify"] {
        let (status, body) = h.get(path, Some(&t.exporter)).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert!(!body.contains("team-b"), "{body}");
    }
    // Principals with all-namespaces still may.
    assert_eq!(h.get("/api/v1/export", Some(&t.auditor)).await.0, 200);
    assert_eq!(
        h.get("/api/v1/events/verify", Some(&t.auditor)).await.0,
        200
    );
    let refused = h
        .api_events()
        .await
        .into_iter()
        .filter(|e| e["source"]["user"] == "team-a-exporter" && e["decision"] == "denied")
        .count();
    assert_eq!(refused, 2);
    h.stop().await;
}

async fn query_parameters_are_read_only_after_authentication_and_recorded_in(db: Option<String>) {
    let h = Harness::start(db).await;
    // A stranger learns nothing from the parameters: 401, not 400.
    for path in [
        "/api/v1/events?limit=many",
        "/api/v1/events?bogus=1",
        "/api/v1/summary?framework=nope",
        "/api/v1/export?since=yesterday-ish",
    ] {
        let (status, body) = h.get(path, None).await;
        assert_eq!(status, 401, "{path}: {body}");
    }
    // A principal gets the 400, and it is recorded.
    let (status, body) = h
        .get("/api/v1/events?limit=many", Some(&h.tokens.developer))
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = h
        .get("/api/v1/events?decision=maybe", Some(&h.tokens.developer))
        .await;
    assert_eq!(status, 400);
    let events = h.api_events().await;
    for request in [
        "GET /api/v1/events?limit=many",
        "GET /api/v1/events?decision=maybe",
    ] {
        let recorded = events
            .iter()
            .find(|e| e["source"]["user"] == "team-a-dev" && e["source"]["request"] == request)
            .unwrap_or_else(|| panic!("{request} not recorded"));
        assert_eq!(recorded["decision"], "denied");
        assert!(
            recorded["reason"].as_str().unwrap().starts_with("400"),
            "{recorded}"
        );
    }
    h.stop().await;
}

async fn long_requests_are_recorded_cut_and_hashed_in(db: Option<String>) {
    let h = Harness::start(db).await;
    let long = format!("/api/v1/whoami?pad={}", "x".repeat(12 * 1024));
    assert_eq!(h.get(&long, None).await.0, 401);
    let events = h.api_events().await;
    let refused = events
        .iter()
        .find(|e| {
            e["source"]["user"] == "(unauthenticated)"
                && e["source"]["request"]
                    .as_str()
                    .unwrap()
                    .starts_with("GET /api/v1/whoami?pad=xxx")
        })
        .unwrap();
    let request = refused["source"]["request"].as_str().unwrap();
    assert!(request.len() < 1024, "{} bytes recorded", request.len());
    assert!(request.contains("sha256:"), "{request}");
    assert!(request.contains(&(long.len() + 4).to_string()), "{request}");
    assert_eq!(refused["resource"]["name"], "/api/v1/whoami");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_with_several_common_names_is_refused() {
    let h = Harness::start(None).await;
    // Rust's x509 readers take the first CN, Go's the last: neither may
    // decide who this is.
    for (first, second) in [("alice", "mallory"), ("mallory", "alice")] {
        let client = h.client(Some(h.client_ca.identity_with(first, Some(second))));
        let (status, body) = h.get_with(&client, "/api/v1/whoami", None).await;
        assert_eq!(status, 401, "CN={first}, CN={second}: {body}");
    }
    let alice = h.client(Some(h.client_ca.identity("alice")));
    assert_eq!(h.get_with(&alice, "/api/v1/whoami", None).await.0, 200);
    h.stop().await;
}

/// The status `whoami` is answered with for `client`, or `None` when the
/// request failed. A certificate the server refuses fails the request (in
/// TLS 1.3 the alert comes after the client's side of the handshake, as a
/// closed channel), but so does a handshake that timed out on a loaded
/// machine: only a status is proof of what the server decided.
async fn whoami(h: &Harness, client: &reqwest::Client) -> Option<u16> {
    let response = client.get(h.url("/api/v1/whoami")).send().await.ok()?;
    Some(response.status().as_u16())
}

/// Whether `client` gets `whoami` answered.
async fn accepted(h: &Harness, client: &reqwest::Client) -> bool {
    whoami(h, client).await == Some(200)
}

/// Polls `check` (fresh connections each time) until it holds.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: not within 10 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_or_removed_client_ca_applies_to_the_handshake() {
    let h = Harness::start_reloading(None, Duration::from_millis(200)).await;
    let old_alice = || h.client(Some(h.client_ca.identity("alice")));
    assert!(accepted(&h, &old_alice()).await);

    // The configuration names a new CA: its certificates are accepted, the
    // old CA's no longer.
    let new_ca = ClientCa::new();
    std::fs::write(h.dir.path().join("client-ca-2.pem"), &new_ca.pem).unwrap();
    let config = h
        .config
        .replace("client-ca: client-ca.pem", "client-ca: client-ca-2.pem");
    h.reconfigure(&config).await;
    let new_alice = || h.client(Some(new_ca.identity("alice")));
    eventually("the new CA is trusted", || async {
        accepted(&h, &new_alice()).await
    })
    .await;
    assert!(
        !accepted(&h, &old_alice()).await,
        "the old CA still trusted"
    );
    let (_, body) = h.get("/api/v1/config", Some(&h.tokens.admin)).await;
    assert!(body.contains("client-ca-2.pem"), "{body}");

    // The CA file disappears: no certificate is asked for any more (the
    // request goes on unauthenticated, 401), bearer tokens still work, and
    // the admin is told why.
    std::fs::remove_file(h.dir.path().join("client-ca-2.pem")).unwrap();
    eventually("the removed CA is no longer trusted", || async {
        whoami(&h, &new_alice()).await == Some(401)
    })
    .await;
    eventually("the old CA stays untrusted", || async {
        whoami(&h, &old_alice()).await == Some(401)
    })
    .await;
    let (status, body) = h.get("/api/v1/whoami", Some(&h.tokens.admin)).await;
    assert_eq!(status, 200, "a bearer token after the CA went: {body}");
    let (status, body) = h.get("/api/v1/status", Some(&h.tokens.admin)).await;
    assert_eq!(status, 200, "{body}");
    let details: Value = serde_json::from_str(&body).unwrap();
    let error = details["tls"]["lastReloadError"]
        .as_str()
        .unwrap_or_default();
    assert!(error.contains("client-ca-2.pem"), "{body}");
    h.stop().await;
}

/// An event of `source` (JSON, as stored) at `time` in `namespace`, with
/// one finding whose message is `message_bytes` long.
fn planted(
    source: Value,
    time: palisade_audit::Timestamp,
    namespace: &str,
    message_bytes: usize,
) -> palisade_audit::Event {
    serde_json::from_value(json!({
        "time": time,
        "source": source,
        "resource": {"api_version": "v1", "kind": "Pod", "namespace": namespace, "name": "big"},
        "decision": "allowed",
        "reason": null,
        "findings": [{
            "control": "latest-tag", "severity": "low",
            "message": "m".repeat(message_bytes), "action": "warned", "waiver": null,
        }],
        "policy_version": "sha256:x",
        "palisade_version": "0.1.0",
    }))
    .unwrap()
}

fn api_source() -> Value {
    json!({"kind": "api", "user": "(unauthenticated)", "role": "", "request": "GET /api/v1/whoami"})
}

fn scan_source() -> Value {
    json!({"kind": "scan", "file": "big.yaml"})
}

impl Harness {
    /// The store behind the server, opened a second time (as another
    /// replica or `scan --record` would).
    async fn store(&self) -> palisade_audit::AnyStore {
        palisade_audit::AnyStore::open(&self.db).await.unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_planted_over_a_day_do_not_blind_the_summary() {
    use palisade_audit::Store;
    let h = Harness::start(None).await;
    // Over the last day, more refused API requests than any fixed number
    // of events a summary could read, all older than the admissions.
    let store = h.store().await;
    let start = palisade_audit::Timestamp::now().as_millis() - 20 * 3_600_000;
    let planted_count = 200_001;
    let mut i = 0;
    while i < planted_count {
        let batch: Vec<_> = (i..(i + 10_000).min(planted_count))
            .map(|n| {
                planted(
                    api_source(),
                    palisade_audit::Timestamp::from_millis(start + n),
                    "",
                    0,
                )
            })
            .collect();
        store.append("planted", &batch).await.unwrap();
        i += batch.len() as i64;
    }
    admit_some(&h).await;

    let (status, body) = h.get("/api/v1/summary", Some(&h.tokens.auditor)).await;
    assert_eq!(status, 200, "{body}");
    let summary: Value = serde_json::from_str(&body).unwrap();
    // allowed, denied and warned, and the dry run.
    assert_eq!(summary["events"], 4, "{body}");
    assert_eq!(summary["namespaces"]["team-a"]["decisions"]["denied"], 1);
    assert!(summary["namespaces"].get("").is_none(), "{body}");
    let (_, body) = h
        .get(
            "/api/v1/summary?framework=pss-baseline",
            Some(&h.tokens.auditor),
        )
        .await;
    let summary: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(summary["framework"]["evaluated"], 3, "{body}");
    assert!(summary["framework"]["tally"]["fail"].as_u64().unwrap() >= 1);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_framework_without_evidence_does_not_pass() {
    let h = Harness::start(None).await;
    // Only accesses to the log in the window: nothing was evaluated.
    for _ in 0..3 {
        h.get("/api/v1/whoami", None).await;
    }
    let (status, body) = h
        .get(
            "/api/v1/summary?framework=pss-baseline",
            Some(&h.tokens.auditor),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let summary: Value = serde_json::from_str(&body).unwrap();
    let framework = &summary["framework"];
    assert_eq!(framework["evaluated"], 0, "{body}");
    assert_eq!(framework["tally"]["pass"], 0, "{body}");
    assert!(
        framework["tally"]["noEvidence"].as_u64().unwrap() > 0,
        "{body}"
    );
    assert!(
        framework["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["verdict"] != "pass"),
        "{body}"
    );
    h.stop().await;
}

/// Reads `path` as a stream, keeping only its length and the first bytes.
async fn read_streamed(h: &Harness, path: &str, token: &str) -> (u16, usize, Vec<u8>) {
    let mut response = h
        .client(None)
        .get(h.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let mut length = 0;
    let mut head = Vec::new();
    while let Some(chunk) = response.chunk().await.unwrap() {
        length += chunk.len();
        if head.len() < 4096 {
            head.extend_from_slice(&chunk[..chunk.len().min(4096)]);
        }
    }
    (status, length, head)
}

async fn large_events_come_in_capped_pages_with_a_cursor_in(db: Option<String>) {
    use palisade_audit::Store;
    let h = Harness::start(db).await;
    // 24 events of 1 MiB each in team-a.
    let store = h.store().await;
    let now = palisade_audit::Timestamp::now().as_millis() - 60_000;
    for batch in 0..4 {
        let events: Vec<_> = (0..6)
            .map(|i| {
                planted(
                    scan_source(),
                    palisade_audit::Timestamp::from_millis(now + batch * 6 + i),
                    "team-a",
                    1 << 20,
                )
            })
            .collect();
        store.append("planted", &events).await.unwrap();
    }
    // Page after page: each under the cap (one event of slack), none
    // repeated, all of them in the end.
    let mut path = "/api/v1/events?source=scan&limit=10000".to_owned();
    let mut seen = std::collections::BTreeSet::new();
    let mut pages = 0;
    loop {
        let (status, body) = h.get(&path, Some(&h.tokens.developer)).await;
        assert_eq!(status, 200, "{}", &body[..body.len().min(300)]);
        assert!(body.len() <= 9 * 1024 * 1024 + 4096, "{} bytes", body.len());
        let page: Value = serde_json::from_str(&body).unwrap();
        for e in page["events"].as_array().unwrap() {
            assert!(seen.insert((e["chain"].to_string(), e["seq"].as_i64().unwrap())));
        }
        pages += 1;
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/events?source=scan&limit=10000&after={next}"),
            None => break,
        }
        assert!(pages < 10, "no end to the pages");
    }
    assert_eq!(seen.len(), 24);
    assert!(pages >= 3, "{pages} pages for 24 MiB");
    // A bad cursor is the caller's error, recorded like any other.
    let (status, _) = h
        .get("/api/v1/events?after=nonsense", Some(&h.tokens.developer))
        .await;
    assert_eq!(status, 400);
    // The export streams too and still verifies as a bundle.
    let (status, length, head) = read_streamed(&h, "/api/v1/export", &h.tokens.auditor).await;
    assert_eq!(status, 200);
    assert!(length > 24 << 20, "{length} bytes exported");
    assert!(String::from_utf8_lossy(&head).contains("\"header\""));
    h.stop().await;
}

/// The peak resident memory of this process (VmHWM), after resetting it.
fn peak_rss_kib(reset: bool) -> u64 {
    if reset {
        std::fs::write("/proc/self/clear_refs", "5").unwrap();
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap()
}

/// Measures the peak memory of one `GET /events` over 200 MiB of events:
/// the streamed handler, and the former one's work (every row read, the
/// whole answer built) in the same process for comparison. Run with
/// `cargo test -p palisade-server --test api peak_memory -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement (200 MiB of events), not a check"]
async fn peak_memory_of_reading_large_events() {
    use palisade_audit::Store;
    let h = Harness::start(None).await;
    let store = h.store().await;
    let now = palisade_audit::Timestamp::now().as_millis() - 60_000;
    for batch in 0..40 {
        let events: Vec<_> = (0..5)
            .map(|i| {
                planted(
                    scan_source(),
                    palisade_audit::Timestamp::from_millis(now + batch * 5 + i),
                    "team-a",
                    1 << 20,
                )
            })
            .collect();
        store.append("planted", &events).await.unwrap();
    }
    let baseline = peak_rss_kib(true);
    let (_, length, _) = read_streamed(&h, "/api/v1/events?limit=10000", &h.tokens.admin).await;
    let streamed = peak_rss_kib(false);
    println!(
        "streamed GET /events: {length} bytes sent, peak RSS {} MiB (baseline {} MiB, +{} MiB)",
        streamed / 1024,
        baseline / 1024,
        streamed.saturating_sub(baseline) / 1024
    );
    let baseline = peak_rss_kib(true);
    let reader = palisade_audit::Reader::new(store);
    let entries = reader
        .query(&palisade_audit::Filter {
            limit: Some(10_000),
            ..Default::default()
        })
        .await
        .unwrap();
    let whole = serde_json::to_string(&json!({ "events": entries })).unwrap() + "\n";
    let buffered = peak_rss_kib(false);
    println!(
        "buffered (the former handler's work): {} bytes built, peak RSS {} MiB (baseline {} MiB, +{} MiB)",
        whole.len(),
        buffered / 1024,
        baseline / 1024,
        buffered.saturating_sub(baseline) / 1024
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn below_the_free_space_floor_nothing_is_written_and_nothing_is_served_unrecorded() {
    // A floor no volume meets.
    let h = Harness::start_floored(None, "", Duration::from_secs(60), Some(u64::MAX)).await;
    // A granted read cannot be recorded, so it is not served.
    let (status, body) = h.get("/api/v1/events", Some(&h.tokens.admin)).await;
    assert_eq!(status, 503, "{body}");
    // Refusals, the cheapest events to send, are not written either.
    for _ in 0..5 {
        assert_eq!(h.get("/api/v1/events", None).await.0, 401);
        assert_eq!(h.get("/api/v1/events", Some(&h.tokens.reader)).await.0, 503);
    }
    // An admission cannot be recorded: the failure mode (closed) answers.
    let response = h.review("floor", "apps", hardened_pod("web"), false).await;
    assert_eq!(response["allowed"], false, "{response}");
    let message = response["status"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("could not record"), "{response}");
    // Why is logged, not told to whoever created the object: it names the
    // audit volume and its free space.
    assert!(
        !message.contains("floor") && !message.contains('/'),
        "{response}"
    );
    let store = h.store().await;
    let events = palisade_audit::Reader::new(store)
        .query(&palisade_audit::Filter::default())
        .await
        .unwrap();
    assert!(events.is_empty(), "{} events written", events.len());
    h.stop().await;
}

async fn each_annotation_waiver_used_is_an_event_of_its_own_in(db: Option<String>) {
    let h = Harness::start_with(
        db,
        "  annotation-waivers:\n    enabled: true\n    namespaces: [legacy]\n    groups: [developers]\n    controls: [privileged-container]\n",
    )
    .await;
    let mut pod = hardened_pod("old");
    pod["metadata"]["annotations"] =
        json!({"palisade.dev/waive.privileged-container": "vendor agent, TICKET-9"});
    pod["spec"]["containers"][0]["securityContext"]["privileged"] = json!(true);
    let response = h.review("w-1", "legacy", pod, false).await;
    assert_eq!(response["allowed"], true, "{response}");

    let store = h.store().await;
    let events = palisade_audit::Reader::new(store)
        .query(&palisade_audit::Filter::default())
        .await
        .unwrap();
    let admissions: Vec<_> = events
        .iter()
        .filter(|e| e.event.resource.name.as_deref() == Some("old"))
        .collect();
    let waived: Vec<_> = admissions
        .iter()
        .filter(|e| e.event.decision == palisade_audit::Decision::Waived)
        .collect();
    assert_eq!(waived.len(), 1, "{admissions:#?}");
    let waiver = &waived[0].event;
    assert_eq!(waiver.reason.as_deref(), Some("vendor agent, TICKET-9"));
    assert_eq!(waiver.findings.len(), 1);
    assert_eq!(waiver.findings[0].control, "privileged-container");
    let source = serde_json::to_value(&waiver.source).unwrap();
    assert_eq!(source["user"], "carol", "{source}");
    assert_eq!(source["uid"], "w-1", "{source}");
    // The decision has its own event, and only it counts as one.
    assert_eq!(admissions.len(), 2, "{admissions:#?}");
    let (status, body) = h
        .get("/api/v1/summary?namespace=legacy", Some(&h.tokens.admin))
        .await;
    assert_eq!(status, 200, "{body}");
    let summary: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(summary["events"], 1, "{summary}");
    assert_eq!(
        summary["namespaces"]["legacy"]["decisions"],
        json!({"warned": 1}),
        "{summary}"
    );
    // `audit query --decision waived` finds every self-granted waiver.
    let (status, body) = h
        .get("/api/v1/events?decision=waived", Some(&h.tokens.admin))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("vendor agent, TICKET-9"), "{body}");
    h.stop().await;
}

on_both_stores!(
    the_api_server_proves_itself_and_claims_are_bounded_in =>
    the_api_server_proves_itself_and_claims_are_bounded,
    the_api_server_proves_itself_and_claims_are_bounded_on_postgres,
    "claims"
);
on_both_stores!(
    a_scoped_principal_cannot_export_or_verify_every_namespace_in =>
    a_scoped_principal_cannot_export_or_verify_every_namespace,
    a_scoped_principal_cannot_export_or_verify_every_namespace_on_postgres,
    "scoped"
);
on_both_stores!(
    large_events_come_in_capped_pages_with_a_cursor_in =>
    large_events_come_in_capped_pages_with_a_cursor,
    large_events_come_in_capped_pages_with_a_cursor_on_postgres,
    "pages"
);
on_both_stores!(
    each_annotation_waiver_used_is_an_event_of_its_own_in =>
    each_annotation_waiver_used_is_an_event_of_its_own,
    each_annotation_waiver_used_is_an_event_of_its_own_on_postgres,
    "waivers"
);
on_both_stores!(
    query_parameters_are_read_only_after_authentication_and_recorded_in =>
    query_parameters_are_read_only_after_authentication_and_recorded,
    query_parameters_are_read_only_after_authentication_and_recorded_on_postgres,
    "queries"
);
on_both_stores!(
    long_requests_are_recorded_cut_and_hashed_in =>
    long_requests_are_recorded_cut_and_hashed,
    long_requests_are_recorded_cut_and_hashed_on_postgres,
    "long"
);

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

use std::sync::Arc;
use std::time::Duration;

use palisade_audit::access::{generate_token, hash_token};
use palisade_audit::{AuditLog, WriterOptions};
use palisade_server::api::ApiOptions;
use palisade_server::audit_sink::AuditLogSink;
use palisade_server::install::certs;
use palisade_server::state::Sources;
use palisade_server::{Options, Server};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};
use serde_json::{Value, json};

use support::{HOST, hardened_pod};

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
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
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
}

struct Harness {
    server: Option<Server>,
    _dir: tempfile::TempDir,
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
        Harness::start_with(db, "").await
    }

    /// As [`Harness::start`], with more `admission:` settings.
    async fn start_with(db: Option<String>, admission: &str) -> Harness {
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
  users:
    - {{subject: alice, role: admin}}
    - {{subject: bob, role: developer, namespaces: [team-b]}}
  roles:
    reader: [events, summary, all-namespaces]
",
            admission,
            hash_token(&tokens.admin),
            hash_token(&tokens.auditor),
            hash_token(&tokens.developer),
            hash_token(&tokens.reader),
        );
        std::fs::write(dir.path().join("palisade.yaml"), config).unwrap();
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
        let server = Server::start(Options {
            listen: "127.0.0.1:0".parse().unwrap(),
            tls_cert: dir.path().join("tls.crt"),
            tls_key: dir.path().join("tls.key"),
            sources: Sources {
                config: Some(dir.path().join("palisade.yaml")),
                policies: Default::default(),
            },
            reload_interval: Duration::from_secs(60),
            sink: Arc::new(AuditLogSink::new(recorder.clone())),
            client_ca: Some(dir.path().join("client-ca.pem")),
            api: Some(ApiOptions {
                db: db.clone(),
                recorder,
                key: Some(key),
                description: json!({"db": "test"}),
            }),
            prepared: None,
        })
        .await
        .unwrap();
        Harness {
            server: Some(server),
            _dir: dir,
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

    async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown(Duration::from_secs(1)).await.unwrap();
        }
    }
}

fn review(uid: &str, namespace: &str, object: Value, dry_run: bool) -> Value {
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "name": object["metadata"]["name"],
            "namespace": namespace,
            "operation": "CREATE",
            "userInfo": {"username": "carol", "groups": ["developers", "system:authenticated"]},
            "object": object,
            "dryRun": dry_run,
        }
    })
}

fn privileged_pod(name: &str) -> Value {
    let mut pod = hardened_pod(name);
    pod["spec"]["containers"][0]["securityContext"]["privileged"] = json!(true);
    pod
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
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_server_proves_itself_and_claims_are_bounded() {
    let h = Harness::start_with(
        None,
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

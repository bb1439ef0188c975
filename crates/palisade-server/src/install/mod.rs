//! `palisade install` (or `palisade manifests`): everything needed to run
//! the webhook in a cluster, as one YAML stream for `kubectl apply -f -`.
//!
//! The objects follow the advice of the Kubernetes documentation on dynamic
//! admission control and what Kyverno and Gatekeeper ship: several replicas
//! spread over nodes with a PodDisruptionBudget; the webhook's own
//! namespace and `kube-system` left out through `namespaceSelector` on the
//! `kubernetes.io/metadata.name` label (set by the API server on every
//! namespace), so the webhook can never block its own recovery;
//! `failurePolicy` from the configured failure mode; `timeoutSeconds` above
//! the server's own deadline; `sideEffects` declared; only `admission.k8s.io/v1`.
//! Palisade's own pods pass Palisade's restricted pack (a test scans this
//! output).

pub mod certs;
pub mod node;

use base64::Engine as _;
use palisade_policy::{AdmissionSettings, FailureMode};
use serde_json::{Value, json};

/// What to generate.
#[derive(Debug, Clone)]
pub struct InstallOptions {
    /// Namespace of the webhook's objects.
    pub namespace: String,
    /// Container image of `palisade`.
    pub image: String,
    /// Replicas of the StatefulSet.
    pub replicas: u32,
    /// The `palisade.yaml` shipped in the ConfigMap (reloaded live by the
    /// server when the ConfigMap changes).
    pub config_text: String,
    /// Its admission settings (failure mode, exempt namespaces).
    pub settings: AdmissionSettings,
    /// cert-manager `Issuer`s and `Certificate`s instead of a generated Secret.
    pub cert_manager: bool,
    /// `timeoutSeconds` of the webhooks.
    pub timeout_seconds: u32,
}

/// The configuration shipped when none is given.
pub const DEFAULT_CONFIG: &str = "\
# palisade.yaml for `palisade serve` (see the README's \"Admission webhook\").
# Edit this ConfigMap: the server reloads it without a restart.
admission:
  mode: warn              # enforce | warn | audit, per control and framework too
  # closed: deny what Palisade cannot judge (the webhook configuration's
  # failurePolicy: Fail, written at install time); open lets anyone who can
  # make the webhook fail past it. Its own namespace and kube-system are
  # never sent to it, so it can always recover.
  failure-mode: closed
  exempt:
    groups: [system:nodes]
";

/// The size of each replica's audit volume.
const AUDIT_VOLUME: &str = "1Gi";

/// Name of the Service, StatefulSet and webhook objects.
const NAME: &str = "palisade";
const PORT: u16 = 8443;

/// API groups and resources with controls that judge one object; cross-
/// resource controls (NetworkPolicy coverage) cannot run on one request.
const VALIDATED: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "pods",
            "pods/ephemeralcontainers",
            "replicationcontrollers",
            "podtemplates",
            "services",
            "configmaps",
        ],
    ),
    (
        "apps",
        &["deployments", "replicasets", "statefulsets", "daemonsets"],
    ),
    ("batch", &["jobs", "cronjobs"]),
    ("networking.k8s.io", &["ingresses"]),
    (
        "rbac.authorization.k8s.io",
        &[
            "roles",
            "clusterroles",
            "rolebindings",
            "clusterrolebindings",
        ],
    ),
];

/// What the safe defaults can apply to: kinds that hold a pod spec.
const MUTATED: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "pods",
            "pods/ephemeralcontainers",
            "replicationcontrollers",
            "podtemplates",
        ],
    ),
    (
        "apps",
        &["deployments", "replicasets", "statefulsets", "daemonsets"],
    ),
    ("batch", &["jobs", "cronjobs"]),
];

/// Why the manifests could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// Certificate generation failed.
    #[error("cannot generate the certificates: {0}")]
    Certs(#[from] rcgen::Error),
    /// YAML output failed.
    #[error("cannot write YAML: {0}")]
    Yaml(String),
}

fn labels() -> Value {
    json!({
        "app.kubernetes.io/name": NAME,
        "app.kubernetes.io/component": "admission-webhook",
        "app.kubernetes.io/part-of": "palisade",
    })
}

fn selector() -> Value {
    json!({"app.kubernetes.io/name": NAME, "app.kubernetes.io/component": "admission-webhook"})
}

/// Sets a member of a JSON object (built by `json!`, so always an object).
fn set(object: &mut Value, key: &str, value: Value) {
    if let Some(map) = object.as_object_mut() {
        map.insert(key.to_owned(), value);
    }
}

fn meta(name: &str, namespace: Option<&str>) -> Value {
    let mut m = json!({"name": name, "labels": labels()});
    if let Some(ns) = namespace {
        set(&mut m, "namespace", json!(ns));
    }
    m
}

/// Every object, in the order `kubectl apply` should create them.
pub fn objects(options: &InstallOptions) -> Result<Vec<Value>, InstallError> {
    let ns = options.namespace.as_str();
    let mut out = vec![
        json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {
                "app.kubernetes.io/part-of": "palisade",
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "latest",
            }},
        }),
        // The webhook reads nothing from the API: no token, no RBAC.
        json!({
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": meta(NAME, Some(ns)),
            "automountServiceAccountToken": false,
        }),
        json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": meta("palisade-config", Some(ns)),
            "data": {"palisade.yaml": options.config_text},
        }),
    ];
    let ca_bundle = if options.cert_manager {
        out.extend(cert_manager(ns));
        None
    } else {
        let certs = certs::generate(&certs::service_names(NAME, ns), 365, 3650)?;
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        out.push(json!({
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": meta("palisade-tls", Some(ns)),
            "data": {
                "tls.crt": b64(&certs.cert_pem),
                "tls.key": b64(&certs.key_pem),
                "ca.crt": b64(&certs.ca_pem),
            },
        }));
        Some(b64(&certs.ca_pem))
    };
    out.push(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": meta(NAME, Some(ns)),
        "spec": {
            "type": "ClusterIP",
            "selector": selector(),
            "ports": [{"name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"}],
        },
    }));
    out.push(stateful_set(options));
    out.push(json!({
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": meta(NAME, Some(ns)),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector()}},
    }));
    out.push(json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": meta("default-deny", Some(ns)),
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }));
    // The API server's source addresses differ per cluster: allow the
    // webhook port from anywhere, nothing else, and no egress at all.
    out.push(json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": meta("palisade-webhook", Some(ns)),
        "spec": {
            "podSelector": {"matchLabels": selector()},
            "policyTypes": ["Ingress"],
            "ingress": [{"ports": [{"port": PORT, "protocol": "TCP"}]}],
        },
    }));
    out.push(webhook_configuration(options, ca_bundle.as_deref(), true));
    out.push(webhook_configuration(options, ca_bundle.as_deref(), false));
    Ok(out)
}

/// A StatefulSet rather than a Deployment: each replica keeps its audit
/// chain on its own PersistentVolumeClaim (`audit-palisade-0`, ...) under
/// a stable name, across restarts and rescheduling. An `emptyDir` would
/// lose the evidence with the pod, and its eviction when full would delete
/// the whole log.
fn stateful_set(options: &InstallOptions) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": meta(NAME, Some(&options.namespace)),
        "spec": {
            "replicas": options.replicas,
            "serviceName": NAME,
            "podManagementPolicy": "Parallel",
            "selector": {"matchLabels": selector()},
            "updateStrategy": {"type": "RollingUpdate"},
            "volumeClaimTemplates": [{
                "metadata": {"name": "audit", "labels": labels()},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": AUDIT_VOLUME}},
                },
            }],
            "template": {
                "metadata": {"labels": labels()},
                "spec": {
                    "serviceAccountName": NAME,
                    "automountServiceAccountToken": false,
                    "securityContext": {
                        "runAsNonRoot": true,
                        "runAsUser": 65532,
                        "runAsGroup": 65532,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "topologySpreadConstraints": [{
                        "maxSkew": 1,
                        "topologyKey": "kubernetes.io/hostname",
                        "whenUnsatisfiable": "ScheduleAnyway",
                        "labelSelector": {"matchLabels": selector()},
                    }],
                    "containers": [{
                        "name": NAME,
                        "image": options.image,
                        "imagePullPolicy": "Always",
                        "args": [
                            "serve",
                            "--listen", format!("0.0.0.0:{PORT}"),
                            "--tls-cert", "/etc/palisade/tls/tls.crt",
                            "--tls-key", "/etc/palisade/tls/tls.key",
                            "--config", "/etc/palisade/config/palisade.yaml",
                        ],
                        // Each replica writes its own chain (named after the
                        // pod, from HOSTNAME) on its own volume; point
                        // PALISADE_AUDIT_DB at PostgreSQL to keep evidence
                        // off the cluster's nodes altogether.
                        "env": [{"name": "PALISADE_AUDIT_DB", "value": "sqlite:///var/lib/palisade/audit.db"}],
                        "ports": [{"name": "https", "containerPort": PORT, "protocol": "TCP"}],
                        "securityContext": {
                            "allowPrivilegeEscalation": false,
                            "readOnlyRootFilesystem": true,
                            "runAsNonRoot": true,
                            "capabilities": {"drop": ["ALL"]},
                        },
                        "resources": {
                            "requests": {"cpu": "100m", "memory": "64Mi"},
                            "limits": {"cpu": "1", "memory": "256Mi"},
                        },
                        "livenessProbe": {
                            "httpGet": {"path": "/healthz", "port": "https", "scheme": "HTTPS"},
                            "periodSeconds": 10,
                        },
                        "readinessProbe": {
                            "httpGet": {"path": "/readyz", "port": "https", "scheme": "HTTPS"},
                            "periodSeconds": 5,
                        },
                        "volumeMounts": [
                            {"name": "tls", "mountPath": "/etc/palisade/tls", "readOnly": true},
                            {"name": "config", "mountPath": "/etc/palisade/config", "readOnly": true},
                            {"name": "audit", "mountPath": "/var/lib/palisade"},
                        ],
                    }],
                    "volumes": [
                        {"name": "tls", "secret": {"secretName": "palisade-tls"}},
                        {"name": "config", "configMap": {"name": "palisade-config"}},
                    ],
                },
            },
        },
    })
}

/// A self-signed issuer makes a CA; the CA issues the serving certificate,
/// renewed by cert-manager (the server reloads it from the Secret volume)
/// and injected into the webhooks by cainjector.
fn cert_manager(ns: &str) -> Vec<Value> {
    vec![
        json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Issuer",
            "metadata": meta("palisade-selfsigned", Some(ns)),
            "spec": {"selfSigned": {}},
        }),
        json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": meta("palisade-ca", Some(ns)),
            "spec": {
                "isCA": true,
                "commonName": "palisade webhook CA",
                "secretName": "palisade-ca",
                "duration": "87600h",
                "privateKey": {"algorithm": "ECDSA", "size": 256},
                "issuerRef": {"name": "palisade-selfsigned", "kind": "Issuer"},
            },
        }),
        json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Issuer",
            "metadata": meta("palisade-ca", Some(ns)),
            "spec": {"ca": {"secretName": "palisade-ca"}},
        }),
        json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": meta("palisade-serving", Some(ns)),
            "spec": {
                "secretName": "palisade-tls",
                "dnsNames": certs::service_names(NAME, ns),
                "duration": "2160h",
                "renewBefore": "360h",
                "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
                "usages": ["server auth", "digital signature"],
                "issuerRef": {"name": "palisade-ca", "kind": "Issuer"},
            },
        }),
    ]
}

fn rules(table: &[(&str, &[&str])]) -> Value {
    Value::Array(
        table
            .iter()
            .map(|(group, resources)| {
                json!({
                    "apiGroups": [group],
                    "apiVersions": ["*"],
                    "operations": ["CREATE", "UPDATE"],
                    "resources": resources,
                    "scope": "*",
                })
            })
            .collect(),
    )
}

/// Leaves out the webhook's namespace, `kube-system`, the exempt namespace
/// names (prefix patterns are left to the server) and namespaces carrying
/// an exempt label (the request does not carry namespace labels, so this
/// selector is where label exemptions take effect).
fn namespace_selector(options: &InstallOptions) -> Value {
    let mut names = vec![options.namespace.clone(), "kube-system".to_owned()];
    for ns in &options.settings.exempt.namespaces {
        if !ns.ends_with('*') && !names.contains(ns) {
            names.push(ns.clone());
        }
    }
    let mut expressions = vec![json!({
        "key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": names,
    })];
    for (key, value) in &options.settings.exempt.namespace_labels {
        expressions.push(json!({"key": key, "operator": "NotIn", "values": [value]}));
    }
    json!({"matchExpressions": expressions})
}

fn webhook_configuration(
    options: &InstallOptions,
    ca_bundle: Option<&str>,
    mutating: bool,
) -> Value {
    let (kind, hook, path, table, side_effects) = if mutating {
        (
            "MutatingWebhookConfiguration",
            "mutate.palisade.dev",
            "/mutate",
            MUTATED,
            "None",
        )
    } else {
        (
            "ValidatingWebhookConfiguration",
            "validate.palisade.dev",
            "/validate",
            VALIDATED,
            // Audit records of dry runs are flagged as such, never as changes.
            "NoneOnDryRun",
        )
    };
    let mut client = json!({"service": {
        "name": NAME, "namespace": options.namespace, "path": path, "port": 443,
    }});
    if let Some(ca) = ca_bundle {
        set(&mut client, "caBundle", json!(ca));
    }
    let mut webhook = json!({
        "name": hook,
        "admissionReviewVersions": ["v1"],
        "clientConfig": client,
        "rules": rules(table),
        "failurePolicy": match options.settings.failure_mode {
            FailureMode::Open => "Ignore",
            FailureMode::Closed => "Fail",
        },
        "matchPolicy": "Equivalent",
        "sideEffects": side_effects,
        "timeoutSeconds": options.timeout_seconds,
        "namespaceSelector": namespace_selector(options),
    });
    if mutating {
        // Run again if a later mutating webhook adds a container.
        set(&mut webhook, "reinvocationPolicy", json!("IfNeeded"));
    }
    let mut metadata = meta(NAME, None);
    if options.cert_manager {
        set(
            &mut metadata,
            "annotations",
            json!({
                "cert-manager.io/inject-ca-from": format!("{}/palisade-serving", options.namespace),
            }),
        );
    }
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": kind,
        "metadata": metadata,
        "webhooks": [webhook],
    })
}

/// The objects as one YAML stream.
pub fn render(options: &InstallOptions) -> Result<String, InstallError> {
    to_yaml(&objects(options)?)
}

/// Objects as a YAML stream with a header comment.
pub fn to_yaml(objects: &[Value]) -> Result<String, InstallError> {
    to_yaml_titled(
        objects,
        "Palisade admission webhook, generated by `palisade install`",
    )
}

/// The node agent's objects as one YAML stream.
pub fn render_node(options: &node::NodeInstallOptions) -> Result<String, InstallError> {
    to_yaml_titled(
        &node::node_objects(options),
        "Palisade node agent, generated by `palisade install --node`",
    )
}

fn to_yaml_titled(objects: &[Value], title: &str) -> Result<String, InstallError> {
    let mut out = format!(
        "# {title} {}.\n# Apply with: kubectl apply -f <this file>\n",
        env!("CARGO_PKG_VERSION")
    );
    for object in objects {
        out.push_str("---\n");
        out.push_str(
            &serde_saphyr::to_string(object).map_err(|e| InstallError::Yaml(e.to_string()))?,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use palisade_load::{Limits, parse_documents};

    use super::*;

    fn options(cert_manager: bool) -> InstallOptions {
        let config = "admission:\n  failure-mode: closed\n  exempt:\n    namespaces: [monitoring, team-*]\n    namespace-labels: {palisade.dev/exempt: \"true\"}\n";
        InstallOptions {
            namespace: "palisade".into(),
            image: "ghcr.io/palisade-dev/palisade:0.1.0".into(),
            replicas: 3,
            config_text: config.into(),
            settings: palisade_policy::Config::parse("p.yaml", config)
                .unwrap()
                .admission()
                .unwrap(),
            cert_manager,
            timeout_seconds: 5,
        }
    }

    /// The YAML reads back, as Kubernetes (YAML 1.1) reads it, to exactly
    /// the objects: no `"true"` label value turned into a boolean.
    #[test]
    fn yaml_reads_back_as_the_same_objects() {
        for cert_manager in [false, true] {
            let objects = objects(&options(cert_manager)).unwrap();
            let yaml = to_yaml(&objects).unwrap();
            let parsed = parse_documents("install.yaml".into(), &yaml, &Limits::default());
            assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
            let back: Vec<Value> = parsed.documents.iter().map(|d| d.root.to_json()).collect();
            assert_eq!(back, objects);
        }
    }

    #[test]
    fn webhooks_follow_the_settings() {
        let objects = objects(&options(false)).unwrap();
        let validating = objects
            .iter()
            .find(|o| o["kind"] == "ValidatingWebhookConfiguration")
            .unwrap();
        let hook = &validating["webhooks"][0];
        assert_eq!(hook["failurePolicy"], "Fail");
        assert_eq!(hook["admissionReviewVersions"], json!(["v1"]));
        assert_eq!(hook["sideEffects"], "NoneOnDryRun");
        assert_eq!(hook["clientConfig"]["service"]["path"], "/validate");
        assert!(
            hook["clientConfig"]["caBundle"]
                .as_str()
                .is_some_and(|c| !c.is_empty())
        );
        assert_eq!(
            hook["namespaceSelector"]["matchExpressions"],
            json!([
                {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["palisade", "kube-system", "monitoring"]},
                {"key": "palisade.dev/exempt", "operator": "NotIn", "values": ["true"]},
            ])
        );
        let secret = objects.iter().find(|o| o["kind"] == "Secret").unwrap();
        let ca = base64::engine::general_purpose::STANDARD
            .decode(secret["data"]["ca.crt"].as_str().unwrap())
            .unwrap();
        assert_eq!(
            hook["clientConfig"]["caBundle"],
            base64::engine::general_purpose::STANDARD.encode(ca)
        );
        let mutating = objects
            .iter()
            .find(|o| o["kind"] == "MutatingWebhookConfiguration")
            .unwrap();
        assert_eq!(mutating["webhooks"][0]["reinvocationPolicy"], "IfNeeded");
        assert_eq!(mutating["webhooks"][0]["sideEffects"], "None");
    }

    #[test]
    fn evidence_is_kept_on_a_claimed_volume_not_an_emptydir() {
        let objects = objects(&options(false)).unwrap();
        let set = objects.iter().find(|o| o["kind"] == "StatefulSet").unwrap();
        let claim = &set["spec"]["volumeClaimTemplates"][0];
        assert_eq!(claim["metadata"]["name"], "audit");
        let pod = &set["spec"]["template"]["spec"];
        assert!(
            pod["volumes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|v| v.get("emptyDir").is_none()),
            "{pod}"
        );
        assert!(objects.iter().all(|o| o["kind"] != "Deployment"));
    }

    #[test]
    fn cert_manager_injects_the_ca() {
        let objects = objects(&options(true)).unwrap();
        assert!(objects.iter().all(|o| o["kind"] != "Secret"));
        let validating = objects
            .iter()
            .find(|o| o["kind"] == "ValidatingWebhookConfiguration")
            .unwrap();
        assert_eq!(
            validating["metadata"]["annotations"]["cert-manager.io/inject-ca-from"],
            "palisade/palisade-serving"
        );
        assert!(
            validating["webhooks"][0]["clientConfig"]
                .get("caBundle")
                .is_none()
        );
        assert_eq!(
            objects
                .iter()
                .filter(|o| o["kind"] == "Certificate")
                .count(),
            2
        );
    }
}

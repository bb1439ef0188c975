//! Conformance harness: Trivy's control-plane and node checks (KCV IDs)
//! in `trivy-checks-kubernetes/checks/kubernetes/` (aquasecurity/trivy-checks
//! @ 80e53822), scored against the Palisade controls that judge the same
//! settings.
//!
//! Nobody on this project wrote these labels: each `<check>_test.rego`
//! holds `test_*` rules that build an input (`deny with input as {...}`)
//! and assert the number of `deny` results (`count(r) == 0` passes,
//! anything else fails). The harness takes each input literal out of the
//! Rego text (a Rego object literal is JSON once its trailing commas are
//! gone) and judges it with the mapped controls through the entry points a
//! scan uses:
//!
//! - a static control-plane Pod ([`CHECKS`]) is scanned as a manifest, as
//!   `palisade scan` scans one;
//! - a `NodeInfo` document ([`NODE_CHECKS`]: the kubelet's settings and the
//!   nodes' files, as Trivy's node collector reports them) is turned into
//!   the host it describes ([`node_host`]: a kubelet unit with `--config`,
//!   the setting in its configuration file, files with the modes and
//!   owners given, the control plane's static pods) and read by `palisade
//!   node scan`'s loader.
//!
//! Each table maps every check to Palisade controls, or says why none
//! covers it. Differences with a reason are listed ([`KNOWN_DIFFERENCES`],
//! [`NODE_KNOWN_DIFFERENCES`]); any other fails the test, and so does a
//! listed one that now agrees. [`FLOOR`] and [`NODE_FLOOR`] ratchet the
//! agreed cases. Without the corpus the test says so and passes, unless
//! `PALISADE_REQUIRE_CONFORMANCE=1`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use palisade_load::{Input, Limits, Loaded, parse_documents};
use palisade_policy::PolicySet;
use serde_json::Value;

mod conformance;

/// Agreed cases: raise it when coverage grows, never lower it.
const FLOOR: usize = 157;

/// Every static-pod KCV check: the Palisade controls whose findings mean
/// "denied", or why there are none.
const CHECKS: &[(&str, Result<&[&str], &str>)] = &[
    (
        "apiserver_always_admit_plugin",
        Ok(&["apiserver-always-admit"]),
    ),
    (
        "apiserver_always_pull_images_plugin",
        Ok(&["apiserver-always-pull-images"]),
    ),
    (
        "apiserver_anonymous_auth",
        Ok(&["apiserver-anonymous-auth"]),
    ),
    (
        "apiserver_audit_log_maxage",
        Ok(&["apiserver-audit-log-maxage"]),
    ),
    (
        "apiserver_audit_log_maxbackup",
        Ok(&["apiserver-audit-log-maxbackup"]),
    ),
    (
        "apiserver_audit_log_maxsize",
        Ok(&["apiserver-audit-log-maxsize"]),
    ),
    (
        "apiserver_audit_log_path",
        Ok(&["apiserver-audit-log-path"]),
    ),
    (
        "apiserver_authorization_mode",
        Ok(&["apiserver-authorization-always-allow"]),
    ),
    (
        "apiserver_authorization_mode_includes_node",
        Ok(&["apiserver-authorization-node"]),
    ),
    (
        "apiserver_authorization_mode_includes_rbac",
        Ok(&["apiserver-authorization-rbac"]),
    ),
    ("apiserver_client_ca_file", Ok(&["apiserver-client-ca"])),
    (
        "apiserver_deny_service_external_ips_plugin",
        Err(
            "the inverse of CIS Kubernetes 1.12's 1.2.3: Trivy's check follows an earlier benchmark that asked for DenyServiceExternalIPs not to be set; 1.12 asks for it to be set, as apiserver-deny-service-external-ips checks",
        ),
    ),
    (
        "apiserver_encryption_provider_config",
        Ok(&["apiserver-encryption-provider-config"]),
    ),
    ("apiserver_etcd_cafile", Ok(&["apiserver-etcd-ca"])),
    (
        "apiserver_etcd_certfile_and_keyfile",
        Ok(&["apiserver-etcd-client-certificate"]),
    ),
    (
        "apiserver_event_rate_limit_plugin",
        Ok(&["apiserver-event-rate-limit"]),
    ),
    (
        "apiserver_kubelet_certificate_authority",
        Ok(&["apiserver-kubelet-certificate-authority"]),
    ),
    (
        "apiserver_kubelet_client_certificate_and_key",
        Ok(&["apiserver-kubelet-client-certificate"]),
    ),
    (
        "apiserver_kubelet_https",
        Err(
            "--kubelet-https was removed in Kubernetes 1.20; CIS Kubernetes 1.12 has no such recommendation",
        ),
    ),
    (
        "apiserver_namespace_lifecycle_plugin",
        Ok(&["apiserver-namespace-lifecycle-disabled"]),
    ),
    (
        "apiserver_node_restriction_plugin",
        Ok(&["apiserver-node-restriction"]),
    ),
    ("apiserver_profiling", Ok(&["apiserver-profiling"])),
    (
        "apiserver_secure_port",
        Err(
            "--secure-port=0 is refused by kube-apiserver since 1.24 (no insecure serving); CIS Kubernetes 1.12 dropped the recommendation",
        ),
    ),
    (
        "apiserver_security_context_deny_plugin",
        Err(
            "the SecurityContextDeny admission plugin was removed in Kubernetes 1.30; CIS Kubernetes 1.12 has no such recommendation",
        ),
    ),
    (
        "apiserver_service_account_key_file",
        Ok(&["apiserver-service-account-key-file"]),
    ),
    (
        "apiserver_service_account_lookup",
        Ok(&["apiserver-service-account-lookup"]),
    ),
    (
        "apiserver_service_account_plugin",
        Ok(&["apiserver-service-account-plugin-disabled"]),
    ),
    (
        "apiserver_tls_cert_file_and_private_key_file",
        Ok(&["apiserver-tls-certificate"]),
    ),
    (
        "apiserver_token_auth_file",
        Ok(&["apiserver-token-auth-file"]),
    ),
    (
        "controllermanager_bind_address",
        Ok(&["controller-manager-bind-address"]),
    ),
    (
        "controllermanager_profiling",
        Ok(&["controller-manager-profiling"]),
    ),
    (
        "controllermanager_root_ca_file",
        Ok(&["controller-manager-root-ca"]),
    ),
    (
        "controllermanager_rotate_kubelet_server_certificate",
        Ok(&["controller-manager-server-certificate-rotation-disabled"]),
    ),
    (
        "controllermanager_service_account_private_key_file",
        Ok(&["controller-manager-service-account-private-key"]),
    ),
    (
        "controllermanager_terminated_pod_gc_threshold",
        Ok(&["controller-manager-terminated-pod-gc-disabled"]),
    ),
    (
        "controllermanager_use_service_account_credentials",
        Ok(&["controller-manager-service-account-credentials"]),
    ),
    ("etcd_auto_tls", Ok(&["etcd-auto-tls"])),
    ("etcd_cert_file_and_key_file", Ok(&["etcd-tls-certificate"])),
    ("etcd_client_cert_auth", Ok(&["etcd-client-cert-auth"])),
    ("etcd_peer_auto_tls", Ok(&["etcd-peer-auto-tls"])),
    (
        "etcd_peer_cert_file_and_key_file",
        Ok(&["etcd-peer-tls-certificate"]),
    ),
    (
        "etcd_peer_client_cert_auth",
        Ok(&["etcd-peer-client-cert-auth"]),
    ),
    ("scheduler_bind_address", Ok(&["scheduler-bind-address"])),
    ("scheduler_profiling", Ok(&["scheduler-profiling"])),
];

/// `(check, test rule, reason)`: where Trivy's label and Palisade's verdict
/// differ and Palisade's is kept.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "apiserver_audit_log_maxsize",
        "test_audit_log_maxsize_is_set_10",
        "Trivy only asks that the flag be given; the benchmark asks for 100 MB or more, and 10 is below it",
    ),
    (
        "apiserver_audit_log_maxsize",
        "test_audit_log_maxsize_is_set_10_args",
        "the same, with the flag in args",
    ),
    (
        "controllermanager_rotate_kubelet_server_certificate",
        "test_use_rotate_kubelet_server_certificate_is_not_configured",
        "RotateKubeletServerCertificate is on by default: a controller manager that does not mention the gate rotates; Trivy asks for it to be written",
    ),
    (
        "controllermanager_terminated_pod_gc_threshold",
        "test_terminated_pod_gc_threshold_is_set",
        "not given, the threshold is 12500 and terminated pods are collected; Trivy asks for the flag to be written",
    ),
];

/// The `test_*` rules of a Rego test file: name, the input literal as JSON,
/// and whether the rule expects no `deny` result.
fn cases(text: &str) -> Vec<(String, Value, bool)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("\ntest_") {
        rest = &rest[at + 1..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let Some(input_at) = rest.find("with input as") else {
            break;
        };
        let next_test = rest[1..].find("\ntest_").map_or(rest.len(), |n| n + 1);
        if input_at > next_test {
            continue; // a test without an input literal
        }
        let literal = &rest[input_at + "with input as".len()..];
        let open = literal.find('{').unwrap();
        let mut depth = 0;
        let mut end = open;
        let mut in_string = false;
        let mut escaped = false;
        for (i, c) in literal[open..].char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if in_string => escaped = true,
                '"' => in_string = !in_string,
                '{' | '[' if !in_string => depth += 1,
                '}' | ']' if !in_string => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        let object = without_trailing_commas(&literal[open..end]);
        let input: Value = serde_json::from_str(&object)
            .unwrap_or_else(|e| panic!("{name}: input literal is not JSON ({e}): {object}"));
        let after = &literal[end..];
        let count = after
            .find("count(r)")
            .map(|i| &after[i + "count(r)".len()..])
            .unwrap();
        let passes = {
            let expr: String = count.chars().take_while(|c| *c != '\n').collect();
            let expr = expr.trim();
            expr == "== 0" || expr == "= 0"
        };
        out.push((name, input, passes));
    }
    out
}

fn without_trailing_commas(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut in_string = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' && (i == 0 || chars[i - 1] != '\\') {
            in_string = !in_string;
        }
        if c == ',' && !in_string {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                i += 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Whether Palisade's `controls` pass `input` scanned as a manifest.
fn palisade_passes(controls: &[&str], input: &Value) -> bool {
    let ids: Vec<String> = controls.iter().map(|c| (*c).to_owned()).collect();
    let policy = PolicySet::select(&[], &ids).unwrap();
    let text = serde_json::to_string_pretty(input).unwrap();
    let name: Arc<str> = "input.json".into();
    let parsed = parse_documents(name.clone(), &text, &Limits::default());
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let loaded = Loaded {
        name,
        text: Some(text.as_str().into()),
        input: Input::Manifests(parsed.documents),
        errors: Vec::new(),
    };
    let evaluated = policy.evaluate(&loaded);
    assert!(evaluated.unjudged.is_empty(), "{:?}", evaluated.unjudged);
    evaluated.findings.is_empty()
}

#[test]
fn trivy_control_plane_checks_agree_with_palisade() {
    let Some(corpus) = conformance::corpus_dir("trivy-checks-kubernetes/checks/kubernetes") else {
        return;
    };
    let mut agreed = 0;
    let mut differences: Vec<(String, String, bool)> = Vec::new();
    let mut not_covered = Vec::new();
    for (check, mapping) in CHECKS {
        let path = corpus.join(format!("{check}_test.rego"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let controls = match mapping {
            Ok(controls) => controls,
            Err(reason) => {
                not_covered.push(format!("{check}: {reason}"));
                continue;
            }
        };
        let cases = cases(&text);
        assert!(!cases.is_empty(), "{check}: no test case read");
        for (name, input, trivy_passes) in cases {
            assert_eq!(input["kind"], "Pod", "{check} {name}: not a static pod");
            let palisade = palisade_passes(controls, &input);
            if palisade == trivy_passes {
                agreed += 1;
            } else {
                differences.push(((*check).to_owned(), name, trivy_passes));
            }
        }
    }
    let verdict = |pass: bool| if pass { "pass" } else { "fail" };
    let unexplained: Vec<String> = differences
        .iter()
        .filter(|(c, n, _)| {
            !KNOWN_DIFFERENCES
                .iter()
                .any(|(kc, kn, _)| kc == c && kn == n)
        })
        .map(|(c, n, t)| format!("{c} {n}: Trivy {}, Palisade {}", verdict(*t), verdict(!*t)))
        .collect();
    let stale: Vec<String> = KNOWN_DIFFERENCES
        .iter()
        .filter(|(kc, kn, _)| !differences.iter().any(|(c, n, _)| c == kc && n == kn))
        .map(|(c, n, _)| format!("{c} {n}"))
        .collect();
    println!(
        "trivy KCV static-pod checks: {agreed} cases agree, {} known differences; not covered:\n  {}",
        differences.len(),
        not_covered.join("\n  ")
    );
    assert!(
        unexplained.is_empty(),
        "unexplained differences:\n{}",
        unexplained.join("\n")
    );
    assert!(
        stale.is_empty(),
        "listed differences that now agree:\n{}",
        stale.join("\n")
    );
    assert!(
        agreed >= FLOOR,
        "{agreed} cases agree, below the floor of {FLOOR}"
    );
}

#[test]
fn rego_literals_read_as_json() {
    let text = "package p\n\ntest_a if {\n\tr := deny with input as {\n\t\t\"kind\": \"Pod\",\n\t\t\"spec\": {\"containers\": [{\"command\": [\"a\", \"b\",],},]},\n\t}\n\n\tcount(r) == 1\n}\n\ntest_b if {\n\tr := deny with input as {\"kind\": \"Pod\"}\n\tcount(r) == 0\n}\n";
    let found = cases(text);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].0, "test_a");
    assert_eq!(found[0].1["spec"]["containers"][0]["command"][1], "b");
    assert!(!found[0].2);
    assert!(found[1].2);
}

/// Trivy's node checks read a `NodeInfo` document (`info.<key>.values`, the
/// output of node commands such as `stat -c %a` or the kubelet's
/// configuration): the adapter writes the host those values describe (a
/// kubelet started by its unit with `--config`, the setting in its
/// configuration file, a file with that mode or owner, the control plane's
/// static pods and files) and `palisade node scan`'s entry points judge it.
/// `values: []` is a setting not given, or a file not there.
const NODE_CHECKS: &[(&str, Result<&[&str], &str>)] = &[
    (
        "kubelet_anonymous_auth_argument",
        Ok(&["kubelet-anonymous-auth"]),
    ),
    (
        "kubelet_authorization_mode_argument",
        Ok(&["kubelet-authorization-always-allow"]),
    ),
    (
        "kubelet_client_ca_file_argument",
        Ok(&["kubelet-client-ca-not-set"]),
    ),
    ("kubelet_event_qps", Ok(&["kubelet-event-qps"])),
    (
        "kubelet_hostname_override",
        Ok(&["kubelet-hostname-override"]),
    ),
    (
        "kubelet_make_iptables_util_chains",
        Ok(&["kubelet-iptables-util-chains-disabled"]),
    ),
    (
        "kubelet_only_use_strong_cryptographic",
        Ok(&["kubelet-weak-tls-ciphers"]),
    ),
    (
        "kubelet_protect_kernel_defaults",
        Err("--protect-kernel-defaults is not a recommendation of CIS Kubernetes 1.12"),
    ),
    (
        "kubelet_read_only_port_argument",
        Ok(&["kubelet-read-only-port"]),
    ),
    (
        "kubelet_rotate_certificates",
        Ok(&["kubelet-certificate-rotation-disabled"]),
    ),
    (
        "kubelet_rotate_kubelet_server_certificate",
        Ok(&["kubelet-server-certificate-rotation-disabled"]),
    ),
    (
        "kubelet_streaming_connection_argument",
        Ok(&["kubelet-streaming-timeout-disabled"]),
    ),
    (
        "kubelet_tls_cert_file",
        Ok(&["kubelet-serving-certificate-not-set"]),
    ),
    (
        "kubelet_tls_key_file",
        Ok(&["kubelet-serving-certificate-not-set"]),
    ),
    (
        "kubelet_config_file_permission",
        Ok(&["kubelet-kubeconfig-permissions"]),
    ),
    (
        "kubelet_config_file_ownership",
        Ok(&["kubelet-kubeconfig-ownership"]),
    ),
    (
        "kubelet_config_yaml_permission",
        Ok(&["kubelet-config-file-permissions"]),
    ),
    (
        "kubelet_config_yaml_ownership",
        Ok(&["kubelet-config-file-ownership"]),
    ),
    (
        "kubelet_kublet_service_file_permission",
        Ok(&["kubelet-service-file-permissions"]),
    ),
    (
        "kubelet_kublet_service_file_ownership",
        Ok(&["kubelet-service-file-ownership"]),
    ),
    (
        "kubelet_certificate_authorities_file_permission",
        Ok(&["kubelet-client-ca-permissions"]),
    ),
    (
        "kubelet_certificate_authorities_file_ownership",
        Ok(&["kubelet-client-ca-ownership"]),
    ),
    (
        "kubelet_proxy_kube_config_file_permission",
        Err("kube-proxy's kubeconfig (CIS 4.1.3) is manual until Palisade reads kube-proxy"),
    ),
    (
        "kubelet_proxy_kube_config_file_ownership",
        Err("kube-proxy's kubeconfig (CIS 4.1.4) is manual until Palisade reads kube-proxy"),
    ),
    (
        "apiserver_admin_conf_permission",
        Ok(&["admin-kubeconfig-permissions"]),
    ),
    (
        "apiserver_admin_conf_ownership",
        Ok(&["admin-kubeconfig-ownership"]),
    ),
    (
        "apiserver_pod_spec_permission",
        Ok(&["apiserver-manifest-permissions"]),
    ),
    (
        "apiserver_pod_spec_ownership",
        Ok(&["apiserver-manifest-ownership"]),
    ),
    (
        "apiserver_kubernetes_pki_cert_permission",
        Ok(&["pki-certificate-permissions"]),
    ),
    (
        "apiserver_kubernetes_pki_key_permission",
        Ok(&["pki-key-permissions"]),
    ),
    (
        "apiserver_kubernetes_pki_directory_ownership",
        Ok(&["pki-ownership"]),
    ),
    (
        "controllermanager_pod_spec_permission",
        Ok(&["controller-manager-manifest-permissions"]),
    ),
    (
        "controllermanager_pod_spec_ownership",
        Ok(&["controller-manager-manifest-ownership"]),
    ),
    (
        "controllermanager_controller_manager_conf_permission",
        Ok(&["controller-manager-kubeconfig-permissions"]),
    ),
    (
        "controllermanager_controller_manager_conf_ownership",
        Ok(&["controller-manager-kubeconfig-ownership"]),
    ),
    (
        "scheduler_pod_spec_permission",
        Ok(&["scheduler-manifest-permissions"]),
    ),
    (
        "scheduler_pod_spec_ownership",
        Ok(&["scheduler-manifest-ownership"]),
    ),
    (
        "scheduler_conf_permission",
        Ok(&["scheduler-kubeconfig-permissions"]),
    ),
    (
        "scheduler_conf_ownership",
        Ok(&["scheduler-kubeconfig-ownership"]),
    ),
    (
        "etcd_pod_spec_permission",
        Ok(&["etcd-manifest-permissions"]),
    ),
    ("etcd_pod_spec_ownership", Ok(&["etcd-manifest-ownership"])),
    (
        "etcd_data_directory_permission",
        Ok(&["etcd-data-dir-permissions"]),
    ),
    (
        "etcd_data_directory_ownership",
        Ok(&["etcd-data-dir-ownership"]),
    ),
    (
        "cni_pod_spec_permission",
        Err("CNI configuration files (CIS 1.1.9) are manual until Palisade reads them"),
    ),
    (
        "cni_pod_spec_ownership",
        Err("CNI configuration files (CIS 1.1.10) are manual until Palisade reads them"),
    ),
];

/// Trivy compares a mode to its bound as a decimal number (`500 < 600`);
/// as a mask, 500 grants the owner execute, which 600 does not allow.
const OCTAL_AS_DECIMAL: &str = "Trivy compares modes as decimal numbers (500 < 600 passes); as a mask 500 (r-x------) grants execute, outside 600";

/// `(check, test rule, reason)` for the node checks.
const NODE_KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "kubelet_certificate_authorities_file_permission",
        "test_validate_certificate_authorities_permission_lower_600",
        OCTAL_AS_DECIMAL,
    ),
    (
        "kubelet_config_file_permission",
        "test_validate_kublet_config_permission_lower_600",
        OCTAL_AS_DECIMAL,
    ),
    (
        "kubelet_config_yaml_permission",
        "test_validate_kublet_config_yaml_permission_lower_600",
        OCTAL_AS_DECIMAL,
    ),
    (
        "kubelet_kublet_service_file_permission",
        "test_validate_service_file_permission_lower_600",
        OCTAL_AS_DECIMAL,
    ),
    (
        "apiserver_pod_spec_permission",
        "test_validate_spec_permission_lower_600",
        OCTAL_AS_DECIMAL,
    ),
    (
        "apiserver_kubernetes_pki_cert_permission",
        "test_validate_pki_cert_permission_lower_600",
        OCTAL_AS_DECIMAL,
    ),
    (
        "apiserver_kubernetes_pki_key_permission",
        "test_validate_pki_key_permission_lower_600",
        OCTAL_AS_DECIMAL,
    ),
    (
        "controllermanager_pod_spec_permission",
        "test_validate_spec_permission_lower_600",
        OCTAL_AS_DECIMAL,
    ),
    (
        "controllermanager_controller_manager_conf_permission",
        "test_validate_controller_manager_config_permission_lower_600",
        OCTAL_AS_DECIMAL,
    ),
    (
        "scheduler_pod_spec_permission",
        "test_validate_spec_permission_lower_600",
        OCTAL_AS_DECIMAL,
    ),
    (
        "scheduler_conf_permission",
        "test_validate_scheduler_config_permission_lower_600",
        OCTAL_AS_DECIMAL,
    ),
    (
        "etcd_pod_spec_permission",
        "test_validate_spec_permission_lower_600",
        OCTAL_AS_DECIMAL,
    ),
    (
        "kubelet_authorization_mode_argument",
        "test_validate_kubelet_authorization_mode_not_set",
        "with --config and nothing setting it, the kubelet authorizes with Webhook; Trivy fails a mode not written",
    ),
    (
        "kubelet_rotate_kubelet_server_certificate",
        "test_validate_rotate_kubelet_server_certificate_empty",
        "RotateKubeletServerCertificate is on by default; Trivy fails a gate not written",
    ),
    (
        "kubelet_tls_cert_file",
        "test_validate_tls_cert_file_real",
        "a serving certificate without its key is no serving certificate: Palisade judges the pair (or serverTLSBootstrap), Trivy each flag alone",
    ),
    (
        "kubelet_tls_key_file",
        "test_validate_tls_key_file_real",
        "a serving key without its certificate: Palisade judges the pair, Trivy each flag alone",
    ),
];

/// Node cases that agree: raise it when coverage grows, never lower it.
const NODE_FLOOR: usize = 91;

/// Kubelet settings: the info key and its KubeletConfiguration path
/// (Trivy's `commands/config/kubelet_mapping.yaml`).
const KUBELET_SETTINGS: &[(&str, &str)] = &[
    (
        "kubeletAnonymousAuthArgumentSet",
        "authentication.anonymous.enabled",
    ),
    ("kubeletAuthorizationModeArgumentSet", "authorization.mode"),
    (
        "kubeletClientCaFileArgumentSet",
        "authentication.x509.clientCAFile",
    ),
    ("kubeletReadOnlyPortArgumentSet", "readOnlyPort"),
    (
        "kubeletStreamingConnectionIdleTimeoutArgumentSet",
        "streamingConnectionIdleTimeout",
    ),
    (
        "kubeletMakeIptablesUtilChainsArgumentSet",
        "makeIPTablesUtilChains",
    ),
    ("kubeletEventQpsArgumentSet", "eventRecordQPS"),
    (
        "kubeletRotateKubeletServerCertificateArgumentSet",
        "featureGates.RotateKubeletServerCertificate",
    ),
    ("kubeletRotateCertificatesArgumentSet", "rotateCertificates"),
    ("kubeletTlsCertFileTlsArgumentSet", "tlsCertFile"),
    ("kubeletTlsPrivateKeyFileArgumentSet", "tlsPrivateKeyFile"),
    ("kubeletOnlyUseStrongCryptographic", "tlsCipherSuites"),
];

/// File facts: the info key and the host files its values describe, one
/// value per file (the PKI keys name several).
const FILES: &[(&str, &[&str])] = &[
    (
        "kubeletConfFilePermissions",
        &["/etc/kubernetes/kubelet.conf"],
    ),
    (
        "kubeletConfFileOwnership",
        &["/etc/kubernetes/kubelet.conf"],
    ),
    (
        "kubeletConfigYamlConfigurationFilePermission",
        &["/var/lib/kubelet/config.yaml"],
    ),
    (
        "kubeletConfigYamlConfigurationFileOwnership",
        &["/var/lib/kubelet/config.yaml"],
    ),
    (
        "kubeletServiceFilePermissions",
        &["/etc/systemd/system/kubelet.service"],
    ),
    (
        "kubeletServiceFileOwnership",
        &["/etc/systemd/system/kubelet.service"],
    ),
    (
        "certificateAuthoritiesFilePermissions",
        &["/etc/kubernetes/pki/ca.crt"],
    ),
    (
        "certificateAuthoritiesFileOwnership",
        &["/etc/kubernetes/pki/ca.crt"],
    ),
    ("adminConfFilePermissions", &["/etc/kubernetes/admin.conf"]),
    ("adminConfFileOwnership", &["/etc/kubernetes/admin.conf"]),
    (
        "kubeAPIServerSpecFilePermission",
        &["/etc/kubernetes/manifests/kube-apiserver.yaml"],
    ),
    (
        "kubeAPIServerSpecFileOwnership",
        &["/etc/kubernetes/manifests/kube-apiserver.yaml"],
    ),
    (
        "kubeControllerManagerSpecFilePermission",
        &["/etc/kubernetes/manifests/kube-controller-manager.yaml"],
    ),
    (
        "kubeControllerManagerSpecFileOwnership",
        &["/etc/kubernetes/manifests/kube-controller-manager.yaml"],
    ),
    (
        "kubeSchedulerSpecFilePermission",
        &["/etc/kubernetes/manifests/kube-scheduler.yaml"],
    ),
    (
        "kubeSchedulerSpecFileOwnership",
        &["/etc/kubernetes/manifests/kube-scheduler.yaml"],
    ),
    (
        "kubeEtcdSpecFilePermission",
        &["/etc/kubernetes/manifests/etcd.yaml"],
    ),
    (
        "kubeEtcdSpecFileOwnership",
        &["/etc/kubernetes/manifests/etcd.yaml"],
    ),
    (
        "controllerManagerConfFilePermissions",
        &["/etc/kubernetes/controller-manager.conf"],
    ),
    (
        "controllerManagerConfFileOwnership",
        &["/etc/kubernetes/controller-manager.conf"],
    ),
    (
        "schedulerConfFilePermissions",
        &["/etc/kubernetes/scheduler.conf"],
    ),
    (
        "schedulerConfFileOwnership",
        &["/etc/kubernetes/scheduler.conf"],
    ),
    ("etcdDataDirectoryPermissions", &["/var/lib/etcd"]),
    ("etcdDataDirectoryOwnership", &["/var/lib/etcd"]),
    (
        "kubernetesPKICertificateFilePermissions",
        &[
            "/etc/kubernetes/pki/ca.crt",
            "/etc/kubernetes/pki/apiserver.crt",
        ],
    ),
    (
        "kubePKIKeyFilePermissions",
        &["/etc/kubernetes/pki/ca.key", "/etc/kubernetes/pki/sa.key"],
    ),
    (
        "kubePKIDirectoryFileOwnership",
        &["/etc/kubernetes/pki/ca.key", "/etc/kubernetes/pki/sa.key"],
    ),
];

/// A value of `info.<key>.values` as text.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `user:group` to numbers, as the adapter's `/etc/passwd` names them.
fn ids(owner: &str) -> (u32, u32) {
    let id = |name: &str| match name {
        "root" => 0,
        "etcd" => 998,
        _ => 1000,
    };
    let (user, group) = owner.split_once(':').unwrap_or((owner, owner));
    (id(user), id(group))
}

/// Writes the host a `NodeInfo` describes under `root`.
fn node_host(root: &std::path::Path, info: &Value) {
    use std::os::unix::fs::{PermissionsExt, chown};
    let put = |path: &str, text: &str, mode: u32, owner: (u32, u32)| {
        palisade_testkit::host::write(root, path, text, mode);
        let local = root.join(path.trim_start_matches('/'));
        chown(&local, Some(owner.0), Some(owner.1)).unwrap();
        std::fs::set_permissions(&local, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    put(
        "/etc/passwd",
        "root:x:0:0::/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\netcd:x:998:998::/var/lib/etcd:/sbin/nologin\n",
        0o644,
        (0, 0),
    );
    put(
        "/etc/group",
        "root:x:0:\nuser:x:1000:\netcd:x:998:\n",
        0o644,
        (0, 0),
    );
    // The kubelet: its settings in its configuration file.
    let mut config =
        String::from("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n");
    let mut flags = String::new();
    for (key, path) in KUBELET_SETTINGS {
        let Some(values) = info[*key]["values"].as_array().filter(|v| !v.is_empty()) else {
            continue;
        };
        let rendered = if *path == "tlsCipherSuites" {
            format!(
                "[{}]",
                values.iter().map(text_of).collect::<Vec<_>>().join(", ")
            )
        } else {
            serde_json::to_string(&text_of(&values[0])).unwrap()
        };
        // A number or a boolean stays one: YAML reads `"5"` as text.
        let rendered = match values[0] {
            Value::Number(_) | Value::Bool(_) => text_of(&values[0]),
            _ if matches!(text_of(&values[0]).as_str(), "true" | "false") => text_of(&values[0]),
            _ => rendered,
        };
        let keys: Vec<&str> = path.split('.').collect();
        for (depth, key) in keys.iter().enumerate() {
            let indent = "  ".repeat(depth);
            if depth + 1 == keys.len() {
                config.push_str(&format!("{indent}{key}: {rendered}\n"));
            } else {
                config.push_str(&format!("{indent}{key}:\n"));
            }
        }
    }
    // The CA file's checks judge the file the kubelet names as its client CA.
    let ca_described = [
        "certificateAuthoritiesFilePermissions",
        "certificateAuthoritiesFileOwnership",
    ]
    .iter()
    .any(|k| info.get(*k).is_some());
    if ca_described && info.get("kubeletClientCaFileArgumentSet").is_none() {
        config.push_str("authentication:\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\n");
    }
    if let Some(name) = info["kubeletHostnameOverrideArgumentSet"]["values"]
        .as_array()
        .and_then(|v| v.first())
    {
        flags.push_str(&format!(" --hostname-override={}", text_of(name)));
    }
    put(
        "/etc/systemd/system/kubelet.service",
        &format!(
            "[Service]\nExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml --kubeconfig=/etc/kubernetes/kubelet.conf{flags}\n"
        ),
        0o600,
        (0, 0),
    );
    put("/var/lib/kubelet/config.yaml", &config, 0o600, (0, 0));
    // The control plane: static pods naming their kubeconfigs and data.
    for (binary, extra) in [
        ("kube-apiserver", ""),
        (
            "kube-controller-manager",
            "    - --kubeconfig=/etc/kubernetes/controller-manager.conf\n",
        ),
        (
            "kube-scheduler",
            "    - --kubeconfig=/etc/kubernetes/scheduler.conf\n",
        ),
        ("etcd", "    - --data-dir=/var/lib/etcd\n"),
    ] {
        let text = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {binary}}}\nspec:\n  containers:\n  - name: {binary}\n    command:\n    - {binary}\n{extra}"
        );
        put(
            &format!("/etc/kubernetes/manifests/{binary}.yaml"),
            &text,
            0o600,
            (0, 0),
        );
    }
    // Every file the keys name, 600 and root's unless the info says
    // otherwise; a key whose values are empty leaves its file out.
    let mut files: std::collections::BTreeMap<&str, (u32, (u32, u32), bool)> = Default::default();
    for (_, paths) in FILES {
        for path in *paths {
            let mode = if path.ends_with(".crt") { 0o644 } else { 0o600 };
            files.insert(path, (mode, (0, 0), true));
        }
    }
    for (key, paths) in FILES {
        let Some(values) = info[*key]["values"].as_array() else {
            continue;
        };
        for (i, path) in paths.iter().enumerate() {
            let entry = files.get_mut(path).unwrap();
            match values.get(i).or(values.first()) {
                None => entry.2 = false,
                Some(value) if key.contains("Ownership") => entry.1 = ids(&text_of(value)),
                Some(value) => {
                    entry.0 = u32::from_str_radix(&text_of(value), 8).unwrap_or(0o777);
                }
            }
        }
    }
    for (path, (mode, owner, present)) in files {
        if !present {
            continue;
        }
        if path == "/var/lib/etcd" {
            let local = root.join("var/lib/etcd");
            std::fs::create_dir_all(&local).unwrap();
            chown(&local, Some(owner.0), Some(owner.1)).unwrap();
            std::fs::set_permissions(&local, std::fs::Permissions::from_mode(mode)).unwrap();
        } else if path.starts_with("/etc/kubernetes/manifests/")
            || path == "/var/lib/kubelet/config.yaml"
            || path == "/etc/systemd/system/kubelet.service"
        {
            // Written above with their content: only mode and owner change.
            let local = root.join(path.trim_start_matches('/'));
            chown(&local, Some(owner.0), Some(owner.1)).unwrap();
            std::fs::set_permissions(&local, std::fs::Permissions::from_mode(mode)).unwrap();
        } else {
            put(path, "data\n", mode, owner);
        }
    }
}

/// Whether Palisade's `controls` pass the host a `NodeInfo` describes.
fn palisade_passes_node(controls: &[&str], info: &Value) -> bool {
    let dir = tempfile::tempdir().unwrap();
    node_host(dir.path(), info);
    let ids: Vec<String> = controls.iter().map(|c| (*c).to_owned()).collect();
    let policy = PolicySet::select(&[], &ids).unwrap();
    let loaded = palisade_load::input::load_host(&palisade_load::host::HostOptions {
        root: dir.path().to_path_buf(),
        proc: None,
        limits: Limits::default(),
        reading: Default::default(),
    });
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let evaluated = policy.evaluate(&loaded);
    assert!(evaluated.unjudged.is_empty(), "{:?}", evaluated.unjudged);
    evaluated.findings.is_empty()
}

#[test]
fn trivy_node_checks_agree_with_palisade_through_the_node_info_adapter() {
    let Some(corpus) = conformance::corpus_dir("trivy-checks-kubernetes/checks/kubernetes") else {
        return;
    };
    let can_chown = {
        let probe = tempfile::NamedTempFile::new().unwrap();
        std::os::unix::fs::chown(probe.path(), Some(1000), Some(1000)).is_ok()
    };
    if !can_chown {
        assert!(
            std::env::var_os("CI").is_none(),
            "the NodeInfo adapter needs root to set owners, and CI must run it"
        );
        println!("not root: file owners cannot be set; skipping");
        return;
    }
    let mut agreed = 0;
    let mut differences: Vec<(String, String, bool)> = Vec::new();
    let mut not_covered = Vec::new();
    for (check, mapping) in NODE_CHECKS {
        let path = corpus.join(format!("{check}_test.rego"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let controls = match mapping {
            Ok(controls) => controls,
            Err(reason) => {
                not_covered.push(format!("{check}: {reason}"));
                continue;
            }
        };
        let cases = cases(&text);
        assert!(!cases.is_empty(), "{check}: no test case read");
        for (name, input, trivy_passes) in cases {
            assert_eq!(input["kind"], "NodeInfo", "{check} {name}");
            let palisade = palisade_passes_node(controls, &input["info"]);
            if palisade == trivy_passes {
                agreed += 1;
            } else {
                differences.push(((*check).to_owned(), name, trivy_passes));
            }
        }
    }
    let verdict = |pass: bool| if pass { "pass" } else { "fail" };
    let unexplained: Vec<String> = differences
        .iter()
        .filter(|(c, n, _)| {
            !NODE_KNOWN_DIFFERENCES
                .iter()
                .any(|(kc, kn, _)| kc == c && kn == n)
        })
        .map(|(c, n, t)| format!("{c} {n}: Trivy {}, Palisade {}", verdict(*t), verdict(!*t)))
        .collect();
    let stale: Vec<String> = NODE_KNOWN_DIFFERENCES
        .iter()
        .filter(|(kc, kn, _)| !differences.iter().any(|(c, n, _)| c == kc && n == kn))
        .map(|(c, n, _)| format!("{c} {n}"))
        .collect();
    println!(
        "trivy KCV node checks: {agreed} cases agree, {} known differences; not covered:\n  {}",
        differences.len(),
        not_covered.join("\n  ")
    );
    assert!(
        unexplained.is_empty(),
        "unexplained differences:\n{}",
        unexplained.join("\n")
    );
    assert!(
        stale.is_empty(),
        "listed differences that now agree:\n{}",
        stale.join("\n")
    );
    assert!(
        agreed >= NODE_FLOOR,
        "{agreed} cases agree, below the floor of {NODE_FLOOR}"
    );
}

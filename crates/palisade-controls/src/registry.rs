//! Every built-in control, and the Pod Security Standards profiles built from them.
//!
//! IDs are stable: a retired ID is never reused. The `ids_are_stable` test
//! snapshots the list, so adding or retiring a control shows up in review.

use palisade_model::PssLevel;

use crate::dockerfile;
use crate::image;
use crate::integrity;
use crate::network;
use crate::node;
use crate::node::kubelet;
use crate::pod_security as pss;
use crate::rbac;
use crate::secrets;
use crate::workload;
use crate::{Control, PssVersion};

/// Every built-in control, in the order of `palisade controls list`.
static CONTROLS: [&Control; 251] = [
    &pss::privileged::CONTROL,
    &pss::windows_host_process::CONTROL,
    &pss::host_namespaces::CONTROL,
    &pss::host_path_volumes::CONTROL,
    &pss::capabilities_baseline::CONTROL,
    &pss::host_ports::CONTROL,
    &pss::host_probes::CONTROL,
    &pss::apparmor_profile::CONTROL,
    &pss::selinux_options::CONTROL,
    &pss::proc_mount::CONTROL,
    &pss::seccomp_baseline::CONTROL,
    &pss::sysctls::CONTROL,
    &pss::allow_privilege_escalation::CONTROL,
    &pss::capabilities_restricted::CONTROL,
    &pss::proc_mount_restricted::CONTROL,
    &pss::restricted_volumes::CONTROL,
    &pss::run_as_non_root::CONTROL,
    &pss::run_as_user::CONTROL,
    &pss::seccomp_restricted::CONTROL,
    &rbac::wildcard::CONTROL,
    &rbac::cluster_admin_binding::CONTROL,
    &rbac::anonymous_binding::CONTROL,
    &rbac::secret_read::CONTROL,
    &rbac::pod_exec_attach::CONTROL,
    &rbac::pod_create::CONTROL,
    &rbac::escalation_verbs::CONTROL,
    &workload::image_tag_latest::CONTROL,
    &workload::image_registry_not_allowed::CONTROL,
    &workload::image_not_pinned_by_digest::CONTROL,
    &workload::image_pull_policy_not_always::CONTROL,
    &workload::cpu_requests_missing::CONTROL,
    &workload::cpu_limits_missing::CONTROL,
    &workload::memory_requests_missing::CONTROL,
    &workload::memory_limits_missing::CONTROL,
    &workload::writable_root_filesystem::CONTROL,
    &workload::liveness_probe_missing::CONTROL,
    &workload::readiness_probe_missing::CONTROL,
    &workload::privileged_port::CONTROL,
    &workload::default_service_account::CONTROL,
    &workload::service_account_token_automount::CONTROL,
    &workload::default_namespace::CONTROL,
    &workload::forbidden_volume::CONTROL,
    &workload::net_raw_not_dropped::CONTROL,
    &workload::dangerous_capabilities::CONTROL,
    &workload::run_as_root_group::CONTROL,
    &secrets::secret_in_env_literal::CONTROL,
    &secrets::secret_as_env_var::CONTROL,
    &secrets::configmap_sensitive_content::CONTROL,
    &network::service_node_port::CONTROL,
    &network::service_load_balancer::CONTROL,
    &network::service_external_ips::CONTROL,
    &network::ingress_without_tls::CONTROL,
    &network::namespace_without_default_deny::CONTROL,
    &network::workload_without_network_policy::CONTROL,
    &dockerfile::root_user::CONTROL,
    &dockerfile::sudo::CONTROL,
    &dockerfile::healthcheck_missing::CONTROL,
    &dockerfile::update_alone::CONTROL,
    &dockerfile::add_instead_of_copy::CONTROL,
    &dockerfile::secret_in_env_arg::CONTROL,
    &dockerfile::unverified_packages::CONTROL,
    &dockerfile::base_image_latest::CONTROL,
    &dockerfile::base_image_not_pinned::CONTROL,
    &dockerfile::base_image_registry_not_allowed::CONTROL,
    &dockerfile::expose_ssh::CONTROL,
    &dockerfile::chmod_world_writable::CONTROL,
    &image::root_user::CONTROL,
    &image::expose_ssh::CONTROL,
    &image::secret_in_env::CONTROL,
    &image::healthcheck_missing::CONTROL,
    &image::labels_missing::CONTROL,
    &image::setuid_files::CONTROL,
    &image::world_writable_files::CONTROL,
    &image::secret_files::CONTROL,
    &image::package_cache::CONTROL,
    &image::digest_not_allowed::CONTROL,
    &image::update_alone::CONTROL,
    &image::add_instead_of_copy::CONTROL,
    &node::api_server::manifest_permissions::CONTROL,
    &node::api_server::manifest_ownership::CONTROL,
    &node::api_server::admin_kubeconfig_permissions::CONTROL,
    &node::api_server::admin_kubeconfig_ownership::CONTROL,
    &node::api_server::pki_ownership::CONTROL,
    &node::api_server::pki_certificate_permissions::CONTROL,
    &node::api_server::pki_key_permissions::CONTROL,
    &node::api_server::anonymous_auth::CONTROL,
    &node::api_server::token_auth_file::CONTROL,
    &node::api_server::deny_service_external_ips::CONTROL,
    &node::api_server::kubelet_client_certificate::CONTROL,
    &node::api_server::kubelet_certificate_authority::CONTROL,
    &node::api_server::authorization_always_allow::CONTROL,
    &node::api_server::authorization_node::CONTROL,
    &node::api_server::authorization_rbac::CONTROL,
    &node::api_server::event_rate_limit::CONTROL,
    &node::api_server::always_admit::CONTROL,
    &node::api_server::always_pull_images::CONTROL,
    &node::api_server::service_account_plugin_disabled::CONTROL,
    &node::api_server::namespace_lifecycle_disabled::CONTROL,
    &node::api_server::node_restriction::CONTROL,
    &node::api_server::profiling::CONTROL,
    &node::api_server::audit_log_path::CONTROL,
    &node::api_server::audit_log_maxage::CONTROL,
    &node::api_server::audit_log_maxbackup::CONTROL,
    &node::api_server::audit_log_maxsize::CONTROL,
    &node::api_server::service_account_lookup::CONTROL,
    &node::api_server::service_account_key_file::CONTROL,
    &node::api_server::etcd_client_certificate::CONTROL,
    &node::api_server::tls_certificate::CONTROL,
    &node::api_server::client_ca::CONTROL,
    &node::api_server::etcd_ca::CONTROL,
    &node::api_server::encryption_provider_config::CONTROL,
    &node::api_server::weak_tls_ciphers::CONTROL,
    &node::api_server::service_account_extend_token_expiration::CONTROL,
    &node::controller_manager::manifest_permissions::CONTROL,
    &node::controller_manager::manifest_ownership::CONTROL,
    &node::scheduler::manifest_permissions::CONTROL,
    &node::scheduler::manifest_ownership::CONTROL,
    &node::etcd::manifest_permissions::CONTROL,
    &node::etcd::manifest_ownership::CONTROL,
    &node::controller_manager::kubeconfig_permissions::CONTROL,
    &node::controller_manager::kubeconfig_ownership::CONTROL,
    &node::scheduler::kubeconfig_permissions::CONTROL,
    &node::scheduler::kubeconfig_ownership::CONTROL,
    &node::controller_manager::terminated_pod_gc_disabled::CONTROL,
    &node::controller_manager::profiling::CONTROL,
    &node::controller_manager::service_account_credentials::CONTROL,
    &node::controller_manager::service_account_private_key::CONTROL,
    &node::controller_manager::root_ca::CONTROL,
    &node::controller_manager::server_certificate_rotation_disabled::CONTROL,
    &node::controller_manager::bind_address::CONTROL,
    &node::scheduler::profiling::CONTROL,
    &node::scheduler::bind_address::CONTROL,
    &node::etcd::data_dir_permissions::CONTROL,
    &node::etcd::data_dir_ownership::CONTROL,
    &node::etcd::tls_certificate::CONTROL,
    &node::etcd::client_cert_auth::CONTROL,
    &node::etcd::auto_tls::CONTROL,
    &node::etcd::peer_tls_certificate::CONTROL,
    &node::etcd::peer_client_cert_auth::CONTROL,
    &node::etcd::peer_auto_tls::CONTROL,
    &kubelet::service_file_permissions::CONTROL,
    &kubelet::service_file_ownership::CONTROL,
    &kubelet::kubeconfig_permissions::CONTROL,
    &kubelet::kubeconfig_ownership::CONTROL,
    &kubelet::client_ca_permissions::CONTROL,
    &kubelet::client_ca_ownership::CONTROL,
    &kubelet::config_file_permissions::CONTROL,
    &kubelet::config_file_ownership::CONTROL,
    &kubelet::anonymous_auth::CONTROL,
    &kubelet::authorization_always_allow::CONTROL,
    &kubelet::client_ca_not_set::CONTROL,
    &kubelet::read_only_port::CONTROL,
    &kubelet::streaming_timeout_disabled::CONTROL,
    &kubelet::iptables_util_chains_disabled::CONTROL,
    &kubelet::hostname_override::CONTROL,
    &kubelet::event_qps::CONTROL,
    &kubelet::serving_certificate_not_set::CONTROL,
    &kubelet::certificate_rotation_disabled::CONTROL,
    &kubelet::server_certificate_rotation_disabled::CONTROL,
    &kubelet::weak_tls_ciphers::CONTROL,
    &kubelet::pod_pids_unlimited::CONTROL,
    &kubelet::seccomp_default_disabled::CONTROL,
    &node::docker::icc_enabled::CONTROL,
    &node::docker::log_level::CONTROL,
    &node::docker::iptables_disabled::CONTROL,
    &node::docker::insecure_registries::CONTROL,
    &node::docker::aufs_storage_driver::CONTROL,
    &node::docker::tls_not_configured::CONTROL,
    &node::docker::userns_remap_disabled::CONTROL,
    &node::docker::cgroup_parent_changed::CONTROL,
    &node::docker::base_device_size_changed::CONTROL,
    &node::docker::authorization_plugin_missing::CONTROL,
    &node::docker::local_logging::CONTROL,
    &node::docker::new_privileges_allowed::CONTROL,
    &node::docker::live_restore_disabled::CONTROL,
    &node::docker::userland_proxy_enabled::CONTROL,
    &node::docker::seccomp_unconfined::CONTROL,
    &node::docker::experimental_enabled::CONTROL,
    &node::docker::service_file_ownership::CONTROL,
    &node::docker::service_file_permissions::CONTROL,
    &node::docker::socket_file_ownership::CONTROL,
    &node::docker::socket_file_permissions::CONTROL,
    &node::docker::config_dir_ownership::CONTROL,
    &node::docker::config_dir_permissions::CONTROL,
    &node::docker::registry_certs_ownership::CONTROL,
    &node::docker::registry_certs_permissions::CONTROL,
    &node::docker::tls_ca_ownership::CONTROL,
    &node::docker::tls_ca_permissions::CONTROL,
    &node::docker::tls_cert_ownership::CONTROL,
    &node::docker::tls_cert_permissions::CONTROL,
    &node::docker::tls_key_ownership::CONTROL,
    &node::docker::tls_key_permissions::CONTROL,
    &node::docker::socket_ownership::CONTROL,
    &node::docker::socket_permissions::CONTROL,
    &node::docker::daemon_json_ownership::CONTROL,
    &node::docker::daemon_json_permissions::CONTROL,
    &node::docker::default_file_ownership::CONTROL,
    &node::docker::default_file_permissions::CONTROL,
    &node::docker::sysconfig_file_ownership::CONTROL,
    &node::docker::sysconfig_file_permissions::CONTROL,
    &node::docker::containerd_socket_ownership::CONTROL,
    &node::docker::containerd_socket_permissions::CONTROL,
    &node::docker::data_root_not_separate::CONTROL,
    &node::docker::untrusted_users::CONTROL,
    &node::docker::audit_daemon::CONTROL,
    &node::docker::audit_run_containerd::CONTROL,
    &node::docker::audit_var_lib_docker::CONTROL,
    &node::docker::audit_etc_docker::CONTROL,
    &node::docker::audit_docker_service::CONTROL,
    &node::docker::audit_containerd_sock::CONTROL,
    &node::docker::audit_docker_socket::CONTROL,
    &node::docker::audit_etc_default_docker::CONTROL,
    &node::docker::audit_daemon_json::CONTROL,
    &node::docker::audit_containerd_config::CONTROL,
    &node::docker::audit_etc_sysconfig_docker::CONTROL,
    &node::docker::audit_containerd::CONTROL,
    &node::docker::audit_containerd_shim::CONTROL,
    &node::docker::audit_containerd_shim_runc_v1::CONTROL,
    &node::docker::audit_containerd_shim_runc_v2::CONTROL,
    &node::docker::audit_runc::CONTROL,
    &node::docker_container::apparmor_unconfined::CONTROL,
    &node::docker_container::selinux_disabled::CONTROL,
    &node::docker_container::capabilities_added::CONTROL,
    &node::docker_container::privileged::CONTROL,
    &node::docker_container::sensitive_mount::CONTROL,
    &node::docker_container::privileged_port::CONTROL,
    &node::docker_container::host_namespaces::CONTROL,
    &node::docker_container::memory_unlimited::CONTROL,
    &node::docker_container::cpu_shares_unset::CONTROL,
    &node::docker_container::writable_root::CONTROL,
    &node::docker_container::port_all_interfaces::CONTROL,
    &node::docker_container::restart_policy::CONTROL,
    &node::docker_container::host_devices::CONTROL,
    &node::docker_container::shared_propagation::CONTROL,
    &node::docker_container::seccomp_unconfined::CONTROL,
    &node::docker_container::cgroup_parent_set::CONTROL,
    &node::docker_container::new_privileges_allowed::CONTROL,
    &node::docker_container::healthcheck_missing::CONTROL,
    &node::docker_container::pids_unlimited::CONTROL,
    &node::docker_container::default_bridge::CONTROL,
    &node::docker_container::docker_socket_mounted::CONTROL,
    &node::docker_container::root_user::CONTROL,
    &integrity::content_changed::CONTROL,
    &integrity::permissions_changed::CONTROL,
    &integrity::file_added::CONTROL,
    &integrity::file_removed::CONTROL,
    &integrity::unreadable::CONTROL,
    &image::running_digest_not_allowed::CONTROL,
    &node::docker_container::image_digest_not_allowed::CONTROL,
    &node::docker_container::executable_written::CONTROL,
    &node::container_executable_written::CONTROL,
];

/// Every built-in control.
pub fn all() -> &'static [&'static Control] {
    &CONTROLS
}

/// The control with this ID.
///
/// ```
/// let control = palisade_controls::registry::find("privileged-container").unwrap();
/// assert_eq!(control.meta.severity, palisade_model::Severity::Critical);
/// assert!(palisade_controls::registry::find("no-such-control").is_none());
/// ```
pub fn find(id: &str) -> Option<&'static Control> {
    CONTROLS.iter().copied().find(|c| c.meta.id == id)
}

/// The checks a Pod Security Standards profile runs at a version, in
/// upstream's order (baseline IDs sorted, then restricted IDs sorted), with
/// baseline checks replaced by the restricted checks that override them.
///
/// ```
/// use palisade_controls::{registry::pss_profile, PssVersion};
/// use palisade_model::PssLevel;
/// assert_eq!(pss_profile(PssLevel::Baseline, PssVersion::Latest).len(), 12);
/// assert_eq!(pss_profile(PssLevel::Restricted, PssVersion::Latest).len(), 15);
/// assert_eq!(pss_profile(PssLevel::Restricted, "v1.0".parse().unwrap()).len(), 12);
/// ```
pub fn pss_profile(level: PssLevel, version: PssVersion) -> Vec<&'static Control> {
    let in_force = |c: &&Control| {
        c.pss
            .is_some_and(|p| p.level <= level && version.at_least(p.since))
    };
    let candidates: Vec<&Control> = CONTROLS.iter().copied().filter(in_force).collect();
    let overridden: Vec<&str> = candidates
        .iter()
        .filter_map(|c| c.pss.and_then(|p| p.overrides))
        .collect();
    let mut profile: Vec<&Control> = candidates
        .into_iter()
        .filter(|c| c.pss.is_some_and(|p| !overridden.contains(&p.upstream_id)))
        .collect();
    profile.sort_by_key(|c| c.pss.map(|p| (p.level, p.upstream_id)));
    profile
}

/// The verdict of a whole Pod Security Standards profile on one pod, as
/// upstream's Pod Security Admission aggregates it.
#[derive(Debug, Clone, Default)]
pub struct PssVerdict {
    /// Every forbidden check, in upstream's order.
    pub forbidden: Vec<(&'static Control, crate::CheckResult)>,
}

impl PssVerdict {
    /// Whether every check allowed the pod.
    pub fn allowed(&self) -> bool {
        self.forbidden.is_empty()
    }

    /// Upstream's reason summary: forbidden reasons joined by `, `.
    pub fn reasons(&self) -> String {
        self.forbidden
            .iter()
            .map(|(_, r)| r.reason.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Upstream's detail summary: `reason (detail)` per forbidden check,
    /// joined by `, ` (the text after `violates PodSecurity "...": `).
    pub fn details(&self) -> String {
        self.forbidden
            .iter()
            .map(|(_, r)| format!("{} ({})", r.reason, r.detail))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Runs a whole profile on one pod, as upstream does: every check in force,
/// no short-circuit, results in upstream's order.
pub fn evaluate_pss(
    level: PssLevel,
    version: PssVersion,
    pod: &palisade_load::PodSpec<'_>,
) -> PssVerdict {
    let forbidden = pss_profile(level, version)
        .into_iter()
        .filter_map(|control| match control.check {
            crate::Check::Pod(check) => check(pod, version).map(|result| (control, result)),
            _ => None,
        })
        .collect();
    PssVerdict { forbidden }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_model::DocSection;

    fn verdict(level: PssLevel, version: &str, body: &str) -> PssVerdict {
        let text = format!("apiVersion: v1\nkind: Pod\n{body}");
        let parsed = palisade_load::parse_documents(
            "t.yaml".into(),
            &text,
            &palisade_load::Limits::default(),
        );
        let object = palisade_load::objects(&parsed.documents[0].root)[0];
        let pod = palisade_load::PodSpec::find(&object).unwrap();
        evaluate_pss(level, version.parse().unwrap(), &pod)
    }

    /// Section 6.5 of `shared/specs/pod-security-standards.md`, verbatim.
    #[test]
    fn reference_example_matches_upstream_verbatim() {
        let result = verdict(
            PssLevel::Restricted,
            "latest",
            "spec:\n  containers:\n  - name: app\n    image: nginx\n",
        );
        assert_eq!(
            result.details(),
            r#"allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#
        );
        assert_eq!(
            result.reasons(),
            "allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile"
        );
        assert!(
            verdict(
                PssLevel::Baseline,
                "latest",
                "spec:\n  containers:\n  - name: app\n    image: nginx\n"
            )
            .allowed()
        );
    }

    /// Section 2.5's example, and the restricted volume check reported after
    /// every baseline check although it replaces `hostPathVolumes` (2.4).
    #[test]
    fn aggregation_follows_upstream_order() {
        let body = "spec:\n  hostNetwork: true\n  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n  containers:\n  - name: app\n    securityContext: {privileged: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n  volumes: [{name: h, hostPath: {path: /}}]\n";
        assert_eq!(
            verdict(PssLevel::Baseline, "latest", body).details(),
            r#"host namespaces (hostNetwork=true), hostPath volumes (volume "h"), privileged (container "app" must not set securityContext.privileged=true)"#
        );
        assert_eq!(
            verdict(PssLevel::Restricted, "latest", body).details(),
            r#"host namespaces (hostNetwork=true), privileged (container "app" must not set securityContext.privileged=true), restricted volume types (volume "h" uses restricted volume type "hostPath")"#
        );
    }

    #[test]
    fn ids_are_stable() {
        let ids: Vec<&str> = all().iter().map(|c| c.meta.id).collect();
        insta::assert_snapshot!(ids.join("\n"));
    }

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for control in all() {
            let id = control.meta.id;
            assert!(seen.insert(id), "duplicate control ID {id}");
            assert!(
                id.split('-').all(|w| !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
                "{id} is not kebab-case"
            );
            for section in DocSection::ALL {
                let text = control.meta.section(section);
                assert!(
                    text.is_some_and(|t| !t.is_empty()),
                    "{id} lacks `{}`",
                    section.heading()
                );
            }
            assert!(
                control
                    .meta
                    .section(DocSection::Example)
                    .is_some_and(|e| e.contains("Use instead:")),
                "{id}: example lacks `Use instead:`"
            );
        }
    }

    /// The `#B` and `#R` columns of the version table in
    /// `shared/specs/pod-security-standards.md`, section 5.
    #[test]
    fn check_counts_match_the_version_table() {
        let expected = |minor: u32| -> (usize, usize) {
            match minor {
                0..=7 => (11, 12),
                8..=22 => (11, 13),
                23..=33 => (11, 14),
                _ => (12, 15),
            }
        };
        for minor in 0..=40 {
            let version = PssVersion::V1(minor);
            let got = (
                pss_profile(PssLevel::Baseline, version).len(),
                pss_profile(PssLevel::Restricted, version).len(),
            );
            assert_eq!(got, expected(minor.min(37)), "v1.{minor}");
        }
    }

    #[test]
    fn restricted_order_and_overrides() {
        let ids = |minor| -> Vec<&str> {
            pss_profile(PssLevel::Restricted, PssVersion::V1(minor))
                .iter()
                .filter_map(|c| c.pss.map(|p| p.upstream_id))
                .collect()
        };
        assert_eq!(
            ids(37),
            [
                "appArmorProfile",
                "hostNamespaces",
                "hostPorts",
                "hostProbesAndHostLifecycle",
                "privileged",
                "seLinuxOptions",
                "sysctls",
                "windowsHostProcess",
                "allowPrivilegeEscalation",
                "capabilities_restricted",
                "procMount_restricted",
                "restrictedVolumes",
                "runAsNonRoot",
                "runAsUser",
                "seccompProfile_restricted",
            ]
        );
        let v1_18 = ids(18);
        assert!(
            v1_18.contains(&"seccompProfile_baseline") && v1_18.contains(&"capabilities_baseline")
        );
        assert!(v1_18.contains(&"procMount") && !v1_18.contains(&"hostPathVolumes"));
    }
}

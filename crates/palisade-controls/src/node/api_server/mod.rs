//! Controls of kube-apiserver (CIS Kubernetes 1.2, and the 1.1 files of a control-plane node: its static-pod manifest, admin.conf), judged on its effective flags
//! (`palisade_load::host::control_plane`) on a host or in a static-pod
//! manifest, with the helpers of `node::control_plane`.

pub(crate) mod admin_kubeconfig_ownership;
pub(crate) mod admin_kubeconfig_permissions;
pub(crate) mod always_admit;
pub(crate) mod always_pull_images;
pub(crate) mod anonymous_auth;
pub(crate) mod audit_log_maxage;
pub(crate) mod audit_log_maxbackup;
pub(crate) mod audit_log_maxsize;
pub(crate) mod audit_log_path;
pub(crate) mod authorization_always_allow;
pub(crate) mod authorization_node;
pub(crate) mod authorization_rbac;
pub(crate) mod client_ca;
pub(crate) mod deny_service_external_ips;
pub(crate) mod encryption_provider_config;
pub(crate) mod etcd_ca;
pub(crate) mod etcd_client_certificate;
pub(crate) mod event_rate_limit;
pub(crate) mod kubelet_certificate_authority;
pub(crate) mod kubelet_client_certificate;
pub(crate) mod manifest_ownership;
pub(crate) mod manifest_permissions;
pub(crate) mod namespace_lifecycle_disabled;
pub(crate) mod node_restriction;
pub(crate) mod pki_certificate_permissions;
pub(crate) mod pki_key_permissions;
pub(crate) mod pki_ownership;
pub(crate) mod profiling;
pub(crate) mod service_account_extend_token_expiration;
pub(crate) mod service_account_key_file;
pub(crate) mod service_account_lookup;
pub(crate) mod service_account_plugin_disabled;
pub(crate) mod tls_certificate;
pub(crate) mod token_auth_file;
pub(crate) mod weak_tls_ciphers;

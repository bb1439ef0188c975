//! Controls of kube-controller-manager (CIS Kubernetes 1.3, and its static-pod manifest and kubeconfig), judged on its effective flags
//! (`palisade_load::host::control_plane`) on a host or in a static-pod
//! manifest, with the helpers of `node::control_plane`.

pub(crate) mod bind_address;
pub(crate) mod kubeconfig_ownership;
pub(crate) mod kubeconfig_permissions;
pub(crate) mod manifest_ownership;
pub(crate) mod manifest_permissions;
pub(crate) mod profiling;
pub(crate) mod root_ca;
pub(crate) mod server_certificate_rotation_disabled;
pub(crate) mod service_account_credentials;
pub(crate) mod service_account_private_key;
pub(crate) mod terminated_pod_gc_disabled;

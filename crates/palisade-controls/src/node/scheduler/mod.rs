//! Controls of kube-scheduler (CIS Kubernetes 1.4, and its static-pod manifest and kubeconfig), judged on its effective flags
//! (`palisade_load::host::control_plane`) on a host or in a static-pod
//! manifest, with the helpers of `node::control_plane`.

pub(crate) mod bind_address;
pub(crate) mod kubeconfig_ownership;
pub(crate) mod kubeconfig_permissions;
pub(crate) mod manifest_ownership;
pub(crate) mod manifest_permissions;
pub(crate) mod profiling;

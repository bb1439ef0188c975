//! Controls of etcd (CIS Kubernetes 2, and its static-pod manifest and data directory), judged on its effective flags
//! (`palisade_load::host::control_plane`) on a host or in a static-pod
//! manifest, with the helpers of `node::control_plane`.

pub(crate) mod auto_tls;
pub(crate) mod client_cert_auth;
pub(crate) mod data_dir_ownership;
pub(crate) mod data_dir_permissions;
pub(crate) mod manifest_ownership;
pub(crate) mod manifest_permissions;
pub(crate) mod peer_auto_tls;
pub(crate) mod peer_client_cert_auth;
pub(crate) mod peer_tls_certificate;
pub(crate) mod tls_certificate;

//! Pod Security Standards policy versions (`v1.0` ... `v1.37`, `latest`).
//!
//! Every difference between versions is written in a check as a comparison
//! with a named constant below, so dropping support for an old version is a
//! matter of deleting a constant and following the compiler.

use std::fmt;
use std::str::FromStr;

/// The newest policy version any check mentions; `latest` and anything newer
/// evaluate as this version.
pub const LATEST_MINOR: u32 = 37;

/// v1.8: restricted requires `allowPrivilegeEscalation: false`.
pub const V1_8_PRIVILEGE_ESCALATION: u32 = 8;
/// v1.19: seccomp moves from annotations to fields; restricted requires a profile.
pub const V1_19_SECCOMP_FIELDS: u32 = 19;
/// v1.22: restricted requires dropping `ALL` capabilities.
pub const V1_22_CAPABILITIES_DROP_ALL: u32 = 22;
/// v1.23: restricted forbids `runAsUser: 0`.
pub const V1_23_RUN_AS_USER: u32 = 23;
/// v1.25: Windows pods are exempt from the Linux-only restricted checks.
pub const V1_25_WINDOWS_EXEMPT: u32 = 25;
/// v1.27: `net.ipv4.ip_local_reserved_ports` is a safe sysctl.
pub const V1_27_SYSCTLS: u32 = 27;
/// v1.29: TCP keepalive and FIN timeout sysctls are safe.
pub const V1_29_SYSCTLS: u32 = 29;
/// v1.31: `container_engine_t` is an allowed SELinux type.
pub const V1_31_SELINUX_ENGINE_TYPE: u32 = 31;
/// v1.32: `net.ipv4.tcp_rmem` and `tcp_wmem` are safe sysctls.
pub const V1_32_SYSCTLS: u32 = 32;
/// v1.34: probes and lifecycle hooks must not set `host`.
pub const V1_34_PROBE_HOSTS: u32 = 34;
/// v1.35: pods in a user namespace (`hostUsers: false`) are relaxed.
pub const V1_35_USER_NAMESPACES: u32 = 35;
/// v1.37: `tcp_slow_start_after_idle` and `tcp_notsent_lowat` are safe sysctls.
pub const V1_37_SYSCTLS: u32 = 37;

/// A policy version: `latest` or `v1.N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PssVersion {
    /// The newest version this build knows.
    Latest,
    /// `v1.N`, as written (not yet clamped).
    V1(u32),
}

impl PssVersion {
    /// The minor version checks compare against: `latest` and anything past
    /// the newest known version clamp to [`LATEST_MINOR`].
    ///
    /// ```
    /// use palisade_controls::PssVersion;
    /// assert_eq!(PssVersion::Latest.minor(), 37);
    /// assert_eq!(PssVersion::V1(99).minor(), 37);
    /// assert_eq!("v1.25".parse::<PssVersion>().unwrap().minor(), 25);
    /// ```
    pub fn minor(self) -> u32 {
        match self {
            PssVersion::Latest => LATEST_MINOR,
            PssVersion::V1(n) => n.min(LATEST_MINOR),
        }
    }

    /// Whether this version is at least `v1.minor`.
    pub fn at_least(self, minor: u32) -> bool {
        self.minor() >= minor
    }
}

impl fmt::Display for PssVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PssVersion::Latest => f.write_str("latest"),
            PssVersion::V1(n) => write!(f, "v1.{n}"),
        }
    }
}

/// A version string that is neither `latest` nor `v1.N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseVersionError(pub String);

impl fmt::Display for ParseVersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid Pod Security Standards version `{}` (expected `latest` or `v1.N`, e.g. `v1.30`)",
            self.0
        )
    }
}

impl std::error::Error for ParseVersionError {}

impl FromStr for PssVersion {
    type Err = ParseVersionError;

    /// Accepts exactly what upstream accepts: `latest`, or `v1.N` with no
    /// leading zero (`v1.05`, `1.25`, `v1.25.0` are rejected).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "latest" {
            return Ok(PssVersion::Latest);
        }
        let err = || ParseVersionError(s.to_owned());
        let minor = s.strip_prefix("v1.").ok_or_else(err)?;
        let canonical = minor == "0" || (!minor.starts_with('0') && !minor.is_empty());
        if !canonical || !minor.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        minor.parse().map(PssVersion::V1).map_err(|_| err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_upstream() {
        assert_eq!("v1.0".parse(), Ok(PssVersion::V1(0)));
        assert_eq!("v1.37".parse(), Ok(PssVersion::V1(37)));
        assert_eq!("latest".parse(), Ok(PssVersion::Latest));
        for bad in ["v1.05", "v2.0", "1.25", "v1.25.0", "v1.", "Latest", "v1.-1"] {
            assert!(bad.parse::<PssVersion>().is_err(), "{bad}");
        }
    }
}

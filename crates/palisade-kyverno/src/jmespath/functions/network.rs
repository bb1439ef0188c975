//! `is_external_url(url)`: whether the URL's host is neither loopback nor
//! private. A name is resolved (as Kyverno does, with the system
//! resolver); it is external only if none of its addresses is internal.

use std::net::{IpAddr, ToSocketAddrs};

use jmespath::Rcvar;

use super::{FnError, error, string_arg};
use crate::jmespath::value::boolean;

/// The host of a URL as Go's `URL.Hostname()` gives it: without
/// userinfo, port or IPv6 brackets.
fn hostname(url: &str) -> &str {
    let Some((_, rest)) = url.split_once("://") else {
        return "";
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(inner) = host.strip_prefix('[') {
        return inner.split(']').next().unwrap_or("");
    }
    host.split(':').next().unwrap_or("")
}

/// Go's `IsLoopback() || IsPrivate()`.
fn internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.is_loopback() || v4.is_private(),
            None => {
                v6.is_loopback() || (v6.segments().first().copied().unwrap_or(0) & 0xfe00) == 0xfc00
            }
        },
    }
}

pub(crate) fn is_external_url(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    const NAME: &str = "is_external_url";
    let url = string_arg(NAME, args, 0)?;
    let host = hostname(url);
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(boolean(!internal(ip)));
    }
    let addresses = (host, 0)
        .to_socket_addrs()
        .map_err(|e| error(NAME, format!("lookup {host}: {e}")))?;
    Ok(boolean(!addresses.into_iter().any(|a| internal(a.ip()))))
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use serde_json::json;

    use super::super::testing::{args, json};
    use super::*;

    // Go: Test_IsExternalURL, the cases that need no network (names are
    // resolved; localhost is in every hosts file) and the validation error.
    #[test]
    fn address_literals() {
        for (url, want) in [
            ("http://localhost", false),
            ("http://127.0.0.1", false),
            ("http://172.16.1.1", false),
            ("http://10.1.1.1", false),
            ("http://192.168.0.1", false),
            ("http://8.8.8.8", true),
            ("http://245.48.83.160", true),
            ("http://[fd12:3456:789a:1::1]", false),
            ("http://[fdb7:d8fd:c4e4:5561::1]", false),
            ("http://[::1]", false),
            ("http://[2001:db8::ff00:42:8329]", true),
            ("http://www.google.com@192.168.1.3", false),
        ] {
            let got = is_external_url(&args(&[json!(url)])).unwrap();
            assert_eq!(json(&got), json!(want), "{url}");
        }
        let err = is_external_url(&args(&[json!(123)])).unwrap_err();
        assert!(
            err.0
                .contains("JMESPath function 'is_external_url': argument #1 is not of type string")
        );
    }
}

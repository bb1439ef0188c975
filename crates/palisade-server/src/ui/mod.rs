//! The dashboard on `/ui/`: a read-only single-page application whose
//! assets are compiled into the binary and which reads nothing but the
//! read API (`/api/v1/`), with the caller's own credentials. It adds no
//! route to the data: a page shows what its API answers allow, and every
//! read is an audited API access.
//!
//! - `GET /ui/`: the page, naming its assets by version;
//! - `GET /ui/assets/{version}/{file}`: the script and the stylesheet,
//!   cached for a year (a new version has new URLs);
//! - every answer carries a strict Content-Security-Policy (no inline
//!   script or style, no eval, nothing from another origin, no framing),
//!   HSTS and `nosniff`.
//!
//! Served only where the read API is (else 404).

use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::Shared;

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/app.css");
const ICON: &str = include_str!("assets/icon.svg");

/// What the dashboard's pages may load: their own script and style, data
/// from the same origin, inline SVG drawn by the script.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The assets' version: the first hex digits of their SHA-256, so a
/// browser never mixes a cached script with a new page.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    use sha2::{Digest, Sha256};
    let mut digest = Sha256::new();
    for asset in [SCRIPT, STYLE, ICON] {
        digest.update(asset.as_bytes());
    }
    digest
        .finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
});

/// The page, its asset URLs filled in.
static PAGE: LazyLock<String> = LazyLock::new(|| INDEX.replace("{{version}}", &VERSION));

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/ui", get(|| async { Redirect::permanent("/ui/") }))
        .route("/ui/", get(page))
        .route("/ui/assets/{version}/{file}", get(asset))
}

async fn page(State(shared): State<Arc<Shared>>) -> Response {
    if shared.api.is_none() {
        return not_found();
    }
    secured(
        "text/html; charset=utf-8",
        "no-cache",
        PAGE.as_str().to_owned(),
    )
}

async fn asset(
    State(shared): State<Arc<Shared>>,
    Path((version, file)): Path<(String, String)>,
) -> Response {
    if shared.api.is_none() || version != *VERSION {
        return not_found();
    }
    let (content_type, body) = match file.as_str() {
        "app.js" => ("text/javascript; charset=utf-8", SCRIPT),
        "app.css" => ("text/css; charset=utf-8", STYLE),
        "icon.svg" => ("image/svg+xml", ICON),
        _ => return not_found(),
    };
    secured(
        content_type,
        "public, max-age=31536000, immutable",
        body.to_owned(),
    )
}

fn not_found() -> Response {
    let mut response = secured(
        "text/plain; charset=utf-8",
        "no-store",
        "not found\n".into(),
    );
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

/// `body` with the dashboard's security headers.
fn secured(content_type: &'static str, cache: &'static str, body: String) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    let mut set = |name, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(header::CONTENT_TYPE, content_type);
    set(header::CACHE_CONTROL, cache);
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "no-referrer");
    set(
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    response
}

/// The size of the assets, for the documentation's claim and a test.
pub fn asset_bytes() -> usize {
    INDEX.len() + SCRIPT.len() + STYLE.len() + ICON.len()
}

//! `palisade serve` as a child process for end-to-end tests: certificates,
//! the command with its TLS and configuration flags, an HTTPS client that
//! trusts the test CA, and waiting for `/readyz`.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The host name the test certificates are issued for.
pub const HOST: &str = "palisade.test";

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// Writes `tls.crt` and `tls.key` into `dir`; returns the CA's PEM.
pub fn write_certs(dir: &Path) -> String {
    let certs = palisade_server::install::certs::generate(&[HOST.to_owned()], 30, 30).unwrap();
    std::fs::write(dir.join("tls.crt"), &certs.cert_pem).unwrap();
    std::fs::write(dir.join("tls.key"), &certs.key_pem).unwrap();
    certs.ca_pem
}

/// `palisade serve` on `port` with `dir`'s certificate and `palisade.yaml`,
/// quiet on stdout; the caller adds the audit flags and environment.
pub fn serve_command(dir: &Path, port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_palisade"));
    command
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--tls-cert")
        .arg(dir.join("tls.crt"))
        .arg("--tls-key")
        .arg(dir.join("tls.key"))
        .arg("--config")
        .arg(dir.join("palisade.yaml"))
        .env("PALISADE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

pub fn client(ca: &str, port: u16) -> reqwest::Client {
    client_waiting(ca, port, Duration::from_secs(5))
}

/// [`client`] that waits up to `timeout` for an answer (large reviews on
/// a debug build take seconds).
pub fn client_waiting(ca: &str, port: u16, timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).unwrap())
        .resolve(HOST, ([127, 0, 0, 1], port).into())
        .timeout(timeout)
        .build()
        .unwrap()
}

pub async fn wait_ready(client: &reqwest::Client, port: u16) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        let url = format!("https://{HOST}:{port}/readyz");
        if let Ok(r) = client.get(url).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("palisade serve did not become ready");
}

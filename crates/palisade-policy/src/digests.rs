//! The approved image digests (drift prevention): `--allowed-digests FILE`
//! and `allowed-digests:` in `palisade.yaml` feed the
//! `image-digest-not-allowed`, `running-image-digest-not-allowed` and
//! `docker-container-image-digest-not-allowed` controls.

use palisade_controls::image::{ALLOWED_DIGESTS, normalize_digest};
use palisade_controls::{Control, PssVersion, registry};

use crate::{ConfigError, PolicySet, Selected};

/// The control of declared and loaded images.
pub const CONTROL_ID: &str = "image-digest-not-allowed";

/// Every control the list feeds: what is declared or loaded, what the
/// kubelet reports running, and what a Docker host runs.
const CONTROL_IDS: &[&str] = &[
    CONTROL_ID,
    "running-image-digest-not-allowed",
    "docker-container-image-digest-not-allowed",
];

/// Checks one entry: `sha256:<hex>` (any `algorithm:hex` of at least 32
/// hex digits), or `name@sha256:<hex>` whose name is dropped. Returns the
/// normalized digest.
///
/// ```
/// use palisade_policy::digests::parse_digest;
/// let hex = "a".repeat(64);
/// assert_eq!(parse_digest(&format!("nginx@sha256:{}", hex.to_uppercase())), Ok(format!("sha256:{hex}")));
/// assert!(parse_digest("nginx:1.27").is_err());
/// assert!(parse_digest("sha256:xyz").is_err());
/// ```
pub fn parse_digest(entry: &str) -> Result<String, String> {
    let digest = normalize_digest(entry);
    let valid = digest.split_once(':').is_some_and(|(algorithm, hex)| {
        !algorithm.is_empty()
            && algorithm
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b))
            && hex.len() >= 32
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
    });
    if valid {
        Ok(digest)
    } else {
        Err(format!(
            "`{}` is not an image digest (expected sha256:<hex> or name@sha256:<hex>)",
            entry.trim()
        ))
    }
}

/// Reads an allowed-digests file: one digest per line; blank lines and
/// `#` comments (whole-line or trailing) are ignored. Errors name the line.
///
/// ```
/// use palisade_policy::digests::parse_list;
/// let hex = "b".repeat(64);
/// let text = format!("# approved on 2026-11-01\nsha256:{hex}  # api 1.4.2\n\n");
/// assert_eq!(parse_list("digests.txt", &text).unwrap(), [format!("sha256:{hex}")]);
/// let error = parse_list("digests.txt", "sha256:{}\nlatest\n").unwrap_err();
/// assert!(error.to_string().starts_with("digests.txt:1:"), "{error}");
/// ```
pub fn parse_list(file: &str, text: &str) -> Result<Vec<String>, ConfigError> {
    let mut digests = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let entry = line.split('#').next().unwrap_or("").trim();
        if entry.is_empty() {
            continue;
        }
        let digest = parse_digest(entry)
            .map_err(|message| ConfigError(format!("{file}:{}: {message}", index + 1)))?;
        if !digests.contains(&digest) {
            digests.push(digest);
        }
    }
    Ok(digests)
}

impl PolicySet {
    /// Approves image digests: the controls of [`CONTROL_IDS`] run with
    /// them (added to the list each already has), and are added to the
    /// selection when they were not in it. An empty list changes nothing, so the control
    /// stays inactive.
    pub fn allow_digests(&mut self, digests: &[String]) {
        for id in CONTROL_IDS {
            if let Some(control) = registry::find(id) {
                self.allow_digests_for(control, digests);
            }
        }
    }

    fn allow_digests_for(&mut self, control: &'static Control, digests: &[String]) {
        if digests.is_empty() {
            return;
        }
        let selected = self.selected_mut();
        if !selected.iter().any(|s| std::ptr::eq(s.control, control)) {
            selected.push(Selected::new(control, PssVersion::Latest));
        }
        for s in selected
            .iter_mut()
            .filter(|s| std::ptr::eq(s.control, control))
        {
            let mut list = s.params.list(ALLOWED_DIGESTS.name).to_vec();
            for digest in digests {
                if !list.contains(digest) {
                    list.push(digest.clone());
                }
            }
            // The control declares this parameter; setting it cannot fail.
            let _ = s.params.set(control, ALLOWED_DIGESTS.name, list);
        }
    }
}

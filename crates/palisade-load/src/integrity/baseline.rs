//! A baseline: what a profile covered on one host when it was taken, and
//! the changes approved since (each with who, why and until when). Its
//! digest is the SHA-256 of its canonical JSON (structs only, fields in a
//! fixed order, records sorted by path), so the same content has one
//! digest however the file was formatted; the audit log anchors it.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::capture::FileRecord;
use super::profile::{Profile, ProfileError, hex};

/// The `format` of the baselines this version writes and reads.
pub const FORMAT: &str = "palisade.dev/fim-baseline/v1";

/// Largest baseline file read (a million records fit well within it).
pub const MAX_BASELINE_BYTES: u64 = 1024 * 1024 * 1024;

/// A baseline, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Baseline {
    pub format: String,
    /// The host's name (its `/etc/hostname`, else the root folder).
    pub host: String,
    /// The root folder it was taken under.
    pub root: String,
    pub profile: ProfileRecord,
    /// When it was taken (RFC 3339, UTC).
    pub taken_at: String,
    pub palisade_version: String,
    /// Every covered path, sorted.
    pub files: Vec<FileRecord>,
    /// Changes accepted as exceptions since (`palisade fim accept
    /// --until`): the state each path may have instead.
    #[serde(default)]
    pub approvals: Vec<Approval>,
}

/// The profile a baseline was taken with, whole: a compare reads the same
/// paths whatever the profiles of the running version say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProfileRecord {
    pub name: String,
    pub digest: String,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub expected_to_change: Vec<String>,
    pub max_file_bytes: u64,
}

impl ProfileRecord {
    pub fn of(profile: &Profile) -> ProfileRecord {
        ProfileRecord {
            name: profile.name.clone(),
            digest: profile.digest(),
            include: profile.include.clone(),
            exclude: profile.exclude.clone(),
            expected_to_change: profile.expected_to_change.clone(),
            max_file_bytes: profile.max_file_bytes,
        }
    }

    /// The profile again, checked against its digest.
    pub fn profile(&self) -> Result<Profile, ProfileError> {
        let profile = Profile::from_parts(
            &self.name,
            self.include.clone(),
            self.exclude.clone(),
            self.expected_to_change.clone(),
            self.max_file_bytes,
        )?;
        if profile.digest() != self.digest {
            return Err(ProfileError::new(format!(
                "profile {}: its patterns do not match its digest {}",
                self.name, self.digest
            )));
        }
        Ok(profile)
    }
}

/// A change accepted for a while: `path` may be in `state` (none: absent)
/// until the end of `expires`, instead of as the baseline has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Approval {
    pub path: String,
    pub state: Option<FileRecord>,
    /// Who answers for it.
    pub owner: String,
    pub reason: String,
    pub ticket: Option<String>,
    /// The last day it applies (`YYYY-MM-DD`, UTC).
    pub expires: String,
    /// Who ran the approval (the user the command ran as, or `--by`).
    pub approved_by: String,
    pub approved_at: String,
}

/// A baseline written beside its place, not yet renamed into it.
pub struct Staged {
    file: tempfile::NamedTempFile,
    path: std::path::PathBuf,
}

impl Staged {
    /// Renames it into place.
    pub fn commit(self) -> Result<(), BaselineError> {
        let shown = self.path.display().to_string();
        self.file
            .persist(&self.path)
            .map(|_| ())
            .map_err(|e| BaselineError(format!("{shown}: cannot write: {}", e.error)))
    }
}

/// Why a baseline cannot be read or written.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BaselineError(pub String);

impl Baseline {
    /// The canonical bytes the digest covers.
    pub fn canonical_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// `sha256:<hex>` of the canonical JSON.
    pub fn digest(&self) -> String {
        format!("sha256:{}", hex(&Sha256::digest(self.canonical_json())))
    }

    /// Reads a baseline file: at most [`MAX_BASELINE_BYTES`], of this
    /// format, with its records sorted and unique.
    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let shown = path.display();
        let meta = std::fs::metadata(path)
            .map_err(|e| BaselineError(format!("{shown}: cannot read the baseline: {e}")))?;
        if meta.len() > MAX_BASELINE_BYTES {
            return Err(BaselineError(format!(
                "{shown}: larger than {MAX_BASELINE_BYTES} bytes: not a baseline Palisade wrote"
            )));
        }
        let text = std::fs::read(path)
            .map_err(|e| BaselineError(format!("{shown}: cannot read the baseline: {e}")))?;
        let baseline: Baseline = serde_json::from_slice(&text).map_err(|e| {
            BaselineError(format!(
                "{shown}:{}:{}: not a baseline: {e}",
                e.line(),
                e.column()
            ))
        })?;
        if baseline.format != FORMAT {
            return Err(BaselineError(format!(
                "{shown}: format {:?}, not {FORMAT}",
                baseline.format
            )));
        }
        if baseline.files.windows(2).any(|w| match w {
            [a, b] => a.path >= b.path,
            _ => false,
        }) {
            return Err(BaselineError(format!(
                "{shown}: its files are not sorted by path, or one is listed twice: not as Palisade wrote it"
            )));
        }
        Ok(baseline)
    }

    /// Writes the baseline (pretty JSON, mode 0600) beside `path` and
    /// renames it into place, so a reader never sees half of one.
    pub fn write(&self, path: &Path) -> Result<(), BaselineError> {
        self.stage(path)?.commit()
    }

    /// Writes the baseline beside `path`, to be renamed into place by
    /// [`Staged::commit`] once its anchor is recorded (dropped, it is
    /// removed and `path` keeps what it had).
    pub fn stage(&self, path: &Path) -> Result<Staged, BaselineError> {
        let shown = path.display();
        let fail = |e: std::io::Error| BaselineError(format!("{shown}: cannot write: {e}"));
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let mut file = tempfile::Builder::new()
            .prefix(".palisade-baseline")
            .tempfile_in(dir)
            .map_err(fail)?;
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| BaselineError(format!("{shown}: cannot write: {e}")))?;
        file.write_all(&json).map_err(fail)?;
        file.write_all(b"\n").map_err(fail)?;
        file.as_file().sync_all().map_err(fail)?;
        Ok(Staged {
            file,
            path: path.to_path_buf(),
        })
    }

    /// The approval in force for `path` on `today` (`YYYY-MM-DD`) whose
    /// state is `now`, if any.
    pub fn approval_for(
        &self,
        path: &str,
        now: Option<&FileRecord>,
        today: &str,
    ) -> Option<&Approval> {
        self.approvals.iter().rev().find(|a| {
            a.path == path
                && a.expires.as_str() >= today
                && match (&a.state, now) {
                    (None, None) => true,
                    (Some(approved), Some(now)) => super::compare::same_state(approved, now),
                    _ => false,
                }
        })
    }
}

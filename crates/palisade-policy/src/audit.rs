//! `audit:` in `palisade.yaml`: where the audit log is, for `palisade
//! serve`, `scan --record` and `palisade audit`, as their flags and
//! environment variables say it (which win over the file).
//!
//! ```yaml
//! audit:
//!   db: postgres://palisade@db.internal/palisade   # or sqlite://palisade-audit.db
//!   chain: webhook-a                               # serve: this replica's chain
//!   key: /etc/palisade/audit-key.pem               # serve: signs checkpoints
//!   checkpoint-interval: 300                       # seconds
//!   enabled: true                                  # false: serve as with --no-audit
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::config::{Config, ConfigError};

/// `audit:` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct AuditConfig {
    db: Option<Spanned<String>>,
    chain: Option<String>,
    key: Option<PathBuf>,
    checkpoint_interval: Option<Spanned<u64>>,
    #[serde(default, deserialize_with = "crate::strict_bool::optional")]
    enabled: Option<bool>,
}

/// The audit settings of the configuration, checked; relative paths (a
/// SQLite file, the key) resolved against the configuration's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSettings {
    /// The database URL.
    pub db: Option<String>,
    /// The chain `palisade serve` writes.
    pub chain: Option<String>,
    /// The checkpoint signing key.
    pub key: Option<PathBuf>,
    /// How often `palisade serve` signs a checkpoint.
    pub checkpoint_interval: Option<Duration>,
    /// `false`: `palisade serve` does not record (as `--no-audit`).
    pub enabled: bool,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            db: None,
            chain: None,
            key: None,
            checkpoint_interval: None,
            enabled: true,
        }
    }
}

/// A SQLite path relative to `dir`; other URLs as they are.
fn resolve_db(url: &str, dir: &Path) -> String {
    match url.strip_prefix("sqlite://") {
        Some(path) if !path.starts_with('/') && !path.is_empty() && !dir.as_os_str().is_empty() => {
            format!("sqlite://{}", dir.join(path).display())
        }
        _ => url.to_owned(),
    }
}

impl Config {
    /// The `audit:` settings, checked: the database must be a `sqlite://`
    /// or `postgres://` URL and the checkpoint interval at least a second;
    /// a mistake names its line and column.
    ///
    /// ```
    /// use palisade_policy::Config;
    /// let config = Config::parse("p.yaml", "audit:\n  db: postgres://db/palisade\n  chain: a\n").unwrap();
    /// let audit = config.audit().unwrap();
    /// assert_eq!(audit.db.as_deref(), Some("postgres://db/palisade"));
    /// assert_eq!(audit.chain.as_deref(), Some("a"));
    /// let bad = Config::parse("p.yaml", "audit:\n  db: mysql://db\n").unwrap();
    /// assert!(bad.audit().unwrap_err().to_string().starts_with("p.yaml:2:"));
    /// ```
    pub fn audit(&self) -> Result<AuditSettings, ConfigError> {
        let mut settings = AuditSettings::default();
        let Some(raw) = &self.audit else {
            return Ok(settings);
        };
        if let Some(db) = &raw.db {
            let known = ["sqlite://", "postgres://", "postgresql://"];
            if !known.iter().any(|scheme| db.value.starts_with(scheme)) {
                return Err(ConfigError(format!(
                    "{}: audit: db: expected a sqlite:// or postgres:// URL",
                    self.at(db)
                )));
            }
            settings.db = Some(resolve_db(&db.value, self.dir()));
        }
        settings.chain = raw.chain.clone().filter(|c| !c.is_empty());
        settings.key = raw.key.as_ref().map(|k| self.dir().join(k));
        if let Some(interval) = &raw.checkpoint_interval {
            if interval.value == 0 {
                return Err(ConfigError(format!(
                    "{}: audit: checkpoint-interval: at least 1 (seconds)",
                    self.at(interval)
                )));
            }
            settings.checkpoint_interval = Some(Duration::from_secs(interval.value));
        }
        settings.enabled = raw.enabled.unwrap_or(true);
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_means_defaults() {
        let config = Config::parse("p.yaml", "frameworks: []\n").unwrap_or_default();
        assert_eq!(config.audit().ok(), Some(AuditSettings::default()));
    }

    #[test]
    fn every_field_and_its_errors() {
        let config = Config::parse(
            "p.yaml",
            "audit:\n  db: sqlite:///var/lib/palisade/audit.db\n  key: /etc/key.pem\n  checkpoint-interval: 60\n  enabled: false\n",
        )
        .unwrap_or_default();
        let audit = config.audit().unwrap_or_default();
        assert_eq!(
            audit.db.as_deref(),
            Some("sqlite:///var/lib/palisade/audit.db")
        );
        assert_eq!(audit.key, Some(PathBuf::from("/etc/key.pem")));
        assert_eq!(audit.checkpoint_interval, Some(Duration::from_secs(60)));
        assert!(!audit.enabled);
        for (text, message) in [
            ("audit:\n  checkpoint-interval: 0\n", "p.yaml:2:"),
            (
                "audit:\n  db: file.db\n",
                "expected a sqlite:// or postgres:// URL",
            ),
        ] {
            let error = Config::parse("p.yaml", text)
                .unwrap_or_default()
                .audit()
                .map(|_| ())
                .unwrap_err()
                .to_string();
            assert!(error.contains(message), "{error}");
        }
        assert!(Config::parse("p.yaml", "audit:\n  database: x\n").is_err());
    }

    #[test]
    fn a_relative_sqlite_file_is_next_to_the_configuration() {
        assert_eq!(
            resolve_db("sqlite://audit.db", Path::new("/etc/palisade")),
            "sqlite:///etc/palisade/audit.db"
        );
        assert_eq!(
            resolve_db("sqlite:///a.db", Path::new("/x")),
            "sqlite:///a.db"
        );
        assert_eq!(
            resolve_db("sqlite://audit.db", Path::new("")),
            "sqlite://audit.db"
        );
        assert_eq!(
            resolve_db("postgres://h/db", Path::new("/x")),
            "postgres://h/db"
        );
    }
}

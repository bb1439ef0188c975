//! `palisade audit ...`: verify, checkpoint, keygen, prune, query, export and
//! verify-bundle over `palisade-audit`. This module only parses options,
//! runs the library on a small tokio runtime and prints.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Write};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use palisade_audit::bundle::{self, BundleReport};
use palisade_audit::retention::{self, Keep};
use palisade_audit::verify::VerifyReport;
use palisade_audit::{
    AnyStore, Checkpoint, Entry, Filter, Reader, Store, Timestamp, VerifyOptions, keys,
};
use palisade_policy::AuditSettings;

use crate::cli::{
    AuditCheckpointArgs, AuditDbArgs, AuditExportArgs, AuditKeygenArgs, AuditPruneArgs,
    AuditQueryArgs, AuditQueryFormat, AuditReportFormat, AuditTokenArgs, AuditVerifyArgs,
    AuditVerifyBundleArgs,
};
use crate::commands::scan::load_config;

/// The audit log's URL: `--audit-db` (or `PALISADE_AUDIT_DB`), else
/// `audit.db` of the configuration's `audit:` settings (given, or read from
/// `PALISADE_CONFIG`, else `palisade.yaml` in the working directory, only
/// when the flag is absent), else [`AuditDbArgs::DEFAULT`]. The one place
/// that order is written, for `serve`, `scan --record` and `palisade audit`.
pub fn db_url(args: &AuditDbArgs, settings: Option<&AuditSettings>) -> Result<String> {
    if let Some(url) = &args.audit_db {
        return Ok(url.clone());
    }
    let from_file = match settings {
        Some(settings) => settings.db.clone(),
        None => {
            let path = std::env::var_os("PALISADE_CONFIG").map(std::path::PathBuf::from);
            load_config(path.as_deref())?.audit()?.db
        }
    };
    Ok(from_file.unwrap_or_else(|| AuditDbArgs::DEFAULT.to_owned()))
}

/// A runtime for one command: the store's work is I/O bound and short.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Opens an existing log: every `palisade audit` command reads or extends
/// a log that `scan --record` or the webhook created.
async fn open(url: &str) -> Result<AnyStore> {
    AnyStore::open_existing(url)
        .await
        .with_context(|| format!("cannot open the audit log {url}"))
}

pub fn verify(args: &AuditVerifyArgs) -> Result<ExitCode> {
    let public_key = args
        .public_key
        .as_deref()
        .map(keys::read_verifying_key)
        .transpose()?;
    let mut extra = Vec::new();
    for path in &args.checkpoint {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            extra.push(
                Checkpoint::from_json(line)
                    .with_context(|| format!("{}:{}: not a checkpoint", path.display(), n + 1))?,
            );
        }
    }
    let options = VerifyOptions {
        public_key,
        extra_checkpoints: extra,
        max_problems_per_chain: 100,
    };
    let report = runtime()?.block_on(async {
        let store = open(&db_url(&args.db, None)?).await?;
        Ok::<_, anyhow::Error>(palisade_audit::verify(&store, &options).await?)
    })?;
    let mut out = std::io::stdout().lock();
    match args.format {
        AuditReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        AuditReportFormat::Text => {
            write_verify_text(&mut out, &report, options.public_key.is_some())?
        }
    }
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn write_verify_text(out: &mut impl Write, report: &VerifyReport, keyed: bool) -> Result<()> {
    let mut events = 0;
    for c in &report.chains {
        events += c.events;
        let range = match (c.first_seq, c.last_seq) {
            (Some(a), Some(b)) => format!("#{a}..#{b}"),
            _ => "no events".to_owned(),
        };
        write!(out, "chain {}: {range} ({} events)", c.chain, c.events)?;
        if let Some(p) = c.pruned_through {
            write!(out, ", #1..#{p} pruned")?;
        }
        write!(
            out,
            ", {} checkpoints ({} signed and valid, {} unchecked, {} unsigned)",
            c.checkpoints, c.signed_valid, c.signatures_unchecked, c.unsigned
        )?;
        writeln!(out)?;
        if let (Some(last), Some(cp)) = (c.last_seq, c.latest_checkpoint_seq)
            && last > cp
        {
            writeln!(
                out,
                "  note: #{}..#{last} come after the latest checkpoint; a cut there would go unnoticed until the next one",
                cp + 1
            )?;
        } else if c.latest_checkpoint_seq.is_none() && c.events > 0 {
            writeln!(
                out,
                "  note: no checkpoint: removing the newest events would go unnoticed (palisade audit checkpoint --sign KEY)"
            )?;
        }
    }
    if !keyed && report.chains.iter().any(|c| c.signatures_unchecked > 0) {
        writeln!(
            out,
            "note: checkpoint signatures not checked: pass --public-key"
        )?;
    }
    if report.is_ok() {
        writeln!(
            out,
            "ok: {} chains, {events} events, no tampering found",
            report.chains.len()
        )?;
    } else {
        writeln!(out, "FAILED: {} problems", report.problems.len())?;
        for p in &report.problems {
            writeln!(out, "  {p}")?;
        }
    }
    Ok(())
}

pub fn checkpoint(args: &AuditCheckpointArgs) -> Result<ExitCode> {
    let key = keys::read_signing_key(&args.sign)?;
    let written = runtime()?.block_on(async {
        let store = open(&db_url(&args.db, None)?).await?;
        let now = Timestamp::now();
        let mut written = Vec::new();
        for head in store.chains().await? {
            let cp = Checkpoint::head(&head, now, Some(&key));
            store.add_checkpoint(&cp).await?;
            written.push(cp);
        }
        Ok::<_, anyhow::Error>(written)
    })?;
    if let Some(path) = &args.out {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        for cp in &written {
            writeln!(file, "{}", cp.to_json()?)?;
        }
        file.sync_all()?;
    }
    for cp in &written {
        println!(
            "checkpoint {}#{} {} signed by {}",
            cp.body.chain,
            cp.body.seq,
            cp.body.hash,
            cp.key_id.as_deref().unwrap_or("-")
        );
    }
    if written.is_empty() {
        println!("the audit log has no chain yet: nothing to checkpoint");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn keygen(args: &AuditKeygenArgs) -> Result<ExitCode> {
    let private_path = args.out.with_extension("key");
    let public_path = args.out.with_extension("pub");
    for path in [&private_path, &public_path] {
        if path.exists() {
            bail!("{} exists: not overwriting a key", path.display());
        }
    }
    let (private, public) = keys::generate()?;
    write_private(&private_path, &private)?;
    std::fs::write(&public_path, public)
        .with_context(|| format!("cannot write {}", public_path.display()))?;
    let id = keys::key_id(&keys::read_verifying_key(&public_path)?);
    println!(
        "wrote {} (private, keep it secret) and {} (public), key ID {id}",
        private_path.display(),
        public_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, pem: &str) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(pem.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, pem: &str) -> Result<()> {
    std::fs::write(path, pem).with_context(|| format!("cannot write {}", path.display()))
}

pub fn prune(args: &AuditPruneArgs) -> Result<ExitCode> {
    let key = keys::read_signing_key(&args.sign)?;
    let keep = match (args.keep_days, args.keep) {
        (Some(days), _) => Keep::Days(days),
        (None, Some(n)) => Keep::Last(n),
        (None, None) => bail!("give --keep-days N or --keep N"),
    };
    let pruned = runtime()?.block_on(async {
        let store = open(&db_url(&args.db, None)?).await?;
        Ok::<_, anyhow::Error>(retention::prune(&store, keep, &key, Timestamp::now()).await?)
    })?;
    if pruned.is_empty() {
        println!("nothing to prune");
    }
    for p in pruned {
        println!(
            "chain {}: deleted #{}..#{} ({} events), summarised by a signed prune checkpoint",
            p.chain, p.from_seq, p.to_seq, p.deleted
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn time_arg(text: Option<&str>, now: Timestamp) -> Result<Option<Timestamp>> {
    text.map(|t| Timestamp::parse_human(t, now).map_err(anyhow::Error::msg))
        .transpose()
}

pub fn query(args: &AuditQueryArgs) -> Result<ExitCode> {
    let now = Timestamp::now();
    let filter = Filter {
        since: time_arg(args.since.as_deref(), now)?,
        until: time_arg(args.until.as_deref(), now)?,
        namespace: args.namespace.clone(),
        namespaces: None,
        kind: args.kind.clone(),
        name: args.name.clone(),
        control: args.control.clone(),
        decision: args
            .decision
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(anyhow::Error::msg)?,
        user: args.user.clone(),
        source: args
            .source
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(anyhow::Error::msg)?,
        chain: args.chain.clone(),
        after: None,
        limit: args.limit,
        offset: 0,
    };
    let entries = runtime()?.block_on(async {
        let reader = Reader::new(open(&db_url(&args.db, None)?).await?);
        Ok::<_, anyhow::Error>(reader.query(&filter).await?)
    })?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    match args.format {
        AuditQueryFormat::Text => write_text(&mut out, &entries)?,
        AuditQueryFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &entries)?;
            writeln!(out)?;
        }
        AuditQueryFormat::Csv => write_csv(&mut out, &entries)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn resource_name(e: &Entry) -> String {
    let r = &e.event.resource;
    let mut name = r.kind.clone();
    if let Some(ns) = &r.namespace {
        name.push('/');
        name.push_str(ns);
    }
    name.push('/');
    name.push_str(r.name.as_deref().unwrap_or("<unnamed>"));
    name
}

fn who(e: &Entry) -> String {
    use palisade_audit::Source;
    match &e.event.source {
        Source::Admission {
            user, operation, ..
        } => format!("admission {operation} by {user}"),
        Source::Scan { file } => format!("scan of {file}"),
        Source::Api { user, request, .. } => format!("api {request} by {user}"),
    }
}

fn write_text(out: &mut impl Write, entries: &[Entry]) -> Result<()> {
    for e in entries {
        writeln!(
            out,
            "{}  {:<8} {}  {}  [{}#{}]",
            e.event.time,
            e.event.decision.as_str(),
            resource_name(e),
            who(e),
            e.chain,
            e.seq
        )?;
        for f in &e.event.findings {
            write!(
                out,
                "    {:<8} {}  {}",
                f.severity.as_str(),
                f.control,
                f.message
            )?;
            if let Some(w) = &f.waiver {
                write!(out, "  (waived: {}", w.justification)?;
                if let Some(owner) = &w.owner {
                    write!(out, "; owner {owner}")?;
                }
                if let Some(expires) = &w.expires {
                    write!(out, "; until {expires}")?;
                }
                write!(out, ")")?;
            }
            writeln!(out)?;
        }
    }
    writeln!(out, "{} events", entries.len())?;
    Ok(())
}

/// RFC 4180: quote a field holding a comma, quote or line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn write_csv(out: &mut impl Write, entries: &[Entry]) -> Result<()> {
    writeln!(
        out,
        "time,chain,seq,source,user,operation,api_version,kind,namespace,name,decision,controls,findings,waived,policy_version,palisade_version,hash"
    )?;
    for e in entries {
        let ev = &e.event;
        let mut controls: Vec<&str> = ev.findings.iter().map(|f| f.control.as_str()).collect();
        controls.sort_unstable();
        controls.dedup();
        let waived = ev.findings.iter().filter(|f| f.waiver.is_some()).count();
        let fields = [
            ev.time.to_string(),
            e.chain.clone(),
            e.seq.to_string(),
            ev.source.kind().as_str().to_owned(),
            ev.source.user().unwrap_or_default().to_owned(),
            ev.source.operation().unwrap_or_default().to_owned(),
            ev.resource.api_version.clone(),
            ev.resource.kind.clone(),
            ev.resource.namespace.clone().unwrap_or_default(),
            ev.resource.name.clone().unwrap_or_default(),
            ev.decision.as_str().to_owned(),
            controls.join(" "),
            ev.findings.len().to_string(),
            waived.to_string(),
            ev.policy_version.clone(),
            ev.palisade_version.clone(),
            e.hash.clone(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}

pub fn export(args: &AuditExportArgs) -> Result<ExitCode> {
    let key = keys::read_signing_key(&args.sign)?;
    let now = Timestamp::now();
    let since = time_arg(args.since.as_deref(), now)?;
    let until = time_arg(args.until.as_deref(), now)?;
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let summary = runtime()?.block_on(async {
        let store = open(&db_url(&args.db, None)?).await?;
        Ok::<_, anyhow::Error>(
            bundle::export(&store, since, until, &key, env!("CARGO_PKG_VERSION"), out).await?,
        )
    })?;
    let events: u64 = summary.chains.iter().map(|c| c.events).sum();
    eprintln!(
        "exported {events} events from {} chains and {} checkpoints, signed by {}",
        summary.chains.len(),
        summary.checkpoints,
        keys::key_id(&key.verifying_key())
    );
    Ok(ExitCode::SUCCESS)
}

pub fn verify_bundle(args: &AuditVerifyBundleArgs) -> Result<ExitCode> {
    let key = keys::read_verifying_key(&args.public_key)?;
    let file = File::open(&args.bundle)
        .with_context(|| format!("cannot read {}", args.bundle.display()))?;
    let report = bundle::verify_bundle(BufReader::new(file), &key)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        AuditReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        AuditReportFormat::Text => write_bundle_text(&mut out, &report)?,
    }
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn write_bundle_text(out: &mut impl Write, report: &BundleReport) -> Result<()> {
    for c in &report.chains {
        writeln!(
            out,
            "chain {}: #{}..#{} ({} events), last hash {}",
            c.chain, c.first_seq, c.last_seq, c.events, c.last_hash
        )?;
    }
    if report.is_ok() {
        writeln!(
            out,
            "ok: {} events and {} checkpoints, signed by key {}",
            report.events,
            report.checkpoints,
            report.key_id.as_deref().unwrap_or("-")
        )?;
    } else {
        writeln!(out, "FAILED: {} problems", report.problems.len())?;
        for p in &report.problems {
            writeln!(out, "  {p}")?;
        }
    }
    Ok(())
}

/// Prints a new token on stdout (for a script to capture) and the
/// configuration entry with its hash on stderr: only the hash is stored.
pub fn token(args: &AuditTokenArgs) -> Result<ExitCode> {
    let token = palisade_audit::access::generate_token()?;
    let hash = palisade_audit::access::hash_token(&token);
    let namespaces = if args.namespaces.is_empty() {
        String::new()
    } else {
        format!(", namespaces: [{}]", args.namespaces.join(", "))
    };
    println!("{token}");
    eprintln!(
        "add under `api: tokens:` in palisade.yaml (the token itself is not stored; keep it now):\n  - {{name: {}, role: {}, sha256: \"{hash}\"{namespaces}}}",
        args.name, args.role
    );
    Ok(ExitCode::SUCCESS)
}

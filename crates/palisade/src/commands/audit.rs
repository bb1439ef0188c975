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
    AnyStore, Checkpoint, Entry, Filter, PinnedKeys, Reader, Store, Timestamp, VerifyOptions, keys,
    redact_url,
};
use palisade_policy::AuditSettings;

use crate::cli::{
    AuditCheckpointArgs, AuditDbArgs, AuditExportArgs, AuditKeyArgs, AuditKeygenArgs,
    AuditPruneArgs, AuditQueryArgs, AuditQueryFormat, AuditReportFormat, AuditTokenArgs,
    AuditVerifyArgs, AuditVerifyBundleArgs,
};

/// The audit log's URL: `--audit-db` (or `PALISADE_AUDIT_DB`), else
/// `audit.db` of the configuration's `audit:` settings (given, or read from
/// `PALISADE_CONFIG`, else `palisade.yaml` in the working directory, only
/// when the flag is absent), else [`default_db_url`]. The one place that
/// order is written, for `serve`, `scan --record` and `palisade audit`.
pub fn db_url(args: &AuditDbArgs, settings: Option<&AuditSettings>) -> Result<String> {
    if let Some(url) = &args.audit_db {
        return Ok(url.clone());
    }
    let from_file = match settings {
        Some(settings) => settings.db.clone(),
        None => super::discover(None)?.config.audit()?.db,
    };
    match from_file {
        Some(url) => Ok(url),
        None => default_db_url(),
    }
}

/// Where the log is when neither the flag nor the configuration says: the
/// user's state folder, `$XDG_STATE_HOME/palisade/audit.db`, else
/// `~/.local/state/palisade/audit.db`. Never the working directory, which
/// is often a repository whose next commit would carry the evidence (and
/// whose checkout would lose it); refused when that folder is itself inside
/// a repository. The container image and `palisade install` name
/// `sqlite:///var/lib/palisade/audit.db` through `PALISADE_AUDIT_DB`.
pub fn default_db_url() -> Result<String> {
    let absolute = |name: &str| {
        std::env::var_os(name)
            .map(std::path::PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    let Some(state) = absolute("XDG_STATE_HOME")
        .or_else(|| absolute("HOME").map(|home| home.join(".local").join("state")))
    else {
        bail!(
            "no place for the audit log: neither XDG_STATE_HOME nor HOME is set; name one with --audit-db (PALISADE_AUDIT_DB) or audit.db in palisade.yaml"
        );
    };
    let path = state.join("palisade").join("audit.db");
    if let Some(repository) = path.ancestors().skip(1).find(|a| a.join(".git").exists()) {
        bail!(
            "the default audit log {} would be inside the repository {}; name its place with --audit-db (PALISADE_AUDIT_DB) or audit.db in palisade.yaml",
            path.display(),
            repository.display()
        );
    }
    Ok(format!("sqlite://{}", path.display()))
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
        .with_context(|| format!("cannot open the audit log {}", redact_url(url)))
}

/// The pinned public keys of `--public-key` and `--retention-public-key`.
fn pinned_keys(args: &AuditKeyArgs) -> Result<PinnedKeys> {
    let read = |paths: &[std::path::PathBuf]| {
        paths
            .iter()
            .map(|p| keys::read_verifying_key(p))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(PinnedKeys {
        checkpoint: read(&args.public_key)?,
        retention: read(&args.retention_public_key)?,
    })
}

/// Checkpoints kept outside the database: lines of `checkpoint --out`, or
/// the checkpoint lines of an evidence bundle (its other lines skipped).
fn external_checkpoints(paths: &[std::path::PathBuf]) -> Result<Vec<Checkpoint>> {
    let mut found = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let at = || format!("{}:{}: not a checkpoint", path.display(), n + 1);
            let value: serde_json::Value = serde_json::from_str(line).with_context(at)?;
            match value.get("type").and_then(|t| t.as_str()) {
                Some("checkpoint") => found.push(
                    serde_json::from_value(value.get("checkpoint").cloned().unwrap_or_default())
                        .with_context(at)?,
                ),
                // The rest of an evidence bundle.
                Some("header" | "event" | "proof" | "signature") => {}
                _ => found.push(serde_json::from_value(value).with_context(at)?),
            }
        }
    }
    Ok(found)
}

pub fn verify(args: &AuditVerifyArgs) -> Result<ExitCode> {
    let min_retention_ms = args
        .min_retention
        .as_deref()
        .map(Timestamp::parse_duration)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let options = VerifyOptions {
        keys: pinned_keys(&args.keys)?,
        extra_checkpoints: external_checkpoints(&args.checkpoint)?,
        require_external: args.require_checkpoint,
        min_retention_ms,
        max_problems_per_chain: 100,
    };
    let (report, baselines) = runtime()?.block_on(async {
        let store = open(&db_url(&args.db, None)?).await?;
        let report = palisade_audit::verify(&store, &options).await?;
        let reader = palisade_audit::Reader::new(store);
        let mut baselines = Vec::new();
        for file in &args.fim_baseline {
            baselines.push(check_baseline(&reader, file).await);
        }
        Ok::<_, anyhow::Error>((report, baselines))
    })?;
    let mut out = std::io::stdout().lock();
    match args.format {
        AuditReportFormat::Json if baselines.is_empty() => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        AuditReportFormat::Json => {
            let checked: Vec<serde_json::Value> = baselines
                .iter()
                .map(|b| serde_json::json!({"file": b.file, "anchor": b.anchor, "problem": b.problem}))
                .collect();
            let both = serde_json::json!({"log": report, "fimBaselines": checked});
            serde_json::to_writer_pretty(&mut out, &both)?;
            writeln!(out)?;
        }
        AuditReportFormat::Text => {
            write_verify_text(&mut out, &report, &options)?;
            for b in &baselines {
                match &b.problem {
                    None => writeln!(out, "ok: fim baseline {}: anchored as {}", b.file, b.anchor)?,
                    Some(p) => writeln!(out, "PROBLEM: fim baseline {}: {p}", b.file)?,
                }
            }
        }
    }
    Ok(
        if report.is_ok() && baselines.iter().all(|b| b.problem.is_none()) {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        },
    )
}

/// What `verify --fim-baseline` found of one baseline file.
struct BaselineCheck {
    file: String,
    /// `chain#seq` of the event that anchors it.
    anchor: String,
    problem: Option<String>,
}

async fn check_baseline(
    reader: &palisade_audit::Reader<AnyStore>,
    file: &std::path::Path,
) -> BaselineCheck {
    let mut check = BaselineCheck {
        file: file.display().to_string(),
        anchor: String::new(),
        problem: None,
    };
    let baseline = match palisade_load::integrity::Baseline::read(file) {
        Ok(baseline) => baseline,
        Err(e) => {
            check.problem = Some(e.to_string());
            return check;
        }
    };
    let digest = baseline.digest();
    match reader.integrity_anchor(&baseline.host).await {
        Err(e) => check.problem = Some(format!("cannot read the log: {e}")),
        Ok(None) => {
            check.problem = Some(format!(
                "no baseline of {} is anchored in the log",
                baseline.host
            ));
        }
        Ok(Some(anchor)) => {
            check.anchor = format!("{}#{}", anchor.chain, anchor.seq);
            let anchored = match &anchor.event.source {
                palisade_audit::Source::Node { baseline, .. } => baseline.as_str(),
                _ => "",
            };
            if anchored != digest {
                check.problem = Some(format!(
                    "its digest {digest} is not the one the log anchored last for {} ({anchored}, {}): replaced or edited outside Palisade",
                    baseline.host, check.anchor
                ));
            }
        }
    }
    check
}

fn write_verify_text(
    out: &mut impl Write,
    report: &VerifyReport,
    options: &VerifyOptions,
) -> Result<()> {
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
            ", {} checkpoints ({} signed and valid, {} unsigned, {} other key, {} unchecked; {} kept outside the database)",
            c.checkpoints,
            c.signed_valid,
            c.unsigned,
            c.other_key,
            c.signatures_unchecked,
            c.external
        )?;
        writeln!(out)?;
        if let (Some(seq), Some(time)) = (c.latest_external_seq, c.latest_external_time) {
            writeln!(
                out,
                "  proven: #..{seq} as checkpointed at {time}, by a signed checkpoint kept outside the database"
            )?;
        }
        if let (Some(last), Some(cp)) = (c.last_seq, c.latest_checkpoint_seq)
            && last > cp
        {
            writeln!(
                out,
                "  note: #{}..#{last} come after the latest checkpoint; a cut or rewrite there would go unnoticed until the next one",
                cp + 1
            )?;
        } else if c.latest_checkpoint_seq.is_none() && c.events > 0 {
            writeln!(
                out,
                "  note: no checkpoint: removing the newest events would go unnoticed (palisade audit checkpoint --sign KEY)"
            )?;
        }
        if c.listed == Some(false) {
            writeln!(
                out,
                "  note: not in the newest signed chain list: a chain begun since, or one slipped in (its events are dated after the list)"
            )?;
        }
    }
    for line in proof_scope(report, options) {
        writeln!(out, "{line}")?;
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

/// What this verification can and cannot prove, in the words of
/// docs/audit-verification.md, so an "ok" is never read as more than it is.
fn proof_scope(report: &VerifyReport, options: &VerifyOptions) -> Vec<String> {
    let mut lines = Vec::new();
    if !report.pinned {
        lines.push("proves: only that the log is consistent with itself; no key is pinned, so anyone who can write to the database could have rewritten it whole (pass --public-key and --retention-public-key)".to_owned());
        return lines;
    }
    lines.push(format!(
        "keys: {} checkpoint key(s), {} retention key(s) pinned; checkpoints signed by any other key, or unsigned, are problems",
        options.keys.checkpoint.len(),
        options.keys.retention.len()
    ));
    if options.extra_checkpoints.is_empty() {
        lines.push("proves: events up to each chain's latest checkpoint are as signed, as long as the database's checkpoints were not deleted; someone who can write to the database can delete them and rewrite the newest events (keep checkpoints elsewhere: checkpoint --out, then verify --checkpoint FILE)".to_owned());
    } else {
        lines.push("proves: events up to each checkpoint kept outside the database are exactly as signed then, even against someone who rewrote the database; later events are only protected by the chain".to_owned());
    }
    if let Some(ms) = options.min_retention_ms {
        lines.push(format!(
            "retention: no trusted prune deleted events younger than {}s at the time",
            ms / 1000
        ));
    }
    lines
}

pub fn checkpoint(args: &AuditCheckpointArgs) -> Result<ExitCode> {
    let key = keys::read_private_key(&args.sign)?;
    let written = runtime()?.block_on(async {
        let store = open(&db_url(&args.db, None)?).await?;
        let now = Timestamp::now();
        let mut written = Vec::new();
        let heads = store.chains().await?;
        // Each checkpoint also lists every chain, so a chain inserted
        // later with back-dated events is found.
        let names: Vec<String> = heads.iter().map(|h| h.chain.clone()).collect();
        for head in &heads {
            let cp = Checkpoint::head_listing(head, Some(names.clone()), now, Some(&key));
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
    let key = keys::read_private_key(&args.sign)?;
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
    for p in &pruned {
        println!(
            "chain {}: deleted #{}..#{} ({} events), summarised by a signed prune checkpoint",
            p.chain, p.from_seq, p.to_seq, p.deleted
        );
    }
    if !pruned.is_empty() {
        println!(
            "verify accepts these prunes with --retention-public-key for key {}",
            keys::key_id(&key.verifying_key())
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
        limit: args.limit,
        ..Filter::default()
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

/// `text` safe for a terminal: control characters (a newline that would
/// forge a whole line, an ANSI escape that hides text) and the bidi
/// overrides that reorder what is shown are written as `\u{..}` escapes.
/// Event fields come from requests, so every one goes through this.
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => shown.push_str("\\n"),
            '\r' => shown.push_str("\\r"),
            '\t' => shown.push_str("\\t"),
            c if unsafe_char(c) => shown.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => shown.push(c),
        }
    }
    std::borrow::Cow::Owned(shown)
}

fn resource_name(e: &Entry) -> String {
    let r = &e.event.resource;
    let mut name = printable(&r.kind).into_owned();
    if let Some(ns) = &r.namespace {
        name.push('/');
        name.push_str(&printable(ns));
    }
    name.push('/');
    name.push_str(&printable(r.name.as_deref().unwrap_or("<unnamed>")));
    name
}

fn who(e: &Entry) -> String {
    use palisade_audit::Source;
    match &e.event.source {
        Source::Admission {
            user, operation, ..
        } => format!("admission {} by {}", printable(operation), printable(user)),
        Source::Scan { file } => format!("scan of {}", printable(file)),
        Source::Node {
            action, host, user, ..
        } => format!(
            "{} on {} by {}",
            printable(action),
            printable(host),
            printable(user)
        ),
        Source::Api { user, request, .. } => {
            format!("api {} by {}", printable(request), printable(user))
        }
    }
}

/// Whether the event is an admission the API server only evaluated
/// (`dryRun`): nothing was created, and a reader must see so.
fn dry_run(e: &Entry) -> bool {
    matches!(
        e.event.source,
        palisade_audit::Source::Admission { dry_run: true, .. }
    )
}

fn write_text(out: &mut impl Write, entries: &[Entry]) -> Result<()> {
    for e in entries {
        let decision = if dry_run(e) {
            format!("{} (dry run)", e.event.decision.as_str())
        } else {
            e.event.decision.as_str().to_owned()
        };
        writeln!(
            out,
            "{}  {:<8} {}  {}  [{}#{}]",
            e.event.time,
            decision,
            resource_name(e),
            who(e),
            printable(&e.chain),
            e.seq
        )?;
        for f in &e.event.findings {
            write!(
                out,
                "    {:<8} {}  {}",
                f.severity.as_str(),
                printable(&f.control),
                printable(&f.message)
            )?;
            if let Some(w) = &f.waiver {
                write!(out, "  (waived: {}", printable(&w.justification))?;
                if let Some(owner) = &w.owner {
                    write!(out, "; owner {}", printable(owner))?;
                }
                if let Some(expires) = &w.expires {
                    write!(out, "; until {}", printable(expires))?;
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
        "time,chain,seq,source,user,operation,api_version,kind,namespace,name,decision,controls,findings,waived,policy_version,palisade_version,hash,dry_run"
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
            dry_run(e).to_string(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}

pub fn export(args: &AuditExportArgs) -> Result<ExitCode> {
    let key = keys::read_private_key(&args.sign)?;
    let mut pinned = pinned_keys(&args.keys)?;
    pinned.checkpoint.push(key.verifying_key());
    let verify_options = VerifyOptions {
        keys: pinned,
        max_problems_per_chain: 20,
        ..VerifyOptions::default()
    };
    let now = Timestamp::now();
    let since = time_arg(args.since.as_deref(), now)?;
    let until = time_arg(args.until.as_deref(), now)?;
    // Into memory first: a log that does not verify leaves no file behind.
    let mut bytes = Vec::new();
    let summary = runtime()?.block_on(async {
        let store = open(&db_url(&args.db, None)?).await?;
        Ok::<_, anyhow::Error>(
            bundle::export_verified(
                &store,
                &verify_options,
                since,
                until,
                &key,
                env!("CARGO_PKG_VERSION"),
                &mut bytes,
            )
            .await?,
        )
    })?;
    match &args.output {
        Some(path) => std::fs::write(path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)?;
            out.flush()?;
        }
    }
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
    let keys = pinned_keys(&args.keys)?;
    if !keys.is_pinned() {
        bail!(
            "give the signer's key: --public-key FILE (and --retention-public-key FILE for pruned logs)"
        );
    }
    let file = File::open(&args.bundle)
        .with_context(|| format!("cannot read {}", args.bundle.display()))?;
    let report = bundle::verify_bundle(BufReader::new(file), &keys)?;
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
        let anchor = report
            .anchors
            .iter()
            .find(|a| a.chain == c.chain)
            .map(|a| match a.anchor {
                bundle::Anchor::Genesis => "starts at the chain's first event",
                bundle::Anchor::SignedCheckpoint => "anchored by a signed checkpoint",
                bundle::Anchor::None => "starts mid-chain, not anchored",
            })
            .unwrap_or("no events");
        writeln!(
            out,
            "chain {}: #{}..#{} ({} events), last hash {}, {anchor}",
            c.chain, c.first_seq, c.last_seq, c.events, c.last_hash
        )?;
    }
    writeln!(
        out,
        "checkpoints: {} signed and valid, {} unsigned, {} other key",
        report.checkpoints_valid, report.checkpoints_unsigned, report.checkpoints_other_key
    )?;
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
    // A token for a role nobody declared would be refused by `serve` at
    // its next start: say so now, before a secret is handed out.
    const PREDEFINED: [&str; 3] = ["admin", "auditor", "developer"];
    if !PREDEFINED.contains(&args.role.as_str()) {
        let declared = super::discover(args.config.as_deref())?.config.api()?.roles;
        if !declared.contains_key(&args.role) {
            let custom: Vec<&str> = declared.keys().map(String::as_str).collect();
            anyhow::bail!(
                "unknown role `{}`: admin, auditor, developer{}{}",
                args.role,
                if custom.is_empty() {
                    ""
                } else {
                    ", or one under api.roles: "
                },
                custom.join(", ")
            );
        }
    }
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

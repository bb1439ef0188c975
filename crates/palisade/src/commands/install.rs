//! `palisade install` (alias `palisade manifests`): prints the manifests
//! that run the webhook in a cluster, or with `--node` the node agent.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use palisade_policy::Config;
use palisade_server::install::node::NodeInstallOptions;
use palisade_server::install::{self, InstallOptions};

use crate::cli::InstallArgs;

pub fn run(args: &InstallArgs) -> Result<ExitCode> {
    if args.node {
        return node(args);
    }
    let (config_text, config) = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let config = Config::parse(&path.display().to_string(), &text)?;
            (text, config)
        }
        None => (
            install::DEFAULT_CONFIG.to_owned(),
            Config::parse("palisade.yaml", install::DEFAULT_CONFIG)?,
        ),
    };
    // Check the whole configuration now rather than in the cluster.
    let frameworks = config.frameworks(&[])?;
    config.policy(&frameworks, &[])?;
    let settings = config.admission()?;
    let options = InstallOptions {
        namespace: args
            .namespace
            .clone()
            .unwrap_or_else(|| "palisade".to_owned()),
        image: args.image.clone(),
        replicas: args.replicas,
        config_text,
        settings,
        cert_manager: args.cert_manager,
        timeout_seconds: args.timeout_seconds,
    };
    let yaml = install::render(&options)?;
    std::io::stdout().lock().write_all(yaml.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// `palisade install --node`: the node agent's manifests.
fn node(args: &InstallArgs) -> Result<ExitCode> {
    // Refuse an unknown framework here rather than in every pod's log.
    Config::parse("palisade.yaml", "")?.frameworks(&args.node_frameworks)?;
    let options = NodeInstallOptions {
        namespace: args
            .namespace
            .clone()
            .unwrap_or_else(|| "palisade-node".to_owned()),
        image: args.image.clone(),
        frameworks: args.node_frameworks.clone(),
        every_seconds: args.every,
        fim_every_seconds: args.fim_every,
        job_node: args.job_node.clone(),
        schedule: args.schedule.clone(),
    };
    let yaml = install::render_node(&options)?;
    std::io::stdout().lock().write_all(yaml.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

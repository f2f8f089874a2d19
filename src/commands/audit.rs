//! `audit`: reads the files named on the command line (a bad one stops here, exit 3), then
//! audits each selected pipeline through the real collectors and prints the findings.

use std::path::Path;

use super::{select, CommandError};
use crate::audit::{self, Inputs};
use crate::cli::AuditArgs;
use crate::config::{Config, ProcessEnv};
use crate::exit::Exit;
use crate::lang::Lang;
use crate::report::Format;

/// `audit`.
pub async fn audit(
    config: &Path,
    args: &AuditArgs,
    format: Format,
    lang: Lang,
) -> Result<Exit, CommandError> {
    let config = Config::load(config, &ProcessEnv)?;
    let pipelines = select(&config, args.pipeline.as_deref())?;
    if pipelines.len() > 1 && (args.connector_options.is_some() || args.sqlnet.is_some()) {
        return Err(CommandError::Usage(
            "--connector-options and --sqlnet describe one pipeline: name it with -p".into(),
        ));
    }
    let mut audits = Vec::new();
    for p in pipelines {
        // The command line first, then [pipeline.audit]; a bad file stops the command (exit 3).
        let c = &p.audit;
        let keepalive = (args.host_keepalive || c.host_keepalive)
            .then_some(Path::new(audit::sqlnet::KEEPALIVE_PATH));
        let inputs = Inputs::load(
            args.connector_options
                .as_deref()
                .or(c.connector_options.as_deref()),
            args.sqlnet.as_deref().or(c.sqlnet.as_deref()),
            keepalive,
        )?;
        audits.push(audit::audit(p, &inputs, &config.agent.state_dir).await);
    }
    match format {
        Format::Text => print!("{}", audit::render_text(&audits, lang)),
        Format::Json => println!("{}", audit::render_json(&audits)),
    }
    Ok(Exit::most_urgent(audits.iter().map(|a| a.exit())))
}

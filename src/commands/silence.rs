//! `silence`: add, list and remove the silences `watch`'s alerts obey.

use std::path::Path;
use std::time::Duration;

use super::{select, CommandError};
use crate::clock::{Clock as _, SystemClock};
use crate::config::{Config, ProcessEnv};
use crate::exit::Exit;
use crate::report::Format;
use crate::store::{History, Silence};

/// What `silence` does.
#[derive(Debug, Clone)]
pub enum SilenceAction {
    /// Silence for a duration, with a reason.
    Add(Duration, String),
    /// List the silences in force.
    List,
    /// Remove one by id.
    Remove(i64),
}

/// `silence -p NAME --for 2h --reason "..."`, `silence --list`, `silence --remove ID`.
pub async fn silence(
    config_path: &Path,
    pipeline: Option<&str>,
    action: SilenceAction,
    format: Format,
) -> Result<Exit, CommandError> {
    let config = Config::load(config_path, &ProcessEnv)?;
    if let Some(name) = pipeline {
        select(&config, Some(name))?;
    }
    let now = SystemClock.now();
    if let Some(fleet) = &config.agent.fleet {
        // In a fleet the silences are the fleet's: set on one member, they hold on all.
        return fleet_silence(fleet, pipeline, action, format, now).await;
    }
    // Silencing before the agent first ran is allowed: it creates the database.
    let h = History::open(&config.agent.state_dir)?;
    match action {
        SilenceAction::Add(d, reason) => {
            let name =
                pipeline.ok_or_else(|| CommandError::Usage("silence needs -p NAME".into()))?;
            let s = h.add_silence(name, now, d, &reason).await?;
            print_silences(&[s], format)?;
        }
        SilenceAction::List => print_silences(&h.silences(pipeline, now).await?, format)?,
        SilenceAction::Remove(id) => {
            if !h.remove_silence(id).await? {
                return Err(CommandError::Usage(format!("no silence with id {id}")));
            }
            if format == Format::Text {
                println!("Silence {id} removed.");
            }
        }
    }
    Ok(Exit::Ok)
}

/// `silence` on the fleet's silences in ZooKeeper.
async fn fleet_silence(
    fleet: &crate::config::FleetConfig,
    pipeline: Option<&str>,
    action: SilenceAction,
    format: Format,
    now: crate::observation::Timestamp,
) -> Result<Exit, CommandError> {
    let zk = crate::collectors::zookeeper::fleet::Coordinator::for_command(fleet.clone());
    let failed =
        |e: crate::collectors::zookeeper::fleet::FleetError| CommandError::Fleet(e.to_string());
    match action {
        SilenceAction::Add(d, reason) => {
            let name =
                pipeline.ok_or_else(|| CommandError::Usage("silence needs -p NAME".into()))?;
            let s = zk
                .add_silence(name, now, d, &reason)
                .await
                .map_err(failed)?;
            print_silences(&[s], format)?;
        }
        SilenceAction::List => {
            print_silences(&zk.silences(pipeline, now).await.map_err(failed)?, format)?
        }
        SilenceAction::Remove(id) => {
            if !zk.remove_silence(id, now).await.map_err(failed)? {
                return Err(CommandError::Usage(format!("no silence with id {id}")));
            }
            if format == Format::Text {
                println!("Silence {id} removed.");
            }
        }
    }
    zk.close();
    Ok(Exit::Ok)
}

fn print_silences(s: &[Silence], format: Format) -> Result<(), CommandError> {
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(s).map_err(|e| CommandError::Demo(e.to_string()))?
        ),
        Format::Text if s.is_empty() => println!("No silence in force."),
        Format::Text => {
            for x in s {
                println!(
                    "{}  {} silenced until {} ({})",
                    x.id, x.pipeline, x.until, x.reason
                );
            }
        }
    }
    Ok(())
}

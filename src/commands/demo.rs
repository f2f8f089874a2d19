//! `demo`: the whole loop on the simulated pipeline, one scenario per cause.

use super::CommandError;
use crate::clock::{Clock as _, SystemClock};
use crate::diagnose::{diagnose, DiagnoseOptions, Diagnosis, Thresholds};
use crate::exit::Exit;
use crate::lang::Lang;
use crate::observation::Timestamp;
use crate::report::{self, Format};
use crate::simulator::{self, Scenario};

/// One demo scenario's result.
#[derive(Debug, serde::Serialize)]
pub struct DemoRun {
    /// The scenario's name (the cause it is meant to produce).
    pub scenario: String,
    /// What happens in it.
    pub story: String,
    /// What the decision table made of it.
    pub diagnosis: Diagnosis,
}

/// Plays one scenario and diagnoses it with the real output collector and the decision table.
pub async fn run_scenario(s: &Scenario, end: Timestamp) -> Result<DemoRun, CommandError> {
    let obs = s.observe("orders", end).await.map_err(CommandError::Demo)?;
    let diagnosis = diagnose(&obs, &Thresholds::default(), &DiagnoseOptions::default());
    Ok(DemoRun {
        scenario: s.name.to_string(),
        story: s.story.into(),
        diagnosis,
    })
}

/// `demo [--scenario NAME]`.
pub async fn demo(only: Option<&str>, format: Format, lang: Lang) -> Result<Exit, CommandError> {
    let scenarios = match only {
        Some(name) => vec![simulator::scenario(name).map_err(CommandError::Usage)?],
        None => simulator::scenarios(),
    };
    let mut runs = Vec::new();
    for s in &scenarios {
        // The last observation lands at the present, so the timestamps read as today's.
        let sampling = s.interval * (s.samples.saturating_sub(1) as u32);
        runs.push(run_scenario(s, SystemClock.now().minus(sampling)).await?);
    }
    match format {
        Format::Text => {
            for r in &runs {
                println!("=== scenario {}: {}", r.scenario, r.story);
                println!("{}", report::text(&r.diagnosis, lang));
            }
        }
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&runs).map_err(|e| CommandError::Demo(e.to_string()))?
        ),
    }
    let missed: Vec<String> = runs
        .iter()
        .filter(|r| r.diagnosis.cause.as_str() != r.scenario)
        .map(|r| format!("{} -> {}", r.scenario, r.diagnosis.cause))
        .collect();
    if missed.is_empty() {
        Ok(Exit::Ok)
    } else {
        eprintln!(
            "demo: scenarios that did not produce their cause: {}",
            missed.join(", ")
        );
        Ok(Exit::Warning)
    }
}

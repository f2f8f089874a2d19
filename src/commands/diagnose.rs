//! `diagnose`: samples each pipeline (completing what `watch` recorded), decides and explains;
//! `--save` writes the support bundle, `--replay` judges a saved one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::history::recent_history;
use super::{real_collectors, select, CommandError};
use crate::clock::SystemClock;
use crate::collectors::sample;
use crate::config::{Config, ProcessEnv};
use crate::diagnose::{diagnose, Bundle, BundlePipeline, Diagnosis};
use crate::exit::Exit;
use crate::lang::Lang;
use crate::report::{self, Format};

/// What `diagnose` was asked.
pub struct DiagnoseRequest {
    pub(super) config: PathBuf,
    pub(super) pipeline: Option<String>,
    pub(super) samples: usize,
    pub(super) interval: Duration,
    pub(super) from_scn: Option<u64>,
    pub(super) save: Option<PathBuf>,
}

/// `diagnose` on the live pipelines.
pub async fn diagnose_live(
    req: DiagnoseRequest,
    format: Format,
    lang: Lang,
) -> Result<Exit, CommandError> {
    let config = Config::load(&req.config, &ProcessEnv)?;
    let pipelines = select(&config, req.pipeline.as_deref())?;
    let mut tasks = tokio::task::JoinSet::new();
    for (i, p) in pipelines.iter().enumerate() {
        let p = (*p).clone();
        let (samples, interval) = (req.samples, req.interval);
        // Recent observations kept by `watch` answer at once: one new sample completes them.
        let prior = recent_history(&config, &p).await;
        tasks.spawn(async move {
            let collectors = real_collectors(&p);
            let samples = if prior.is_empty() { samples } else { 1 };
            let obs = sample(
                &p.name,
                &collectors,
                &SystemClock,
                samples,
                interval,
                p.probe_deadline(),
            )
            .await;
            (i, p, prior.into_iter().chain(obs).collect::<Vec<_>>())
        });
    }
    let mut results = Vec::new();
    while let Some(r) = tasks.join_next().await {
        match r {
            Ok(r) => results.push(r),
            Err(e) => return Err(CommandError::Demo(format!("a probe task failed: {e}"))),
        }
    }
    results.sort_by_key(|r| r.0);
    let bundle = Bundle {
        format: Bundle::FORMAT.into(),
        pipelines: results
            .into_iter()
            .map(|(_, p, observations)| BundlePipeline {
                name: p.name.clone(),
                thresholds: p.thresholds.clone(),
                rolling_interval: p.output.rolling_interval,
                from_scn: req.from_scn,
                observations,
            })
            .collect(),
    };
    if let Some(path) = &req.save {
        let text =
            serde_json::to_string_pretty(&bundle).map_err(|e| CommandError::Demo(e.to_string()))?;
        std::fs::write(path, text).map_err(|source| CommandError::File {
            action: "write",
            path: path.clone(),
            source,
        })?;
    }
    Ok(print_diagnoses(&diagnose_bundle(&bundle), format, lang))
}

fn diagnose_bundle(bundle: &Bundle) -> Vec<Diagnosis> {
    bundle
        .pipelines
        .iter()
        .map(|p| diagnose(&p.observations, &p.thresholds, &p.options()))
        .collect()
}

/// `diagnose --replay BUNDLE`.
pub fn replay_bundle(
    path: &Path,
    pipeline: Option<&str>,
    format: Format,
    lang: Lang,
) -> Result<Exit, CommandError> {
    let text =
        crate::limits::read_text_capped(path, crate::limits::BUNDLE_BYTES).map_err(|source| {
            CommandError::File {
                action: "read",
                path: path.to_path_buf(),
                source,
            }
        })?;
    let mut bundle: Bundle =
        serde_json::from_str(&text).map_err(|source| CommandError::Bundle {
            path: path.to_path_buf(),
            source,
        })?;
    if bundle.format != Bundle::FORMAT {
        return Err(CommandError::Usage(format!(
            "{} has format {:?}; this version reads {:?}",
            path.display(),
            bundle.format,
            Bundle::FORMAT
        )));
    }
    if let Some(name) = pipeline {
        let names: Vec<String> = bundle.pipelines.iter().map(|p| p.name.clone()).collect();
        bundle.pipelines.retain(|p| p.name == name);
        if bundle.pipelines.is_empty() {
            return Err(CommandError::Usage(format!(
                "no pipeline {name:?} in {}; it holds: {}",
                path.display(),
                names.join(", ")
            )));
        }
    }
    // A bundle's thresholds obey the config's rules: a hand-edited `crash_loop_restarts = 0`
    // or a negative backpressure would otherwise give confident verdicts.
    let problems: Vec<String> = bundle
        .pipelines
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            crate::config::threshold_problems(&p.thresholds, &format!("pipelines[{i}].thresholds"))
        })
        .chain(
            bundle
                .pipelines
                .iter()
                .enumerate()
                .filter(|(_, p)| p.rolling_interval > crate::config::MAX_DURATION)
                .map(|(i, _)| crate::config::ConfigProblem {
                    key: format!("pipelines[{i}].rolling_interval"),
                    message: crate::lang::Bilingual::new(
                        "must be at most \"366d\" (a year)",
                        "最多为 \"366d\"（一年）",
                    ),
                }),
        )
        .map(|p| p.to_string())
        .collect();
    if !problems.is_empty() {
        return Err(CommandError::Usage(format!(
            "{}: {}",
            path.display(),
            problems.join("; ")
        )));
    }
    if bundle.pipelines.iter().any(|p| p.observations.is_empty()) {
        return Err(CommandError::Usage(format!(
            "{} holds a pipeline without observations",
            path.display()
        )));
    }
    Ok(print_diagnoses(&diagnose_bundle(&bundle), format, lang))
}

fn print_diagnoses(ds: &[Diagnosis], format: Format, lang: Lang) -> Exit {
    match format {
        Format::Text => print!("{}", report::text_all(ds, lang)),
        Format::Json => println!("{}", report::json_all(ds)),
    }
    Exit::worst(ds.iter().map(|d| d.severity))
}

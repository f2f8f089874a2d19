//! `check-config`: validates the config file and checks that each system of each pipeline
//! answers.

use std::path::Path;

use super::CommandError;
use crate::collectors::flink::FlinkCollector;
use crate::collectors::oracle::OracleCollector;
use crate::collectors::output::FileSinkCollector;
use crate::collectors::zookeeper::ZooKeeperCollector;
use crate::collectors::{FlinkSource as _, OutputSource as _, ZooKeeperSource as _};
use crate::config::{Config, ProcessEnv};
use crate::exit::Exit;
use crate::observation::{JobManagerStatus, Signal};
use crate::report::Format;

/// One line of check-config's report.
#[derive(Debug, serde::Serialize)]
pub struct Check {
    /// The pipeline.
    pub pipeline: String,
    /// oracle, flink, zookeeper or output.
    pub system: &'static str,
    /// What was checked (a URL, an address, a path).
    pub target: String,
    /// ok, unreachable or not_checked.
    pub status: &'static str,
    /// Details.
    pub detail: String,
}

/// `check-config`.
pub async fn check_config(path: &Path, format: Format) -> Result<Exit, CommandError> {
    let config = Config::load(path, &ProcessEnv)?;
    let mut checks = Vec::new();
    for p in &config.pipelines {
        // One direct login (never a pool that would retry a wrong password).
        let (status, detail) = match OracleCollector::new(p.oracle.clone())
            .test_connection()
            .await
        {
            Ok(detail) => ("ok", detail),
            Err(e) if e.kind().is_own_trouble() => ("not_checked", e.to_string()),
            Err(e) => ("unreachable", e.to_string()),
        };
        checks.push(Check {
            pipeline: p.name.clone(),
            system: "oracle",
            target: p.oracle.connect_string.clone(),
            status,
            detail,
        });
        let flink = FlinkCollector::new(p.flink.clone());
        if let Some(snapshot) = flink.observe().await.value() {
            for jm in &snapshot.jobmanagers {
                let (status, detail) = match &jm.status {
                    JobManagerStatus::Up {
                        flink_version,
                        jobs,
                    } => (
                        "ok",
                        format!(
                            "Flink {flink_version}; {} job(s) named {:?}",
                            jobs.len(),
                            p.flink.job_name
                        ),
                    ),
                    JobManagerStatus::LeaderElection => (
                        "ok",
                        "answers, but a leader election is in progress".to_string(),
                    ),
                    JobManagerStatus::LeaderUnreachable => (
                        "unreachable",
                        "answers, but its leader is gone (RecipientUnreachableException)"
                            .to_string(),
                    ),
                    JobManagerStatus::Unreachable { error } => ("unreachable", error.clone()),
                };
                checks.push(Check {
                    pipeline: p.name.clone(),
                    system: "flink",
                    target: jm.url.clone(),
                    status,
                    detail,
                });
            }
        }
        if let Some(zk) = &p.zookeeper {
            let snapshot = ZooKeeperCollector::new(zk.clone()).observe().await;
            match &snapshot {
                Signal::Observed { value } => {
                    for server in &value.servers {
                        checks.push(Check {
                            pipeline: p.name.clone(),
                            system: "zookeeper",
                            target: server.address.clone(),
                            status: if server.ok { "ok" } else { "unreachable" },
                            detail: server
                                .mode
                                .as_ref()
                                .map(|m| format!("mode {m}"))
                                .unwrap_or_else(|| "no answer to srvr/ruok".into()),
                        });
                    }
                    checks.push(Check {
                        pipeline: p.name.clone(),
                        system: "zookeeper",
                        target: format!("{}/{}", zk.root, zk.cluster_id),
                        status: "ok",
                        detail: match &value.leader_rest_url {
                            Some(url) => format!("leading JobManager: {url}"),
                            None => "no JobManager leads (no leader node)".into(),
                        },
                    });
                }
                other => checks.push(Check {
                    pipeline: p.name.clone(),
                    system: "zookeeper",
                    target: zk.quorum.join(","),
                    status: "unreachable",
                    detail: other.error().unwrap_or_default().to_string(),
                }),
            }
        }
        let scan = FileSinkCollector::new(p.output.clone()).observe().await;
        checks.push(Check {
            pipeline: p.name.clone(),
            system: "output",
            target: p.output.dir.display().to_string(),
            status: if scan.value().is_some() {
                "ok"
            } else {
                "unreachable"
            },
            detail: match &scan {
                Signal::Observed { value: s } => format!(
                    "{} committed files ({} bytes), {} in progress",
                    s.committed_files, s.committed_bytes, s.in_progress_files
                ),
                other => other.error().unwrap_or_default().to_string(),
            },
        });
    }
    let bad = checks.iter().any(|c| c.status == "unreachable");
    match format {
        Format::Text => {
            println!(
                "{}: valid, {} pipeline(s)",
                config.path.display(),
                config.pipelines.len()
            );
            for c in &checks {
                println!(
                    "  {} {} {}: {} ({})",
                    c.pipeline, c.system, c.target, c.status, c.detail
                );
            }
        }
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&checks).map_err(|e| CommandError::Demo(e.to_string()))?
        ),
    }
    Ok(if bad { Exit::Critical } else { Exit::Ok })
}

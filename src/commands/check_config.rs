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
use crate::diagnose::Fact;
use crate::exit::Exit;
use crate::lang::Lang;
use crate::observation::{JobManagerStatus, Signal};
use crate::report::Format;

/// One line of check-config's report.
#[derive(Debug, serde::Serialize)]
pub struct Check {
    /// The pipeline's name from the config.
    pub pipeline: String,
    /// oracle, flink, zookeeper or output.
    pub system: &'static str,
    /// What was checked (a URL, an address, a path).
    pub target: String,
    /// ok, unreachable or not_checked.
    pub status: &'static str,
    /// Details (English in JSON).
    #[serde(serialize_with = "crate::diagnose::fact::english")]
    pub detail: Fact,
}

/// A status word in `lang`.
fn status_word(status: &str, lang: Lang) -> &str {
    match (status, lang) {
        (s, Lang::En) => s,
        ("ok", Lang::Zh) => "正常",
        ("unreachable", Lang::Zh) => "无法访问",
        ("not_checked", Lang::Zh) => "未检查",
        (s, Lang::Zh) => s,
    }
}

/// `check-config`.
pub async fn check_config(path: &Path, format: Format, lang: Lang) -> Result<Exit, CommandError> {
    let config = Config::load(path, &ProcessEnv)?;
    let mut checks = Vec::new();
    for p in &config.pipelines {
        // One direct login (never a pool that would retry a wrong password).
        let (status, detail) = match OracleCollector::new(p.oracle.clone())
            .test_connection()
            .await
        {
            Ok((server, client)) => ("ok", Fact::OracleLoginWorks { server, client }),
            Err(e) if e.kind().is_own_trouble() => ("not_checked", Fact::error(e.to_string())),
            Err(e) => ("unreachable", Fact::error(e.to_string())),
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
                        Fact::FlinkAnswers {
                            version: flink_version.clone(),
                            jobs: jobs.len() as u64,
                            job_name: p.flink.job_name.clone(),
                        },
                    ),
                    JobManagerStatus::LeaderElection => ("ok", Fact::JobManagerElecting),
                    JobManagerStatus::LeaderUnreachable => {
                        ("unreachable", Fact::JobManagerLeaderGone)
                    }
                    JobManagerStatus::Unreachable { error } => {
                        ("unreachable", Fact::error(error.clone()))
                    }
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
                                .map(|m| Fact::ZookeeperMode { mode: m.clone() })
                                .unwrap_or(Fact::ZookeeperNoAnswer),
                        });
                    }
                    checks.push(Check {
                        pipeline: p.name.clone(),
                        system: "zookeeper",
                        target: format!("{}/{}", zk.root, zk.cluster_id),
                        status: "ok",
                        detail: match &value.leader_rest_url {
                            Some(url) => Fact::ZookeeperLeader { url: url.clone() },
                            None => Fact::ZookeeperNoLeaderNode,
                        },
                    });
                }
                other => checks.push(Check {
                    pipeline: p.name.clone(),
                    system: "zookeeper",
                    target: zk.quorum.join(","),
                    status: "unreachable",
                    detail: Fact::error(other.error().unwrap_or_default()),
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
                Signal::Observed { value: s } => Fact::OutputScanned {
                    files: s.committed_files,
                    bytes: s.committed_bytes,
                    in_progress: s.in_progress_files,
                },
                other => Fact::error(other.error().unwrap_or_default()),
            },
        });
    }
    let bad = checks.iter().any(|c| c.status == "unreachable");
    match format {
        Format::Text => {
            match lang {
                Lang::En => println!(
                    "{}: valid, {} pipeline(s)",
                    config.path.display(),
                    config.pipelines.len()
                ),
                Lang::Zh => println!(
                    "{}：配置有效，共 {} 个管道",
                    config.path.display(),
                    config.pipelines.len()
                ),
            }
            for c in &checks {
                let (status, detail) = (status_word(c.status, lang), c.detail.render(lang));
                match lang {
                    Lang::En => println!(
                        "  {} {} {}: {status} ({detail})",
                        c.pipeline, c.system, c.target
                    ),
                    Lang::Zh => println!(
                        "  {} {} {}：{status}（{detail}）",
                        c.pipeline, c.system, c.target
                    ),
                }
            }
        }
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&checks).map_err(|e| CommandError::Demo(e.to_string()))?
        ),
    }
    Ok(if bad { Exit::Critical } else { Exit::Ok })
}

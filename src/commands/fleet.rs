//! `fleet`: the members of the `watch` fleet (`[agent.fleet]`) and the owner of each pipeline,
//! as ZooKeeper holds them now, with the owner the fleet's hashing expects.

use std::path::Path;

use serde::Serialize;

use super::CommandError;
use crate::agent::fleet;
use crate::collectors::zookeeper::fleet as zk;
use crate::collectors::zookeeper::node_name;
use crate::config::{Config, ProcessEnv};
use crate::exit::Exit;
use crate::lang::Lang;
use crate::report::Format;

/// One pipeline's ownership.
#[derive(Debug, Serialize)]
struct Ownership {
    pipeline: String,
    /// The member holding its owner node (none: unowned).
    owner: Option<String>,
    /// The member the hashing assigns it to among the live members.
    expected: Option<String>,
}

#[derive(Debug, Serialize)]
struct FleetReport {
    root: String,
    members: Vec<zk::MemberInfo>,
    pipelines: Vec<Ownership>,
}

/// `fleet`: exit 0 when every configured pipeline has an owner, 2 when one has none (nobody
/// probes or alerts on it), 3 when ZooKeeper cannot be read or no fleet is configured.
pub async fn fleet(config_path: &Path, format: Format, lang: Lang) -> Result<Exit, CommandError> {
    let config = Config::load(config_path, &ProcessEnv)?;
    let Some(fc) = config.agent.fleet.clone() else {
        return Err(CommandError::Usage(
            "no [agent.fleet] in the config: watch runs alone".into(),
        ));
    };
    let coordinator = zk::Coordinator::for_command(fc.clone());
    let snap = coordinator
        .snapshot()
        .await
        .map_err(|e| CommandError::Fleet(e.to_string()));
    coordinator.close();
    let snap = snap?;
    let names: Vec<String> = snap.members.iter().map(|m| node_name(&m.member)).collect();
    let pipelines: Vec<Ownership> = config
        .pipelines
        .iter()
        .map(|p| {
            let key = node_name(&p.name);
            Ownership {
                pipeline: p.name.clone(),
                owner: snap
                    .owners
                    .iter()
                    .find(|(n, _)| *n == key)
                    .map(|(_, m)| m.clone()),
                expected: fleet::owner(&names, &key).and_then(|n| {
                    snap.members
                        .iter()
                        .find(|m| node_name(&m.member) == n)
                        .map(|m| m.member.clone())
                }),
            }
        })
        .collect();
    let report = FleetReport {
        root: fc.root.clone(),
        members: snap.members,
        pipelines,
    };
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| CommandError::Demo(e.to_string()))?
        ),
        Format::Text => print!("{}", text(&report, lang)),
    }
    Ok(if report.pipelines.iter().any(|o| o.owner.is_none()) {
        Exit::Critical
    } else {
        Exit::Ok
    })
}

fn text(r: &FleetReport, lang: Lang) -> String {
    use std::fmt::Write as _;
    let zh = lang == Lang::Zh;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} ({} {})",
        if zh { "机群" } else { "Fleet" },
        r.root,
        r.members.len(),
        if zh { "个成员" } else { "members" }
    );
    for m in &r.members {
        let owned = r
            .pipelines
            .iter()
            .filter(|o| o.owner.as_deref() == Some(&m.member))
            .count();
        let _ = writeln!(
            out,
            "  {}  {} pid {}  {}  {} {}  {} {}",
            m.member,
            m.host,
            m.pid,
            m.listen,
            if zh { "加入于" } else { "joined" },
            m.joined,
            owned,
            if zh { "条管道" } else { "pipelines" }
        );
    }
    let _ = writeln!(out, "{}", if zh { "管道" } else { "Pipelines" });
    for o in &r.pipelines {
        let owner = match &o.owner {
            Some(m) => m.clone(),
            None if zh => "无人负责（没有成员探测或告警）".into(),
            None => "UNOWNED (no member probes or alerts on it)".into(),
        };
        let moving = match (&o.owner, &o.expected) {
            (Some(a), Some(b)) if a != b => {
                if zh {
                    format!("（正在移交给 {b}）")
                } else {
                    format!(" (moving to {b})")
                }
            }
            _ => String::new(),
        };
        let _ = writeln!(out, "  {:<24} {owner}{moving}", o.pipeline);
    }
    out
}

//! The fleet: several `watch` processes share the pipelines through ZooKeeper, so that the
//! doctor is no single point of failure and a large estate fits on several hosts. This module
//! owns who probes what: membership, the rendezvous choice of each pipeline's owner, the owner
//! nodes and the lease that lets a member act, and the unowned-pipeline alert;
//! `collectors::zookeeper::fleet` makes the ZooKeeper calls and keeps the shared state there
//! (alert state, silences, the unowned-pipeline alert's state).
//!
//! Layout under `[agent.fleet] root`:
//! - `members/<member>` (ephemeral): one per live member, JSON (host, pid, listen, started);
//! - `owners/<pipeline>` (ephemeral): the member that owns the pipeline now (its name);
//! - `alerts/<pipeline>`: the pipeline's alert state (`dedup::AlertState`, JSON), written with
//!   the version read, so two members never both page for one change of verdict;
//! - `unowned/<pipeline>`: the unowned-pipeline alert's state (same versioned writes);
//! - `silences`: every silence (JSON list), written with the version read.
//!
//! Safety: a member probes, alerts and remediates a pipeline only while it holds the pipeline's
//! owner node and its lease runs. The lease ends `session_timeout × 2/3` after the start of the
//! last ZooKeeper call that succeeded: ZooKeeper cannot expire the session (and so free the
//! owner node for another member) sooner than `session_timeout` after that call was sent. A
//! member frozen past its session (SIGSTOP, a long pause) finds its lease over when it wakes —
//! the monotonic clock runs on while a process is stopped — and stops before it could rejoin.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::agent::alerts::AlertMessage;
use crate::collectors::zookeeper::fleet::{self as zk, SharedState};
use crate::collectors::zookeeper::node_name;
use crate::config::FleetConfig;

/// The owner of `pipeline` among `members`: the member with the highest score (rendezvous, or
/// highest-random-weight, hashing). A member that joins takes from each other member only the
/// pipelines it now scores highest on; one that leaves hands each of its pipelines to the
/// runner-up. Every member computes the same answer from the same member list.
pub fn owner<'a>(members: &'a [String], pipeline: &str) -> Option<&'a str> {
    members
        .iter()
        .max_by_key(|m| (score(m, pipeline), m.as_str()))
        .map(String::as_str)
}

/// A stable 64-bit hash of (member, pipeline): FNV-1a over both (a 0xFF byte between them, which
/// UTF-8 never contains), then SplitMix64's finalizer to spread FNV's weak low bits. Stable
/// across builds and versions, unlike `std`'s hasher: members of different versions agree.
fn score(member: &str, pipeline: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in member.bytes().chain([0xFF]).chain(pipeline.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// What this member knows of the fleet, updated by `run` and read by the pipeline tasks, the
/// metrics and `/readyz`.
#[derive(Debug, Default)]
struct View {
    /// The ZooKeeper session the member is registered with.
    session: Option<i64>,
    /// Until when the member may act (see the module's safety note).
    lease_until: Option<Instant>,
    /// The live members, sorted.
    members: Vec<String>,
    /// The pipelines whose owner node this member holds, each with the claim's epoch (a new
    /// epoch each time ownership is gained: the pipeline task then forgets what it knew).
    held: BTreeMap<String, u64>,
    /// Pipelines given up whose owner node may still be this session's (a release that failed
    /// or was cut short): released again each round until it succeeds.
    releasing: BTreeSet<String>,
    next_epoch: u64,
    /// Pipelines without an owner node, since when (this member's view).
    unowned_since: HashMap<String, Instant>,
    /// Why the member is not in the fleet, when it is not.
    trouble: Option<String>,
}

/// This member of the fleet: the shared view and the ZooKeeper connection.
#[derive(Debug)]
pub struct Fleet {
    config: FleetConfig,
    /// This member's own pipelines (name, interval), from its config.
    pipelines: Vec<(String, Duration)>,
    /// What the member advertises in its member node (`listen`).
    listen: String,
    view: Mutex<View>,
    zk: zk::Coordinator,
}

impl Fleet {
    /// The member of `config` for `pipelines` (name, interval), serving HTTP on `listen`.
    pub fn new(config: FleetConfig, pipelines: Vec<(String, Duration)>, listen: String) -> Fleet {
        Fleet {
            zk: zk::Coordinator::new(config.clone()),
            config,
            pipelines,
            listen,
            view: Mutex::new(View::default()),
        }
    }

    /// The fleet's configuration.
    pub fn config(&self) -> &FleetConfig {
        &self.config
    }

    /// This member's name.
    pub fn member(&self) -> &str {
        &self.config.member
    }

    /// The shared ZooKeeper state (alert state, silences).
    pub fn shared_state(&self) -> &zk::Coordinator {
        &self.zk
    }

    fn view(&self) -> std::sync::MutexGuard<'_, View> {
        self.view.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lease_runs(v: &View) -> bool {
        v.session.is_some() && v.lease_until.is_some_and(|u| Instant::now() < u)
    }

    /// The epoch of this member's ownership of `pipeline`, when it owns it now (holds the owner
    /// node and its lease runs): only then may it probe, alert or remediate.
    pub fn owns(&self, pipeline: &str) -> Option<u64> {
        let v = self.view();
        if !Self::lease_runs(&v) {
            return None;
        }
        v.held.get(pipeline).copied()
    }

    /// Whether the member is in the fleet now (registered, lease running).
    pub fn in_fleet(&self) -> bool {
        Self::lease_runs(&self.view())
    }

    /// Why the member is not in the fleet (for `/readyz`).
    pub fn trouble(&self) -> Option<String> {
        let v = self.view();
        if Self::lease_runs(&v) {
            return None;
        }
        Some(
            v.trouble
                .clone()
                .unwrap_or_else(|| "not registered in the fleet yet".into()),
        )
    }

    /// How many live members the member sees (0 while it is not in the fleet).
    pub fn size(&self) -> usize {
        let v = self.view();
        if Self::lease_runs(&v) {
            v.members.len()
        } else {
            0
        }
    }

    /// The owner of `pipeline` as this member sees the fleet: itself when it holds the owner
    /// node, else the member the hashing assigns it to among the live members (`None` while
    /// this member is out of the fleet).
    pub fn owner_of(&self, pipeline: &str) -> Option<String> {
        let v = self.view();
        if !Self::lease_runs(&v) {
            return None;
        }
        if v.held.contains_key(pipeline) {
            return Some(self.config.member.clone());
        }
        owner(&v.members, &node_name(pipeline)).map(str::to_string)
    }

    /// The pipelines this member owns now.
    pub fn owned(&self) -> Vec<String> {
        let v = self.view();
        if !Self::lease_runs(&v) {
            return Vec::new();
        }
        v.held.keys().cloned().collect()
    }

    /// One round: registers (again) when needed, reads the members and the owner nodes, takes
    /// the owner nodes of the pipelines this member should own and gives up the others. Returns
    /// the pipelines seen without an owner for longer than two of their intervals, and those
    /// owned again, for the unowned-pipeline alert.
    async fn round(&self) -> Result<Unowned, zk::FleetError> {
        let started = Instant::now();
        let session = match self.zk.session(&self.listen).await {
            Ok(s) => s,
            Err(e) => {
                // A new session will be needed: what the old one held is gone with it.
                let mut v = self.view();
                if e.session_over() {
                    v.session = None;
                    v.held.clear();
                    v.releasing.clear();
                }
                return Err(e);
            }
        };
        {
            let mut v = self.view();
            if v.session != Some(session) {
                if v.session.is_some() {
                    tracing::warn!(member = %self.config.member, "The fleet session was replaced; ownership starts over.");
                }
                v.session = Some(session);
                v.held.clear();
                v.releasing.clear();
            }
        }
        let me = self.config.member.as_str();
        let mut members = self.zk.members().await?;
        if !members.iter().any(|m| m == &node_name(me)) {
            // Our member node is gone though the session lives (deleted by hand): rejoin.
            self.zk.rejoin(&self.listen).await?;
            members = self.zk.members().await?;
        }
        let mut owned = self.zk.owners().await?;
        let timeout = self.zk.session_timeout();
        {
            let mut v = self.view();
            v.lease_until = Some(started + timeout * 2 / 3);
            v.members = members.clone();
            v.trouble = None;
            // An owner node that vanished (deleted by hand) is not held any more.
            v.held.retain(|p, _| owned.contains(&node_name(p)));
        }
        let mut taken = Vec::new();
        for (p, _) in &self.pipelines {
            let want = owner(&members, &node_name(p)) == Some(node_name(me).as_str());
            let held = self.view().held.contains_key(p);
            if want && !held {
                // Wanted back before its release went through: keep it, do not release it.
                self.view().releasing.remove(p);
                if self.zk.claim(p, session).await? {
                    let mut v = self.view();
                    v.next_epoch += 1;
                    let epoch = v.next_epoch;
                    v.held.insert(p.clone(), epoch);
                    owned.insert(node_name(p));
                    taken.push(p.clone());
                    tracing::info!(member = me, pipeline = %p, "Took over the pipeline.");
                }
            } else if !want && held {
                // Stop acting first, then free the node for its new owner.
                {
                    let mut v = self.view();
                    v.held.remove(p);
                    v.releasing.insert(p.clone());
                }
                tracing::info!(member = me, pipeline = %p, new_owner = owner(&members, &node_name(p)).unwrap_or("?"), "Handing the pipeline over.");
            }
        }
        let releasing: Vec<String> = self.view().releasing.iter().cloned().collect();
        for p in releasing {
            let gone = self.zk.release(&p, session).await?;
            self.view().releasing.remove(&p);
            if gone {
                owned.remove(&node_name(&p));
            }
        }
        // The member that takes a pipeline resolves its unowned alert, whoever paged it.
        let mut out = Unowned {
            owned_again: taken,
            ..Unowned::default()
        };
        let now = Instant::now();
        let mut v = self.view();
        for (p, interval) in &self.pipelines {
            if owned.contains(&node_name(p)) {
                if v.unowned_since.remove(p).is_some() && !out.owned_again.contains(p) {
                    out.owned_again.push(p.clone());
                }
                continue;
            }
            let since = *v.unowned_since.entry(p.clone()).or_insert(now);
            if now.duration_since(since) > *interval * 2 {
                out.too_long.push((
                    p.clone(),
                    owner(&members, &node_name(p)).map(str::to_string),
                ));
            }
        }
        Ok(out)
    }

    /// Marks the member out of the fleet for `why` (its lease runs out by itself).
    fn trouble_is(&self, why: String) {
        self.view().trouble = Some(why);
    }
}

/// The unowned-pipeline alert's state, shared by the members (`unowned/<pipeline>`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnownedState {
    /// Paged and not yet resolved: since when.
    pub paged_since: Option<crate::observation::Timestamp>,
}

/// Pipelines seen without an owner for too long, and ones owned again.
#[derive(Debug, Default)]
pub struct Unowned {
    /// (pipeline, the member that should own it).
    pub too_long: Vec<(String, Option<String>)>,
    /// Pipelines owned again after being seen unowned.
    pub owned_again: Vec<String>,
}

/// Pages once for the fleet for each pipeline in `u.too_long` and resolves the pages of those
/// in `u.owned_again`: each change is written to the pipeline's `unowned/` node with the
/// version read, and only the member whose write succeeds sends (`send`). Errors are logged:
/// the next round tries again.
pub async fn page_unowned(
    fleet: &Fleet,
    u: Unowned,
    now: crate::observation::Timestamp,
    renotify: Duration,
    send: impl Fn(AlertMessage),
) {
    use crate::agent::alerts::dedup::Notice;
    use crate::diagnose::Fact;
    let members = fleet.size() as u64;
    for (p, expected) in u.too_long {
        if flip_unowned(fleet, &p, Some(now)).await.is_some() {
            let expected = expected.unwrap_or_else(|| "(no member)".into());
            send(AlertMessage::about_fleet(
                &p,
                Notice::Firing,
                Fact::PipelineUnowned {
                    pipeline: p.clone(),
                    expected: expected.clone(),
                    members,
                },
                vec![Fact::FixFleetOwner { member: expected }],
                now,
                now,
                renotify,
            ));
        }
    }
    for p in u.owned_again {
        if let Some(UnownedState {
            paged_since: Some(since),
        }) = flip_unowned(fleet, &p, None).await
        {
            send(AlertMessage::about_fleet(
                &p,
                Notice::Resolved,
                Fact::PipelineOwnedAgain {
                    pipeline: p.clone(),
                    owner: fleet.member().to_string(),
                },
                Vec::new(),
                since,
                now,
                renotify,
            ));
        }
    }
}

/// Sets `pipeline`'s unowned alert to paged since `to` (or to not paged, `None`) with a
/// versioned write. Returns the state it replaced when this member's write made the change
/// (this member then sends); `None` when it was so already or another member's write came
/// first (logged).
async fn flip_unowned(
    fleet: &Fleet,
    pipeline: &str,
    to: Option<crate::observation::Timestamp>,
) -> Option<UnownedState> {
    let (was, version) = match fleet
        .zk
        .state::<UnownedState>(SharedState::Unowned, pipeline)
        .await
    {
        Ok(read) => read,
        Err(e) => {
            tracing::warn!(pipeline, error = %e, "Cannot read the unowned alert's state.");
            return None;
        }
    };
    if was.paged_since.is_some() == to.is_some() {
        return None;
    }
    let next = UnownedState { paged_since: to };
    match fleet
        .zk
        .save_state(SharedState::Unowned, pipeline, &next, version)
        .await
    {
        Ok(()) => Some(was),
        Err(e) => {
            tracing::info!(pipeline, error = %e, "The unowned alert's change was not sent by this member.");
            None
        }
    }
}

/// How often a member renews its lease and looks at the fleet: a third of the lease, at most a
/// second (a member that joins or leaves is seen within a second).
pub fn tick(config: &FleetConfig) -> Duration {
    (config.session_timeout * 2 / 9).clamp(Duration::from_millis(100), Duration::from_secs(1))
}

/// Keeps the member in the fleet until `stop`: a round every `tick`. `unowned` is called after
/// each round with its unowned pipelines (none after a failed round; the agent updates its
/// metrics and pages for them, once for the fleet, through the versioned
/// `unowned/<pipeline>` node). On stop, the member node and the owner nodes are
/// deleted at once, so the other members take over without waiting for the session to expire.
pub async fn run<F, Fut>(fleet: Arc<Fleet>, mut stop: watch::Receiver<bool>, mut unowned: F)
where
    F: FnMut(Unowned) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut ticker = tokio::time::interval(tick(&fleet.config));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut logged_trouble = false;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.wait_for(|s| *s) => break,
        }
        // Bounded: while ZooKeeper is unreachable a call waits for the reconnection; the round
        // gives up when the lease would have ended anyway.
        let bound = fleet.config.session_timeout * 2 / 3;
        let round = match tokio::time::timeout(bound, fleet.round()).await {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(_) => Err(format!(
                "ZooKeeper did not answer within {}",
                humantime::format_duration(bound)
            )),
        };
        match round {
            Ok(u) => {
                if logged_trouble {
                    tracing::info!(member = %fleet.member(), members = fleet.size(), "Back in the fleet.");
                    logged_trouble = false;
                }
                unowned(u).await;
            }
            Err(why) => {
                if !logged_trouble {
                    tracing::error!(member = %fleet.member(), error = %why, "Fleet: cannot reach ZooKeeper; this member stops probing once its lease ends, and rejoins when it can.");
                    logged_trouble = true;
                }
                fleet.trouble_is(why);
                // Nothing to page, but the metrics must show the member out of the fleet once
                // its lease ends.
                unowned(Unowned::default()).await;
            }
        }
    }
    // Leaving: stop acting, then free everything for the others.
    let held: Vec<String> = {
        let mut v = fleet.view();
        v.lease_until = None;
        std::mem::take(&mut v.held).into_keys().collect()
    };
    fleet.zk.leave(&held).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("member-{i}")).collect()
    }

    #[test]
    fn every_member_computes_the_same_owner_and_the_shares_are_even() {
        let members = names(3);
        let mut reversed = members.clone();
        reversed.reverse();
        let mut counts = HashMap::new();
        for p in 0..3000 {
            let p = format!("pipeline-{p}");
            let o = owner(&members, &p).unwrap();
            assert_eq!(
                Some(o),
                owner(&reversed, &p),
                "order of the list matters not"
            );
            *counts.entry(o.to_string()).or_insert(0) += 1;
        }
        for (m, c) in &counts {
            assert!((800..1200).contains(c), "{m} owns {c} of 3000");
        }
    }

    #[test]
    fn a_member_joining_takes_only_its_share_and_one_leaving_gives_only_its_own() {
        let three = names(3);
        let four = names(4);
        let pipelines: Vec<String> = (0..1000).map(|p| format!("p{p}")).collect();
        for p in &pipelines {
            let before = owner(&three, p).unwrap();
            let after = owner(&four, p).unwrap();
            // Either unchanged, or moved to the newcomer.
            assert!(
                before == after || after == "member-3",
                "{p}: {before} -> {after}"
            );
        }
        let moved = pipelines
            .iter()
            .filter(|p| owner(&three, p) != owner(&four, p))
            .count();
        assert!(
            (150..350).contains(&moved),
            "{moved} of 1000 moved to the 4th member"
        );
        let two: Vec<String> = vec!["member-0".into(), "member-2".into()];
        for p in &pipelines {
            if owner(&three, p) != Some("member-1") {
                assert_eq!(owner(&three, p), owner(&two, p), "{p} moved without cause");
            }
        }
        assert_eq!(owner(&[], "p"), None);
    }
}

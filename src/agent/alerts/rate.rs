//! Per-channel rate limits (DingTalk and WeCom allow about 20 messages a minute per robot,
//! Slack one a second, Feishu 5 a second and 100 a minute). An alert that would exceed the
//! limit waits for a free slot, and every alert waiting then goes out merged into one message:
//! nothing is dropped.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::chat::ChatKind;
use super::{AlertMessage, Channel, SendFuture};
use crate::diagnose::Severity;

/// How often a waiting alert looks for a free slot (tokio's timer, so paused time in tests).
const POLL: Duration = Duration::from_millis(50);

/// The documented limits of `kind`: at most `n` messages in each `window`.
pub fn limits(kind: ChatKind) -> Vec<(usize, Duration)> {
    match kind {
        ChatKind::Slack => vec![(1, Duration::from_secs(1))],
        ChatKind::DingTalk | ChatKind::WeCom => vec![(20, Duration::from_secs(60))],
        ChatKind::Feishu => vec![(5, Duration::from_secs(1)), (100, Duration::from_secs(60))],
    }
}

#[derive(Default)]
struct State {
    /// When the recent messages went out (the longest window's worth).
    sent: VecDeque<Instant>,
    /// Alerts waiting for a slot, by id.
    waiting: Vec<(u64, AlertMessage)>,
    /// Ids delivered inside another alert's merged message.
    delivered: HashSet<u64>,
    next_id: u64,
}

/// A channel behind its rate limit, merging the alerts that wait.
pub struct RateLimited<C> {
    inner: C,
    limits: Vec<(usize, Duration)>,
    state: Mutex<State>,
    /// Set at shutdown: the waiting alerts go out now, merged, rather than be lost with the
    /// process (one message over the limit at worst, which the service may refuse and the
    /// delivery then reports).
    flush: std::sync::atomic::AtomicBool,
}

impl<C: Channel> RateLimited<C> {
    /// `inner` limited to at most `n` messages per `window`, for each `(n, window)`.
    pub fn new(inner: C, limits: Vec<(usize, Duration)>) -> RateLimited<C> {
        RateLimited {
            inner,
            limits,
            state: Mutex::new(State::default()),
            flush: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn free(&self, s: &mut State, now: Instant) -> bool {
        let longest = self.limits.iter().map(|l| l.1).max().unwrap_or_default();
        while s.sent.front().is_some_and(|t| now - *t >= longest) {
            s.sent.pop_front();
        }
        self.limits
            .iter()
            .all(|(n, w)| s.sent.iter().filter(|t| now - **t < *w).count() < *n)
    }

    async fn send_limited(&self, m: &AlertMessage) -> Result<(), super::AlertError> {
        let id = {
            let mut s = self.lock();
            s.next_id += 1;
            let id = s.next_id;
            s.waiting.push((id, m.clone()));
            id
        };
        loop {
            let batch = {
                let mut s = self.lock();
                if s.delivered.remove(&id) {
                    return Ok(());
                }
                let mine = s.waiting.iter().any(|(i, _)| *i == id);
                let now = Instant::now();
                let flushing = self.flush.load(std::sync::atomic::Ordering::SeqCst);
                if mine && (flushing || self.free(&mut s, now)) {
                    s.sent.push_back(now);
                    Some(std::mem::take(&mut s.waiting))
                } else {
                    None
                }
            };
            let Some(batch) = batch else {
                // No slot yet, or another alert is sending ours merged into its own.
                tokio::time::sleep(POLL).await;
                continue;
            };
            let messages: Vec<AlertMessage> = batch.iter().map(|(_, m)| m.clone()).collect();
            let merged = merge(&messages);
            let result = self.inner.send(&merged).await;
            let mut s = self.lock();
            match &result {
                Ok(()) => s
                    .delivered
                    .extend(batch.iter().map(|(i, _)| *i).filter(|i| *i != id)),
                // The others wait again (their own delivery is still pending); ours is retried
                // by the caller's backoff.
                Err(_) => s
                    .waiting
                    .extend(batch.into_iter().filter(|(i, _)| *i != id)),
            }
            return result;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent data (every update is one step).
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One message standing for several: the most severe first, each alert's summary and evidence,
/// and the union of what to do.
pub fn merge(messages: &[AlertMessage]) -> AlertMessage {
    let rank = |s: Severity| match s {
        Severity::Critical => 3,
        Severity::Unknown => 2,
        Severity::Warning => 1,
        Severity::Ok => 0,
    };
    let mut sorted: Vec<&AlertMessage> = messages.iter().collect();
    sorted.sort_by_key(|m| std::cmp::Reverse(rank(m.severity)));
    let Some(first) = sorted.first() else {
        // Never called empty: the batch always holds the caller's own alert.
        return AlertMessage {
            topic: Default::default(),
            condition: None,
            pipeline: String::new(),
            notice: super::dedup::Notice::Firing,
            cause: crate::diagnose::Cause::Unknown,
            severity: Severity::Unknown,
            summary: crate::diagnose::Fact::NoObservation,
            evidence: Vec::new(),
            remediation: Vec::new(),
            since: crate::observation::Timestamp::from_unix_millis(0),
            at: crate::observation::Timestamp::from_unix_millis(0),
            ends_at: crate::observation::Timestamp::from_unix_millis(0),
            action: None,
        };
    };
    if sorted.len() == 1 {
        return (*first).clone();
    }
    let mut pipelines: Vec<&str> = Vec::new();
    let mut evidence = Vec::new();
    let mut remediation: Vec<crate::diagnose::Fact> = Vec::new();
    for m in &sorted {
        if !pipelines.contains(&m.pipeline.as_str()) {
            pipelines.push(&m.pipeline);
        }
        evidence.push(m.summary.clone());
        evidence.extend(m.evidence.iter().map(|e| crate::diagnose::Fact::Indented {
            fact: Box::new(e.clone()),
        }));
        for r in &m.remediation {
            if !remediation.contains(r) {
                remediation.push(r.clone());
            }
        }
    }
    AlertMessage {
        topic: Default::default(),
        condition: None,
        pipeline: pipelines.join(", "),
        summary: crate::diagnose::Fact::AlertsMerged {
            count: sorted.len() as u64,
            first: Box::new(first.summary.clone()),
        },
        evidence,
        remediation,
        ..(*first).clone()
    }
}

impl<C: Channel> Channel for RateLimited<C> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn send<'a>(&'a self, m: &'a AlertMessage) -> SendFuture<'a> {
        Box::pin(self.send_limited(m))
    }

    fn shutting_down(&self) {
        self.flush.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::alerts::dedup::Notice;
    use crate::diagnose::{Cause, Fact};
    use crate::observation::Timestamp;
    use std::sync::Arc;

    #[derive(Default)]
    struct Rec(Mutex<Vec<AlertMessage>>);

    impl Channel for Arc<Rec> {
        fn name(&self) -> &'static str {
            "rec"
        }
        fn send<'a>(&'a self, m: &'a AlertMessage) -> SendFuture<'a> {
            self.0.lock().unwrap().push(m.clone());
            Box::pin(async { Ok(()) })
        }
    }

    fn msg(p: &str) -> AlertMessage {
        AlertMessage {
            topic: Default::default(),
            condition: None,
            pipeline: p.into(),
            notice: Notice::Firing,
            cause: Cause::SinkStalled,
            severity: Severity::Critical,
            summary: Fact::error(format!("{p}: CRITICAL sink_stalled")),
            evidence: vec![Fact::LastCheckpointFailure {
                message: format!("{p} checkpoint 42 failed"),
            }],
            remediation: vec![Fact::LookAtCheckpoints],
            since: Timestamp::from_unix_millis(0),
            at: Timestamp::from_unix_millis(0),
            ends_at: Timestamp::from_unix_millis(0),
            action: None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn alerts_over_the_limit_are_merged_not_dropped() {
        let rec = Arc::new(Rec::default());
        let ch = Arc::new(RateLimited::new(
            rec.clone(),
            vec![(2, Duration::from_secs(60))],
        ));
        let mut tasks = Vec::new();
        for p in ["a", "b", "c", "d", "e"] {
            let ch = ch.clone();
            tasks.push(tokio::spawn(async move { ch.send(&msg(p)).await }));
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(rec.0.lock().unwrap().len(), 2, "two within the limit");
        tokio::time::sleep(Duration::from_secs(61)).await;
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let got = rec.0.lock().unwrap();
        assert_eq!(got.len(), 3, "the other three in one message");
        assert_eq!(got[2].pipeline, "c, d, e");
        assert!(got[2].summary.en().starts_with("3 alerts merged"));
        assert_eq!(got[2].remediation, vec![Fact::LookAtCheckpoints]);
    }

    #[test]
    fn the_documented_limits() {
        assert_eq!(
            limits(ChatKind::DingTalk),
            vec![(20, Duration::from_secs(60))]
        );
    }
}

//! The collector contract: all collectors of a probe run concurrently, a hung one becomes a
//! missing signal at the deadline, and it never delays the others.

use std::time::Duration;

use logminer_doctor::collectors::unavailable::Unavailable;
use logminer_doctor::collectors::{collect, Collectors, OracleSource, OutputSource};
use logminer_doctor::observation::{OracleSnapshot, OutputSnapshot, Signal, Timestamp};

/// An Oracle that never answers (a database hung in the middle of a call).
struct HungOracle;

impl OracleSource for HungOracle {
    async fn observe(&self) -> Signal<OracleSnapshot> {
        tokio::time::sleep(Duration::from_secs(24 * 3600)).await;
        Signal::missing("unreachable")
    }
}

/// An output that answers at once.
struct QuickOutput;

impl OutputSource for QuickOutput {
    async fn observe(&self) -> Signal<OutputSnapshot> {
        Signal::observed(OutputSnapshot {
            newest_committed: None,
            committed_files: 7,
            committed_bytes: 700,
            in_progress_files: 0,
            oldest_in_progress_at: None,
            in_progress_bytes: 0,
            newest_in_progress_at: None,
            last_scn: Signal::observed(None),
        })
    }
}

#[tokio::test(start_paused = true)]
async fn a_hung_collector_becomes_a_missing_signal_at_the_deadline() {
    let collectors = Collectors {
        oracle: HungOracle,
        flink: Unavailable::new("not configured in this test"),
        zookeeper: Unavailable::new("not configured"),
        output: QuickOutput,
    };
    let started = tokio::time::Instant::now();
    let o = collect(
        "orders",
        Timestamp::from_unix_millis(0),
        &collectors,
        Duration::from_secs(15),
    )
    .await;
    assert_eq!(started.elapsed(), Duration::from_secs(15));
    assert!(o.oracle.failed());
    assert!(o
        .oracle
        .error()
        .unwrap()
        .contains("did not answer within 15s"));
    assert_eq!(o.output.value().unwrap().committed_files, 7);
    assert!(!o.flink.failed(), "not collected is not a failure");
    assert_eq!(o.flink.error(), Some("not configured in this test"));
}

//! One alert as the channel tests send it: a missing-redo incident of pipeline "orders", with
//! the facts a diagnosis would hold, fixed times, and no auto-remediation.

use logminer_doctor::agent::alerts::dedup::Notice;
use logminer_doctor::agent::alerts::AlertMessage;
use logminer_doctor::diagnose::{Cause, Fact, Severity};
use logminer_doctor::observation::Timestamp;

/// The "orders" missing-redo alert as `notice`.
pub fn missing_redo_alert(notice: Notice) -> AlertMessage {
    AlertMessage {
        topic: Default::default(),
        condition: None,
        pipeline: "orders".into(),
        notice,
        cause: Cause::MissingRedo,
        severity: Severity::Critical,
        summary: Fact::RestartScnUncovered {
            scn: 81234567,
            threads: vec![1],
        },
        evidence: vec![Fact::RedoThreadOldest {
            thread: 1,
            scn: 81300000,
            since: Timestamp::from_unix_millis(1_699_990_000_000),
        }],
        remediation: vec![Fact::RestoreArchivedLogs { scn: 81234567 }],
        since: Timestamp::from_unix_millis(1_700_000_000_000),
        at: Timestamp::from_unix_millis(1_700_000_060_000),
        ends_at: Timestamp::from_unix_millis(1_700_000_960_000),
        action: None,
    }
}

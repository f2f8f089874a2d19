//! Time as the commands see it: the wall clock for real probes, a simulated one for `demo`.
//!
//! Sampling loops ask a `Clock` for the time and to wait, so the simulator can run hours of
//! pipeline life in milliseconds while the real tool waits in real time.

use std::future::Future;
use std::time::{Duration, SystemTime};

use crate::observation::Timestamp;

/// Where the time comes from.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
    /// Waits `d` (or, in a simulation, lets `d` pass).
    fn sleep(&self, d: Duration) -> impl Future<Output = ()> + Send;
}

/// The machine's wall clock and tokio's timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_system_time(SystemTime::now())
    }

    async fn sleep(&self, d: Duration) {
        tokio::time::sleep(d).await
    }
}

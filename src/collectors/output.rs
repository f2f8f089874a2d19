//! The output collector: a Flink FileSink directory on a local path.
//! PLACEHOLDER: being written on its own branch.

use super::OutputSource;
use crate::config::OutputConfig;
use crate::observation::{OutputSnapshot, Signal};

/// Reads a FileSink directory incrementally.
pub struct FileSinkCollector {
    config: OutputConfig,
}

impl FileSinkCollector {
    /// A collector for the directory in `config`.
    pub fn new(config: OutputConfig) -> Self {
        FileSinkCollector { config }
    }
}

impl OutputSource for FileSinkCollector {
    async fn observe(&self) -> Signal<OutputSnapshot> {
        let _ = &self.config;
        todo!("output collector is being written")
    }
}

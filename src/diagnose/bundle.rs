//! The support bundle: what `diagnose --save` writes and `--replay` reads, the decision table's
//! replay input (observations with the thresholds they were judged by). Plain serde data.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{DiagnoseOptions, Thresholds};
use crate::observation::Observation;

/// What `diagnose --save` writes and `--replay` reads: the observations of each pipeline with
/// the thresholds they were judged by, so a bundle replays the same way on another machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Always [`Bundle::FORMAT`].
    pub format: String,
    /// One entry per pipeline.
    pub pipelines: Vec<BundlePipeline>,
}

impl Bundle {
    /// The format tag of this version of the bundle.
    pub const FORMAT: &'static str = "logminer-doctor-bundle/1";
}

/// One pipeline's part of a bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundlePipeline {
    /// The pipeline's name.
    pub name: String,
    /// The thresholds in force when the bundle was saved.
    pub thresholds: Thresholds,
    /// The FileSink rolling interval from the config.
    #[serde(with = "humantime_serde")]
    pub rolling_interval: Duration,
    /// The `--from-scn` given, if any.
    pub from_scn: Option<u64>,
    /// The observations, oldest first.
    pub observations: Vec<Observation>,
}

impl BundlePipeline {
    /// The decision table's options the bundle recorded (its name, `--from-scn` and the
    /// rolling interval), so a replay judges as the saved run did.
    pub fn options(&self) -> DiagnoseOptions {
        DiagnoseOptions {
            pipeline: self.name.clone(),
            from_scn: self.from_scn,
            rolling_interval: self.rolling_interval,
        }
    }
}

//! PLACEHOLDER: the decision table.

use super::{Diagnosis, Thresholds};
use crate::observation::Observation;

/// Inputs of a diagnosis besides the observations and thresholds.
#[derive(Debug, Clone, Default)]
pub struct DiagnoseOptions {
    /// An SCN the operator gives as a restart point (the lowest known SCN wins).
    pub from_scn: Option<u64>,
}

/// The decision table.
pub fn diagnose(observations: &[Observation], thresholds: &Thresholds, options: &DiagnoseOptions) -> Diagnosis {
    let _ = (observations, thresholds, options);
    todo!()
}

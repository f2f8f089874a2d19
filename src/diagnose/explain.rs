//! `explain`: classifies an error text or stack trace into the verdict vocabulary.
//! PLACEHOLDER: being written on its own branch.

use serde::Serialize;

use super::Cause;

/// What an error text means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The verdict the text supports (`unknown` when it gives no basis).
    pub cause: Cause,
    /// The ORA-/TNS-/DPI- codes found, normalised (`ORA-01291`), in order of appearance.
    pub codes: Vec<String>,
    /// One or two sentences: what happened.
    pub summary: String,
    /// What to do.
    pub remediation: String,
}

/// Classifies `text`.
pub fn explain(text: &str) -> Explanation {
    let _ = text;
    todo!("explain is being written")
}

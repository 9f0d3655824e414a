//! `status.json`: what each pipeline step of a circuit did, written atomically
//! after every step so an interrupted run resumes and a failure says where.

use std::{collections::BTreeMap, fs, path::Path, time::SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{write_atomic, ProverError};

/// Outcome of a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Finished; its outputs are in the workspace.
    Done,
    /// Failed; see the error.
    Failed,
}

/// One step's record.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StepRecord {
    /// Outcome.
    pub state: StepState,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Unix time (seconds) when it ended.
    pub finished_at: u64,
    /// Error message of a failed step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Peak resident memory of the EZKL process up to the end of the step, in KiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_kb: Option<u64>,
    /// Step result worth keeping (e.g. the model's shapes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
}

/// All steps of a circuit, by name.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Status {
    /// Step records.
    pub steps: BTreeMap<String, StepRecord>,
}

impl Status {
    /// Reads `status.json`, or an empty status if there is none (or it is unreadable).
    pub fn load(path: &Path) -> Result<Status, ProverError> {
        Ok(fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default())
    }

    /// Writes it atomically.
    pub fn save(&self, path: &Path) -> Result<(), ProverError> {
        let text = serde_json::to_string_pretty(self).expect("status serializes");
        write_atomic(path, text.as_bytes())
    }

    /// Whether a step finished.
    pub fn is_done(&self, step: &str) -> bool {
        self.steps
            .get(step)
            .is_some_and(|r| r.state == StepState::Done)
    }

    /// A finished step's kept result (`null` if none).
    pub fn result(&self, step: &str) -> Value {
        self.steps
            .get(step)
            .and_then(|r| r.result.clone())
            .unwrap_or(Value::Null)
    }

    /// Records a step's outcome.
    pub fn record(
        &mut self,
        step: &str,
        state: StepState,
        seconds: f64,
        error: Option<String>,
        result: Option<Value>,
        peak_rss_kb: Option<u64>,
    ) {
        let finished_at = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        self.steps.insert(
            step.into(),
            StepRecord {
                state,
                seconds,
                finished_at,
                error,
                peak_rss_kb,
                result,
            },
        );
    }
}

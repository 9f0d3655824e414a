//! `status.json`: what each pipeline step of a circuit did, written atomically
//! after every step so an interrupted run resumes and a failure says where.
//! Records are numbered in the order they were written: when a step runs
//! again (its outputs went missing), the records of the steps that ran after
//! its previous run are dropped, since they were built on its old outputs.

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
    /// Position among the records written so far (1 for the first; 0 in
    /// files written before records were numbered).
    #[serde(default)]
    pub seq: u64,
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

    /// Records a step's outcome. If the step had run before, the records of
    /// the steps that ran after that run are dropped (they must run again).
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
        let seq = self.steps.values().map(|r| r.seq).max().unwrap_or(0) + 1;
        if let Some(previous) = self.steps.get(step).map(|r| r.seq) {
            self.steps.retain(|_, r| r.seq <= previous);
        }
        self.steps.insert(
            step.into(),
            StepRecord {
                state,
                seconds,
                finished_at,
                error,
                peak_rss_kb,
                result,
                seq,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEPS: [&str; 5] = [
        "check_model",
        "gen_settings",
        "calibrate",
        "compile",
        "setup",
    ];

    fn done(status: &mut Status, step: &str) {
        status.record(step, StepState::Done, 1.0, None, None, None);
    }

    #[test]
    fn a_step_run_again_drops_the_steps_built_on_its_old_outputs() {
        let mut status = Status::default();
        for step in STEPS {
            done(&mut status, step);
        }
        // settings.json went missing: gen_settings runs again; calibrate,
        // compile and setup were built on the old settings.
        done(&mut status, "gen_settings");
        let kept: Vec<&str> = STEPS.into_iter().filter(|s| status.is_done(s)).collect();
        assert_eq!(kept, ["check_model", "gen_settings"]);
        // A failed re-run drops them too, and a first run drops nothing.
        for step in ["calibrate", "compile", "setup"] {
            done(&mut status, step);
        }
        status.record(
            "compile",
            StepState::Failed,
            1.0,
            Some("x".into()),
            None,
            None,
        );
        assert!(status.is_done("calibrate") && !status.is_done("setup"));
        done(&mut status, "verify_extra");
        assert!(status.is_done("calibrate"));
    }

    #[test]
    fn records_written_before_numbering_keep_working() {
        let text = r#"{"steps":{"setup":{"state":"done","seconds":1.0,"finished_at":5},
                       "compile":{"state":"done","seconds":1.0,"finished_at":4}}}"#;
        let mut status: Status = serde_json::from_str(text).unwrap();
        assert!(status.is_done("setup"));
        done(&mut status, "compile");
        assert!(status.is_done("setup"), "unnumbered records are kept");
    }
}

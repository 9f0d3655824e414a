//! Errors with exit codes, progress spinners and result printing (tables for
//! people, JSON for scripts).

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use zkmltrack::{
    architecture::ArchitectureError,
    chain::ChainError,
    dataset::DatasetError,
    evaluation::EvaluationError,
    model::{PrepareError, RegisterError},
    prover::ProverError,
    suite::FileError,
    verifier::GenError,
};

/// Unexpected failure.
pub(crate) const EXIT_FAILURE: u8 = 1;
/// The chain is unavailable: unreachable, wrong chain id, contract missing.
pub(crate) const EXIT_CHAIN: u8 = 3;
/// The chain refused: a revert, an unfunded account, no key.
pub(crate) const EXIT_REFUSED: u8 = 4;
/// Bad input: files, models, datasets, shapes.
pub(crate) const EXIT_INPUT: u8 = 5;
/// The audit found mismatches.
pub(crate) const EXIT_AUDIT: u8 = 6;

/// A one-line error and the process exit code that goes with it.
#[derive(Debug)]
pub(crate) struct CliError {
    /// Exit code.
    pub code: u8,
    /// What happened and what to do.
    pub message: String,
}

impl CliError {
    /// Bad input.
    pub(crate) fn input(message: impl Into<String>) -> CliError {
        CliError {
            code: EXIT_INPUT,
            message: message.into(),
        }
    }

    /// Bad input when `is_input`, else an unexpected failure: the SDK errors
    /// that know which they are (`is_input()`).
    fn input_or_failure(is_input: bool, message: String) -> CliError {
        CliError {
            code: if is_input { EXIT_INPUT } else { EXIT_FAILURE },
            message,
        }
    }

    /// The same error, its message naming the file it is about.
    pub(crate) fn in_file(self, path: &std::path::Path) -> CliError {
        CliError {
            code: self.code,
            message: format!("{}: {}", path.display(), self.message),
        }
    }
}

impl From<ChainError> for CliError {
    fn from(err: ChainError) -> CliError {
        let code = match &err {
            ChainError::BadUrl(_)
            | ChainError::Unreachable { .. }
            | ChainError::WrongChain { .. }
            | ChainError::NotDeployed { .. }
            | ChainError::Miswired { .. }
            | ChainError::NotTheContract { .. } => EXIT_CHAIN,
            ChainError::Reverted { .. }
            | ChainError::Failed { .. }
            | ChainError::Unfunded { .. }
            | ChainError::NoSigner(_)
            | ChainError::AwaitingApproval { .. } => EXIT_REFUSED,
            ChainError::ProgramTooLarge { .. } | ChainError::InvalidArgument { .. } => EXIT_INPUT,
            ChainError::Rpc { message, .. } if connection_lost(message) => EXIT_CHAIN,
            ChainError::Rpc { .. } | ChainError::Undecodable { .. } => EXIT_FAILURE,
        };
        let mut message = err.to_string();
        if matches!(&err, ChainError::Rpc { message, .. } if connection_lost(message)) {
            message += "; the connection to the node was lost: check that it runs, then re-run the command";
        }
        CliError { code, message }
    }
}

/// Whether an RPC failure is the transport's (the node went away or stopped
/// answering mid-command) rather than an answer the node gave: the chain is
/// unavailable, not the command wrong. alloy's HTTP transport reports every
/// such failure as reqwest's "error sending request for url (...)".
fn connection_lost(message: &str) -> bool {
    message.contains("error sending request for url")
}

impl From<ProverError> for CliError {
    fn from(err: ProverError) -> CliError {
        CliError::input_or_failure(err.is_input(), err.to_string())
    }
}

impl From<DatasetError> for CliError {
    fn from(err: DatasetError) -> CliError {
        CliError::input(err.to_string())
    }
}

impl From<GenError> for CliError {
    fn from(err: GenError) -> CliError {
        CliError::input_or_failure(err.is_input(), err.to_string())
    }
}

impl From<PrepareError> for CliError {
    fn from(err: PrepareError) -> CliError {
        CliError::input_or_failure(err.is_input(), err.to_string())
    }
}

impl From<ArchitectureError> for CliError {
    fn from(err: ArchitectureError) -> CliError {
        CliError::input_or_failure(err.is_input(), err.to_string())
    }
}

impl From<FileError> for CliError {
    fn from(err: FileError) -> CliError {
        CliError::input(err.to_string())
    }
}

impl From<RegisterError> for CliError {
    fn from(err: RegisterError) -> CliError {
        match err {
            RegisterError::Chain(e) => e.into(),
            RegisterError::AlreadyRegistered { .. } => CliError {
                code: EXIT_REFUSED,
                message: err.to_string(),
            },
            other => {
                debug_assert!(other.is_input());
                CliError::input(other.to_string())
            }
        }
    }
}

impl From<EvaluationError> for CliError {
    fn from(err: EvaluationError) -> CliError {
        match err {
            EvaluationError::Chain(e) => e.into(),
            EvaluationError::Prover(e) => e.into(),
            EvaluationError::Revoked(_) => CliError {
                code: EXIT_REFUSED,
                message: err.to_string(),
            },
            // The model, the dataset and the task do not fit together.
            _ => CliError::input(err.to_string()),
        }
    }
}

/// A spinner on stderr for one long step (hidden when stderr is not a terminal,
/// where the step is logged as a line instead).
pub(crate) struct Step {
    bar: ProgressBar,
    name: String,
}

impl Step {
    /// Starts a step.
    pub(crate) fn start(name: impl Into<String>) -> Step {
        let name = name.into();
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("valid template"),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar.set_message(name.clone());
        if bar.is_hidden() {
            eprintln!("... {name}");
        }
        Step { bar, name }
    }

    /// Updates the step's message.
    pub(crate) fn note(&self, message: &str) {
        if self.bar.is_hidden() {
            eprintln!("    {message}");
        } else {
            self.bar.set_message(format!("{}: {message}", self.name));
        }
    }

    /// Ends the step with a line saying what it produced.
    pub(crate) fn done(self, result: impl AsRef<str>) {
        let seconds = self.bar.elapsed().as_secs_f64();
        self.bar.finish_and_clear();
        eprintln!("ok  {} ({seconds:.1} s){}", self.name, {
            let r = result.as_ref();
            if r.is_empty() {
                String::new()
            } else {
                format!(": {r}")
            }
        });
    }
}

/// Prints a result: `value` as JSON with `--json`, else `human`.
pub(crate) fn emit(json: bool, value: &Value, human: &str) {
    if json {
        println!("{value}");
    } else {
        println!("{human}");
    }
}

/// A plain text table with right-aligned numeric columns.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .enumerate()
            .map(|(c, s)| format!("{s:>w$}", w = widths[c]))
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut out = vec![line(header.to_vec())];
    out.push(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  "),
    );
    for r in rows {
        out.push(line(r.iter().map(String::as_str).collect()));
    }
    out.join("\n")
}

/// Basis points as a percentage with two decimals.
pub(crate) use zkmltrack::evaluation::percent;

//! EZKL proving: ONNX model -> circuit -> proofs, through the pinned `ezkl`
//! Python package (see [`crate::python`]).
//!
//! A [`Prover`] turns a model into a [`Circuit`] in a content-addressed
//! workspace (`<workspace>/<sha256 of ONNX + options>/`): check the ONNX,
//! generate settings (inputs and outputs public, weights fixed into the
//! verifying key by default), calibrate, compile, obtain the SRS, set up keys.
//! Each step is recorded in an atomically written `status.json` (state,
//! seconds, error) and skipped when a re-run finds it done, so an interrupted
//! run resumes where it stopped. A [`Circuit`] then proves rows (one sample, or
//! a batch for a model exported with a batch dimension) and verifies proofs.
//!
//! ```no_run
//! use zkmltrack::prover::{Prover, ProverConfig, SrsSource};
//!
//! let config = ProverConfig::new("work/circuits", SrsSource::TestOnly);
//! let prover = Prover::new(config)?;
//! let rows = vec![vec![5.1, 3.5, 1.4, 0.2]];
//! let circuit = prover.circuit("examples/iris/model.onnx".as_ref(), &rows, &|_| {})?;
//! let proof = circuit.prove(&rows, &|_| {})?;
//! assert!(circuit.verify(&proof)?);
//! # Ok::<(), zkmltrack::prover::ProverError>(())
//! ```

pub mod memory;
mod status;

use std::{
    fmt, fs,
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio},
    sync::Mutex,
    time::Instant,
};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::{
    hashing::{self, Felt},
    python::{zkmltrack_home, PythonEnv, PythonError},
    quantize::InputType,
};
pub use status::{Status, StepRecord, StepState};

thread_local! {
    /// Peak RSS reported by the last driver process this thread ran.
    static LAST_PEAK_RSS_KB: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// The driver script run by the environment's Python, one step per process.
const DRIVER: &str = include_str!("driver.py");

/// Errors of the proving pipeline.
#[derive(Debug, thiserror::Error)]
pub enum ProverError {
    /// The Python environment could not be prepared.
    #[error(transparent)]
    Python(#[from] PythonError),
    /// The model file is missing or is not ONNX.
    #[error("{path}: {reason}")]
    InvalidModel {
        /// The file.
        path: PathBuf,
        /// Why it was refused.
        reason: String,
    },
    /// The model uses an operation EZKL cannot turn into a circuit.
    #[error("{path}: EZKL does not support the ONNX operation `{op}`; re-export the model without it (see EZKL's supported operations)")]
    UnsupportedOperation {
        /// The model.
        path: PathBuf,
        /// The operation.
        op: String,
    },
    /// Input rows do not match the model's input shape.
    #[error(
        "the model takes {expected} values per proof (input shape {shape:?}) but got {actual}"
    )]
    InputShape {
        /// Values the model takes.
        expected: usize,
        /// Values given.
        actual: usize,
        /// The model's input shape.
        shape: Vec<i64>,
    },
    /// A row's width is not the model's features per row.
    #[error(
        "the model takes {expected} features per row (input shape {shape:?}) but row {row} \
         (0-based) has {found}"
    )]
    RowWidth {
        /// Features per row the model takes.
        expected: usize,
        /// The first row of another width.
        row: usize,
        /// Its width.
        found: usize,
        /// The model's input shape.
        shape: Vec<i64>,
    },
    /// A pipeline step failed.
    #[error("EZKL step `{step}` failed: {message}")]
    Step {
        /// The step.
        step: String,
        /// EZKL's message.
        message: String,
    },
    /// A user-supplied SRS file is missing.
    #[error("SRS file {0} does not exist: pass an existing KZG SRS for the circuit's logrows, or SrsSource::TestOnly for tests")]
    MissingSrs(PathBuf),
    /// The SRS has fewer points than the circuit needs.
    #[error("the SRS {path} has 2^{k} points but the circuit needs 2^{logrows}: {hint}")]
    SrsTooSmall {
        /// The SRS file.
        path: PathBuf,
        /// Its size (log2 of its point count).
        k: u32,
        /// The circuit's logrows.
        logrows: u32,
        /// What to do.
        hint: String,
    },
    /// Setting up or proving the circuit is predicted to need more memory
    /// than the machine has available.
    #[error(
        "setting up and proving this circuit (2^{logrows} rows) is estimated to \
         need {estimate_mib} MiB at its peak, more than the {available_mib} MiB available: use a \
         machine with more memory or a smaller circuit (fewer samples per proof), or pass \
         --ignore-memory-estimate (ProverConfig::memory_guard = false) to run it anyway"
    )]
    NotEnoughMemory {
        /// The circuit's logrows.
        logrows: u32,
        /// Estimated peak (MiB).
        estimate_mib: u64,
        /// Memory available (MiB).
        available_mib: u64,
    },
    /// An artifact could not be read or written.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// An artifact has an unexpected format.
    #[error("cannot read {0}: {1}")]
    Artifact(PathBuf, String),
}

impl ProverError {
    /// Whether the model or the inputs given are at fault (refused as bad
    /// input), as opposed to EZKL or the environment failing.
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            ProverError::InvalidModel { .. }
                | ProverError::UnsupportedOperation { .. }
                | ProverError::InputShape { .. }
                | ProverError::RowWidth { .. }
                | ProverError::SrsTooSmall { .. }
                | ProverError::NotEnoughMemory { .. }
        )
    }
}

fn io_err(what: impl fmt::Display) -> impl FnOnce(std::io::Error) -> ProverError {
    let what = what.to_string();
    move |e| ProverError::Io(what, e)
}

/// Largest ONNX file the prover reads (256 MiB): the model is read whole and
/// copied into its circuit directory, and a circuit of a larger model would
/// not fit a proving key in memory anyway.
pub const MAX_ONNX_BYTES: u64 = 256 << 20;

/// Where the structured reference string comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum SrsSource {
    /// A KZG SRS file supplied by the user (e.g. from a trusted ceremony).
    File(PathBuf),
    /// `ezkl.gen_srs`: a locally generated SRS whose toxic waste is known,
    /// one per workspace (2^[`test_srs_logrows`] points) shared by all its
    /// circuits, as a suite's router trusts only one SRS.
    /// UNSAFE outside tests: anyone holding it can forge proofs.
    TestOnly,
}

/// Visibility of a circuit part, as EZKL names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Visibility {
    /// Part of the public instances.
    Public,
    /// Witness only.
    Private,
    /// Baked into the verifying key (weights: the on-chain commitment).
    Fixed,
    /// Committed by a Poseidon hash in the instances.
    Hashed,
}

impl Visibility {
    fn as_ezkl(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
            Visibility::Fixed => "fixed",
            Visibility::Hashed => "hashed",
        }
    }
}

/// What calibration optimizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CalibrationTarget {
    /// Smallest circuit (fastest proving).
    Resources,
    /// Highest numeric fidelity.
    Accuracy,
}

/// Options of a [`Prover`]; the defaults suit on-chain evaluation.
#[derive(Clone, Debug, Serialize)]
pub struct ProverConfig {
    /// Directory holding one sub-directory per circuit.
    pub workspace: PathBuf,
    /// zkMLTrack home (Python environment); [`zkmltrack_home`] by default.
    #[serde(skip)]
    pub home: PathBuf,
    /// SRS source.
    pub srs: SrsSource,
    /// Model inputs' visibility (public: the controller checks them against the dataset).
    pub input_visibility: Visibility,
    /// Model outputs' visibility (public: the controller scores them).
    pub output_visibility: Visibility,
    /// Weights' visibility (hashed: one public Poseidon hash of all the
    /// parameters, the version's weight commitment; the verifying key then
    /// commits to the architecture only).
    pub param_visibility: Visibility,
    /// Calibration target, or `None` to keep the generated settings.
    pub calibration: Option<CalibrationTarget>,
    /// Fixed input scale (bits); calibration may change it when `None`.
    pub input_scale: Option<u32>,
    /// Fixed weight scale (bits).
    pub param_scale: Option<u32>,
    /// Size (log2 of the point count) of the test-only SRS this prover
    /// generates, or `None` for [`test_srs_logrows`]; ignored for an SRS file.
    /// (Not part of a circuit's identity: the SRS's own fingerprint is.)
    #[serde(skip)]
    pub test_srs_logrows: Option<u32>,
    /// Refuse to set up or prove a circuit whose predicted peak memory
    /// ([`memory::estimate`]) exceeds the memory available (on by default;
    /// off for those who know better, e.g. with swap).
    #[serde(skip)]
    pub memory_guard: bool,
    /// Memory the estimate is weighed against (bytes), e.g. a container's
    /// budget; `None` for what the kernel says is available now
    /// ([`memory::available_bytes`]).
    #[serde(skip)]
    pub memory_budget: Option<u64>,
}

impl ProverConfig {
    /// Defaults: public inputs and outputs, hashed weights, resource calibration.
    pub fn new(workspace: impl Into<PathBuf>, srs: SrsSource) -> ProverConfig {
        ProverConfig {
            workspace: workspace.into(),
            home: zkmltrack_home(),
            srs,
            input_visibility: Visibility::Public,
            output_visibility: Visibility::Public,
            param_visibility: Visibility::Hashed,
            calibration: Some(CalibrationTarget::Resources),
            input_scale: None,
            param_scale: None,
            test_srs_logrows: None,
            memory_guard: true,
            memory_budget: None,
        }
    }
}

/// Size (log2 of the point count) of a workspace's test-only SRS:
/// `ZKMLTRACK_TEST_SRS_LOGROWS`, or 15 (what EZKL's calibration picks for
/// the bundled models). Circuits with fewer rows still use it, but EZKL then
/// downsizes it on every load (an FFT over the curve: ~10x slower setup and
/// proving); circuits with more rows need a larger one.
pub fn test_srs_logrows() -> u32 {
    std::env::var("ZKMLTRACK_TEST_SRS_LOGROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(is_test_srs_size)
        .unwrap_or(15)
}

/// Whether `k` is a size a test-only SRS may have (2^1 to 2^26 points).
fn is_test_srs_size(k: &u32) -> bool {
    (1..=26).contains(k)
}

/// A KZG SRS file's size (log2 of its point count, the file's first four
/// bytes) and identity (SHA-256 of its last 256 bytes: the G2 generator and
/// `[τ]G2`, which differ between SRSs).
pub fn srs_identity(path: &Path) -> Result<(u32, [u8; 32]), ProverError> {
    use std::io::{Read, Seek, SeekFrom};
    let bad = |reason: &str| ProverError::Artifact(path.into(), format!("not a KZG SRS: {reason}"));
    let mut file =
        fs::File::open(path).map_err(io_err(format!("cannot open {}", path.display())))?;
    let mut k = [0u8; 4];
    file.read_exact(&mut k)
        .map_err(|_| bad("shorter than its header"))?;
    let k = u32::from_le_bytes(k);
    if k == 0 || k > 28 {
        return Err(bad(&format!("size 2^{k}")));
    }
    let len = file
        .metadata()
        .map_err(io_err(format!("cannot read {}", path.display())))?
        .len();
    if len < 4 + 256 + (1u64 << k) * 64 {
        return Err(bad(&format!("{len} bytes is too short for 2^{k} points")));
    }
    let mut g2 = [0u8; 256];
    file.seek(SeekFrom::End(-256))
        .and_then(|_| file.read_exact(&mut g2))
        .map_err(io_err(format!("cannot read {}", path.display())))?;
    Ok((k, Sha256::digest(g2).into()))
}

/// A long step starting or finishing, for progress bars.
#[derive(Clone, Debug, PartialEq)]
pub enum Progress {
    /// A step started.
    Started(String),
    /// A step finished.
    Finished {
        /// The step.
        step: String,
        /// Wall time in seconds.
        seconds: f64,
        /// Peak resident memory of the EZKL process so far (it serves every
        /// step of a prover), in KiB.
        peak_rss_kb: Option<u64>,
    },
    /// A step was found done in the workspace.
    Skipped(String),
    /// The circuit's predicted peak memory ([`memory::estimate`]), before
    /// set-up, and the memory available then.
    MemoryEstimate {
        /// Estimated peak of the EZKL process (bytes).
        peak_bytes: u64,
        /// Memory available (bytes), when known.
        available_bytes: Option<u64>,
    },
}

/// The progress line a command shows for the event: `setup ...`, `setup done
/// in 1.2 s`, `setup already done`, the memory estimate.
impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Progress::Started(step) => write!(f, "{step} ..."),
            Progress::Finished { step, seconds, .. } => {
                write!(f, "{step} done in {seconds:.1} s")
            }
            Progress::Skipped(step) => write!(f, "{step} already done"),
            Progress::MemoryEstimate {
                peak_bytes,
                available_bytes,
            } => {
                write!(
                    f,
                    "set-up and proving estimated to peak at {} MiB",
                    memory::mib(*peak_bytes)
                )?;
                match available_bytes {
                    Some(a) => write!(f, " ({} MiB available)", a >> 20),
                    None => Ok(()),
                }
            }
        }
    }
}

/// The parts of EZKL's `settings.json` the SDK uses.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Settings {
    /// Circuit size: 2^logrows rows.
    pub logrows: u32,
    /// Scale (bits) of each model input.
    pub input_scales: Vec<u32>,
    /// Scale (bits) of each model output.
    pub output_scales: Vec<u32>,
    /// Shapes of the instance tensors (inputs then outputs).
    pub instance_shapes: Vec<Vec<usize>>,
    /// EZKL version that wrote the settings.
    pub version: String,
    /// Whether the parameters are hashed (one public hash instance before
    /// the inputs).
    #[serde(default)]
    pub hashed_params: bool,
    /// Type of each model input (EZKL casts values to it before quantizing);
    /// empty when the settings do not say.
    #[serde(default)]
    pub input_types: Vec<InputType>,
    /// Columns per block of advice cells (`run_args.num_inner_cols`).
    #[serde(default)]
    pub num_inner_cols: u32,
    /// Whether the circuit has einsum columns (`einsum_params.total_einsum_col_size`
    /// above 0: EZKL's Freivalds check of batched matrix products).
    #[serde(default)]
    pub einsum_columns: bool,
}

impl Settings {
    fn read(path: &Path) -> Result<Settings, ProverError> {
        let bad = |m: &str| ProverError::Artifact(path.into(), m.into());
        let text = fs::read_to_string(path).map_err(io_err(path.display()))?;
        let v: Value = serde_json::from_str(&text).map_err(|e| bad(&e.to_string()))?;
        let u32s = |key: &str| -> Result<Vec<u32>, ProverError> {
            v[key]
                .as_array()
                .ok_or_else(|| bad(key))?
                .iter()
                .map(|x| x.as_u64().map(|x| x as u32).ok_or_else(|| bad(key)))
                .collect()
        };
        let instance_shapes = v["model_instance_shapes"]
            .as_array()
            .ok_or_else(|| bad("model_instance_shapes"))?
            .iter()
            .map(|s| {
                s.as_array()
                    .map(|d| {
                        d.iter()
                            .filter_map(|x| x.as_u64())
                            .map(|x| x as usize)
                            .collect()
                    })
                    .ok_or_else(|| bad("model_instance_shapes"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Settings {
            logrows: v["run_args"]["logrows"]
                .as_u64()
                .ok_or_else(|| bad("logrows"))? as u32,
            input_scales: u32s("model_input_scales")?,
            output_scales: u32s("model_output_scales")?,
            instance_shapes,
            version: v["version"].as_str().unwrap_or_default().to_string(),
            hashed_params: v["run_args"]["param_visibility"].get("Hashed").is_some()
                || v["run_args"]["param_visibility"] == "Hashed",
            input_types: v["input_types"]
                .as_array()
                .map(|types| {
                    types
                        .iter()
                        .filter_map(|t| t.as_str().and_then(InputType::from_settings_name))
                        .collect()
                })
                .unwrap_or_default(),
            num_inner_cols: v["run_args"]["num_inner_cols"].as_u64().unwrap_or(1) as u32,
            einsum_columns: v["einsum_params"]["total_einsum_col_size"]
                .as_u64()
                .is_some_and(|n| n > 0),
        })
    }
}

/// Paths of a circuit's artifacts.
#[derive(Clone, Debug)]
pub struct CircuitPaths {
    /// The circuit's directory.
    pub dir: PathBuf,
    /// Copy of the ONNX model.
    pub model: PathBuf,
    /// EZKL settings.
    pub settings: PathBuf,
    /// Compiled circuit.
    pub compiled: PathBuf,
    /// SRS used.
    pub srs: PathBuf,
    /// Verifying key.
    pub vk: PathBuf,
    /// Proving key.
    pub pk: PathBuf,
    /// Step status.
    pub status: PathBuf,
}

/// A proof with its public instances.
#[derive(Clone, Debug)]
pub struct Proof {
    /// The proof file (EZKL JSON).
    pub path: PathBuf,
    /// Proof bytes, as the EVM verifier takes them.
    pub bytes: Vec<u8>,
    /// Public instances as field elements, in EZKL's order (the weight hash
    /// when the parameters are hashed, the inputs, then the outputs).
    pub instances: Vec<Felt>,
    /// Number of input instances.
    pub input_count: usize,
    /// Number of parameter-hash instances before the inputs (1 with hashed
    /// parameters, 0 otherwise).
    pub param_count: usize,
    /// Instances decoded to real numbers with the circuit's scales (the
    /// weight hash, which is no number, as 0).
    pub decoded: Vec<f64>,
}

impl Proof {
    /// The public inputs.
    pub fn inputs(&self) -> &[Felt] {
        &self.instances[self.param_count..self.param_count + self.input_count]
    }

    /// The weight hash the proof carries (hashed parameters only).
    pub fn weight_hash(&self) -> Option<&Felt> {
        self.instances[..self.param_count].first()
    }

    /// The public outputs.
    pub fn outputs(&self) -> &[Felt] {
        &self.instances[self.input_count + self.param_count..]
    }
}

/// Where a circuit's settings come from.
#[derive(Clone, Copy)]
enum SettingsSource<'a> {
    /// EZKL generates them and calibrates on these rows.
    Calibrate(&'a [Vec<f64>]),
    /// Given (an architecture package's `settings.json`).
    Given(&'a [u8]),
}

/// Drives EZKL in the project-managed Python environment.
pub struct Prover {
    config: ProverConfig,
    env: PythonEnv,
    driver: PathBuf,
    /// The EZKL process, started on the first step and reused.
    worker: Mutex<Option<Worker>>,
}

impl Prover {
    /// Prepares the Python environment (first use creates it).
    pub fn new(config: ProverConfig) -> Result<Prover, ProverError> {
        let env = PythonEnv::ensure(&config.home)?;
        let driver = config.home.join("ezkl_driver.py");
        if fs::read_to_string(&driver).ok().as_deref() != Some(DRIVER) {
            write_atomic(&driver, DRIVER.as_bytes())?;
        }
        if config.srs == SrsSource::TestOnly {
            eprintln!(
                "zkmltrack: WARNING: using a locally generated TEST-ONLY SRS (ezkl.gen_srs). \
                 Its secret is known to this machine: proofs are forgeable. Never use it on a real chain."
            );
        }
        Ok(Prover {
            config,
            env,
            driver,
            worker: Mutex::new(None),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ProverConfig {
        &self.config
    }

    /// EZKL's own quantization of `values` at `scale` for an input of type
    /// `input_type` (its Python API, `float_to_felt`, which applies the cast
    /// and the rounding a witness applies), in one call.
    pub fn quantize(
        &self,
        values: &[f64],
        scale: u32,
        input_type: InputType,
    ) -> Result<Vec<Felt>, ProverError> {
        let answer = self.call(
            "quantize",
            json!({ "values": values, "scale": scale,
                    "input_type": ezkl_input_type_name(input_type) }),
        )?;
        let bad = |m: String| ProverError::Step {
            step: "quantize".into(),
            message: m,
        };
        let out: Vec<Felt> = answer["values"]
            .as_array()
            .ok_or_else(|| bad("EZKL's quantization returned no values".into()))?
            .iter()
            .map(|v| {
                v.as_str()
                    .and_then(|s| s.parse::<i128>().ok())
                    .map(Felt::from_i128)
                    .ok_or_else(|| bad(format!("EZKL's quantization returned {v}")))
            })
            .collect::<Result<_, _>>()?;
        if out.len() != values.len() {
            return Err(bad(format!(
                "EZKL quantized {} of {} values",
                out.len(),
                values.len()
            )));
        }
        Ok(out)
    }

    /// Builds (or resumes) the circuit of an ONNX model. `calibration_rows` are
    /// representative inputs: rows whose values, flattened, make one or more
    /// proofs' worth of model input.
    pub fn circuit(
        &self,
        model: &Path,
        calibration_rows: &[Vec<f64>],
        progress: &dyn Fn(Progress),
    ) -> Result<Circuit<'_>, ProverError> {
        self.build(model, SettingsSource::Calibrate(calibration_rows), progress)
    }

    /// Builds (or resumes) the circuit of an ONNX model under given EZKL
    /// settings (an architecture package's), without calibrating: models of
    /// one graph with different weights then share one verifying key.
    pub fn circuit_with_settings(
        &self,
        model: &Path,
        settings: &Path,
        progress: &dyn Fn(Progress),
    ) -> Result<Circuit<'_>, ProverError> {
        let bytes = fs::read(settings).map_err(io_err(settings.display()))?;
        self.build(model, SettingsSource::Given(&bytes), progress)
    }

    /// Writes `model`'s graph to `out` with its trained weights replaced by
    /// seeded random values (all-zero and integer tensors kept): the model of
    /// an architecture package ([`crate::architecture`]).
    pub fn architecture_model(
        &self,
        model: &Path,
        out: &Path,
        seed: u64,
    ) -> Result<(), ProverError> {
        self.call_once(
            "architecture",
            json!({ "model": model, "out": out, "seed": seed }),
        )?;
        Ok(())
    }

    /// What an ONNX model takes and gives, read without building its circuit
    /// (the `check_model` step alone, in a process of its own, about a second):
    /// a file that is not ONNX, has several inputs or a symbolic dimension is
    /// [`ProverError::InvalidModel`], as [`Prover::circuit`] would refuse it.
    pub fn inspect(&self, model: &Path) -> Result<ModelShape, ProverError> {
        let size = fs::metadata(model)
            .map_err(|e| ProverError::InvalidModel {
                path: model.into(),
                reason: format!("cannot read the model: {e}"),
            })?
            .len();
        if size > MAX_ONNX_BYTES {
            return Err(ProverError::InvalidModel {
                path: model.into(),
                reason: format!(
                    "the file is {size} bytes, larger than the {MAX_ONNX_BYTES} bytes a model may have"
                ),
            });
        }
        let shapes = self
            .call_once("check_model", json!({ "model": model }))
            .map_err(invalid_model(model))?;
        let dims = |v: &Value| -> Vec<i64> {
            v.as_array()
                .map(|d| d.iter().filter_map(Value::as_i64).collect())
                .unwrap_or_default()
        };
        Ok(ModelShape {
            input: dims(&shapes["inputs"][0]),
            outputs: shapes["outputs"]
                .as_array()
                .map(|o| o.iter().map(dims).collect())
                .unwrap_or_default(),
        })
    }

    fn build(
        &self,
        model: &Path,
        source: SettingsSource<'_>,
        progress: &dyn Fn(Progress),
    ) -> Result<Circuit<'_>, ProverError> {
        let unreadable = |e: std::io::Error| ProverError::InvalidModel {
            path: model.into(),
            reason: format!("cannot read the model: {e}"),
        };
        let size = fs::metadata(model).map_err(unreadable)?.len();
        if size > MAX_ONNX_BYTES {
            return Err(ProverError::InvalidModel {
                path: model.into(),
                reason: format!(
                    "the file is {size} bytes, larger than the {MAX_ONNX_BYTES} bytes a model may have \
                     (EZKL circuits of models this size are far beyond a proving key's memory)"
                ),
            });
        }
        let onnx = fs::read(model).map_err(unreadable)?;
        let srs = self.srs_file(progress)?;
        let (srs_k, srs_fingerprint) = srs_identity(&srs)?;
        let mut hasher = Sha256::new();
        hasher.update(&onnx);
        hasher.update(serde_json::to_vec(&self.config).expect("config serializes"));
        // Keys, VKAs and verifiers depend on the SRS: a new SRS, a new circuit.
        hasher.update(srs_fingerprint);
        match source {
            SettingsSource::Calibrate(rows) => {
                hasher.update(serde_json::to_vec(rows).expect("rows serialize"))
            }
            SettingsSource::Given(settings) => {
                hasher.update(b"given settings");
                hasher.update(settings);
            }
        }
        let id: String = hasher
            .finalize()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect();
        let dir = self.config.workspace.join(&id);
        fs::create_dir_all(&dir).map_err(io_err(format!("cannot create {}", dir.display())))?;
        let paths = CircuitPaths {
            model: dir.join("model.onnx"),
            settings: dir.join("settings.json"),
            compiled: dir.join("model.compiled"),
            srs,
            vk: dir.join("vk.key"),
            pk: dir.join("pk.key"),
            status: dir.join("status.json"),
            dir,
        };
        let mut status = Status::load(&paths.status)?;

        self.run_step(&mut status, &paths, "check_model", progress, &[], || {
            write_atomic(&paths.model, &onnx)?;
            // A process of its own: loading the `onnx` package costs ~40 MiB
            // the long-lived worker should not carry through setup and proving.
            let shapes = self.call_once("check_model", json!({ "model": paths.model }))?;
            Ok(Some(shapes))
        })
        .map_err(invalid_model(model))?;
        let input_shape: Vec<i64> = status.result("check_model")["inputs"][0]
            .as_array()
            .map(|d| d.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        let per_proof = input_shape.iter().product::<i64>().max(0) as usize;
        match source {
            SettingsSource::Calibrate(rows) => self.calibrate(
                model,
                rows,
                &input_shape,
                per_proof,
                &paths,
                &mut status,
                progress,
            )?,
            SettingsSource::Given(settings) => self.run_step(
                &mut status,
                &paths,
                "settings",
                progress,
                &[&paths.settings],
                || {
                    write_atomic(&paths.settings, settings)?;
                    Ok(None)
                },
            )?,
        }
        self.run_step(&mut status, &paths, "compile", progress, &[&paths.compiled], || {
            self.call(
                "compile",
                json!({ "model": paths.model, "compiled": paths.compiled, "settings": paths.settings }),
            )?;
            Ok(None)
        })?;
        let settings = Settings::read(&paths.settings)?;
        if settings.logrows > srs_k {
            return Err(ProverError::SrsTooSmall {
                path: paths.srs.clone(),
                k: srs_k,
                logrows: settings.logrows,
                hint: match self.config.srs {
                    SrsSource::File(_) => "pass a larger SRS".into(),
                    SrsSource::TestOnly => format!(
                        "set ZKMLTRACK_TEST_SRS_LOGROWS={} for a larger test-only SRS (a new one: \
                         circuits are set up again, and a suite must trust it)",
                        settings.logrows
                    ),
                },
            });
        }
        self.check_memory(&settings, progress)?;
        self.run_step(&mut status, &paths, "setup", progress, &[&paths.vk, &paths.pk], || {
            self.call(
                "setup",
                json!({ "compiled": paths.compiled, "vk": paths.vk, "pk": paths.pk, "srs": paths.srs }),
            )?;
            Ok(None)
        })?;
        // The input type EZKL casts to: the settings' (EZKL 23 records it),
        // else the ONNX input's element type, else `float`.
        let input_type = settings
            .input_types
            .first()
            .copied()
            .or_else(|| {
                status.result("check_model")["input_types"][0]
                    .as_str()
                    .and_then(InputType::from_settings_name)
            })
            .unwrap_or(crate::quantize::TASK_INPUT_TYPE);
        Ok(Circuit {
            prover: self,
            paths,
            settings,
            input_type,
            input_shape,
            per_proof,
            onnx_hash: alloy::primitives::keccak256(&onnx),
        })
    }

    /// Checks the calibration rows against the model's input shape, then
    /// generates and calibrates the settings.
    #[allow(clippy::too_many_arguments)]
    fn calibrate(
        &self,
        model: &Path,
        calibration_rows: &[Vec<f64>],
        input_shape: &[i64],
        per_proof: usize,
        paths: &CircuitPaths,
        status: &mut Status,
        progress: &dyn Fn(Progress),
    ) -> Result<(), ProverError> {
        let input_shape = input_shape.to_vec();
        // A [batch, features] model: every row must hold its features (a set of
        // another width could still flatten to whole proofs).
        if let [_, width] = input_shape[..] {
            let width = width.max(0) as usize;
            if let Some((row, r)) = calibration_rows
                .iter()
                .enumerate()
                .find(|(_, r)| r.len() != width)
            {
                return Err(ProverError::RowWidth {
                    expected: width,
                    row,
                    found: r.len(),
                    shape: input_shape,
                });
            }
        }
        let total: usize = calibration_rows.iter().map(Vec::len).sum();
        if total == 0 || per_proof == 0 || !total.is_multiple_of(per_proof) {
            return Err(ProverError::InputShape {
                expected: per_proof,
                actual: total,
                shape: input_shape,
            });
        }

        let data = paths.dir.join("calibration.json");
        self.run_step(
            status,
            paths,
            "gen_settings",
            progress,
            &[&paths.settings],
            || {
                write_atomic(&data, input_json(calibration_rows).as_bytes())?;
                self.call(
                "gen_settings",
                json!({
                    "model": paths.model, "settings": paths.settings,
                    "input_visibility": self.config.input_visibility.as_ezkl(),
                    "output_visibility": self.config.output_visibility.as_ezkl(),
                    "param_visibility": self.config.param_visibility.as_ezkl(),
                    "input_scale": self.config.input_scale, "param_scale": self.config.param_scale,
                }),
            )?;
                Ok(None)
            },
        )
        .map_err(|e| unsupported_operation(e, model))?;
        if let Some(target) = self.config.calibration {
            self.run_step(
                status,
                paths,
                "calibrate",
                progress,
                &[&paths.settings],
                || {
                    let target = match target {
                        CalibrationTarget::Resources => "resources",
                        CalibrationTarget::Accuracy => "accuracy",
                    };
                    self.call(
                        "calibrate",
                        json!({ "data": data, "model": paths.model, "settings": paths.settings,
                            "target": target, "lookup_safety_margin": 2.0,
                            "input_scale": self.config.input_scale }),
                    )?;
                    Ok(None)
                },
            )?;
        }
        Ok(())
    }

    /// Runs a step unless `status.json` says it is done and its outputs exist.
    fn run_step(
        &self,
        status: &mut Status,
        paths: &CircuitPaths,
        step: &str,
        progress: &dyn Fn(Progress),
        outputs: &[&Path],
        work: impl FnOnce() -> Result<Option<Value>, ProverError>,
    ) -> Result<(), ProverError> {
        // One run at a time per circuit directory (processes or threads): the
        // step's status is re-read under the lock, so a step another run
        // finished meanwhile is skipped instead of redone over its files.
        let _lock = lock_file(&paths.dir.join(".lock"), step, progress)?;
        *status = Status::load(&paths.status)?;
        if status.is_done(step) && outputs.iter().all(|p| p.exists()) {
            progress(Progress::Skipped(step.into()));
            return Ok(());
        }
        progress(Progress::Started(step.into()));
        let started = Instant::now();
        let outcome = work();
        let seconds = started.elapsed().as_secs_f64();
        let peak_rss_kb = LAST_PEAK_RSS_KB.take();
        match outcome {
            Ok(result) => {
                status.record(step, StepState::Done, seconds, None, result, peak_rss_kb);
                status.save(&paths.status)?;
                progress(Progress::Finished {
                    step: step.into(),
                    seconds,
                    peak_rss_kb,
                });
                Ok(())
            }
            Err(err) => {
                status.record(
                    step,
                    StepState::Failed,
                    seconds,
                    Some(err.to_string()),
                    None,
                    peak_rss_kb,
                );
                status.save(&paths.status)?;
                Err(err)
            }
        }
    }

    /// The SRS file for this prover's circuits. A test-only SRS is generated
    /// once per workspace: under a temporary name, then linked into place
    /// unless another process got there first, so every circuit of the
    /// workspace shares one.
    fn srs_file(&self, progress: &dyn Fn(Progress)) -> Result<PathBuf, ProverError> {
        let path = match &self.config.srs {
            SrsSource::File(path) if !path.exists() => {
                return Err(ProverError::MissingSrs(path.clone()))
            }
            SrsSource::File(path) => return Ok(path.clone()),
            SrsSource::TestOnly => self
                .config
                .workspace
                .join(format!("test-only-k{}.srs", self.test_srs_size())),
        };
        if path.exists() {
            return Ok(path);
        }
        fs::create_dir_all(&self.config.workspace).map_err(io_err(format!(
            "cannot create {}",
            self.config.workspace.display()
        )))?;
        // One generation per workspace: whoever waited finds the file made.
        let _lock = lock_file(&path.with_extension("srs.lock"), "gen_srs", progress)?;
        if path.exists() {
            return Ok(path);
        }
        let logrows = self.test_srs_size();
        eprintln!(
            "zkmltrack: generating a TEST-ONLY SRS (2^{logrows} points, ezkl.gen_srs) at {}: \
             whoever holds it can forge proofs",
            path.display()
        );
        progress(Progress::Started("gen_srs".into()));
        let started = Instant::now();
        let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
        self.call("gen_srs", json!({ "srs": tmp, "logrows": logrows }))?;
        let linked = fs::hard_link(&tmp, &path);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(ProverError::Io(
                    format!("cannot link {}", path.display()),
                    e,
                ))
            }
        }
        progress(Progress::Finished {
            step: "gen_srs".into(),
            seconds: started.elapsed().as_secs_f64(),
            peak_rss_kb: LAST_PEAK_RSS_KB.take(),
        });
        Ok(path)
    }

    /// Announces the circuit's predicted peak memory and, unless the guard
    /// is off, refuses a circuit that would not fit what is available (before
    /// set-up and proving, where the out-of-memory killer would strike).
    fn check_memory(
        &self,
        settings: &Settings,
        progress: &dyn Fn(Progress),
    ) -> Result<(), ProverError> {
        let estimate = memory::estimate(settings);
        let available = self.config.memory_budget.or_else(memory::available_bytes);
        progress(Progress::MemoryEstimate {
            peak_bytes: estimate.peak_bytes,
            available_bytes: available,
        });
        match available {
            Some(available) if self.config.memory_guard && estimate.peak_bytes > available => {
                Err(ProverError::NotEnoughMemory {
                    logrows: settings.logrows,
                    estimate_mib: memory::mib(estimate.peak_bytes),
                    available_mib: available >> 20,
                })
            }
            _ => Ok(()),
        }
    }

    /// Size of the test-only SRS this prover generates (log2 of its points).
    fn test_srs_size(&self) -> u32 {
        self.config
            .test_srs_logrows
            .filter(is_test_srs_size)
            .unwrap_or_else(test_srs_logrows)
    }

    /// Runs one driver step and returns its JSON result.
    fn call(&self, step: &str, args: Value) -> Result<Value, ProverError> {
        self.call_with_home(step, args, None)
    }

    /// Runs one driver step, with `HOME` overridden when given (EZKL's solc lookup).
    fn call_with_home(
        &self,
        step: &str,
        mut args: Value,
        home: Option<&Path>,
    ) -> Result<Value, ProverError> {
        if let Some(home) = home {
            args["home"] = json!(home);
        }
        let request = json!({ "step": step, "args": args }).to_string();
        let mut guard = self.worker.lock().unwrap_or_else(|p| p.into_inner());
        let outcome = match guard.as_mut() {
            Some(worker) => worker.request(&request),
            None => Err(None),
        };
        // Start a worker if there was none, or retry once on a fresh one if it
        // had died since the last step (an answer it never gave is lost work).
        let outcome = match outcome {
            Ok(answer) => Ok(answer),
            Err(_) => {
                *guard = Some(Worker::start(&self.env, &self.driver, &self.config.home)?);
                guard.as_mut().expect("just started").request(&request)
            }
        };
        let result = match outcome {
            Ok(answer) => answer,
            Err(exit) => {
                let tail = guard.take().map(|w| w.log_tail()).unwrap_or_default();
                return Err(ProverError::Step {
                    step: step.into(),
                    message: format!(
                        "the EZKL process ended without a result ({}): {tail}",
                        exit.map(|s| s.to_string())
                            .unwrap_or_else(|| "no answer".into())
                    ),
                });
            }
        };
        LAST_PEAK_RSS_KB.set(result["max_rss_kb"].as_u64());
        step_result(step, result)
    }
}

impl Prover {
    /// Runs one step in a short-lived driver process of its own.
    fn call_once(&self, step: &str, args: Value) -> Result<Value, ProverError> {
        let mut child = Command::new(self.env.python())
            .arg(&self.driver)
            .arg(step)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(io_err("cannot start the EZKL driver"))?;
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(args.to_string().as_bytes())
            .map_err(io_err("cannot send arguments to the EZKL driver"))?;
        let out = child.wait_with_output().map_err(io_err("EZKL driver"))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let answer = stdout.lines().rev().find_map(|l| {
            l.strip_prefix(ANSWER_MARKER)
                .and_then(|a| serde_json::from_str::<Value>(a).ok())
        });
        match answer {
            Some(v) => step_result(step, v),
            None => Err(ProverError::Step {
                step: step.into(),
                message: format!(
                    "the EZKL process ended without a result ({}): {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                        .lines()
                        .last()
                        .unwrap_or_default()
                ),
            }),
        }
    }
}

/// A driver answer as a step outcome: the answer, or its error as [`ProverError::Step`].
fn step_result(step: &str, answer: Value) -> Result<Value, ProverError> {
    if answer["ok"] == true {
        return Ok(answer);
    }
    Err(ProverError::Step {
        step: step.into(),
        message: answer["error"]
            .as_str()
            .unwrap_or("unknown error")
            .to_string(),
    })
}

/// Prefix of the driver's answer lines.
const ANSWER_MARKER: &str = "@@zkmltrack@@ ";

/// A long-lived `driver.py serve` process: Python and ezkl load once.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// Its stderr, read back for errors. The file is unlinked once the process
    /// has it open, so nothing is left behind even when this process is killed.
    log: fs::File,
}

impl Worker {
    fn start(env: &PythonEnv, driver: &Path, home: &Path) -> Result<Worker, ProverError> {
        static STARTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let log = home.join(format!("ezkl-worker-{}-{n}.log", std::process::id()));
        let log_file =
            fs::File::create(&log).map_err(io_err(format!("cannot create {}", log.display())))?;
        let log_reader =
            fs::File::open(&log).map_err(io_err(format!("cannot read {}", log.display())))?;
        let mut child = Command::new(env.python())
            .arg(driver)
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(io_err("cannot start the EZKL driver"))?;
        // Where unlinking an open file fails (Windows), the log stays behind.
        let _ = fs::remove_file(&log);
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        Ok(Worker {
            child,
            stdin,
            stdout,
            log: log_reader,
        })
    }

    /// Sends one request and reads its answer; `Err` carries the exit status
    /// when the process is gone.
    fn request(&mut self, request: &str) -> Result<Value, Option<ExitStatus>> {
        if writeln!(self.stdin, "{request}")
            .and_then(|()| self.stdin.flush())
            .is_err()
        {
            return Err(self.child.try_wait().ok().flatten());
        }
        let mut line = String::new();
        loop {
            line.clear();
            match self.stdout.read_line(&mut line) {
                Ok(0) | Err(_) => return Err(self.child.wait().ok()),
                Ok(_) => {
                    if let Some(answer) = line.trim_end().strip_prefix(ANSWER_MARKER) {
                        return serde_json::from_str(answer).map_err(|_| None);
                    }
                }
            }
        }
    }

    /// The last lines the process wrote to stderr.
    fn log_tail(&self) -> String {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut &self.log, &mut text);
        let tail: Vec<&str> = text.lines().rev().take(8).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Every answer has been read by now: nothing is lost by ending it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A failed `check_model` step as the model's fault: [`ProverError::InvalidModel`].
fn invalid_model(model: &Path) -> impl Fn(ProverError) -> ProverError + '_ {
    move |e| match e {
        ProverError::Step { message, .. } => ProverError::InvalidModel {
            path: model.into(),
            reason: message,
        },
        other => other,
    }
}

/// An ONNX model's input shape and output shapes ([`Prover::inspect`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelShape {
    /// The input's dimensions (`batch_size` taken as 1, as EZKL takes it).
    pub input: Vec<i64>,
    /// Each output's dimensions.
    pub outputs: Vec<Vec<i64>>,
}

impl ModelShape {
    /// Output values per proof: the public outputs a proof carries.
    pub fn output_values(&self) -> usize {
        self.outputs
            .iter()
            .map(|d| d.iter().product::<i64>().max(0) as usize)
            .sum()
    }
}

/// A model's circuit, ready to prove.
pub struct Circuit<'a> {
    prover: &'a Prover,
    /// Artifact paths.
    pub paths: CircuitPaths,
    /// Settings chosen by EZKL (after calibration).
    pub settings: Settings,
    input_type: InputType,
    input_shape: Vec<i64>,
    per_proof: usize,
    onnx_hash: alloy::primitives::B256,
}

/// An exclusive lock on the file `path` (an OS file lock, released when the
/// returned file is dropped or the process ends); says so when it has to wait
/// for another run doing `step`.
fn lock_file(
    path: &Path,
    step: &str,
    progress: &dyn Fn(Progress),
) -> Result<fs::File, ProverError> {
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(io_err(format!("cannot open {}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => {
            progress(Progress::Started(format!(
                "{step}: waiting for another run"
            )));
            file.lock()
                .map_err(io_err(format!("cannot lock {}", path.display())))?;
            Ok(file)
        }
        Err(fs::TryLockError::Error(e)) => {
            Err(io_err(format!("cannot lock {}", path.display()))(e))
        }
    }
}

impl Circuit<'_> {
    /// keccak256 of the ONNX file the circuit was built from (what a model
    /// version records on-chain), from the bytes the prover read.
    pub fn onnx_hash(&self) -> alloy::primitives::B256 {
        self.onnx_hash
    }

    /// The model's input shape (batch dimension first).
    pub fn input_shape(&self) -> &[i64] {
        &self.input_shape
    }

    /// Values one proof takes (all samples of a batch, flattened).
    pub fn values_per_proof(&self) -> usize {
        self.per_proof
    }

    /// The type EZKL casts the model's input values to before quantizing them.
    pub fn input_type(&self) -> InputType {
        self.input_type
    }

    /// The circuit's input scale (bits).
    pub fn input_scale(&self) -> u32 {
        self.settings.input_scales.first().copied().unwrap_or(0)
    }

    /// EZKL's own quantization of `values` as this circuit's inputs (its
    /// input type and scale; what witness generation applies to an input
    /// file), for any number of values in one call: a 10,000-row dataset is
    /// checked in seconds where a witness per batch would take minutes.
    pub fn quantized_inputs(&self, values: &[f64]) -> Result<Vec<Felt>, ProverError> {
        self.prover
            .quantize(values, self.input_scale(), self.input_type)
    }

    /// Computes a witness for `rows` and returns the circuit's quantized public
    /// inputs, in order (the values a proof would expose).
    pub fn witness_inputs(&self, rows: &[Vec<f64>]) -> Result<Vec<Felt>, ProverError> {
        let witness = self.witness(rows, "witness-inputs")?;
        let v = read_json(&witness)?;
        felts(&v["inputs"], &witness)
    }

    /// The weight commitment of the circuit's model: EZKL's Poseidon hash of
    /// its parameters, as every proof carries it (from a witness of `rows`,
    /// one proof's worth); `None` when the parameters are not hashed.
    pub fn weight_hash(&self, rows: &[Vec<f64>]) -> Result<Option<Felt>, ProverError> {
        if !self.settings.hashed_params {
            return Ok(None);
        }
        let witness = self.witness(rows, "witness-params")?;
        let v = read_json(&witness)?;
        let hashes = felts(&v["processed_params"]["poseidon_hash"], &witness)?;
        match hashes[..] {
            [hash] => Ok(Some(hash)),
            _ => Err(ProverError::Artifact(
                witness,
                format!("{} parameter hashes where one was expected", hashes.len()),
            )),
        }
    }

    /// The prover the circuit belongs to.
    pub fn prover(&self) -> &Prover {
        self.prover
    }

    fn witness(&self, rows: &[Vec<f64>], name: &str) -> Result<PathBuf, ProverError> {
        check_rows(rows, self.per_proof, &self.input_shape)?;
        let tag = content_tag(rows);
        let data = self.paths.dir.join(format!("{name}-{tag}.input.json"));
        let witness = self.paths.dir.join(format!("{name}-{tag}.witness.json"));
        write_atomic(&data, input_json(rows).as_bytes())?;
        self.prover.call(
            "witness",
            json!({ "data": data, "compiled": self.paths.compiled, "witness": witness }),
        )?;
        Ok(witness)
    }

    /// Proves the model on `rows` (one row per sample; as many as the model's
    /// batch dimension).
    pub fn prove(
        &self,
        rows: &[Vec<f64>],
        progress: &dyn Fn(Progress),
    ) -> Result<Proof, ProverError> {
        progress(Progress::Started("witness".into()));
        let started = Instant::now();
        let witness = self.witness(rows, "proof")?;
        progress(Progress::Finished {
            step: "witness".into(),
            seconds: started.elapsed().as_secs_f64(),
            peak_rss_kb: LAST_PEAK_RSS_KB.take(),
        });
        let path = witness.with_file_name(
            witness
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .replace(".witness.json", ".proof.json"),
        );
        progress(Progress::Started("prove".into()));
        let started = Instant::now();
        self.prover.call(
            "prove",
            json!({ "witness": witness, "compiled": self.paths.compiled, "pk": self.paths.pk,
                    "proof": path, "srs": self.paths.srs }),
        )?;
        progress(Progress::Finished {
            step: "prove".into(),
            seconds: started.elapsed().as_secs_f64(),
            peak_rss_kb: LAST_PEAK_RSS_KB.take(),
        });
        self.read_proof(&path)
    }

    /// Reads an EZKL proof file of this circuit.
    pub fn read_proof(&self, path: &Path) -> Result<Proof, ProverError> {
        let v = read_json(path)?;
        let hex = v["hex_proof"]
            .as_str()
            .ok_or_else(|| ProverError::Artifact(path.into(), "no hex_proof".into()))?;
        let bytes = decode_hex(hex.trim_start_matches("0x"))
            .ok_or_else(|| ProverError::Artifact(path.into(), "hex_proof is not hex".into()))?;
        let instances = felts(&v["instances"], path)?;
        let input_count = self.per_proof;
        let param_count = usize::from(self.settings.hashed_params);
        let decoded = instances
            .iter()
            .enumerate()
            .map(|(i, f)| {
                if i < param_count {
                    return 0.0;
                }
                let scale = if i < param_count + input_count {
                    self.settings.input_scales.first()
                } else {
                    self.settings.output_scales.first()
                };
                decode_felt(f, scale.copied().unwrap_or(0))
            })
            .collect();
        Ok(Proof {
            path: path.into(),
            bytes,
            instances,
            input_count,
            param_count,
            decoded,
        })
    }

    /// Verifies a proof off-chain with the circuit's verifying key. A proof
    /// whose bytes or instances were altered verifies as `false`.
    pub fn verify(&self, proof: &Proof) -> Result<bool, ProverError> {
        let file = proof.path.with_file_name(format!(
            "verify-{}.proof.json",
            content_tag(&(
                &proof.bytes,
                proof.instances.iter().map(Felt::to_hex).collect::<Vec<_>>()
            ))
        ));
        let mut v = read_json(&proof.path)?;
        v["hex_proof"] = Value::String(format!("0x{}", hashing::hex(&proof.bytes)));
        v["proof"] = Value::Array(proof.bytes.iter().map(|b| json!(b)).collect());
        v["instances"] = json!([proof
            .instances
            .iter()
            .map(felt_to_le_hex)
            .collect::<Vec<_>>()]);
        write_atomic(&file, v.to_string().as_bytes())?;
        let result = self.prover.call(
            "verify",
            json!({ "proof": file, "settings": self.paths.settings, "vk": self.paths.vk, "srs": self.paths.srs }),
        );
        let _ = fs::remove_file(&file);
        Ok(result?["verified"] == true)
    }
}

/// Turns EZKL's "Unimplemented(Op)" failure into [`ProverError::UnsupportedOperation`].
fn unsupported_operation(err: ProverError, model: &Path) -> ProverError {
    if let ProverError::Step { message, .. } = &err {
        if let Some(rest) = message.split("Unimplemented(").nth(1) {
            let op = rest.split(')').next().unwrap_or(rest).to_string();
            return ProverError::UnsupportedOperation {
                path: model.into(),
                op,
            };
        }
    }
    err
}

/// Which EZKL verifier to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifierKind {
    /// EZKL's reusable verifier (the same code for every model) plus this
    /// circuit's verifying-key artifact (VKA).
    Reusable,
    /// A verifier with this circuit's key baked into its code.
    Plain,
}

/// EZKL's Solidity verifier for a circuit, before compilation.
#[derive(Clone, Debug)]
pub struct EvmArtifacts {
    /// Kind of verifier.
    pub kind: VerifierKind,
    /// Solidity source file.
    pub source: PathBuf,
    /// Contract name in the source.
    pub contract: String,
    /// VKA words (reusable verifiers only).
    pub vka: Option<Vec<[u8; 32]>>,
}

impl Circuit<'_> {
    /// Generates the circuit's Solidity verifier with EZKL (solc through the
    /// project-managed shim) and, for the reusable kind, its VKA.
    pub fn evm_artifacts(
        &self,
        kind: VerifierKind,
        solc: &crate::solc::Solc,
    ) -> Result<EvmArtifacts, ProverError> {
        let (name, contract) = match kind {
            VerifierKind::Reusable => ("ReusableVerifier", "Halo2VerifierReusable"),
            VerifierKind::Plain => ("Verifier", "Halo2Verifier"),
        };
        let source = self.paths.dir.join(format!("{name}.sol"));
        let abi = self.paths.dir.join(format!("{name}.abi"));
        let home = solc.svm_home();
        if !source.exists() {
            self.prover.call_with_home(
                "evm_verifier",
                json!({ "vk": self.paths.vk, "settings": self.paths.settings, "sol": source, "abi": abi,
                        "srs": self.paths.srs, "reusable": kind == VerifierKind::Reusable }),
                Some(&home),
            )?;
        }
        let vka = match kind {
            VerifierKind::Plain => None,
            VerifierKind::Reusable => {
                let path = self.paths.dir.join("vka.bytes");
                if !path.exists() {
                    self.prover.call_with_home(
                        "evm_vka",
                        json!({ "vk": self.paths.vk, "settings": self.paths.settings, "vka": path, "srs": self.paths.srs }),
                        Some(&home),
                    )?;
                }
                Some(read_vka(&path)?)
            }
        };
        Ok(EvmArtifacts {
            kind,
            source,
            contract: contract.into(),
            vka,
        })
    }
}

/// Reads EZKL's VKA file: a little-endian u64 word count, then 32-byte words.
fn read_vka(path: &Path) -> Result<Vec<[u8; 32]>, ProverError> {
    let bytes = fs::read(path).map_err(io_err(path.display()))?;
    let bad = |m: &str| ProverError::Artifact(path.into(), m.into());
    let count = u64::from_le_bytes(
        bytes
            .get(..8)
            .ok_or_else(|| bad("shorter than its header"))?
            .try_into()
            .expect("8 bytes"),
    );
    let words = &bytes[8..];
    if words.len() as u64 != count * 32 || count == 0 {
        return Err(bad("word count does not match the file length"));
    }
    Ok(words
        .chunks_exact(32)
        .map(|w| w.try_into().expect("32 bytes"))
        .collect())
}

/// Checks that rows flatten to the values one proof takes.
fn check_rows(rows: &[Vec<f64>], per_proof: usize, shape: &[i64]) -> Result<(), ProverError> {
    let actual: usize = rows.iter().map(Vec::len).sum();
    if actual != per_proof || rows.is_empty() {
        return Err(ProverError::InputShape {
            expected: per_proof,
            actual,
            shape: shape.to_vec(),
        });
    }
    Ok(())
}

/// The name of an input type in EZKL's Python API (`ezkl.PyInputType`).
fn ezkl_input_type_name(input_type: InputType) -> &'static str {
    match input_type {
        InputType::Bool => "Bool",
        InputType::F16 => "F16",
        InputType::F32 => "F32",
        InputType::F64 => "F64",
        InputType::Int => "Int",
        InputType::TDim => "TDim",
    }
}

/// EZKL's input file: `{"input_data": [[v, ...]]}` with the rows flattened.
pub fn input_json(rows: &[Vec<f64>]) -> String {
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    json!({ "input_data": [flat] }).to_string()
}

fn content_tag<T: Serialize + ?Sized>(value: &T) -> String {
    let digest = Sha256::digest(serde_json::to_vec(value).expect("serializes"));
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn read_json(path: &Path) -> Result<Value, ProverError> {
    let text = fs::read_to_string(path).map_err(io_err(path.display()))?;
    serde_json::from_str(&text).map_err(|e| ProverError::Artifact(path.into(), e.to_string()))
}

/// Field elements from EZKL's little-endian hex strings (nested lists flattened).
fn felts(v: &Value, path: &Path) -> Result<Vec<Felt>, ProverError> {
    let mut out = Vec::new();
    let mut stack = vec![v];
    let bad = |m: String| ProverError::Artifact(path.into(), m);
    while let Some(item) = stack.pop() {
        match item {
            Value::Array(items) => stack.extend(items.iter().rev()),
            Value::String(s) => {
                let mut bytes: [u8; 32] = decode_hex(s.trim_start_matches("0x"))
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| bad(format!("instance {s} is not 32 bytes of hex")))?;
                bytes.reverse();
                out.push(Felt::from_be_bytes(&bytes).map_err(|e| bad(e.to_string()))?);
            }
            other => return Err(bad(format!("unexpected instance {other}"))),
        }
    }
    Ok(out)
}

fn felt_to_le_hex(f: &Felt) -> String {
    let mut bytes = f.to_be_bytes();
    bytes.reverse();
    hashing::hex(&bytes)
}

/// A field element read as a signed fixed-point number at `scale` bits.
pub fn decode_felt(f: &Felt, scale: u32) -> f64 {
    // Negative exactly when above (p - 1) / 2, i.e. when p - f is the smaller of the two.
    let (bytes, negated) = (f.to_be_bytes(), f.neg().to_be_bytes());
    let negative = negated < bytes;
    let magnitude = if negative { negated } else { bytes };
    let value = magnitude
        .iter()
        .fold(0f64, |acc, b| acc * 256.0 + *b as f64);
    let value = if negative { -value } else { value };
    value / 2f64.powi(scale as i32)
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Writes a file atomically (temporary file, then rename).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ProverError> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp{}-{n}", std::process::id()));
    fs::write(&tmp, bytes).map_err(io_err(format!("cannot write {}", tmp.display())))?;
    fs::rename(&tmp, path).map_err(io_err(format!("cannot move {} into place", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_events_read_as_the_commands_show_them() {
        let lines: Vec<String> = [
            Progress::Started("setup".into()),
            Progress::Finished {
                step: "setup".into(),
                seconds: 1.25,
                peak_rss_kb: None,
            },
            Progress::Skipped("setup".into()),
            Progress::MemoryEstimate {
                peak_bytes: (300 << 20) + 1,
                available_bytes: Some(2048 << 20),
            },
            Progress::MemoryEstimate {
                peak_bytes: 300 << 20,
                available_bytes: None,
            },
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            lines,
            [
                "setup ...",
                "setup done in 1.2 s",
                "setup already done",
                "set-up and proving estimated to peak at 301 MiB (2048 MiB available)",
                "set-up and proving estimated to peak at 300 MiB",
            ]
        );
    }

    #[test]
    fn decodes_signed_fixed_point_around_half_the_modulus() {
        assert_eq!(decode_felt(&Felt::from_i64(-384), 7), -3.0);
        assert_eq!(decode_felt(&Felt::from_i64(64), 7), 0.5);
        assert_eq!(decode_felt(&Felt::zero(), 3), 0.0);
        // 0x18 00.. is below (p - 1) / 2 = 0x1832..: positive, although it starts with 0x18.
        let mut just_below_half = [0u8; 32];
        just_below_half[0] = 0x18;
        assert!(decode_felt(&Felt::from_be_bytes(&just_below_half).unwrap(), 0) > 0.0);
        // (p - 1) / 2 is the largest positive value; p minus it is the most negative.
        let half: Vec<u8> = (0..32)
            .map(|i| {
                let hex = "183227397098d014dc2822db40c0ac2e9419f4243cdcb848a1f0fac9f8000000";
                u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()
            })
            .collect();
        let half = Felt::from_be_bytes(&half.try_into().unwrap()).unwrap();
        assert!(decode_felt(&half, 0) > 1e75);
        assert!(decode_felt(&half.neg(), 0) < -1e75);
    }
}

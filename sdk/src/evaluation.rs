//! Evaluating a model version on a task: the off-chain half of the
//! commit-draw-submit protocol.
//!
//! [`drawn_indices`] replays the TaskController's sampling (without
//! replacement, `keccak256(seed ‖ slot ‖ attempt) mod size`), so a participant
//! knows which rows to prove once the seed is fixed; [`submission`] turns an
//! EZKL proof over those rows into the controller's call (labels, Merkle paths,
//! instances); [`evaluate`] runs the whole flow: open, draw, prove each batch,
//! submit, and reports what the controller scored next to what the proofs say.

use alloy::primitives::{keccak256, Address, B256, U256};
use serde::Serialize;

use crate::{
    chain::ChainError,
    dataset::{Dataset, DatasetError, QuantizedDataset, RootRule},
    hashing::Felt,
    model::PreparedModel,
    prover::{Circuit, Progress, Proof, ProverError},
    quantize::{felt_to_int, InputType},
    suite::{
        EvaluationStatus, RevealedRow, SettledBond, Submission, Suite, TaskSpec,
        PROVIDER_TIMEOUT_BLOCKS,
    },
};

/// What can stop an evaluation.
#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    /// The chain refused or could not be reached.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// EZKL failed.
    #[error(transparent)]
    Prover(#[from] ProverError),
    /// The dataset cannot be quantized at the task's scale or proved against.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// The dataset's root is not the task's.
    #[error(
        "the dataset's Poseidon root {root} is not task {task_id}'s root {task_root}: wrong CSV?"
    )]
    WrongDataset {
        /// The task.
        task_id: u64,
        /// The dataset's root (hex).
        root: String,
        /// The task's root.
        task_root: B256,
    },
    /// A drawn index is past the dataset's last row.
    #[error(
        "drawn index {index} is outside the dataset ({rows} rows): is this the task's dataset?"
    )]
    IndexOutsideDataset {
        /// The drawn index.
        index: u64,
        /// Rows in the dataset.
        rows: usize,
    },
    /// A proof's public inputs are not the drawn rows.
    #[error(
        "the proof's {inputs} public inputs are not the drawn rows quantized at scale {scale}; \
         was the model proved at the task's scale?"
    )]
    ProofInputs {
        /// Public inputs of the proof.
        inputs: usize,
        /// The dataset's scale.
        scale: u32,
    },
    /// The model's rows are not as wide as the task's.
    #[error(
        "the model takes inputs of shape {shape:?}; task {task_id} has {features} features per row"
    )]
    InputShape {
        /// The model's input shape.
        shape: Vec<i64>,
        /// The task.
        task_id: u64,
        /// Its features per row.
        features: usize,
    },
    /// The rows per proof do not divide the task's samples.
    #[error("the model proves {batch} rows per proof, which does not divide the task's {samples} samples")]
    Batch {
        /// Rows per proof.
        batch: usize,
        /// The task's samples.
        samples: u32,
    },
    /// The model's scores per row are not the task's classes.
    #[error("the model outputs {scores} scores per row; task {task_id} has {classes} classes")]
    Classes {
        /// Scores per row.
        scores: usize,
        /// The task.
        task_id: u64,
        /// Its classes.
        classes: u32,
    },
    /// The circuit quantizes inputs at another scale than the task.
    #[error(
        "the circuit quantizes inputs at scale {circuit}, task {task_id} at scale {task}; \
         build the circuit with input scale {task}"
    )]
    Scale {
        /// The circuit's input scale.
        circuit: u32,
        /// The task.
        task_id: u64,
        /// The task's scale.
        task: u32,
    },
    /// The dataset is not shaped as the task's.
    #[error("the dataset has {rows} rows of {features} features; task {task_id} has {task_rows} rows of {task_features}")]
    DatasetShape {
        /// Rows in the dataset.
        rows: usize,
        /// Its features per row.
        features: usize,
        /// The task.
        task_id: u64,
        /// The task's rows.
        task_rows: u64,
        /// The task's features per row.
        task_features: usize,
    },
    /// The evaluation expired because its randomness provider did not answer
    /// (the model is free to be evaluated again).
    #[error(
        "evaluation {evaluation_id} is {status:?}: the task's randomness provider did not \
         answer within {PROVIDER_TIMEOUT_BLOCKS} blocks; the model is free to be evaluated \
         again: re-run"
    )]
    ProviderTimedOut {
        /// The evaluation.
        evaluation_id: u64,
        /// Its state.
        status: EvaluationStatus,
    },
    /// The evaluation expired undrawn (its one chance on the task is spent).
    #[error(
        "evaluation {evaluation_id} is {status:?}: it was not drawn within the beacon \
         window, and a model gets one evaluation per task"
    )]
    NotDrawnInTime {
        /// The evaluation.
        evaluation_id: u64,
        /// Its state.
        status: EvaluationStatus,
    },
    /// A hidden task has no rows left for another evaluation.
    #[error(
        "hidden task {task_id} has {rows_left} unused rows and an evaluation draws {samples}: \
         it takes no more evaluations (nothing was sent)"
    )]
    TaskExhausted {
        /// The task.
        task_id: u64,
        /// Rows neither revealed nor held by a drawn evaluation.
        rows_left: u64,
        /// Rows an evaluation draws.
        samples: u32,
    },
    /// A dataset was given for a hidden task, whose rows come from its
    /// owner's reveal.
    #[error(
        "task {task_id} is hidden: its rows come from its owner's reveal once the evaluation is \
         drawn, not from a dataset (evaluate without one)"
    )]
    DatasetForHiddenTask {
        /// The task.
        task_id: u64,
    },
    /// No dataset was given for a public task.
    #[error("task {task_id} is public: evaluate with its dataset")]
    NoDatasetForPublicTask {
        /// The task.
        task_id: u64,
    },
    /// A revealed row's feature is not a value of the task's scale.
    #[error("revealed row {index} holds a feature that is not a quantized value: {reason}")]
    RevealedRow {
        /// The row's dataset index.
        index: u64,
        /// Why.
        reason: String,
    },
    /// The account cannot post the task's bond.
    #[error(
        "task {task_id} requires a bond of {bond} wei with every evaluation and the account \
         {account} holds {balance} wei: fund it first (nothing was sent)"
    )]
    BondUnaffordable {
        /// The task.
        task_id: u64,
        /// Its bond (wei).
        bond: U256,
        /// The sending account.
        account: Address,
        /// Its balance (wei).
        balance: U256,
    },
    /// The model version was revoked: it cannot be evaluated (nor an
    /// interrupted evaluation of it resumed).
    #[error("model version {0} was revoked: it cannot be evaluated")]
    Revoked(u64),
    /// The prepared model is not the version's: its weights (weight hash)
    /// or its architecture (VK digest) differ.
    #[error(
        "this model is not the model registered as version {version_id} (its {what} {model} \
         differs from the version's {registered}); pass the version's model, prepared with its \
         route's architecture package"
    )]
    NotTheVersion {
        /// The version.
        version_id: u64,
        /// What differs: "weight hash" or "VK digest".
        what: &'static str,
        /// The version's value.
        registered: B256,
        /// The prepared model's.
        model: B256,
    },
    /// A CSV given for a task has another number of features per row.
    #[error("the {csv} has {features} features; task {task_id} takes {task_features}")]
    Features {
        /// Which CSV: "dataset" or "calibration set".
        csv: &'static str,
        /// Features per row of the CSV.
        features: usize,
        /// The task.
        task_id: u64,
        /// The task's features per row.
        task_features: usize,
    },
    /// The model's circuit quantizes a row of the task's dataset otherwise
    /// than the task's leaf: no proof of that row could ever be accepted.
    #[error(transparent)]
    Quantization(Box<QuantizationMismatch>),
    /// The task's root was built with the quantization rule of earlier
    /// releases (no `f32` cast): rows where the rules differ cannot be proved.
    #[error(
        "task {task_id}'s root was built with the old quantization rule (f64, without EZKL's \
         f32 cast): {differing_values} values in {differing_rows} rows of this dataset quantize \
         otherwise in every EZKL circuit, so no model can prove them; the task owner must \
         create the task again (`zkmltrack task create`) and participants use the new task"
    )]
    LegacyRoot {
        /// The task.
        task_id: u64,
        /// Values the two rules quantize differently.
        differing_values: usize,
        /// Rows holding such a value.
        differing_rows: usize,
    },
}

/// The first dataset value a model's circuit quantizes otherwise than the
/// task's leaf holds it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "data row {data_row} (leaf {row}), feature `{column}` = {value}: the task's leaf \
     holds {leaf} ({task_input_type} input at scale {scale}) but the model's circuit quantizes it \
     to {circuit} ({circuit_input_type} input at scale {circuit_scale}); no proof of this model \
     can match that row, so nothing was sent (export the model with a float32 input to match the \
     task's rule)"
)]
pub struct QuantizationMismatch {
    /// Dataset row (0-based, the leaf index).
    pub row: usize,
    /// 1-based data row (header and blank lines not counted).
    pub data_row: usize,
    /// Feature column name.
    pub column: String,
    /// The CSV value.
    pub value: f64,
    /// The task leaf's integer.
    pub leaf: String,
    /// The circuit's integer (EZKL's quantization).
    pub circuit: String,
    /// The task's rule.
    pub task_input_type: InputType,
    /// The task's scale.
    pub scale: u32,
    /// The circuit's input type.
    pub circuit_input_type: InputType,
    /// The circuit's input scale.
    pub circuit_scale: u32,
}

/// Checks, before any transaction, that `circuit` quantizes every row of
/// `dataset` to the features of the task's leaves (`quantized`): EZKL's own
/// quantization of all values in one batched call, plus one real witness of
/// the first batch of rows (the path a proof takes). Returns the number of
/// values checked.
pub fn check_quantization(
    circuit: &Circuit<'_>,
    dataset: &Dataset,
    quantized: &QuantizedDataset,
) -> Result<usize, EvaluationError> {
    let features = dataset.feature_count();
    let mismatch = |flat: usize, circuit_value: &Felt| {
        let (row, feature) = (flat / features.max(1), flat % features.max(1));
        let show = |f: &Felt| felt_to_int(f).map_or_else(|| f.to_hex(), |v| v.to_string());
        EvaluationError::Quantization(Box::new(QuantizationMismatch {
            row,
            data_row: row + 1,
            column: dataset.feature_names[feature].clone(),
            value: dataset.rows[row].features[feature],
            leaf: show(&quantized.rows[row].0[feature]),
            circuit: show(circuit_value),
            task_input_type: quantized.input_type,
            scale: quantized.scale,
            circuit_input_type: circuit.input_type(),
            circuit_scale: circuit.input_scale(),
        }))
    };
    let leaves = quantized.rows.iter().flat_map(|(f, _)| f);
    // One real witness first: it is what a proof exposes.
    let batch = circuit.values_per_proof() / features.max(1);
    if batch > 0 && batch <= dataset.rows.len() {
        let rows: Vec<Vec<f64>> = dataset.rows[..batch]
            .iter()
            .map(|r| r.features.clone())
            .collect();
        let witness = circuit.witness_inputs(&rows)?;
        if let Some(i) = witness.iter().zip(leaves.clone()).position(|(a, b)| a != b) {
            return Err(mismatch(i, &witness[i]));
        }
    }
    let values: Vec<f64> = dataset
        .rows
        .iter()
        .flat_map(|r| r.features.iter().copied())
        .collect();
    let ezkl = circuit.quantized_inputs(&values)?;
    if let Some(i) = ezkl.iter().zip(leaves).position(|(a, b)| a != b) {
        return Err(mismatch(i, &ezkl[i]));
    }
    Ok(values.len())
}

/// Candidate dataset index of a slot (the controller's formula,
/// [`zkmltrack_protocol::evaluation::candidate_index`], with alloy's keccak).
pub fn candidate_index(seed: U256, slot: u32, attempt: u32, size: u64) -> u64 {
    zkmltrack_protocol::evaluation::candidate_index(
        |data| keccak256(data).0,
        seed.to_be_bytes(),
        slot,
        attempt,
        size,
    )
}

/// The dataset indices an evaluation with `seed` draws for its `samples`
/// slots, in slot order (distinct; a slot whose candidate was taken retries
/// with the next attempt).
pub fn drawn_indices(seed: U256, samples: u32, dataset_size: u64) -> Vec<u64> {
    let mut taken = std::collections::HashSet::new();
    (0..samples)
        .map(|slot| {
            let index = draw_slot(seed, slot, dataset_size, |i| taken.contains(&i));
            taken.insert(index);
            index
        })
        .collect()
}

/// The dataset index slot `slot` of an evaluation with `seed` draws, given
/// which indices are `taken` already ([`zkmltrack_protocol::evaluation::draw_slot`],
/// with alloy's keccak). A task never draws more rows than it has, so a
/// free index exists whenever the caller asks.
pub fn draw_slot(seed: U256, slot: u32, size: u64, taken: impl FnMut(u64) -> bool) -> u64 {
    zkmltrack_protocol::evaluation::draw_slot(
        |data| keccak256(data).0,
        seed.to_be_bytes(),
        slot,
        size,
        taken,
    )
}

pub use zkmltrack_protocol::evaluation::{accuracy_bps, InstanceLayout};

/// Basis points as a percentage with two decimals (`8750` is `87.50%`).
pub fn percent(bps: u32) -> String {
    format!("{}.{:02}%", bps / 100, bps % 100)
}

/// Index of the largest output read as a signed field element (negatives
/// are `p - |x|`), the first on ties: the controller's argmax
/// ([`zkmltrack_protocol::evaluation::argmax`]).
pub fn predicted_class(outputs: &[Felt]) -> Option<usize> {
    zkmltrack_protocol::evaluation::argmax(outputs.iter().map(Felt::to_be_bytes))
}

/// Which of a participant's CSVs is the task's dataset, before any proving
/// (so that [`check_quantization`] can run before anything is sent).
///
/// `dataset` (the CSV given as the task's) must have the task's root; else
/// the `calibration` set is taken when its root happens to be the task's;
/// else `None` (the quantization check cannot run). Either CSV with another
/// number of features than the task's is refused
/// ([`EvaluationError::Features`]).
pub fn task_rows_among<'d>(
    task_id: u64,
    spec: &TaskSpec,
    dataset: Option<&'d Dataset>,
    calibration: Option<&'d Dataset>,
) -> Result<Option<(&'d Dataset, QuantizedDataset)>, EvaluationError> {
    let given = [("dataset", dataset), ("calibration set", calibration)];
    for (csv, data) in given.iter().filter_map(|(csv, d)| Some((*csv, (*d)?))) {
        if data.feature_count() != spec.feature_count as usize {
            return Err(EvaluationError::Features {
                csv,
                features: data.feature_count(),
                task_id,
                task_features: spec.feature_count as usize,
            });
        }
    }
    if let Some(data) = dataset {
        return Ok(Some((data, task_dataset(task_id, spec, data)?)));
    }
    Ok(calibration.and_then(|data| {
        task_dataset(task_id, spec, data)
            .ok()
            .map(|quantized| (data, quantized))
    }))
}

/// [`evaluate`] for a prepared model, refused before anything is proved or
/// sent when the model is not the version's
/// ([`EvaluationError::NotTheVersion`]).
pub async fn evaluate_model(
    suite: &Suite,
    task_id: u64,
    version_id: u64,
    model: &PreparedModel<'_>,
    rows: Rows<'_>,
    progress: &dyn Fn(&str),
) -> Result<EvaluationReport, EvaluationError> {
    let version = suite.version(version_id).await?;
    for (what, registered, prepared) in [
        ("weight hash", version.weight_hash, model.weight_hash),
        ("VK digest", version.vk_digest, model.vk_digest()),
    ] {
        if registered != prepared {
            return Err(EvaluationError::NotTheVersion {
                version_id,
                what,
                registered,
                model: prepared,
            });
        }
    }
    run(suite, task_id, version_id, &model.circuit, rows, progress).await
}

/// Where an evaluation's rows come from.
#[derive(Clone, Copy, Debug)]
pub enum Rows<'a> {
    /// A public task: the participant's copy of the task's dataset.
    Dataset(&'a Dataset),
    /// A hidden task: the rows its owner reveals once the evaluation is
    /// drawn, waited for at most this long.
    Revealed(std::time::Duration),
}

/// Where sample `j`'s features and outputs sit among the public instances of a
/// proof of `samples` rows ([`InstanceLayout`]: every sample's features, the
/// weight hash, then every sample's outputs, as EZKL orders a batched model's
/// instances with hashed parameters).
pub fn instance_ranges(
    samples: usize,
    features: usize,
    classes: usize,
    j: usize,
) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
    let layout = InstanceLayout {
        samples,
        features,
        classes,
    };
    (layout.sample_inputs(j), layout.sample_outputs(j))
}

/// `dataset` quantized for task `task_id`, refused unless its root is the
/// task's (saying so when the root was built with the old rule).
pub fn task_dataset(
    task_id: u64,
    spec: &TaskSpec,
    dataset: &Dataset,
) -> Result<QuantizedDataset, EvaluationError> {
    let quantized = dataset.quantize(spec.scale)?;
    if B256::from(quantized.root().to_be_bytes()) == spec.root {
        return Ok(quantized);
    }
    let root = Felt::from_be_bytes(&spec.root.0).ok();
    let check = dataset.check_root(spec.scale, root.as_ref())?;
    if check.rule == RootRule::LegacyF64 {
        return Err(EvaluationError::LegacyRoot {
            task_id,
            differing_values: check.differing_values,
            differing_rows: check.differing_rows,
        });
    }
    Err(EvaluationError::WrongDataset {
        task_id,
        root: quantized.root().to_hex(),
        task_root: spec.root,
    })
}

fn word(f: &Felt) -> U256 {
    U256::from_be_bytes(f.to_be_bytes())
}

/// The submission of rows `indices` (consecutive drawn slots) proved by
/// `proof`: their labels, one Merkle multi-proof of them, and the proof's
/// instances. Fails when the proof's inputs are not exactly those rows,
/// quantized at the task's scale.
pub fn submission(
    dataset: &QuantizedDataset,
    indices: &[u64],
    proof: &Proof,
) -> Result<Submission, EvaluationError> {
    let mut labels = Vec::with_capacity(indices.len());
    let mut features = Vec::new();
    for &index in indices {
        let (row, label) =
            dataset
                .rows
                .get(index as usize)
                .ok_or(EvaluationError::IndexOutsideDataset {
                    index,
                    rows: dataset.len(),
                })?;
        labels.push(*label);
        features.extend_from_slice(row);
    }
    let rows: Vec<usize> = indices.iter().map(|&i| i as usize).collect();
    let merkle_proofs = dataset
        .multiproof(&rows)?
        .iter()
        .map(|f| B256::from(f.to_be_bytes()))
        .collect();
    if proof.inputs() != features.as_slice() {
        return Err(EvaluationError::ProofInputs {
            inputs: proof.inputs().len(),
            scale: dataset.scale,
        });
    }
    Ok(Submission {
        labels,
        merkle_proofs,
        proof: proof.bytes.clone().into(),
        instances: proof.instances.iter().map(word).collect(),
        vka: Vec::new(),
    })
}

/// One scored sample.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScoredSample {
    /// Dataset index.
    pub index: u64,
    /// Its label.
    pub label: u32,
    /// The class the proof's outputs predict.
    pub predicted: u32,
}

/// What an evaluation did.
#[derive(Clone, Debug, Serialize)]
pub struct EvaluationReport {
    /// Evaluation id.
    pub evaluation_id: u64,
    /// Task.
    pub task_id: u64,
    /// Model version.
    pub version_id: u64,
    /// Each sample proved by this run, in slot order, with the proved
    /// prediction (a resumed run starts at [`EvaluationReport::resumed_at`]).
    pub samples: Vec<ScoredSample>,
    /// The slot this run started at: 0, or the samples an earlier,
    /// interrupted run had already scored.
    pub resumed_at: u32,
    /// Correct predictions the controller counted.
    pub correct: u32,
    /// Accuracy the controller recorded (basis points).
    pub accuracy_bps: u32,
    /// Proofs submitted.
    pub proofs: usize,
    /// Wall time spent proving (seconds).
    pub proving_seconds: f64,
    /// The task's bond, paid back to the participant after finalization
    /// (`None` when the task requires none, or it was settled already).
    pub bond_refund: Option<SettledBond>,
}

/// Runs an evaluation end to end: checks that the circuit fits the task,
/// opens the evaluation, waits for the draw, proves the drawn rows batch by
/// batch (as many rows per proof as the model's batch dimension) and submits
/// each proof. `progress` hears the steps.
///
/// Resumable: when the model already has an evaluation on the task (an
/// earlier run was killed or lost its RPC), it draws it if still committed
/// and goes on from the first unscored slot; a finalized one is reported as
/// it stands. An expired one (nobody drew within the beacon window) cannot
/// be redone: a model gets one evaluation per task.
pub async fn evaluate(
    suite: &Suite,
    task_id: u64,
    version_id: u64,
    circuit: &Circuit<'_>,
    dataset: &Dataset,
    progress: &dyn Fn(&str),
) -> Result<EvaluationReport, EvaluationError> {
    run(
        suite,
        task_id,
        version_id,
        circuit,
        Rows::Dataset(dataset),
        progress,
    )
    .await
}

/// [`evaluate`] on a hidden task: the participant has no rows; once the
/// evaluation is opened and its draw fixed, the task owner reveals the drawn
/// rows (waited for at most `reveal_timeout`), and they are proved as
/// revealed, with no Merkle proofs (the HiddenSet checked them).
pub async fn evaluate_hidden(
    suite: &Suite,
    task_id: u64,
    version_id: u64,
    circuit: &Circuit<'_>,
    reveal_timeout: std::time::Duration,
    progress: &dyn Fn(&str),
) -> Result<EvaluationReport, EvaluationError> {
    run(
        suite,
        task_id,
        version_id,
        circuit,
        Rows::Revealed(reveal_timeout),
        progress,
    )
    .await
}

/// One row to prove: its dataset index, label, quantized features (what the
/// proof's inputs must be) and the float values handed to EZKL.
struct RowToProve {
    index: u64,
    label: u32,
    quantized: Vec<Felt>,
    values: Vec<f64>,
}

/// Whether a model with this input shape and `outputs` output values per
/// proof can be evaluated on task `task_id`: rows of the task's features, a
/// whole number of proofs per evaluation, one score per class and row.
/// Returns the rows per proof. What the evaluation checks on the circuit,
/// and `zkmltrack serve` on an upload's ONNX shapes before it queues a job.
pub fn check_fits(
    task_id: u64,
    spec: &TaskSpec,
    input_shape: &[i64],
    outputs: usize,
) -> Result<usize, EvaluationError> {
    let features = spec.feature_count as usize;
    if input_shape.last().copied() != Some(features as i64) {
        return Err(EvaluationError::InputShape {
            shape: input_shape.to_vec(),
            task_id,
            features,
        });
    }
    let values: i64 = input_shape.iter().product();
    let batch = usize::try_from(values).unwrap_or(0) / features.max(1);
    if batch == 0 || !(spec.samples as usize).is_multiple_of(batch) {
        return Err(EvaluationError::Batch {
            batch,
            samples: spec.samples,
        });
    }
    if outputs != batch * spec.class_count as usize {
        return Err(EvaluationError::Classes {
            scores: outputs / batch,
            task_id,
            classes: spec.class_count,
        });
    }
    Ok(batch)
}

async fn run(
    suite: &Suite,
    task_id: u64,
    version_id: u64,
    circuit: &Circuit<'_>,
    rows: Rows<'_>,
    progress: &dyn Fn(&str),
) -> Result<EvaluationReport, EvaluationError> {
    let task = suite.task(task_id).await?;
    let spec = &task.spec;
    let features = spec.feature_count as usize;
    let outputs: usize = circuit
        .settings
        .instance_shapes
        .get(1)
        .map(|s| s.iter().product())
        .unwrap_or(0);
    let batch = check_fits(task_id, spec, circuit.input_shape(), outputs)?;
    let scale = circuit.settings.input_scales.first().copied().unwrap_or(0);
    if scale != spec.scale {
        return Err(EvaluationError::Scale {
            circuit: scale,
            task_id,
            task: spec.scale,
        });
    }
    let dataset = match (rows, spec.hidden) {
        (Rows::Dataset(dataset), false) => Some(dataset),
        (Rows::Revealed(_), true) => None,
        (Rows::Dataset(_), true) => return Err(EvaluationError::DatasetForHiddenTask { task_id }),
        (Rows::Revealed(_), false) => {
            return Err(EvaluationError::NoDatasetForPublicTask { task_id })
        }
    };
    let quantized = match dataset {
        Some(dataset) => Some(public_rows(task_id, spec, dataset, circuit, progress)?),
        None => None,
    };

    let version = suite.version(version_id).await?;
    if version.revoked {
        return Err(EvaluationError::Revoked(version_id));
    }
    // The proofs must carry the version's weight commitment (the controller
    // refuses any other): check the circuit's before the evaluation opens.
    // The commitment hashes the parameters only: any rows do.
    let first: Vec<Vec<f64>> = match dataset {
        Some(dataset) => dataset
            .rows
            .iter()
            .take(batch)
            .map(|r| r.features.clone())
            .collect(),
        None => vec![vec![0.0; features]; batch],
    };
    let proved = circuit
        .weight_hash(&first)?
        .map(|f| B256::from(f.to_be_bytes()))
        .unwrap_or_default();
    if proved != version.weight_hash {
        return Err(EvaluationError::NotTheVersion {
            version_id,
            what: "weight hash",
            registered: version.weight_hash,
            model: proved,
        });
    }
    let evaluation_id = match suite.evaluation_of(task_id, version.weight_hash).await? {
        Some(id) => {
            progress(&format!(
                "resuming evaluation {id} of version {version_id} on task {task_id}"
            ));
            id
        }
        None => {
            let terms = suite.bond_terms(task_id).await?;
            if !terms.bond.is_zero() {
                let account = suite.chain().account("posting the task's bond")?;
                let balance = suite.chain().balance(account).await?;
                if balance <= terms.bond {
                    return Err(EvaluationError::BondUnaffordable {
                        task_id,
                        bond: terms.bond,
                        account,
                        balance,
                    });
                }
                progress(&format!(
                    "posting task {task_id}'s bond of {} wei: back when the evaluation \
                     finalizes, the task owner's if it is not finalized within {} blocks \
                     after its latest possible draw",
                    terms.bond, terms.window
                ));
            }
            if spec.hidden {
                // The HiddenSet refuses the draw of an evaluation the task has
                // no rows for; say so before the opening locks the model.
                let rows_left = suite.hidden_rows_left(task_id).await?;
                if rows_left < spec.samples as u64 {
                    return Err(EvaluationError::TaskExhausted {
                        task_id,
                        rows_left,
                        samples: spec.samples,
                    });
                }
            }
            progress(&format!(
                "opening an evaluation of version {version_id} on task {task_id}"
            ));
            suite.open_evaluation(task_id, version_id).await?
        }
    };
    progress(&format!(
        "waiting for the draw of evaluation {evaluation_id}"
    ));
    let revealed = match rows {
        Rows::Revealed(timeout) => Some(
            suite
                .wait_for_reveal(evaluation_id, timeout, progress)
                .await?,
        ),
        Rows::Dataset(_) => None,
    };
    let drawn = suite.draw(evaluation_id).await?;
    let resumed_at = drawn.scored;
    match drawn.status {
        EvaluationStatus::Drawn | EvaluationStatus::Finalized => {}
        status if !spec.randomness.is_zero() => {
            return Err(EvaluationError::ProviderTimedOut {
                evaluation_id,
                status,
            })
        }
        status => {
            return Err(EvaluationError::NotDrawnInTime {
                evaluation_id,
                status,
            })
        }
    }
    let to_prove: Vec<RowToProve> = match (&quantized, dataset, revealed) {
        (Some(quantized), Some(dataset), _) => {
            drawn_indices(drawn.seed, spec.samples, spec.dataset_size)
                .into_iter()
                .map(|index| {
                    let (row, label) = quantized.rows.get(index as usize).ok_or(
                        EvaluationError::IndexOutsideDataset {
                            index,
                            rows: quantized.len(),
                        },
                    )?;
                    Ok(RowToProve {
                        index,
                        label: *label,
                        quantized: row.clone(),
                        values: dataset.rows[index as usize].features.clone(),
                    })
                })
                .collect::<Result<_, EvaluationError>>()?
        }
        (_, _, Some(revealed)) => revealed
            .into_iter()
            .map(|row| revealed_row(row, spec.scale))
            .collect::<Result<_, _>>()?,
        _ => unreachable!("a public task has its dataset, a hidden one its reveal"),
    };
    let indices: Vec<u64> = to_prove.iter().map(|r| r.index).collect();

    let mut samples = Vec::with_capacity(indices.len());
    let mut proving_seconds = 0.0;
    let mut proofs = 0;
    let remaining = to_prove.get(resumed_at as usize..).unwrap_or_default();
    for (n, chunk) in remaining.chunks(batch).enumerate() {
        let chunk_indices: Vec<u64> = chunk.iter().map(|r| r.index).collect();
        let n = n + resumed_at as usize / batch;
        progress(&format!(
            "proving samples {}-{} of {} (rows {chunk_indices:?})",
            n * batch + 1,
            n * batch + chunk.len(),
            indices.len()
        ));
        let rows: Vec<Vec<f64>> = chunk.iter().map(|r| r.values.clone()).collect();
        let seconds = std::cell::Cell::new(0.0);
        let proof = circuit.prove(&rows, &|p| {
            if let Progress::Finished { seconds: s, .. } = p {
                seconds.set(seconds.get() + s);
            }
        })?;
        proving_seconds += seconds.get();
        let submission = match &quantized {
            Some(quantized) => submission(quantized, &chunk_indices, &proof)?,
            None => revealed_submission(chunk, &proof, spec.scale)?,
        };
        for (j, &index) in chunk_indices.iter().enumerate() {
            let outputs = &proof.outputs()
                [j * spec.class_count as usize..(j + 1) * spec.class_count as usize];
            samples.push(ScoredSample {
                index,
                label: submission.labels[j],
                predicted: predicted_class(outputs).unwrap_or_default() as u32,
            });
        }
        suite.submit(evaluation_id, &submission).await?;
        proofs += 1;
    }
    let done = suite.evaluation(evaluation_id).await?;
    // The bond comes back now (anyone may settle it; the participant gains by
    // doing it at once). Someone else having settled first is no failure.
    let bond_refund = match suite.bond(evaluation_id).await? {
        Some(held) if !held.settled && done.status == EvaluationStatus::Finalized => {
            progress(&format!(
                "settling evaluation {evaluation_id}'s bond of {} wei",
                held.amount
            ));
            match suite.settle_bond(evaluation_id).await {
                Ok(settled) => Some(settled),
                Err(e) => {
                    progress(&format!("the bond was not settled: {e}"));
                    None
                }
            }
        }
        _ => None,
    };
    Ok(EvaluationReport {
        evaluation_id,
        task_id,
        version_id,
        samples,
        resumed_at,
        correct: done.correct,
        accuracy_bps: accuracy_bps(done.correct, spec.samples),
        proofs,
        proving_seconds,
        bond_refund,
    })
}

/// A revealed row to prove: EZKL is handed `k / 2^scale` for each quantized
/// value `k`, which it quantizes back to `k` exactly (`k` fits an f32's
/// 24-bit mantissa for every scale the registry allows a value to reach).
fn revealed_row(row: RevealedRow, scale: u32) -> Result<RowToProve, EvaluationError> {
    let step = (scale as f64).exp2();
    let values = row
        .features
        .iter()
        .map(|f| {
            felt_to_int(f)
                .filter(|k| k.unsigned_abs() < 1 << 24)
                .map(|k| k as f64 / step)
                .ok_or_else(|| EvaluationError::RevealedRow {
                    index: row.index,
                    reason: format!("{} is not an integer below 2^24 in magnitude", f.to_hex()),
                })
        })
        .collect::<Result<_, _>>()?;
    Ok(RowToProve {
        index: row.index,
        label: row.label,
        quantized: row.features,
        values,
    })
}

/// The submission of revealed rows (consecutive slots) proved by `proof`:
/// their labels and the proof's instances, no Merkle proofs (the HiddenSet
/// checked the rows at the reveal). Fails when the proof's inputs are not
/// exactly the revealed values.
fn revealed_submission(
    rows: &[RowToProve],
    proof: &Proof,
    scale: u32,
) -> Result<Submission, EvaluationError> {
    let features: Vec<Felt> = rows.iter().flat_map(|r| r.quantized.clone()).collect();
    if proof.inputs() != features.as_slice() {
        return Err(EvaluationError::ProofInputs {
            inputs: proof.inputs().len(),
            scale,
        });
    }
    Ok(Submission {
        labels: rows.iter().map(|r| r.label).collect(),
        merkle_proofs: Vec::new(),
        proof: proof.bytes.clone().into(),
        instances: proof.instances.iter().map(word).collect(),
        vka: Vec::new(),
    })
}

/// The public task's dataset checked against the task and the circuit:
/// its shape, its root, and the circuit's quantization of every row.
fn public_rows(
    task_id: u64,
    spec: &TaskSpec,
    dataset: &Dataset,
    circuit: &Circuit<'_>,
    progress: &dyn Fn(&str),
) -> Result<QuantizedDataset, EvaluationError> {
    let features = spec.feature_count as usize;
    if dataset.feature_count() != features || dataset.rows.len() as u64 != spec.dataset_size {
        return Err(EvaluationError::DatasetShape {
            rows: dataset.rows.len(),
            features: dataset.feature_count(),
            task_id,
            task_rows: spec.dataset_size,
            task_features: features,
        });
    }
    let quantized = task_dataset(task_id, spec, dataset)?;
    progress(&format!(
        "checking that the circuit quantizes all {} rows as the task's leaves",
        dataset.rows.len()
    ));
    check_quantization(circuit, dataset, &quantized)?;
    Ok(quantized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_task_rows_are_the_csv_with_the_task_root() {
        let task = Dataset::parse("a,b,label\n1.5,2,0\n-3.25,4,1\n").expect("csv");
        let other = Dataset::parse("a,b,label\n1.5,2,0\n-3.25,4.5,1\n").expect("csv");
        let narrow = Dataset::parse("a,label\n1.5,0\n").expect("csv");
        let quantized = task.quantize(7).expect("quantize");
        let spec = TaskSpec {
            root: B256::from(quantized.root().to_be_bytes()),
            dataset_size: 2,
            feature_count: 2,
            class_count: 2,
            scale: 7,
            samples: 1,
            draw_delay: 1,
            randomness: Default::default(),
            hidden: false,
            metadata: B256::ZERO,
        };
        let found = |d, c| task_rows_among(9, &spec, d, c);
        // --dataset with the task's root; a calibration set that happens to be it.
        assert_eq!(
            found(Some(&task), Some(&other))
                .expect("ok")
                .expect("found")
                .0,
            &task
        );
        assert_eq!(
            found(None, Some(&task)).expect("ok").expect("found").0,
            &task
        );
        // A calibration set that is not the task's: no check, no error.
        assert!(found(None, Some(&other)).expect("ok").is_none());
        // --dataset must be the task's.
        assert!(matches!(
            found(Some(&other), None),
            Err(EvaluationError::WrongDataset { task_id: 9, .. })
        ));
        // Another width is refused, naming which CSV.
        for (d, c, csv) in [
            (Some(&narrow), None, "dataset"),
            (Some(&task), Some(&narrow), "calibration set"),
        ] {
            match found(d, c) {
                Err(EvaluationError::Features {
                    csv: named,
                    features: 1,
                    task_id: 9,
                    task_features: 2,
                }) => assert_eq!(named, csv),
                other => panic!("{csv}: {:?}", other.map(|f| f.map(|(d, _)| d.clone()))),
            }
        }
    }

    #[test]
    fn draws_are_distinct_and_in_range() {
        let seed = U256::from(12345u64);
        let indices = drawn_indices(seed, 30, 30);
        let mut sorted = indices.clone();
        sorted.sort();
        assert_eq!(sorted, (0..30).collect::<Vec<_>>());
        assert!(drawn_indices(seed, 16, 1_000_000)
            .iter()
            .all(|&i| i < 1_000_000));
    }

    #[test]
    fn candidate_index_is_keccak_of_seed_slot_attempt_mod_size() {
        let seed = U256::from_be_bytes([7u8; 32]);
        let mut buf = [7u8; 40];
        buf[32..36].copy_from_slice(&3u32.to_be_bytes());
        buf[36..].copy_from_slice(&1u32.to_be_bytes());
        let expected = U256::from_be_bytes(keccak256(buf).0) % U256::from(97u64);
        assert_eq!(candidate_index(seed, 3, 1, 97), expected.to::<u64>());
    }

    #[test]
    fn argmax_reads_signed_felts_and_keeps_the_first_tie() {
        let f = Felt::from_i64;
        assert_eq!(predicted_class(&[f(-5), f(-2), f(-9)]), Some(1));
        assert_eq!(predicted_class(&[f(3), f(-2), f(7)]), Some(2));
        assert_eq!(predicted_class(&[f(4), f(4), f(1)]), Some(0));
        assert_eq!(predicted_class(&[f(0), f(-1)]), Some(0));
        assert_eq!(predicted_class(&[]), None);
        assert_eq!(accuracy_bps(15, 16), 9_375);
    }
}

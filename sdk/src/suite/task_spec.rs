//! A task's parameters as a user writes them, checked against the
//! ModelRegistry's limits before anything is sent.

use super::*;

/// The parameters of an evaluation task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSpec {
    /// Poseidon Merkle root of the evaluation set.
    pub root: B256,
    /// Rows in the evaluation set.
    pub dataset_size: u64,
    /// Features per row (the model's input width).
    pub feature_count: u32,
    /// Classes (the model's output width).
    pub class_count: u32,
    /// Fixed-point scale (bits) of the quantized features (EZKL's input scale).
    pub scale: u32,
    /// Samples drawn per evaluation.
    pub samples: u32,
    /// L2 blocks between an evaluation's opening and its beacon block.
    pub draw_delay: u32,
    /// Randomness provider; zero for the delayed-block beacon.
    pub randomness: Address,
    /// Hidden: the rows stay with the task owner, who reveals each
    /// evaluation's drawn rows to `randomness`, the suite's HiddenSet.
    pub hidden: bool,
    /// Digest of the task's off-chain description.
    pub metadata: B256,
}

impl TaskSpec {
    /// The task of an evaluation CSV (features..., label): its Poseidon root at
    /// `scale`, its shape, and the keccak256 of the file as metadata; the
    /// delayed-block beacon draws `samples` rows `draw_delay` blocks after
    /// each opening.
    pub fn from_csv(
        path: &Path,
        scale: u32,
        samples: u32,
        draw_delay: u32,
    ) -> Result<TaskSpec, crate::dataset::DatasetError> {
        // The streaming reader (strict UTF-8, bounded lines, errors with their
        // line), then the file's keccak256 in chunks: memory stays bounded by
        // the rows, not the file.
        let data = crate::dataset::Dataset::from_csv(path)?;
        let metadata = file_keccak(path)
            .map_err(|e| crate::dataset::DatasetError::Io(path.display().to_string(), e))?;
        let quantized = data.quantize(scale)?;
        Ok(TaskSpec {
            root: B256::from(quantized.root().to_be_bytes()),
            dataset_size: data.rows.len() as u64,
            feature_count: data.feature_count() as u32,
            class_count: data.class_count().max(2),
            scale,
            samples,
            draw_delay,
            randomness: Address::ZERO,
            hidden: false,
            metadata,
        })
    }
}

/// The ModelRegistry's limits on a task's parameters (`createTask`).
pub use zkmltrack_protocol::registry::limits as task_limits;

/// A task parameter the ModelRegistry would refuse, with the value given
/// and the limit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TaskSpecError {
    /// The dataset has no rows.
    #[error("the dataset has no rows")]
    EmptyDataset,
    /// Samples out of range.
    #[error(
        "sample count {samples} is out of range: an evaluation draws 1 to {max} samples \
         (at most the dataset's {rows} rows and at most {MAX_SAMPLES})",
        max = (*rows).min(task_limits::MAX_SAMPLES as u64),
        MAX_SAMPLES = task_limits::MAX_SAMPLES
    )]
    Samples {
        /// Samples asked for.
        samples: u32,
        /// Rows in the dataset.
        rows: u64,
    },
    /// Features per row out of range.
    #[error("{0} features per row: a task takes 1 to {max}", max = task_limits::MAX_FEATURES)]
    Features(u32),
    /// Classes out of range.
    #[error(
        "{0} classes: a task takes {min} to {max}",
        min = task_limits::MIN_CLASSES,
        max = task_limits::MAX_CLASSES
    )]
    Classes(u32),
    /// Scale above the largest.
    #[error("scale {0} is above the largest, {max} bits", max = task_limits::MAX_SCALE)]
    Scale(u32),
    /// Draw delay out of range.
    #[error(
        "draw delay {0} is out of range: 1 to {max} blocks (the beacon block's hash must \
         stay within the chain's {window}-block window)",
        max = task_limits::MAX_DRAW_DELAY,
        window = zkmltrack_protocol::evaluation::BLOCK_HASH_WINDOW
    )]
    DrawDelay(u32),
    /// A hidden task without its HiddenSet.
    #[error(
        "a hidden task needs the suite's HiddenSet as its randomness provider (none was given)"
    )]
    HiddenWithoutProvider,
}

impl TaskSpec {
    /// Checks every parameter against the registry's limits, so a task the
    /// registry would refuse is refused before anything is sent, naming the
    /// value given and the limit.
    pub fn check(&self) -> Result<(), TaskSpecError> {
        use task_limits::*;
        let rows = self.dataset_size;
        if rows == 0 {
            return Err(TaskSpecError::EmptyDataset);
        }
        if self.samples == 0 || self.samples as u64 > rows || self.samples > MAX_SAMPLES {
            return Err(TaskSpecError::Samples {
                samples: self.samples,
                rows,
            });
        }
        if self.feature_count == 0 || self.feature_count > MAX_FEATURES {
            return Err(TaskSpecError::Features(self.feature_count));
        }
        if !(MIN_CLASSES..=MAX_CLASSES).contains(&self.class_count) {
            return Err(TaskSpecError::Classes(self.class_count));
        }
        if self.scale > MAX_SCALE {
            return Err(TaskSpecError::Scale(self.scale));
        }
        if self.draw_delay == 0 || self.draw_delay > MAX_DRAW_DELAY {
            return Err(TaskSpecError::DrawDelay(self.draw_delay));
        }
        if self.hidden && self.randomness.is_zero() {
            return Err(TaskSpecError::HiddenWithoutProvider);
        }
        Ok(())
    }
}

/// keccak256 of a file, read in chunks.
fn file_keccak(path: &Path) -> std::io::Result<B256> {
    use std::io::Read;
    let mut file = fs::File::open(path)?;
    let mut hasher = alloy::primitives::Keccak256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(hasher.finalize());
        }
        hasher.update(&buf[..n]);
    }
}

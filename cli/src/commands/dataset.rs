//! `dataset ...`: roots and Merkle proofs of a CSV, checked against a task.

use super::*;

/// `dataset` subcommands.
#[derive(Subcommand, Debug)]
pub(crate) enum DatasetCommand {
    /// The dataset's Poseidon Merkle root at a scale (EZKL's quantization of
    /// float32 inputs); says when the old rule (f64) gives another root, and
    /// with --task which rule the task's root was built with.
    Root {
        /// Dataset CSV.
        #[arg(long)]
        dataset: PathBuf,
        /// Fixed-point scale (bits); default: the task's (with --task) or 13.
        #[arg(long)]
        scale: Option<u32>,
        /// Task whose root to compare with.
        #[arg(long)]
        task: Option<u64>,
    },
    /// The Merkle proof of one row.
    Proof {
        /// Dataset CSV.
        #[arg(long)]
        dataset: PathBuf,
        /// Fixed-point scale (bits).
        #[arg(long, default_value_t = DEFAULT_SCALE)]
        scale: u32,
        /// Row index (0-based).
        #[arg(long)]
        index: usize,
    },
}

/// `dataset ...` (off-chain, but for a --task to compare with).
pub(crate) async fn dataset(global: &Global, cmd: DatasetCommand) -> Result<(), CliError> {
    match cmd {
        DatasetCommand::Root {
            dataset,
            scale,
            task,
        } => {
            let task_root = match task {
                Some(id) => Some(global.suite().await?.task(id).await?.spec),
                None => None,
            };
            let scale = scale
                .or(task_root.as_ref().map(|t| t.scale))
                .unwrap_or(DEFAULT_SCALE);
            let data = read_dataset(&dataset)?;
            let root_felt = task_root
                .as_ref()
                .map(|t| Felt::from_be_bytes(&t.root.0))
                .transpose()
                .map_err(|e| CliError::input(e.to_string()))?;
            let check = data
                .check_root(scale, root_felt.as_ref())
                .map_err(|e| in_file(&dataset, e))?;
            let root = check.root.to_hex();
            let mut text = format!(
                "{root} ({} rows, {} features, scale {scale})",
                data.rows.len(),
                data.feature_count()
            );
            if let Some(legacy) = &check.legacy_root {
                text += &format!(
                    "\n{} values in {} rows quantize otherwise under the old rule (f64, no f32 \
                     cast), whose root is {}",
                    check.differing_values,
                    check.differing_rows,
                    legacy.to_hex()
                );
            }
            if let Some(id) = task {
                text += &format!("\n{}", root_check_text(&check, id, Some(&dataset)));
            }
            let mut value = json!({ "root": root, "rows": data.rows.len(),
                "features": data.feature_count(), "scale": scale,
                "legacy_root": check.legacy_root, "differing_values": check.differing_values,
                "differing_rows": check.differing_rows });
            if task.is_some() {
                value["task"] = json!(task);
                value["rule"] = json!(check.rule);
            }
            emit(global.json(), &value, &text);
        }
        DatasetCommand::Proof {
            dataset,
            scale,
            index,
        } => {
            let data = read_dataset(&dataset)?;
            let q = data.quantize(scale)?;
            let proof = q.proof(index)?;
            let leaf = q.leaf(index).expect("index checked by proof()");
            let hexes: Vec<String> = proof.iter().map(|f| f.to_hex()).collect();
            emit(
                global.json(),
                &json!({ "index": index, "leaf": leaf.to_hex(), "root": q.root().to_hex(), "proof": hexes }),
                &format!(
                    "leaf {}\nproof (bottom-up):\n  {}",
                    leaf.to_hex(),
                    hexes.join("\n  ")
                ),
            );
        }
    }
    Ok(())
}

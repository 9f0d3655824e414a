//! The bundled Iris example (models and evaluation set), compiled into the
//! binary so that `demo` and `deploy` need no checkout.

use std::path::{Path, PathBuf};

use crate::output::{CliError, EXIT_FAILURE};

/// The bundled Iris example, compiled into the binary.
pub(crate) struct Example {
    /// Iris MLP 4 -> 16 -> 3, one sample per proof.
    pub model: PathBuf,
    /// The same MLP proving 4 samples per proof.
    pub model_batch4: PathBuf,
    /// A weaker MLP (fewer training steps) proving 4 samples per proof (the
    /// architecture of `model_batch4`, other weights).
    pub model_weak_batch4: PathBuf,
    /// The evaluation set (50 rows: 4 features, label).
    pub eval: PathBuf,
}

impl Example {
    /// Writes the bundled files into `dir` (unchanged files are left alone).
    pub(crate) fn unpack(dir: &Path) -> Result<Example, CliError> {
        let write = |name: &str, bytes: &[u8]| -> Result<PathBuf, CliError> {
            let path = dir.join(name);
            if std::fs::read(&path).ok().as_deref() != Some(bytes) {
                std::fs::write(&path, bytes).map_err(|e| CliError {
                    code: EXIT_FAILURE,
                    message: format!("cannot write {}: {e}", path.display()),
                })?;
            }
            Ok(path)
        };
        Ok(Example {
            model: write(
                "model.onnx",
                include_bytes!("../../examples/iris/model.onnx"),
            )?,
            model_batch4: write(
                "model_batch4.onnx",
                include_bytes!("../../examples/iris/model_batch4.onnx"),
            )?,
            model_weak_batch4: write(
                "model_weak_batch4.onnx",
                include_bytes!("../../examples/iris/model_weak_batch4.onnx"),
            )?,
            eval: write("eval.csv", include_bytes!("../../examples/iris/eval.csv"))?,
        })
    }
}

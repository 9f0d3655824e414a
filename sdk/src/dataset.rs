//! Evaluation datasets: CSV rows -> features quantized exactly as EZKL
//! quantizes circuit inputs -> Poseidon leaves -> Merkle root and proofs.
//!
//! The CSV has a header; every column but the last is a feature, the last is
//! the class label (an integer from 0 to 255: tasks take 2 to 256 classes).
//! Files are read line by line (a line may not exceed [`MAX_LINE_BYTES`]), so
//! an error late in a huge file costs no more memory than the rows before it,
//! and every error names its line. A feature `x` at scale `s` becomes what
//! EZKL makes of it for a `float` input: `round(f32(x) * 2^s)` (halves away
//! from zero), negatives as `p - |v|` ([`crate::quantize`] has the rule), so a
//! proof's public inputs are the leaf's features. Leaves and tree follow
//! [`crate::hashing`].
//!
//! ```
//! use zkmltrack::dataset::Dataset;
//!
//! let csv = "a,b,label\n5.1,-0.5,0\n4.9,3.0,2\n";
//! let data = Dataset::parse(csv).unwrap();
//! let tree = data.quantize(7).unwrap();
//! assert_eq!(tree.len(), 2);
//! let proof = tree.proof(1).unwrap();
//! assert!(tree.verify(1, &proof));
//! ```

use serde::Serialize;
use std::{
    fs,
    io::{BufRead, BufReader, Read},
    path::Path,
};

use crate::{
    hashing::{leaf_hashes, DatasetTree, Felt, HashingError},
    quantize::{InputType, QuantizeError, TASK_INPUT_TYPE},
};

/// Number of classes a task may have at most (the ModelRegistry's limit), so
/// labels run from 0 to `MAX_CLASSES - 1`.
pub use zkmltrack_protocol::registry::limits::MAX_CLASSES;

/// Longest line [`Dataset::from_csv`] reads (1 MiB, some 50,000 features):
/// a longer one is refused rather than buffered.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Errors reading or quantizing a dataset.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The file could not be read.
    #[error("cannot read {0}: {1}")]
    Io(String, std::io::Error),
    /// No header or no rows.
    #[error("the dataset is empty: it needs a header and at least one row")]
    Empty,
    /// The header names fewer than two columns.
    #[error(
        "the header needs at least one feature column and a label column, found {0} column(s)"
    )]
    TooFewColumns(usize),
    /// A row has another number of cells than the header.
    #[error("line {line}: {found} cells, the header has {expected}")]
    ColumnCount {
        /// 1-based line number.
        line: usize,
        /// Header columns.
        expected: usize,
        /// Cells on the line.
        found: usize,
    },
    /// A line is longer than [`MAX_LINE_BYTES`].
    #[error("line {line} is longer than {limit} bytes: not a dataset row (is this a CSV file?)")]
    LineTooLong {
        /// 1-based line number.
        line: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// A line is not UTF-8 text.
    #[error("line {line} is not UTF-8 text: not a CSV file?")]
    NotText {
        /// 1-based line number.
        line: usize,
    },
    /// A cell is empty.
    #[error("line {line}, column `{column}`: the cell is empty")]
    EmptyCell {
        /// 1-based line number.
        line: usize,
        /// Column name.
        column: String,
    },
    /// A feature cell is not a finite number.
    #[error("line {line}, column `{column}`: `{cell}` is not a finite number")]
    NotANumber {
        /// 1-based line number.
        line: usize,
        /// Column name.
        column: String,
        /// The cell.
        cell: String,
    },
    /// A label is not a class index.
    #[error("line {line}: label `{cell}` is not a class index (an integer from 0 to {max})", max = MAX_CLASSES - 1)]
    BadLabel {
        /// 1-based line number.
        line: usize,
        /// The cell.
        cell: String,
    },
    /// A row's value cannot be quantized (EZKL would refuse it too).
    #[error("data row {row}, column `{column}`: {source}")]
    RowOutOfRange {
        /// 1-based data row (header and blank lines not counted).
        row: usize,
        /// Column name.
        column: String,
        /// What the quantization refused.
        source: QuantizeError,
    },
    /// Hashing failed.
    #[error(transparent)]
    Hashing(#[from] HashingError),
}

/// One labelled row.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Feature values.
    pub features: Vec<f64>,
    /// Class label.
    pub label: u32,
}

/// A labelled dataset read from CSV.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Feature column names.
    pub feature_names: Vec<String>,
    /// Rows, in file order (row `i` is leaf `i`).
    pub rows: Vec<Row>,
}

impl Dataset {
    /// Reads a CSV file line by line.
    pub fn from_csv(path: &Path) -> Result<Dataset, DatasetError> {
        let file =
            fs::File::open(path).map_err(|e| DatasetError::Io(path.display().to_string(), e))?;
        let mut reader = BufReader::new(file);
        let mut parser = Parser::default();
        let mut buf = Vec::new();
        for line in 1.. {
            buf.clear();
            let read = (&mut reader)
                .take(MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', &mut buf)
                .map_err(|e| DatasetError::Io(path.display().to_string(), e))?;
            if read == 0 {
                break;
            }
            if buf.last() != Some(&b'\n') && buf.len() > MAX_LINE_BYTES {
                return Err(DatasetError::LineTooLong {
                    line,
                    limit: MAX_LINE_BYTES,
                });
            }
            let text = std::str::from_utf8(&buf).map_err(|_| DatasetError::NotText { line })?;
            parser.line(line, text)?;
        }
        parser.finish()
    }

    /// Parses CSV text (header, then one row per line; blank lines ignored).
    pub fn parse(text: &str) -> Result<Dataset, DatasetError> {
        let mut parser = Parser::default();
        for (i, line) in text.lines().enumerate() {
            parser.line(i + 1, line)?;
        }
        parser.finish()
    }

    /// Number of features per row.
    pub fn feature_count(&self) -> usize {
        self.feature_names.len()
    }

    /// Number of classes (largest label + 1, at most [`MAX_CLASSES`]).
    pub fn class_count(&self) -> u32 {
        self.rows.iter().map(|r| r.label + 1).max().unwrap_or(0)
    }

    /// Quantizes every row at `scale` as a task does (EZKL's rule for `float`
    /// inputs, [`TASK_INPUT_TYPE`]) and builds the Merkle tree of its leaves.
    pub fn quantize(&self, scale: u32) -> Result<QuantizedDataset, DatasetError> {
        self.quantize_as(scale, TASK_INPUT_TYPE)
    }

    /// Like [`Dataset::quantize`] for a model input of type `input_type`
    /// ([`InputType::F64`] is also the rule of roots made before the `f32`
    /// cast was followed).
    pub fn quantize_as(
        &self,
        scale: u32,
        input_type: InputType,
    ) -> Result<QuantizedDataset, DatasetError> {
        let rows = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let features = row
                    .features
                    .iter()
                    .zip(&self.feature_names)
                    .map(|(x, column)| {
                        crate::quantize::quantize(*x, scale, input_type).map_err(|source| {
                            DatasetError::RowOutOfRange {
                                row: i + 1,
                                column: column.clone(),
                                source,
                            }
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((features, row.label))
            })
            .collect::<Result<Vec<_>, DatasetError>>()?;
        let leaves = leaf_hashes(&rows, |(features, label)| {
            (features, Felt::from_u64(*label as u64))
        });
        let tree = DatasetTree::new(&leaves)?;
        Ok(QuantizedDataset {
            scale,
            input_type,
            rows,
            leaves,
            tree,
        })
    }
}

/// Which quantization rule built a root from a dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RootRule {
    /// The current rule (EZKL's `f32` cast, [`TASK_INPUT_TYPE`]).
    Current,
    /// The rule of roots made before the `f32` cast was followed (`f64`,
    /// [`InputType::F64`]): rows where the two differ can never be proved;
    /// the task must be made again.
    LegacyF64,
    /// Neither: another dataset or another scale.
    Neither,
}

/// How a dataset stands against a root at a scale.
#[derive(Clone, Debug, Serialize)]
pub struct RootCheck {
    /// The rule that built `root` from the dataset.
    pub rule: RootRule,
    /// The root under the current rule.
    pub root: Felt,
    /// The root under the old `f64` rule, when it differs.
    pub legacy_root: Option<Felt>,
    /// Values the two rules quantize differently.
    pub differing_values: usize,
    /// Rows holding such a value.
    pub differing_rows: usize,
}

impl Dataset {
    /// Compares the dataset, quantized at `scale` by the current and the old
    /// rule, with `root` (a task's, or none to just report both roots).
    pub fn check_root(&self, scale: u32, root: Option<&Felt>) -> Result<RootCheck, DatasetError> {
        let current = self.quantize(scale)?;
        let legacy = self.quantize_as(scale, InputType::F64)?;
        let mut differing_values = 0;
        let mut differing_rows = 0;
        for ((a, _), (b, _)) in current.rows.iter().zip(&legacy.rows) {
            let n = a.iter().zip(b).filter(|(x, y)| x != y).count();
            differing_values += n;
            differing_rows += usize::from(n > 0);
        }
        let legacy_root = (legacy.root() != current.root()).then(|| legacy.root());
        let rule = match root {
            None => RootRule::Current,
            Some(r) if *r == current.root() => RootRule::Current,
            Some(r) if Some(*r) == legacy_root => RootRule::LegacyF64,
            Some(_) => RootRule::Neither,
        };
        Ok(RootCheck {
            rule,
            root: current.root(),
            legacy_root,
            differing_values,
            differing_rows,
        })
    }
}

/// Reads a dataset one line at a time.
#[derive(Default)]
struct Parser {
    /// Header columns, once read.
    columns: Vec<String>,
    rows: Vec<Row>,
}

impl Parser {
    /// Takes line number `line` (1-based); blank lines are skipped.
    fn line(&mut self, line: usize, text: &str) -> Result<(), DatasetError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(());
        }
        if self.columns.is_empty() {
            // A UTF-8 byte-order mark (spreadsheet exports) is not part of the first name.
            let header = text.trim_start_matches('\u{feff}');
            self.columns = header.split(',').map(|c| c.trim().to_string()).collect();
            if self.columns.len() < 2 {
                return Err(DatasetError::TooFewColumns(self.columns.len()));
            }
            return Ok(());
        }
        let columns = &self.columns;
        let cells: Vec<&str> = text.split(',').map(str::trim).collect();
        if cells.len() != columns.len() {
            return Err(DatasetError::ColumnCount {
                line,
                expected: columns.len(),
                found: cells.len(),
            });
        }
        if let Some((_, column)) = cells.iter().zip(columns).find(|(c, _)| c.is_empty()) {
            return Err(DatasetError::EmptyCell {
                line,
                column: column.clone(),
            });
        }
        let (label_cell, feature_cells) = cells.split_last().expect("at least two cells");
        let features = feature_cells
            .iter()
            .zip(columns)
            .map(|(cell, column)| {
                cell.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| DatasetError::NotANumber {
                        line,
                        column: column.clone(),
                        cell: cell.to_string(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let label = label_cell
            .parse::<u32>()
            .ok()
            .filter(|l| *l < MAX_CLASSES)
            .ok_or_else(|| DatasetError::BadLabel {
                line,
                cell: label_cell.to_string(),
            })?;
        self.rows.push(Row { features, label });
        Ok(())
    }

    /// The dataset read so far, or [`DatasetError::Empty`] without rows.
    fn finish(self) -> Result<Dataset, DatasetError> {
        if self.rows.is_empty() {
            return Err(DatasetError::Empty);
        }
        let feature_names = self.columns[..self.columns.len() - 1].to_vec();
        Ok(Dataset {
            feature_names,
            rows: self.rows,
        })
    }
}

/// A dataset quantized at a scale, with its Poseidon Merkle tree.
pub struct QuantizedDataset {
    /// The scale (bits).
    pub scale: u32,
    /// The input type the values were cast to first.
    pub input_type: InputType,
    /// Quantized features and label per row.
    pub rows: Vec<(Vec<Felt>, u32)>,
    leaves: Vec<Felt>,
    tree: DatasetTree,
}

impl QuantizedDataset {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.leaves.len()
    }

    /// Always false: a dataset has at least one row.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The Merkle root a task anchors.
    pub fn root(&self) -> Felt {
        self.tree.root()
    }

    /// Leaf of row `index`.
    pub fn leaf(&self, index: usize) -> Option<Felt> {
        self.leaves.get(index).copied()
    }

    /// Merkle proof of row `index` (sibling hashes, bottom-up).
    pub fn proof(&self, index: usize) -> Result<Vec<Felt>, DatasetError> {
        Ok(self.tree.proof(index)?)
    }

    /// One multi-proof of rows `indices` (any order, distinct), as a
    /// submission carries it.
    pub fn multiproof(&self, indices: &[usize]) -> Result<Vec<Felt>, DatasetError> {
        Ok(self.tree.multiproof(indices)?)
    }

    /// Checks a proof of row `index` against the root.
    pub fn verify(&self, index: usize, proof: &[Felt]) -> bool {
        self.leaves
            .get(index)
            .is_some_and(|leaf| self.tree.verify(index, *leaf, proof))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_leaves_take_the_f32_cast_and_name_a_value_out_of_range() {
        let data = Dataset::parse("a,b,label\n690.2,-0.5,0\n").unwrap();
        let f32_rows = &data.quantize(13).unwrap().rows;
        assert_eq!(
            f32_rows[0].0,
            vec![Felt::from_i64(5_654_119), Felt::from_i64(-4096)]
        );
        let f64_rows = &data.quantize_as(13, InputType::F64).unwrap().rows;
        assert_eq!(f64_rows[0].0[0], Felt::from_i64(5_654_118));
        let Err(err) = Dataset::parse("a,b,label\n1,1e39,0\n").unwrap().quantize(0) else {
            panic!("1e39 fits no f32")
        };
        assert!(
            matches!(&err, DatasetError::RowOutOfRange { row: 1, column, .. } if column == "b"),
            "{err}"
        );
    }

    #[test]
    fn tells_a_root_of_the_old_rule_from_the_current_one() {
        let data = Dataset::parse("a,b,label\n690.2,1.5,0\n2,3,1\n").unwrap();
        let current = data.quantize(13).unwrap().root();
        let old = data.quantize_as(13, InputType::F64).unwrap().root();
        assert_ne!(current, old);
        let check = data.check_root(13, Some(&old)).unwrap();
        assert_eq!(check.rule, RootRule::LegacyF64);
        assert_eq!((check.differing_values, check.differing_rows), (1, 1));
        assert_eq!(check.legacy_root, Some(old));
        assert_eq!(
            data.check_root(13, Some(&current)).unwrap().rule,
            RootRule::Current
        );
        assert_eq!(
            data.check_root(12, Some(&current)).unwrap().rule,
            RootRule::Neither
        );
        // Iris-like rows with one decimal: both rules agree.
        let iris = Dataset::parse("a,b,label\n5.1,3.5,0\n4.9,3.0,1\n").unwrap();
        let check = iris.check_root(13, None).unwrap();
        assert_eq!((check.legacy_root, check.differing_values), (None, 0));
    }

    #[test]
    fn refuses_malformed_csv_with_the_line_and_column() {
        assert!(matches!(Dataset::parse(""), Err(DatasetError::Empty)));
        assert!(matches!(
            Dataset::parse("a,label\n"),
            Err(DatasetError::Empty)
        ));
        assert!(matches!(
            Dataset::parse("label\n1\n"),
            Err(DatasetError::TooFewColumns(1))
        ));
        assert!(matches!(
            Dataset::parse("a,b,label\n1,2,0\n1,2\n"),
            Err(DatasetError::ColumnCount {
                line: 3,
                expected: 3,
                found: 2
            })
        ));
        let err = Dataset::parse("a,b,label\n1,x,0\n").unwrap_err();
        assert!(matches!(&err, DatasetError::NotANumber { line: 2, column, .. } if column == "b"));
        assert!(matches!(
            Dataset::parse("a,label\nNaN,0\n"),
            Err(DatasetError::NotANumber { .. })
        ));
        assert!(matches!(
            Dataset::parse("a,label\n1,-1\n"),
            Err(DatasetError::BadLabel { line: 2, .. })
        ));
        assert!(matches!(
            Dataset::parse("a,label\n1,0.5\n"),
            Err(DatasetError::BadLabel { .. })
        ));
    }

    #[test]
    fn every_row_proves_against_the_root() {
        let data = Dataset::parse("a,b,label\n1,2,0\n-3.25,4,1\n5,6,2\n0,0,1\n7,8,0\n").unwrap();
        assert_eq!((data.feature_count(), data.class_count()), (2, 3));
        let q = data.quantize(4).unwrap();
        assert_eq!(q.rows[1].0, vec![Felt::from_i64(-52), Felt::from_i64(64)]);
        for i in 0..q.len() {
            let proof = q.proof(i).unwrap();
            assert!(q.verify(i, &proof));
            assert!(!q.verify((i + 1) % q.len(), &proof) || q.len() == 1);
        }
        assert!(q.proof(5).is_err());
    }
}

//! Evaluation datasets: CSV rows -> features quantized exactly as EZKL
//! quantizes circuit inputs -> Poseidon leaves -> Merkle root and proofs.
//!
//! The CSV has a header; every column but the last is a feature, the last is
//! the class label (an integer from 0 to 255: tasks take 2 to 256 classes).
//! Files are read line by line (a line may not exceed [`MAX_LINE_BYTES`]), so
//! an error late in a huge file costs no more memory than the rows before it,
//! and every error names its line. A feature `x` at scale `s` becomes
//! `round(x * 2^s)` (f64, halves away from zero, as EZKL's `quantize_float`),
//! negative values as `p - |v|`, so a proof's public inputs are the leaf's
//! features. Leaves and tree follow [`crate::hashing`].
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

use std::{
    fs,
    io::{BufRead, BufReader, Read},
    path::Path,
};

use crate::hashing::{leaf_hashes, DatasetTree, Felt, HashingError};

/// Number of classes a task may have at most (the ModelRegistry takes 2 to
/// 256), so labels run from 0 to `MAX_CLASSES - 1`.
pub const MAX_CLASSES: u32 = 256;

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
    /// A value is too large for the fixed-point scale.
    #[error("value {value} does not fit scale {scale} (|x * 2^scale| must stay below 2^63)")]
    OutOfRange {
        /// The value.
        value: f64,
        /// The scale.
        scale: u32,
    },
    /// A row's value is too large for the fixed-point scale.
    #[error("data row {row}, column `{column}`: value {value} does not fit scale {scale} (|x * 2^scale| must stay below 2^63)")]
    RowOutOfRange {
        /// 1-based data row (header and blank lines not counted).
        row: usize,
        /// Column name.
        column: String,
        /// The value.
        value: f64,
        /// The scale.
        scale: u32,
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

    /// Quantizes every row at `scale` and builds the Merkle tree of its leaves.
    pub fn quantize(&self, scale: u32) -> Result<QuantizedDataset, DatasetError> {
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
                        quantize(*x, scale).map_err(|_| DatasetError::RowOutOfRange {
                            row: i + 1,
                            column: column.clone(),
                            value: *x,
                            scale,
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
            rows,
            leaves,
            tree,
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

/// EZKL's quantization of one input value: `round(x * 2^scale)` as a field element.
pub fn quantize(x: f64, scale: u32) -> Result<Felt, DatasetError> {
    let scaled = (x * 2f64.powi(scale as i32)).round();
    if !scaled.is_finite() || scaled.abs() >= 9.2e18 {
        return Err(DatasetError::OutOfRange { value: x, scale });
    }
    Ok(Felt::from_i64(scaled as i64))
}

/// A dataset quantized at a scale, with its Poseidon Merkle tree.
pub struct QuantizedDataset {
    /// The scale (bits).
    pub scale: u32,
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
    fn quantizes_like_ezkl_with_halves_away_from_zero() {
        assert_eq!(quantize(0.5, 7).unwrap(), Felt::from_i64(64));
        assert_eq!(quantize(-1.0, 7).unwrap(), Felt::from_i64(-128));
        assert_eq!(quantize(0.5 / 128.0, 7).unwrap(), Felt::from_i64(1));
        assert_eq!(quantize(-0.5 / 128.0, 7).unwrap(), Felt::from_i64(-1));
        assert_eq!(quantize(5.1, 0).unwrap(), Felt::from_i64(5));
        assert!(matches!(
            quantize(1e300, 7),
            Err(DatasetError::OutOfRange { .. })
        ));
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

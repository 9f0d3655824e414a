//! Peak memory of a circuit's set-up and proving, predicted from its settings
//! before either runs, and the machine's available memory to weigh it against.
//!
//! Halo2's key generation and prover hold every column of the circuit as a
//! polynomial over 2^logrows points, several times over (coefficients,
//! evaluations, the extended coset), so the EZKL process's peak is a base
//! plus a fixed number of bytes per row for a given column layout. EZKL 23
//! lays a model out in `num_inner_cols`-wide blocks of advice columns, and
//! adds a set of einsum columns (Freivalds' check of batched matrix products,
//! `einsum_params.total_einsum_col_size > 0`) to circuits of more than one
//! sample per proof. The constants were fitted on `scripts/bench`'s proving
//! table (`docs/benchmarks.md`, "Proving by samples per proof"): the Iris MLP
//! at 1, 16, 48, 128 and 256 samples per proof (2^15 to 2^18 rows), the
//! digits MLP (2^18 rows, a 65,536-value lookup range) and the cancer MLP, all
//! with two inner columns and two range checks; every one within 5% of its
//! measured peak. Other layouts (more inner columns, dynamic lookups,
//! shuffles) were not measured: [`Estimate`] scales with the inner columns
//! as the layout does, which is a model, not a fit.

use std::path::Path;

use super::Settings;

/// The EZKL process's resident memory before any circuit (Python, ezkl, the SRS).
const BASE_BYTES: u64 = 79 << 20;
/// Bytes per row at the peak of a circuit of two inner columns.
const BYTES_PER_ROW: u64 = 20_400;
/// Bytes per row the einsum columns add.
const EINSUM_BYTES_PER_ROW: u64 = 11_300;
/// The inner columns the constants were measured with.
const MEASURED_INNER_COLS: u64 = 2;

/// What a circuit is expected to hold at its peak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Estimate {
    /// Predicted peak resident memory of the EZKL process (bytes) over set-up and proving.
    pub peak_bytes: u64,
    /// Rows of the circuit (2^logrows).
    pub rows: u64,
    /// Bytes per row the estimate counts.
    pub bytes_per_row: u64,
}

/// The predicted peak of setting up and proving the circuit of `settings`.
pub fn estimate(settings: &Settings) -> Estimate {
    let rows = 1u64 << settings.logrows.min(40);
    let inner = u64::from(settings.num_inner_cols.max(1));
    let einsum = if settings.einsum_columns {
        EINSUM_BYTES_PER_ROW
    } else {
        0
    };
    let bytes_per_row =
        (BYTES_PER_ROW + einsum) * inner.max(MEASURED_INNER_COLS) / MEASURED_INNER_COLS;
    Estimate {
        peak_bytes: BASE_BYTES.saturating_add(rows.saturating_mul(bytes_per_row)),
        rows,
        bytes_per_row,
    }
}

/// Memory the kernel says a new process can use without swapping
/// (`MemAvailable` of `/proc/meminfo`), in bytes; `None` where that is not known.
pub fn available_bytes() -> Option<u64> {
    available_in(Path::new("/proc/meminfo"))
}

fn available_in(meminfo: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(meminfo).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
}

/// `bytes` in MiB, for messages.
pub fn mib(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(logrows: u32, inner: u32, einsum_columns: bool) -> Settings {
        Settings {
            logrows,
            input_scales: vec![13],
            output_scales: vec![13],
            instance_shapes: Vec::new(),
            version: "23.0.5".into(),
            hashed_params: true,
            input_types: Vec::new(),
            num_inner_cols: inner,
            einsum_columns,
        }
    }

    #[test]
    fn the_estimate_is_the_fit_of_the_proving_table() {
        let mib = |e: Estimate| e.peak_bytes >> 20;
        // docs/benchmarks.md (2026-12-05): Iris at 1 and 48 samples per proof
        // (2^15), at 256 (2^18), digits (2^18, no einsum): 704, 1,042, 8,009 and
        // 5,413 MiB measured.
        for (settings, measured) in [
            (settings(15, 2, false), 704),
            (settings(15, 2, true), 1_042),
            (settings(18, 2, true), 8_009),
            (settings(18, 2, false), 5_413),
        ] {
            let estimated = mib(estimate(&settings)) as f64;
            assert!(
                (estimated / measured as f64 - 1.0).abs() < 0.05,
                "{settings:?}: {estimated} MiB for {measured} measured"
            );
        }
        // One more row bit doubles what is above the base; more inner columns grow it.
        let (small, large) = (
            estimate(&settings(16, 2, true)),
            estimate(&settings(17, 2, true)),
        );
        assert_eq!(
            large.peak_bytes - BASE_BYTES,
            2 * (small.peak_bytes - BASE_BYTES)
        );
        assert!(estimate(&settings(16, 4, true)).peak_bytes > small.peak_bytes);
    }

    #[test]
    fn available_memory_is_read_from_meminfo() {
        let dir = std::env::temp_dir().join(format!("zkmltrack-meminfo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("meminfo");
        std::fs::write(
            &file,
            "MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   20000000 kB\n",
        )
        .unwrap();
        assert_eq!(available_in(&file), Some(20_000_000 * 1024));
        std::fs::write(&file, "MemTotal: 1 kB\n").unwrap();
        assert_eq!(available_in(&file), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! Dataset-root benchmark: the SDK's root computation (fast Poseidon, leaves
//! and tree layers on all cores) against the naive loop the SDK used to run
//! (`poseidon-rs`, one hash at a time on one thread, `rs_merkle` tree), on
//! synthetic Iris-shaped rows (4 features quantized at scale 13, a label from
//! 0 to 2; deterministic pseudo-random). Asserts both give the same root, prints
//! the per-hash times and a markdown table; with `--write <file>` also replaces
//! the text between the `dataset-bench` markers of that file.
//!
//! ```text
//! cargo run --release -p zkmltrack-bench --bin dataset_root -- \
//!     [--sizes 1000,100000,1000000] [--naive-max N] [--write docs/benchmarks.md] [--section NAME]
//! ```
//! `--naive-max N` skips the naive loop above N leaves (the table then says
//! "not run"); by default it runs at every size. `--section` names the
//! section written (default `dataset-bench`; `scripts/bench` also runs the
//! scalar fallback, `ZKMLTRACK_POSEIDON_SCALAR=1`, into `dataset-bench-scalar`).

use std::{hint::black_box, path::Path, thread, time::Instant};

use ff_ce::{PrimeField, PrimeFieldRepr};
use poseidon_rs::{Fr, FrRepr, Poseidon};
use rs_merkle::{Hasher, MerkleTree};
use zkmltrack::{
    hashing::{hash_backend, leaf_hashes, poseidon2, DatasetTree, Felt, LEAF_DOMAIN},
    quantize::{quantize, TASK_INPUT_TYPE},
};
use zkmltrack_bench::{arg, machine, replace_section, thousands, write_results};

/// Goals of the benchmark issue.
const MIN_SPEEDUP: f64 = 5.0;
const MAX_SECONDS_AT_1M: f64 = 20.0;
/// Iris-shaped rows: features and the scale the Iris task uses.
const FEATURES: usize = 4;
const SCALE: u32 = 13;

/// One synthetic row: quantized features and label.
type Row = ([Felt; FEATURES], Felt);

/// splitmix64: deterministic pseudo-random rows without a dependency.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [lo, hi).
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `n` rows in Iris's ranges (sepal length/width, petal length/width; 3 classes).
fn rows(n: usize) -> Vec<Row> {
    const RANGES: [(f64, f64); FEATURES] = [(4.3, 7.9), (2.0, 4.4), (1.0, 6.9), (0.1, 2.5)];
    let mut rng = SplitMix(0x5eed);
    (0..n)
        .map(|_| {
            let features = RANGES.map(|(lo, hi)| {
                quantize(rng.uniform(lo, hi), SCALE, TASK_INPUT_TYPE)
                    .expect("Iris values fit the scale")
            });
            (features, Felt::from_u64(rng.next() % 3))
        })
        .collect()
}

/// The SDK: leaves and tree, as `Dataset::quantize` computes them.
fn sdk_root(rows: &[Row]) -> Felt {
    let leaves = leaf_hashes(rows, |(features, label)| (&features[..], *label));
    DatasetTree::new(&leaves).expect("non-empty").root()
}

fn reference() -> &'static Poseidon {
    static REFERENCE: std::sync::OnceLock<Poseidon> = std::sync::OnceLock::new();
    REFERENCE.get_or_init(Poseidon::new)
}

fn fr_from_bytes(bytes: &[u8]) -> Fr {
    let mut repr = FrRepr::default();
    repr.read_be(bytes).expect("32 bytes");
    Fr::from_repr(repr).expect("a field element")
}

fn fr_to_bytes(x: &Fr) -> [u8; 32] {
    let mut out = [0u8; 32];
    x.into_repr().write_be(&mut out[..]).expect("32 bytes");
    out
}

/// The SDK's former `rs_merkle` hasher: bytes -> `poseidon-rs` -> bytes.
#[derive(Clone)]
struct NaiveHasher;

impl Hasher for NaiveHasher {
    type Hash = [u8; 32];

    fn hash(data: &[u8]) -> [u8; 32] {
        let inputs = data.chunks(32).map(fr_from_bytes).collect();
        fr_to_bytes(&reference().hash(inputs).expect("1 or 2 inputs"))
    }
}

/// The naive loop: every leaf as a chain of `poseidon-rs` hashes (prefix
/// included), one at a time, then `rs_merkle`'s tree.
fn naive_root(rows: &[Row]) -> Felt {
    let poseidon = reference();
    let domain = fr_from_bytes(&LEAF_DOMAIN);
    let count = *Felt::from_u64(FEATURES as u64 + 1).as_fr();
    let leaves: Vec<[u8; 32]> = rows
        .iter()
        .map(|(features, label)| {
            let mut acc = poseidon.hash(vec![domain, count]).unwrap();
            for x in features {
                acc = poseidon.hash(vec![acc, *x.as_fr()]).unwrap();
            }
            fr_to_bytes(&poseidon.hash(vec![acc, *label.as_fr()]).unwrap())
        })
        .collect();
    let tree = MerkleTree::<NaiveHasher>::from_leaves(&leaves);
    Felt::from_be_bytes(&tree.root().expect("non-empty")).expect("a field element")
}

/// Per two-input hash, in seconds: `poseidon-rs` and the SDK's `poseidon2`
/// one at a time on one thread, and the SDK in batches (a tree of 2^16
/// leaves: 2^16 - 1 hashes on all threads, wall time, best of 3).
fn per_hash() -> (f64, f64, f64) {
    let (a, b) = (Felt::from_u64(1), Felt::from_u64(2));
    let (n_ref, n_sdk) = (2_000u32, 20_000u32);
    let started = Instant::now();
    let mut x = *a.as_fr();
    for _ in 0..n_ref {
        x = reference().hash(vec![x, *b.as_fr()]).unwrap();
    }
    black_box(x);
    let t_ref = started.elapsed().as_secs_f64() / n_ref as f64;
    let started = Instant::now();
    let mut y = a;
    for _ in 0..n_sdk {
        y = poseidon2(y, b);
    }
    black_box(y);
    let t_sdk = started.elapsed().as_secs_f64() / n_sdk as f64;
    let leaves: Vec<Felt> = (0..1u64 << 16).map(Felt::from_u64).collect();
    let t_batch = (0..3)
        .map(|_| {
            let started = Instant::now();
            black_box(DatasetTree::new(&leaves).unwrap().root());
            started.elapsed().as_secs_f64() / ((1u64 << 16) - 1) as f64
        })
        .fold(f64::INFINITY, f64::min);
    (t_ref, t_sdk, t_batch)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sizes: Vec<usize> = arg("--sizes")
        .unwrap_or_else(|| "1000,100000,1000000".into())
        .split(',')
        .map(|s| {
            s.trim()
                .replace('_', "")
                .parse()
                .expect("--sizes: comma-separated counts")
        })
        .collect();
    let naive_max: usize = arg("--naive-max").map_or(usize::MAX, |s| {
        s.replace('_', "").parse().expect("--naive-max: a count")
    });
    let write = arg("--write");
    let section = arg("--section").unwrap_or_else(|| "dataset-bench".into());
    let mut records = Vec::new();
    let threads = thread::available_parallelism().map_or(1, |n| n.get());
    // Other processes' load skews the figures on a small machine: record it.
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "n/a".into());

    // Warm-up outside the timings: constants (both implementations) and caches.
    assert_eq!(sdk_root(&rows(3)), naive_root(&rows(3)));
    let (t_ref, t_sdk, t_batch) = per_hash();
    let per_hash_line = format!(
        "Per two-input hash: poseidon-rs {:.2} us (one thread); SDK one at a time {:.2} us \
         (one thread, {:.1}x); SDK in batches ({} kernel, {threads} threads) {:.2} us wall, \
         x {threads} = {:.2} us per thread ({:.1}x per thread).",
        t_ref * 1e6,
        t_sdk * 1e6,
        t_ref / t_sdk,
        hash_backend(),
        t_batch * 1e6,
        t_batch * threads as f64 * 1e6,
        t_ref / (t_batch * threads as f64),
    );
    eprintln!("{per_hash_line}");

    let mut table = String::from(
        "| leaves | SDK (s) | naive (s) | speed-up | goal met? |\n|---:|---:|---:|---:|---|\n",
    );
    for &n in &sizes {
        let data = rows(n);
        eprintln!("{n} leaves: SDK...");
        let started = Instant::now();
        let root = sdk_root(&data);
        let sdk = started.elapsed().as_secs_f64();
        let naive = (n <= naive_max).then(|| {
            eprintln!("{n} leaves: naive loop...");
            let started = Instant::now();
            let naive_root = naive_root(&data);
            let seconds = started.elapsed().as_secs_f64();
            assert_eq!(root, naive_root, "{n} leaves: the roots differ");
            seconds
        });
        let time_goal = (n >= 1_000_000).then_some(sdk <= MAX_SECONDS_AT_1M);
        let (naive_cell, speedup_cell, speed_goal) = match naive {
            Some(t) => (
                format!("{t:.2}"),
                format!("{:.1}x", t / sdk),
                Some(t / sdk >= MIN_SPEEDUP),
            ),
            None => ("not run".into(), "not run".into(), None),
        };
        let verdict = match (speed_goal, time_goal) {
            (Some(s), Some(t)) => {
                format!("{} (>= 5x: {}; <= 20 s: {})", yes(s && t), yes(s), yes(t))
            }
            (Some(s), None) => format!("{} (>= 5x)", yes(s)),
            (None, Some(t)) => format!("<= 20 s: {}; >= 5x: not measured", yes(t)),
            (None, None) => "not measured (naive loop not run)".into(),
        };
        table += &format!(
            "| {} | {sdk:.3} | {naive_cell} | {speedup_cell} | {verdict} |\n",
            thousands(n as u64)
        );
        records
            .push(serde_json::json!({ "leaves": n, "sdk_seconds": sdk, "naive_seconds": naive }));
        eprintln!("{n} leaves: SDK {sdk:.3} s, naive {naive_cell} s, root {root:?}");
    }
    println!("{per_hash_line}\n\n{table}");
    write_results(
        &section,
        &serde_json::json!({ "machine": machine(), "backend": hash_backend(), "rows": records }),
    );
    if let Some(path) = write {
        let scalar = std::env::var_os("ZKMLTRACK_POSEIDON_SCALAR").is_some();
        let command = std::iter::once(format!(
            "{}cargo run --release -p zkmltrack-bench --bin dataset_root --",
            if scalar {
                "ZKMLTRACK_POSEIDON_SCALAR=1 "
            } else {
                ""
            }
        ))
        .chain(args.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
        replace_section(
            Path::new(&path),
            &section,
            &format!(
                "Command: `{command}` (run by `scripts/bench`). Machine: {}; {threads} threads \
                 available, load average {load} at the start. Synthetic Iris-shaped rows (4 features quantized at scale {SCALE}, labels \
                 0 to 2); whole root (leaves + tree), the same root asserted for both. Naive: \
                 `poseidon-rs`, one hash at a time on one thread, `rs_merkle` tree (the SDK \
                 before its own Poseidon).\n\n{per_hash_line}\n\n{table}",
                machine()
            ),
        );
    }
}

fn yes(ok: bool) -> &'static str {
    if ok {
        "yes"
    } else {
        "no"
    }
}

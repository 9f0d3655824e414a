//! Shared plumbing of the zkMLTrack benchmarks (`scripts/bench` runs them all):
//! where results go, how a run names its machine and versions, and how a
//! generated section replaces the previous one in `docs/benchmarks.md`.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the bench crate lives in the repository")
        .to_path_buf()
}

/// Directory for raw results (JSON the plots are drawn from) and scratch files.
pub fn results_dir() -> PathBuf {
    let dir = repo_root().join("target/bench");
    fs::create_dir_all(&dir).expect("target/bench is writable");
    dir
}

/// Writes raw results as pretty JSON to `target/bench/<name>.json`.
pub fn write_results(name: &str, value: &serde_json::Value) -> PathBuf {
    let path = results_dir().join(format!("{name}.json"));
    fs::write(
        &path,
        serde_json::to_string_pretty(value).expect("JSON serializes") + "\n",
    )
    .expect("results are writable");
    path
}

/// One line naming the machine and tool versions a figure was measured with:
/// CPU model and cores, OS, rustc, and the date.
pub fn machine() -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok())
        })
        .map_or_else(String::new, |kb| {
            format!(", {:.0} GiB", kb as f64 / 1_048_576.0)
        });
    let os = fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| std::env::consts::OS.into());
    let output = |cmd: &str, args: &[&str]| {
        Command::new(cmd)
            .args(args)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    format!(
        "{cpu}, {cores} cores{memory}, {os}, {}, {}",
        output("rustc", &["--version"]),
        output("date", &["-u", "+%Y-%m-%d"])
    )
}

/// The pinned proving and compiling tools the figures depend on:
/// `ezkl <version> (PyPI), solc-js <version>`.
pub fn tool_versions() -> String {
    let ezkl = zkmltrack::python::REQUIREMENTS
        .lines()
        .find_map(|l| l.strip_prefix("ezkl=="))
        .unwrap_or("?");
    format!(
        "ezkl {ezkl} (PyPI), solc-js {}",
        zkmltrack::solc::SOLC_VERSION
    )
}

/// Replaces the text between `<!-- {name}:start -->` and `<!-- {name}:end -->`
/// in `file` with `body`, keeping the markers.
///
/// # Panics
/// When the file cannot be read or written or lacks the markers: a benchmark
/// run that cannot record its figures must fail loudly.
pub fn replace_section(file: &Path, name: &str, body: &str) {
    let doc =
        fs::read_to_string(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let (start, end) = (
        format!("<!-- {name}:start -->"),
        format!("<!-- {name}:end -->"),
    );
    let a = doc
        .find(&start)
        .unwrap_or_else(|| panic!("{} has no {start} marker", file.display()));
    let b = doc
        .find(&end)
        .unwrap_or_else(|| panic!("{} has no {end} marker", file.display()));
    assert!(a < b, "{start} must come before {end}");
    let updated = format!(
        "{}{start}\n{}\n{end}{}",
        &doc[..a],
        body.trim_end(),
        &doc[b + end.len()..]
    );
    fs::write(file, updated).unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
    eprintln!("updated the {name} section of {}", file.display());
}

/// The value of `--flag VALUE` among the process arguments.
pub fn arg(flag: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1).cloned())
}

/// A count with thousands separators (`692,252`).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A bundled model the prover benchmarks build: its name, ONNX file and
/// evaluation rows (paths from the repository root).
pub struct ProverModel {
    /// Short name (`--models` selects by it).
    pub name: &'static str,
    /// The ONNX file.
    pub onnx: &'static str,
    /// Its evaluation CSV.
    pub eval: &'static str,
}

/// The prover benchmarks' models: the Iris MLP and the digits MLP.
pub const PROVER_MODELS: [ProverModel; 2] = [
    ProverModel {
        name: "iris",
        onnx: "examples/iris/model.onnx",
        eval: "examples/iris/eval.csv",
    },
    ProverModel {
        name: "digits",
        onnx: "examples/digits/model.onnx",
        eval: "examples/digits/eval.csv",
    },
];

/// The median of some measurements (the upper one of an even count).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(692_252), "692,252");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }

    #[test]
    fn replace_section_keeps_markers_and_surroundings() {
        let file = results_dir().join("replace-section-test.md");
        fs::write(&file, "a\n<!-- x:start -->\nold\n<!-- x:end -->\nb\n").unwrap();
        replace_section(&file, "x", "new\nlines\n");
        assert_eq!(
            fs::read_to_string(&file).unwrap(),
            "a\n<!-- x:start -->\nnew\nlines\n<!-- x:end -->\nb\n"
        );
        fs::remove_file(file).unwrap();
    }
}

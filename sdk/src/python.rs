//! The project-managed Python environment that runs EZKL.
//!
//! No EZKL crate exists on crates.io; the SDK drives the pinned PyPI `ezkl`
//! package in a virtual environment it creates on first use under the
//! zkMLTrack home ([`zkmltrack_home`]). Creation is idempotent and guarded by a
//! file lock, so concurrent provers share one environment.

use std::{
    env,
    fs::{self, File},
    io,
    path::{Path, PathBuf},
    process::Command,
};

/// Pinned packages of the environment (one requirement per line).
pub const REQUIREMENTS: &str = "ezkl==23.0.5\nonnx==1.23.2\nnumpy==2.4.6\n";

/// Errors while preparing the Python environment.
#[derive(Debug, thiserror::Error)]
pub enum PythonError {
    /// No usable `python3` on PATH.
    #[error("Python 3 is required to run EZKL but `{0}` could not be started: {1}. Install Python 3.9+ (with the venv module) or set ZKMLTRACK_PYTHON")]
    PythonMissing(String, io::Error),
    /// A command of the set-up failed.
    #[error("setting up the EZKL environment failed at `{command}`: {output}")]
    SetupFailed {
        /// The command.
        command: String,
        /// Its stderr (tail).
        output: String,
    },
    /// File-system error.
    #[error("{0}: {1}")]
    Io(String, io::Error),
}

/// The zkMLTrack home: `$ZKMLTRACK_HOME`, else `$XDG_CACHE_HOME/zkmltrack`,
/// else `~/.cache/zkmltrack`. It holds the Python environment and the solc shim.
pub fn zkmltrack_home() -> PathBuf {
    if let Some(home) = env::var_os("ZKMLTRACK_HOME") {
        return PathBuf::from(home);
    }
    let cache = env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(env::temp_dir);
    cache.join("zkmltrack")
}

/// A ready Python environment with the pinned EZKL.
#[derive(Clone, Debug)]
pub struct PythonEnv {
    root: PathBuf,
}

impl PythonEnv {
    /// Creates (first time) or reuses the environment under `home/venv`.
    pub fn ensure(home: &Path) -> Result<PythonEnv, PythonError> {
        let root = home.join("venv");
        let marker = root.join("zkmltrack-requirements.txt");
        let io = |what: &str| {
            let what = what.to_string();
            move |e| PythonError::Io(what, e)
        };
        if fs::read_to_string(&marker).ok().as_deref() == Some(REQUIREMENTS) {
            return Ok(PythonEnv { root });
        }
        fs::create_dir_all(home).map_err(io(&format!("cannot create {}", home.display())))?;
        let lock =
            File::create(home.join("venv.lock")).map_err(io("cannot create the venv lock"))?;
        lock.lock().map_err(io("cannot lock the venv"))?;
        if fs::read_to_string(&marker).ok().as_deref() == Some(REQUIREMENTS) {
            return Ok(PythonEnv { root });
        }
        let python = env::var("ZKMLTRACK_PYTHON").unwrap_or_else(|_| "python3".into());
        eprintln!(
            "zkmltrack: creating the EZKL environment in {} (first use)",
            root.display()
        );
        let status = Command::new(&python)
            .args(["-m", "venv", "--clear"])
            .arg(&root)
            .output()
            .map_err(|e| PythonError::PythonMissing(python.clone(), e))?;
        check(&format!("{python} -m venv"), &status)?;
        let requirements = root.join("requirements.txt");
        fs::write(&requirements, REQUIREMENTS).map_err(io("cannot write requirements"))?;
        let env = PythonEnv { root };
        let out = Command::new(env.python())
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&requirements)
            .output()
            .map_err(io("cannot run pip"))?;
        check("pip install -r requirements.txt", &out)?;
        fs::write(&marker, REQUIREMENTS).map_err(io("cannot write the venv marker"))?;
        Ok(env)
    }

    /// The environment's Python interpreter.
    pub fn python(&self) -> PathBuf {
        self.root.join("bin").join("python")
    }
}

fn check(command: &str, out: &std::process::Output) -> Result<(), PythonError> {
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
    Err(PythonError::SetupFailed {
        command: command.to_string(),
        output: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
    })
}

//! The project-managed Solidity compiler: npm `solc` (solc-js), pinned.
//!
//! EZKL's `create_evm_verifier` looks for a native solc through `svm`, which
//! downloads compilers from the internet. The SDK instead installs solc-js
//! under the zkMLTrack home on first use and puts a small shim where svm
//! looks (`<home>/svm-home/.svm/<version>/solc-<version>`); EZKL then runs
//! with `HOME` pointing there. The same solc-js compiles verifiers for
//! deployment ([`Solc::compile`]).

use std::{
    fs::{self, File},
    io::Write,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use serde_json::Value;

/// The pinned compiler version (what EZKL 23 asks svm for).
pub const SOLC_VERSION: &str = "0.8.20";
/// Its full version string, as native solc prints it.
const SOLC_LONG_VERSION: &str = "0.8.20+commit.a1b79de6.Linux.g++";

/// Errors of the compiler set-up or of a compilation.
#[derive(Debug, thiserror::Error)]
pub enum SolcError {
    /// Node.js or npm is missing.
    #[error("Node.js and npm are required for the Solidity compiler (npm solc@{SOLC_VERSION}); `{0}` could not be started: {1}")]
    NodeMissing(String, std::io::Error),
    /// npm failed.
    #[error("installing npm solc@{SOLC_VERSION} failed: {0}")]
    Install(String),
    /// The compiler reported errors.
    #[error("solc: {0}")]
    Compile(String),
    /// File-system error.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
}

/// A ready solc-js installation with its svm shim.
#[derive(Clone, Debug)]
pub struct Solc {
    root: PathBuf,
}

impl Solc {
    /// Installs (first time) or reuses solc-js under `home/solc-<version>`.
    pub fn ensure(home: &Path) -> Result<Solc, SolcError> {
        let root = home.join(format!("solc-{SOLC_VERSION}"));
        let io = |what: String| move |e| SolcError::Io(what, e);
        let solc = Solc { root: root.clone() };
        let package = root.join("node_modules/solc/package.json");
        if !package.exists() {
            fs::create_dir_all(&root).map_err(io(format!("cannot create {}", root.display())))?;
            let lock = File::create(root.join("install.lock"))
                .map_err(io("cannot create the solc lock".into()))?;
            lock.lock()
                .map_err(io("cannot lock the solc install".into()))?;
            if !package.exists() {
                eprintln!(
                    "zkmltrack: installing npm solc@{SOLC_VERSION} into {} (first use)",
                    root.display()
                );
                let out = Command::new("npm")
                    .args([
                        "install",
                        "--no-audit",
                        "--no-fund",
                        "--loglevel=error",
                        "--prefix",
                    ])
                    .arg(&root)
                    .arg(format!("solc@{SOLC_VERSION}"))
                    .output()
                    .map_err(|e| SolcError::NodeMissing("npm".into(), e))?;
                if !out.status.success() {
                    return Err(SolcError::Install(
                        String::from_utf8_lossy(&out.stderr).into_owned(),
                    ));
                }
            }
        }
        let shim = solc
            .svm_home()
            .join(format!(".svm/{SOLC_VERSION}/solc-{SOLC_VERSION}"));
        let script = shim_script(&root.join("node_modules/solc"));
        if fs::read_to_string(&shim).ok().as_deref() != Some(script.as_str()) {
            fs::create_dir_all(shim.parent().expect("has a parent"))
                .map_err(io("cannot create the svm shim dir".into()))?;
            fs::write(&shim, &script).map_err(io("cannot write the svm shim".into()))?;
            fs::set_permissions(&shim, fs::Permissions::from_mode(0o755))
                .map_err(io("cannot make the svm shim executable".into()))?;
        }
        Ok(solc)
    }

    /// A directory to use as `HOME` so that svm finds the shim.
    pub fn svm_home(&self) -> PathBuf {
        self.root.join("svm-home")
    }

    /// Compiles a standard-JSON input and returns the standard-JSON output.
    /// Errors (not warnings) reported by the compiler fail the call.
    pub fn compile(&self, input: &Value) -> Result<Value, SolcError> {
        let shim = self
            .svm_home()
            .join(format!(".svm/{SOLC_VERSION}/solc-{SOLC_VERSION}"));
        let mut child = Command::new("node")
            .arg(&shim)
            .arg("--standard-json")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| SolcError::NodeMissing("node".into(), e))?;
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(input.to_string().as_bytes())
            .map_err(|e| SolcError::Io("cannot send input to solc".into(), e))?;
        let out = child
            .wait_with_output()
            .map_err(|e| SolcError::Io("solc".into(), e))?;
        let output: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
            SolcError::Compile(format!(
                "unreadable output ({e}): {}",
                String::from_utf8_lossy(&out.stderr)
            ))
        })?;
        let errors: Vec<String> = output["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["severity"] == "error")
            .map(|e| {
                e["formattedMessage"]
                    .as_str()
                    .unwrap_or("error")
                    .to_string()
            })
            .collect();
        if !errors.is_empty() {
            return Err(SolcError::Compile(errors.join("\n")));
        }
        Ok(output)
    }
}

/// A native-solc look-alike over solc-js: `--version` and `--standard-json`
/// (stdin to stdout). Output is written synchronously: an asynchronous write
/// cut short by exit truncates large outputs at 64 KiB.
fn shim_script(solc_package: &Path) -> String {
    format!(
        r#"#!/usr/bin/env node
// zkMLTrack shim: solc-js {SOLC_VERSION} behind the native solc command line.
const fs = require('fs');
const args = process.argv.slice(2);
if (args.includes('--version')) {{
  fs.writeSync(1, 'solc, the solidity compiler commandline interface\nVersion: {SOLC_LONG_VERSION}\n');
  process.exit(0);
}}
if (!args.includes('--standard-json')) {{
  fs.writeSync(2, 'this solc shim only supports --version and --standard-json\n');
  process.exit(1);
}}
const solc = require({package:?});
const output = Buffer.from(solc.compile(fs.readFileSync(0, 'utf8')));
let written = 0;
while (written < output.length) {{
  try {{ written += fs.writeSync(1, output, written); }}
  catch (e) {{ if (e.code !== 'EAGAIN') throw e; }}
}}
process.exit(0);
"#,
        package = solc_package.display().to_string()
    )
}

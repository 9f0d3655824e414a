//! What the CLI's integration tests share: the repository root, a
//! `zkmltrack devnet` process, running the `zkmltrack` binary, reading its
//! output, and fresh temporary directories.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
};

use serde_json::Value;

use crate::repo;

/// The release build of the CLI (`ZKMLTRACK_RELEASE_BIN`, else
/// `target/release/zkmltrack`): what a user runs, what `scripts/test` builds
/// before the tests, and what serves the devnet (in a debug build the nested
/// controller -> router -> EZKL verifier frames overflow the executor's stack,
/// known issue, see docs/devnet.md). Refused when a source file it is built
/// from is newer, so a stale binary is never what gets tested.
pub fn release_binary() -> PathBuf {
    // Every command of every test runs it: find and check it once per process.
    static BINARY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BINARY
        .get_or_init(|| {
            let given = std::env::var_os("ZKMLTRACK_RELEASE_BIN").map(PathBuf::from);
            let binary = given
                .clone()
                .unwrap_or_else(|| repo().join("target/release/zkmltrack"));
            let built = std::fs::metadata(&binary)
                .and_then(|m| m.modified())
                .unwrap_or_else(|_| {
                    panic!(
                        "{} is missing: run scripts/test, or `cargo build --release -p zkmltrack-cli` first",
                        binary.display()
                    )
                });
            if given.is_none() {
                if let Some(newer) = newer_source(built) {
                    panic!(
                        "{} is older than {}: run `cargo build --release -p zkmltrack-cli` first",
                        binary.display(),
                        newer.display()
                    );
                }
            }
            binary
        })
        .clone()
}

/// A source file of the CLI or a crate it links that changed after `built`.
fn newer_source(built: std::time::SystemTime) -> Option<PathBuf> {
    fn walk(dir: &Path, built: std::time::SystemTime) -> Option<PathBuf> {
        for entry in std::fs::read_dir(dir).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if let Some(found) = walk(&path, built) {
                    return Some(found);
                }
            } else if entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified > built)
            {
                return Some(path);
            }
        }
        None
    }
    ["cli/src", "sdk/src", "protocol/src", "devnet/src"]
        .iter()
        .find_map(|dir| walk(&repo().join(dir), built))
}

/// A child process killed (and reaped) on drop.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spawns `cmd` with its stdout piped and returns it with the first value
/// `find` takes from its stdout lines (`what` names it if none comes).
fn spawn_until(
    mut cmd: Command,
    find: impl FnMut(String) -> Option<String>,
    what: &str,
) -> (Killed, String) {
    let mut child = Killed(
        cmd.stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{what}: cannot start: {e}")),
    );
    let found = BufReader::new(child.0.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .find_map(find)
        .unwrap_or_else(|| panic!("{what}: no address printed"));
    (child, found)
}

/// `zkmltrack devnet` on a free port; killed on drop.
pub struct DevnetProcess {
    _child: Killed,
    /// Its JSON-RPC URL.
    pub url: String,
}

impl DevnetProcess {
    /// Starts the chain from the release build and waits for its URL.
    pub fn start() -> DevnetProcess {
        let mut cmd = Command::new(release_binary());
        cmd.args(["devnet", "--port", "0"]).stderr(Stdio::null());
        let (child, url) = spawn_until(
            cmd,
            |l| l.strip_prefix("listening on ").map(str::to_string),
            "zkmltrack devnet",
        );
        DevnetProcess { _child: child, url }
    }
}

/// A `zkmltrack serve` process, killed on drop.
pub struct ServeProcess {
    _child: Killed,
    /// Its base URL (`http://127.0.0.1:port`).
    pub url: String,
}

impl ServeProcess {
    /// Starts `zkmltrack demo --json --serve --listen 127.0.0.1:0 <args>`
    /// and waits for its report (the demo's JSON line) and then its URL.
    pub fn demo(workspace: &Path, args: &[&str]) -> (ServeProcess, Value) {
        let mut cmd = command(
            workspace,
            &[
                &["demo", "--json", "--serve", "--listen", "127.0.0.1:0"][..],
                args,
            ]
            .concat(),
            &[],
        );
        cmd.stderr(Stdio::inherit());
        let mut report = None;
        let (child, url) = spawn_until(
            cmd,
            |l| {
                let v: Value = serde_json::from_str(&l).expect("a JSON line");
                match v["listening"].as_str() {
                    Some(url) => Some(url.to_string()),
                    None => {
                        report = Some(v);
                        None
                    }
                }
            },
            "zkmltrack demo --serve",
        );
        let report = report.expect("the demo's report before its address");
        (ServeProcess { _child: child, url }, report)
    }

    /// Stops the server as Ctrl-C does (SIGINT) and waits for its exit,
    /// at most `limit`.
    pub fn interrupt(mut self, limit: std::time::Duration) -> std::process::ExitStatus {
        let child = &mut self._child.0;
        let sent = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGINT sent");
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("the process") {
                return status;
            }
            assert!(
                started.elapsed() < limit,
                "still running {limit:?} after SIGINT"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// Starts `zkmltrack serve --json --listen 127.0.0.1:0 <args>` and waits for its URL.
    pub fn start(workspace: &Path, args: &[&str]) -> ServeProcess {
        Self::start_with(workspace, args, &[])
    }

    /// [`ServeProcess::start`] with environment variables (e.g. its key).
    pub fn start_with(workspace: &Path, args: &[&str], env: &[(&str, &str)]) -> ServeProcess {
        let mut cmd = command(
            workspace,
            &[&["serve", "--json", "--listen", "127.0.0.1:0"][..], args].concat(),
            env,
        );
        cmd.stderr(Stdio::inherit());
        let (child, url) = spawn_until(
            cmd,
            // Its first line is the address.
            |l| {
                let v: Value = serde_json::from_str(&l).expect("a JSON line");
                Some(v["listening"].as_str().expect("listening").to_string())
            },
            "zkmltrack serve",
        );
        ServeProcess { _child: child, url }
    }
}

/// The CLI under test with `ZKMLTRACK_WORKSPACE=workspace`, and none of the
/// environment variables that would change what it talks to or signs with.
pub fn command(workspace: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(release_binary());
    // The workspace by its variable: only the commands that build circuits take it.
    cmd.args(args)
        .env("ZKMLTRACK_WORKSPACE", workspace)
        .env_remove("ZKMLTRACK_PRIVATE_KEY")
        .env_remove("ZKMLTRACK_RPC_URL")
        .env_remove("ZKMLTRACK_DEPLOYMENT")
        .env_remove("ZKMLTRACK_KEYSTORE_PASSWORD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs the CLI to completion (see [`command`]).
pub fn run(workspace: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    command(workspace, args, env)
        .output()
        .expect("zkmltrack runs")
}

/// The last stdout line as JSON (`--json` output).
pub fn json_of(out: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap_or_else(|e| {
        panic!(
            "no JSON on stdout ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts a one-line error: exit `code`, and a last stderr line `error: ...`
/// that contains `needle`.
pub fn expect_error(out: &Output, code: i32, needle: &str) {
    let err = stderr(out);
    let last = err.lines().last().unwrap_or_default().to_string();
    assert_eq!(out.status.code(), Some(code), "{needle}: {err}");
    assert!(
        last.starts_with("error: ") && last.contains(needle),
        "{needle} not in {last:?}"
    );
}

/// A fresh directory under the system's temporary directory.
pub fn tempdir(prefix: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "{prefix}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

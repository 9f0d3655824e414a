//! What the SDK's integration tests share (the CLI's tests include it too):
//! the repository root, a progress logger, and ONNX models written at test
//! time by `sdk/tests/data/onnx_fixtures.py` (no binary fixtures).

// Each test crate uses its own subset.
#![allow(dead_code)]

use std::{
    io::{Read, Write},
    net::{Shutdown, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::Command,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

use zkmltrack::prover::Progress;

/// The repository root.
pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Logs pipeline progress to stderr (shown with `--nocapture`).
pub(crate) fn log(p: Progress) {
    eprintln!("  {p:?}");
}

/// Writes an ONNX model with `sdk/tests/data/onnx_fixtures.py` run by the
/// EZKL environment's interpreter (which has the pinned `onnx`); panics with
/// its stderr if it fails.
pub(crate) fn onnx_fixture(home: &Path, args: &[&std::ffi::OsStr]) {
    let python = zkmltrack::python::PythonEnv::ensure(home)
        .expect("the EZKL environment is ready")
        .python();
    let out = Command::new(python)
        .arg(repo().join("sdk/tests/data/onnx_fixtures.py"))
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A valid ONNX graph whose only operation (Det) EZKL cannot prove.
pub(crate) fn write_determinant_model(home: &Path, path: &Path) {
    onnx_fixture(home, &["det".as_ref(), path.as_os_str()]);
}

/// A valid ONNX graph adding two input tensors (EZKL can prove it, but a
/// dataset row is one input).
pub(crate) fn write_two_input_model(home: &Path, path: &Path) {
    onnx_fixture(home, &["two-inputs".as_ref(), path.as_os_str()]);
}

/// `model` with its inputs' and outputs' first dimension made symbolic
/// (named `symbol`), as `torch.onnx.export(..., dynamic_axes=...)` writes it.
pub(crate) fn write_with_symbolic_batch(home: &Path, model: &Path, symbol: &str, path: &Path) {
    onnx_fixture(
        home,
        &[
            "symbolic".as_ref(),
            model.as_os_str(),
            symbol.as_ref(),
            path.as_os_str(),
        ],
    );
}

/// `model` with a float64 input cast to float32 first (EZKL then quantizes
/// its inputs without the f32 cast).
pub(crate) fn write_with_double_input(home: &Path, model: &Path, path: &Path) {
    onnx_fixture(
        home,
        &["double-input".as_ref(), model.as_os_str(), path.as_os_str()],
    );
}

/// `model` with its initializer `name` set to zero throughout.
pub(crate) fn write_with_zero_tensor(home: &Path, model: &Path, name: &str, path: &Path) {
    onnx_fixture(
        home,
        &[
            "zero-tensor".as_ref(),
            model.as_os_str(),
            name.as_ref(),
            path.as_os_str(),
        ],
    );
}

/// Writes about `size` bytes of CSV: `head`, then `row` repeated, then `last`;
/// returns the line number `last` is on.
pub(crate) fn write_big_csv(path: &Path, head: &str, row: &str, size: usize, last: &str) -> usize {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    file.write_all(head.as_bytes()).unwrap();
    let chunk = row.repeat((1 << 16) / row.len().max(1));
    let (mut written, mut newlines) = (head.len(), head.matches('\n').count());
    while written + chunk.len() <= size {
        file.write_all(chunk.as_bytes()).unwrap();
        written += chunk.len();
        newlines += chunk.matches('\n').count();
    }
    file.write_all(last.as_bytes()).unwrap();
    file.flush().unwrap();
    newlines + 1
}

/// The fields of `/proc/<pid>/stat` after the command name (which may hold
/// spaces and parentheses): state, parent pid, ...
fn proc_stat(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    Some(after.split_whitespace().map(String::from).collect())
}

/// The processes below `pid` (children, grandchildren...), from /proc.
pub(crate) fn descendants(pid: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let child: u32 = e.file_name().to_str()?.parse().ok()?;
            Some((child, proc_stat(child)?.get(1)?.parse().ok()?))
        })
        .collect();
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    found.split_off(1)
}

/// Whether `pid` still runs (a zombie does not).
pub(crate) fn running(pid: u32) -> bool {
    proc_stat(pid).is_some_and(|s| s.first().map(String::as_str) != Some("Z"))
}

/// Waits up to 5 s for every process in `pids` to end.
pub(crate) fn assert_all_end(pids: &[u32], what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while pids.iter().any(|p| running(*p)) {
        assert!(
            std::time::Instant::now() < deadline,
            "processes {:?} outlived their killed parent ({what})",
            pids.iter().filter(|p| running(**p)).collect::<Vec<_>>()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Polls until `ready` says the moment has come, waits `delay`, then SIGKILLs
/// `child` and checks that every process it started ends with it (within 5 s)
/// and that its EZKL worker left no log in the zkMLTrack home.
pub(crate) fn kill_when(
    mut child: std::process::Child,
    what: &str,
    delay: std::time::Duration,
    ready: impl Fn() -> bool,
) {
    use std::time::{Duration, Instant};
    let started = Instant::now();
    while !ready() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the process ended ({status}) before it could be killed {what}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "{what}: timeout"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(delay);
    let pid = child.id();
    let below = descendants(pid);
    assert!(!below.is_empty(), "an EZKL process runs {what}");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_all_end(&below, what);
    eprintln!(
        "killed {pid} {what} after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let home = zkmltrack::python::zkmltrack_home();
    let leaked: Vec<String> = std::fs::read_dir(&home)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(&format!("ezkl-worker-{pid}-")))
        .collect();
    assert!(
        leaked.is_empty(),
        "worker logs left in {home:?}: {leaked:?}"
    );
}

/// A TCP proxy to `upstream` that forwards the first `budget` HTTP requests,
/// then cuts every connection and answers nothing more: a node or network
/// that goes away in the middle of a command.
pub(crate) struct DroppingProxy {
    /// The proxy's URL.
    pub url: String,
    /// HTTP requests seen so far (the cut one included).
    pub requests: Arc<AtomicUsize>,
    /// Whether the connection was cut.
    pub dropped: Arc<AtomicBool>,
}

impl DroppingProxy {
    /// Listens on a free local port; forwards to `upstream` (`http://host:port`).
    pub(crate) fn start(upstream: &str, budget: usize) -> DroppingProxy {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let dropped = Arc::new(AtomicBool::new(false));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (r, d) = (requests.clone(), dropped.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if d.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                open.lock()
                    .unwrap()
                    .extend([client.try_clone().unwrap(), server.try_clone().unwrap()]);
                let cut = {
                    let (open, d) = (open.clone(), d.clone());
                    move || {
                        d.store(true, Ordering::SeqCst);
                        for s in open.lock().unwrap().iter() {
                            let _ = s.shutdown(Shutdown::Both);
                        }
                    }
                };
                let (mut from_client, mut to_server) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (r, d2) = (r.clone(), d.clone());
                std::thread::spawn(move || {
                    let mut buf = vec![0u8; 1 << 16];
                    while let Ok(n @ 1..) = from_client.read(&mut buf) {
                        if buf[..n].starts_with(b"POST ")
                            && r.fetch_add(1, Ordering::SeqCst) >= budget
                        {
                            cut();
                            return;
                        }
                        if d2.load(Ordering::SeqCst) || to_server.write_all(&buf[..n]).is_err() {
                            return;
                        }
                    }
                    let _ = to_server.shutdown(Shutdown::Write);
                });
                let (mut from_server, mut to_client) = (server, client);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from_server, &mut to_client);
                    let _ = to_client.shutdown(Shutdown::Write);
                });
            }
        });
        DroppingProxy {
            url,
            requests,
            dropped,
        }
    }
}

/// Makes `dir` an empty circuit workspace except for its files (the
/// workspace's test-only SRS, generated once and kept: tens of seconds),
/// removing every circuit directory a previous run left.
pub(crate) fn fresh_circuits(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.path().is_dir() {
            std::fs::remove_dir_all(entry.path()).unwrap();
        }
    }
}

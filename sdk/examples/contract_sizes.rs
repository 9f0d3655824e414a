//! Prints the raw and compressed size of Stylus programs and fails if one is
//! over Arbitrum's limits.
//!
//! ```text
//! cargo run -p zkmltrack --example contract_sizes -- <program.wasm>...
//! ```

use std::{env, fs, path::Path, process::ExitCode};

use zkmltrack::stylus::{program_size, MAX_CODE_SIZE, MAX_WASM_SIZE};

fn main() -> ExitCode {
    let paths: Vec<String> = env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: contract_sizes <program.wasm>...");
        return ExitCode::from(2);
    }
    println!("| contract | WASM bytes (limit {MAX_WASM_SIZE}) | code bytes, compressed + prefix (limit {MAX_CODE_SIZE}) | headroom | fits |");
    println!("|---|---:|---:|---:|---|");
    let mut all_fit = true;
    for path in &paths {
        let wasm = match fs::read(path) {
            Ok(wasm) => wasm,
            Err(err) => {
                eprintln!("error: cannot read {path}: {err}");
                return ExitCode::FAILURE;
            }
        };
        let size = program_size(&wasm);
        let name = Path::new(path)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or(path);
        let headroom = MAX_CODE_SIZE as i64 - size.code as i64;
        println!(
            "| {name} | {} | {} | {headroom} | {} |",
            size.wasm,
            size.code,
            if size.fits() { "yes" } else { "NO" }
        );
        all_fit &= size.fits();
    }
    if all_fit {
        ExitCode::SUCCESS
    } else {
        eprintln!("error: a contract is over Stylus' size limits");
        ExitCode::FAILURE
    }
}

//! `zkmltrack-devnet`: serves a local Stylus-capable dev chain over JSON-RPC (instamine).

use std::net::SocketAddr;

use zkmltrack_devnet::{rpc, Devnet, DevnetConfig};

const USAGE: &str =
    "usage: zkmltrack-devnet [--host 127.0.0.1] [--port 8547] [--chain-id 412346] [--accounts 9]
                        [--state FILE [--state-interval 100]] [--max-logs-range BLOCKS]

Serves Ethereum JSON-RPC for a local chain that runs Stylus programs (wasmi) and EVM code (revm).
The Nitro dev account 0x3f1Eae7D46d88F08fc2F8ed27FCb2AB183EB2d0E and the listed test accounts are
funded; their keys are public, for local use only. With --state, the chain is loaded from FILE
when it exists and saved to it every --state-interval blocks and on SIGINT/SIGTERM. With
--max-logs-range, an eth_getLogs spanning more blocks is refused (-32005), as hosted endpoints do.";

fn main() {
    if let Err(e) = run() {
        eprintln!("zkmltrack-devnet: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut host = "127.0.0.1".to_string();
    let mut port: u16 = 8547;
    let mut config = DevnetConfig::default();
    let mut state: Option<std::path::PathBuf> = None;
    let mut every_blocks: u64 = 100;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--host" => host = value("--host")?,
            "--port" => {
                port = value("--port")?
                    .parse()
                    .map_err(|e| format!("--port: {e}"))?
            }
            "--chain-id" => {
                config.chain_id = value("--chain-id")?
                    .parse()
                    .map_err(|e| format!("--chain-id: {e}"))?
            }
            "--accounts" => {
                config.test_accounts = value("--accounts")?
                    .parse()
                    .map_err(|e| format!("--accounts: {e}"))?
            }
            "--state" => state = Some(std::path::PathBuf::from(value("--state")?)),
            "--state-interval" => {
                every_blocks = value("--state-interval")?
                    .parse()
                    .map_err(|e| format!("--state-interval: {e}"))?
            }
            "--max-logs-range" => {
                config.max_logs_range = Some(
                    value("--max-logs-range")?
                        .parse()
                        .map_err(|e| format!("--max-logs-range: {e}"))?,
                )
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    let addr: SocketAddr = format!("{host}:{port}")
        .parse()
        .map_err(|e| format!("bad --host/--port: {e}"))?;
    let (chain, loaded) = Devnet::open(config, state.as_deref()).map_err(|e| e.to_string())?;
    if let (true, Some(path)) = (loaded, &state) {
        println!(
            "zkmltrack-devnet: loaded {} at block {}",
            path.display(),
            chain.block_number()
        );
    }
    println!("zkmltrack-devnet: chain id {}", chain.chain_id());
    println!("funded accounts (public dev keys, local use only):");
    for account in chain.accounts() {
        let key = chain.private_key(*account).unwrap_or_default();
        println!("  {account}  key {key}");
    }
    let saving = state.map(|path| rpc::StateSaving { path, every_blocks });
    let server = rpc::serve_with_state(chain, addr, saving)
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    println!("listening on {}", server.url());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?
        .block_on(rpc::shutdown_signal());
    if let Some(block) = server.save_state().map_err(|e| e.to_string())? {
        eprintln!("zkmltrack-devnet: saved the chain at block {block}");
    }
    Ok(())
}

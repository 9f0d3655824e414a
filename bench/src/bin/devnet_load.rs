//! The devnet's JSON-RPC server under load, on loopback: `--clients` (50)
//! concurrent alloy clients, each with its own funded key, for `--seconds`
//! (20), each looping over an `eth_call` (ArbSys' chain id), a transfer to a
//! sink address of its own (signed and mined; instamine) and a balance read
//! of that sink, while one hostile client keeps opening requests that
//! announce a 100,000-byte body and send one byte. Every answer is checked
//! (the chain id; each sink's balance equals the transfers so far; at the end
//! every client's nonce equals its transfers). Reports requests per second and
//! p50/p99 latency per operation, and the errors (the run fails on any).
//!
//! `devnet_load [--clients 50] [--seconds 20] [--write docs/benchmarks.md]`

use std::{
    io::Write,
    net::TcpStream,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, U256},
    providers::{Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
    sol,
    sol_types::SolCall,
};
use zkmltrack_bench::{arg, machine, replace_section, thousands, write_results};
use zkmltrack_devnet::{arbos::ARB_SYS, genesis::account_keys, rpc, Devnet, DevnetConfig};

sol! {
    function arbChainID() returns (uint256);
}

/// Latencies of one operation kind, in microseconds.
#[derive(Default)]
struct Samples(Vec<u64>);

impl Samples {
    fn percentile(&mut self, p: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        self.0.sort_unstable();
        let i = ((self.0.len() - 1) as f64 * p).round() as usize;
        self.0[i] as f64 / 1000.0
    }
}

struct ClientResult {
    calls: Samples,
    sends: Samples,
    reads: Samples,
    errors: Vec<String>,
}

async fn client(url: String, key: [u8; 32], deadline: Instant, chain_id: u64) -> ClientResult {
    let signer = PrivateKeySigner::from_slice(&key).expect("a key");
    let me = signer.address();
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(url.parse().expect("url"));
    let sink = Address::from_word(alloy::primitives::keccak256(me));
    let value = U256::from(1_000_000_007u64);
    let mut out = ClientResult {
        calls: Samples::default(),
        sends: Samples::default(),
        reads: Samples::default(),
        errors: Vec::new(),
    };
    let mut sent = 0u64;
    while Instant::now() < deadline {
        let started = Instant::now();
        let call = TransactionRequest::default()
            .with_to(ARB_SYS)
            .with_input(arbChainIDCall {}.abi_encode());
        match provider.call(call).await {
            Ok(bytes) if U256::from_be_slice(&bytes) == U256::from(chain_id) => {
                out.calls.0.push(started.elapsed().as_micros() as u64)
            }
            other => out.errors.push(format!("eth_call answered {other:?}")),
        }
        let started = Instant::now();
        let transfer = TransactionRequest::default()
            .with_to(sink)
            .with_value(value);
        match provider.send_transaction(transfer).await {
            Ok(_) => {
                sent += 1;
                out.sends.0.push(started.elapsed().as_micros() as u64);
            }
            Err(e) => out.errors.push(format!("transfer: {e}")),
        }
        let started = Instant::now();
        match provider.get_balance(sink).await {
            Ok(balance) if balance == value * U256::from(sent) => {
                out.reads.0.push(started.elapsed().as_micros() as u64)
            }
            other => out
                .errors
                .push(format!("sink balance {other:?} after {sent} transfers")),
        }
    }
    match provider.get_transaction_count(me).await {
        Ok(nonce) if nonce == sent => {}
        other => out
            .errors
            .push(format!("nonce {other:?} after {sent} transfers")),
    }
    out
}

/// Keeps a request open that announces a body it never sends, again and
/// again; counts how often the server cut it off.
fn stall(addr: std::net::SocketAddr, stop: Arc<AtomicBool>, cut_off: Arc<AtomicU64>) {
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut stream) = TcpStream::connect(addr) else {
            return;
        };
        let _ = stream.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{");
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        let mut buf = [0u8; 256];
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            match std::io::Read::read(&mut stream, &mut buf) {
                Ok(_) => {
                    cut_off.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => {
                    cut_off.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            }
        }
    }
}

fn main() {
    let clients: usize = arg("--clients").map_or(50, |v| v.parse().expect("--clients"));
    let seconds: u64 = arg("--seconds").map_or(20, |v| v.parse().expect("--seconds"));
    let chain = Devnet::new(DevnetConfig {
        test_accounts: clients,
        ..DevnetConfig::default()
    });
    let chain_id = chain.chain_id();
    let server = rpc::serve(chain, "127.0.0.1:0".parse().expect("address")).expect("server");
    let keys = account_keys(clients);
    let stop = Arc::new(AtomicBool::new(false));
    let cut_off = Arc::new(AtomicU64::new(0));
    let staller = {
        let (addr, stop, cut_off) = (server.addr(), stop.clone(), cut_off.clone());
        std::thread::spawn(move || stall(addr, stop, cut_off))
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let results: Vec<ClientResult> = runtime.block_on(async {
        let tasks: Vec<_> = keys[1..=clients]
            .iter()
            .map(|key| tokio::spawn(client(server.url(), key.0, deadline, chain_id)))
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.expect("client task"));
        }
        out
    });
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let _ = staller.join();

    let (mut calls, mut sends, mut reads) =
        (Samples::default(), Samples::default(), Samples::default());
    let mut errors = Vec::new();
    for r in results {
        calls.0.extend(r.calls.0);
        sends.0.extend(r.sends.0);
        reads.0.extend(r.reads.0);
        errors.extend(r.errors);
    }
    let mut table = String::from(
        "| operation | completed | per second | p50 (ms) | p99 (ms) |\n|---|---:|---:|---:|---:|\n",
    );
    let mut rows = Vec::new();
    for (what, samples) in [
        ("eth_call (ArbSys.arbChainID)", &mut calls),
        ("transfer (alloy send_transaction: estimate, fees, nonce, eth_sendRawTransaction; mined)", &mut sends),
        ("eth_getBalance of the sink (checked)", &mut reads),
    ] {
        let n = samples.0.len() as u64;
        let (p50, p99) = (samples.percentile(0.50), samples.percentile(0.99));
        table += &format!(
            "| {what} | {} | {:.0} | {p50:.1} | {p99:.1} |\n",
            thousands(n),
            n as f64 / elapsed
        );
        rows.push(serde_json::json!({ "operation": what, "completed": n, "p50_ms": p50, "p99_ms": p99 }));
    }
    let body = format!(
        "Command: `scripts/bench` (`target/release/devnet_load --clients {clients} --seconds {seconds}`). \
         Machine: {}.\n\n{clients} concurrent clients on loopback for {elapsed:.1} s, each with its own key, \
         looping over the three operations below; meanwhile one hostile client kept opening requests that \
         announce a 100,000-byte body and send one byte (cut off {} times, after the 10 s body timeout). \
         Every answer was checked: the chain id, each sink's balance after every transfer, every client's \
         final nonce. Errors: {}.\n\n{table}",
        machine(),
        cut_off.load(Ordering::Relaxed),
        errors.len()
    );
    write_results(
        "devnet_load",
        &serde_json::json!({ "clients": clients, "seconds": elapsed, "rows": rows, "errors": errors }),
    );
    if let Some(doc) = arg("--write") {
        replace_section(std::path::Path::new(&doc), "devnet-load", &body);
    } else {
        println!("{body}");
    }
    assert!(
        errors.is_empty(),
        "{} errors, first: {}",
        errors.len(),
        errors[0]
    );
}

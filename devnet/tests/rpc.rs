//! The `zkmltrack-devnet` binary over JSON-RPC, driven by an unmodified alloy client from this
//! (separate) process; `cargo stylus deploy --no-verify` against it when cargo-stylus is on
//! PATH; and the same client flow against a Nitro dev node when `NITRO_RPC_URL` is set.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, Bytes, U256},
    providers::{Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
    sol,
    sol_types::SolCall,
};
use zkmltrack_devnet::DEV_KEY;
use zkmltrack_protocol::evm::init_code_for;

sol! {
    function dataFee() returns (uint256);
}

/// The devnet binary on a free port; killed on drop.
struct DevnetProcess {
    child: Child,
    url: String,
}

impl DevnetProcess {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_zkmltrack-devnet"))
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("the devnet binary starts");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let url = stdout
            .lines()
            .map_while(Result::ok)
            .find_map(|l| l.strip_prefix("listening on ").map(str::to_string))
            .expect("the devnet prints its URL");
        Self { child, url }
    }
}

impl Drop for DevnetProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// EVM runtime that reverts with `Error("nope")` unless called with value.
fn guarded_runtime() -> Vec<u8> {
    // CALLVALUE ISZERO PUSH1 skip JUMPI STOP | JUMPDEST: store Error("nope") and REVERT
    let revert_data = {
        let mut d = alloy::hex!("08c379a0").to_vec();
        d.extend_from_slice(&U256::from(32).to_be_bytes::<32>());
        d.extend_from_slice(&U256::from(4).to_be_bytes::<32>());
        let mut s = [0u8; 32];
        s[..4].copy_from_slice(b"nope");
        d.extend_from_slice(&s);
        d
    };
    let mut code = vec![0x34, 0x15, 0x60, 0x06, 0x57, 0x00, 0x5b];
    for (i, chunk) in revert_data.chunks(32).enumerate() {
        let mut w = [0u8; 32];
        w[..chunk.len()].copy_from_slice(chunk);
        code.push(0x7f);
        code.extend_from_slice(&w);
        code.extend([0x60, (i * 32) as u8, 0x52]);
    }
    code.extend([0x60, revert_data.len() as u8, 0x60, 0x00, 0xfd]);
    code
}

/// The flow a client runs against any chain: chain id, deploy, call, revert decoding, receipt.
async fn client_flow(url: &str, key: &[u8; 32]) {
    let signer = PrivateKeySigner::from_slice(key).unwrap();
    let me = signer.address();
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(url.parse().unwrap());
    let chain_id = provider.get_chain_id().await.unwrap();
    assert!(chain_id > 0);
    let balance = provider.get_balance(me).await.unwrap();
    assert!(balance > U256::ZERO, "the dev account is funded");

    let deploy = TransactionRequest::default()
        .with_deploy_code(Bytes::from(init_code_for(&guarded_runtime()).to_vec()));
    let receipt = provider
        .send_transaction(deploy)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status());
    let contract = receipt.contract_address.expect("a contract address");
    assert_eq!(
        provider.get_code_at(contract).await.unwrap().to_vec(),
        guarded_runtime()
    );

    // A reverting call surfaces as code 3 with the revert data.
    let call = TransactionRequest::default()
        .with_to(contract)
        .with_input(dataFeeCall {}.abi_encode());
    let err = provider.call(call.clone()).await.unwrap_err();
    let payload = err.as_error_resp().expect("a JSON-RPC error");
    assert_eq!(payload.code, 3);
    assert!(payload.message.contains("nope"), "{}", payload.message);
    assert!(payload.as_revert_data().is_some());
    // With value it succeeds, mined with a receipt and a block.
    let ok = call.with_value(U256::from(1));
    let receipt = provider
        .send_transaction(ok)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status());
    let block = provider
        .get_block_by_number(receipt.block_number.unwrap().into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(block.header.hash, receipt.block_hash.unwrap());
    let _: Address = me;
}

#[tokio::test(flavor = "multi_thread")]
async fn alloy_client_against_the_binary() {
    let devnet = DevnetProcess::start();
    client_flow(&devnet.url, &DEV_KEY.0).await;

    // Clear errors: bad nonce, unknown method, malformed transaction.
    let provider = ProviderBuilder::new().connect_http(devnet.url.parse().unwrap());
    let err = provider
        .raw_request::<_, String>("eth_sendRawTransaction".into(), ["0x02ff"])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("malformed transaction"), "{err}");
    let err = provider
        .raw_request::<_, String>("eth_frobnicate".into(), ())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("method not found"), "{err}");
    let signer = PrivateKeySigner::from_slice(&DEV_KEY.0).unwrap();
    let wallet = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(devnet.url.parse().unwrap());
    let stale = TransactionRequest::default()
        .with_to(Address::ZERO)
        .with_nonce(0)
        .with_gas_limit(21_000);
    let err = wallet.send_transaction(stale).await.unwrap_err();
    assert!(err.to_string().contains("nonce too low"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn same_flow_against_a_nitro_dev_node() {
    let Ok(url) = std::env::var("NITRO_RPC_URL") else {
        println!("skipped: NITRO_RPC_URL is not set (start one with scripts/nitro-devnode.sh, needs Docker)");
        return;
    };
    client_flow(&url, &DEV_KEY.0).await;
}

#[test]
fn cargo_stylus_deploys_and_activates() {
    let available = Command::new("cargo")
        .args(["stylus", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        println!(
            "skipped: cargo-stylus is not installed (cargo install cargo-stylus --locked, ~25 min)"
        );
        return;
    }
    let devnet = DevnetProcess::start();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../contracts");
    let out = Command::new("cargo")
        .current_dir(format!("{root}/dataset-verifier"))
        .args([
            "stylus",
            "deploy",
            "--no-verify",
            "--endpoint",
            &devnet.url,
            "--private-key",
        ])
        .arg(DEV_KEY.to_string())
        .args(["--wasm-file", "../target/stylus/dataset_verifier.wasm"])
        .output()
        .unwrap();
    let log =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("successfully activated contract"), "{log}");
}

//! Replays the JSON-RPC fuzz regression inputs (`fuzz/regressions/devnet_rpc/*`:
//! hand-picked seeds and every crash the fuzzer found) through the check the cargo-fuzz
//! target runs (`fuzz/src/lib.rs`), on the stable toolchain. See docs/fuzzing.md.

// The fuzz crate's library: its items are `pub` for the fuzz targets.
#[allow(unreachable_pub)]
#[path = "../fuzz/src/lib.rs"]
mod checks;
#[path = "../../contracts/common/tests/support/replay.rs"]
mod replay;

use std::{path::PathBuf, sync::Mutex};

use serde_json::{json, Value};
use zkmltrack_devnet::{
    rpc::{handle_body, METHODS},
    Devnet,
};

#[test]
fn devnet_rpc_regressions() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/devnet_rpc");
    replay::replay_dir(&dir, checks::rpc);
}

/// The fuzzer draws method names from `METHODS` and expects -32601 exactly for the
/// others: every listed method must be served.
#[test]
fn every_listed_method_is_served() {
    let chain = Mutex::new(Devnet::default());
    for method in METHODS {
        let answer: Value = handle_body(
            &chain,
            &json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": []}).to_string(),
        );
        assert_ne!(
            answer["error"]["code"],
            json!(-32601),
            "{method} is listed but not served"
        );
    }
}

/// The 10,000-block cap of `anvil_mine` holds per request, not per call: a batch of calls
/// shares it (a 4.5 KB batch of 60 `anvil_mine(0x2710)` used to mine 600,000 blocks, 868 MB),
/// and a batch longer than `MAX_BATCH` is refused whole.
#[test]
fn a_batch_shares_one_budget_of_blocks() {
    let chain = Mutex::new(Devnet::default());
    let mine = |id: u64, blocks: &str| json!({"jsonrpc": "2.0", "id": id, "method": "anvil_mine", "params": [blocks]});
    let height = |chain: &Mutex<Devnet>| {
        let answer = handle_body(
            chain,
            &json!({"jsonrpc": "2.0", "id": 0, "method": "eth_blockNumber", "params": []})
                .to_string(),
        );
        u64::from_str_radix(
            answer["result"].as_str().unwrap().trim_start_matches("0x"),
            16,
        )
        .unwrap()
    };
    let start = height(&chain);
    let batch: Vec<Value> = (1..=60).map(|id| mine(id, "0x2710")).collect();
    let answers = handle_body(&chain, &Value::Array(batch).to_string());
    let answers = answers.as_array().unwrap();
    assert_eq!(answers.len(), 60);
    assert!(answers[0].get("error").is_none(), "{}", answers[0]);
    for answer in &answers[1..] {
        assert_eq!(answer["error"]["code"], json!(-32602), "{answer}");
        assert!(answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 10000 blocks per request"));
    }
    assert_eq!(height(&chain), start + 10_000);
    // Smaller calls share the budget too: 3 x 4,000 mine 8,000, the third is refused.
    let start = height(&chain);
    let batch = Value::Array((1..=3).map(|id| mine(id, "0xfa0")).collect());
    let answers = handle_body(&chain, &batch.to_string());
    assert_eq!(answers[2]["error"]["code"], json!(-32602), "{answers}");
    assert_eq!(height(&chain), start + 8_000);
    // A new request has a new budget.
    let answer = handle_body(&chain, &mine(9, "0x2710").to_string());
    assert!(answer.get("error").is_none(), "{answer}");
    // A batch longer than MAX_BATCH is one -32600.
    let long = Value::Array(
        (0..=zkmltrack_devnet::rpc::MAX_BATCH as u64)
            .map(|id| json!({"jsonrpc": "2.0", "id": id, "method": "eth_chainId", "params": []}))
            .collect(),
    );
    let answer = handle_body(&chain, &long.to_string());
    assert_eq!(answer["error"]["code"], json!(-32600), "{answer}");
}

/// A batch shares one budget of executed gas too (`rpc::MAX_REQUEST_GAS`): calls that spin
/// to the 32M cap run until the request has executed a billion gas, the rest are refused
/// with -32005 naming the limit, other methods still answer, and the next request has a
/// new budget.
#[test]
fn a_batch_shares_one_budget_of_executed_gas() {
    use zkmltrack_devnet::rpc::MAX_REQUEST_GAS;
    let chain = Mutex::new(Devnet::default());
    // JUMPDEST PUSH1 0 JUMP: a loop that halts out of gas at the cap.
    let spin = |id: u64| {
        json!({"jsonrpc": "2.0", "id": id, "method": "eth_call", "params": [
            {"to": "0x00000000000000000000000000000000000000aa"},
            "latest",
            {"0x00000000000000000000000000000000000000aa": {"code": "0x5b600056"}}
        ]})
    };
    let cap = 32_000_000u64;
    let allowed = MAX_REQUEST_GAS.div_ceil(cap);
    let mut batch: Vec<Value> = (1..=allowed + 3).map(spin).collect();
    batch.push(json!({"jsonrpc": "2.0", "id": "n", "method": "eth_blockNumber", "params": []}));
    let answers = handle_body(&chain, &Value::Array(batch).to_string());
    let answers = answers.as_array().unwrap();
    for (i, answer) in answers[..allowed as usize].iter().enumerate() {
        assert_eq!(
            answer["error"]["code"],
            json!(-32000),
            "call {i} runs: {answer}"
        );
    }
    for answer in &answers[allowed as usize..allowed as usize + 3] {
        assert_eq!(answer["error"]["code"], json!(-32005), "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(&MAX_REQUEST_GAS.to_string()), "{message}");
    }
    assert!(
        answers.last().unwrap().get("result").is_some(),
        "reads still answer"
    );
    let answer = handle_body(&chain, &spin(99).to_string());
    assert_eq!(
        answer["error"]["code"],
        json!(-32000),
        "a new request runs: {answer}"
    );
}

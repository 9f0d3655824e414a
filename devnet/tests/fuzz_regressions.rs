//! Replays the JSON-RPC fuzz regression inputs (`fuzz/regressions/devnet_rpc/*`:
//! hand-picked seeds and every crash the fuzzer found) through the check the cargo-fuzz
//! target runs (`fuzz/src/lib.rs`), on the stable toolchain. See docs/fuzzing.md.

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

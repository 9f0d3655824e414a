//! The check behind the devnet's JSON-RPC fuzz target.
//!
//! Shared by the cargo-fuzz target (`fuzz_targets/devnet_rpc.rs`, nightly) and the
//! stable regression test `devnet/tests/fuzz_regressions.rs`, which includes this file
//! as a module and replays `regressions/devnet_rpc/*` through [`rpc`], so the two cannot
//! drift.
//!
//! An input becomes one HTTP body: either its raw bytes, or a request (or batch) built
//! from them out of the served method names ([`zkmltrack_devnet::rpc::METHODS`]),
//! Ethereum-shaped parameters (quantities, hex data, addresses, block tags, transaction,
//! filter and state-override objects, transactions signed with the dev key) and
//! malformed envelopes, then optionally corrupted. The body goes through
//! [`zkmltrack_devnet::rpc::handle_bytes`], the function the server runs per request,
//! against a fresh devnet. [`rpc`] asserts that nothing panics and that the answer is
//! well-formed JSON-RPC 2.0: one response object per request (an array of as many for a
//! batch), each with `"jsonrpc": "2.0"`, the request's `id` (null when there is none),
//! and exactly one of `result` or `error` (integer `code`, string `message`, optional
//! string `data`); and that bad requests get the error the specification names:
//! -32700 for a body that is not JSON (or not UTF-8), -32600 for an empty batch or a
//! request without a string `method`, -32602 for `params` that are neither an array nor
//! null, -32601 exactly for methods the devnet does not serve.

use std::sync::Mutex;

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use serde_json::{json, Map, Value};
use zkmltrack_devnet::{
    arbos::{ARB_SYS, ARB_WASM},
    deployer::STYLUS_DEPLOYER,
    rpc::{handle_bytes, METHODS},
    Devnet, DevnetConfig, CHAIN_ID, DEV_ACCOUNT, DEV_KEY,
};

/// Fuzzer bytes read front to back; reads past the end yield zeros.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// Wraps raw fuzzer bytes.
    pub fn new(data: &'a [u8]) -> Self {
        Input { data }
    }

    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let n = N.min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        out
    }

    fn u8(&mut self) -> u8 {
        self.array::<1>()[0]
    }

    fn u64(&mut self) -> u64 {
        u64::from_be_bytes(self.array())
    }

    fn bytes(&mut self, len: usize) -> &'a [u8] {
        let n = len.min(self.data.len());
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        head
    }

    fn rest(&mut self) -> &'a [u8] {
        let len = self.data.len();
        self.bytes(len)
    }
}

/// Keys of transaction requests, filters, state overrides and envelopes.
const KEYS: &[&str] = &[
    "from",
    "to",
    "data",
    "input",
    "value",
    "gas",
    "gasPrice",
    "maxFeePerGas",
    "maxPriorityFeePerGas",
    "nonce",
    "chainId",
    "type",
    "accessList",
    "authorizationList",
    "blobVersionedHashes",
    "fromBlock",
    "toBlock",
    "blockHash",
    "blockNumber",
    "requireCanonical",
    "address",
    "topics",
    "balance",
    "code",
    "state",
    "stateDiff",
    "movePrecompileToAddress",
    "jsonrpc",
    "id",
    "method",
    "params",
];

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + 2 * bytes.len());
    s.push_str("0x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn address(input: &mut Input) -> Address {
    match input.u8() % 8 {
        0 => Address::ZERO,
        1 => DEV_ACCOUNT,
        2 => ARB_SYS,
        3 => ARB_WASM,
        4 => STYLUS_DEPLOYER,
        5 => Address::with_last_byte(input.u8()),
        _ => Address::from(input.array::<20>()),
    }
}

/// A quantity-ish number from a table of edge values.
fn number(input: &mut Input) -> u64 {
    match input.u8() % 10 {
        0 => 0,
        1 => 1,
        2 => u64::MAX,
        3 => u64::MAX - 1,
        4 => i64::MAX as u64,
        5 => u32::MAX as u64,
        6 => 21_000,
        7 => 32_000_000,
        8 => input.u8() as u64,
        _ => input.u64(),
    }
}

/// A JSON value shaped like Ethereum JSON-RPC parameters.
fn value(input: &mut Input, depth: usize) -> Value {
    let choice = input.u8() % if depth > 3 { 13 } else { 20 };
    match choice {
        0 => Value::Null,
        1 => Value::Bool(input.u8() & 1 == 1),
        2 => json!(number(input)),
        3 => json!(-(input.u8() as i64) - 1),
        4 => {
            let f = f64::from_bits(input.u64());
            serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
        }
        5 => Value::String(format!("{:#x}", number(input))),
        6 => Value::String(match input.u8() % 6 {
            0 => "0x".into(),
            1 => "0x00".into(),
            2 => "0X1".into(),
            3 => format!("0x{}", "f".repeat(64)),
            4 => format!("0x1{}", "0".repeat(64)),
            _ => format!("{}", number(input)),
        }),
        7 => {
            // Code-like data, sometimes behind a magic prefix the devnet and revm treat
            // specially: EIP-7702 delegation (ef01), EOF (ef00), Stylus (eff000).
            let prefix: &[u8] = match input.u8() % 8 {
                0 => &[0xef, 0x01, 0x00],
                1 => &[0xef, 0x00],
                2 => &[0xef, 0xf0, 0x00],
                _ => &[],
            };
            let len = input.u8() as usize % 80;
            let mut s = hex(&[prefix, input.bytes(len)].concat());
            if input.u8().is_multiple_of(4) {
                s.pop();
            }
            Value::String(s)
        }
        8 => Value::String(format!("{:#x}", address(input))),
        9 => Value::String(hex(&input.array::<32>())),
        10 => Value::String(
            [
                "latest",
                "earliest",
                "pending",
                "safe",
                "finalized",
                "LATEST",
                "0x0",
                "0x1",
            ][input.u8() as usize % 8]
                .into(),
        ),
        11 => {
            let len = input.u8() as usize % 24;
            Value::String(String::from_utf8_lossy(input.bytes(len)).into_owned())
        }
        12 => Value::String(signed_transaction(input)),
        13..=16 => {
            let mut map = Map::new();
            for _ in 0..input.u8() % 7 {
                let key = match input.u8() % 8 {
                    0 => format!("{:#x}", address(input)),
                    1 => {
                        let len = input.u8() as usize % 12;
                        String::from_utf8_lossy(input.bytes(len)).into_owned()
                    }
                    _ => KEYS[input.u8() as usize % KEYS.len()].to_string(),
                };
                map.insert(key, value(input, depth + 1));
            }
            Value::Object(map)
        }
        _ => Value::Array(
            (0..input.u8() % 4)
                .map(|_| value(input, depth + 1))
                .collect(),
        ),
    }
}

/// A transaction signed with the dev key (mostly valid: nonce 0 on the fresh chain,
/// the devnet's chain id), `0x`-hex encoded as `eth_sendRawTransaction` takes it.
fn signed_transaction(input: &mut Input) -> String {
    let signer = PrivateKeySigner::from_bytes(&DEV_KEY).expect("the dev key is valid");
    let flags = input.u8();
    let chain_id = if flags & 1 == 0 {
        CHAIN_ID
    } else {
        number(input)
    };
    let nonce = if flags & 2 == 0 { 0 } else { number(input) };
    let gas_limit = number(input);
    let to = if flags & 4 == 0 {
        TxKind::Create
    } else {
        TxKind::Call(address(input))
    };
    let value = U256::from(input.u8());
    let len = input.u8() as usize;
    let data = Bytes::copy_from_slice(input.bytes(len));
    let envelope = if flags & 8 == 0 {
        let tx = TxEip1559 {
            chain_id,
            nonce,
            gas_limit,
            max_fee_per_gas: number(input) as u128,
            max_priority_fee_per_gas: input.u8() as u128,
            to,
            value,
            input: data,
            ..Default::default()
        };
        let sig = signer
            .sign_hash_sync(&tx.signature_hash())
            .expect("signing a hash");
        TxEnvelope::Eip1559(tx.into_signed(sig))
    } else {
        let tx = TxLegacy {
            chain_id: (flags & 16 == 0).then_some(chain_id),
            nonce,
            gas_price: number(input) as u128,
            gas_limit,
            to,
            value,
            input: data,
        };
        let sig = signer
            .sign_hash_sync(&tx.signature_hash())
            .expect("signing a hash");
        TxEnvelope::Legacy(tx.into_signed(sig))
    };
    hex(&envelope.encoded_2718())
}

/// One request of a body: usually an object, sometimes anything.
fn request(input: &mut Input) -> Value {
    let flags = input.u8();
    if flags % 16 == 15 {
        return value(input, 1);
    }
    let mut map = Map::new();
    match (flags >> 4) % 4 {
        0 | 1 => {
            map.insert("jsonrpc".into(), json!("2.0"));
        }
        2 => {
            map.insert("jsonrpc".into(), value(input, 3));
        }
        _ => {}
    }
    match input.u8() % 6 {
        0 => {}
        1 => {
            map.insert("id".into(), Value::Null);
        }
        2 => {
            let len = input.u8() as usize % 16;
            let id = String::from_utf8_lossy(input.bytes(len)).into_owned();
            map.insert("id".into(), Value::String(id));
        }
        3 => {
            map.insert("id".into(), value(input, 3));
        }
        _ => {
            map.insert("id".into(), json!(number(input)));
        }
    }
    match input.u8() % 8 {
        0 => {}
        1 => {
            map.insert("method".into(), value(input, 3));
        }
        2 => {
            let len = input.u8() as usize % 24;
            let name = String::from_utf8_lossy(input.bytes(len)).into_owned();
            map.insert("method".into(), Value::String(name));
        }
        _ => {
            let name = METHODS[input.u8() as usize % METHODS.len()];
            map.insert("method".into(), json!(name));
        }
    }
    match input.u8() % 8 {
        0 => {}
        1 => {
            map.insert("params".into(), Value::Null);
        }
        2 => {
            map.insert("params".into(), value(input, 2));
        }
        _ => {
            let params = (0..input.u8() % 4).map(|_| value(input, 1)).collect();
            map.insert("params".into(), Value::Array(params));
        }
    }
    Value::Object(map)
}

/// The HTTP body an input stands for.
fn body(input: &mut Input) -> Vec<u8> {
    let mode = input.u8();
    if mode.is_multiple_of(4) {
        return input.rest().to_vec();
    }
    let json = if mode & 4 == 0 {
        request(input)
    } else {
        Value::Array((0..input.u8() % 5).map(|_| request(input)).collect())
    };
    let mut body = json.to_string().into_bytes();
    if mode & 8 != 0 && !body.is_empty() {
        let at = input.u64() as usize % body.len();
        match input.u8() % 3 {
            0 => body.truncate(at),
            1 => body[at] = input.u8(),
            _ => body.insert(at, input.u8()),
        }
    }
    body
}

/// The chain every input starts from: genesis, a fixed genesis timestamp.
fn fresh_chain() -> Mutex<Devnet> {
    Mutex::new(Devnet::new(DevnetConfig {
        test_accounts: 1,
        genesis_timestamp: Some(1_700_000_000),
        ..DevnetConfig::default()
    }))
}

/// The error code a response carries, after checking the response's shape.
fn check_response(response: &Value, request: &Value) -> Option<i64> {
    let object = response
        .as_object()
        .unwrap_or_else(|| panic!("a response is not an object: {response}"));
    assert_eq!(object.get("jsonrpc"), Some(&json!("2.0")), "{response}");
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    assert_eq!(
        object.get("id"),
        Some(&id),
        "the response does not echo the id"
    );
    assert_eq!(object.len(), 3, "extra or missing members: {response}");
    match (object.get("result"), object.get("error")) {
        (Some(_), None) => None,
        (None, Some(error)) => {
            let error = error
                .as_object()
                .unwrap_or_else(|| panic!("error is not an object: {response}"));
            let code = error
                .get("code")
                .and_then(Value::as_i64)
                .unwrap_or_else(|| panic!("error code is not an integer: {response}"));
            assert!(
                error.get("message").is_some_and(Value::is_string),
                "error message is not a string: {response}"
            );
            match error.get("data") {
                None | Some(Value::String(_)) => {}
                Some(other) => panic!("error data is not a string: {other}"),
            }
            assert_eq!(
                error.len(),
                2 + error.contains_key("data") as usize,
                "{response}"
            );
            Some(code)
        }
        _ => panic!("exactly one of result and error: {response}"),
    }
}

/// What one request (an element of the parsed body) must be answered with.
fn check_one(response: &Value, request: &Value) {
    let code = check_response(response, request);
    let method = request.get("method");
    let params = request.get("params");
    let expected = match method {
        None | Some(Value::Array(_) | Value::Object(_) | Value::Number(_)) => Some(-32600),
        Some(Value::Null | Value::Bool(_)) => Some(-32600),
        Some(Value::String(_)) if !matches!(params, None | Some(Value::Null | Value::Array(_))) => {
            Some(-32602)
        }
        Some(Value::String(name)) if !METHODS.contains(&name.as_str()) => Some(-32601),
        Some(Value::String(_)) => None,
    };
    match expected {
        Some(want) => assert_eq!(code, Some(want), "request {request} answered {response}"),
        None => assert!(
            matches!(code, None | Some(3 | -32000 | -32602)),
            "a served method answered an unexpected error: request {request}, answer {response}"
        ),
    }
}

/// Target `devnet_rpc`: one body through the server's request handling.
pub fn rpc(data: &[u8]) {
    let mut input = Input::new(data);
    let body = body(&mut input);
    let chain = fresh_chain();
    let response = handle_bytes(&chain, &body);
    let parsed = std::str::from_utf8(&body)
        .ok()
        .and_then(|s| serde_json::from_str::<Value>(s).ok());
    match parsed {
        None => {
            let code = check_response(&response, &Value::Null);
            assert_eq!(code, Some(-32700), "unparsable body answered {response}");
        }
        Some(Value::Array(batch)) if batch.is_empty() => {
            let code = check_response(&response, &Value::Null);
            assert_eq!(code, Some(-32600), "empty batch answered {response}");
        }
        Some(Value::Array(batch)) => {
            let answers = response
                .as_array()
                .unwrap_or_else(|| panic!("a batch answered {response}"));
            assert_eq!(answers.len(), batch.len(), "one answer per request");
            for (answer, request) in answers.iter().zip(&batch) {
                check_one(answer, request);
            }
        }
        Some(request) => check_one(&response, &request),
    }
    // Every answer must serialize (the server sends `answer.to_string()`).
    let _ = response.to_string();
}

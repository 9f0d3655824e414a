//! The check behind the devnet's JSON-RPC fuzz target.
//!
//! Shared by the cargo-fuzz target (`fuzz_targets/devnet_rpc.rs`, nightly) and the
//! stable regression test `devnet/tests/fuzz_regressions.rs`, which includes this file
//! as a module and replays `regressions/devnet_rpc/*` through [`rpc`], so the two cannot
//! drift.
//!
//! An input becomes one JSON-RPC body: either its raw bytes, or a request (or batch)
//! built from them out of the served method names ([`zkmltrack_devnet::rpc::METHODS`]),
//! Ethereum-shaped parameters (quantities, hex data, addresses, block tags, transaction,
//! filter and state-override objects, transactions signed with the dev key) and
//! malformed envelopes, then optionally corrupted, and optionally repeated into a batch
//! of exactly [`MAX_BATCH`] or one more. The body reaches a fresh devnet through the
//! real server ([`zkmltrack_devnet::rpc::serve`] on a loopback port): an HTTP/1.1 POST
//! with a `Content-Length`, the same chunked, or a WebSocket message on a session that
//! subscribes to `newHeads` and `logs` first; or straight through
//! [`zkmltrack_devnet::rpc::handle_bytes`], the function behind both. [`rpc`] asserts
//! that nothing panics, that the server still answers afterwards, and that the answer is
//! well-formed JSON-RPC 2.0: one response object per request (an array of as many for a
//! batch), each with `"jsonrpc": "2.0"`, the request's `id` (null when there is none),
//! and exactly one of `result` or `error` (integer `code`, string `message`, optional
//! string `data`); and that bad requests get the error the specification names:
//! -32700 for a body that is not JSON (or not UTF-8), -32600 for an empty batch, a batch
//! longer than [`MAX_BATCH`] or a request without a string `method`, -32602 for
//! `params` that are neither an array nor null, -32601 exactly for methods the devnet
//! does not serve. Over WebSocket, the subscriptions must then have announced exactly
//! the blocks the body left on the chain and their logs, as `eth_getBlockByNumber` and
//! `eth_getLogs` render them, before the unsubscription is answered.

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    sync::Mutex,
    time::Duration,
};

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use serde_json::{json, Map, Value};
use zkmltrack_devnet::{
    arbos::{ARB_SYS, ARB_WASM},
    deployer::STYLUS_DEPLOYER,
    rpc::{handle_bytes, serve, RpcServer, MAX_BATCH, METHODS},
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
fn fresh_chain() -> Devnet {
    Devnet::new(DevnetConfig {
        test_accounts: 1,
        genesis_timestamp: Some(1_700_000_000),
        ..DevnetConfig::default()
    })
}

/// A batch body repeated to `len` requests (other bodies as they are).
fn lengthen(body: Vec<u8>, len: usize) -> Vec<u8> {
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(batch)) if !batch.is_empty() => {
            let long: Vec<Value> = batch.iter().cycle().take(len).cloned().collect();
            Value::Array(long).to_string().into_bytes()
        }
        _ => body,
    }
}

/// How a body reaches the devnet: bits 4 and 5 of the input's first byte (the mode
/// byte [`body`] reads its other bits from).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Transport {
    /// HTTP/1.1 POST with a `Content-Length`.
    Http,
    /// A WebSocket message (text, or binary when the body is not UTF-8).
    WebSocket,
    /// HTTP/1.1 POST with the body in two chunks.
    Chunked,
    /// `handle_bytes`, without the server.
    Handler,
}

/// Time any answer may take before the check fails (libFuzzer's own limit is 30 s).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(25);

/// POSTs `body` to the server; the status and the parsed answer.
fn post(addr: SocketAddr, body: &[u8], chunked: bool) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).expect("the server accepts");
    stream.set_read_timeout(Some(ANSWER_TIMEOUT)).unwrap();
    let mut request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nConnection: close\r\n"
    )
    .into_bytes();
    if chunked {
        request.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
        let (first, second) = body.split_at(body.len() / 2);
        for part in [first, second] {
            if !part.is_empty() {
                request.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
                request.extend_from_slice(part);
                request.extend_from_slice(b"\r\n");
            }
        }
        request.extend_from_slice(b"0\r\n\r\n");
    } else {
        request.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        request.extend_from_slice(body);
    }
    stream
        .write_all(&request)
        .expect("the server reads the request");
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .expect("the server answers in time and closes");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end: {}", String::from_utf8_lossy(&response)));
    let head = std::str::from_utf8(&response[..split]).expect("ASCII headers");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status: {head}"));
    let answer = serde_json::from_slice(&response[split + 4..]).unwrap_or_else(|e| {
        panic!(
            "the answer is not JSON ({e}): {}",
            String::from_utf8_lossy(&response[split + 4..])
        )
    });
    (status, answer)
}

/// One call over HTTP; its result.
fn call(addr: SocketAddr, method: &str, params: Value) -> Value {
    let request = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let (status, answer) = post(addr, request.to_string().as_bytes(), false);
    assert_eq!(status, 200, "{method} answered {answer}");
    answer
        .get("result")
        .cloned()
        .unwrap_or_else(|| panic!("{method} failed: {answer}"))
}

/// The server still answers a plain call.
fn alive(server: &RpcServer) {
    let number = call(server.addr(), "eth_blockNumber", json!([]));
    assert!(number.is_string(), "eth_blockNumber answered {number}");
}

/// The head block's number.
fn head(addr: SocketAddr) -> u64 {
    let hex = call(addr, "eth_blockNumber", json!([]));
    u64::from_str_radix(hex.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// Whether a socket error is a signal interrupting the call (libFuzzer's timers), to retry.
fn interrupted(e: &tungstenite::Error) -> bool {
    matches!(e, tungstenite::Error::Io(e) if e.kind() == std::io::ErrorKind::Interrupted)
}

/// Sends a message, finishing the write when a signal interrupts it.
fn send(socket: &mut tungstenite::WebSocket<TcpStream>, message: tungstenite::Message) {
    let mut sent = socket.send(message);
    while matches!(&sent, Err(e) if interrupted(e)) {
        sent = socket.flush();
    }
    sent.expect("the session reads the message");
}

/// The next message of the session.
fn read(socket: &mut tungstenite::WebSocket<TcpStream>) -> tungstenite::Message {
    loop {
        match socket.read() {
            Err(e) if interrupted(&e) => continue,
            other => return other.expect("the session answers in time"),
        }
    }
}

/// Sends `body` on a WebSocket session subscribed to `newHeads` and `logs` (filter `{}`),
/// then unsubscribes; checks what the subscriptions announced and returns the body's
/// answer.
fn over_websocket(server: &RpcServer, body: &[u8]) -> Value {
    use tungstenite::Message;
    let addr = server.addr();
    // libFuzzer's SIGALRM may interrupt the handshake: connect again.
    let mut attempts = 0;
    let mut socket = loop {
        let stream = TcpStream::connect(addr).expect("the server accepts");
        stream.set_read_timeout(Some(ANSWER_TIMEOUT)).unwrap();
        match tungstenite::client(format!("ws://{addr}/"), stream) {
            Ok((socket, _)) => break socket,
            Err(tungstenite::HandshakeError::Failure(e)) if interrupted(&e) && attempts < 10 => {
                attempts += 1;
            }
            Err(e) => panic!("the upgrade fails: {e}"),
        }
    };
    let mut notes: Vec<Value> = Vec::new();
    // The next answer; notifications before it are kept in `notes`.
    let answer = |socket: &mut tungstenite::WebSocket<TcpStream>, notes: &mut Vec<Value>| loop {
        let text = match read(socket) {
            Message::Text(text) => text.to_string(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("a server message that is not text: {other:?}"),
        };
        let value: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("a message that is not JSON ({e}): {text}"));
        if value.get("method") == Some(&json!("eth_subscription")) {
            notes.push(value);
        } else {
            return value;
        }
    };
    let subscribe = |socket: &mut tungstenite::WebSocket<TcpStream>, params: Value| {
        let request =
            json!({"jsonrpc": "2.0", "id": 0, "method": "eth_subscribe", "params": params});
        send(socket, Message::text(request.to_string()));
        let reply = answer(socket, &mut Vec::new());
        reply["result"]
            .as_str()
            .unwrap_or_else(|| panic!("eth_subscribe answered {reply}"))
            .to_string()
    };
    let heads = subscribe(&mut socket, json!(["newHeads"]));
    let logs = subscribe(&mut socket, json!(["logs", {}]));
    let before = head(addr);
    let message = match std::str::from_utf8(body) {
        Ok(text) => Message::text(text),
        Err(_) => Message::binary(body.to_vec()),
    };
    send(&mut socket, message);
    let response = answer(&mut socket, &mut notes);
    let unsubscribe = json!([
        {"jsonrpc": "2.0", "id": "heads", "method": "eth_unsubscribe", "params": [heads]},
        {"jsonrpc": "2.0", "id": "logs", "method": "eth_unsubscribe", "params": [logs]},
    ]);
    send(&mut socket, Message::text(unsubscribe.to_string()));
    let unsubscribed = answer(&mut socket, &mut notes);
    let _ = socket.close(None);
    while !matches!(socket.read(), Err(e) if !interrupted(&e)) {}
    // A body that calls the subscription methods itself may have changed them.
    let text = String::from_utf8_lossy(body);
    if text.contains("eth_subscribe") || text.contains("eth_unsubscribe") {
        return response;
    }
    assert_eq!(
        unsubscribed
            .as_array()
            .map(|a| a.iter().map(|r| r["result"].clone()).collect::<Vec<_>>()),
        Some(vec![json!(true), json!(true)]),
        "{unsubscribed}"
    );
    // Exactly the blocks the body left, in order, then their logs, as the HTTP
    // methods render them.
    let after = head(addr);
    let mut announced_heads = Vec::new();
    let mut announced_logs = Vec::new();
    for note in &notes {
        assert_eq!(note["jsonrpc"], json!("2.0"), "{note}");
        let params = &note["params"];
        let subscription = params["subscription"].as_str().unwrap_or_default();
        if subscription == heads {
            announced_heads.push(params["result"].clone());
        } else if subscription == logs {
            announced_logs.push(params["result"].clone());
        } else {
            panic!("a notification for no subscription of the session: {note}");
        }
    }
    let numbers: Vec<u64> = (before + 1..=after).collect();
    assert_eq!(
        announced_heads.len(),
        numbers.len(),
        "blocks {before} -> {after}: {} heads announced",
        announced_heads.len()
    );
    for (header, n) in announced_heads.iter().zip(&numbers) {
        let block = call(
            addr,
            "eth_getBlockByNumber",
            json!([format!("{n:#x}"), false]),
        );
        assert_eq!(header["number"], block["number"], "{header}");
        assert_eq!(header["hash"], block["hash"], "{header}");
    }
    let expected_logs = if after > before {
        call(
            addr,
            "eth_getLogs",
            json!([{"fromBlock": format!("{:#x}", before + 1), "toBlock": format!("{after:#x}")}]),
        )
    } else {
        json!([])
    };
    assert_eq!(
        Value::Array(announced_logs),
        expected_logs,
        "the logs announced"
    );
    response
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

/// What one request (an element of the parsed body) must be answered with; over
/// WebSocket the subscription methods are served too.
fn check_one(response: &Value, request: &Value, websocket: bool) {
    let code = check_response(response, request);
    let method = request.get("method");
    let params = request.get("params");
    let expected = match method {
        None | Some(Value::Array(_) | Value::Object(_) | Value::Number(_)) => Some(-32600),
        Some(Value::Null | Value::Bool(_)) => Some(-32600),
        Some(Value::String(_)) if !matches!(params, None | Some(Value::Null | Value::Array(_))) => {
            Some(-32602)
        }
        Some(Value::String(name))
            if websocket && matches!(name.as_str(), "eth_subscribe" | "eth_unsubscribe") =>
        {
            None
        }
        Some(Value::String(name)) if !METHODS.contains(&name.as_str()) => Some(-32601),
        Some(Value::String(_)) => None,
    };
    match expected {
        Some(want) => assert_eq!(code, Some(want), "request {request} answered {response}"),
        None => assert!(
            matches!(code, None | Some(3 | -32000 | -32602 | -32005)),
            "a served method answered an unexpected error: request {request}, answer {response}"
        ),
    }
}

/// Target `devnet_rpc`: one body through the server (or its request handling).
pub fn rpc(data: &[u8]) {
    let mode = data.first().copied().unwrap_or(0);
    let transport = match (mode >> 4) & 3 {
        0 => Transport::Http,
        1 => Transport::WebSocket,
        2 => Transport::Chunked,
        _ => Transport::Handler,
    };
    let mut input = Input::new(data);
    let mut body = body(&mut input);
    if mode & 0x40 != 0 {
        body = lengthen(body, MAX_BATCH + usize::from(mode & 0x80 != 0));
    }
    let response = match transport {
        Transport::Handler => handle_bytes(&Mutex::new(fresh_chain()), &body),
        Transport::Http | Transport::Chunked => {
            let server = serve(fresh_chain(), SocketAddr::from(([127, 0, 0, 1], 0)))
                .expect("the devnet serves");
            let (status, answer) = post(server.addr(), &body, transport == Transport::Chunked);
            assert_eq!(status, 200, "HTTP status of {answer}");
            alive(&server);
            answer
        }
        Transport::WebSocket => {
            let server = serve(fresh_chain(), SocketAddr::from(([127, 0, 0, 1], 0)))
                .expect("the devnet serves");
            let answer = over_websocket(&server, &body);
            alive(&server);
            answer
        }
    };
    let websocket = transport == Transport::WebSocket;
    let parsed = std::str::from_utf8(&body)
        .ok()
        .and_then(|s| serde_json::from_str::<Value>(s).ok());
    match parsed {
        None => {
            let code = check_response(&response, &Value::Null);
            assert_eq!(code, Some(-32700), "unparsable body answered {response}");
        }
        Some(Value::Array(batch)) if batch.is_empty() || batch.len() > MAX_BATCH => {
            let code = check_response(&response, &Value::Null);
            assert_eq!(
                code,
                Some(-32600),
                "a batch of {} answered {response}",
                batch.len()
            );
        }
        Some(Value::Array(batch)) => {
            let answers = response
                .as_array()
                .unwrap_or_else(|| panic!("a batch answered {response}"));
            assert_eq!(answers.len(), batch.len(), "one answer per request");
            for (answer, request) in answers.iter().zip(&batch) {
                check_one(answer, request, websocket);
            }
        }
        Some(request) => check_one(&response, &request, websocket),
    }
    // Every answer must serialize (the server sends `answer.to_string()`).
    let _ = response.to_string();
}

//! The devnet's JSON-RPC transport as hostile and ordinary clients meet it:
//! clients that stall mid-request hold up nobody else and are cut off after
//! the body timeout; and an unmodified alloy pubsub client subscribes over
//! WebSocket to new heads and to a contract's logs, on the same port as HTTP;
//! a WebSocket batch that subscribes keeps a batch's limits, WebSocket
//! sessions count against the server's connection slots, clients that stop
//! reading their answers are cut off after the write timeout, and idle
//! connections after the header timeout.

mod http;

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::Duration,
};

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Bytes, U256},
    providers::{Provider, ProviderBuilder, WsConnect},
    rpc::types::{Filter, TransactionRequest},
    signers::local::PrivateKeySigner,
};
use futures_util::StreamExt;
use http::{block_number, post};
use zkmltrack_devnet::{
    rpc::{self, server::BODY_TIMEOUT, MAX_BODY},
    Devnet, DEV_KEY,
};
use zkmltrack_protocol::evm::init_code_for;

#[test]
fn clients_that_stall_mid_request_hold_up_nobody_and_are_cut_off() {
    let server = rpc::serve(Devnet::default(), "127.0.0.1:0".parse().unwrap()).unwrap();
    let url = server.url();
    let addr = server.addr();
    let open = |request: &[u8]| {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(request).unwrap();
        stream
    };
    // A body announced as 100,000 bytes with one sent; an unfinished chunked
    // body; headers that never end.
    let mut stalled = [
        open(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{"),
        open(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"jso"),
        open(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Le"),
    ];
    // Everyone else is served meanwhile, reads and writes alike.
    let before = block_number(&url);
    let mined = post(
        &url,
        r#"{"jsonrpc":"2.0","id":2,"method":"anvil_mine","params":["0x3"]}"#,
    );
    assert!(mined.contains("\"result\""), "{mined}");
    assert_eq!(block_number(&url), before + 3);
    // The stalled ones are cut off (408 or a closed connection), not served forever.
    for stream in &mut stalled {
        stream.set_read_timeout(Some(BODY_TIMEOUT * 4)).unwrap();
        let mut answer = Vec::new();
        let read = stream.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            read.is_ok() && (answer.is_empty() || answer.starts_with("HTTP/1.1 408")),
            "{read:?}: {answer}"
        );
    }
    // A body declared over the limit is refused with 413 and a JSON-RPC
    // error before it is sent (headers only: the server reads nothing more).
    let mut stream = open(
        format!(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY + 1
        )
        .as_bytes(),
    );
    stream.set_read_timeout(Some(BODY_TIMEOUT * 4)).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("larger than"), "{answer}");
    // A chunked body (no declared length) is cut off at the limit. The
    // client may still be writing when the server answers and closes, so
    // only a 413 or a connection the server closed are acceptable.
    let huge = format!("[{}]", "1,".repeat(9_000_000));
    let mut stream = open(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    stream.set_read_timeout(Some(BODY_TIMEOUT * 4)).unwrap();
    let sent = huge.as_bytes().chunks(1 << 16).try_for_each(|c| {
        write!(stream, "{:x}\r\n", c.len())
            .and_then(|_| stream.write_all(c))
            .and_then(|_| stream.write_all(b"\r\n"))
    });
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 413")
            || (answer.is_empty() && (sent.is_err() || read.is_err())),
        "{sent:?} {read:?}: {}",
        &answer[..answer.len().min(200)]
    );
}

/// Deploys a contract whose every call emits one log (LOG0 of no data).
async fn deploy_logger(http: &impl Provider) -> alloy::primitives::Address {
    let runtime = [0x60, 0x00, 0x60, 0x00, 0xa0, 0x00];
    let deploy = TransactionRequest::default()
        .with_deploy_code(Bytes::from(init_code_for(&runtime).to_vec()));
    http.send_transaction(deploy)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap()
        .contract_address
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn alloy_pubsub_receives_new_heads_and_logs_over_websocket() {
    let server = rpc::serve(Devnet::default(), "127.0.0.1:0".parse().unwrap()).unwrap();
    let signer = PrivateKeySigner::from_slice(DEV_KEY.as_slice()).unwrap();
    let http = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(server.url().parse().unwrap());
    let ws = ProviderBuilder::new()
        .connect_ws(WsConnect::new(server.ws_url()))
        .await
        .expect("a WebSocket connection on the HTTP port");
    // Requests work over the socket too.
    assert_eq!(
        ws.get_chain_id().await.unwrap(),
        http.get_chain_id().await.unwrap()
    );

    let contract = deploy_logger(&http).await;

    let mut heads = ws.subscribe_blocks().await.unwrap().into_stream();
    let mut logs = ws
        .subscribe_logs(&Filter::new().address(contract))
        .await
        .unwrap()
        .into_stream();
    let receipt = http
        .send_transaction(
            TransactionRequest::default()
                .with_to(contract)
                .with_value(U256::ZERO),
        )
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let mined = receipt.block_number.unwrap();
    let wait = Duration::from_secs(30);
    let head = tokio::time::timeout(wait, heads.next())
        .await
        .expect("a new head")
        .unwrap();
    assert_eq!(head.number, mined);
    assert_eq!(Some(head.hash), receipt.block_hash);
    let log = tokio::time::timeout(wait, logs.next())
        .await
        .expect("the contract's log")
        .unwrap();
    assert_eq!(log.address(), contract);
    assert_eq!(log.block_number, Some(mined));
    assert_eq!(log.transaction_hash, Some(receipt.transaction_hash));
    // Blocks mined by another means reach the subscriber too, in order.
    http.raw_request::<_, serde_json::Value>("anvil_mine".into(), ("0x2",))
        .await
        .unwrap();
    for expected in [mined + 1, mined + 2] {
        let head = tokio::time::timeout(wait, heads.next())
            .await
            .expect("a mined head")
            .unwrap();
        assert_eq!(head.number, expected);
    }
}

/// viem's watchers (`watchBlocks`, `watchEvent`: eth_subscribe over `webSocket`), run by
/// Node from `tests/viem/watch.mjs` with the viem of `tools/package.json`, see the blocks
/// and the logs the chain makes, as they are.
#[tokio::test(flavor = "multi_thread")]
async fn viem_watchers_receive_new_blocks_and_logs_over_websocket() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    assert!(
        root.join("tools/node_modules/viem").is_dir(),
        "viem is missing: run scripts/test (or `npm ci` in tools/) to install the pinned npm tools"
    );
    let server = rpc::serve(Devnet::default(), "127.0.0.1:0".parse().unwrap()).unwrap();
    let signer = PrivateKeySigner::from_slice(DEV_KEY.as_slice()).unwrap();
    let http = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(server.url().parse().unwrap());
    let contract = deploy_logger(&http).await;
    let mut child = tokio::process::Command::new("node")
        .arg(root.join("devnet/tests/viem/watch.mjs"))
        .args([&server.ws_url(), &contract.to_string(), "3", "2"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs (Node.js 20+)");
    let mut lines =
        tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(child.stdout.take().unwrap()));
    let wait = Duration::from_secs(60);
    let ready = tokio::time::timeout(wait, lines.next_line())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ready.as_deref(), Some("ready"));
    // Two calls of the contract (a block and a log each), then one empty block.
    let mut hashes = Vec::new();
    for _ in 0..2 {
        let call = TransactionRequest::default()
            .with_to(contract)
            .with_value(U256::ZERO);
        let receipt = http
            .send_transaction(call)
            .await
            .unwrap()
            .get_receipt()
            .await
            .unwrap();
        hashes.push(receipt.transaction_hash);
    }
    http.raw_request::<_, serde_json::Value>("evm_mine".into(), ())
        .await
        .unwrap();
    let report = tokio::time::timeout(wait, lines.next_line())
        .await
        .expect("viem reports in time")
        .unwrap()
        .expect("viem's report");
    assert!(child.wait().await.unwrap().success());
    let seen: serde_json::Value = serde_json::from_str(&report).unwrap();
    let head = http.get_block_number().await.unwrap();
    let numbers: Vec<u64> = seen["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, vec![head - 2, head - 1, head], "{seen}");
    for (block, number) in seen["blocks"].as_array().unwrap().iter().zip(&numbers) {
        let hash = http
            .get_block_by_number((*number).into())
            .await
            .unwrap()
            .unwrap()
            .header
            .hash;
        assert_eq!(block["hash"], serde_json::json!(hash.to_string()), "{seen}");
    }
    let logs = seen["logs"].as_array().unwrap();
    assert_eq!(logs.len(), 2, "{seen}");
    for (log, hash) in logs.iter().zip(&hashes) {
        assert_eq!(
            log["transactionHash"],
            serde_json::json!(hash.to_string()),
            "{seen}"
        );
        assert_eq!(
            log["address"].as_str().unwrap().to_lowercase(),
            contract.to_string().to_lowercase()
        );
    }
}

/// A raw WebSocket session (no client library: the test sees each message).
async fn ws_session(
    url: &str,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
    tokio_tungstenite::tungstenite::Error,
> {
    let stream = tokio::net::TcpStream::connect(url.trim_start_matches("ws://"))
        .await
        .map_err(tokio_tungstenite::tungstenite::Error::Io)?;
    tokio_tungstenite::client_async(url, stream)
        .await
        .map(|(socket, _)| socket)
}

/// The next answer on a session (notifications skipped).
async fn ws_answer(
    socket: &mut tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
    request: &serde_json::Value,
) -> serde_json::Value {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    socket
        .send(Message::Text(request.to_string().into()))
        .await
        .unwrap();
    loop {
        let message = tokio::time::timeout(Duration::from_secs(60), socket.next())
            .await
            .expect("an answer")
            .expect("an open socket")
            .unwrap();
        if let Message::Text(text) = message {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            if v.get("method").and_then(|m| m.as_str()) != Some("eth_subscription") {
                return v;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_websocket_batch_that_subscribes_keeps_the_limits_of_a_batch() {
    use serde_json::json;
    let server = rpc::serve(Devnet::default(), "127.0.0.1:0".parse().unwrap()).unwrap();
    let mut socket = ws_session(&server.ws_url()).await.unwrap();
    // A logs subscription no block matches (no notifications to skip).
    let subscribe = json!({"jsonrpc": "2.0", "id": 0, "method": "eth_subscribe",
        "params": ["logs", {"address": "0x00000000000000000000000000000000000000aa"}]});
    let mine = |id: u32| json!({"jsonrpc": "2.0", "id": id, "method": "anvil_mine", "params": [format!("{:#x}", rpc::MAX_MINE)]});
    // Finding 2 over WebSocket: the batch's calls share one budget of blocks.
    let answers = ws_answer(&mut socket, &json!([subscribe, mine(1), mine(2), mine(3)])).await;
    let answers = answers.as_array().expect("a batch answer");
    assert_eq!(answers.len(), 4, "{answers:?}");
    assert!(answers[0]["result"].is_string(), "{answers:?}");
    assert!(answers[1].get("error").is_none(), "{answers:?}");
    for refused in &answers[2..] {
        assert!(
            refused["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("blocks per request")),
            "{answers:?}"
        );
    }
    assert_eq!(answers[3]["id"], 3);
    assert_eq!(block_number(&server.url()), rpc::MAX_MINE);
    // And at most MAX_BATCH requests, subscriptions counted.
    let mut long = vec![subscribe];
    long.extend(
        (1..=rpc::MAX_BATCH).map(|id| json!({"jsonrpc": "2.0", "id": id, "method": "eth_chainId"})),
    );
    let refused = ws_answer(&mut socket, &serde_json::Value::Array(long)).await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(&format!("at most {}", rpc::MAX_BATCH))),
        "{refused}"
    );
    // The session still answers.
    let chain_id = ws_answer(
        &mut socket,
        &json!({"jsonrpc": "2.0", "id": 9, "method": "eth_chainId"}),
    )
    .await;
    assert!(chain_id["result"].is_string(), "{chain_id}");
}

#[tokio::test(flavor = "multi_thread")]
async fn websocket_sessions_hold_connection_slots_until_they_close() {
    let server = rpc::serve(Devnet::default(), "127.0.0.1:0".parse().unwrap()).unwrap();
    let mut sessions = Vec::new();
    for _ in 0..rpc::server::MAX_CONNECTIONS {
        sessions.push(ws_session(&server.ws_url()).await.expect("a session"));
    }
    // Every slot is held by a session: the next connection is refused,
    // over WebSocket and over HTTP alike.
    assert!(ws_session(&server.ws_url()).await.is_err());
    let url = server.url();
    let refused = tokio::task::spawn_blocking(move || {
        std::panic::catch_unwind(|| block_number(&url)).is_err()
    })
    .await
    .unwrap();
    assert!(refused, "an HTTP request was served past the cap");
    // A session that closes frees its slot.
    drop(sessions.pop());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut again = ws_session(&server.ws_url()).await;
    while again.is_err() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        again = ws_session(&server.ws_url()).await;
    }
    assert!(again.is_ok(), "the closed session's slot was not freed");
}

/// A client that stops reading while the server writes to it (a subscriber
/// that never takes its notifications, or pipelined requests whose answers
/// are never read) is cut off after the write timeout, and the chain and
/// everyone else are served meanwhile.
#[tokio::test(flavor = "multi_thread")]
async fn clients_that_stop_reading_are_cut_off_after_the_write_timeout() {
    use rpc::server::WRITE_TIMEOUT;
    use serde_json::json;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = rpc::serve(Devnet::default(), "127.0.0.1:0".parse().unwrap()).unwrap();
    let url = server.url();
    // A tiny receive buffer, so the server's writes stall soon.
    let small_socket = || {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        socket
    };
    let stream = small_socket().connect(server.addr()).await.unwrap();
    let (mut subscriber, _) = tokio_tungstenite::client_async(server.ws_url(), stream)
        .await
        .unwrap();
    let subscribed = ws_answer(
        &mut subscriber,
        &json!({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]}),
    )
    .await;
    assert!(subscribed["result"].is_string(), "{subscribed}");
    // Pipelined batches whose answers (~100 KB each) are never read.
    let mut reader = small_socket().connect(server.addr()).await.unwrap();
    let batch = serde_json::Value::Array(
        (0..rpc::MAX_BATCH)
            .map(|id| json!({"jsonrpc": "2.0", "id": id, "method": "eth_getBlockByNumber", "params": ["0x0", false]}))
            .collect(),
    )
    .to_string();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{batch}",
        batch.len()
    );
    let (mut read_half, mut write_half) = reader.split();
    let pipelined = 200;
    let writing = async {
        for _ in 0..pipelined {
            if write_half.write_all(request.as_bytes()).await.is_err() {
                break;
            }
        }
    };
    // 20,000 blocks: as many notifications (~0.5 KB each) as the subscriber
    // never reads; and the rest of the world is served meanwhile.
    let mining = async {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            for id in 0..2 {
                let mined = post(
                    &url,
                    &format!(
                        r#"{{"jsonrpc":"2.0","id":{id},"method":"anvil_mine","params":["{:#x}"]}}"#,
                        rpc::MAX_MINE
                    ),
                );
                assert!(mined.contains("\"result\""), "{mined}");
            }
            assert_eq!(block_number(&url), 2 * rpc::MAX_MINE);
        })
        .await
        .unwrap()
    };
    let _ = tokio::time::timeout(WRITE_TIMEOUT, async { tokio::join!(writing, mining) }).await;
    assert_eq!(
        block_number(&url),
        2 * rpc::MAX_MINE,
        "the chain was held up"
    );
    tokio::time::sleep(WRITE_TIMEOUT + Duration::from_secs(5)).await;
    // Reading now finds what the buffers held, then the end of both
    // connections: far fewer notifications and answers than were due.
    let mut notifications = 0;
    loop {
        match tokio::time::timeout(Duration::from_secs(30), subscriber.next()).await {
            Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Text(_)))) => notifications += 1,
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_)) | None) => break,
            Err(_) => panic!("the stalled subscriber's session is still open"),
        }
    }
    assert!(
        notifications < 2 * rpc::MAX_MINE as usize,
        "{notifications} notifications: the session was not cut off"
    );
    let mut answers = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), read_half.read_to_end(&mut answers))
        .await
        .expect("the stalled HTTP connection is still open");
    let answered = String::from_utf8_lossy(&answers)
        .matches("HTTP/1.1 200")
        .count();
    assert!(answered < pipelined, "{answered} answers, {read:?}");
    // And the server still serves.
    assert_eq!(block_number(&url), 2 * rpc::MAX_MINE);
}

/// A connection that sends nothing, and a keep-alive connection that goes
/// quiet after one answered request, are closed after the header timeout
/// (hyper's `header_read_timeout` also bounds the wait for the next request).
#[test]
fn idle_connections_are_closed_after_the_header_timeout() {
    use rpc::server::HEADER_TIMEOUT;
    let server = rpc::serve(Devnet::default(), "127.0.0.1:0".parse().unwrap()).unwrap();
    let silent = TcpStream::connect(server.addr()).unwrap();
    let mut kept = TcpStream::connect(server.addr()).unwrap();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}"#;
    write!(
        kept,
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let started = std::time::Instant::now();
    for (name, mut stream) in [("silent", silent), ("kept alive", kept)] {
        stream.set_read_timeout(Some(HEADER_TIMEOUT * 3)).unwrap();
        let mut answer = Vec::new();
        let read = stream.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            read.is_ok(),
            "{name}: still open after {:?}: {read:?}",
            HEADER_TIMEOUT * 3
        );
        match name {
            "silent" => assert!(
                answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
                "{answer}"
            ),
            _ => assert!(
                answer.starts_with("HTTP/1.1 200") && answer.matches("HTTP/1.1").count() == 1,
                "{answer}"
            ),
        }
    }
    let waited = started.elapsed();
    assert!(
        waited >= HEADER_TIMEOUT - Duration::from_secs(1),
        "closed after {waited:?}, before the timeout"
    );
}

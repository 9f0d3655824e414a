//! Raw HTTP/1.1 JSON-RPC exchanges for the transport tests (no client library
//! in between, so the tests see exactly what goes over the socket).

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::Duration,
};

/// `http://host:port` or `host:port` -> `host:port`.
fn host_port(url: &str) -> &str {
    url.trim_start_matches("http://")
}

/// One request body posted on a new connection; the whole response text.
pub(crate) fn post(url: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(host_port(url)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: devnet\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// The `result` of one JSON-RPC call (`params` as JSON text).
pub(crate) fn result(url: &str, method: &str, params: &str) -> serde_json::Value {
    let body = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{params}}}"#);
    let response = post(url, &body);
    let json: serde_json::Value =
        serde_json::from_str(&response[response.find("\r\n\r\n").expect("a body") + 4..]).unwrap();
    json["result"].clone()
}

/// `eth_blockNumber`.
pub(crate) fn block_number(url: &str) -> u64 {
    let n = result(url, "eth_blockNumber", "[]");
    u64::from_str_radix(n.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

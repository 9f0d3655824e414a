//! JSON-RPC (later)

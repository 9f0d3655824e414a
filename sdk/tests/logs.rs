//! `Chain::logs` against a node that limits `eth_getLogs` ranges, as hosted
//! endpoints do (the devnet with `max_logs_range`): the node refuses the
//! long range in one query, the SDK reads it in windows and loses nothing.

use alloy::{
    providers::Provider,
    rpc::types::{Filter, TransactionRequest},
    signers::local::PrivateKeySigner,
};
use zkmltrack::chain::Chain;
use zkmltrack_devnet::{rpc, Devnet, DevnetConfig, DEV_KEY};

#[tokio::test(flavor = "multi_thread")]
async fn a_long_range_is_read_in_windows_the_node_accepts() {
    let chain = Devnet::new(DevnetConfig {
        max_logs_range: Some(100),
        ..DevnetConfig::default()
    });
    let server = rpc::serve(chain, "127.0.0.1:0".parse().unwrap()).unwrap();
    let signer = PrivateKeySigner::from_bytes(&DEV_KEY).unwrap();
    let chain = Chain::connect(&server.url(), Some(signer)).await.unwrap();
    // A contract whose every call logs (LOG0 of no data), called five times
    // 150 blocks apart.
    let runtime = [0x60, 0x00, 0x60, 0x00, 0xa0, 0x00];
    let logger = chain
        .deploy_evm(
            "deploying the logger",
            zkmltrack::protocol::evm::init_code_for(&runtime).into(),
        )
        .await
        .unwrap();
    let mut blocks = Vec::new();
    for _ in 0..5 {
        let receipt = chain
            .send("logging", TransactionRequest::default().to(logger))
            .await
            .unwrap();
        blocks.push(receipt.block_number.unwrap());
        let _: serde_json::Value = chain
            .provider()
            .raw_request("anvil_mine".into(), ("0x96",))
            .await
            .unwrap();
    }
    let filter = Filter::new().address(logger).from_block(0u64);
    let refused = chain.provider().get_logs(&filter).await.unwrap_err();
    assert!(
        refused.to_string().contains("at most 100 blocks"),
        "{refused}"
    );
    let logs = chain.logs("reading the logs", &filter).await.unwrap();
    let found: Vec<u64> = logs.iter().map(|l| l.block_number.unwrap()).collect();
    assert_eq!(found, blocks);
    // An explicit end is kept.
    let to_third = chain
        .logs("reading the logs", &filter.clone().to_block(blocks[2]))
        .await
        .unwrap();
    assert_eq!(to_third.len(), 3);
}

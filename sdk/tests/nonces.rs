//! Nonces a `Chain` takes from the chain: one key sending in turn from two
//! connections (a long-lived server and a CLI run, say) does not meet "nonce
//! too low", the concurrent sends of one connection get distinct nonces, and
//! two connections sending at the same instant each land (the one whose
//! nonce was taken sends again).

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
};
use zkmltrack::chain::Chain;
use zkmltrack_devnet::{rpc, Devnet, DevnetConfig, DEV_KEY};

fn transfer(to: Address) -> TransactionRequest {
    TransactionRequest::default().to(to).value(U256::from(1))
}

/// A devnet (kept up while the server handle lives) and two connections to
/// it, each signing with the dev key.
async fn two_connections() -> (rpc::RpcServer, [Chain; 2]) {
    let server = rpc::serve(
        Devnet::new(DevnetConfig::default()),
        "127.0.0.1:0".parse().unwrap(),
    )
    .unwrap();
    let signer = PrivateKeySigner::from_bytes(&DEV_KEY).unwrap();
    let url = server.url();
    let connect = || Chain::connect(&url, Some(signer.clone()));
    let connections = [connect().await.unwrap(), connect().await.unwrap()];
    (server, connections)
}

/// The nonces of the transactions `hashes`, in order.
async fn sorted_nonces(chain: &Chain, hashes: Vec<B256>) -> Vec<u64> {
    let mut nonces = Vec::new();
    for hash in hashes {
        let tx = chain
            .provider()
            .get_transaction_by_hash(hash)
            .await
            .unwrap()
            .expect("the transaction is known");
        nonces.push(alloy::consensus::Transaction::nonce(&tx));
    }
    nonces.sort_unstable();
    nonces
}

#[tokio::test(flavor = "multi_thread")]
async fn one_key_on_two_connections_and_concurrent_sends() {
    let (_server, [first, second]) = two_connections().await;
    let sink = Address::repeat_byte(0x5a);
    // Each connection sends after the other did: the first's next nonce is
    // the chain's, not one more than its own last.
    for round in 0..3 {
        for (name, chain) in [("first", &first), ("second", &second)] {
            chain
                .send("a transfer", transfer(sink))
                .await
                .unwrap_or_else(|e| panic!("round {round}, the {name} connection: {e}"));
        }
    }
    // Eight sends at once from clones of one connection: all land, each
    // with its own nonce.
    let sends = (0..8).map(|_| {
        let chain = first.clone();
        tokio::spawn(async move { chain.send("a transfer", transfer(sink)).await })
    });
    let mut hashes = Vec::new();
    for send in sends {
        hashes.push(send.await.unwrap().unwrap().transaction_hash);
    }
    assert_eq!(
        sorted_nonces(&first, hashes).await,
        (6..14).collect::<Vec<u64>>()
    );
    let balance = first.provider().get_balance(sink).await.unwrap();
    assert_eq!(balance, U256::from(14));
}

#[tokio::test(flavor = "multi_thread")]
async fn one_key_on_two_connections_at_the_same_instant() {
    let (_server, connections) = two_connections().await;
    let sink = Address::repeat_byte(0x5b);
    // Each connection submits one at a time, but not in turn with the other:
    // their nonces are read from one pending count at the same instants.
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(16));
    let sends: Vec<_> = (0..16)
        .map(|i| {
            let (chain, barrier) = (connections[i % 2].clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                // Distinct amounts: two equal transfers with one nonce would
                // be one transaction.
                let transfer = transfer(sink).value(U256::from(i + 1));
                chain.send("a transfer", transfer).await
            })
        })
        .collect();
    let mut hashes = Vec::new();
    for send in sends {
        hashes.push(
            send.await
                .unwrap()
                .expect("every send lands")
                .transaction_hash,
        );
    }
    assert_eq!(
        sorted_nonces(&connections[0], hashes).await,
        (0..16).collect::<Vec<u64>>()
    );
    let balance = connections[0].provider().get_balance(sink).await.unwrap();
    assert_eq!(balance, U256::from((1..=16).sum::<u64>()));
}

//! Chainlink's own `VRFCoordinatorV2_5Mock`, compiled with the project's solc
//! from the npm package pinned in `tools/solidity-packages.tsv` (fetched by
//! `scripts/lib.sh`'s `ensure_solidity_packages`, which this module runs when
//! the sources are missing), and the calls a test makes on it as the VRF
//! network would.

// The mock's events' generated constructors mirror their many fields.
#![allow(clippy::too_many_arguments)]

use std::{collections::BTreeMap, fs, path::Path, process::Command};

use alloy::primitives::{Address, Bytes, U256};
use alloy::sol_types::SolValue;
use serde_json::json;
use zkmltrack::{
    chain::{event, Chain},
    solc::Solc,
};

use crate::repo;

/// The pinned package's root.
const CHAINLINK: &str = "tools/solidity/@chainlink/contracts@1.5.0";
/// The OpenZeppelin release Chainlink's sources import by versioned path.
const OPENZEPPELIN: (&str, &str) = (
    "@openzeppelin/contracts@4.9.6/",
    "tools/solidity/@openzeppelin/contracts@4.9.6/",
);
/// The mock's source unit.
const MOCK: &str = "src/v0.8/vrf/mocks/VRFCoordinatorV2_5Mock.sol";

alloy::sol! {
    /// The coordinator mock's own functions (beyond `IVRFSubscriptionV2Plus`).
    #[sol(rpc)]
    #[derive(Debug)]
    interface IVRFCoordinatorV2_5Mock {
        function createSubscription() external returns (uint256 subId);
        function fundSubscription(uint256 subId, uint256 amount) external;
        function fulfillRandomWords(uint256 requestId, address consumer) external;
        event SubscriptionCreated(uint256 indexed subId, address owner);
        event RandomWordsRequested(bytes32 indexed keyHash, uint256 requestId, uint256 preSeed, uint256 indexed subId, uint16 minimumRequestConfirmations, uint32 callbackGasLimit, uint32 numWords, bytes extraArgs, address indexed sender);
        event RandomWordsFulfilled(uint256 indexed requestId, uint256 outputSeed, uint256 indexed subId, uint96 payment, bool nativePayment, bool success, bool onlyPremium);
    }
}

/// Fetches the pinned packages unless they are there.
fn ensure_sources() {
    let repo = repo();
    if repo.join(CHAINLINK).join(".verified").exists()
        && repo.join(OPENZEPPELIN.1).join(".verified").exists()
    {
        return;
    }
    let status = Command::new("bash")
        .arg("-c")
        .arg("source scripts/lib.sh && ensure_solidity_packages")
        .current_dir(&repo)
        .status()
        .expect("bash runs");
    assert!(status.success(), "ensure_solidity_packages failed");
}

/// The file behind a source unit name (a Chainlink path, or OpenZeppelin's by
/// its versioned prefix).
fn file_of(unit: &str) -> std::path::PathBuf {
    match unit.strip_prefix(OPENZEPPELIN.0) {
        Some(rest) => repo().join(OPENZEPPELIN.1).join(rest),
        None => repo().join(CHAINLINK).join(unit),
    }
}

/// The import paths of a Solidity source, resolved to source unit names.
fn imports(unit: &str, source: &str) -> Vec<String> {
    let dir = Path::new(unit).parent().unwrap_or(Path::new(""));
    source
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("import "))
        .filter_map(|l| l.split('"').nth(1))
        .map(|path| {
            if path.starts_with('.') {
                // Normalise `a/b/../c` without touching the file system.
                let joined = dir.join(path);
                let mut parts: Vec<&str> = Vec::new();
                for part in joined.to_str().expect("utf-8").split('/') {
                    match part {
                        "." | "" => {}
                        ".." => {
                            parts.pop();
                        }
                        p => parts.push(p),
                    }
                }
                parts.join("/")
            } else {
                path.to_string()
            }
        })
        .collect()
}

/// The init code of `VRFCoordinatorV2_5Mock` (without constructor arguments).
pub fn coordinator_mock_bytecode(solc: &Solc) -> Vec<u8> {
    ensure_sources();
    let mut sources = BTreeMap::new();
    let mut todo = vec![MOCK.to_string()];
    while let Some(unit) = todo.pop() {
        if sources.contains_key(&unit) {
            continue;
        }
        let file = file_of(&unit);
        let text = fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        todo.extend(imports(&unit, &text));
        sources.insert(unit, json!({ "content": text }));
    }
    let input = json!({
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "optimizer": { "enabled": true, "runs": 200 },
            "evmVersion": "shanghai",
            "outputSelection": { MOCK: { "VRFCoordinatorV2_5Mock": ["evm.bytecode.object"] } }
        }
    });
    let output = solc.compile(&input).expect("the coordinator mock compiles");
    let hex = output["contracts"][MOCK]["VRFCoordinatorV2_5Mock"]["evm"]["bytecode"]["object"]
        .as_str()
        .expect("bytecode");
    alloy::primitives::hex::decode(hex).expect("hex")
}

/// The mock's init code with its constructor arguments: a base fee of 0.1
/// LINK, a gas price of 1 gwei and 0.004 ETH per LINK (Chainlink's examples).
pub fn coordinator_mock_init_code(solc: &Solc) -> Bytes {
    let mut code = coordinator_mock_bytecode(solc);
    code.extend(
        (
            alloy::primitives::Uint::<96, 2>::from(100_000_000_000_000_000u128),
            alloy::primitives::Uint::<96, 2>::from(1_000_000_000u64),
            alloy::primitives::I256::try_from(4_000_000_000_000_000i64).expect("fits"),
        )
            .abi_encode_params(),
    );
    code.into()
}

/// Creates a subscription of the mock as `chain`'s account and funds it
/// with a million LINK (the mock credits `fundSubscription` for free);
/// returns its id.
pub async fn funded_subscription(chain: &Chain, coordinator: Address) -> U256 {
    let receipt = chain
        .transact(
            "creating a VRF subscription",
            coordinator,
            &IVRFCoordinatorV2_5Mock::createSubscriptionCall {},
            U256::ZERO,
        )
        .await
        .expect("subscription");
    let sub_id = event::<IVRFCoordinatorV2_5Mock::SubscriptionCreated>(&receipt)
        .expect("SubscriptionCreated")
        .subId;
    chain
        .transact(
            "funding the VRF subscription",
            coordinator,
            &IVRFCoordinatorV2_5Mock::fundSubscriptionCall {
                subId: sub_id,
                amount: U256::from(10u8).pow(U256::from(24u8)),
            },
            U256::ZERO,
        )
        .await
        .expect("funded");
    sub_id
}

/// The random word the mock sends for `request_id` (word 0): what
/// `fulfillRandomWords` computes, `keccak256(abi.encode(requestId, 0))`.
pub fn mock_word(request_id: U256) -> U256 {
    U256::from_be_bytes(alloy::primitives::keccak256((request_id, U256::ZERO).abi_encode()).0)
}

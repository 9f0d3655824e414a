//! Typed bindings of the contracts the SDK talks to.
//!
//! The suite's programs' interfaces (and the VrfProvider's) are generated from the exported Solidity files in
//! `contracts/abi/` (drift-checked against the contracts by `scripts/test`), so a
//! change of a contract's ABI breaks this crate's build instead of its users'
//! transactions. EZKL's verifiers are declared here from their published
//! interfaces, the part of Chainlink's VRF coordinator the SDK calls from
//! its published interface; Arbitrum's system contracts from the protocol crate's `abi/`.

#![allow(missing_docs, clippy::too_many_arguments)]

use alloy::sol;

sol!(
    #[sol(rpc)]
    "../contracts/abi/ModelRegistry.sol"
);

sol!(
    #[sol(rpc)]
    "../contracts/abi/VerifierRouter.sol"
);

sol!(
    #[sol(rpc)]
    "../contracts/abi/TaskController.sol"
);

sol!(
    #[sol(rpc)]
    "../contracts/abi/DatasetVerifier.sol"
);

sol!(
    #[sol(rpc)]
    "../contracts/abi/Leaderboard.sol"
);

sol!(
    #[sol(rpc)]
    "../contracts/abi/BondVault.sol"
);

sol!(
    #[sol(rpc)]
    "../contracts/abi/VrfProvider.sol"
);

sol!(
    #[sol(rpc)]
    "../contracts/abi/HiddenSet.sol"
);

// Arbitrum's system interfaces (StylusDeployer, ArbWasm 0x71, ArbSys 0x64), declared
// once in the protocol crate's `abi/` (the devnet implements them from the same files).
sol!("../protocol/abi/IArbSys.sol");
sol!("../protocol/abi/IArbWasm.sol");
sol!("../protocol/abi/IStylusDeployer.sol");

sol! {
    /// EZKL's reusable verifier (one contract for every model; VKAs are data).
    #[sol(rpc)]
    #[derive(Debug)]
    interface IReusableVerifier {
        function registerVka(bytes32[] vka) external returns (bytes32);
        function verifyProof(bytes proof, uint256[] instances, bytes32[] vka) external returns (bool);
    }

    /// An EZKL verifier with its key in code.
    #[sol(rpc)]
    #[derive(Debug)]
    interface IPlainVerifier {
        function verifyProof(bytes proof, uint256[] instances) external returns (bool);
    }

    /// The part of Chainlink's VRF v2.5 coordinator (`IVRFSubscriptionV2Plus`)
    /// a VrfProvider's deployer needs: the subscription and its consumers.
    #[sol(rpc)]
    #[derive(Debug)]
    interface IVRFSubscriptionV2Plus {
        function getSubscription(uint256 subId) external view returns (uint96 balance, uint96 nativeBalance, uint64 reqCount, address subOwner, address[] memory consumers);
        function addConsumer(uint256 subId, address consumer) external;
        error InvalidSubscription();
        error InvalidConsumer(uint256 subId, address consumer);
        error MustBeSubOwner(address owner);
        error TooManyConsumers();
        error InsufficientBalance();
    }
}

//! Typed bindings of the contracts the SDK talks to.
//!
//! The suite's six interfaces are generated from the exported Solidity files in
//! `contracts/abi/` (drift-checked against the contracts by `scripts/test`), so a
//! change of a contract's ABI breaks this crate's build instead of its users'
//! transactions. EZKL's verifiers are declared here from their published
//! interfaces; Arbitrum's system contracts from the protocol crate's `abi/`.

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
}

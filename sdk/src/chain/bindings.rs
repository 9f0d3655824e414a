//! Typed bindings of the contracts the SDK talks to.
//!
//! The suite's four interfaces are generated from the exported Solidity files in
//! `contracts/abi/` (drift-checked against the contracts by `scripts/test`), so a
//! change of a contract's ABI breaks this crate's build instead of its users'
//! transactions. The Arbitrum system contracts and EZKL's reusable verifier are
//! declared here from their published interfaces.

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

sol! {
    /// Arbitrum's StylusDeployer: deploy, activate and construct a program in one transaction.
    #[sol(rpc)]
    #[derive(Debug)]
    interface IStylusDeployer {
        function deploy(bytes bytecode, bytes initData, uint256 initValue, bytes32 salt) external payable returns (address);
        event ContractDeployed(address deployedContract);
        error ContractDeploymentError(bytes bytecode);
        error ContractInitializationError(address newContract, bytes data);
        error RefundExcessValueError(uint256 excessValue);
        error EmptyBytecode();
        error InitValueButNotInitData();
    }

    /// ArbWasm (0x71): Stylus program activation.
    #[sol(rpc)]
    #[derive(Debug)]
    interface IArbWasm {
        function activateProgram(address program) external payable returns (uint16 version, uint256 dataFee);
        function programVersion(address program) external view returns (uint16 version);
        error ProgramNotWasm();
        error ProgramNotActivated();
        error ProgramNeedsUpgrade(uint16 version, uint16 stylusVersion);
        error ProgramExpired(uint64 ageInSeconds);
        error ProgramUpToDate();
        error ProgramKeepaliveTooSoon(uint64 ageInSeconds);
        error ProgramInsufficientValue(uint256 have, uint256 want);
    }

    /// ArbSys (0x64): L2 block number and hashes.
    #[sol(rpc)]
    #[derive(Debug)]
    interface IArbSys {
        function arbBlockNumber() external view returns (uint256 number);
        function arbBlockHash(uint256 arbBlockNum) external view returns (bytes32 hash);
    }

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

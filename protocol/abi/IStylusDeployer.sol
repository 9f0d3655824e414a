// SPDX-License-Identifier: MIT OR Apache-2.0
// The StylusDeployer (deploy, activate and construct a Stylus program in one transaction).
// Generated bindings: zkmltrack-devnet (deployer) and the SDK (chain::bindings).
pragma solidity ^0.8.24;

interface IStylusDeployer {
    function deploy(bytes bytecode, bytes initData, uint256 initValue, bytes32 salt) external payable returns (address);
    function requiresActivation(address addr) external view returns (bool);
    function initSalt(bytes32 salt, bytes initData) external pure returns (bytes32);

    event ContractDeployed(address deployedContract);

    error ContractDeploymentError(bytes bytecode);
    error ContractInitializationError(address newContract, bytes data);
    error RefundExcessValueError(uint256 excessValue);
    error EmptyBytecode();
    error InitValueButNotInitData();
}

// SPDX-License-Identifier: MIT OR Apache-2.0
// ArbSys (0x64): the subset the suite calls and the devnet implements.
// Generated bindings: zkmltrack-devnet (arbos) and the SDK (chain::bindings).
pragma solidity ^0.8.24;

interface IArbSys {
    function arbBlockNumber() external view returns (uint256 number);
    function arbBlockHash(uint256 arbBlockNum) external view returns (bytes32 hash);
    function arbChainID() external view returns (uint256 id);
    function arbOSVersion() external view returns (uint256 version);
    function wasMyCallersAddressAliased() external view returns (bool aliased);

    error InvalidBlockNumber(uint256 requested, uint256 current);
}

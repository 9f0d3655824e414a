//! Arbitrum's system contracts the suite calls.
//!
//! Their Solidity interfaces are `abi/IArbSys.sol`, `abi/IArbWasm.sol` and
//! `abi/IStylusDeployer.sol` next to this crate: the devnet (which implements
//! them) and the SDK (which calls them) generate their bindings from those
//! files.

/// ArbSys precompile (L2 block number and hashes, chain id, ArbOS version).
pub const ARB_SYS: [u8; 20] = precompile(0x64);
/// ArbWasm precompile (Stylus activation).
pub const ARB_WASM: [u8; 20] = precompile(0x71);
/// The StylusDeployer at its canonical address (deploy, activate and
/// construct a program in one transaction).
pub const STYLUS_DEPLOYER: [u8; 20] = [
    0xce, 0xcb, 0xa2, 0xf1, 0xdc, 0x23, 0x4f, 0x70, 0xdd, 0x89, 0xf2, 0x04, 0x10, 0x29, 0x80, 0x7f,
    0x8d, 0x03, 0xa9, 0x90,
];

/// ArbSys `arbBlockNumber()` selector.
pub const ARB_BLOCK_NUMBER: [u8; 4] = [0xa3, 0xb1, 0xb3, 0x1d];
/// ArbSys `arbBlockHash(uint256)` selector.
pub const ARB_BLOCK_HASH: [u8; 4] = [0x2b, 0x40, 0x7a, 0x82];

const fn precompile(n: u8) -> [u8; 20] {
    let mut address = [0u8; 20];
    address[19] = n;
    address
}

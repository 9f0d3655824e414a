//! Every selector and address the crate spells out is what its signature
//! hashes to (keccak-256 here is tiny-keccak's, independent of the callers').

use tiny_keccak::{Hasher, Keccak};
use zkmltrack_protocol::{evm, registry, stylus, system};

fn keccak(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut k = Keccak::v256();
    k.update(data);
    k.finalize(&mut out);
    out
}

fn selector(signature: &str) -> [u8; 4] {
    keccak(signature.as_bytes())[..4].try_into().unwrap()
}

#[test]
fn selectors_are_their_signatures_hashes() {
    assert_eq!(registry::PAUSED, selector("paused()"));
    assert_eq!(registry::TASK, selector("task(uint64)"));
    assert_eq!(registry::VERSION, selector("version(uint64)"));
    assert_eq!(
        registry::SUBMISSION_CONTEXT,
        selector("submissionContext(uint64,uint64)")
    );
    assert_eq!(system::ARB_BLOCK_NUMBER, selector("arbBlockNumber()"));
    assert_eq!(system::ARB_BLOCK_HASH, selector("arbBlockHash(uint256)"));
    assert_eq!(
        stylus::CONSTRUCTOR_SELECTOR,
        selector("stylus_constructor()")
    );
}

#[test]
fn the_empty_code_hash_is_keccak_of_nothing() {
    assert_eq!(zkmltrack_protocol::EMPTY_CODE_HASH, keccak(&[]));
    assert!(!zkmltrack_protocol::is_contract_codehash(keccak(&[])));
    assert!(!zkmltrack_protocol::is_contract_codehash([0; 32]));
    assert!(zkmltrack_protocol::is_contract_codehash([1; 32]));
}

#[test]
fn init_code_returns_the_code_after_its_prologue() {
    let init = evm::init_code_for(&[0xAA; 300]);
    assert_eq!(init.len(), evm::INIT_PROLOGUE + 300);
    assert_eq!(init[0], 0x7f);
    assert_eq!(u64::from_be_bytes(init[25..33].try_into().unwrap()), 300);
    assert_eq!(init[33 + 2], evm::INIT_PROLOGUE as u8);
    assert!(init[evm::INIT_PROLOGUE..].iter().all(|&b| b == 0xAA));
}

#[test]
fn limits_are_the_eips() {
    assert_eq!(stylus::MAX_CODE_SIZE, 0x6000);
    assert_eq!(stylus::MAX_INIT_CODE_SIZE, 0xC000);
    assert!(stylus::is_program(&[0xEF, 0xF0, 0x00, 0x00, 1]));
    assert!(!stylus::is_program(&stylus::DISCRIMINANT));
}

use super::*;

#[test]
fn raw_call_selectors_match_their_signatures() {
    for (selector, signature) in [
        (REGISTRY_VERSION, "version(uint64)"),
        (REGISTRY_TASK, "task(uint64)"),
        (REGISTRY_PAUSED, "paused()"),
        (ARB_BLOCK_NUMBER, "arbBlockNumber()"),
        (ARB_BLOCK_HASH, "arbBlockHash(uint256)"),
    ] {
        assert_eq!(
            selector,
            alloy_primitives::keccak256(signature)[..4],
            "{signature}"
        );
    }
}

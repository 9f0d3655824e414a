//! Unit tests (motsu); the verifier is a mock that accepts the proof `0x01`.
//! motsu gives every contract the same code hash and no readable code, so the
//! stored-VKA path is covered by the devnet integration tests instead.

use alloy_primitives::{keccak256, Address, B256, U256};
use motsu::prelude::*;
use stylus_sdk::{abi::Bytes, prelude::*};

use zkmltrack_test_mocks::{
    mock_proof, trusted_srs, vka, vka_digest, MockVerifier, MOCK_PROOF_LEN,
};

use super::*;

/// An architecture package hash and URI for routes.
const PACKAGE: B256 = B256::repeat_byte(0xaa);
const URI: &str = "ipfs://architecture";

/// A plain EZKL verifier stand-in (key baked in): accepts a proof whose first byte is 1.
#[storage]
struct MockPlainVerifier {}

unsafe impl TopLevelStorage for MockPlainVerifier {}

#[public]
impl MockPlainVerifier {
    fn verify_proof(&self, proof: Bytes, _instances: Vec<U256>) -> Result<bool, Vec<u8>> {
        if proof.0.first() == Some(&1) {
            Ok(true)
        } else {
            Err(Vec::new())
        }
    }
}

/// Code hash motsu reports for every contract.
fn contract_code_hash(router: &Contract<VerifierRouter>, account: Address) -> B256 {
    router.sender(account).vm().code_hash(account)
}

#[motsu::test]
fn only_allow_listed_code_backs_reusable_routes(
    router: Contract<VerifierRouter>,
    verifier: Contract<MockVerifier>,
    owner: Address,
    alice: Address,
) {
    router.sender(owner).constructor(owner).motsu_unwrap();
    let err = router
        .sender(alice)
        .add_reusable_route(
            verifier.address(),
            Address::ZERO,
            vka_digest(),
            PACKAGE,
            Bytes::from(URI.as_bytes().to_vec()),
        )
        .motsu_unwrap_err();
    assert!(
        matches!(err, Error::VerifierNotAllowed(VerifierNotAllowed { verifier: v, .. }) if v == verifier.address())
    );
    assert_eq!(router.sender(alice).route_count(), 0);

    let code_hash = contract_code_hash(&router, verifier.address());
    assert!(matches!(
        router
            .sender(alice)
            .set_verifier_allowed(code_hash, true)
            .motsu_unwrap_err(),
        Error::UnauthorizedAccount(_)
    ));
    router
        .sender(owner)
        .set_verifier_allowed(code_hash, true)
        .motsu_unwrap();
    router.assert_emitted(&VerifierCodeAllowed {
        code_hash,
        allowed: true,
    });
    assert!(router.sender(alice).is_verifier_allowed(code_hash));

    let route = router
        .sender(alice)
        .add_reusable_route(
            verifier.address(),
            Address::ZERO,
            vka_digest(),
            PACKAGE,
            Bytes::from(URI.as_bytes().to_vec()),
        )
        .motsu_unwrap();
    assert_eq!(route, 1);
    router.assert_emitted(&RouteAdded {
        route_id: 1,
        kind: KIND_REUSABLE_CALLDATA,
        verifier: verifier.address(),
        vka_store: Address::ZERO,
        digest: vka_digest(),
        proposer: alice,
        approved: false,
        package_hash: PACKAGE,
        package_uri: URI.as_bytes().to_vec().into(),
    });
    assert_eq!(
        router.sender(alice).route(1).motsu_unwrap(),
        (
            KIND_REUSABLE_CALLDATA,
            verifier.address(),
            Address::ZERO,
            vka_digest(),
            true,
            false,
            alice,
            PACKAGE
        )
    );
    // A route someone else added serves only once the owner approved it.
    assert!(matches!(
        router.sender(alice).route_digest(1).motsu_unwrap_err(),
        Error::RouteNotApproved(RouteNotApproved { route_id: 1 })
    ));
    assert!(matches!(
        router.sender(alice).approve_route(1).motsu_unwrap_err(),
        Error::UnauthorizedAccount(_)
    ));
    assert!(matches!(
        router.sender(owner).approve_route(2).motsu_unwrap_err(),
        Error::UnknownRoute(UnknownRoute { route_id: 2 })
    ));
    router.sender(owner).approve_route(1).motsu_unwrap();
    router.assert_emitted(&RouteApproved { route_id: 1 });
    assert_eq!(
        router.sender(alice).route_digest(1).motsu_unwrap(),
        vka_digest()
    );

    // The owner's own routes are approved at once.
    let own = router
        .sender(owner)
        .add_reusable_route(
            verifier.address(),
            Address::ZERO,
            vka_digest(),
            PACKAGE,
            Bytes::from(URI.as_bytes().to_vec()),
        )
        .motsu_unwrap();
    assert_eq!(
        router.sender(alice).route_digest(own).motsu_unwrap(),
        vka_digest()
    );
    assert_eq!(router.sender(alice).route(own).motsu_unwrap().6, owner);

    // A VKA store without code is refused.
    let err = router
        .sender(alice)
        .add_reusable_route(
            verifier.address(),
            alice,
            vka_digest(),
            PACKAGE,
            Bytes::from(URI.as_bytes().to_vec()),
        )
        .motsu_unwrap_err();
    assert!(
        matches!(err, Error::InvalidVkaStore(InvalidVkaStore { vka_store }) if vka_store == alice)
    );
    let err = router
        .sender(alice)
        .add_reusable_route(
            verifier.address(),
            Address::ZERO,
            B256::ZERO,
            PACKAGE,
            Bytes::from(URI.as_bytes().to_vec()),
        )
        .motsu_unwrap_err();
    assert!(matches!(err, Error::VkaDigestMismatch(_)));
    // A route names its architecture package.
    let err = router
        .sender(alice)
        .add_reusable_route(
            verifier.address(),
            Address::ZERO,
            vka_digest(),
            B256::ZERO,
            Bytes::from(URI.as_bytes().to_vec()),
        )
        .motsu_unwrap_err();
    assert!(matches!(err, Error::MissingPackage(_)));
}

#[motsu::test]
fn verifies_through_a_route_and_checks_every_binding(
    router: Contract<VerifierRouter>,
    verifier: Contract<MockVerifier>,
    owner: Address,
    alice: Address,
) {
    router.sender(owner).constructor(owner).motsu_unwrap();
    let code_hash = contract_code_hash(&router, verifier.address());
    router
        .sender(owner)
        .set_verifier_allowed(code_hash, true)
        .motsu_unwrap();
    router
        .sender(alice)
        .add_reusable_route(
            verifier.address(),
            Address::ZERO,
            vka_digest(),
            PACKAGE,
            Bytes::from(URI.as_bytes().to_vec()),
        )
        .motsu_unwrap();
    router.sender(owner).approve_route(1).motsu_unwrap();
    let instances = vec![U256::from(1u8), U256::from(2u8)];
    let verify = |digest: B256, proof: u8, vka: Vec<B256>| {
        router
            .sender(alice)
            .verify(1, digest, mock_proof(proof), instances.clone(), vka)
    };

    // No trusted SRS pinned yet: calldata VKAs are refused.
    assert!(matches!(
        verify(vka_digest(), 1, vka()).motsu_unwrap_err(),
        Error::UntrustedSrs(UntrustedSrs { expected, .. }) if expected.is_zero()
    ));
    assert!(matches!(
        router
            .sender(alice)
            .set_trusted_srs(trusted_srs())
            .motsu_unwrap_err(),
        Error::UnauthorizedAccount(_)
    ));
    router
        .sender(owner)
        .set_trusted_srs(trusted_srs())
        .motsu_unwrap();
    let srs_digest = keccak256(trusted_srs().concat());
    router.assert_emitted(&TrustedSrsSet { srs_digest });
    assert_eq!(router.sender(alice).trusted_srs(), trusted_srs());
    assert!(verify(vka_digest(), 1, vka()).motsu_unwrap());
    // Bytes past the proof (or missing ones) are refused before the verifier
    // runs: one proof has one byte string (the reusable verifier would ignore
    // trailing bytes).
    for len in [
        MOCK_PROOF_LEN + 1,
        MOCK_PROOF_LEN + 32,
        MOCK_PROOF_LEN - 32,
        0,
    ] {
        let err = router
            .sender(alice)
            .verify(
                1,
                vka_digest(),
                Bytes(vec![1; len]),
                instances.clone(),
                vka(),
            )
            .motsu_unwrap_err();
        assert!(
            matches!(err, Error::ProofLengthMismatch(ProofLengthMismatch { route_id: 1, expected, actual })
                if expected == U256::from(MOCK_PROOF_LEN) && actual == U256::from(len)),
            "{len} bytes: {err:?}"
        );
    }
    assert!(
        !verify(vka_digest(), 2, vka()).motsu_unwrap(),
        "a rejected proof is a false verdict"
    );

    let other = B256::repeat_byte(1);
    assert!(matches!(
        verify(other, 1, vka()).motsu_unwrap_err(),
        Error::RouteDigestMismatch(RouteDigestMismatch { route_id: 1, .. })
    ));
    let wrong_vka = vec![B256::repeat_byte(7)];
    assert!(matches!(
        verify(vka_digest(), 1, wrong_vka).motsu_unwrap_err(),
        Error::VkaDigestMismatch(_)
    ));

    // A VKA made with another SRS (its own [τ]G2) is refused, even on an
    // approved route whose digest it matches.
    let mut forged = vka();
    forged[SRS_WORDS.end - 1] = B256::repeat_byte(3);
    let forged_digest = keccak256(forged.concat());
    let forged_route = router
        .sender(owner)
        .add_reusable_route(
            verifier.address(),
            Address::ZERO,
            forged_digest,
            PACKAGE,
            Bytes::from(URI.as_bytes().to_vec()),
        )
        .motsu_unwrap();
    assert!(matches!(
        router
            .sender(alice)
            .verify(forged_route, forged_digest, mock_proof(1), vec![], forged)
            .motsu_unwrap_err(),
        Error::UntrustedSrs(UntrustedSrs { expected, actual })
            if expected == srs_digest && actual != srs_digest
    ));
    assert!(matches!(
        router
            .sender(alice)
            .verify(9, vka_digest(), mock_proof(1), vec![], vec![])
            .motsu_unwrap_err(),
        Error::UnknownRoute(UnknownRoute { route_id: 9 })
    ));

    // Disabling the route or the code stops verification.
    assert!(matches!(
        router
            .sender(alice)
            .set_route_active(1, false)
            .motsu_unwrap_err(),
        Error::UnauthorizedAccount(_)
    ));
    router
        .sender(owner)
        .set_route_active(1, false)
        .motsu_unwrap();
    router.assert_emitted(&RouteStatusChanged {
        route_id: 1,
        active: false,
    });
    assert!(matches!(
        verify(vka_digest(), 1, vka()).motsu_unwrap_err(),
        Error::RouteDisabled(RouteDisabled { route_id: 1 })
    ));
    router
        .sender(owner)
        .set_route_active(1, true)
        .motsu_unwrap();
    router
        .sender(owner)
        .set_verifier_allowed(code_hash, false)
        .motsu_unwrap();
    assert!(matches!(
        verify(vka_digest(), 1, vka()).motsu_unwrap_err(),
        Error::VerifierNotAllowed(_)
    ));
    router
        .sender(owner)
        .set_verifier_allowed(code_hash, true)
        .motsu_unwrap();

    // Paused: no verification, no new routes.
    router.sender(owner).pause().motsu_unwrap();
    assert!(matches!(
        verify(vka_digest(), 1, vka()).motsu_unwrap_err(),
        Error::EnforcedPause(_)
    ));
    assert!(matches!(
        router
            .sender(alice)
            .add_reusable_route(
                verifier.address(),
                Address::ZERO,
                vka_digest(),
                PACKAGE,
                Bytes::from(URI.as_bytes().to_vec())
            )
            .motsu_unwrap_err(),
        Error::EnforcedPause(_)
    ));
    router.sender(owner).unpause().motsu_unwrap();
    assert!(verify(vka_digest(), 1, vka()).motsu_unwrap());
}

#[motsu::test]
fn plain_routes_are_owner_only_and_pin_the_code_hash(
    router: Contract<VerifierRouter>,
    verifier: Contract<MockPlainVerifier>,
    owner: Address,
    alice: Address,
) {
    router.sender(owner).constructor(owner).motsu_unwrap();
    assert!(matches!(
        router
            .sender(alice)
            .add_plain_route(
                verifier.address(),
                PACKAGE,
                Bytes::from(URI.as_bytes().to_vec())
            )
            .motsu_unwrap_err(),
        Error::UnauthorizedAccount(_)
    ));
    assert!(matches!(
        router
            .sender(owner)
            .add_plain_route(alice, PACKAGE, Bytes::from(URI.as_bytes().to_vec()))
            .motsu_unwrap_err(),
        Error::NotAContract(_)
    ));
    let route = router
        .sender(owner)
        .add_plain_route(
            verifier.address(),
            PACKAGE,
            Bytes::from(URI.as_bytes().to_vec()),
        )
        .motsu_unwrap();
    let code_hash = contract_code_hash(&router, verifier.address());
    assert_eq!(
        router.sender(alice).route(route).motsu_unwrap(),
        (
            KIND_PLAIN,
            verifier.address(),
            Address::ZERO,
            code_hash,
            true,
            true,
            owner,
            PACKAGE
        )
    );
    assert_eq!(
        router.sender(alice).route_digest(route).motsu_unwrap(),
        code_hash
    );
    assert!(matches!(
        router
            .sender(owner)
            .add_plain_route(
                verifier.address(),
                B256::ZERO,
                Bytes::from(URI.as_bytes().to_vec())
            )
            .motsu_unwrap_err(),
        Error::MissingPackage(_)
    ));
    // A plain route refuses a calldata VKA.
    let err = router
        .sender(alice)
        .verify(route, code_hash, mock_proof(1), vec![], vka())
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        Error::UnexpectedVka(UnexpectedVka { route_id: 1 })
    ));
}

#[motsu::test]
fn ownership_cannot_be_renounced_while_paused(router: Contract<VerifierRouter>, owner: Address) {
    router.sender(owner).constructor(owner).motsu_unwrap();
    router.sender(owner).pause().motsu_unwrap();
    // Renouncing now would freeze the router for good.
    assert!(matches!(
        router.sender(owner).renounce_ownership().motsu_unwrap_err(),
        Error::EnforcedPause(_)
    ));
    assert_eq!(router.sender(owner).owner(), owner);
    router.sender(owner).unpause().motsu_unwrap();
    router.sender(owner).renounce_ownership().motsu_unwrap();
    assert_eq!(router.sender(owner).owner(), Address::ZERO);
}

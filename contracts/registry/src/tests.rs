//! Unit tests (motsu); the router is a mock with a fixed route table.

use alloy_primitives::{Address, B256};
use motsu::prelude::*;
use stylus_sdk::{
    prelude::*,
    storage::{StorageB256, StorageMap},
};

use super::*;

/// A VerifierRouter stand-in: `routeDigest` answers from a table, reverting
/// for unknown routes (as the router does for unapproved or disabled ones).
#[storage]
struct MockRouter {
    digests: StorageMap<u64, StorageB256>,
}

unsafe impl TopLevelStorage for MockRouter {}

#[public]
impl MockRouter {
    fn set_route(&mut self, route_id: u64, digest: B256) {
        self.digests.setter(route_id).set(digest);
    }

    fn route_digest(&self, route_id: u64) -> Result<B256, Vec<u8>> {
        let digest = self.digests.get(route_id);
        if digest.is_zero() {
            return Err(b"unknown route".to_vec());
        }
        Ok(digest)
    }
}

const ONNX: B256 = B256::repeat_byte(0x11);
const DIGEST: B256 = B256::repeat_byte(0x22);
const DIGEST_2: B256 = B256::repeat_byte(0x44);
/// Weight commitments (field elements).
const WEIGHTS: B256 = B256::repeat_byte(0x05);
const WEIGHTS_2: B256 = B256::repeat_byte(0x06);
const WEIGHTS_3: B256 = B256::repeat_byte(0x07);

/// Deploys the registry; routes 1 and 2 (digests [`DIGEST`], [`DIGEST_2`])
/// serve.
fn setup(registry: &Contract<ModelRegistry>, router: &Contract<MockRouter>, owner: Address) {
    registry
        .sender(owner)
        .constructor(owner, router.address())
        .motsu_unwrap();
    router.sender(owner).set_route(1, DIGEST);
    router.sender(owner).set_route(2, DIGEST_2);
}

#[motsu::test]
fn registers_versions_in_a_lineage(
    registry: Contract<ModelRegistry>,
    router: Contract<MockRouter>,
    owner: Address,
    alice: Address,
) {
    setup(&registry, &router, owner);
    let lineage = registry
        .sender(alice)
        .create_lineage("iris-mlp".into())
        .motsu_unwrap();
    assert_eq!(lineage, 1);
    registry.assert_emitted(&LineageCreated {
        lineage_id: 1,
        owner: alice,
        name: "iris-mlp".into(),
    });

    // Two versions (two weight commitments) of one architecture route.
    let v1 = registry
        .sender(alice)
        .register_version(1, ONNX, WEIGHTS, 1, "ipfs://v1".into())
        .motsu_unwrap();
    let v2 = registry
        .sender(alice)
        .register_version(1, ONNX, WEIGHTS_2, 1, "ipfs://v2".into())
        .motsu_unwrap();
    assert_eq!((v1, v2), (1, 2));
    registry.assert_emitted(&VersionRegistered {
        version_id: 2,
        lineage_id: 1,
        number: 2,
        submitter: alice,
        onnx_hash: ONNX,
        weight_hash: WEIGHTS_2,
        route_id: 1,
        uri: "ipfs://v2".into(),
    });
    let (lineage_id, number, submitter, onnx, weights, digest, route, _timestamp, revoked) =
        registry.sender(alice).version(2).motsu_unwrap();
    assert_eq!(
        (lineage_id, number, submitter, onnx, weights, digest, route, revoked),
        (1, 2, alice, ONNX, WEIGHTS_2, DIGEST, 1, false)
    );
    assert_eq!(registry.sender(alice).version_of_weights(WEIGHTS_2), 2);
    assert_eq!(registry.sender(alice).version_of_weights(WEIGHTS_3), 0);
    // One version per weight commitment: registering it again is refused.
    let err = registry
        .sender(alice)
        .register_version(1, ONNX, WEIGHTS, 2, "ipfs://v3".into())
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        Error::WeightsAlreadyRegistered(WeightsAlreadyRegistered { weight_hash, version_id: 1 })
            if weight_hash == WEIGHTS
    ));
    assert_eq!(registry.sender(alice).lineage(1).motsu_unwrap(), (alice, 2));
    assert_eq!(
        registry.sender(alice).lineage_version(1, 2).motsu_unwrap(),
        2
    );
    assert_eq!(registry.sender(alice).version_count(), 2);
    assert_eq!(registry.sender(alice).lineage_count(), 1);
}

#[motsu::test]
fn rejects_bad_registrations_and_leaves_state_unchanged(
    registry: Contract<ModelRegistry>,
    router: Contract<MockRouter>,
    owner: Address,
    alice: Address,
    mallory: Address,
) {
    setup(&registry, &router, owner);
    registry
        .sender(alice)
        .create_lineage("m".into())
        .motsu_unwrap();

    let err = registry
        .sender(mallory)
        .register_version(1, ONNX, WEIGHTS, 1, String::new())
        .motsu_unwrap_err();
    assert!(
        matches!(err, Error::NotLineageOwner(NotLineageOwner { account, owner }) if account == mallory && owner == alice)
    );
    let err = registry
        .sender(alice)
        .register_version(9, ONNX, WEIGHTS, 1, String::new())
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        Error::UnknownLineage(UnknownLineage { lineage_id: 9 })
    ));
    let err = registry
        .sender(alice)
        .register_version(1, B256::ZERO, WEIGHTS, 1, String::new())
        .motsu_unwrap_err();
    assert!(matches!(err, Error::EmptyCommitment(_)));
    let err = registry
        .sender(alice)
        .register_version(1, ONNX, B256::ZERO, 1, String::new())
        .motsu_unwrap_err();
    assert!(matches!(err, Error::EmptyCommitment(_)));
    // p itself: no proof can carry it.
    let modulus = B256::from(felt::MODULUS);
    let err = registry
        .sender(alice)
        .register_version(1, ONNX, modulus, 1, String::new())
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        Error::WeightHashNotAFieldElement(WeightHashNotAFieldElement { weight_hash }) if weight_hash == modulus
    ));
    let err = registry
        .sender(alice)
        .register_version(1, ONNX, WEIGHTS, 7, String::new())
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        Error::RouteUnavailable(RouteUnavailable { route_id: 7 })
    ));
    let err = registry
        .sender(alice)
        .create_lineage(String::new())
        .motsu_unwrap_err();
    assert!(matches!(err, Error::EmptyName(_)));
    // Nothing was registered by the refused calls.
    assert_eq!(registry.sender(alice).version_count(), 0);
    assert_eq!(registry.sender(alice).lineage_count(), 1);
    assert_eq!(registry.sender(alice).lineage(1).motsu_unwrap(), (alice, 0));
    assert!(matches!(
        registry.sender(alice).version(1).motsu_unwrap_err(),
        Error::UnknownVersion(_)
    ));
    assert!(matches!(
        registry
            .sender(alice)
            .lineage_version(1, 1)
            .motsu_unwrap_err(),
        Error::UnknownVersion(_)
    ));

    // Mallory cannot claim Alice's weight commitment, even in her own
    // lineage and on another route; her own weights register on Alice's
    // architecture route (anyone may use an approved route).
    registry
        .sender(alice)
        .register_version(1, ONNX, WEIGHTS, 1, String::new())
        .motsu_unwrap();
    registry
        .sender(mallory)
        .create_lineage("squat".into())
        .motsu_unwrap();
    for route in [1, 2] {
        let err = registry
            .sender(mallory)
            .register_version(2, ONNX, WEIGHTS, route, String::new())
            .motsu_unwrap_err();
        assert!(matches!(
            err,
            Error::WeightsAlreadyRegistered(WeightsAlreadyRegistered { weight_hash, version_id: 1 }) if weight_hash == WEIGHTS
        ));
    }
    assert_eq!(registry.sender(alice).version_count(), 1);
    assert_eq!(
        registry.sender(mallory).lineage(2).motsu_unwrap(),
        (mallory, 0)
    );
    assert_eq!(
        registry
            .sender(mallory)
            .register_version(2, ONNX, WEIGHTS_2, 1, String::new())
            .motsu_unwrap(),
        2
    );
}

#[motsu::test]
fn submitter_or_owner_revokes_once(
    registry: Contract<ModelRegistry>,
    router: Contract<MockRouter>,
    owner: Address,
    alice: Address,
    mallory: Address,
) {
    setup(&registry, &router, owner);
    registry
        .sender(alice)
        .create_lineage("m".into())
        .motsu_unwrap();
    registry
        .sender(alice)
        .register_version(1, ONNX, WEIGHTS, 1, String::new())
        .motsu_unwrap();
    registry
        .sender(alice)
        .register_version(1, ONNX, WEIGHTS_2, 2, String::new())
        .motsu_unwrap();

    let err = registry
        .sender(mallory)
        .revoke_version(1)
        .motsu_unwrap_err();
    assert!(
        matches!(err, Error::NotVersionAdmin(NotVersionAdmin { account }) if account == mallory)
    );
    assert!(!registry.sender(alice).version(1).motsu_unwrap().8);

    registry.sender(alice).revoke_version(1).motsu_unwrap();
    registry.assert_emitted(&VersionRevoked {
        version_id: 1,
        by: alice,
    });
    assert!(registry.sender(alice).version(1).motsu_unwrap().8);
    let err = registry.sender(owner).revoke_version(1).motsu_unwrap_err();
    assert!(matches!(
        err,
        Error::VersionAlreadyRevoked(VersionAlreadyRevoked { version_id: 1 })
    ));

    registry.sender(owner).revoke_version(2).motsu_unwrap();
    registry.assert_emitted(&VersionRevoked {
        version_id: 2,
        by: owner,
    });
    assert!(matches!(
        registry.sender(owner).revoke_version(3).motsu_unwrap_err(),
        Error::UnknownVersion(_)
    ));
}

#[motsu::test]
fn pause_stops_registration_but_not_revocation(
    registry: Contract<ModelRegistry>,
    router: Contract<MockRouter>,
    owner: Address,
    alice: Address,
) {
    setup(&registry, &router, owner);
    registry
        .sender(alice)
        .create_lineage("m".into())
        .motsu_unwrap();
    registry
        .sender(alice)
        .register_version(1, ONNX, WEIGHTS, 1, String::new())
        .motsu_unwrap();

    assert!(matches!(
        registry.sender(alice).pause().motsu_unwrap_err(),
        Error::UnauthorizedAccount(_)
    ));
    registry.sender(owner).pause().motsu_unwrap();
    assert!(registry.sender(alice).paused());
    assert!(matches!(
        registry
            .sender(alice)
            .create_lineage("x".into())
            .motsu_unwrap_err(),
        Error::EnforcedPause(_)
    ));
    assert!(matches!(
        registry
            .sender(alice)
            .register_version(1, ONNX, WEIGHTS, 1, String::new())
            .motsu_unwrap_err(),
        Error::EnforcedPause(_)
    ));
    registry.sender(alice).revoke_version(1).motsu_unwrap();
    assert!(matches!(
        registry.sender(owner).pause().motsu_unwrap_err(),
        Error::EnforcedPause(_)
    ));
    registry.sender(owner).unpause().motsu_unwrap();
    assert!(matches!(
        registry.sender(owner).unpause().motsu_unwrap_err(),
        Error::ExpectedPause(_)
    ));
    registry
        .sender(alice)
        .create_lineage("x".into())
        .motsu_unwrap();
}

#[motsu::test]
fn governance_is_owner_only_and_two_step(
    registry: Contract<ModelRegistry>,
    router: Contract<MockRouter>,
    owner: Address,
    alice: Address,
) {
    setup(&registry, &router, owner);
    registry.assert_emitted(&RouterSet {
        router: router.address(),
    });

    registry
        .sender(owner)
        .transfer_ownership(alice)
        .motsu_unwrap();
    assert_eq!(registry.sender(owner).owner(), owner);
    assert_eq!(registry.sender(owner).pending_owner(), alice);
    registry.sender(alice).accept_ownership().motsu_unwrap();
    assert_eq!(registry.sender(owner).owner(), alice);
    assert!(matches!(
        registry.sender(owner).pause().motsu_unwrap_err(),
        Error::UnauthorizedAccount(_)
    ));
}

const ROOT: B256 = B256::repeat_byte(0x01);

#[motsu::test]
fn creates_tasks_and_refuses_out_of_range_parameters(
    registry: Contract<ModelRegistry>,
    router: Contract<MockRouter>,
    owner: Address,
    alice: Address,
) {
    setup(&registry, &router, owner);
    let provider = Address::repeat_byte(0x77);
    let id = registry
        .sender(alice)
        .create_task(
            ROOT,
            45,
            4,
            3,
            7,
            16,
            2,
            provider,
            false,
            B256::repeat_byte(9),
        )
        .motsu_unwrap();
    assert_eq!(id, 1);
    registry.assert_emitted(&TaskCreated {
        task_id: 1,
        creator: alice,
        root: ROOT,
        dataset_size: 45,
        feature_count: 4,
        class_count: 3,
        scale: 7,
        samples: 16,
        draw_delay: 2,
        randomness: provider,
        hidden: false,
        metadata: B256::repeat_byte(9),
    });
    assert_eq!(
        registry.sender(alice).task(1).motsu_unwrap(),
        (alice, ROOT, 45, 4, 3, 7, 16, 2, provider, false, false)
    );
    assert_eq!(registry.sender(alice).task_count(), 1);
    // A hidden task names its HiddenSet as the randomness provider.
    let err = registry
        .sender(alice)
        .create_task(ROOT, 45, 4, 3, 7, 16, 2, Address::ZERO, true, B256::ZERO)
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidTaskParameter(InvalidTaskParameter { parameter }) if parameter == parameter::RANDOMNESS
    ));
    let hidden = registry
        .sender(alice)
        .create_task(ROOT, 45, 4, 3, 7, 16, 2, provider, true, B256::ZERO)
        .motsu_unwrap();
    assert!(registry.sender(alice).task(hidden).motsu_unwrap().10);
    assert_eq!(registry.sender(alice).task_count(), 2);

    let p = Address::ZERO;
    let non_field_root = B256::repeat_byte(0xff);
    for (args, code) in [
        ((B256::ZERO, 45, 4, 3, 7, 16, 2), parameter::ROOT),
        ((non_field_root, 45, 4, 3, 7, 16, 2), parameter::ROOT),
        ((ROOT, 0, 4, 3, 7, 1, 2), parameter::DATASET_SIZE),
        ((ROOT, 45, 0, 3, 7, 16, 2), parameter::FEATURE_COUNT),
        ((ROOT, 45, 257, 3, 7, 16, 2), parameter::FEATURE_COUNT),
        ((ROOT, 45, 4, 1, 7, 16, 2), parameter::CLASS_COUNT),
        ((ROOT, 45, 4, 257, 7, 16, 2), parameter::CLASS_COUNT),
        ((ROOT, 45, 4, 3, 65, 16, 2), parameter::SCALE),
        ((ROOT, 45, 4, 3, 7, 0, 2), parameter::SAMPLES),
        ((ROOT, 45, 4, 3, 7, 46, 2), parameter::SAMPLES),
        ((ROOT, 5000, 4, 3, 7, 1025, 2), parameter::SAMPLES),
        ((ROOT, 45, 4, 3, 7, 16, 0), parameter::DRAW_DELAY),
        (
            (ROOT, 45, 4, 3, 7, 16, MAX_DRAW_DELAY + 1),
            parameter::DRAW_DELAY,
        ),
    ] {
        let (root, size, features, classes, scale, samples, delay) = args;
        let err = registry
            .sender(alice)
            .create_task(
                root,
                size,
                features,
                classes,
                scale,
                samples,
                delay,
                p,
                false,
                B256::ZERO,
            )
            .motsu_unwrap_err();
        assert!(
            matches!(err, Error::InvalidTaskParameter(InvalidTaskParameter { parameter }) if parameter == code),
            "{args:?}"
        );
    }
    // Edge values that are allowed: one row, one sample, all rows sampled.
    registry
        .sender(alice)
        .create_task(ROOT, 1, 1, 2, 0, 1, 1, p, false, B256::ZERO)
        .motsu_unwrap();
    registry
        .sender(alice)
        .create_task(
            ROOT,
            45,
            256,
            256,
            64,
            45,
            MAX_DRAW_DELAY,
            p,
            false,
            B256::ZERO,
        )
        .motsu_unwrap();
    assert_eq!(registry.sender(alice).task_count(), 4);

    registry.sender(owner).pause().motsu_unwrap();
    let err = registry
        .sender(alice)
        .create_task(ROOT, 45, 4, 3, 7, 16, 2, p, false, B256::ZERO)
        .motsu_unwrap_err();
    assert!(matches!(err, Error::EnforcedPause(_)));
}

#[motsu::test]
fn creator_or_owner_closes_a_task_once(
    registry: Contract<ModelRegistry>,
    router: Contract<MockRouter>,
    owner: Address,
    alice: Address,
    mallory: Address,
) {
    setup(&registry, &router, owner);
    registry
        .sender(alice)
        .create_task(ROOT, 45, 4, 3, 7, 16, 2, Address::ZERO, false, B256::ZERO)
        .motsu_unwrap();
    registry
        .sender(alice)
        .create_task(ROOT, 45, 4, 3, 7, 16, 2, Address::ZERO, false, B256::ZERO)
        .motsu_unwrap();

    let err = registry.sender(mallory).close_task(1).motsu_unwrap_err();
    assert!(matches!(err, Error::NotTaskAdmin(NotTaskAdmin { account }) if account == mallory));
    assert!(!registry.sender(alice).task(1).motsu_unwrap().9);
    registry.sender(alice).close_task(1).motsu_unwrap();
    registry.assert_emitted(&TaskClosed { task_id: 1 });
    assert!(registry.sender(alice).task(1).motsu_unwrap().9);
    let err = registry.sender(owner).close_task(1).motsu_unwrap_err();
    assert!(matches!(
        err,
        Error::TaskIsClosed(TaskIsClosed { task_id: 1 })
    ));
    registry.sender(owner).close_task(2).motsu_unwrap();
    assert!(matches!(
        registry.sender(owner).close_task(3).motsu_unwrap_err(),
        Error::UnknownTask(UnknownTask { task_id: 3 })
    ));
    assert!(matches!(
        registry.sender(owner).task(3).motsu_unwrap_err(),
        Error::UnknownTask(_)
    ));
}

#[motsu::test]
fn the_router_must_be_a_contract(
    registry: Contract<ModelRegistry>,
    owner: Address,
    alice: Address,
) {
    assert!(matches!(
        registry
            .sender(owner)
            .constructor(owner, alice)
            .motsu_unwrap_err(),
        Error::InvalidRouter(InvalidRouter { router }) if router == alice
    ));
}

/// `submissionContext` answers the pause switch, the task and the version
/// at the words the protocol crate names (the controller's one read), zeros
/// for unknown ids.
#[motsu::test]
fn the_submission_context_is_pause_task_and_version_in_one_answer(
    registry: Contract<ModelRegistry>,
    router: Contract<MockRouter>,
    owner: Address,
    alice: Address,
) {
    use alloy_primitives::U256;
    use alloy_sol_types::SolValue;
    use zkmltrack_common::{
        protocol::registry::{context, task, version},
        word,
    };
    setup(&registry, &router, owner);
    let task_id = registry
        .sender(alice)
        .create_task(ROOT, 45, 4, 3, 7, 16, 2, Address::ZERO, false, B256::ZERO)
        .motsu_unwrap();
    registry
        .sender(alice)
        .create_lineage("m".into())
        .motsu_unwrap();
    let version_id = registry
        .sender(alice)
        .register_version(1, ONNX, WEIGHTS, 1, String::new())
        .motsu_unwrap();
    let answer = |t: u64, v: u64| {
        registry
            .sender(alice)
            .submission_context(t, v)
            .abi_encode_params()
    };
    let out = answer(task_id, version_id);
    assert_eq!(out.len(), 32 * context::WORDS);
    assert!(word(&out, context::PAUSED).is_zero());
    assert_eq!(
        &out[32 * context::TASK..32 * context::VERSION],
        &registry
            .sender(alice)
            .task(task_id)
            .motsu_unwrap()
            .abi_encode_params()[..]
    );
    assert_eq!(
        &out[32 * context::VERSION..],
        &registry
            .sender(alice)
            .version(version_id)
            .motsu_unwrap()
            .abi_encode_params()[..]
    );
    assert_eq!(
        word(&out, context::TASK + task::ROOT),
        U256::from_be_bytes(ROOT.0)
    );
    assert_eq!(
        word(&out, context::VERSION + version::WEIGHT_HASH),
        U256::from_be_bytes(WEIGHTS.0)
    );
    // Unknown ids: zero words (no owner, no submitter).
    let out = answer(9, 9);
    assert_eq!(out.len(), 32 * context::WORDS);
    assert!(out.iter().all(|&b| b == 0));
    // Paused: the first word says so.
    registry.sender(owner).pause().motsu_unwrap();
    assert_eq!(
        word(&answer(task_id, version_id), context::PAUSED),
        U256::from(1u8)
    );
}

/// The answers' tuples put each field at the word the protocol crate names,
/// which the TaskController, the Leaderboard and the SDK decode by.
#[test]
fn answers_are_laid_out_as_the_protocol_says() {
    use alloy_primitives::U256;
    use alloy_sol_types::SolValue;
    use zkmltrack_common::{
        protocol::registry::{task, version},
        word,
    };

    let creator = Address::repeat_byte(0xc1);
    let randomness = Address::repeat_byte(0xd2);
    let info: TaskInfo = (
        creator,
        B256::repeat_byte(0x33),
        50,
        4,
        3,
        7,
        8,
        9,
        randomness,
        true,
        true,
    );
    let out = info.abi_encode_params();
    assert_eq!(out.len(), 32 * task::WORDS);
    assert_eq!(
        word(&out, task::OWNER),
        U256::from_be_slice(creator.into_word().as_slice())
    );
    assert_eq!(word(&out, task::ROOT), U256::from_be_bytes([0x33; 32]));
    for (index, value) in [
        (task::SIZE, 50u64),
        (task::FEATURES, 4),
        (task::CLASSES, 3),
        (task::SCALE, 7),
        (task::SAMPLES, 8),
        (task::DRAW_DELAY, 9),
        (task::CLOSED, 1),
        (task::HIDDEN, 1),
    ] {
        assert_eq!(word(&out, index), U256::from(value), "task word {index}");
    }
    assert_eq!(
        word(&out, task::RANDOMNESS),
        U256::from_be_slice(randomness.into_word().as_slice())
    );

    let submitter = Address::repeat_byte(0xe3);
    let info: VersionInfo = (5, 2, submitter, ONNX, WEIGHTS, DIGEST, 6, 77, true);
    let out = info.abi_encode_params();
    assert_eq!(out.len(), 32 * version::WORDS);
    for (index, value) in [
        (version::LINEAGE, 5u64),
        (version::NUMBER, 2),
        (version::ROUTE, 6),
        (version::REGISTERED_AT, 77),
        (version::REVOKED, 1),
    ] {
        assert_eq!(word(&out, index), U256::from(value), "version word {index}");
    }
    assert_eq!(
        word(&out, version::SUBMITTER),
        U256::from_be_slice(submitter.into_word().as_slice())
    );
    assert_eq!(word(&out, version::ONNX_HASH), U256::from_be_bytes(ONNX.0));
    assert_eq!(
        word(&out, version::WEIGHT_HASH),
        U256::from_be_bytes(WEIGHTS.0)
    );
    assert_eq!(
        word(&out, version::VK_DIGEST),
        U256::from_be_bytes(DIGEST.0)
    );
}

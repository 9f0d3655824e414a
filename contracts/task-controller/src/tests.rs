//! Unit tests (motsu) of the TaskController wired to the real ModelRegistry,
//! VerifierRouter, DatasetVerifier and Leaderboard. Only the EZKL verifier (accepts the
//! proof `0x01`), ArbSys (settable block number) and a randomness provider are
//! mocks. The dataset is the 8-row tree of `common/vectors.json`.

use alloy_primitives::{keccak256, Address, B256, U256};
use motsu::prelude::*;
use stylus_sdk::{prelude::*, storage::StorageU256};
use zkmltrack_bond_vault::BondVault;
use zkmltrack_common::felt;
use zkmltrack_dataset_verifier::DatasetVerifier;
use zkmltrack_leaderboard::{Leaderboard, Row, LEADERBOARD_SIZE};
use zkmltrack_registry::ModelRegistry;
use zkmltrack_test_mocks::{vector_row, MockArbSys, VectorTree};
use zkmltrack_verifier_router::VerifierRouter;

use zkmltrack_test_mocks::{mock_proof, trusted_srs, vka, vka_digest, MockVerifier};

use super::*;

#[test]
fn raw_call_selectors_match_their_signatures() {
    for (selector, signature) in [
        (registry::VERSION, "version(uint64)"),
        (registry::TASK, "task(uint64)"),
        (registry::PAUSED, "paused()"),
        (ARB_BLOCK_NUMBER, "arbBlockNumber()"),
        (ARB_BLOCK_HASH, "arbBlockHash(uint256)"),
        (
            zkmltrack_common::protocol::bond::EVALUATION,
            "evaluation(uint64)",
        ),
    ] {
        assert_eq!(selector, keccak256(signature)[..4], "{signature}");
    }
}

/// Randomness provider that refuses every request.
#[storage]
struct RefusingProvider {}

unsafe impl TopLevelStorage for RefusingProvider {}

#[public]
impl RefusingProvider {
    fn request_randomness(&mut self, _evaluation_id: u64) -> Result<(), Vec<u8>> {
        Err(b"no".to_vec())
    }
}

/// Randomness provider stand-in: remembers the last request.
#[storage]
struct MockProvider {
    last_request: StorageU256,
}

unsafe impl TopLevelStorage for MockProvider {}

#[public]
impl MockProvider {
    fn request_randomness(&mut self, evaluation_id: u64) {
        self.last_request.set(U256::from(evaluation_id));
    }

    fn last_request(&self) -> U256 {
        self.last_request.get()
    }
}

const FEATURES: u32 = 2;
const CLASSES: u32 = 3;
const SAMPLES: u32 = 4;
const DELAY: u32 = 2;
const ONNX: B256 = B256::repeat_byte(0x11);

/// Weight commitment `k` (a field element); version 1 of the suite holds
/// `weights(0)`.
fn weights(k: u64) -> B256 {
    B256::from(U256::from(0x5eed_0000 + k))
}

fn root() -> B256 {
    VectorTree::load().root
}

/// The multi-proof of rows `indices` of the vector tree; none for no rows or
/// a row twice (submissions the controller refuses first).
fn merkle_proof(indices: &[u64]) -> Vec<B256> {
    VectorTree::load().multiproof(indices).unwrap_or_default()
}

/// Model outputs whose argmax is `class` (negative elsewhere, as EZKL encodes them).
fn outputs(class: u32) -> Vec<U256> {
    (0..CLASSES)
        .map(|c| felt::from_i128(if c == class { 5 } else { -2 }))
        .collect()
}

/// Arguments of `submit_samples` for rows at `indices`, predicting correctly
/// except at positions listed in `wrong`, proved by the weights of version 1.
fn submission(indices: &[u64], wrong: &[usize]) -> (Vec<u32>, Vec<B256>, Vec<U256>) {
    submission_of(weights(0), indices, wrong)
}

/// [`submission`] proved by the weights `weight_hash`: the instances are the
/// weight hash, the inputs, the outputs.
fn submission_of(
    weight_hash: B256,
    indices: &[u64],
    wrong: &[usize],
) -> (Vec<u32>, Vec<B256>, Vec<U256>) {
    let (mut labels, mut inputs, mut outs) = (vec![], vec![], vec![]);
    let proofs = merkle_proof(indices);
    for (j, &index) in indices.iter().enumerate() {
        let (features, label) = vector_row(index);
        labels.push(label);
        inputs.extend(features);
        let predicted = if wrong.contains(&j) {
            (label + 1) % CLASSES
        } else {
            label
        };
        outs.extend(outputs(predicted));
    }
    let mut instances = vec![U256::from_be_bytes(weight_hash.0)];
    instances.extend(inputs);
    instances.extend(outs);
    (labels, proofs, instances)
}

/// The sample indices an evaluation draws, recomputed independently.
fn drawn_indices(seed: U256, size: u64) -> Vec<u64> {
    let mut picked = Vec::new();
    for slot in 0..SAMPLES {
        for attempt in 0u32.. {
            let mut buf = [0u8; 40];
            buf[..32].copy_from_slice(&seed.to_be_bytes::<32>());
            buf[32..36].copy_from_slice(&slot.to_be_bytes());
            buf[36..].copy_from_slice(&attempt.to_be_bytes());
            let candidate = (U256::from_be_bytes(keccak256(buf).0) % U256::from(size)).to::<u64>();
            if !picked.contains(&candidate) {
                picked.push(candidate);
                break;
            }
        }
    }
    picked
}

struct Suite {
    controller: Contract<TaskController>,
    board: Contract<Leaderboard>,
    registry: Contract<ModelRegistry>,
    router: Contract<VerifierRouter>,
    arbsys: Contract<MockArbSys>,
    vault: Contract<BondVault>,
    owner: Address,
    alice: Address,
}

impl Suite {
    /// Deploys and wires the suite, creates the task (beacon or `provider`
    /// randomness) and registers alice's model version 1 on route 1.
    #[allow(clippy::too_many_arguments)]
    fn new(
        controller: Contract<TaskController>,
        registry: Contract<ModelRegistry>,
        router: Contract<VerifierRouter>,
        dataset: &Contract<DatasetVerifier>,
        board: Contract<Leaderboard>,
        verifier: &Contract<MockVerifier>,
        provider: Address,
        owner: Address,
        alice: Address,
    ) -> Suite {
        let arbsys = Contract::<MockArbSys>::new_at(ARB_SYS);
        arbsys.sender(owner).set_block(U256::from(10));
        router.sender(owner).constructor(owner).motsu_unwrap();
        registry
            .sender(owner)
            .constructor(owner, router.address())
            .motsu_unwrap();
        board.sender(owner).constructor(registry.address());
        let vault = Contract::<BondVault>::new_at(VAULT);
        vault.sender(owner).constructor(registry.address());
        controller.sender(owner).constructor(
            registry.address(),
            router.address(),
            dataset.address(),
            board.address(),
            vault.address(),
        );
        let code_hash = router.sender(owner).vm().code_hash(verifier.address());
        router
            .sender(owner)
            .set_verifier_allowed(code_hash, true)
            .motsu_unwrap();
        router
            .sender(owner)
            .set_trusted_srs(trusted_srs())
            .motsu_unwrap();
        router
            .sender(alice)
            .add_reusable_route(
                verifier.address(),
                Address::ZERO,
                vka_digest(),
                B256::repeat_byte(0xaa),
                stylus_sdk::abi::Bytes::from(b"ipfs://architecture".to_vec()),
            )
            .motsu_unwrap();
        router.sender(owner).approve_route(1).motsu_unwrap();
        registry
            .sender(owner)
            .create_task(
                root(),
                8,
                FEATURES,
                CLASSES,
                7,
                SAMPLES,
                DELAY,
                provider,
                false,
                B256::ZERO,
            )
            .motsu_unwrap();
        registry
            .sender(alice)
            .create_lineage("iris".into())
            .motsu_unwrap();
        registry
            .sender(alice)
            .register_version(1, ONNX, weights(0), 1, String::new())
            .motsu_unwrap();
        Suite {
            controller,
            board,
            registry,
            router,
            arbsys,
            vault,
            owner,
            alice,
        }
    }

    fn set_block(&self, block: u64) {
        self.arbsys.sender(self.owner).set_block(U256::from(block));
    }

    /// The controller's board of `task` (kept by the Leaderboard).
    fn leaderboard(&self, task: u64) -> Vec<Row> {
        self.board
            .sender(self.owner)
            .leaderboard(self.controller.address(), task)
    }

    fn submit(
        &self,
        evaluation: u64,
        indices: &[u64],
        wrong: &[usize],
        proof: u8,
    ) -> Result<u32, Error> {
        let (labels, proofs, instances) = submission(indices, wrong);
        self.controller
            .sender(self.alice)
            .submit_samples(
                evaluation,
                labels,
                proofs,
                mock_proof(proof),
                instances,
                vka(),
            )
            .motsu_res()
            .map_err(decode)
    }

    /// Opens evaluation 1 at block 10 and draws it at block 13; returns its indices.
    fn open_and_draw(&self) -> Vec<u64> {
        assert_eq!(
            self.controller
                .sender(self.alice)
                .open_evaluation(1, 1)
                .motsu_unwrap(),
            1
        );
        self.set_block(10 + DELAY as u64 + 1);
        self.controller.sender(self.alice).draw(1).motsu_unwrap();
        let seed = self
            .controller
            .sender(self.alice)
            .evaluation(1)
            .motsu_unwrap()
            .5;
        drawn_indices(seed, 8)
    }
}

#[motsu::test]
fn evaluates_a_model_end_to_end_and_ranks_it(
    controller: Contract<TaskController>,
    registry: Contract<ModelRegistry>,
    router: Contract<VerifierRouter>,
    dataset: Contract<DatasetVerifier>,
    board: Contract<Leaderboard>,
    verifier: Contract<MockVerifier>,
    owner: Address,
    alice: Address,
) {
    let s = Suite::new(
        controller,
        registry,
        router,
        &dataset,
        board,
        &verifier,
        Address::ZERO,
        owner,
        alice,
    );
    assert_eq!(
        s.controller
            .sender(alice)
            .open_evaluation(1, 1)
            .motsu_unwrap(),
        1
    );
    s.controller.assert_emitted(&EvaluationOpened {
        evaluation_id: 1,
        task_id: 1,
        version_id: 1,
        participant: alice,
        commit_block: 10,
    });

    // The beacon block (10 + 2) must be mined before the draw.
    s.set_block(12);
    let err = s.controller.sender(owner).draw(1).motsu_unwrap_err();
    assert!(matches!(
        err,
        Error::DrawTooEarly(DrawTooEarly {
            evaluation_id: 1,
            beacon_block: 12
        })
    ));
    s.set_block(13);
    s.controller.sender(owner).draw(1).motsu_unwrap();
    let seed = {
        let mut buf = [0u8; 40];
        buf[..32].copy_from_slice(&keccak256(U256::from(12).to_be_bytes::<32>()).0);
        buf[32..].copy_from_slice(&1u64.to_be_bytes());
        U256::from_be_bytes(keccak256(buf).0)
    };
    s.controller.assert_emitted(&SamplesDrawn {
        evaluation_id: 1,
        seed,
    });
    let indices = drawn_indices(seed, 8);

    // One sample alone, then a batch of three with one wrong prediction.
    assert_eq!(s.submit(1, &indices[..1], &[], 1).unwrap(), 1);
    s.controller.assert_emitted(&SamplesSubmitted {
        evaluation_id: 1,
        first_slot: 0,
        count: 1,
        correct: 1,
    });
    assert_eq!(s.submit(1, &indices[1..], &[1], 1).unwrap(), 2);
    s.controller.assert_emitted(&EvaluationFinalized {
        evaluation_id: 1,
        task_id: 1,
        version_id: 1,
        correct: 3,
        samples: SAMPLES,
        accuracy_bps: 7500,
        rank: 1,
    });
    let (task, version, participant, status, commit, _, scored, correct) =
        s.controller.sender(alice).evaluation(1).motsu_unwrap();
    assert_eq!(
        (task, version, participant, status, commit, scored, correct),
        (1, 1, alice, STATUS_FINALIZED, 10, 4, 3)
    );
    assert_eq!(s.leaderboard(1), vec![(1, 1, 7500)]);
    assert_eq!(s.controller.sender(alice).evaluation_of(1, weights(0)), 1);

    // Finalized: nothing more is accepted, and the model cannot be evaluated again.
    let err = s.submit(1, &indices[..1], &[], 1).unwrap_err();
    assert!(matches!(
        err,
        Error::WrongEvaluationStatus(WrongEvaluationStatus {
            evaluation_id: 1,
            status: STATUS_FINALIZED
        })
    ));
    let err = s
        .controller
        .sender(alice)
        .open_evaluation(1, 1)
        .motsu_unwrap_err()
        .decoded();
    assert!(matches!(
        err,
        Error::AlreadyEvaluated(AlreadyEvaluated {
            task_id: 1,
            evaluation_id: 1,
            ..
        })
    ));
}

#[motsu::test]
fn rejects_bad_submissions_without_changing_state(
    controller: Contract<TaskController>,
    registry: Contract<ModelRegistry>,
    router: Contract<VerifierRouter>,
    dataset: Contract<DatasetVerifier>,
    board: Contract<Leaderboard>,
    verifier: Contract<MockVerifier>,
    owner: Address,
    alice: Address,
    mallory: Address,
) {
    let s = Suite::new(
        controller,
        registry,
        router,
        &dataset,
        board,
        &verifier,
        Address::ZERO,
        owner,
        alice,
    );
    let indices = s.open_and_draw();
    let before = s.controller.sender(alice).evaluation(1).motsu_unwrap();

    // Tampered proof.
    assert!(matches!(
        s.submit(1, &indices[..1], &[], 2).unwrap_err(),
        Error::ProofRejected(ProofRejected { evaluation_id: 1 })
    ));
    // A valid row, but not the drawn one (out of order / foreign index).
    let other = (0..8).find(|i| *i != indices[0]).unwrap();
    let err = s.submit(1, &[other], &[], 1).unwrap_err();
    assert!(
        matches!(err, Error::InvalidMerkleProof(InvalidMerkleProof { dataset_index }) if dataset_index == indices[0])
    );
    // Inputs that are not the leaf's features.
    let (labels, proofs, mut instances) = submission(&indices[..1], &[]);
    instances[1] += U256::from(1u8);
    let err = decode(
        s.controller
            .sender(alice)
            .submit_samples(
                1,
                labels.clone(),
                proofs.clone(),
                mock_proof(1),
                instances,
                vka(),
            )
            .motsu_unwrap_err(),
    );
    assert!(matches!(err, Error::InvalidMerkleProof(_)));
    // Wrong instance count, bad label, too many samples, wrong sender.
    let (_, _, instances) = submission(&indices[..1], &[]);
    let err = decode(
        s.controller
            .sender(alice)
            .submit_samples(
                1,
                labels.clone(),
                proofs.clone(),
                mock_proof(1),
                instances[..4].to_vec(),
                vka(),
            )
            .motsu_unwrap_err(),
    );
    assert!(matches!(
        err,
        Error::InstanceCountMismatch(InstanceCountMismatch {
            expected: 6,
            actual: 4
        })
    ));
    // A valid proof of other weights (on the version's route) scores nothing.
    let (labels_of, proofs_of, instances_of) = submission_of(weights(9), &indices[..1], &[]);
    let err = decode(
        s.controller
            .sender(alice)
            .submit_samples(1, labels_of, proofs_of, mock_proof(1), instances_of, vka())
            .motsu_unwrap_err(),
    );
    assert!(matches!(
        err,
        Error::WeightHashMismatch(WeightHashMismatch { version_id: 1, expected, actual })
            if expected == weights(0) && actual == weights(9)
    ));
    let err = decode(
        s.controller
            .sender(alice)
            .submit_samples(
                1,
                vec![CLASSES],
                proofs.clone(),
                mock_proof(1),
                instances.clone(),
                vka(),
            )
            .motsu_unwrap_err(),
    );
    assert!(matches!(
        err,
        Error::InvalidLabel(InvalidLabel { label: CLASSES })
    ));
    let five = [indices.clone(), vec![indices[0]]].concat();
    assert!(matches!(
        s.submit(1, &five, &[], 1).unwrap_err(),
        Error::BadSampleCount(BadSampleCount {
            remaining: SAMPLES,
            ..
        })
    ));
    let err = decode(
        s.controller
            .sender(mallory)
            .submit_samples(1, labels, proofs, mock_proof(1), instances, vka())
            .motsu_unwrap_err(),
    );
    assert!(
        matches!(err, Error::NotAuthorized(NotAuthorized { account, expected }) if account == mallory && expected == alice)
    );

    // An input that is not a field element.
    let (labels, proofs, mut instances) = submission(&indices[..1], &[]);
    instances[2] = U256::MAX;
    let err = decode(
        s.controller
            .sender(alice)
            .submit_samples(1, labels, proofs, mock_proof(1), instances, vka())
            .motsu_unwrap_err(),
    );
    assert!(matches!(
        err,
        Error::InstanceNotAFieldElement(InstanceNotAFieldElement { position: 2 })
    ));
    for id in [0, 2, u64::MAX] {
        assert!(matches!(
            s.submit(id, &indices[..1], &[], 1).unwrap_err(),
            Error::UnknownEvaluation(UnknownEvaluation { evaluation_id }) if evaluation_id == id
        ));
    }
    // An empty submission.
    assert!(matches!(
        s.submit(1, &[], &[], 1).unwrap_err(),
        Error::BadSampleCount(BadSampleCount {
            evaluation_id: 1,
            remaining: SAMPLES
        })
    ));
    // A disabled route: the router's own error comes back as it is (F10).
    s.router
        .sender(owner)
        .set_route_active(1, false)
        .motsu_unwrap();
    let (labels, proofs, instances) = submission(&indices[..1], &[]);
    let err = s
        .controller
        .sender(alice)
        .submit_samples(1, labels, proofs, mock_proof(1), instances, vka())
        .motsu_unwrap_err();
    assert_eq!(
        err,
        Vec::<u8>::from(zkmltrack_verifier_router::Error::RouteDisabled(
            zkmltrack_verifier_router::RouteDisabled { route_id: 1 }
        ))
    );
    // Hashes left over after the drawn row's path.
    let (labels, mut proofs, instances) = submission(&indices[..1], &[]);
    proofs.push(B256::ZERO);
    let hashes = proofs.len() as u32;
    let err = decode(
        s.controller
            .sender(alice)
            .submit_samples(1, labels, proofs, mock_proof(1), instances, vka())
            .motsu_unwrap_err(),
    );
    assert!(matches!(
        err,
        Error::MalformedMerkleProofs(MalformedMerkleProofs { hashes: h }) if h == hashes
    ));
    s.router
        .sender(owner)
        .set_route_active(1, true)
        .motsu_unwrap();

    assert_eq!(
        s.controller.sender(alice).evaluation(1).motsu_unwrap(),
        before
    );
    assert_eq!(s.leaderboard(1), vec![]);
    // The drawn indices did not move: a valid submission still goes through.
    assert_eq!(s.submit(1, &indices[..2], &[], 1).unwrap(), 2);
}

#[motsu::test]
fn revocation_pause_and_closing_stop_evaluations(
    controller: Contract<TaskController>,
    registry: Contract<ModelRegistry>,
    router: Contract<VerifierRouter>,
    dataset: Contract<DatasetVerifier>,
    board: Contract<Leaderboard>,
    verifier: Contract<MockVerifier>,
    owner: Address,
    alice: Address,
    mallory: Address,
) {
    let s = Suite::new(
        controller,
        registry,
        router,
        &dataset,
        board,
        &verifier,
        Address::ZERO,
        owner,
        alice,
    );
    // Only the version's submitter may open an evaluation.
    let err = s
        .controller
        .sender(mallory)
        .open_evaluation(1, 1)
        .motsu_unwrap_err()
        .decoded();
    assert!(
        matches!(err, Error::NotAuthorized(NotAuthorized { expected, .. }) if expected == alice)
    );
    assert!(matches!(
        s.controller
            .sender(alice)
            .open_evaluation(9, 1)
            .motsu_unwrap_err()
            .decoded(),
        Error::UnknownTask(UnknownTask { task_id: 9 })
    ));
    assert!(matches!(
        s.controller
            .sender(alice)
            .open_evaluation(1, 9)
            .motsu_unwrap_err()
            .decoded(),
        Error::VersionUnavailable(VersionUnavailable { version_id: 9 })
    ));

    // A paused suite opens nothing.
    s.registry.sender(owner).pause().motsu_unwrap();
    assert!(matches!(
        s.controller
            .sender(alice)
            .open_evaluation(1, 1)
            .motsu_unwrap_err()
            .decoded(),
        Error::EnforcedPause(_)
    ));
    s.registry.sender(owner).unpause().motsu_unwrap();

    let indices = s.open_and_draw();
    // Pausing the registry pauses the suite.
    s.registry.sender(owner).pause().motsu_unwrap();
    assert!(matches!(
        s.submit(1, &indices[..1], &[], 1).unwrap_err(),
        Error::EnforcedPause(_)
    ));
    s.registry.sender(owner).unpause().motsu_unwrap();
    // A revoked version cannot finish its evaluation.
    s.registry.sender(alice).revoke_version(1).motsu_unwrap();
    assert!(matches!(
        s.submit(1, &indices[..1], &[], 1).unwrap_err(),
        Error::VersionIsRevoked(VersionIsRevoked { version_id: 1 })
    ));

    // A closed task takes no new evaluations.
    s.registry
        .sender(alice)
        .register_version(1, ONNX, weights(2), 1, String::new())
        .motsu_unwrap();
    // A revoked version opens nothing.
    s.registry.sender(alice).revoke_version(2).motsu_unwrap();
    assert!(matches!(
        s.controller
            .sender(alice)
            .open_evaluation(1, 2)
            .motsu_unwrap_err()
            .decoded(),
        Error::VersionIsRevoked(VersionIsRevoked { version_id: 2 })
    ));
    s.registry.sender(owner).close_task(1).motsu_unwrap();
    let err = s
        .controller
        .sender(alice)
        .open_evaluation(1, 2)
        .motsu_unwrap_err()
        .decoded();
    assert!(matches!(
        err,
        Error::TaskIsClosed(TaskIsClosed { task_id: 1 })
    ));
}

#[motsu::test]
fn beacon_expires_after_the_hash_window_without_retry(
    controller: Contract<TaskController>,
    registry: Contract<ModelRegistry>,
    router: Contract<VerifierRouter>,
    dataset: Contract<DatasetVerifier>,
    board: Contract<Leaderboard>,
    verifier: Contract<MockVerifier>,
    owner: Address,
    alice: Address,
) {
    let s = Suite::new(
        controller,
        registry,
        router,
        &dataset,
        board,
        &verifier,
        Address::ZERO,
        owner,
        alice,
    );
    s.controller
        .sender(alice)
        .open_evaluation(1, 1)
        .motsu_unwrap();
    // Nothing can be submitted before the draw ...
    let rows = [0u64];
    assert!(matches!(
        s.submit(1, &rows, &[], 1).unwrap_err(),
        Error::WrongEvaluationStatus(WrongEvaluationStatus {
            evaluation_id: 1,
            status: STATUS_COMMITTED
        })
    ));
    s.set_block(10 + DELAY as u64 + BLOCK_HASH_WINDOW + 1);
    s.controller.sender(owner).draw(1).motsu_unwrap();
    // ... nor after the expiry.
    assert!(matches!(
        s.submit(1, &rows, &[], 1).unwrap_err(),
        Error::WrongEvaluationStatus(WrongEvaluationStatus {
            evaluation_id: 1,
            status: STATUS_EXPIRED
        })
    ));
    s.controller
        .assert_emitted(&EvaluationExpired { evaluation_id: 1 });
    assert_eq!(
        s.controller.sender(alice).evaluation(1).motsu_unwrap().3,
        STATUS_EXPIRED
    );
    let err = s.controller.sender(owner).draw(1).motsu_unwrap_err();
    assert!(matches!(
        err,
        Error::WrongEvaluationStatus(WrongEvaluationStatus {
            status: STATUS_EXPIRED,
            ..
        })
    ));
    // Abandoning does not buy a new draw for the same model.
    assert!(matches!(
        s.controller
            .sender(alice)
            .open_evaluation(1, 1)
            .motsu_unwrap_err()
            .decoded(),
        Error::AlreadyEvaluated(_)
    ));
}

#[motsu::test]
fn a_randomness_provider_draws_instead_of_the_beacon(
    controller: Contract<TaskController>,
    registry: Contract<ModelRegistry>,
    router: Contract<VerifierRouter>,
    dataset: Contract<DatasetVerifier>,
    board: Contract<Leaderboard>,
    verifier: Contract<MockVerifier>,
    provider: Contract<MockProvider>,
    owner: Address,
    alice: Address,
) {
    let s = Suite::new(
        controller,
        registry,
        router,
        &dataset,
        board,
        &verifier,
        provider.address(),
        owner,
        alice,
    );
    s.controller
        .sender(alice)
        .open_evaluation(1, 1)
        .motsu_unwrap();
    assert_eq!(provider.sender(alice).last_request(), U256::from(1));

    // Nobody else may fulfil, and the beacon path is closed.
    s.set_block(20);
    let err = s.controller.sender(alice).draw(1).motsu_unwrap_err();
    assert!(
        matches!(err, Error::NotAuthorized(NotAuthorized { expected, .. }) if expected == provider.address())
    );
    let err = s
        .controller
        .sender(alice)
        .fulfill_randomness(1, U256::from(42))
        .motsu_unwrap_err();
    assert!(matches!(err, Error::NotAuthorized(NotAuthorized { account, .. }) if account == alice));

    s.controller
        .sender(provider.address())
        .fulfill_randomness(1, U256::from(42))
        .motsu_unwrap();
    let seed = s.controller.sender(alice).evaluation(1).motsu_unwrap().5;
    let mut buf = [0u8; 40];
    buf[..32].copy_from_slice(&U256::from(42).to_be_bytes::<32>());
    buf[32..].copy_from_slice(&1u64.to_be_bytes());
    assert_eq!(seed, U256::from_be_bytes(keccak256(buf).0));
    let err = s
        .controller
        .sender(provider.address())
        .fulfill_randomness(1, U256::from(7))
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        Error::WrongEvaluationStatus(WrongEvaluationStatus {
            status: STATUS_DRAWN,
            ..
        })
    ));

    let indices = drawn_indices(seed, 8);
    assert_eq!(s.submit(1, &indices, &[], 1).unwrap(), SAMPLES);
    assert_eq!(s.leaderboard(1), vec![(1, 1, 10_000)]);
}

#[motsu::test]
fn leaderboard_keeps_the_best_ten_with_ties_in_finishing_order(
    controller: Contract<TaskController>,
    registry: Contract<ModelRegistry>,
    router: Contract<VerifierRouter>,
    dataset: Contract<DatasetVerifier>,
    board: Contract<Leaderboard>,
    verifier: Contract<MockVerifier>,
    owner: Address,
    alice: Address,
) {
    let s = Suite::new(
        controller,
        registry,
        router,
        &dataset,
        board,
        &verifier,
        Address::ZERO,
        owner,
        alice,
    );
    // Twelve models (distinct weights on the one architecture route); model k
    // gets k mod 5 wrong answers. Evaluates model k (a new version unless k
    // is 0) and returns its evaluation id and accuracy.
    let run = |k: u64| -> (u64, u32) {
        let version = if k == 0 {
            1
        } else {
            s.registry
                .sender(alice)
                .register_version(1, ONNX, weights(k), 1, String::new())
                .motsu_unwrap()
        };
        let block = 100 * (k + 1);
        s.set_block(block);
        let evaluation = s
            .controller
            .sender(alice)
            .open_evaluation(1, version)
            .motsu_unwrap();
        s.set_block(block + DELAY as u64 + 1);
        s.controller.sender(alice).draw(evaluation).motsu_unwrap();
        let seed = s
            .controller
            .sender(alice)
            .evaluation(evaluation)
            .motsu_unwrap()
            .5;
        let indices = drawn_indices(seed, 8);
        let wrong: Vec<usize> = (0..(k % 5) as usize).collect();
        let (labels, proofs, instances) = submission_of(weights(k), &indices, &wrong);
        s.controller
            .sender(alice)
            .submit_samples(evaluation, labels, proofs, mock_proof(1), instances, vka())
            .motsu_unwrap();
        let accuracy = (SAMPLES - (k % 5) as u32) * 10_000 / SAMPLES;
        (evaluation, accuracy)
    };
    let mut expected: Vec<(u64, u32)> = (0..12u64).map(run).collect();
    // Best first; equal accuracies keep the earlier evaluation ahead; ten kept.
    expected.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    expected.truncate(LEADERBOARD_SIZE);
    // Evaluation k evaluates version k here.
    let board = s.leaderboard(1);
    assert_eq!(
        board,
        expected.iter().map(|&(e, a)| (e, e, a)).collect::<Vec<_>>()
    );
    // The twelfth model (4 wrong, 0%) did not make the board.
    s.controller.assert_emitted(&EvaluationFinalized {
        evaluation_id: 12,
        task_id: 1,
        version_id: 12,
        correct: 3,
        samples: SAMPLES,
        accuracy_bps: 7500,
        rank: 6,
    });
    assert!(
        !board.iter().any(|row| row.0 == 10),
        "a 0% evaluation falls off a full board"
    );

    // A revoked version leaves the board at once, and its slot frees up:
    // another 0% evaluation now makes the tenth place.
    let (best, _) = expected.remove(0);
    s.registry.sender(alice).revoke_version(best).motsu_unwrap();
    assert_eq!(
        s.leaderboard(1),
        expected.iter().map(|&(e, a)| (e, e, a)).collect::<Vec<_>>()
    );
    let (last, accuracy) = run(14);
    assert_eq!(accuracy, 0);
    s.controller.assert_emitted(&EvaluationFinalized {
        evaluation_id: last,
        task_id: 1,
        version_id: last,
        correct: 0,
        samples: SAMPLES,
        accuracy_bps: 0,
        rank: 10,
    });
    expected.push((last, 0));
    assert_eq!(
        s.leaderboard(1),
        expected.iter().map(|&(e, a)| (e, e, a)).collect::<Vec<_>>()
    );
}

#[motsu::test]
fn a_refusing_provider_reverts_the_opening(
    controller: Contract<TaskController>,
    registry: Contract<ModelRegistry>,
    router: Contract<VerifierRouter>,
    dataset: Contract<DatasetVerifier>,
    board: Contract<Leaderboard>,
    verifier: Contract<MockVerifier>,
    provider: Contract<RefusingProvider>,
    owner: Address,
    alice: Address,
) {
    let s = Suite::new(
        controller,
        registry,
        router,
        &dataset,
        board,
        &verifier,
        provider.address(),
        owner,
        alice,
    );
    let err = s
        .controller
        .sender(alice)
        .open_evaluation(1, 1)
        .motsu_unwrap_err()
        .decoded();
    assert!(
        matches!(err, Error::RandomnessRequestFailed(RandomnessRequestFailed { provider: p }) if p == provider.address())
    );
    assert_eq!(s.controller.sender(alice).evaluation_count(), 0);
    assert_eq!(s.controller.sender(alice).evaluation_of(1, weights(0)), 0);
}

/// The controller error that revert data encodes (the tests compare typed
/// errors; `submit_samples` returns raw revert data to pass the router's on).
/// Where the tests' BondVault lives.
const VAULT: Address = Address::new([0xb0; 20]);

/// A revert's data as the controller's [`Error`].
trait Decoded {
    fn decoded(self) -> Error;
}

impl Decoded for Vec<u8> {
    fn decoded(self) -> Error {
        decode(self)
    }
}

fn decode(data: Vec<u8>) -> Error {
    use alloy_sol_types::SolError;
    macro_rules! first_match {
        ($($variant:ident),*) => {
            $(
                if let Ok(e) = <$variant as SolError>::abi_decode(&data, true) {
                    return Error::$variant(e);
                }
            )*
        };
    }
    first_match!(
        UnknownTask,
        TaskIsClosed,
        UnknownEvaluation,
        VersionUnavailable,
        VersionIsRevoked,
        NotAuthorized,
        AlreadyEvaluated,
        WrongEvaluationStatus,
        DrawTooEarly,
        RandomnessRequestFailed,
        BadSampleCount,
        InstanceCountMismatch,
        InstanceNotAFieldElement,
        InvalidLabel,
        InvalidMerkleProof,
        MalformedMerkleProofs,
        VerificationUnavailable,
        ProofRejected,
        WeightHashMismatch,
        EnforcedPause
    );
    panic!("not a TaskController error: {data:?}")
}

#[motsu::test]
fn a_provider_that_never_fulfils_frees_the_lock_after_its_timeout(
    controller: Contract<TaskController>,
    registry: Contract<ModelRegistry>,
    router: Contract<VerifierRouter>,
    dataset: Contract<DatasetVerifier>,
    board: Contract<Leaderboard>,
    verifier: Contract<MockVerifier>,
    provider: Contract<MockProvider>,
    owner: Address,
    alice: Address,
    mallory: Address,
) {
    let s = Suite::new(
        controller,
        registry,
        router,
        &dataset,
        board,
        &verifier,
        provider.address(),
        owner,
        alice,
    );
    s.controller
        .sender(alice)
        .open_evaluation(1, 1)
        .motsu_unwrap();
    // Until the timeout only the provider acts; the lock holds.
    s.set_block(10 + PROVIDER_TIMEOUT_BLOCKS);
    let err = s.controller.sender(mallory).draw(1).motsu_unwrap_err();
    assert!(
        matches!(err, Error::NotAuthorized(NotAuthorized { expected, .. }) if expected == provider.address())
    );
    assert!(matches!(
        s.controller
            .sender(alice)
            .open_evaluation(1, 1)
            .motsu_unwrap_err()
            .decoded(),
        Error::AlreadyEvaluated(AlreadyEvaluated {
            evaluation_id: 1,
            ..
        })
    ));
    // After it anyone expires the evaluation, which frees the model's lock.
    s.set_block(11 + PROVIDER_TIMEOUT_BLOCKS);
    s.controller.sender(mallory).draw(1).motsu_unwrap();
    s.controller
        .assert_emitted(&EvaluationExpired { evaluation_id: 1 });
    assert_eq!(
        s.controller.sender(alice).evaluation(1).motsu_unwrap().3,
        STATUS_EXPIRED
    );
    assert_eq!(s.controller.sender(alice).evaluation_of(1, weights(0)), 0);
    // A late fulfilment changes nothing.
    assert!(matches!(
        s.controller
            .sender(provider.address())
            .fulfill_randomness(1, U256::from(42))
            .motsu_unwrap_err(),
        Error::WrongEvaluationStatus(WrongEvaluationStatus {
            evaluation_id: 1,
            status: STATUS_EXPIRED
        })
    ));
    // The participant opens anew, which asks the provider again.
    assert_eq!(
        s.controller
            .sender(alice)
            .open_evaluation(1, 1)
            .motsu_unwrap(),
        2
    );
    assert_eq!(provider.sender(alice).last_request(), U256::from(2));
    assert_eq!(s.controller.sender(alice).evaluation_of(1, weights(0)), 2);
}

#[motsu::test]
fn reads_that_cannot_be_made_fail_closed(
    controller: Contract<TaskController>,
    registry: Contract<ModelRegistry>,
    router: Contract<VerifierRouter>,
    dataset: Contract<DatasetVerifier>,
    board: Contract<Leaderboard>,
    verifier: Contract<MockVerifier>,
    unwired: Contract<TaskController>,
    owner: Address,
    alice: Address,
) {
    let s = Suite::new(
        controller,
        registry,
        router,
        &dataset,
        board,
        &verifier,
        Address::ZERO,
        owner,
        alice,
    );
    // ArbSys serving no hash for the beacon block: no seed, and no expiry.
    s.controller
        .sender(alice)
        .open_evaluation(1, 1)
        .motsu_unwrap();
    s.set_block(13);
    s.arbsys.sender(owner).set_fail_hashes(true);
    assert!(matches!(
        s.controller.sender(alice).draw(1).motsu_unwrap_err(),
        Error::DrawTooEarly(DrawTooEarly {
            evaluation_id: 1,
            beacon_block: 12
        })
    ));
    assert_eq!(
        s.controller.sender(alice).evaluation(1).motsu_unwrap().3,
        STATUS_COMMITTED
    );
    s.arbsys.sender(owner).set_fail_hashes(false);
    s.controller.sender(alice).draw(1).motsu_unwrap();

    // A "registry" that does not answer paused() (here the dataset verifier)
    // counts as paused.
    unwired.sender(owner).constructor(
        dataset.address(),
        s.router.address(),
        dataset.address(),
        s.board.address(),
        VAULT,
    );
    assert!(matches!(
        unwired
            .sender(alice)
            .open_evaluation(1, 1)
            .motsu_unwrap_err()
            .decoded(),
        Error::EnforcedPause(_)
    ));
}

// Balances are read through the VM's `AddressVM::balance`, which motsu serves.
#[allow(deprecated)]
#[motsu::test]
fn a_bonded_task_holds_the_bond_and_settles_it_by_the_evaluations_fate(
    controller: Contract<TaskController>,
    registry: Contract<ModelRegistry>,
    router: Contract<VerifierRouter>,
    dataset: Contract<DatasetVerifier>,
    board: Contract<Leaderboard>,
    verifier: Contract<MockVerifier>,
    owner: Address,
    alice: Address,
) {
    use alloy_sol_types::SolError;
    use zkmltrack_bond_vault as vault;
    let s = Suite::new(
        controller,
        registry,
        router,
        &dataset,
        board,
        &verifier,
        Address::ZERO,
        owner,
        alice,
    );
    let bond = U256::from(1_000u64);
    let window = 5u64;
    // Only the task owner sets the terms, once, and within range.
    assert!(matches!(
        s.vault
            .sender(alice)
            .set_terms(1, bond, window)
            .motsu_unwrap_err(),
        vault::Error::NotTaskOwner(_)
    ));
    assert!(matches!(
        s.vault
            .sender(owner)
            .set_terms(1, bond, 0)
            .motsu_unwrap_err(),
        vault::Error::InvalidTerms(_)
    ));
    s.vault
        .sender(owner)
        .set_terms(1, bond, window)
        .motsu_unwrap();
    assert!(matches!(
        s.vault
            .sender(owner)
            .set_terms(1, bond, 9)
            .motsu_unwrap_err(),
        vault::Error::TermsAlreadySet(_)
    ));
    // Short, missing or excess bonds are refused; nothing is opened.
    alice.fund(U256::from(10_000u64));
    for sent in [0u64, 999, 1_001] {
        let err = s
            .controller
            .sender_and_value(alice, U256::from(sent))
            .open_evaluation(1, 1)
            .motsu_unwrap_err();
        let mismatch = vault::BondMismatch::abi_decode(&err, true).expect("BondMismatch");
        assert_eq!((mismatch.required, mismatch.sent), (bond, U256::from(sent)));
    }
    assert_eq!(s.controller.sender(alice).evaluation_count(), 0);

    // Held in the vault for the controller's evaluation 1; not due while it runs.
    assert_eq!(
        s.controller
            .sender_and_value(alice, bond)
            .open_evaluation(1, 1)
            .motsu_unwrap(),
        1
    );
    assert_eq!(s.vault.address().balance(), bond);
    let held = s.vault.sender(alice).bond(s.controller.address(), 1);
    assert_eq!(
        (held.0, held.1, held.2, held.3, held.4),
        (bond, alice, 1, window, false)
    );
    let deadline = 10 + DELAY as u64 + BLOCK_HASH_WINDOW + window;
    s.set_block(deadline);
    let err = s
        .vault
        .sender(owner)
        .settle(s.controller.address(), 1)
        .motsu_unwrap_err();
    assert!(
        matches!(err, vault::Error::BondNotDue(vault::BondNotDue { evaluation_id: 1, deadline: d }) if d == deadline)
    );
    // Nothing is held for an evaluation another keeper never bonded. (Payouts
    // to accounts are checked on the devnet: motsu calls only contracts.)
    assert!(matches!(
        s.vault.sender(owner).settle(owner, 1).motsu_unwrap_err(),
        vault::Error::NoBond(_)
    ));
}

mod hidden;

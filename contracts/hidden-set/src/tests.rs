//! Unit tests (motsu) of the HiddenSet wired to the real ModelRegistry,
//! VerifierRouter, DatasetVerifier, Leaderboard, BondVault and TaskController.
//! Only the EZKL verifier and ArbSys are stand-ins. The hidden dataset is the
//! 8-row tree of `common/vectors.json`; an evaluation draws 4 rows, so the
//! task holds two evaluations.

use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_sol_types::SolError;
use motsu::prelude::*;
use zkmltrack_bond_vault::BondVault;
use zkmltrack_common::{felt, protocol::evaluation::PROVIDER_TIMEOUT_BLOCKS};
use zkmltrack_dataset_verifier::DatasetVerifier;
use zkmltrack_leaderboard::Leaderboard;
use zkmltrack_registry::ModelRegistry;
use zkmltrack_task_controller::TaskController;
use zkmltrack_test_mocks::{
    mock_proof, trusted_srs, vector_row, vka, vka_digest, MockArbSys, MockVerifier, VectorTree,
};
use zkmltrack_verifier_router::VerifierRouter;

use super::*;

const FEATURES: u32 = 2;
const CLASSES: u32 = 3;
const SAMPLES: u32 = 4;
const DELAY: u32 = 2;
const START: u64 = 10;
const VAULT: Address = Address::new([0xb0; 20]);

/// Weight commitment `k`; alice's version `k + 1` holds `weights(k)`.
fn weights(k: u64) -> B256 {
    B256::from(U256::from(0x5eed_0000 + k))
}

/// A revert's data as the HiddenSet's [`Error`], or its raw bytes.
fn hidden_error(data: &[u8]) -> Option<Error> {
    macro_rules! first_match {
        ($($variant:ident),*) => {
            $(
                if let Ok(e) = <$variant as SolError>::abi_decode(data, true) {
                    return Some(Error::$variant(e));
                }
            )*
        };
    }
    first_match!(
        NotHidden,
        NotAwaitingRows,
        DrawTooEarly,
        DrawWindowMissed,
        TaskExhausted,
        DrawNotFixed,
        OnlyTaskOwnerReveals,
        BadRevealCount,
        RevealRejected,
        NotExpired
    );
    None
}

/// The rows of `indices` (labels, features back to back) and their multi-proof.
fn rows(indices: &[u64]) -> (Vec<u32>, Vec<U256>, Vec<B256>) {
    let (mut labels, mut features) = (vec![], vec![]);
    for &i in indices {
        let (f, label) = vector_row(i);
        labels.push(label);
        features.extend(f);
    }
    // None for no rows (a reveal the HiddenSet refuses first).
    let proof = VectorTree::load().multiproof(indices).unwrap_or_default();
    (labels, features, proof)
}

struct Suite {
    controller: Contract<TaskController>,
    hidden: Contract<HiddenSet>,
    vault: Contract<BondVault>,
    board: Contract<Leaderboard>,
    arbsys: Contract<MockArbSys>,
    /// Kept alive: motsu forgets a contract once its handle is dropped.
    _registry: Contract<ModelRegistry>,
    _router: Contract<VerifierRouter>,
    owner: Address,
    alice: Address,
}

impl Suite {
    /// The suite, a hidden task (1) owned by `owner`, a public task (2) and
    /// alice's versions 1 to 3 (weights 0 to 2) on route 1.
    #[allow(clippy::too_many_arguments)]
    fn new(
        controller: Contract<TaskController>,
        hidden: Contract<HiddenSet>,
        registry: Contract<ModelRegistry>,
        router: Contract<VerifierRouter>,
        dataset: &Contract<DatasetVerifier>,
        board: Contract<Leaderboard>,
        verifier: &Contract<MockVerifier>,
        owner: Address,
        alice: Address,
    ) -> Suite {
        let arbsys = Contract::<MockArbSys>::new_at(Address::new(ARB_SYS));
        arbsys.sender(owner).set_block(U256::from(START));
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
        let root = VectorTree::load().root;
        for (provider, is_hidden) in [(hidden.address(), true), (Address::ZERO, false)] {
            registry
                .sender(owner)
                .create_task(
                    root,
                    8,
                    FEATURES,
                    CLASSES,
                    7,
                    SAMPLES,
                    DELAY,
                    provider,
                    is_hidden,
                    B256::ZERO,
                )
                .motsu_unwrap();
        }
        registry
            .sender(alice)
            .create_lineage("iris".into())
            .motsu_unwrap();
        for k in 0..3 {
            registry
                .sender(alice)
                .register_version(1, B256::repeat_byte(0x11), weights(k), 1, String::new())
                .motsu_unwrap();
        }
        Suite {
            controller,
            hidden,
            vault,
            board,
            arbsys,
            _registry: registry,
            _router: router,
            owner,
            alice,
        }
    }

    fn set_block(&self, block: u64) {
        self.arbsys.sender(self.owner).set_block(U256::from(block));
    }

    fn block(&self) -> u64 {
        self.arbsys.sender(self.owner).arb_block_number().to()
    }

    /// Opens an evaluation of `version` on `task` now; returns its id.
    fn open(&self, task: u64, version: u64) -> u64 {
        self.controller
            .sender(self.alice)
            .open_evaluation(task, version)
            .motsu_unwrap()
    }

    /// Mines past the beacon block and fixes the draw of `evaluation`.
    fn draw(&self, evaluation: u64) -> Result<(), Error> {
        self.set_block(self.block() + DELAY as u64 + 1);
        let controller = self.controller.address();
        self.hidden
            .sender(self.alice)
            .draw(controller, evaluation)
            .motsu_res()
    }

    fn pending(&self, evaluation: u64) -> Vec<u64> {
        self.hidden.sender(self.alice).pending_indices(
            self.controller.address(),
            evaluation,
            SAMPLES,
        )
    }

    fn reveal(&self, from: Address, evaluation: u64, indices: &[u64]) -> Result<u32, Vec<u8>> {
        let (labels, features, proof) = rows(indices);
        self.hidden
            .sender(from)
            .reveal(
                self.controller.address(),
                evaluation,
                labels,
                features,
                proof,
            )
            .motsu_res()
    }

    /// Submits the rows `indices` (all predicted right), with `hashes` as
    /// Merkle proofs.
    fn submit(
        &self,
        evaluation: u64,
        k: u64,
        indices: &[u64],
        hashes: Vec<B256>,
    ) -> Result<u32, Vec<u8>> {
        let (labels, features, _) = rows(indices);
        let mut instances = vec![U256::from_be_bytes(weights(k).0)];
        instances.extend(features);
        for &label in &labels {
            instances
                .extend((0..CLASSES).map(|c| felt::from_i128(if c == label { 5 } else { -2 })));
        }
        self.controller
            .sender(self.alice)
            .submit_samples(evaluation, labels, hashes, mock_proof(1), instances, vka())
            .motsu_res()
    }

    fn status(&self, evaluation: u64) -> u8 {
        self.controller
            .sender(self.alice)
            .evaluation(evaluation)
            .motsu_unwrap()
            .3
    }
}

macro_rules! suite {
    ($controller:ident, $hidden:ident, $registry:ident, $router:ident, $dataset:ident, $board:ident, $verifier:ident, $owner:ident, $alice:ident) => {
        Suite::new(
            $controller,
            $hidden,
            $registry,
            $router,
            &$dataset,
            $board,
            &$verifier,
            $owner,
            $alice,
        )
    };
}

#[motsu::test]
#[allow(clippy::too_many_arguments)]
fn a_hidden_evaluation_scores_exactly_the_revealed_rows(
    controller: Contract<TaskController>,
    hidden: Contract<HiddenSet>,
    registry: Contract<ModelRegistry>,
    router: Contract<VerifierRouter>,
    dataset: Contract<DatasetVerifier>,
    board: Contract<Leaderboard>,
    verifier: Contract<MockVerifier>,
    owner: Address,
    alice: Address,
) {
    let s = suite!(controller, hidden, registry, router, dataset, board, verifier, owner, alice);
    let id = s.open(1, 1);
    let ctl = s.controller.address();
    // Nothing to reveal or submit before the draw.
    assert!(matches!(
        hidden_error(&s.reveal(owner, id, &[0]).unwrap_err()),
        Some(Error::DrawNotFixed(_))
    ));
    assert!(s.submit(id, 0, &[0, 1, 2, 3], vec![]).is_err());
    assert!(matches!(
        s.hidden.sender(alice).draw(ctl, id).motsu_res(),
        Err(Error::DrawTooEarly(_))
    ));
    s.draw(id).unwrap();
    assert!(matches!(s.draw(id), Err(Error::NotAwaitingRows(_))));
    let (task, entropy, samples, revealed, _) = s.hidden.sender(alice).hidden_evaluation(ctl, id);
    assert_eq!((task, samples, revealed), (1, SAMPLES, 0));
    assert_eq!(
        entropy,
        U256::from_be_bytes(keccak256(U256::from(START + DELAY as u64).to_be_bytes::<32>()).0)
    );
    assert_eq!(s.hidden.sender(alice).rows_held(ctl, 1), SAMPLES as u64);

    let drawn = s.pending(id);
    assert_eq!(drawn.len(), SAMPLES as usize);
    // Only the task owner reveals, only the drawn rows, in slot order.
    assert!(matches!(
        hidden_error(&s.reveal(alice, id, &drawn[..2]).unwrap_err()),
        Some(Error::OnlyTaskOwnerReveals(_))
    ));
    let other = (0..8).find(|i| !drawn.contains(i)).unwrap();
    assert!(matches!(
        hidden_error(&s.reveal(owner, id, &[other]).unwrap_err()),
        Some(Error::RevealRejected(RevealRejected { code: 2, .. }))
    ));
    assert!(matches!(
        hidden_error(&s.reveal(owner, id, &[drawn[1], drawn[0]]).unwrap_err()),
        Some(Error::RevealRejected(RevealRejected { code: 2, .. }))
    ));
    // A wrong label is out of the tree too; one above the class count is named.
    let (mut labels, features, proof) = rows(&drawn[..1]);
    labels[0] = CLASSES;
    let err = s
        .hidden
        .sender(owner)
        .reveal(ctl, id, labels, features, proof)
        .motsu_res()
        .unwrap_err();
    assert!(matches!(
        hidden_error(&err),
        Some(Error::RevealRejected(RevealRejected {
            code: LABEL_OUT_OF_RANGE,
            detail: 3,
            ..
        }))
    ));
    assert!(matches!(
        hidden_error(&s.reveal(owner, id, &[]).unwrap_err()),
        Some(Error::BadRevealCount(_))
    ));

    // Revealed in two calls; the controller draws only after the last.
    assert_eq!(s.reveal(owner, id, &drawn[..2]).unwrap(), 2);
    assert_eq!(s.status(id), zkmltrack_task_controller::STATUS_COMMITTED);
    assert_eq!(s.pending(id), drawn[2..].to_vec());
    assert_eq!(s.reveal(owner, id, &drawn[2..]).unwrap(), 4);
    assert_eq!(s.status(id), zkmltrack_task_controller::STATUS_DRAWN);
    assert!(matches!(
        hidden_error(&s.reveal(owner, id, &drawn[..1]).unwrap_err()),
        Some(Error::NotAwaitingRows(_))
    ));
    for (slot, &index) in drawn.iter().enumerate() {
        let word = s.hidden.sender(alice).revealed_row(ctl, id, slot as u32);
        assert_eq!(hidden::revealed_index(&word.0), index);
        assert!(s.hidden.sender(alice).row_used(ctl, 1, index));
    }

    // Submissions: other rows, or Merkle hashes, are refused; the revealed
    // rows score.
    let err = s.submit(id, 0, &[drawn[1]], vec![]).unwrap_err();
    let wrong = zkmltrack_task_controller::InvalidMerkleProof::abi_decode(&err, true).unwrap();
    assert_eq!(wrong.dataset_index, drawn[0]);
    let hashes = VectorTree::load().multiproof(&drawn[..1]).unwrap();
    let err = s.submit(id, 0, &drawn[..1], hashes).unwrap_err();
    assert!(err.starts_with(&zkmltrack_task_controller::MalformedMerkleProofs::SELECTOR));
    assert_eq!(s.submit(id, 0, &drawn[..1], vec![]).unwrap(), 1);
    assert_eq!(s.submit(id, 0, &drawn[1..], vec![]).unwrap(), 3);
    assert_eq!(s.status(id), zkmltrack_task_controller::STATUS_FINALIZED);
    let rows = s.board.sender(alice).leaderboard(ctl, 1);
    assert_eq!(rows.len(), 1);
}

#[motsu::test]
#[allow(clippy::too_many_arguments)]
fn a_revealed_row_is_never_drawn_again_and_the_task_runs_out(
    controller: Contract<TaskController>,
    hidden: Contract<HiddenSet>,
    registry: Contract<ModelRegistry>,
    router: Contract<VerifierRouter>,
    dataset: Contract<DatasetVerifier>,
    board: Contract<Leaderboard>,
    verifier: Contract<MockVerifier>,
    owner: Address,
    alice: Address,
) {
    let s = suite!(controller, hidden, registry, router, dataset, board, verifier, owner, alice);
    let ctl = s.controller.address();
    let first = s.open(1, 1);
    s.draw(first).unwrap();
    let rows_first = s.pending(first);
    s.reveal(owner, first, &rows_first).unwrap();
    let second = s.open(1, 2);
    s.draw(second).unwrap();
    let rows_second = s.pending(second);
    assert!(
        rows_second.iter().all(|i| !rows_first.contains(i)),
        "{rows_first:?} {rows_second:?}"
    );
    s.reveal(owner, second, &rows_second).unwrap();
    assert_eq!(s.hidden.sender(alice).rows_held(ctl, 1), 8);
    // A third model commits, but the task has no rows left for its draw.
    let third = s.open(1, 3);
    assert!(matches!(
        s.draw(third),
        Err(Error::TaskExhausted(TaskExhausted {
            task_id: 1,
            rows_left: 0,
            samples: SAMPLES
        }))
    ));
    // The HiddenSet keeps no public task: its evaluations are not hidden.
    let public = s.open(2, 3);
    assert!(matches!(s.draw(public), Err(Error::NotHidden(_))));
}

#[motsu::test]
#[allow(clippy::too_many_arguments)]
fn an_unrevealed_evaluation_expires_refunds_and_gives_its_rows_back(
    controller: Contract<TaskController>,
    hidden: Contract<HiddenSet>,
    registry: Contract<ModelRegistry>,
    router: Contract<VerifierRouter>,
    dataset: Contract<DatasetVerifier>,
    board: Contract<Leaderboard>,
    verifier: Contract<MockVerifier>,
    owner: Address,
    alice: Address,
) {
    let s = suite!(controller, hidden, registry, router, dataset, board, verifier, owner, alice);
    let ctl = s.controller.address();
    let id = s.open(1, 1);
    s.draw(id).unwrap();
    let drawn = s.pending(id);
    s.reveal(owner, id, &drawn[..1]).unwrap();
    assert!(matches!(
        s.hidden.sender(alice).release(ctl, id).motsu_res(),
        Err(Error::NotExpired(_))
    ));
    // The owner goes silent: after the provider timeout anyone expires it.
    s.set_block(START + PROVIDER_TIMEOUT_BLOCKS + 1);
    s.controller.sender(alice).draw(id).motsu_unwrap();
    assert_eq!(s.status(id), zkmltrack_task_controller::STATUS_EXPIRED);
    assert!(matches!(
        hidden_error(&s.reveal(owner, id, &drawn[1..2]).unwrap_err()),
        Some(Error::NotAwaitingRows(_))
    ));
    // A bond would be refunded: the vault counts an expired evaluation of a
    // task with a provider as the provider's failure (`protocol::bond`; the
    // payout itself is checked on the devnet, motsu calls only contracts).
    let _ = &s.vault;
    // Three unrevealed rows go back to the task; the revealed one stays used.
    s.hidden.sender(alice).release(ctl, id).motsu_unwrap();
    assert_eq!(s.hidden.sender(alice).rows_held(ctl, 1), 1);
    assert!(matches!(
        s.hidden.sender(alice).release(ctl, id).motsu_res(),
        Err(Error::NotExpired(_))
    ));
    // The model's lock is free: it opens again and draws other rows.
    let again = s.open(1, 1);
    s.draw(again).unwrap();
    assert!(!s.pending(again).contains(&drawn[0]));
}

#[test]
fn status_codes_are_the_dataset_verifiers() {
    use zkmltrack_dataset_verifier as dv;
    assert_eq!(
        (ROWS_VALID, ROW_NOT_IN_TREE, MALFORMED_ROWS),
        (dv::ROWS_VALID, dv::ROW_NOT_IN_TREE, dv::MALFORMED_ROWS)
    );
    assert!(![
        dv::ROWS_VALID,
        dv::FEATURE_NOT_A_FIELD_ELEMENT,
        dv::ROW_NOT_IN_TREE,
        dv::MALFORMED_ROWS
    ]
    .contains(&(LABEL_OUT_OF_RANGE as u64)));
}

//! The HiddenSet with the controller (hidden tasks, `zkmltrack_protocol::hidden`):
//! the suite of `super`, its task 1 naming the HiddenSet as provider without
//! being hidden, and a hidden task 2 of the same 8 rows; an evaluation draws
//! 4 rows, so task 2 holds two. alice's versions 1 to 3 hold weights 0 to 2.

use alloy_sol_types::SolError;
use zkmltrack_common::protocol::evaluation::PROVIDER_TIMEOUT_BLOCKS;
use zkmltrack_hidden_set::{self as hs, HiddenSet, LABEL_OUT_OF_RANGE};
use zkmltrack_test_mocks::MockUpstream;

use super::*;

/// The hidden task.
const HIDDEN: u64 = 2;
/// The block the suite starts at.
const START: u64 = 10;

/// A revert's data as the HiddenSet's error, if it is one.
fn hidden_error(data: &[u8]) -> Option<hs::Error> {
    macro_rules! first_match {
        ($($variant:ident),*) => {
            $(
                if let Ok(e) = <hs::$variant as SolError>::abi_decode(data, true) {
                    return Some(hs::Error::$variant(e));
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
        NotExpired,
        NotAdmin,
        DrawnUpstream,
        NotServed,
        UpstreamRefused
    );
    None
}

/// Labels, features and the multi-proof of the rows at `indices`.
fn rows(indices: &[u64]) -> (Vec<u32>, Vec<U256>, Vec<B256>) {
    let (mut labels, mut features) = (vec![], vec![]);
    for &i in indices {
        let (f, label) = vector_row(i);
        labels.push(label);
        features.extend(f);
    }
    (labels, features, merkle_proof(indices))
}

/// The suite with the HiddenSet as task 1's provider, hidden task 2, and
/// alice's versions 2 and 3.
#[allow(clippy::too_many_arguments)]
fn hidden_suite(
    controller: Contract<TaskController>,
    registry: Contract<ModelRegistry>,
    router: Contract<VerifierRouter>,
    dataset: &Contract<DatasetVerifier>,
    board: Contract<Leaderboard>,
    verifier: &Contract<MockVerifier>,
    hidden: &Contract<HiddenSet>,
    owner: Address,
    alice: Address,
) -> Suite {
    let s = Suite::new(
        controller,
        registry,
        router,
        dataset,
        board,
        verifier,
        hidden.address(),
        owner,
        alice,
    );
    s.registry
        .sender(owner)
        .create_task(
            root(),
            8,
            FEATURES,
            CLASSES,
            7,
            SAMPLES,
            DELAY,
            hidden.address(),
            true,
            B256::ZERO,
        )
        .motsu_unwrap();
    for k in 1..3 {
        s.registry
            .sender(alice)
            .register_version(1, ONNX, weights(k), 1, String::new())
            .motsu_unwrap();
    }
    s
}

impl Suite {
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
    fn fix_draw(&self, hidden: &Contract<HiddenSet>, evaluation: u64) -> Result<(), hs::Error> {
        self.set_block(self.block() + DELAY as u64 + 1);
        hidden
            .sender(self.alice)
            .draw(self.controller.address(), evaluation)
            .motsu_res()
    }

    fn pending(&self, hidden: &Contract<HiddenSet>, evaluation: u64) -> Vec<u64> {
        hidden
            .sender(self.alice)
            .pending_indices(self.controller.address(), evaluation, SAMPLES)
    }

    fn reveal(
        &self,
        hidden: &Contract<HiddenSet>,
        from: Address,
        evaluation: u64,
        indices: &[u64],
    ) -> Result<u32, Vec<u8>> {
        let (labels, features, proof) = rows(indices);
        hidden
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

    /// Submits the rows `indices` (all predicted right) proved by weights
    /// `k`, with their Merkle hashes or none.
    fn submit_rows(
        &self,
        evaluation: u64,
        k: u64,
        indices: &[u64],
        hashes: bool,
    ) -> Result<u32, Vec<u8>> {
        let (labels, proofs, instances) = submission_of(weights(k), indices, &[]);
        self.controller
            .sender(self.alice)
            .submit_samples(
                evaluation,
                labels,
                if hashes { proofs } else { vec![] },
                mock_proof(1),
                instances,
                vka(),
            )
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
    let s = hidden_suite(
        controller, registry, router, &dataset, board, &verifier, &hidden, owner, alice,
    );
    let id = s.open(HIDDEN, 1);
    let ctl = s.controller.address();
    // Nothing to reveal or submit before the draw.
    assert!(matches!(
        hidden_error(&s.reveal(&hidden, owner, id, &[0]).unwrap_err()),
        Some(hs::Error::DrawNotFixed(_))
    ));
    assert!(s.submit_rows(id, 0, &[0, 1, 2, 3], false).is_err());
    assert!(matches!(
        hidden.sender(alice).draw(ctl, id).motsu_res(),
        Err(hs::Error::DrawTooEarly(_))
    ));
    s.fix_draw(&hidden, id).unwrap();
    assert!(matches!(
        s.fix_draw(&hidden, id),
        Err(hs::Error::NotAwaitingRows(_))
    ));
    let (task, entropy, samples, revealed, _) = hidden.sender(alice).hidden_evaluation(ctl, id);
    assert_eq!((task, samples, revealed), (HIDDEN, SAMPLES, 0));
    assert_eq!(
        entropy,
        U256::from_be_bytes(keccak256(U256::from(START + DELAY as u64).to_be_bytes::<32>()).0)
    );
    assert_eq!(hidden.sender(alice).rows_held(ctl, HIDDEN), SAMPLES as u64);

    let drawn = s.pending(&hidden, id);
    assert_eq!(drawn.len(), SAMPLES as usize);
    // Only the task owner reveals, only the drawn rows, in slot order.
    assert!(matches!(
        hidden_error(&s.reveal(&hidden, alice, id, &drawn[..2]).unwrap_err()),
        Some(hs::Error::OnlyTaskOwnerReveals(_))
    ));
    let other = (0..8).find(|i| !drawn.contains(i)).unwrap();
    assert!(matches!(
        hidden_error(&s.reveal(&hidden, owner, id, &[other]).unwrap_err()),
        Some(hs::Error::RevealRejected(hs::RevealRejected {
            code: 2,
            ..
        }))
    ));
    assert!(matches!(
        hidden_error(
            &s.reveal(&hidden, owner, id, &[drawn[1], drawn[0]])
                .unwrap_err()
        ),
        Some(hs::Error::RevealRejected(hs::RevealRejected {
            code: 2,
            ..
        }))
    ));
    // The drawn row with a wrong path.
    let (labels, features, mut proof) = rows(&drawn[..1]);
    proof[0] = B256::from(U256::from(7u8));
    let err = hidden
        .sender(owner)
        .reveal(ctl, id, labels, features, proof)
        .motsu_res()
        .unwrap_err();
    assert!(matches!(
        hidden_error(&err),
        Some(hs::Error::RevealRejected(hs::RevealRejected {
            code: 2,
            ..
        }))
    ));
    // A wrong label is out of the tree too; one above the class count is named.
    let (mut labels, features, proof) = rows(&drawn[..1]);
    labels[0] = CLASSES;
    let err = hidden
        .sender(owner)
        .reveal(ctl, id, labels, features, proof)
        .motsu_res()
        .unwrap_err();
    assert!(matches!(
        hidden_error(&err),
        Some(hs::Error::RevealRejected(hs::RevealRejected {
            code: LABEL_OUT_OF_RANGE,
            detail: 3,
            ..
        }))
    ));
    assert!(matches!(
        hidden_error(&s.reveal(&hidden, owner, id, &[]).unwrap_err()),
        Some(hs::Error::BadRevealCount(_))
    ));

    // Revealed in two calls; the controller draws only after the last.
    assert_eq!(s.reveal(&hidden, owner, id, &drawn[..2]).unwrap(), 2);
    assert_eq!(s.status(id), STATUS_COMMITTED);
    assert_eq!(s.pending(&hidden, id), drawn[2..].to_vec());
    assert_eq!(s.reveal(&hidden, owner, id, &drawn[2..]).unwrap(), 4);
    assert_eq!(s.status(id), STATUS_DRAWN);
    assert!(matches!(
        hidden_error(&s.reveal(&hidden, owner, id, &drawn[..1]).unwrap_err()),
        Some(hs::Error::NotAwaitingRows(_))
    ));
    for (slot, &index) in drawn.iter().enumerate() {
        let word = hidden.sender(alice).revealed_row(ctl, id, slot as u32);
        assert_eq!(
            zkmltrack_common::protocol::hidden::revealed_index(&word.0),
            index
        );
        assert!(hidden.sender(alice).row_used(ctl, HIDDEN, index));
    }

    // Submissions: other rows, or Merkle hashes, are refused; the revealed
    // rows score.
    let err = s.submit_rows(id, 0, &[drawn[1]], false).unwrap_err();
    let wrong = InvalidMerkleProof::abi_decode(&err, true).unwrap();
    assert_eq!(wrong.dataset_index, drawn[0]);
    let err = s.submit_rows(id, 0, &drawn[..1], true).unwrap_err();
    assert!(err.starts_with(&MalformedMerkleProofs::SELECTOR));
    assert_eq!(s.submit_rows(id, 0, &drawn[..1], false).unwrap(), 1);
    assert_eq!(s.submit_rows(id, 0, &drawn[1..], false).unwrap(), 3);
    assert_eq!(s.status(id), STATUS_FINALIZED);
    assert_eq!(s.leaderboard(HIDDEN).len(), 1);
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
    let s = hidden_suite(
        controller, registry, router, &dataset, board, &verifier, &hidden, owner, alice,
    );
    let ctl = s.controller.address();
    let first = s.open(HIDDEN, 1);
    s.fix_draw(&hidden, first).unwrap();
    let rows_first = s.pending(&hidden, first);
    s.reveal(&hidden, owner, first, &rows_first).unwrap();
    let second = s.open(HIDDEN, 2);
    s.fix_draw(&hidden, second).unwrap();
    let rows_second = s.pending(&hidden, second);
    assert!(
        rows_second.iter().all(|i| !rows_first.contains(i)),
        "{rows_first:?} {rows_second:?}"
    );
    s.reveal(&hidden, owner, second, &rows_second).unwrap();
    assert_eq!(hidden.sender(alice).rows_held(ctl, HIDDEN), 8);
    // A third model commits, but the task has no rows left for its draw.
    let third = s.open(HIDDEN, 3);
    assert!(matches!(
        s.fix_draw(&hidden, third),
        Err(hs::Error::TaskExhausted(hs::TaskExhausted {
            task_id: HIDDEN,
            rows_left: 0,
            samples: SAMPLES
        }))
    ));
    // Task 1 names the HiddenSet but is not hidden: the HiddenSet refuses it.
    let public = s.open(1, 3);
    assert!(matches!(
        s.fix_draw(&hidden, public),
        Err(hs::Error::NotHidden(_))
    ));
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
    let s = hidden_suite(
        controller, registry, router, &dataset, board, &verifier, &hidden, owner, alice,
    );
    let ctl = s.controller.address();
    let id = s.open(HIDDEN, 1);
    s.fix_draw(&hidden, id).unwrap();
    let drawn = s.pending(&hidden, id);
    s.reveal(&hidden, owner, id, &drawn[..1]).unwrap();
    assert!(matches!(
        hidden.sender(alice).release(ctl, id).motsu_res(),
        Err(hs::Error::NotExpired(_))
    ));
    // The owner goes silent: after the provider timeout anyone expires it.
    s.set_block(START + PROVIDER_TIMEOUT_BLOCKS + 1);
    s.controller.sender(alice).draw(id).motsu_unwrap();
    assert_eq!(s.status(id), STATUS_EXPIRED);
    assert!(matches!(
        hidden_error(&s.reveal(&hidden, owner, id, &drawn[1..2]).unwrap_err()),
        Some(hs::Error::NotAwaitingRows(_))
    ));
    // A bond would be refunded: the vault counts an expired evaluation of a
    // task with a provider as the provider's failure (`protocol::bond`; the
    // payout itself is checked on the devnet, motsu calls only contracts).
    // Three unrevealed rows go back to the task; the revealed one stays used.
    hidden.sender(alice).release(ctl, id).motsu_unwrap();
    assert_eq!(hidden.sender(alice).rows_held(ctl, HIDDEN), 1);
    assert!(matches!(
        hidden.sender(alice).release(ctl, id).motsu_res(),
        Err(hs::Error::NotExpired(_))
    ));
    // The model's lock is free: it opens again and draws other rows.
    let again = s.open(HIDDEN, 1);
    s.fix_draw(&hidden, again).unwrap();
    assert!(!s.pending(&hidden, again).contains(&drawn[0]));
}

#[motsu::test]
#[allow(clippy::too_many_arguments)]
fn a_hidden_set_with_an_upstream_provider_draws_from_its_answer_only(
    controller: Contract<TaskController>,
    hidden: Contract<HiddenSet>,
    upstream: Contract<MockUpstream>,
    registry: Contract<ModelRegistry>,
    router: Contract<VerifierRouter>,
    dataset: Contract<DatasetVerifier>,
    board: Contract<Leaderboard>,
    verifier: Contract<MockVerifier>,
    owner: Address,
    alice: Address,
) {
    hidden.sender(owner).constructor(owner);
    let s = hidden_suite(
        controller, registry, router, &dataset, board, &verifier, &hidden, owner, alice,
    );
    let ctl = s.controller.address();
    // Only the admin names the upstream, once, with non-zero addresses.
    for (from, served, provider) in [
        (alice, ctl, upstream.address()),
        (owner, ctl, Address::ZERO),
        (owner, Address::ZERO, upstream.address()),
    ] {
        assert!(matches!(
            hidden
                .sender(from)
                .set_upstream(served, provider)
                .motsu_res(),
            Err(hs::Error::NotAdmin(_))
        ));
    }
    assert_eq!(
        hidden.sender(alice).upstream(),
        (Address::ZERO, Address::ZERO)
    );
    hidden
        .sender(owner)
        .set_upstream(ctl, upstream.address())
        .motsu_unwrap();
    assert!(matches!(
        hidden.sender(owner).set_upstream(ctl, alice).motsu_res(),
        Err(hs::Error::NotAdmin(_))
    ));
    assert_eq!(hidden.sender(alice).upstream(), (ctl, upstream.address()));

    // Only the served controller requests; its request goes upstream.
    assert!(matches!(
        hidden.sender(alice).request_randomness(9).motsu_res(),
        Err(hs::Error::NotServed(_))
    ));
    let id = s.open(HIDDEN, 1);
    assert_eq!(upstream.sender(alice).requested(), id);

    // No beacon draw, and no answer from anyone but the upstream.
    s.set_block(s.block() + DELAY as u64 + 1);
    assert!(matches!(
        hidden.sender(alice).draw(ctl, id).motsu_res(),
        Err(hs::Error::DrawnUpstream(_))
    ));
    assert!(matches!(
        hidden
            .sender(alice)
            .fulfill_randomness(id, U256::from(5u8))
            .motsu_res(),
        Err(hs::Error::NotServed(_))
    ));
    assert_eq!(
        hidden.sender(alice).hidden_evaluation(ctl, id).1,
        U256::ZERO
    );

    // The upstream's word fixes the draw, once.
    let word = U256::from(0xabcd_ef01_u64);
    upstream
        .sender(alice)
        .answer(hidden.address(), id, word)
        .motsu_unwrap();
    let (task, entropy, samples, revealed, _) = hidden.sender(alice).hidden_evaluation(ctl, id);
    assert_eq!(
        (task, entropy, samples, revealed),
        (HIDDEN, word, SAMPLES, 0)
    );
    assert_eq!(hidden.sender(alice).rows_held(ctl, HIDDEN), SAMPLES as u64);
    let again = upstream
        .sender(alice)
        .answer(hidden.address(), id, U256::from(6u8))
        .motsu_res()
        .unwrap_err();
    assert!(matches!(
        hidden_error(&again),
        Some(hs::Error::NotAwaitingRows(_))
    ));

    // Reveal and submission as on the beacon; the controller's seed is the word's.
    let drawn = s.pending(&hidden, id);
    assert_eq!(s.reveal(&hidden, owner, id, &drawn).unwrap(), SAMPLES);
    assert_eq!(s.status(id), STATUS_DRAWN);
    let seed = keccak256(zkmltrack_common::protocol::evaluation::seed_preimage(
        word.to_be_bytes(),
        id,
    ));
    assert_eq!(
        s.controller.sender(alice).evaluation(id).motsu_unwrap().5,
        U256::from_be_bytes(seed.0)
    );
    assert_eq!(s.submit_rows(id, 0, &drawn, false).unwrap(), SAMPLES);
    assert_eq!(s.status(id), STATUS_FINALIZED);
}

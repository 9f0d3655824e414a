//! Evaluation bonds on the devnet with real EZKL proofs (docs/security.md,
//! F4): a participant who is not the suite owner posts the task's bond with
//! each opening; it comes back when the evaluation finalizes and goes to the
//! task owner when the participant lets the beacon draw lapse or misses the
//! submission deadline; a short, missing or excess bond opens nothing; the
//! terms are the owner's alone and never change.

use alloy::primitives::{Address, U256};
use zkmltrack::protocol::evaluation::BLOCK_HASH_WINDOW;
use zkmltrack::{
    chain::bindings::{IBondVault, ITaskController},
    evaluation::evaluate,
    suite::{BondTerms, EvaluationStatus, Suite, TaskSpec},
};
use zkmltrack_tests::{
    as_account, circuit, counts, deployed_suite, expect_revert, iris, mine, package_of, prover,
    test_account, weight_hash, SCALE,
};

async fn balance(suite: &Suite, account: Address) -> U256 {
    suite.chain().balance(account).await.expect("balance")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bonds_come_back_on_finalization_and_go_to_the_task_owner_otherwise() {
    let prover = prover();
    let (iris_mlp, bundle) = circuit(&prover, "model.onnx");
    let (server, suite) = deployed_suite(&bundle).await;
    let url = server.url();
    let (eval_csv, data) = iris("eval.csv");
    let owner = suite.deployment.owner;
    let alice = as_account(&suite, &url, test_account(0)).await;
    let stranger = as_account(&suite, &url, test_account(1)).await;
    let alice_address = alice.chain().account("alice").unwrap();

    // Alice (not the owner) registers her model's architecture; the owner
    // approves the route from its package; she registers her version.
    let package = package_of(&iris_mlp, &bundle);
    let route = match alice
        .register_version(
            alice.create_lineage("alice").await.expect("lineage"),
            iris_mlp.onnx_hash(),
            weight_hash(&iris_mlp),
            &bundle.vka_words(),
            &package.reference(),
            "v1",
        )
        .await
    {
        Err(zkmltrack::chain::ChainError::AwaitingApproval { route_id }) => route_id,
        other => panic!("a participant's new route awaits approval, got {other:?}"),
    };
    suite.approve_route(route).await.expect("approve");
    let version = alice
        .register_version_on(1, iris_mlp.onnx_hash(), weight_hash(&iris_mlp), route, "v1")
        .await
        .expect("version")
        .version_id;

    // Three bonded tasks over the Iris rows (a model is evaluated once per task).
    let bond = U256::from(10u64).pow(U256::from(15u64));
    let window = 4u64;
    let spec = TaskSpec::from_csv(&eval_csv, SCALE, 2, 2).expect("spec");
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let task = suite.create_task(&spec).await.expect("task");
        suite
            .set_bond_terms(task, BondTerms { bond, window })
            .await
            .expect("terms");
        tasks.push(task);
    }
    // Terms are the owner's, once.
    expect_revert(
        "terms set by another account",
        alice
            .set_bond_terms(tasks[0], BondTerms { bond, window })
            .await,
        "NotTaskOwner",
    );
    expect_revert(
        "terms set twice",
        suite
            .set_bond_terms(
                tasks[0],
                BondTerms {
                    bond: U256::from(1u8),
                    window,
                },
            )
            .await,
        "TermsAlreadySet",
    );
    assert_eq!(
        suite.bond_terms(tasks[0]).await.unwrap(),
        BondTerms { bond, window }
    );

    // A short, missing or excess bond opens nothing.
    // An opening that sends `sent` wei, whatever the task requires.
    let open_with = |task_id: u64, sent: U256| {
        let alice = &alice;
        let controller = suite.deployment.controller;
        async move {
            alice
                .chain()
                .transact(
                    "opening",
                    controller,
                    &ITaskController::openEvaluationCall {
                        task_id,
                        version_id: version,
                    },
                    sent,
                )
                .await
        }
    };
    let before = counts(&suite).await;
    for sent in [U256::ZERO, bond - U256::from(1u8), bond + U256::from(1u8)] {
        expect_revert(
            &format!("an opening with {sent} wei"),
            open_with(tasks[0], sent).await,
            "BondMismatch",
        );
    }
    assert_eq!(counts(&suite).await, before, "nothing opened");

    // Finalized: the SDK's evaluation posts the bond, proves, and gets it back.
    let vault = suite.deployment.bond_vault;
    let report = evaluate(&alice, tasks[0], version, &iris_mlp, &data, &|_| {})
        .await
        .expect("the evaluation finalizes");
    let refund = report.bond_refund.expect("the bond is refunded");
    assert_eq!(
        (refund.recipient, refund.amount, refund.refunded),
        (alice_address, bond, true)
    );
    assert_eq!(balance(&suite, vault).await, U256::ZERO);
    let held = suite
        .bond(report.evaluation_id)
        .await
        .unwrap()
        .expect("a bond record");
    assert!(held.settled && held.amount.is_zero());
    expect_revert(
        "settling twice",
        stranger.settle_bond(report.evaluation_id).await,
        "NoBond",
    );

    // Drawn and abandoned: not due until the deadline, then the owner's.
    let evaluation = alice
        .open_evaluation(tasks[1], version)
        .await
        .expect("opens with the bond");
    assert_eq!(balance(&suite, vault).await, bond);
    let drawn = alice.draw(evaluation).await.expect("draw");
    assert_eq!(drawn.status, EvaluationStatus::Drawn);
    let held = suite.bond(evaluation).await.unwrap().expect("held");
    assert_eq!(
        held.deadline,
        drawn.commit_block + 2 + BLOCK_HASH_WINDOW + window
    );
    // The next transaction runs in the deadline block: not due yet ...
    let latest = suite.chain().block_number().await.unwrap();
    mine(&suite, held.deadline - latest - 1).await;
    expect_revert(
        "settling in the deadline block",
        stranger.settle_bond(evaluation).await,
        "BondNotDue",
    );
    // ... and in the block after it, due.
    mine(&suite, 1).await;
    let owner_before = balance(&suite, owner).await;
    let settled = stranger.settle_bond(evaluation).await.expect("due");
    assert_eq!(
        (settled.recipient, settled.amount, settled.refunded),
        (owner, bond, false)
    );
    assert_eq!(balance(&suite, owner).await, owner_before + bond);

    // The beacon draw let lapse: expired, the owner's.
    let evaluation = alice
        .open_evaluation(tasks[2], version)
        .await
        .expect("opens");
    mine(&suite, 2 + BLOCK_HASH_WINDOW + 1).await;
    let expired = stranger.draw(evaluation).await.expect("anyone draws");
    assert_eq!(expired.status, EvaluationStatus::Expired);
    let owner_before = balance(&suite, owner).await;
    let settled = stranger.settle_bond(evaluation).await.expect("settles");
    assert_eq!((settled.recipient, settled.refunded), (owner, false));
    assert_eq!(balance(&suite, owner).await, owner_before + bond);
    assert_eq!(balance(&suite, vault).await, U256::ZERO);

    // A task without terms takes no bond and holds nothing.
    let free = suite.create_task(&spec).await.expect("task");
    expect_revert(
        "a bond sent to a task without one",
        open_with(free, U256::from(1u8)).await,
        "BondMismatch",
    );
    let evaluation = alice.open_evaluation(free, version).await.expect("opens");
    assert_eq!(suite.bond(evaluation).await.unwrap(), None);

    // A look-alike keeper: a stranger calling the vault directly files a bond
    // under itself only; the controller's book is untouched, and such a bond is
    // never settled against the controller's evaluations.
    let next = evaluation + 1;
    let stranger_address = stranger.chain().account("stranger").unwrap();
    stranger
        .chain()
        .transact(
            "holding directly",
            vault,
            &IBondVault::holdCall {
                task_id: tasks[0],
                evaluation_id: next,
                participant: stranger_address,
            },
            bond,
        )
        .await
        .expect("anyone may file a bond under itself");
    assert_eq!(suite.bond(next).await.unwrap(), None);
    expect_revert(
        "settling a bond filed by an account without code",
        stranger
            .chain()
            .transact(
                "settling",
                vault,
                &IBondVault::settleCall {
                    keeper: stranger_address,
                    evaluation_id: next,
                },
                U256::ZERO,
            )
            .await,
        "KeeperUnavailable",
    );
}

//! Liveness against a randomness provider that never answers (docs/security.md,
//! F6a), on the devnet: the evaluation waits for the provider alone until
//! `PROVIDER_TIMEOUT_BLOCKS` have passed; then anyone's draw expires it, which
//! frees the model's lock, a late fulfilment changes nothing, and the
//! participant opens a new evaluation, whose seed the SDK's draw waits for.
//! The task's bond comes back: the provider, not the participant, failed.

use alloy::primitives::U256;
use zkmltrack::chain::bindings::ITaskController;
use zkmltrack::suite::{BondTerms, EvaluationStatus, TaskSpec, PROVIDER_TIMEOUT_BLOCKS};
use zkmltrack_tests::{
    as_account, circuit, deployed_suite, expect_revert, iris, mine, prover, register_model,
    test_account, weight_hash, SCALE,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_provider_times_out_and_frees_the_model() {
    let prover = prover();
    let (iris_mlp, bundle) = circuit(&prover, "model.onnx");
    let (server, suite) = deployed_suite(&bundle).await;
    let url = server.url();
    let (eval_csv, _) = iris("eval.csv");
    let lineage = suite.create_lineage("iris").await.expect("lineage");
    let version = register_model(&suite, lineage, &iris_mlp, &bundle, "v1")
        .await
        .expect("version");
    let weights = weight_hash(&iris_mlp);

    // The provider is an account that never calls back.
    let provider_key = test_account(2);
    let provider = as_account(&suite, &url, provider_key.clone()).await;
    let spec = TaskSpec {
        randomness: provider_key.address(),
        hidden: false,
        ..TaskSpec::from_csv(&eval_csv, SCALE, 1, 2).expect("spec")
    };
    let task = suite.create_task(&spec).await.expect("task");
    let bond = BondTerms {
        bond: U256::from(1_000_000u64),
        window: 10,
    };
    suite.set_bond_terms(task, bond).await.expect("terms");
    let first = suite
        .open_evaluation(task, version.version_id)
        .await
        .expect("opens");
    let stranger = as_account(&suite, &url, test_account(0)).await;

    // Before the timeout only the provider may act, and the model stays locked.
    let draw_call = |evaluation_id| ITaskController::drawCall { evaluation_id };
    expect_revert(
        "a draw by someone else before the provider's timeout",
        stranger
            .chain()
            .transact(
                "drawing",
                suite.deployment.controller,
                &draw_call(first),
                U256::ZERO,
            )
            .await,
        "NotAuthorized",
    );
    expect_revert(
        "a second opening while the first waits",
        suite.open_evaluation(task, version.version_id).await,
        "AlreadyEvaluated",
    );

    // The timeout passes.
    mine(&suite, PROVIDER_TIMEOUT_BLOCKS + 1).await;
    // The SDK's draw sees the provider's time is up and expires the evaluation
    // (anyone may).
    let expired = stranger.draw(first).await.expect("anyone expires it");
    assert_eq!(expired.status, EvaluationStatus::Expired);
    assert_eq!(
        suite
            .evaluation_of(task, weights)
            .await
            .expect("evaluationOf"),
        None,
        "the model's lock is freed"
    );
    let settled = stranger.settle_bond(first).await.expect("the bond is due");
    assert_eq!(
        (settled.recipient, settled.amount, settled.refunded),
        (suite.deployment.owner, bond.bond, true),
        "back to the participant"
    );
    expect_revert(
        "a late fulfilment",
        provider
            .chain()
            .transact(
                "fulfilling late",
                suite.deployment.controller,
                &ITaskController::fulfillRandomnessCall {
                    evaluation_id: first,
                    randomness: U256::from(7u8),
                },
                U256::ZERO,
            )
            .await,
        "WrongEvaluationStatus",
    );
    let second = suite
        .open_evaluation(task, version.version_id)
        .await
        .expect("the participant opens anew");
    assert_eq!(second, first + 1);
    assert_eq!(
        suite.evaluation(second).await.expect("e").status,
        EvaluationStatus::Committed
    );

    // This time the provider answers while the participant's draw waits.
    let controller = suite.deployment.controller;
    let answer = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        provider
            .chain()
            .transact(
                "fulfilling",
                controller,
                &ITaskController::fulfillRandomnessCall {
                    evaluation_id: second,
                    randomness: U256::from(42u8),
                },
                U256::ZERO,
            )
            .await
            .expect("the provider fulfils");
    });
    let drawn = suite
        .draw(second)
        .await
        .expect("the draw waits for the seed");
    answer.await.expect("provider task");
    assert_eq!(drawn.status, EvaluationStatus::Drawn);
    assert_ne!(drawn.seed, U256::ZERO);
}

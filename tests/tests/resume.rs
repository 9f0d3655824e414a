//! An evaluation interrupted mid-way (the process killed or the RPC lost after
//! the opening, or after some submissions) is finished by running
//! `evaluation::evaluate` again: it finds the model's evaluation on the task,
//! draws it if still committed, and proves only the unscored slots
//! (docs/security.md F6c). Real proofs on the devnet. On the way, another
//! model's valid proof of a drawn row is refused for this model's evaluation.

use zkmltrack::{
    evaluation::{evaluate, submission},
    suite::{EvaluationStatus, TaskSpec},
};
use zkmltrack_tests::{
    circuit, deployed_suite, expect_revert, iris, open_and_draw, prove_row, prover, register_model,
    SCALE,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_evaluation_resumes_where_it_stopped() {
    let prover = prover();
    let (iris_mlp, bundle) = circuit(&prover, "model.onnx");
    let (weak, weak_bundle) = circuit(&prover, "model_weak.onnx");
    let (_server, suite) = deployed_suite(&bundle).await;
    let (eval_csv, eval) = iris("eval.csv");
    let samples = 4;
    let spec = TaskSpec::from_csv(&eval_csv, SCALE, samples, 2).expect("task");
    let task = suite.create_task(&spec).await.expect("task");
    let lineage = suite.create_lineage("iris").await.expect("lineage");
    let version = register_model(&suite, lineage, &iris_mlp, &bundle, "v1")
        .await
        .expect("version");

    // A run that stopped after opening, drawing and one submission.
    let (evaluation, indices) =
        open_and_draw(&suite, task, version.version_id, samples, spec.dataset_size).await;
    let quantized = eval.quantize(SCALE).expect("quantized");

    // The other model's valid proof of the very row drawn first, replayed into
    // this evaluation: it carries other weights, nothing changes.
    let before = suite.evaluation(evaluation).await.expect("evaluation");
    let foreign = prove_row(&weak, &eval, indices[0]);
    expect_revert(
        "model_weak's proof submitted for model's evaluation",
        suite
            .submit(
                evaluation,
                &submission(&quantized, &indices[..1], &foreign).expect("submission"),
            )
            .await,
        "WeightHashMismatch",
    );
    assert_eq!(suite.evaluation(evaluation).await.expect("e"), before);

    let first = prove_row(&iris_mlp, &eval, indices[0]);
    let first_correct = suite
        .submit(
            evaluation,
            &submission(&quantized, &indices[..1], &first).expect("submission"),
        )
        .await
        .expect("first submission");

    let report = evaluate(&suite, task, version.version_id, &iris_mlp, &eval, &|_| {})
        .await
        .expect("the run resumes");
    assert_eq!(report.evaluation_id, evaluation, "the same evaluation");
    assert_eq!(report.resumed_at, 1);
    assert_eq!(
        report.samples.iter().map(|s| s.index).collect::<Vec<_>>(),
        indices[1..],
        "only the unscored slots were proved"
    );
    let done = suite.evaluation(evaluation).await.expect("evaluation");
    assert_eq!(done.status, EvaluationStatus::Finalized);
    let proved_correct = report
        .samples
        .iter()
        .filter(|s| s.predicted == s.label)
        .count() as u32;
    assert_eq!(done.correct, first_correct + proved_correct);
    assert_eq!(report.correct, done.correct);

    // The same run on a CSV that is not the task's (one feature changed) is
    // refused by its root before any transaction.
    let mut other = eval.clone();
    other.rows[0].features[0] += 0.5;
    let count = |suite: &zkmltrack::suite::Suite| {
        let chain = suite.chain().clone();
        let controller = suite.deployment.controller;
        async move {
            chain
                .view(
                    "evaluationCount",
                    controller,
                    &zkmltrack::chain::bindings::ITaskController::evaluationCountCall {},
                )
                .await
                .expect("count")
        }
    };
    let before = count(&suite).await;
    let err = evaluate(&suite, task, version.version_id, &iris_mlp, &other, &|_| {})
        .await
        .expect_err("another dataset");
    assert!(err.to_string().contains("is not task"), "{err}");
    assert_eq!(count(&suite).await, before);

    // Running it once more reports the finalized evaluation, proving nothing.
    let again = evaluate(&suite, task, version.version_id, &iris_mlp, &eval, &|_| {})
        .await
        .expect("finalized");
    assert_eq!(
        (again.evaluation_id, again.resumed_at, again.proofs),
        (evaluation, samples, 0)
    );
    assert_eq!(again.correct, done.correct);

    // A run that stopped right after opening: the resumed run draws it.
    let weak_version = register_model(&suite, lineage, &weak, &weak_bundle, "v2")
        .await
        .expect("version");
    let opened = suite
        .open_evaluation(task, weak_version.version_id)
        .await
        .expect("open");
    let report = evaluate(&suite, task, weak_version.version_id, &weak, &eval, &|_| {})
        .await
        .expect("the run resumes");
    assert_eq!((report.evaluation_id, report.resumed_at), (opened, 0));
    assert_eq!(report.samples.len(), samples as usize);
    assert_eq!(
        suite.evaluation(opened).await.expect("e").status,
        EvaluationStatus::Finalized
    );
    assert_eq!(
        suite.leaderboard(task).await.expect("board").len(),
        2,
        "both evaluations ranked"
    );
}

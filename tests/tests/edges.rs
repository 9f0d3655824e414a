//! Edge values on the devnet with real proofs (see `docs/security.md`,
//! section 2.5): a one-row dataset, as many samples as rows (sampling without
//! replacement must visit every row), negative features (encoded `p - |x|`),
//! a task whose class count differs from the model's outputs, and task
//! parameters out of range.

use alloy::primitives::U256;
use zkmltrack::{
    chain::bindings::IModelRegistry,
    dataset::Dataset,
    evaluation::{predicted_class, submission},
    suite::{EvaluationStatus, TaskSpec},
};
use zkmltrack_tests::{
    circuit, deployed_suite, expect_revert, open_and_draw, prove_row, prover, register_model, repo,
    SCALE,
};

/// Writes a CSV under `target/zkmltrack-tests/edges` and returns its path.
fn csv(name: &str, rows: &[(&[f64], u32)]) -> std::path::PathBuf {
    let dir = repo().join("target/zkmltrack-tests/edges");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let mut text = String::from("a,b,c,d,label\n");
    for (features, label) in rows {
        let cells: Vec<String> = features.iter().map(|x| x.to_string()).collect();
        text += &format!("{},{label}\n", cells.join(","));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).expect("CSV written");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edge_values_are_scored_exactly_or_refused() {
    let prover = prover();
    let (iris_mlp, bundle) = circuit(&prover, "model.onnx");
    let (_server, suite) = deployed_suite(&bundle).await;
    let lineage = suite.create_lineage("iris").await.expect("lineage");
    let version = register_model(&suite, lineage, &iris_mlp, &bundle, "edges")
        .await
        .expect("version");

    // Evaluates the version on a task end to end and checks the score
    // against the predictions its own proofs carry.
    let evaluate = |path: std::path::PathBuf, samples: u32| {
        let suite = &suite;
        let iris_mlp = &iris_mlp;
        async move {
            // The Iris classes, whatever labels the few rows happen to use.
            let spec = TaskSpec {
                class_count: 3,
                ..TaskSpec::from_csv(&path, SCALE, samples, 1).expect("spec")
            };
            let data = Dataset::from_csv(&path).expect("dataset");
            let quantized = data.quantize(SCALE).expect("quantized");
            let task = suite.create_task(&spec).await.expect("task");
            let (evaluation, indices) =
                open_and_draw(suite, task, version.version_id, samples, spec.dataset_size).await;
            let mut correct = 0;
            for &index in &indices {
                let proof = prove_row(iris_mlp, &data, index);
                let predicted = predicted_class(proof.outputs()).expect("outputs");
                let s = submission(&quantized, &[index], &proof).expect("submission");
                correct += u32::from(predicted as u32 == s.labels[0]);
                suite.submit(evaluation, &s).await.expect("submit");
            }
            let done = suite.evaluation(evaluation).await.expect("evaluation");
            assert_eq!(done.status, EvaluationStatus::Finalized);
            assert_eq!(
                done.correct, correct,
                "on-chain score != the proofs' predictions"
            );
            (indices, task)
        }
    };

    // One row: the root is the leaf, the path is empty.
    let (indices, _) = evaluate(csv("one-row.csv", &[(&[5.1, 3.5, 1.4, 0.2], 0)]), 1).await;
    assert_eq!(indices, vec![0]);

    // Samples == rows, with negative features: every row exactly once.
    let negative: [(&[f64], u32); 3] = [
        (&[-1.5, 3.5, -1.4, 0.2], 0),
        (&[6.3, -2.5, 4.9, -1.5], 1),
        (&[-6.5, -3.0, -5.8, -2.2], 2),
    ];
    let (mut indices, _) = evaluate(csv("negative.csv", &negative), 3).await;
    indices.sort();
    assert_eq!(indices, vec![0, 1, 2], "sampling without replacement");

    // A two-class task for a three-output model: the instance count gives it away.
    let two_class = csv(
        "two-class.csv",
        &[(&[5.1, 3.5, 1.4, 0.2], 0), (&[6.3, 2.5, 4.9, 1.5], 1)],
    );
    let spec = TaskSpec::from_csv(&two_class, SCALE, 1, 1).expect("spec");
    assert_eq!(spec.class_count, 2);
    let data = Dataset::from_csv(&two_class).expect("dataset");
    let task = suite.create_task(&spec).await.expect("task");
    let (evaluation, indices) = open_and_draw(&suite, task, version.version_id, 1, 2).await;
    let index = indices[0];
    let proof = prove_row(&iris_mlp, &data, index);
    let s = submission(&data.quantize(SCALE).expect("q"), &[index], &proof).expect("submission");
    let before = suite.evaluation(evaluation).await.expect("evaluation");
    expect_revert(
        "three outputs for a two-class task",
        suite.submit(evaluation, &s).await,
        "InstanceCountMismatch",
    );
    assert_eq!(suite.evaluation(evaluation).await.expect("e"), before);

    // Task parameters out of range leave no task behind.
    let tasks = suite.task_count().await.expect("count");
    let base = TaskSpec::from_csv(&two_class, SCALE, 1, 1).expect("spec");
    for (what, bad) in [
        (
            "dataset size 0",
            TaskSpec {
                dataset_size: 0,
                ..base.clone()
            },
        ),
        (
            "more samples than rows",
            TaskSpec {
                samples: 3,
                ..base.clone()
            },
        ),
        (
            "zero samples",
            TaskSpec {
                samples: 0,
                ..base.clone()
            },
        ),
        (
            "scale 65",
            TaskSpec {
                scale: 65,
                ..base.clone()
            },
        ),
        (
            "one class",
            TaskSpec {
                class_count: 1,
                ..base.clone()
            },
        ),
        (
            "draw delay 0",
            TaskSpec {
                draw_delay: 0,
                ..base.clone()
            },
        ),
        (
            "a root that is not a field element",
            TaskSpec {
                root: U256::MAX.into(),
                ..base.clone()
            },
        ),
    ] {
        // The SDK refuses what it can check before sending; the registry
        // refuses every one of them when sent anyway.
        if what != "a root that is not a field element" {
            assert!(
                matches!(
                    suite.create_task(&bad).await,
                    Err(zkmltrack::chain::ChainError::InvalidArgument { .. })
                ),
                "{what}: the SDK sent it"
            );
        }
        let raw = IModelRegistry::createTaskCall {
            root: bad.root,
            dataset_size: bad.dataset_size,
            feature_count: bad.feature_count,
            class_count: bad.class_count,
            scale: bad.scale,
            samples: bad.samples,
            draw_delay: bad.draw_delay,
            randomness: bad.randomness,
            hidden: false,
            metadata: bad.metadata,
        };
        expect_revert(
            what,
            suite
                .chain()
                .transact(what, suite.deployment.registry, &raw, U256::ZERO)
                .await,
            "InvalidTaskParameter",
        );
    }
    assert_eq!(suite.task_count().await.expect("count"), tasks);
}

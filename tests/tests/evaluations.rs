//! Attacks on an evaluation, with real EZKL proofs on the devnet (see
//! `docs/security.md`, section 2.1): each must revert with its typed error and
//! leave the evaluation and the leaderboard exactly as they were.

use alloy::primitives::{keccak256, U256};
use zkmltrack::{
    evaluation::submission,
    suite::{EvaluationStatus, Submission, Suite, TaskSpec},
};
use zkmltrack_tests::{
    as_account, circuit, deployed_suite, expect_revert, iris, open_and_draw, package_of, prove_row,
    prover, register_model, test_account, weight_hash, SCALE,
};

/// Samples per evaluation: enough to have undrawn rows, few proofs.
const SAMPLES: u32 = 3;

/// What an attack must not change.
async fn state(suite: &Suite, evaluation: u64, task: u64) -> impl PartialEq + std::fmt::Debug {
    (
        suite.evaluation(evaluation).await.expect("evaluation"),
        suite.leaderboard(task).await.expect("leaderboard"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attacks_on_an_evaluation_revert_and_change_nothing() {
    let prover = prover();
    let (iris_mlp, bundle) = circuit(&prover, "model.onnx");
    let (_server, suite) = deployed_suite(&bundle).await;
    let url = _server.url();

    // Task A on the evaluation set, task B on the training set (another root).
    let (eval_csv, eval) = iris("eval.csv");
    let (train_csv, train) = iris("train.csv");
    let spec_a = TaskSpec::from_csv(&eval_csv, SCALE, SAMPLES, 2).expect("task A");
    let spec_b = TaskSpec::from_csv(&train_csv, SCALE, SAMPLES, 2).expect("task B");
    let task_a = suite.create_task(&spec_a).await.expect("task A");
    suite.create_task(&spec_b).await.expect("task B");
    let (q_eval, q_train) = (
        eval.quantize(SCALE).expect("quantize"),
        train.quantize(SCALE).expect("quantize"),
    );

    let lineage = suite.create_lineage("iris").await.expect("lineage");
    let version = register_model(&suite, lineage, &iris_mlp, &bundle, "attack")
        .await
        .expect("version");
    let (evaluation, indices) = open_and_draw(
        &suite,
        task_a,
        version.version_id,
        SAMPLES,
        spec_a.dataset_size,
    )
    .await;
    let undrawn = (0..spec_a.dataset_size)
        .find(|i| !indices.contains(i))
        .expect("an undrawn row");

    let prove = |data, row| prove_row(&iris_mlp, data, row);
    let honest = submission(&q_eval, &indices[..1], &prove(&eval, indices[0])).expect("slot 0");
    let before = state(&suite, evaluation, task_a).await;

    // Each attack, then the state check.
    let mut attacks: Vec<(&str, Submission, &str)> = Vec::new();
    attacks.push((
        "a valid row and path for an index that was not drawn",
        submission(&q_eval, &[undrawn], &prove(&eval, undrawn)).expect("undrawn"),
        "InvalidMerkleProof",
    ));
    attacks.push((
        "slot 1's row submitted for slot 0 (out of order)",
        submission(&q_eval, &indices[1..2], &prove(&eval, indices[1])).expect("slot 1"),
        "InvalidMerkleProof",
    ));
    attacks.push((
        "a row and path of another task's dataset",
        submission(&q_train, &[7], &prove(&train, 7)).expect("train row"),
        "InvalidMerkleProof",
    ));
    let mut flipped = honest.clone();
    let mut bytes = flipped.proof.to_vec();
    bytes[100] ^= 1;
    flipped.proof = bytes.into();
    attacks.push(("one proof byte flipped", flipped, "ProofRejected"));
    // The proof is exactly as long as the VKA says (the router checks it before
    // the verifier, which would ignore trailing bytes: finding 3 of the
    // devnet/hostile-client review).
    assert_eq!(
        zkmltrack::protocol::router::vka_proof_len(|i| bundle.vka_words().get(i).map(|w| w.0)),
        Some(honest.proof.len()),
        "the VKA gives the honest proof's length"
    );
    let mut truncated = honest.clone();
    truncated.proof = honest.proof.slice(..honest.proof.len() / 2);
    attacks.push((
        "the proof truncated to half",
        truncated,
        "ProofLengthMismatch",
    ));
    // 32 bytes and 4 KiB appended reach the router's length check. 1 MiB does
    // not: held by the controller and the router (its calldata, decoded
    // copies) it opens over 100 WASM pages in the transaction, which Nitro
    // prices exponentially (docs/devnet.md: 727,880 gas for the 100th page
    // alone), and the router runs out of gas first: refused all the same.
    for (what, extra, error) in [
        (
            "32 zero bytes appended to an honest proof",
            32,
            "ProofLengthMismatch",
        ),
        (
            "4 KiB of zeros appended to an honest proof",
            4096,
            "ProofLengthMismatch",
        ),
        (
            "1 MiB of zeros appended to an honest proof",
            1 << 20,
            "VerificationUnavailable",
        ),
    ] {
        let mut padded = honest.clone();
        let mut bytes = honest.proof.to_vec();
        bytes.resize(bytes.len() + extra, 0);
        padded.proof = bytes.into();
        attacks.push((what, padded, error));
    }
    let mut outputs = honest.clone();
    let label = outputs.labels[0] as usize;
    let first_output = zkmltrack::evaluation::InstanceLayout {
        samples: 1,
        features: spec_a.feature_count as usize,
        classes: spec_a.class_count as usize,
    }
    .sample_outputs(0)
    .start;
    outputs.instances[first_output + label] += U256::from(1u64 << 20);
    attacks.push((
        "the labelled class's output raised (a wrong prediction made right)",
        outputs,
        "ProofRejected",
    ));
    let mut non_canonical = honest.clone();
    // p itself: not a field element, and as an argmax key it would beat every canonical output.
    non_canonical.instances[first_output] =
        U256::from_str_radix(zkmltrack_tests::BN254_MODULUS, 10).expect("p");
    attacks.push((
        "an output instance that is not a field element (p)",
        non_canonical,
        "InstanceNotAFieldElement",
    ));
    let mut features = honest.clone();
    features.instances[1] += U256::from(1);
    attacks.push((
        "a public input that differs from the row's feature",
        features,
        "InvalidMerkleProof",
    ));
    let mut label_swap = honest.clone();
    label_swap.labels[0] = (label_swap.labels[0] + 1) % spec_a.class_count;
    attacks.push(("another valid label", label_swap, "InvalidMerkleProof"));
    let mut bad_label = honest.clone();
    bad_label.labels[0] = spec_a.class_count;
    attacks.push(("a label outside the classes", bad_label, "InvalidLabel"));
    let mut extra = honest.clone();
    extra.instances.push(U256::ZERO);
    attacks.push(("one instance too many", extra, "InstanceCountMismatch"));
    let mut vka = honest.clone();
    vka.vka = bundle.vka_words();
    // The router's own error comes back through the controller (F10).
    attacks.push(("a VKA passed to a stored-VKA route", vka, "UnexpectedVka"));
    let mut long_path = honest.clone();
    long_path.merkle_proofs.push(long_path.merkle_proofs[0]);
    attacks.push((
        "a Merkle path hash left over",
        long_path,
        "MalformedMerkleProofs",
    ));

    for (what, attack, error) in &attacks {
        expect_revert(what, suite.submit(evaluation, attack).await, error);
        assert_eq!(
            state(&suite, evaluation, task_a).await,
            before,
            "{what}: state changed"
        );
    }

    // Someone else submitting the honest proof.
    let other = as_account(&suite, &url, test_account(0)).await;
    expect_revert(
        "the honest submission sent by another account",
        other.submit(evaluation, &honest).await,
        "NotAuthorized",
    );
    assert_eq!(state(&suite, evaluation, task_a).await, before);

    // The honest submission counts once; replaying it for the next slot fails.
    suite
        .submit(evaluation, &honest)
        .await
        .expect("the honest submission is accepted");
    let after_one = suite.evaluation(evaluation).await.expect("evaluation");
    assert_eq!(after_one.scored, 1);
    let before = state(&suite, evaluation, task_a).await;
    expect_revert(
        "the accepted submission replayed for slot 1",
        suite.submit(evaluation, &honest).await,
        "InvalidMerkleProof",
    );
    assert_eq!(state(&suite, evaluation, task_a).await, before);

    // A second evaluation of the same model on the task is refused.
    expect_revert(
        "a second evaluation of the same model",
        suite.open_evaluation(task_a, version.version_id).await,
        "AlreadyEvaluated",
    );

    // Finish honestly; then nothing more is accepted.
    for (slot, &index) in indices.iter().enumerate().skip(1) {
        let s = submission(&q_eval, &[index], &prove(&eval, index)).expect("slot");
        suite
            .submit(evaluation, &s)
            .await
            .unwrap_or_else(|e| panic!("slot {slot}: {e}"));
    }
    let done = suite.evaluation(evaluation).await.expect("evaluation");
    assert_eq!(done.status, EvaluationStatus::Finalized);
    let before = state(&suite, evaluation, task_a).await;
    expect_revert(
        "a submission after finalization",
        suite.submit(evaluation, &honest).await,
        "WrongEvaluationStatus",
    );
    assert_eq!(state(&suite, evaluation, task_a).await, before);
}

/// A calldata-VKA route (the VKA travels with each submission), added with
/// `Suite::add_calldata_route`: another model's VKA is refused with the
/// router's `VkaDigestMismatch`, passed on by the controller, and the
/// evaluation is unchanged; the route's own VKA scores. A calldata route whose
/// VKA nobody registered with EZKL's verifier verifies nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_calldata_vka_route_takes_only_its_own_vka() {
    use alloy::primitives::{Address, Bytes};
    use zkmltrack::{chain::bindings::IVerifierRouter as Router, suite::vka_digest};
    let prover = prover();
    let (iris_mlp, bundle) = circuit(&prover, "model.onnx");
    let (weak, weak_bundle) = circuit(&prover, "model_weak.onnx");
    let (_server, suite) = deployed_suite(&bundle).await;
    let d = suite.deployment.clone();
    let (eval_csv, eval) = iris("eval.csv");
    let spec = TaskSpec::from_csv(&eval_csv, SCALE, 1, 2).expect("task");
    let task = suite.create_task(&spec).await.expect("task");

    let weak_vka = weak_bundle.vka_words();
    let package = package_of(&weak, &weak_bundle).reference();
    let route = suite
        .add_calldata_route(&weak_vka, &package)
        .await
        .expect("the owner adds a calldata route");
    assert_eq!((route.vka_store, route.approved), (Address::ZERO, true));
    let lineage = suite.create_lineage("weak").await.expect("lineage");
    let onnx = std::fs::read(zkmltrack_tests::repo().join("examples/iris/model_weak.onnx"))
        .expect("model");
    let version = suite
        .register_version_on(
            lineage,
            keccak256(&onnx),
            weight_hash(&weak),
            route.id,
            "calldata",
        )
        .await
        .expect("version on the calldata route");
    let (evaluation, indices) =
        open_and_draw(&suite, task, version.version_id, 1, spec.dataset_size).await;
    let quantized = eval.quantize(SCALE).expect("quantized");
    let mut sub =
        submission(&quantized, &indices, &prove_row(&weak, &eval, indices[0])).expect("submission");

    let before = state(&suite, evaluation, task).await;
    // Another architecture's VKA: the route's with one header word changed.
    let mut other_vka = weak_vka.clone();
    other_vka[0].0[31] ^= 1;
    sub.vka = other_vka;
    expect_revert(
        "another architecture's VKA on a calldata route",
        suite.submit(evaluation, &sub).await,
        "VkaDigestMismatch",
    );
    assert_eq!(state(&suite, evaluation, task).await, before);
    sub.vka = weak_vka;
    suite
        .submit(evaluation, &sub)
        .await
        .expect("the route's own VKA scores");
    assert_eq!(
        suite.evaluation(evaluation).await.expect("e").status,
        EvaluationStatus::Finalized
    );

    // The pitfall add_calldata_route avoids: a calldata route added bare (no
    // registerVka) on a verifier that has never seen the VKA (another
    // instance of the allow-listed code): a valid proof with the right VKA
    // does not verify.
    let model_vka = bundle.vka_words();
    let fresh = suite
        .chain()
        .deploy_evm(
            "deploying another instance of the reusable verifier",
            bundle.init_code().expect("init code").into(),
        )
        .await
        .expect("verifier instance");
    let receipt = suite
        .chain()
        .transact(
            "adding a bare calldata route",
            d.router,
            &Router::addReusableRouteCall {
                verifier: fresh,
                vka_store: Address::ZERO,
                vka_digest: vka_digest(&model_vka),
                package_hash: package.hash,
                package_uri: package.uri.clone().into_bytes().into(),
            },
            U256::ZERO,
        )
        .await
        .expect("bare calldata route");
    let bare = zkmltrack::chain::event::<Router::RouteAdded>(&receipt)
        .expect("RouteAdded")
        .route_id;
    let proof = prove_row(&iris_mlp, &eval, 0);
    let verdict = suite
        .chain()
        .view(
            "verifying on the bare route",
            d.router,
            &Router::verifyCall {
                route_id: bare,
                vk_digest: vka_digest(&model_vka),
                proof: Bytes::from(proof.bytes.clone()),
                instances: proof
                    .instances
                    .iter()
                    .map(|f| U256::from_be_bytes(f.to_be_bytes()))
                    .collect(),
                vka: model_vka,
            },
        )
        .await;
    assert!(
        !matches!(verdict, Ok(true)),
        "an unregistered calldata VKA verified: {verdict:?}"
    );
}

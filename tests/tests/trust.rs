//! Attacks on what the suite trusts (docs/security.md F1, F2, F3, F11), on the
//! devnet with real EZKL artifacts: a VKA made with another SRS (whose
//! trapdoor its maker may know), an architecture whose "class scores" are free
//! inputs, registering someone else's weight commitment, a proof of other
//! weights on the right architecture route, and renouncing ownership while
//! paused. Each is refused with its typed error, or kept out by the public
//! review of the route's architecture package, and changes nothing. Along the
//! way a participant who is not the suite owner registers an architecture
//! once (the owner approves it from its package, seeing no weights) and two
//! versions of it with no further owner step.

use alloy::primitives::{keccak256, Address, Bytes, U256};
use zkmltrack::{
    architecture,
    chain::{bindings::IVerifierRouter as Router, ChainError},
    evaluation::submission,
    prover::{Prover, ProverConfig, SrsSource},
    review::review,
    suite::{vka_digest, vka_srs_words, TaskSpec},
};
use zkmltrack_tests::{
    as_account, circuit, circuit_on, counts, deployed_suite, expect_revert, iris, open_and_draw,
    package_of, prove_row, prover, repo, test_account, weight_hash, SCALE,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_srs_free_outputs_and_key_squatting_are_refused() {
    let prover = prover();
    let (honest, bundle) = circuit(&prover, "model.onnx");
    let package = package_of(&honest, &bundle).reference();
    let (server, suite) = deployed_suite(&bundle).await;
    let url = server.url();
    let mallory = as_account(&suite, &url, test_account(0)).await;
    let d = suite.deployment.clone();
    let verifier = d.reusable_verifier.expect("reusable verifier");
    let (eval_csv, eval) = iris("eval.csv");
    let spec = TaskSpec::from_csv(&eval_csv, SCALE, 1, 5).expect("task");
    let task = suite.create_task(&spec).await.expect("task");
    let trusted = suite.trusted_srs().await.expect("trusted SRS");
    assert_eq!(
        Some(trusted),
        bundle.trusted_srs(),
        "deploy pins the bundle's SRS"
    );

    // F2: the same model set up with another SRS (a test SRS of another
    // workspace: another τ, as an attacker's own SRS would have).
    let other = Prover::new({
        let mut config = ProverConfig::new(
            repo().join("target/zkmltrack-tests/other-srs"),
            SrsSource::TestOnly,
        );
        config.input_scale = Some(SCALE);
        config
    })
    .expect("the EZKL environment");
    let (other_circuit, other_bundle) = circuit(&other, "model.onnx");
    let other_vka = other_bundle.vka_words();
    let other_srs = vka_srs_words(&other_vka).expect("G2 words");
    assert_eq!(other_srs[..4], trusted[..4], "same G2 generator");
    assert_ne!(other_srs[4..], trusted[4..], "another [τ]G2");
    let before = counts(&suite).await;
    let store = mallory
        .chain()
        .deploy_data("storing the VKA", &other_vka)
        .await
        .expect("data contract");
    expect_revert(
        "a stored-VKA route whose VKA carries another SRS",
        mallory
            .chain()
            .transact(
                "adding a route",
                d.router,
                &Router::addReusableRouteCall {
                    verifier,
                    vka_store: store,
                    vka_digest: vka_digest(&other_vka),
                    package_hash: package.hash,
                    package_uri: package.uri.clone().into_bytes().into(),
                },
                U256::ZERO,
            )
            .await,
        "UntrustedSrs",
    );
    expect_revert(
        "the same through the SDK",
        mallory.add_model_route(&other_vka, &package).await,
        "UntrustedSrs",
    );
    assert_eq!(counts(&suite).await, before, "refused routes changed state");
    // Even on a calldata-VKA route the owner added for its digest, a valid
    // proof under the other SRS is refused before the verifier runs.
    let receipt = suite
        .chain()
        .transact(
            "adding a calldata route",
            d.router,
            &Router::addReusableRouteCall {
                verifier,
                vka_store: Address::ZERO,
                vka_digest: vka_digest(&other_vka),
                package_hash: package.hash,
                package_uri: package.uri.clone().into_bytes().into(),
            },
            U256::ZERO,
        )
        .await
        .expect("calldata route");
    let calldata_route = zkmltrack::chain::event::<Router::RouteAdded>(&receipt)
        .expect("RouteAdded")
        .route_id;
    let proof = prove_row(&other_circuit, &eval, 0);
    expect_revert(
        "verifying a proof made with another SRS",
        mallory
            .chain()
            .view(
                "verifying",
                d.router,
                &Router::verifyCall {
                    route_id: calldata_route,
                    vk_digest: vka_digest(&other_vka),
                    proof: Bytes::from(proof.bytes.clone()),
                    instances: proof
                        .instances
                        .iter()
                        .map(|f| U256::from_be_bytes(f.to_be_bytes()))
                        .collect(),
                    vka: other_vka.clone(),
                },
            )
            .await,
        "UntrustedSrs",
    );

    // F1: an architecture whose three "class scores" are two free inputs and
    // 1 - h1 - h2, made with the trusted SRS and published as a package.
    // Mallory's route for it serves nothing until the owner approves it, and
    // the public review of its package refuses it.
    let rows: Vec<Vec<f64>> = eval
        .rows
        .iter()
        .map(|r| {
            let mut x = r.features.clone();
            x.extend([(r.label == 0) as u8 as f64, (r.label == 1) as u8 as f64]);
            x
        })
        .collect();
    let free = prover
        .circuit(
            &repo().join("examples/attacks/free_outputs.onnx"),
            &rows,
            &|_| {},
        )
        .expect("circuit");
    let solc = zkmltrack::solc::Solc::ensure(&prover.config().home).expect("solc");
    let free_bundle =
        zkmltrack::verifier::generate(&free, zkmltrack::prover::VerifierKind::Reusable, &solc)
            .expect("bundle");
    let free_vka = free_bundle.vka_words();
    let free_package = package_of(&free, &free_bundle);
    let lineage = mallory.create_lineage("free").await.expect("lineage");
    let versions_before = counts(&suite).await.0;
    let onnx =
        keccak256(std::fs::read(repo().join("examples/attacks/free_outputs.onnx")).expect("model"));
    let free_weights = zkmltrack::hashing::Felt::from_u64(7).to_be_bytes().into();
    let route = match mallory
        .register_version(
            lineage,
            onnx,
            free_weights,
            &free_vka,
            &free_package.reference(),
            "attack",
        )
        .await
    {
        Err(ChainError::AwaitingApproval { route_id }) => route_id,
        other => panic!("expected the route to await approval, got {other:?}"),
    };
    let pending = suite.route(route).await.expect("route");
    assert!(!pending.approved && pending.proposer == test_account(0).address());
    assert_eq!(pending.package_hash, free_package.hash);
    expect_revert(
        "registering on a route the owner did not approve",
        mallory
            .register_version_on(lineage, onnx, free_weights, route, "attack")
            .await,
        "RouteUnavailable",
    );
    expect_revert(
        "verifying through a route the owner did not approve",
        mallory
            .chain()
            .view(
                "verifying",
                d.router,
                &Router::verifyCall {
                    route_id: route,
                    vk_digest: vka_digest(&free_vka),
                    proof: Bytes::new(),
                    instances: vec![],
                    vka: vec![],
                },
            )
            .await,
        "RouteNotApproved",
    );
    expect_revert(
        "approval by someone other than the owner",
        mallory.approve_route(route).await,
        "OwnableUnauthorizedAccount",
    );
    // The owner's review sees only the package the route names (found from
    // its URI), never a trained model.
    let uri = suite.route_package_uri(route).await.expect("package URI");
    let fetched = architecture::Package::read_expecting(
        &architecture::local_dir(&uri).expect("a local package"),
        pending.package_hash,
    )
    .expect("the route's package");
    let (rebuilt, rebuilt_bundle) =
        architecture::rebuild(&prover, &fetched, &|_| {}).expect("rebuilt from the package");
    assert_eq!(vka_digest(&rebuilt_bundle.vka_words()), pending.digest);
    let findings = review(
        &pending,
        &rebuilt,
        &rebuilt_bundle.vka_words(),
        &spec,
        trusted,
        true,
    );
    assert!(
        findings
            .iter()
            .any(|f| f.contains("public instances are [[1, 6], [1, 1]]")),
        "the review names the free inputs: {findings:?}"
    );
    assert_eq!(counts(&suite).await.0, versions_before);

    // An honest architecture (the weak Iris MLP's), proposed by Mallory with
    // its package, passes the same review from the package alone.
    let (weak, weak_bundle) = circuit(&prover, "model_weak.onnx");
    let weak_package = package_of(&weak, &weak_bundle);
    let honest_route = mallory
        .add_model_route(&weak_bundle.vka_words(), &weak_package.reference())
        .await
        .expect("route");
    assert!(!honest_route.approved);
    let (rebuilt, rebuilt_bundle) =
        architecture::rebuild(&prover, &weak_package, &|_| {}).expect("rebuilt");
    assert_eq!(
        review(
            &honest_route,
            &rebuilt,
            &rebuilt_bundle.vka_words(),
            &spec,
            trusted,
            true
        ),
        Vec::<String>::new()
    );
    // ... but not for another task's shape, nor for another route's key.
    let mut wide = spec.clone();
    wide.class_count = 4;
    assert_eq!(
        review(
            &honest_route,
            &rebuilt,
            &rebuilt_bundle.vka_words(),
            &wide,
            trusted,
            true
        )
        .len(),
        1
    );
    assert!(!review(
        &pending,
        &rebuilt,
        &rebuilt_bundle.vka_words(),
        &spec,
        trusted,
        true
    )
    .is_empty());
    suite.approve_route(honest_route.id).await.expect("approve");

    // Two versions of the architecture (two sets of weights), registered by
    // Mallory with no further owner step: the weak model, and the good one
    // compiled under the package's settings (the same key).
    let (good, good_bundle) = circuit_on(&prover, "model.onnx", &weak_package);
    assert_eq!(
        vka_digest(&good_bundle.vka_words()),
        honest_route.digest,
        "other weights, same architecture, same key"
    );
    let weak_weights = weight_hash(&weak);
    let good_weights = weight_hash(&good);
    assert_ne!(weak_weights, good_weights);
    let weak_onnx =
        keccak256(std::fs::read(repo().join("examples/iris/model_weak.onnx")).expect("model"));
    let good_onnx =
        keccak256(std::fs::read(repo().join("examples/iris/model.onnx")).expect("model"));
    let version = mallory
        .register_version_on(lineage, weak_onnx, weak_weights, honest_route.id, "weak")
        .await
        .expect("registers once approved");
    let good_version = mallory
        .register_version_on(lineage, good_onnx, good_weights, honest_route.id, "good")
        .await
        .expect("a second version on the same route, no owner step");
    let registered = suite.version(good_version.version_id).await.expect("v");
    assert_eq!(
        (
            registered.weight_hash,
            registered.route_id,
            registered.vk_digest
        ),
        (good_weights, honest_route.id, honest_route.digest)
    );

    // F3: nobody else may register Mallory's weights, on her route or another.
    let owner_lineage = suite.create_lineage("squat").await.expect("lineage");
    let before = counts(&suite).await;
    expect_revert(
        "registering someone else's weight commitment",
        suite
            .register_version_on(
                owner_lineage,
                weak_onnx,
                weak_weights,
                honest_route.id,
                "squat",
            )
            .await,
        "WeightsAlreadyRegistered",
    );
    let again = suite
        .add_model_route(&weak_bundle.vka_words(), &weak_package.reference())
        .await
        .expect("the owner's own route for the same key");
    assert!(again.approved, "the owner's routes serve at once");
    expect_revert(
        "registering the weights on another route",
        suite
            .register_version_on(owner_lineage, weak_onnx, weak_weights, again.id, "squat")
            .await,
        "WeightsAlreadyRegistered",
    );
    assert_eq!(counts(&suite).await.0, before.0, "no version was added");
    assert_eq!(
        suite
            .version(version.version_id)
            .await
            .expect("v")
            .submitter,
        test_account(0).address()
    );

    // A valid proof of other weights on the right route scores nothing: the
    // weak version's drawn row, proved by the good model (same key).
    let (evaluation, indices) =
        open_and_draw(&mallory, task, version.version_id, 1, spec.dataset_size).await;
    let quantized = eval.quantize(SCALE).expect("quantized");
    let proof = prove_row(&good, &eval, indices[0]);
    let wrong = submission(&quantized, &indices, &proof).expect("the drawn row's submission");
    let before = counts(&suite).await;
    expect_revert(
        "a proof of other weights",
        mallory.submit(evaluation, &wrong).await,
        "WeightHashMismatch",
    );
    assert_eq!(counts(&suite).await, before);
    let state = suite.evaluation(evaluation).await.expect("evaluation");
    assert_eq!((state.scored, state.correct), (0, 0), "nothing was scored");
    // The version's own weights do score.
    let proof = prove_row(&weak, &eval, indices[0]);
    let right = submission(&quantized, &indices, &proof).expect("submission");
    mallory
        .submit(evaluation, &right)
        .await
        .expect("the version's own proof scores");
    let _ = task;

    // F11: renouncing ownership of the paused registry (the suite's pause
    // switch) would freeze the suite for good.
    suite.set_paused(true).await.expect("pause");
    expect_revert(
        "renouncing ownership while paused",
        suite
            .chain()
            .transact(
                "renouncing",
                d.registry,
                &zkmltrack::chain::bindings::IModelRegistry::renounceOwnershipCall {},
                U256::ZERO,
            )
            .await,
        "EnforcedPause",
    );
    assert_eq!(suite.owners().await.expect("owners").0, d.owner);
    suite.set_paused(false).await.expect("unpause");
}

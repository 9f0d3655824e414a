//! Reentrancy through hostile contracts on the devnet (docs/security.md,
//! section 2.8), compiled from `tests/solidity/Reentrant.sol` with the
//! project's solc: a randomness provider that calls back into the controller
//! from inside `requestRandomness` (fulfil, open again), and a plain verifier
//! that tries to draw another evaluation while verifying. Stylus programs
//! refuse reentrant calls unless built with the `reentrant` feature (ours are
//! not), and the controller calls the router, and the router the verifier,
//! with static calls; so every attempt fails and nothing changes. The router's
//! one mutable call out, `registerVka` on an allow-listed verifier, cannot
//! re-enter either.

use alloy::{
    primitives::{keccak256, Bytes, U256},
    sol,
    sol_types::SolValue,
};
use serde_json::json;
use zkmltrack::{
    chain::bindings::ITaskController as Controller,
    evaluation::{drawn_indices, submission},
    solc::Solc,
    suite::{EvaluationStatus, TaskSpec},
};
use zkmltrack_tests::{
    circuit, deployed_suite, expect_revert, iris, package_of, prove_row, prover, register_model,
    repo, weight_hash, SCALE,
};

sol! {
    interface IReentrantVkaVerifier {
        function registered() external view returns (bool);
        function reenteredInside() external view returns (bool);
    }

    interface IReentrantProvider {
        function requested() external view returns (uint64);
        function fulfilledInside() external view returns (bool);
        function reopenedInside() external view returns (bool);
        function fulfil(uint64 evaluationId, uint256 randomness) external;
    }
}

/// The compiled contracts of `Reentrant.sol`, by name.
fn compile(solc: &Solc) -> serde_json::Value {
    let source = std::fs::read_to_string(repo().join("tests/solidity/Reentrant.sol"))
        .expect("Reentrant.sol");
    let input = json!({
        "language": "Solidity",
        "sources": { "Reentrant.sol": { "content": source } },
        "settings": {
            "optimizer": { "enabled": true, "runs": 200 },
            "evmVersion": "shanghai",
            "outputSelection": { "*": { "*": ["evm.bytecode.object"] } }
        }
    });
    solc.compile(&input).expect("Reentrant.sol compiles")["contracts"]["Reentrant.sol"].take()
}

/// Contract `name`'s init code followed by its ABI-encoded constructor arguments.
fn init_code(contracts: &serde_json::Value, name: &str, args: Vec<u8>) -> Bytes {
    let hex = contracts[name]["evm"]["bytecode"]["object"]
        .as_str()
        .expect("bytecode");
    let mut code = alloy::primitives::hex::decode(hex).expect("hex");
    code.extend(args);
    code.into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_provider_and_verifier_cannot_reenter() {
    let prover = prover();
    let (iris_mlp, bundle) = circuit(&prover, "model.onnx");
    let (_server, suite) = deployed_suite(&bundle).await;
    let d = suite.deployment.clone();
    let chain = suite.chain();
    let solc = Solc::ensure(&prover.config().home).expect("solc");
    let contracts = compile(&solc);
    let (eval_csv, eval) = iris("eval.csv");
    let quantized = eval.quantize(SCALE).expect("quantized");
    let lineage = suite.create_lineage("iris").await.expect("lineage");
    let onnx = keccak256(std::fs::read(repo().join("examples/iris/model.onnx")).expect("model"));
    // Version 1 (the weak model's weights) only opens evaluations; the
    // hostile route below verifies the Iris model's weights.
    let (weak, weak_bundle) = circuit(&prover, "model_weak.onnx");
    let version = register_model(&suite, lineage, &weak, &weak_bundle, "v1")
        .await
        .expect("version");
    let package = package_of(&iris_mlp, &bundle).reference();

    // A provider that re-enters from requestRandomness.
    let provider = chain
        .deploy_evm(
            "deploying the reentrant provider",
            init_code(
                &contracts,
                "ReentrantProvider",
                (d.controller,).abi_encode_params(),
            ),
        )
        .await
        .expect("provider");
    let spec = TaskSpec {
        randomness: provider,
        hidden: false,
        ..TaskSpec::from_csv(&eval_csv, SCALE, 1, 2).expect("spec")
    };
    let task = suite.create_task(&spec).await.expect("task");
    let evaluation = suite
        .open_evaluation(task, version.version_id)
        .await
        .expect("the opening survives the provider's callbacks");
    let view = |call| async move { chain.view("provider", provider, &call).await };
    assert_eq!(
        view(IReentrantProvider::requestedCall {})
            .await
            .expect("requested"),
        evaluation
    );
    assert!(
        !chain
            .view(
                "provider",
                provider,
                &IReentrantProvider::fulfilledInsideCall {}
            )
            .await
            .expect("fulfilledInside"),
        "fulfilling from inside openEvaluation must fail"
    );
    assert!(
        !chain
            .view(
                "provider",
                provider,
                &IReentrantProvider::reopenedInsideCall {}
            )
            .await
            .expect("reopenedInside"),
        "opening again from inside openEvaluation must fail"
    );
    let opened = suite.evaluation(evaluation).await.expect("evaluation");
    assert_eq!(
        (opened.status, opened.seed),
        (EvaluationStatus::Committed, U256::ZERO),
        "the reentrant fulfilment set no seed"
    );
    assert_eq!(
        chain
            .view("count", d.controller, &Controller::evaluationCountCall {})
            .await
            .expect("count"),
        1,
        "the reentrant opening created nothing"
    );
    // Outside the opening, the provider's fulfilment works.
    chain
        .transact(
            "fulfilling",
            provider,
            &IReentrantProvider::fulfilCall {
                evaluationId: evaluation,
                randomness: U256::from(7u8),
            },
            U256::ZERO,
        )
        .await
        .expect("fulfils");
    assert_eq!(
        suite.evaluation(evaluation).await.expect("e").status,
        EvaluationStatus::Drawn
    );

    // A verifier that tries to draw a waiting evaluation while verifying.
    let beacon_task = suite
        .create_task(&TaskSpec::from_csv(&eval_csv, SCALE, 1, 2).expect("spec"))
        .await
        .expect("task");
    let victim = suite
        .open_evaluation(beacon_task, version.version_id)
        .await
        .expect("victim");
    let verifier = chain
        .deploy_evm(
            "deploying the reentrant verifier",
            init_code(
                &contracts,
                "ReentrantVerifier",
                (d.controller, victim).abi_encode_params(),
            ),
        )
        .await
        .expect("verifier");
    let receipt = chain
        .transact(
            "adding a plain route",
            d.router,
            &zkmltrack::chain::bindings::IVerifierRouter::addPlainRouteCall {
                verifier,
                package_hash: package.hash,
                package_uri: package.uri.clone().into_bytes().into(),
            },
            U256::ZERO,
        )
        .await
        .expect("the owner adds a plain route");
    let route = receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| {
            l.log_decode::<zkmltrack::chain::bindings::IVerifierRouter::RouteAdded>()
                .ok()
        })
        .expect("RouteAdded")
        .inner
        .data
        .route_id;
    let hostile = suite
        .register_version_on(lineage, onnx, weight_hash(&iris_mlp), route, "hostile")
        .await
        .expect("version on the hostile route");
    let attack = suite
        .open_evaluation(beacon_task, hostile.version_id)
        .await
        .expect("open");
    let drawn = suite.draw(attack).await.expect("draw");
    let index = drawn_indices(drawn.seed, 1, spec.dataset_size)[0];
    let proof = prove_row(&iris_mlp, &eval, index);
    let s = submission(&quantized, &[index], &proof).expect("submission");
    expect_revert(
        "a submission whose verifier tries to draw another evaluation",
        suite.submit(attack, &s).await,
        "ProofRejected",
    );
    let after = suite.evaluation(attack).await.expect("attack");
    assert_eq!((after.status, after.scored), (EvaluationStatus::Drawn, 0));
    assert_eq!(
        suite.evaluation(victim).await.expect("victim").status,
        EvaluationStatus::Committed,
        "the verifier could not draw the victim"
    );
    // The victim's draw works from outside: the verifier failed only because
    // it ran inside a static call.
    assert_eq!(
        suite.draw(victim).await.expect("draws").status,
        EvaluationStatus::Drawn
    );

    // An allow-listed verifier whose registerVka (the router's one mutable call
    // out) tries to add another route from inside: refused, one route added.
    let vka_verifier = chain
        .deploy_evm(
            "deploying the reentrant VKA verifier",
            init_code(
                &contracts,
                "ReentrantVkaVerifier",
                (d.router,).abi_encode_params(),
            ),
        )
        .await
        .expect("VKA verifier");
    suite
        .allow_verifier_at(vka_verifier, true)
        .await
        .expect("the owner allow-lists it (for the test)");
    let words = bundle.vka_words();
    let store = chain
        .deploy_data("storing the VKA", &words)
        .await
        .expect("store");
    let before = zkmltrack_tests::counts(&suite).await;
    chain
        .transact(
            "adding a stored route on the reentrant verifier",
            d.router,
            &zkmltrack::chain::bindings::IVerifierRouter::addReusableRouteCall {
                verifier: vka_verifier,
                vka_store: store,
                vka_digest: keccak256(words.concat()),
                package_hash: package.hash,
                package_uri: package.uri.clone().into_bytes().into(),
            },
            U256::ZERO,
        )
        .await
        .expect("the outer route is added");
    assert!(chain
        .view(
            "registered",
            vka_verifier,
            &IReentrantVkaVerifier::registeredCall {}
        )
        .await
        .expect("registered"));
    assert!(
        !chain
            .view(
                "reenteredInside",
                vka_verifier,
                &IReentrantVkaVerifier::reenteredInsideCall {}
            )
            .await
            .expect("reenteredInside"),
        "adding a route from inside registerVka must fail"
    );
    let after = zkmltrack_tests::counts(&suite).await;
    assert_eq!(after.1, before.1 + 1, "exactly the outer route was added");
    // The same inner call from outside succeeds: only the reentry was refused.
    chain
        .transact(
            "the inner call, from outside",
            d.router,
            &zkmltrack::chain::bindings::IVerifierRouter::addReusableRouteCall {
                verifier: vka_verifier,
                vka_store: alloy::primitives::Address::ZERO,
                vka_digest: alloy::primitives::B256::with_last_byte(1),
                package_hash: package.hash,
                package_uri: package.uri.clone().into_bytes().into(),
            },
            U256::ZERO,
        )
        .await
        .expect("the inner call works from outside");
}

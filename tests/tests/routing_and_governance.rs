//! Attacks on verifier routing, governance and the draw, on the devnet (see
//! `docs/security.md`, sections 2.2-2.4): verifier substitution, non-owner
//! governance, the pause, the two-step ownership transfer, drawing early and
//! fulfilling randomness as someone else. Each must revert with its typed
//! error and change nothing.

use alloy::primitives::{keccak256, Address, B256, U256};
use zkmltrack::{
    chain::bindings::{
        IModelRegistry as Registry, ITaskController as Controller, IVerifierRouter as Router,
    },
    evaluation::{drawn_indices, submission},
    prover::VerifierKind,
    solc::Solc,
    suite::{Suite, TaskSpec},
};
use zkmltrack_tests::{
    as_account, circuit, counts, deployed_suite, expect_revert, iris, package_of, prove_row,
    prover, register_model, repo, test_account, BN254_MODULUS, SCALE,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_governance_and_draw_attacks_revert_and_change_nothing() {
    let prover = prover();
    let (iris_mlp, bundle) = circuit(&prover, "model.onnx");
    let (_, weak_bundle) = circuit(&prover, "model_weak.onnx");
    let (server, suite) = deployed_suite(&bundle).await;
    let url = server.url();
    let stranger = as_account(&suite, &url, test_account(0)).await;
    let stranger_address = test_account(0).address();
    let d = suite.deployment.clone();
    let verifier = d.reusable_verifier.expect("reusable verifier");

    let (eval_csv, eval) = iris("eval.csv");
    let spec = TaskSpec::from_csv(&eval_csv, SCALE, 1, 5).expect("task");
    let task = suite.create_task(&spec).await.expect("task");
    let lineage = suite.create_lineage("iris").await.expect("lineage");
    let onnx = keccak256(std::fs::read(repo().join("examples/iris/model.onnx")).expect("model"));
    let version = register_model(&suite, lineage, &iris_mlp, &bundle, "attack")
        .await
        .expect("version");
    let package = package_of(&iris_mlp, &bundle).reference();
    let weak_digest = zkmltrack::suite::vka_digest(&weak_bundle.vka_words());
    let before = counts(&suite).await;

    // A weight commitment no proof can carry (p itself), and a route that
    // names no architecture package.
    expect_revert(
        "a version whose weight hash is not a field element",
        suite
            .chain()
            .transact(
                "registering",
                d.registry,
                &Registry::registerVersionCall {
                    lineage_id: lineage,
                    onnx_hash: onnx,
                    weight_hash: BN254_MODULUS.parse::<U256>().expect("p").into(),
                    route_id: version.route_id,
                    uri: "forged".into(),
                },
                U256::ZERO,
            )
            .await,
        "WeightHashNotAFieldElement",
    );
    expect_revert(
        "a route without an architecture package",
        stranger
            .chain()
            .transact(
                "adding a route",
                d.router,
                &Router::addReusableRouteCall {
                    verifier,
                    vka_store: Address::ZERO,
                    vka_digest: weak_digest,
                    package_hash: B256::ZERO,
                    package_uri: Default::default(),
                },
                U256::ZERO,
            )
            .await,
        "MissingPackage",
    );
    let solc = Solc::ensure(&prover.config().home).expect("solc");
    let plain = zkmltrack::verifier::generate(&iris_mlp, VerifierKind::Plain, &solc)
        .expect("plain verifier");
    let unlisted = suite
        .chain()
        .deploy_evm(
            "deploying code nobody allow-listed",
            plain.init_code().expect("init code").into(),
        )
        .await
        .expect("deploys");
    expect_revert(
        "a reusable route on verifier code that is not allow-listed",
        stranger
            .chain()
            .transact(
                "adding a route",
                d.router,
                &Router::addReusableRouteCall {
                    verifier: unlisted,
                    vka_store: Address::ZERO,
                    vka_digest: weak_digest,
                    package_hash: package.hash,
                    package_uri: package.uri.clone().into_bytes().into(),
                },
                U256::ZERO,
            )
            .await,
        "VerifierNotAllowed",
    );
    let store = stranger
        .chain()
        .deploy_data("storing a VKA", &weak_bundle.vka_words())
        .await
        .expect("data contract");
    expect_revert(
        "a stored VKA that does not hash to the claimed digest",
        stranger
            .chain()
            .transact(
                "adding a route",
                d.router,
                &Router::addReusableRouteCall {
                    verifier,
                    vka_store: store,
                    vka_digest: keccak256(b"another model"),
                    package_hash: package.hash,
                    package_uri: package.uri.clone().into_bytes().into(),
                },
                U256::ZERO,
            )
            .await,
        "VkaDigestMismatch",
    );
    // Stores whose code is not `0x00` followed by whole words: deployed with
    // init code that returns `runtime` as the contract's code.
    for (what, runtime) in [
        (
            "a store whose code does not start with 0x00",
            [&[0x01u8][..], &[7u8; 32]].concat(),
        ),
        ("a store holding no words", vec![0x00u8]),
        (
            "a store holding a partial word",
            [&[0x00u8][..], &[7u8; 31]].concat(),
        ),
    ] {
        let n = runtime.len() as u8;
        // PUSH1 n PUSH1 12 PUSH1 0 CODECOPY PUSH1 n PUSH1 0 RETURN, then the code.
        let init = [
            &[
                0x60, n, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, n, 0x60, 0x00, 0xf3,
            ][..],
            &runtime,
        ]
        .concat();
        let bad_store = stranger
            .chain()
            .deploy_evm(what, init.into())
            .await
            .expect("a malformed store deploys");
        expect_revert(
            what,
            stranger
                .chain()
                .transact(
                    "adding a route",
                    d.router,
                    &Router::addReusableRouteCall {
                        verifier,
                        vka_store: bad_store,
                        vka_digest: keccak256(&runtime[1..]),
                        package_hash: package.hash,
                        package_uri: package.uri.clone().into_bytes().into(),
                    },
                    U256::ZERO,
                )
                .await,
            "InvalidVkaStore",
        );
    }
    expect_revert(
        "a plain route added by someone other than the owner",
        stranger
            .chain()
            .transact(
                "adding a plain route",
                d.router,
                &Router::addPlainRouteCall {
                    verifier: unlisted,
                    package_hash: package.hash,
                    package_uri: package.uri.clone().into_bytes().into(),
                },
                U256::ZERO,
            )
            .await,
        "OwnableUnauthorizedAccount",
    );
    assert_eq!(
        counts(&suite).await,
        before,
        "routing attacks changed state"
    );

    // Governance by a stranger.
    expect_revert(
        "pause by a stranger",
        stranger.set_paused(true).await,
        "OwnableUnauthorizedAccount",
    );
    expect_revert(
        "allow-listing code by a stranger",
        stranger.allow_verifier_at(unlisted, true).await,
        "OwnableUnauthorizedAccount",
    );
    expect_revert(
        "revoking someone else's version",
        stranger.revoke_version(version.version_id).await,
        "NotVersionAdmin",
    );
    assert!(!suite.paused().await.expect("paused"));
    assert!(!suite
        .is_verifier_allowed(keccak256(plain.runtime_code().expect("runtime code")))
        .await
        .expect("allowed"));
    assert!(!suite.version(version.version_id).await.expect("v").revoked);

    // The draw: not before the beacon block, randomness only from the provider.
    let evaluation = suite
        .open_evaluation(task, version.version_id)
        .await
        .expect("open");
    expect_revert(
        "drawing before the beacon block",
        stranger
            .chain()
            .transact(
                "drawing",
                d.controller,
                &Controller::drawCall {
                    evaluation_id: evaluation,
                },
                U256::ZERO,
            )
            .await,
        "DrawTooEarly",
    );
    expect_revert(
        "randomness fulfilled by someone on a beacon task",
        stranger
            .chain()
            .transact(
                "fulfilling",
                d.controller,
                &Controller::fulfillRandomnessCall {
                    evaluation_id: evaluation,
                    randomness: U256::from(42),
                },
                U256::ZERO,
            )
            .await,
        "NotAuthorized",
    );
    let committed = suite.evaluation(evaluation).await.expect("evaluation");
    assert_eq!(committed.seed, U256::ZERO, "nobody fixed the seed early");
    let drawn = suite.draw(evaluation).await.expect("draw");
    let index = drawn_indices(drawn.seed, 1, spec.dataset_size)[0];
    let proof = prove_row(&iris_mlp, &eval, index);
    let honest = submission(&eval.quantize(SCALE).expect("q"), &[index], &proof).expect("sub");

    // Paused: nothing moves; the stranger cannot unpause.
    suite.set_paused(true).await.expect("pause");
    let frozen = suite.evaluation(evaluation).await.expect("evaluation");
    expect_revert(
        "a submission while paused",
        suite.submit(evaluation, &honest).await,
        "EnforcedPause",
    );
    expect_revert(
        "a task created while paused",
        suite.create_task(&spec).await,
        "EnforcedPause",
    );
    expect_revert(
        "unpause by a stranger",
        stranger.set_paused(false).await,
        "OwnableUnauthorizedAccount",
    );
    assert_eq!(suite.evaluation(evaluation).await.expect("e"), frozen);
    suite.set_paused(false).await.expect("unpause");

    // The router's own refusals reach the participant as the router raised
    // them (F10): the router alone paused, then the verifier's code delisted.
    set_router_paused(suite.chain(), d.router, true)
        .await
        .expect("the owner pauses the router");
    expect_revert(
        "a submission while the router alone is paused",
        suite.submit(evaluation, &honest).await,
        "EnforcedPause",
    );
    set_router_paused(suite.chain(), d.router, false)
        .await
        .expect("unpause the router");
    let verifier = d.reusable_verifier.expect("the suite's reusable verifier");
    let code_hash = suite
        .allow_verifier_at(verifier, false)
        .await
        .expect("the owner delists the verifier's code");
    expect_revert(
        "a submission through delisted verifier code",
        suite.submit(evaluation, &honest).await,
        "VerifierNotAllowed",
    );
    suite
        .allow_verifier_code(code_hash, true)
        .await
        .expect("listed again");
    assert_eq!(suite.evaluation(evaluation).await.expect("e"), frozen);

    // Revoked: the version cannot score any more.
    suite
        .revoke_version(version.version_id)
        .await
        .expect("revoke");
    expect_revert(
        "a submission for a revoked version",
        suite.submit(evaluation, &honest).await,
        "VersionIsRevoked",
    );
    assert_eq!(suite.evaluation(evaluation).await.expect("e"), frozen);

    // The router's pause is the owner's alone.
    for paused in [true, false] {
        expect_revert(
            &format!("router pause({paused}) by a stranger"),
            set_router_paused(stranger.chain(), d.router, paused).await,
            "OwnableUnauthorizedAccount",
        );
    }

    // Ownership moves in two steps; the old owner loses control, nobody else may accept.
    // A transfer that stopped half-way (the registry's started, the router's
    // not) is finished by running it again.
    suite
        .chain()
        .transact(
            "starting the registry's transfer only",
            d.registry,
            &Registry::transferOwnershipCall {
                new_owner: stranger_address,
            },
            U256::ZERO,
        )
        .await
        .expect("the registry's transfer starts");
    suite
        .transfer_ownership(stranger_address)
        .await
        .expect("the re-run finishes the transfer");
    for (what, contract) in [("registry", d.registry), ("router", d.router)] {
        let pending = suite
            .chain()
            .view(what, contract, &Registry::pendingOwnerCall {})
            .await
            .expect("pendingOwner");
        assert_eq!(pending, stranger_address, "{what}'s pending owner");
    }
    let third = as_account(&suite, &url, test_account(1)).await;
    expect_revert(
        "accepting ownership as a third account",
        third.accept_ownership().await,
        "OwnableUnauthorizedAccount",
    );
    assert_eq!(
        suite.owners().await.expect("owners"),
        (d.owner, d.owner),
        "ownership moved before acceptance"
    );
    stranger.accept_ownership().await.expect("accept");
    assert_eq!(
        suite.owners().await.expect("owners"),
        (stranger_address, stranger_address)
    );
    expect_revert(
        "pause by the previous owner",
        suite.set_paused(true).await,
        "OwnableUnauthorizedAccount",
    );
    stranger
        .set_paused(true)
        .await
        .expect("the new owner pauses");
    stranger
        .accept_ownership()
        .await
        .expect("accepting again is a no-op, so an interrupted acceptance can be re-run");

    // A tampered deployment file: a look-alike registry is refused on attach.
    let mut tampered = d.clone();
    tampered.registry = d.dataset_verifier;
    let chain = zkmltrack::chain::Chain::connect(&url, None)
        .await
        .expect("devnet");
    match Suite::attach(chain, tampered).await {
        Err(zkmltrack::chain::ChainError::Miswired {
            expected, actual, ..
        }) => {
            assert_eq!((expected, actual), (d.dataset_verifier, d.registry));
        }
        other => panic!("a miswired deployment was attached: {other:?}"),
    }
    // A look-alike leaderboard is refused too (the controller names its own).
    let mut tampered = d.clone();
    tampered.leaderboard = d.dataset_verifier;
    let chain = zkmltrack::chain::Chain::connect(&url, None)
        .await
        .expect("devnet");
    match Suite::attach(chain, tampered).await {
        Err(zkmltrack::chain::ChainError::Miswired {
            expected, actual, ..
        }) => {
            assert_eq!((expected, actual), (d.dataset_verifier, d.leaderboard));
        }
        other => panic!("a miswired leaderboard was attached: {other:?}"),
    }
    // The controller's and the registry's addresses swapped: the "controller"
    // does not answer the wiring view at all; named, not "reverted".
    let mut tampered = d.clone();
    (tampered.controller, tampered.registry) = (d.registry, d.controller);
    let chain = zkmltrack::chain::Chain::connect(&url, None)
        .await
        .expect("devnet");
    match Suite::attach(chain, tampered).await {
        Err(zkmltrack::chain::ChainError::NotTheContract { what, address, .. }) => {
            assert_eq!((what.as_str(), address), ("TaskController", d.registry));
        }
        other => panic!("a swapped deployment was attached: {other:?}"),
    }
}

/// Pauses or unpauses the VerifierRouter alone, as `chain`'s signer.
async fn set_router_paused(
    chain: &zkmltrack::chain::Chain,
    router: Address,
    paused: bool,
) -> Result<alloy::rpc::types::TransactionReceipt, zkmltrack::chain::ChainError> {
    if paused {
        chain
            .transact(
                "pausing the router",
                router,
                &Router::pauseCall {},
                U256::ZERO,
            )
            .await
    } else {
        chain
            .transact(
                "unpausing the router",
                router,
                &Router::unpauseCall {},
                U256::ZERO,
            )
            .await
    }
}

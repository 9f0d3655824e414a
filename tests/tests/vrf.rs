//! Chainlink VRF v2.5 as a task's randomness, on the devnet against
//! Chainlink's own `VRFCoordinatorV2_5Mock` (npm `@chainlink/contracts`,
//! pinned in `tools/`, compiled with the project's solc), through the CLI:
//! `deploy-vrf-provider`, `task create --randomness` and its refusals, an
//! evaluation drawn by the coordinator with real EZKL proofs that `audit`
//! recomputes; a fulfilment from anyone but the coordinator refused; a
//! request the coordinator never answers timing out as the provider timeout
//! does, a late answer changing nothing. Then a hidden task drawing from VRF
//! (`deploy-vrf-provider --hidden`): its owner's revealer and the
//! participant's `evaluate` in the background, the draw fixed by the
//! coordinator's answer only, the seed re-checked by `audit`.

use std::{
    process::{Output, Stdio},
    time::Duration,
};

use alloy::{
    primitives::{keccak256, Address, B256, U256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::SolEvent,
};
use zkmltrack::{
    chain::{
        bindings::{IHiddenSet, IVrfProvider},
        events,
    },
    suite::{EvaluationStatus, Suite, PROVIDER_TIMEOUT_BLOCKS},
};
use zkmltrack_tests::{
    chainlink::{
        coordinator_mock_init_code, funded_subscription, mock_word, IVRFCoordinatorV2_5Mock as Mock,
    },
    cli::{command, expect_error, json_of, stderr, tempdir, DevnetProcess},
    expect_revert, mine, prover, repo, suite_from_file, test_account,
};

fn zkmltrack(args: &[&str], env: &[(&str, &str)]) -> Output {
    zkmltrack_tests::cli::run(&repo().join("target/e2e-work"), args, env)
}

/// The mock's request ids so far, oldest first.
async fn requests(suite: &Suite, coordinator: Address) -> Vec<U256> {
    let filter = Filter::new()
        .address(coordinator)
        .event_signature(Mock::RandomWordsRequested::SIGNATURE_HASH)
        .from_block(0);
    suite
        .chain()
        .provider()
        .get_logs(&filter)
        .await
        .expect("logs")
        .iter()
        .map(|l| {
            Mock::RandomWordsRequested::decode_log(&l.inner)
                .expect("decodes")
                .data
                .requestId
        })
        .collect()
}

/// The coordinator answers a request (as the VRF network would); returns
/// whether its callback into the consumer succeeded, and whether the
/// provider's controller took the word.
async fn fulfil(
    suite: &Suite,
    coordinator: Address,
    request: U256,
    consumer: Address,
) -> (bool, bool) {
    let receipt = suite
        .chain()
        .transact(
            "fulfilling a VRF request",
            coordinator,
            &Mock::fulfillRandomWordsCall {
                requestId: request,
                consumer,
            },
            U256::ZERO,
        )
        .await
        .expect("the mock fulfils");
    let forwarded = events::<IVrfProvider::RandomnessForwarded>(&receipt);
    (
        events::<Mock::RandomWordsFulfilled>(&receipt)[0].success,
        forwarded.first().is_some_and(|f| f.accepted),
    )
}

/// The seed the controller derives from a provider's word.
fn seed_from(word: U256, evaluation_id: u64) -> U256 {
    let mut buf = word.to_be_bytes::<32>().to_vec();
    buf.extend_from_slice(&evaluation_id.to_be_bytes());
    U256::from_be_bytes(keccak256(&buf).0)
}

#[test]
fn an_evaluation_drawn_through_chainlink_vrf() {
    let devnet = DevnetProcess::start();
    let url = devnet.url.clone();
    let dir = tempdir("zkmltrack-vrf");
    let deployment = dir.join("deployment.json");
    let common = [
        "--rpc-url",
        &url,
        "--deployment",
        deployment.to_str().unwrap(),
    ];
    let cli_as =
        |env: &[(&str, &str)], args: &[&str]| zkmltrack(&[args, &common[..]].concat(), env);
    let cli = |args: &[&str]| cli_as(&[], args);

    // The suite, a beacon task and two versions of one lineage (the dev account's).
    let out = cli(&[
        "demo",
        "--external",
        "--test-srs",
        "--samples",
        "4",
        "--json",
    ]);
    assert!(out.status.success(), "demo: {}", stderr(&out));
    let demo = json_of(&out);
    let versions: Vec<u64> = demo["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version_id"].as_u64().unwrap())
        .collect();
    let eval_csv = repo().join("examples/iris/eval.csv");
    let eval_csv = eval_csv.to_str().unwrap();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dev_key = zkmltrack_tests::dev_key();
    let owner = runtime.block_on(suite_from_file(&url, &deployment, dev_key));
    let stranger = runtime.block_on(suite_from_file(&url, &deployment, test_account(0)));
    // Plays the VRF network (anyone may fulfil on the mock); an account of its
    // own, as the CLI signs with the dev key meanwhile.
    let oracle = runtime.block_on(suite_from_file(&url, &deployment, test_account(1)));

    // Chainlink's coordinator mock and a funded subscription of the dev account.
    let solc = zkmltrack::solc::Solc::ensure(&prover().config().home).expect("solc");
    let coordinator = runtime
        .block_on(
            owner
                .chain()
                .deploy_evm("VRFCoordinatorV2_5Mock", coordinator_mock_init_code(&solc)),
        )
        .expect("the mock deploys");
    let sub_id = runtime.block_on(funded_subscription(owner.chain(), coordinator));
    let key_hash = B256::repeat_byte(0x11).to_string();
    let coordinator_arg = coordinator.to_string();
    let deploy_provider = |sub: U256| {
        let sub = sub.to_string();
        let out = cli(&[
            "deploy-vrf-provider",
            "--json",
            "--coordinator",
            &coordinator_arg,
            "--key-hash",
            &key_hash,
            "--subscription",
            &sub,
        ]);
        assert!(
            out.status.success(),
            "deploy-vrf-provider: {}",
            stderr(&out)
        );
        json_of(&out)
    };
    let deployed = deploy_provider(sub_id);
    assert_eq!(
        deployed["is_consumer"], true,
        "the owner of the subscription adds it"
    );
    assert_eq!(
        deployed["controller"].as_str().unwrap().to_lowercase(),
        owner.deployment.controller.to_string().to_lowercase()
    );
    let provider: Address = deployed["address"].as_str().unwrap().parse().unwrap();

    // Refused before any task exists: an address that is no provider, and a
    // provider its subscription does not list.
    // `task create` of a task on the Iris rows drawing from `randomness`,
    // `extra` options (--hidden) and the key in `env`.
    let create_with = |env: &[(&str, &str)], extra: &[&str], randomness: &str| {
        let args = [
            &["task", "create", "--dataset", eval_csv, "--samples", "4"][..],
            &["--json", "--randomness", randomness],
            extra,
        ]
        .concat();
        cli_as(env, &args)
    };
    let create = |randomness: &str| create_with(&[], &[], randomness);
    expect_error(
        &create(&owner.deployment.owner.to_string()),
        5,
        "is not a VrfProvider",
    );
    let foreign_sub = runtime.block_on(funded_subscription(stranger.chain(), coordinator));
    let unlisted = deploy_provider(foreign_sub);
    assert_eq!(
        unlisted["is_consumer"], false,
        "someone else's subscription"
    );
    expect_error(
        &create(unlisted["address"].as_str().unwrap()),
        5,
        "does not list it as a consumer",
    );

    // A VRF task; `task show` names its provider.
    let out = create(&provider.to_string());
    assert!(out.status.success(), "task create: {}", stderr(&out));
    let task = json_of(&out)["task_id"].as_u64().unwrap();
    assert_eq!(task, 2, "the refused creations left no task behind");
    let shown = json_of(&cli(&["task", "show", "--task", "2", "--json"]));
    assert_eq!(shown["spec"]["randomness"], shown["vrf"]["address"]);
    assert_eq!(
        shown["vrf"]["terms"]["subscription_id"],
        format!("{sub_id:#x}")
    );

    // `evaluate` waits for the coordinator while it answers, as the VRF network would.
    let model = repo().join("examples/iris/model_batch4.onnx");
    let version = versions[0].to_string();
    let evaluate = command(
        &repo().join("target/e2e-work"),
        &[
            &[
                "evaluate",
                "--task",
                "2",
                "--version",
                &version,
                "--test-srs",
                "--json",
            ][..],
            &["--model", model.to_str().unwrap(), "--dataset", eval_csv],
            &common,
        ]
        .concat(),
        &[],
    )
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .expect("evaluate starts");
    let request = runtime.block_on(async {
        for _ in 0..600 {
            if let Some(&r) = requests(&owner, coordinator).await.first() {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!("no VRF request within 5 minutes");
    });
    assert_eq!(
        runtime.block_on(fulfil(&oracle, coordinator, request, provider)),
        (true, true),
        "the provider forwarded the word and the controller took it"
    );
    let out = evaluate.wait_with_output().expect("evaluate ends");
    let audit = runtime.block_on(drawn_from(&owner, &cli, &out, request, "2"));
    assert_eq!(
        audit["evaluations"][0]["seed_source"]["vrf"]["provider"]
            .as_str()
            .map(str::to_lowercase),
        Some(provider.to_string().to_lowercase())
    );

    // A request the coordinator never answers: only the coordinator may
    // fulfil; the provider timeout expires it and frees the model; a late
    // answer reaches the provider and changes nothing. (The dev account again,
    // with its nonce read afresh after the CLI's transactions.)
    let dev_key = zkmltrack_tests::dev_key();
    let owner = runtime.block_on(suite_from_file(&url, &deployment, dev_key));
    let second = runtime
        .block_on(owner.open_evaluation(task, versions[1]))
        .expect("opens");
    let pending = *runtime
        .block_on(requests(&owner, coordinator))
        .last()
        .unwrap();
    assert_ne!(pending, request);
    let forged = runtime.block_on(stranger.chain().transact(
        "fulfilling as someone else",
        provider,
        &IVrfProvider::rawFulfillRandomWordsCall {
            request_id: pending,
            random_words: vec![U256::from(7u8)],
        },
        U256::ZERO,
    ));
    expect_revert(
        "a fulfilment not from the coordinator",
        forged,
        "OnlyCoordinatorCanFulfill",
    );
    let forged = runtime.block_on(stranger.chain().transact(
        "fulfilling at the controller directly",
        owner.deployment.controller,
        &zkmltrack::chain::bindings::ITaskController::fulfillRandomnessCall {
            evaluation_id: second,
            randomness: U256::from(7u8),
        },
        U256::ZERO,
    ));
    expect_revert(
        "a fulfilment not from the provider",
        forged,
        "NotAuthorized",
    );
    runtime.block_on(mine(&owner, PROVIDER_TIMEOUT_BLOCKS + 1));
    let expired = runtime.block_on(stranger.draw(second)).expect("expires");
    assert_eq!(expired.status, EvaluationStatus::Expired);
    assert_eq!(
        runtime.block_on(fulfil(&oracle, coordinator, pending, provider)),
        (true, false),
        "the late answer does not revert in the provider; the controller refuses it"
    );
    let late = runtime
        .block_on(owner.evaluation(second))
        .expect("evaluation");
    assert_eq!(
        late.status,
        EvaluationStatus::Expired,
        "the late word changes nothing"
    );
    assert_eq!(late.seed, U256::ZERO);
    let reopened = runtime
        .block_on(owner.open_evaluation(task, versions[1]))
        .expect("the model may open again");
    assert_eq!(reopened, second + 1);

    // A hidden task drawing from VRF: a HiddenSet of its own forwards the
    // controller's requests to a provider that answers it.
    let out = cli(&[
        "deploy-vrf-provider",
        "--hidden",
        "--json",
        "--coordinator",
        &coordinator_arg,
        "--key-hash",
        &key_hash,
        "--subscription",
        &sub_id.to_string(),
    ]);
    assert!(
        out.status.success(),
        "deploy-vrf-provider --hidden: {}",
        stderr(&out)
    );
    let deployed = json_of(&out);
    assert_eq!(deployed["is_consumer"], true);
    let hidden_provider: Address = deployed["address"].as_str().unwrap().parse().unwrap();
    let hidden_set: Address = deployed["hidden_set"].as_str().unwrap().parse().unwrap();
    assert_ne!(hidden_set, owner.deployment.hidden_set);
    let upstream = runtime
        .block_on(owner.hidden_upstream(hidden_set))
        .expect("reads");
    assert_eq!(upstream, (owner.deployment.controller, hidden_provider));
    expect_error(&create(&hidden_provider.to_string()), 5, "pass --hidden");
    // The task owner is an account of its own; its revealer runs beside the
    // participant's (the dev account's) evaluation.
    let owner_key = test_account(2);
    let owner_hex = B256::from_slice(&owner_key.to_bytes()[..]).to_string();
    let owner_env = [("ZKMLTRACK_PRIVATE_KEY", owner_hex.as_str())];
    let create_hidden = |randomness: &str| create_with(&owner_env, &["--hidden"], randomness);
    expect_error(
        &create_hidden(&provider.to_string()),
        5,
        "not a HiddenSet serving",
    );
    let out = create_hidden(&hidden_provider.to_string());
    assert!(
        out.status.success(),
        "task create --hidden: {}",
        stderr(&out)
    );
    let hidden_task = json_of(&out)["task_id"].as_u64().unwrap().to_string();
    let shown = json_of(&cli(&["task", "show", "--task", &hidden_task, "--json"]));
    assert_eq!(shown["spec"]["hidden"], true);
    assert_eq!(
        shown["spec"]["randomness"].as_str().unwrap().to_lowercase(),
        hidden_set.to_string().to_lowercase()
    );
    assert_eq!(
        shown["vrf"]["address"].as_str().unwrap().to_lowercase(),
        hidden_provider.to_string().to_lowercase()
    );

    let background = |args: &[&str], env: &[(&str, &str)]| {
        command(
            &repo().join("target/e2e-work"),
            &[args, &common[..]].concat(),
            env,
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts")
    };
    let mut revealer = background(
        &[
            "task",
            "reveal",
            "--task",
            &hidden_task,
            "--dataset",
            eval_csv,
            "--watch",
        ],
        &owner_env,
    );
    let requested_before = runtime.block_on(requests(&owner, coordinator)).len();
    let evaluate = background(
        &[
            "evaluate",
            "--task",
            &hidden_task,
            "--version",
            &version,
            "--test-srs",
            "--json",
            "--model",
            model.to_str().unwrap(),
            "--calibration",
            eval_csv,
            "--reveal-timeout",
            "300",
        ],
        &[],
    );
    let request = runtime.block_on(async {
        for _ in 0..600 {
            let all = requests(&owner, coordinator).await;
            if all.len() > requested_before {
                return *all.last().unwrap();
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!("no VRF request for the hidden task within 5 minutes");
    });
    let hidden_id = *runtime
        .block_on(owner.evaluations_of_task(hidden_task.parse().unwrap()))
        .expect("evaluations")
        .last()
        .expect("the evaluation is open");
    // No beacon draw on this HiddenSet, and only its provider answers it.
    expect_revert(
        "a beacon draw on a HiddenSet drawing from VRF",
        runtime.block_on(stranger.chain().transact(
            "drawing from the beacon",
            hidden_set,
            &IHiddenSet::drawCall {
                controller: owner.deployment.controller,
                evaluation_id: hidden_id,
            },
            U256::ZERO,
        )),
        "DrawnUpstream",
    );
    expect_revert(
        "an answer not from the upstream provider",
        runtime.block_on(stranger.chain().transact(
            "answering as someone else",
            hidden_set,
            &IHiddenSet::fulfillRandomnessCall {
                evaluation_id: hidden_id,
                randomness: U256::from(7u8),
            },
            U256::ZERO,
        )),
        "NotServed",
    );
    let receipt = runtime
        .block_on(oracle.chain().transact(
            "fulfilling the hidden task's VRF request",
            coordinator,
            &Mock::fulfillRandomWordsCall {
                requestId: request,
                consumer: hidden_provider,
            },
            U256::ZERO,
        ))
        .expect("the mock fulfils");
    let forwarded = events::<IVrfProvider::RandomnessForwarded>(&receipt);
    assert!(
        events::<Mock::RandomWordsFulfilled>(&receipt)[0].success
            && forwarded.first().is_some_and(|f| f.accepted),
        "the HiddenSet took the word (fulfilment gas {})",
        receipt.gas_used
    );
    eprintln!(
        "hidden-task VRF fulfilment: {} gas in all (mock coordinator, provider, HiddenSet)",
        receipt.gas_used
    );
    let out = evaluate.wait_with_output().expect("evaluate ends");
    let _ = revealer.kill();
    let revealed = revealer.wait_with_output().expect("revealer output");
    let log = String::from_utf8_lossy(&revealed.stderr);
    assert!(log.contains("all rows revealed"), "{log}");
    assert_eq!(json_of(&out)["evaluation_id"].as_u64(), Some(hidden_id));
    let audit = runtime.block_on(drawn_from(&owner, &cli, &out, request, &hidden_task));
    assert_eq!(
        audit["evaluations"][0]["seed_source"]["vrf"]["provider"]
            .as_str()
            .map(str::to_lowercase),
        Some(hidden_provider.to_string().to_lowercase()),
        "the HiddenSet's upstream"
    );
}

/// `evaluate`'s output `out`: its evaluation finalized, its seed drawn from
/// VRF request `request`'s word, and `audit` of `task` agreeing with no
/// problem and naming the request. Returns the audit.
async fn drawn_from(
    owner: &Suite,
    cli: &dyn Fn(&[&str]) -> Output,
    out: &Output,
    request: U256,
    task: &str,
) -> serde_json::Value {
    assert!(out.status.success(), "evaluate: {}", stderr(out));
    let evaluation_id = json_of(out)["evaluation_id"].as_u64().unwrap();
    let evaluation = owner.evaluation(evaluation_id).await.expect("evaluation");
    assert_eq!(evaluation.status, EvaluationStatus::Finalized);
    assert_eq!(
        evaluation.seed,
        seed_from(mock_word(request), evaluation_id),
        "the seed comes from the coordinator's word"
    );
    let audit = cli(&["audit", "--task", task, "--json"]);
    assert!(audit.status.success(), "audit: {}", stderr(&audit));
    let audit = json_of(&audit);
    assert_eq!(audit["problems"].as_array().unwrap().len(), 0, "{audit}");
    assert_eq!(
        audit["evaluations"][0]["seed_source"]["vrf"]["request_id"],
        format!("{request:#x}"),
        "{audit}"
    );
    audit
}

//! `zkmltrack audit`: recomputes a task's leaderboard from chain data alone.
//!
//! It reads the controller's events (openings, draws, submissions,
//! finalizations) and the calldata of every `submitSamples` transaction, and
//! re-checks each submission off-chain, trusting none of the chain's
//! execution: the drawn indices from the seed, each row's Poseidon leaf and
//! Merkle path against the task's root, each EZKL proof with the verifier code
//! and the VKA read from the chain but executed in a private in-process EVM,
//! the predictions against the labels; then the accuracies and the ranking.
//!
//! It also lists the task's evaluations that never finished (committed,
//! drawn, or expired) with their facts: an honest run stopped by a crash or a
//! lost connection is one of them, and is not called anything else. Only a
//! lineage with several unfinished evaluations on the task gets the grinding
//! warning: opening evaluations and abandoning the draws one does not like is
//! how a participant grinds (docs/security.md, F4).

use std::collections::BTreeMap;

use alloy::{
    primitives::{Address, Bytes, B256, U256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::{SolCall, SolEvent},
};
use clap::Args;
use serde::Serialize;
use serde_json::json;
use zkmltrack::protocol::evm::init_code_for;
use zkmltrack::{
    chain::bindings::{
        IReusableVerifier, ITaskController as Controller, IVerifierRouter as Router,
    },
    evaluation::{accuracy_bps, drawn_indices, predicted_class},
    hashing::{leaf_hash, path_length, verify_path, Felt},
    suite::{vka_digest, EvaluationStatus},
};
use zkmltrack_devnet::{CallRequest, Devnet, TxRequest, DEV_ACCOUNT};

use crate::{
    context::Global,
    output::{emit, percent, table, CliError, Step, EXIT_AUDIT, EXIT_FAILURE},
};

/// `audit` options.
#[derive(Args, Debug)]
pub(crate) struct AuditArgs {
    /// Task id.
    #[arg(long)]
    pub task: u64,
}

/// An evaluation of the task that was opened but never finalized.
#[derive(Debug, Serialize)]
struct Unfinished {
    evaluation_id: u64,
    version_id: u64,
    lineage_id: u64,
    participant: Address,
    /// `committed`, `drawn` or `expired`.
    status: &'static str,
    /// Samples scored before it stopped.
    scored: u32,
    /// Block of its opening.
    opened_block: Option<u64>,
}

/// One evaluation as recomputed.
#[derive(Debug, Serialize)]
struct Audited {
    evaluation_id: u64,
    version_id: u64,
    samples: u32,
    correct: u32,
    accuracy_bps: u32,
    proofs_verified: usize,
    onchain_accuracy_bps: u32,
}

fn felt(word: &U256) -> Result<Felt, String> {
    Felt::from_be_bytes(&word.to_be_bytes()).map_err(|e| e.to_string())
}

/// Runs the audit.
pub(crate) async fn run(global: &Global, args: AuditArgs) -> Result<(), CliError> {
    let suite = global.suite().await?;
    let task = suite.task(args.task).await?.spec;
    let root = Felt::from_be_bytes(&task.root.0).map_err(|e| CliError::input(e.to_string()))?;
    let step = Step::start(format!("auditing task {}", args.task));
    let provider = suite.chain().provider().clone();
    let rpc = |e: alloy::transports::TransportError| CliError {
        code: EXIT_FAILURE,
        message: format!("reading chain data: {e}"),
    };
    let controller = suite.deployment.controller;
    let logs = |signature: B256| {
        Filter::new()
            .address(controller)
            .event_signature(signature)
            .from_block(0u64)
    };
    let finalized = provider
        .get_logs(&logs(Controller::EvaluationFinalized::SIGNATURE_HASH))
        .await
        .map_err(rpc)?;
    let drawn = provider
        .get_logs(&logs(Controller::SamplesDrawn::SIGNATURE_HASH))
        .await
        .map_err(rpc)?;
    let submitted = provider
        .get_logs(&logs(Controller::SamplesSubmitted::SIGNATURE_HASH))
        .await
        .map_err(rpc)?;
    let opened = provider
        .get_logs(&logs(Controller::EvaluationOpened::SIGNATURE_HASH))
        .await
        .map_err(rpc)?;
    let seeds: BTreeMap<u64, U256> = drawn
        .iter()
        .filter_map(|l| Controller::SamplesDrawn::decode_log(&l.inner).ok())
        .map(|l| (l.data.evaluation_id, l.data.seed))
        .collect();

    let mut problems = Vec::new();
    let mut audited = Vec::new();
    let mut evm = Devnet::default();
    let mut verifiers: BTreeMap<(Address, B256), Address> = BTreeMap::new();
    for log in &finalized {
        let Ok(event) = Controller::EvaluationFinalized::decode_log(&log.inner) else {
            continue;
        };
        let fin = event.data;
        if fin.task_id != args.task {
            continue;
        }
        let id = fin.evaluation_id;
        step.note(&format!("evaluation {id}"));
        let Some(&seed) = seeds.get(&id) else {
            problems.push(format!("evaluation {id}: no SamplesDrawn event"));
            continue;
        };
        let indices = drawn_indices(seed, task.samples, task.dataset_size);
        let version = suite.version(fin.version_id).await?;
        let route = suite
            .chain()
            .view(
                "VerifierRouter.route",
                suite.deployment.router,
                &Router::routeCall {
                    route_id: version.route_id,
                },
            )
            .await?;
        let (verifier, store) = (route._1, route._2);
        let store_code = provider.get_code_at(store).await.map_err(rpc)?;
        let words: Vec<B256> = store_code
            .get(1..)
            .unwrap_or_default()
            .chunks_exact(32)
            .map(B256::from_slice)
            .collect();
        if vka_digest(&words) != version.vk_digest {
            problems.push(format!(
                "evaluation {id}: the VKA stored for route {} does not hash to version {}'s digest",
                version.route_id, version.id
            ));
            continue;
        }
        // The verifier's code, run privately with this VKA registered.
        let local = match verifiers.get(&(verifier, version.vk_digest)) {
            Some(a) => *a,
            None => {
                let code = provider.get_code_at(verifier).await.map_err(rpc)?;
                let address = evm
                    .deploy(DEV_ACCOUNT, init_code_for(&code).into())
                    .map_err(|e| CliError {
                        code: EXIT_FAILURE,
                        message: format!("local EVM: {e}"),
                    })?;
                let registered = evm
                    .send(TxRequest {
                        from: DEV_ACCOUNT,
                        to: Some(address),
                        data: IReusableVerifier::registerVkaCall { vka: words.clone() }
                            .abi_encode()
                            .into(),
                        ..Default::default()
                    })
                    .map_err(|e| CliError {
                        code: EXIT_FAILURE,
                        message: format!("local EVM: {e}"),
                    })?;
                if !registered.success {
                    problems.push(format!(
                        "evaluation {id}: the verifier refuses the stored VKA"
                    ));
                    continue;
                }
                verifiers.insert((verifier, version.vk_digest), address);
                address
            }
        };

        let mut correct = 0u32;
        let mut slot = 0usize;
        let mut proofs = 0usize;
        let mut failed = false;
        for sub_log in submitted.iter().filter(|l| {
            Controller::SamplesSubmitted::decode_log(&l.inner)
                .is_ok_and(|e| e.data.evaluation_id == id)
        }) {
            let Some(hash) = sub_log.transaction_hash else {
                continue;
            };
            let tx = provider.get_transaction_by_hash(hash).await.map_err(rpc)?;
            let input: Option<Bytes> = tx.map(|t| alloy::consensus::Transaction::input(&t).clone());
            let Some(call) = input.and_then(|i| Controller::submitSamplesCall::abi_decode(&i).ok())
            else {
                problems.push(format!(
                    "evaluation {id}: transaction {hash} is not a direct submitSamples call"
                ));
                failed = true;
                break;
            };
            let n = call.labels.len();
            let f = task.feature_count as usize;
            let c = task.class_count as usize;
            if call.instances.len() != n * (f + c) {
                problems.push(format!(
                    "evaluation {id}: submission {hash} has the wrong instance count"
                ));
                failed = true;
                break;
            }
            let mut offset = 0usize;
            for (j, &label) in call.labels.iter().enumerate() {
                let Some(&index) = indices.get(slot + j) else {
                    problems.push(format!("evaluation {id}: more submissions than samples"));
                    failed = true;
                    break;
                };
                let features: Result<Vec<Felt>, String> = call.instances[j * f..(j + 1) * f]
                    .iter()
                    .map(felt)
                    .collect();
                let outputs: Result<Vec<Felt>, String> = call.instances
                    [n * f + j * c..n * f + (j + 1) * c]
                    .iter()
                    .map(felt)
                    .collect();
                let (Ok(features), Ok(outputs)) = (features, outputs) else {
                    problems.push(format!(
                        "evaluation {id}: an instance is not a field element"
                    ));
                    failed = true;
                    break;
                };
                let len = path_length(index as usize, task.dataset_size as usize);
                let path: Vec<Felt> = call
                    .merkle_proofs
                    .get(offset..offset + len)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|w| Felt::from_be_bytes(&w.0).ok())
                    .collect();
                offset += len;
                let leaf = leaf_hash(&features, Felt::from_u64(label as u64));
                if path.len() != len
                    || !verify_path(
                        root,
                        index as usize,
                        task.dataset_size as usize,
                        leaf,
                        &path,
                    )
                {
                    problems.push(format!(
                        "evaluation {id}: row {index} does not verify against the task's root"
                    ));
                    failed = true;
                }
                if predicted_class(&outputs) == Some(label as usize) {
                    correct += 1;
                }
            }
            let verdict = evm.call(&CallRequest {
                to: Some(local),
                data: IReusableVerifier::verifyProofCall {
                    proof: call.proof.clone(),
                    instances: call.instances.clone(),
                    vka: words.clone(),
                }
                .abi_encode()
                .into(),
                ..Default::default()
            });
            let accepted = verdict.is_ok_and(|r| {
                U256::from_be_slice(r.output.get(..32).unwrap_or_default()) == U256::from(1)
            });
            if !accepted {
                problems.push(format!(
                    "evaluation {id}: the proof of transaction {hash} does not verify"
                ));
                failed = true;
            }
            proofs += 1;
            slot += n;
        }
        if failed {
            continue;
        }
        if slot != task.samples as usize {
            problems.push(format!(
                "evaluation {id}: {slot} samples submitted, the task draws {}",
                task.samples
            ));
            continue;
        }
        let accuracy = accuracy_bps(correct, task.samples);
        if accuracy != fin.accuracy_bps || correct != fin.correct {
            problems.push(format!(
                "evaluation {id}: recomputed {correct}/{} ({}), the chain recorded {}/{} ({})",
                task.samples,
                percent(accuracy),
                fin.correct,
                fin.samples,
                percent(fin.accuracy_bps)
            ));
        }
        audited.push(Audited {
            evaluation_id: id,
            version_id: fin.version_id,
            samples: task.samples,
            correct,
            accuracy_bps: accuracy,
            proofs_verified: proofs,
            onchain_accuracy_bps: fin.accuracy_bps,
        });
    }

    // The ranking: best first, ties keep the earlier finalization ahead; top 10
    // of the versions not revoked. The controller drops a revoked entry when
    // it is read or next re-ranks, so evaluations that fell off the top 10
    // before a revocation stay off: the board must be a prefix of the ranking.
    let mut ranking: Vec<&Audited> = audited.iter().collect();
    ranking.sort_by_key(|a| std::cmp::Reverse(a.accuracy_bps));
    let mut revoked = std::collections::BTreeSet::new();
    for a in &ranking {
        if suite.version(a.version_id).await?.revoked {
            revoked.insert(a.version_id);
        }
    }
    let expected: Vec<u64> = ranking
        .iter()
        .filter(|a| !revoked.contains(&a.version_id))
        .take(10)
        .map(|a| a.evaluation_id)
        .collect();
    let board: Vec<u64> = suite
        .leaderboard(args.task)
        .await?
        .iter()
        .map(|e| e.evaluation_id)
        .collect();
    if !expected.starts_with(&board) || (revoked.is_empty() && expected != board) {
        problems.push(format!(
            "leaderboard order {board:?}, recomputed {expected:?}"
        ));
    }
    // Evaluations of the task that never finished, and how many each lineage has.
    let finished: std::collections::BTreeSet<u64> =
        audited.iter().map(|a| a.evaluation_id).collect();
    let mut unfinished = Vec::new();
    for log in &opened {
        let Ok(event) = Controller::EvaluationOpened::decode_log(&log.inner) else {
            continue;
        };
        let open = event.data;
        if open.task_id != args.task || finished.contains(&open.evaluation_id) {
            continue;
        }
        let evaluation = suite.evaluation(open.evaluation_id).await?;
        let status = match evaluation.status {
            EvaluationStatus::Committed => "committed",
            EvaluationStatus::Drawn => "drawn",
            EvaluationStatus::Expired => "expired",
            // Finalized but not found above: already reported as a problem
            // (no SamplesDrawn event) or not this task's.
            EvaluationStatus::Finalized => continue,
        };
        unfinished.push(Unfinished {
            evaluation_id: open.evaluation_id,
            version_id: open.version_id,
            lineage_id: suite.version(open.version_id).await?.lineage_id,
            participant: open.participant,
            status,
            scored: evaluation.scored,
            opened_block: log.block_number,
        });
    }
    let mut lineage_of = BTreeMap::new();
    for a in &audited {
        lineage_of.insert(a.version_id, suite.version(a.version_id).await?.lineage_id);
    }
    let unfinished_in = |lineage: u64| {
        unfinished
            .iter()
            .filter(|u| u.lineage_id == lineage)
            .count()
    };
    step.done(format!(
        "{} evaluations, {} unfinished, {} problems",
        audited.len(),
        unfinished.len(),
        problems.len()
    ));

    let rows: Vec<Vec<String>> = ranking
        .iter()
        .map(|a| {
            vec![
                a.evaluation_id.to_string(),
                a.version_id.to_string(),
                lineage_of[&a.version_id].to_string(),
                unfinished_in(lineage_of[&a.version_id]).to_string(),
                a.proofs_verified.to_string(),
                format!("{}/{}", a.correct, a.samples),
                percent(a.accuracy_bps),
                percent(a.onchain_accuracy_bps),
                if revoked.contains(&a.version_id) {
                    "revoked".into()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    // Lineages with more than one unfinished evaluation on the task: one
    // stopped run is no pattern, several are what grinding looks like.
    let mut per_lineage: BTreeMap<u64, usize> = BTreeMap::new();
    for u in &unfinished {
        *per_lineage.entry(u.lineage_id).or_default() += 1;
    }
    let grinding: BTreeMap<u64, usize> = per_lineage.into_iter().filter(|(_, n)| *n > 1).collect();
    let unfinished_text = if unfinished.is_empty() {
        "no unfinished evaluations".to_string()
    } else {
        let rows: Vec<Vec<String>> = unfinished
            .iter()
            .map(|u| {
                vec![
                    u.evaluation_id.to_string(),
                    u.version_id.to_string(),
                    u.lineage_id.to_string(),
                    u.participant.to_string(),
                    u.status.to_string(),
                    format!("{}/{}", u.scored, task.samples),
                    u.opened_block.map(|b| b.to_string()).unwrap_or_default(),
                ]
            })
            .collect();
        format!(
            "unfinished evaluations (opened, not finalized):\n{}",
            table(
                &[
                    "evaluation",
                    "version",
                    "lineage",
                    "participant",
                    "status",
                    "scored",
                    "opened at block"
                ],
                &rows
            )
        )
    };
    let grinding_text = if grinding.is_empty() {
        String::new()
    } else {
        format!(
            "\ngrinding check: {} (several unfinished evaluations of one lineage on a task can \
             mean draws abandoned until a good one came, docs/security.md F4)",
            grinding
                .iter()
                .map(|(l, n)| format!("lineage {l} has {n} unfinished evaluations"))
                .collect::<Vec<_>>()
                .join("; ")
        )
    };
    let text = format!(
        "{}\n{}{grinding_text}\n{}",
        table(
            &[
                "evaluation",
                "version",
                "lineage",
                "unfinished in lineage",
                "proofs ok",
                "correct",
                "recomputed",
                "on-chain",
                "status"
            ],
            &rows
        ),
        unfinished_text,
        if problems.is_empty() {
            "audit: every entry matches the chain's data".to_string()
        } else {
            format!(
                "audit: {} mismatch(es):\n  {}",
                problems.len(),
                problems.join("\n  ")
            )
        }
    );
    emit(
        global.json(),
        &json!({
            "task_id": args.task,
            "evaluations": audited,
            "leaderboard": board,
            "unfinished": unfinished,
            "grinding_check": grinding
                .iter()
                .map(|(l, n)| json!({ "lineage_id": l, "unfinished": n }))
                .collect::<Vec<_>>(),
            "problems": problems,
        }),
        &text,
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CliError {
            code: EXIT_AUDIT,
            message: format!(
                "the audit of task {} found {} mismatch(es)",
                args.task,
                problems.len()
            ),
        })
    }
}

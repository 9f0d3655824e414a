//! Recomputing a task's leaderboard from chain data alone.
//!
//! [`audit`] reads the controller's events (openings, draws, submissions,
//! finalizations) and the calldata of every `submitSamples` transaction, and
//! re-checks each submission off-chain, trusting none of the chain's
//! execution: the seed from its randomness (the beacon block's hash, or the
//! word a VrfProvider forwarded), the drawn indices from the seed, each row's Poseidon leaf and
//! Merkle path against the task's root, each EZKL proof with the verifier code
//! and the VKA read from the chain but executed in a [`PrivateEvm`] the caller
//! brings, the predictions against the labels; then the accuracies and the
//! ranking.
//!
//! A hidden task's rows are read from its HiddenSet's reveals: the audit
//! replays every reveal of the task in chain order (each slot's draw skips
//! the rows revealed before, as the HiddenSet's does), checks the revealed
//! rows against the root with the multi-proof of each reveal transaction,
//! and checks that each submission proved exactly the revealed rows.
//!
//! It also lists the task's evaluations that never finished (committed,
//! drawn, or expired) with their facts: an honest run stopped by a crash or a
//! lost connection is one of them, and is not called anything else. Only a
//! lineage with several unfinished evaluations on the task gets the grinding
//! warning: opening evaluations and abandoning the draws one does not like is
//! how a participant grinds (docs/security.md, F4).

use std::collections::{BTreeMap, BTreeSet};

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{keccak256, Address, B256, U256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::{SolCall, SolEvent},
};
use serde::Serialize;
use zkmltrack_protocol::evaluation::seed_preimage;

use crate::{
    chain::{
        bindings::{
            IHiddenSet, IReusableVerifier, ITaskController as Controller,
            IVerifierRouter as Router, IVrfProvider,
        },
        ChainError,
    },
    evaluation::{
        accuracy_bps, drawn_indices, instance_ranges, percent, predicted_class, InstanceLayout,
    },
    explorer::direct_call,
    hashing::{leaf_hash, verify_multiproof, Felt},
    suite::{vka_digest, EvaluationStatus, Suite, TaskSpec},
};

/// An EVM of the auditor's own, in which the verifiers' code read from the
/// chain runs (the SDK does not link one: the `zkmltrack` CLI brings the
/// devnet's, a dApp may bring revm or any other).
pub trait PrivateEvm {
    /// Deploys `runtime` verbatim; its address.
    fn deploy(&mut self, runtime: &[u8]) -> Result<Address, String>;
    /// Runs a transaction (its state changes kept); whether it succeeded.
    fn transact(&mut self, to: Address, data: Vec<u8>) -> Result<bool, String>;
    /// A read-only call: its output, `None` when it reverted or failed.
    fn call(&mut self, to: Address, data: Vec<u8>) -> Option<Vec<u8>>;
}

/// Why an audit could not run (a mismatch it finds is a
/// [`AuditReport::problems`] entry, not an error).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The chain could not be read.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// Logs or transactions could not be read.
    #[error("reading chain data: {0}")]
    Rpc(String),
    /// The private EVM failed.
    #[error("local EVM: {0}")]
    Evm(String),
    /// The task's root is not a field element.
    #[error("task {task_id}'s root is not a field element: {reason}")]
    Root {
        /// The task.
        task_id: u64,
        /// Why.
        reason: String,
    },
}

/// One finalized evaluation as recomputed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditedEvaluation {
    /// Evaluation.
    pub evaluation_id: u64,
    /// Model version.
    pub version_id: u64,
    /// Samples drawn.
    pub samples: u32,
    /// Correct predictions recomputed.
    pub correct: u32,
    /// Accuracy recomputed.
    pub accuracy_bps: u32,
    /// Proofs that verified in the private EVM.
    pub proofs_verified: usize,
    /// Accuracy the chain recorded.
    pub onchain_accuracy_bps: u32,
    /// Where the seed came from, as re-checked.
    pub seed_source: SeedSource,
}

/// Where an evaluation's seed came from. The seed is `keccak256(entropy ‖
/// evaluationId)`; the audit recomputes it from the entropy it can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeedSource {
    /// The hash of the beacon block (`commit + drawDelay`), read from the chain.
    Beacon {
        /// The beacon block.
        block: u64,
    },
    /// The word the task's VrfProvider forwarded from the VRF coordinator.
    Vrf {
        /// The provider.
        provider: Address,
        /// The coordinator's request id.
        request_id: U256,
    },
    /// Another provider: its fulfilment is the entropy, which only that
    /// provider's own records could show (trusted, not re-checked).
    Provider {
        /// The provider.
        provider: Address,
    },
}

/// An evaluation of the task that was opened but never finalized.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnfinishedEvaluation {
    /// Evaluation.
    pub evaluation_id: u64,
    /// Model version.
    pub version_id: u64,
    /// Its lineage.
    pub lineage_id: u64,
    /// Participant.
    pub participant: Address,
    /// Committed, drawn or expired.
    pub status: EvaluationStatus,
    /// Samples scored before it stopped.
    pub scored: u32,
    /// Block of its opening.
    pub opened_block: Option<u64>,
}

/// An architecture route re-checked from its public package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RouteCheck {
    /// The route.
    pub route: u64,
    /// The package hash it records.
    pub package_hash: B256,
    /// Where its `RouteAdded` event says the package is.
    pub package_uri: String,
    /// Whether the package was found and rebuilt the route's key.
    pub rebuilt: bool,
    /// What the review found wrong (empty when it passes).
    pub findings: Vec<String>,
}

/// A lineage with several unfinished evaluations on the task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct GrindingSuspect {
    /// The lineage.
    pub lineage_id: u64,
    /// Its unfinished evaluations on the task.
    pub unfinished: usize,
}

/// What an audit found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// The task.
    pub task_id: u64,
    /// Finalized evaluations recomputed, in finalization order.
    pub evaluations: Vec<AuditedEvaluation>,
    /// The on-chain leaderboard's evaluation ids.
    pub leaderboard: Vec<u64>,
    /// Evaluations opened and never finalized.
    pub unfinished: Vec<UnfinishedEvaluation>,
    /// Lineages with more than one unfinished evaluation (one stopped run is
    /// no pattern; several are what grinding looks like).
    pub grinding_check: Vec<GrindingSuspect>,
    /// Every mismatch between the chain's record and the recomputation.
    pub problems: Vec<String>,
    /// The architecture routes of the audited evaluations, re-checked from
    /// their packages ([`check_routes`]; empty unless asked for).
    pub routes: Vec<RouteCheck>,
    /// The recomputed ranking (evaluation ids, best first, ties in
    /// finalization order), revoked versions included.
    #[serde(skip)]
    pub ranking: Vec<u64>,
    /// Versions of the ranking that are revoked.
    #[serde(skip)]
    pub revoked: BTreeSet<u64>,
    /// The lineage of each audited version.
    #[serde(skip)]
    pub lineage_of: BTreeMap<u64, u64>,
}

/// `report`'s record of evaluation `id`, when it found no problem with it.
fn clean_record(report: &AuditReport, id: u64) -> Option<AuditedEvaluation> {
    let prefix = format!("evaluation {id}:");
    if report.problems.iter().any(|p| p.starts_with(&prefix)) {
        return None;
    }
    report
        .evaluations
        .iter()
        .find(|a| a.evaluation_id == id)
        .cloned()
}

/// The seed the controller derives from `entropy` ([`seed_preimage`]).
fn seed_of(entropy: U256, evaluation_id: u64) -> U256 {
    U256::from_be_bytes(keccak256(seed_preimage(entropy.to_be_bytes(), evaluation_id)).0)
}

fn felt(word: &U256) -> Option<Felt> {
    Felt::from_be_bytes(&word.to_be_bytes()).ok()
}

/// Where `task`'s entropy comes from: a public task's randomness provider; a
/// hidden task's HiddenSet's upstream provider when it serves this suite's
/// controller; zero for the beacon (a HiddenSet without upstream, or an
/// address that does not answer as a HiddenSet or serves another
/// controller). A failing node is an error, not the beacon.
async fn entropy_provider(suite: &Suite, task: &TaskSpec) -> Result<Address, ChainError> {
    if !task.hidden {
        return Ok(task.randomness);
    }
    match suite.hidden_upstream(task.randomness).await {
        Ok((served, provider)) if served == suite.deployment.controller => Ok(provider),
        Ok(_) | Err(ChainError::Reverted { .. } | ChainError::Undecodable { .. }) => {
            Ok(Address::ZERO)
        }
        Err(e) => Err(e),
    }
}

/// What an audit of a task reads, for a cache of audits: nothing any of
/// [`Self::contracts`] logs since an audit leaves that audit as it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditSources {
    /// The suite's controller, registry, leaderboard and router, the task's
    /// randomness provider (a hidden task's HiddenSet, for its reveals) and
    /// the provider its entropy comes from; sorted.
    pub contracts: Vec<Address>,
    /// Whether the list may change without a log: a hidden task's HiddenSet
    /// without upstream may be given one (once; `setUpstream` logs nothing),
    /// so a cache reads the sources again at each check while this holds.
    pub may_change: bool,
}

/// What an audit of task `task_id` reads ([`AuditSources`]).
pub async fn audit_sources(suite: &Suite, task_id: u64) -> Result<AuditSources, AuditError> {
    let task = suite.task(task_id).await?.spec;
    let entropy = entropy_provider(suite, &task).await?;
    let d = &suite.deployment;
    let mut contracts = vec![
        d.controller,
        d.registry,
        d.leaderboard,
        d.router,
        task.randomness,
        entropy,
    ];
    contracts.retain(|a| !a.is_zero());
    contracts.sort_unstable();
    contracts.dedup();
    Ok(AuditSources {
        contracts,
        may_change: task.hidden && entropy.is_zero(),
    })
}

/// Audits task `task_id` of `suite`; `note` hears which evaluation is being
/// checked.
pub async fn audit(
    suite: &Suite,
    task_id: u64,
    evm: &mut dyn PrivateEvm,
    note: &dyn Fn(&str),
) -> Result<AuditReport, AuditError> {
    audit_after(suite, task_id, evm, None, note).await
}

/// [`audit`], re-using `previous` (an earlier audit of the same task on the
/// same chain): an evaluation it recomputed without a problem keeps that
/// record, and only the others are checked again. A finalized evaluation's
/// events, transactions, seed, stored VKA and verifier never change, so its
/// record stands; what can change (revocations, new evaluations, the board)
/// is read again, and the ranking is recomputed whole. The report equals a
/// full audit's on a chain that was not reorganized in between.
pub async fn audit_after(
    suite: &Suite,
    task_id: u64,
    evm: &mut dyn PrivateEvm,
    previous: Option<&AuditReport>,
    note: &dyn Fn(&str),
) -> Result<AuditReport, AuditError> {
    // Another task's report holds nothing of this one.
    let previous = previous.filter(|p| p.task_id == task_id);
    let task = suite.task(task_id).await?.spec;
    let root = Felt::from_be_bytes(&task.root.0).map_err(|e| AuditError::Root {
        task_id,
        reason: e.to_string(),
    })?;
    let provider = suite.chain().provider().clone();
    let rpc = |e: alloy::transports::TransportError| AuditError::Rpc(e.to_string());
    let controller = suite.deployment.controller;
    // The four events the audit replays, in one read of the chain.
    let events = [
        Controller::EvaluationFinalized::SIGNATURE_HASH,
        Controller::SamplesDrawn::SIGNATURE_HASH,
        Controller::SamplesSubmitted::SIGNATURE_HASH,
        Controller::EvaluationOpened::SIGNATURE_HASH,
    ];
    let all = suite
        .chain()
        .logs(
            "reading the controller's evaluation events",
            &Filter::new()
                .address(controller)
                .event_signature(events.to_vec())
                .from_block(suite.deployment.first_block),
        )
        .await?;
    let [finalized, drawn, submitted, opened] = events.map(|signature| {
        all.iter()
            .filter(|l| l.topic0() == Some(&signature))
            .cloned()
            .collect::<Vec<_>>()
    });
    let seeds: BTreeMap<u64, U256> = drawn
        .iter()
        .filter_map(|l| Controller::SamplesDrawn::decode_log(&l.inner).ok())
        .map(|l| (l.data.evaluation_id, l.data.seed))
        .collect();

    let commits: BTreeMap<u64, u64> = opened
        .iter()
        .filter_map(|l| Controller::EvaluationOpened::decode_log(&l.inner).ok())
        .map(|l| (l.data.evaluation_id, l.data.commit_block))
        .collect();
    let upstream = entropy_provider(suite, &task).await?;
    // The words that provider forwarded, when it is a VrfProvider.
    let mut forwarded: BTreeMap<u64, (U256, U256)> = BTreeMap::new();
    if !upstream.is_zero() {
        let filter = Filter::new()
            .address(upstream)
            .event_signature(IVrfProvider::RandomnessForwarded::SIGNATURE_HASH)
            .from_block(suite.deployment.first_block);
        for log in suite
            .chain()
            .logs("reading RandomnessForwarded", &filter)
            .await?
        {
            if let Ok(e) = IVrfProvider::RandomnessForwarded::decode_log(&log.inner) {
                if e.data.accepted {
                    forwarded.insert(e.data.evaluation_id, (e.data.randomness, e.data.request_id));
                }
            }
        }
    }

    let mut problems = Vec::new();
    // A hidden task's rows, per evaluation in slot order, as the replay of
    // its reveals found them (none for a public task).
    let revealed = if task.hidden {
        replay_reveals(suite, task_id, &task, root, &seeds, &mut problems).await?
    } else {
        BTreeMap::new()
    };
    let mut audited = Vec::new();
    let mut verifiers: BTreeMap<(Address, B256), Address> = BTreeMap::new();
    for log in &finalized {
        let Ok(event) = Controller::EvaluationFinalized::decode_log(&log.inner) else {
            continue;
        };
        let fin = event.data;
        if fin.task_id != task_id {
            continue;
        }
        let id = fin.evaluation_id;
        if let Some(record) = previous.and_then(|p| clean_record(p, id)) {
            audited.push(record);
            continue;
        }
        note(&format!("evaluation {id}"));
        let Some(&seed) = seeds.get(&id) else {
            problems.push(format!("evaluation {id}: no SamplesDrawn event"));
            continue;
        };
        // A hidden task's HiddenSet without upstream draws from the beacon as well.
        let seed_source = if upstream.is_zero() {
            let Some(&commit) = commits.get(&id) else {
                problems.push(format!("evaluation {id}: no EvaluationOpened event"));
                continue;
            };
            let block = commit + task.draw_delay as u64;
            let hash = provider
                .get_block_by_number(BlockNumberOrTag::Number(block))
                .await
                .map_err(rpc)?
                .map(|b| b.header.hash);
            if hash.map(|h| seed_of(h.into(), id)) != Some(seed) {
                problems.push(format!(
                    "evaluation {id}: its seed is not drawn from the hash of its beacon block {block}"
                ));
                continue;
            }
            SeedSource::Beacon { block }
        } else if forwarded.is_empty() {
            SeedSource::Provider { provider: upstream }
        } else {
            let Some(&(word, request_id)) = forwarded.get(&id) else {
                problems.push(format!(
                    "evaluation {id}: the task's VrfProvider {upstream} forwarded no word for it"
                ));
                continue;
            };
            if seed_of(word, id) != seed {
                problems.push(format!(
                    "evaluation {id}: its seed is not drawn from the word VRF request {request_id} \
                     forwarded"
                ));
                continue;
            }
            SeedSource::Vrf {
                provider: upstream,
                request_id,
            }
        };
        let hidden_rows = revealed.get(&id);
        let indices: Vec<u64> = match hidden_rows {
            Some(rows) => rows.iter().map(|r| r.0).collect(),
            None if task.hidden => {
                problems.push(format!("evaluation {id}: no rows were revealed for it"));
                continue;
            }
            None => drawn_indices(seed, task.samples, task.dataset_size),
        };
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
        // A reusable verifier ignores bytes past the proof: the router refuses
        // any other length than the VKA's, and so does the audit.
        let proof_len = zkmltrack_protocol::router::vka_proof_len(|i| words.get(i).map(|w| w.0));
        // The verifier's code, run privately with this VKA registered.
        let local = match verifiers.get(&(verifier, version.vk_digest)) {
            Some(a) => *a,
            None => {
                let code = provider.get_code_at(verifier).await.map_err(rpc)?;
                let address = evm.deploy(&code).map_err(AuditError::Evm)?;
                let registered = evm
                    .transact(
                        address,
                        IReusableVerifier::registerVkaCall { vka: words.clone() }.abi_encode(),
                    )
                    .map_err(AuditError::Evm)?;
                if !registered {
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
            let Some(call) = direct_call::<Controller::submitSamplesCall>(&provider, hash)
                .await
                .map_err(rpc)?
            else {
                problems.push(format!(
                    "evaluation {id}: transaction {hash} is not a direct submitSamples call"
                ));
                failed = true;
                break;
            };
            if let Some(problem) = proof_length_problem(id, hash, call.proof.len(), proof_len) {
                problems.push(problem);
                failed = true;
                break;
            }
            let n = call.labels.len();
            let f = task.feature_count as usize;
            let c = task.class_count as usize;
            let layout = InstanceLayout {
                samples: n,
                features: f,
                classes: c,
            };
            if Some(call.instances.len()) != layout.count() {
                problems.push(format!(
                    "evaluation {id}: submission {hash} has the wrong instance count"
                ));
                failed = true;
                break;
            }
            let proved = B256::from(call.instances[layout.weight_hash()]);
            if proved != version.weight_hash {
                problems.push(format!(
                    "evaluation {id}: submission {hash} proves the weights {proved}, not version \
                     {}'s {}",
                    version.id, version.weight_hash
                ));
                failed = true;
                break;
            }
            let mut leaves = Vec::with_capacity(call.labels.len());
            for (j, &label) in call.labels.iter().enumerate() {
                let Some(&index) = indices.get(slot + j) else {
                    problems.push(format!("evaluation {id}: more submissions than samples"));
                    failed = true;
                    break;
                };
                let (inputs, outputs) = instance_ranges(n, f, c, j);
                let features: Option<Vec<Felt>> = call.instances[inputs].iter().map(felt).collect();
                let outputs: Option<Vec<Felt>> = call.instances[outputs].iter().map(felt).collect();
                let (Some(features), Some(outputs)) = (features, outputs) else {
                    problems.push(format!(
                        "evaluation {id}: an instance is not a field element"
                    ));
                    failed = true;
                    break;
                };
                if let Some(rows) = hidden_rows {
                    let same = rows
                        .get(slot + j)
                        .is_some_and(|(_, l, f)| *l == label && *f == features);
                    if !same {
                        problems.push(format!(
                            "evaluation {id}: slot {} proves another row than row {index} the \
                             task owner revealed",
                            slot + j
                        ));
                        failed = true;
                        break;
                    }
                }
                leaves.push((
                    index as usize,
                    leaf_hash(&features, Felt::from_u64(label as u64)),
                ));
                if predicted_class(&outputs) == Some(label as usize) {
                    correct += 1;
                }
            }
            // One multi-proof per submission: it cannot say which row is wrong.
            let proof: Option<Vec<Felt>> = call
                .merkle_proofs
                .iter()
                .map(|w| Felt::from_be_bytes(&w.0).ok())
                .collect();
            // A hidden task's rows were checked against the root at their
            // reveal (above); its submissions carry no Merkle hashes.
            let rows_verify = if hidden_rows.is_some() {
                call.merkle_proofs.is_empty()
            } else {
                proof.is_some_and(|proof| {
                    verify_multiproof(root, task.dataset_size as usize, &leaves, &proof)
                })
            };
            if !failed && !rows_verify {
                let rows: Vec<usize> = leaves.iter().map(|(index, _)| *index).collect();
                problems.push(format!(
                    "evaluation {id}: rows {rows:?} and their multi-proof do not verify against \
                     the task's root"
                ));
                failed = true;
            }
            let verdict = evm.call(
                local,
                IReusableVerifier::verifyProofCall {
                    proof: call.proof.clone(),
                    instances: call.instances.clone(),
                    vka: words.clone(),
                }
                .abi_encode(),
            );
            let accepted = verdict.is_some_and(|out| {
                U256::from_be_slice(out.get(..32).unwrap_or_default()) == U256::from(1)
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
        audited.push(AuditedEvaluation {
            evaluation_id: id,
            version_id: fin.version_id,
            samples: task.samples,
            correct,
            accuracy_bps: accuracy,
            proofs_verified: proofs,
            onchain_accuracy_bps: fin.accuracy_bps,
            seed_source,
        });
    }

    // The ranking: best first, ties keep the earlier finalization ahead; top 10
    // of the versions not revoked. The controller drops a revoked entry when
    // it is read or next re-ranks, so evaluations that fell off the top 10
    // before a revocation stay off: the board must be a prefix of the ranking.
    let mut ranking: Vec<&AuditedEvaluation> = audited.iter().collect();
    ranking.sort_by_key(|a| std::cmp::Reverse(a.accuracy_bps));
    let revoked: BTreeSet<u64> = suite
        .revoked_versions()
        .await?
        .into_iter()
        .filter(|v| ranking.iter().any(|a| a.version_id == *v))
        .collect();
    let expected: Vec<u64> = ranking
        .iter()
        .filter(|a| !revoked.contains(&a.version_id))
        .take(10)
        .map(|a| a.evaluation_id)
        .collect();
    let board: Vec<u64> = suite
        .leaderboard(task_id)
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
    let finished: BTreeSet<u64> = audited.iter().map(|a| a.evaluation_id).collect();
    let mut unfinished = Vec::new();
    for log in &opened {
        let Ok(event) = Controller::EvaluationOpened::decode_log(&log.inner) else {
            continue;
        };
        let open = event.data;
        if open.task_id != task_id || finished.contains(&open.evaluation_id) {
            continue;
        }
        let evaluation = suite.evaluation(open.evaluation_id).await?;
        // Finalized but not found above: already reported as a problem (no
        // SamplesDrawn event) or not this task's.
        if evaluation.status == EvaluationStatus::Finalized {
            continue;
        }
        unfinished.push(UnfinishedEvaluation {
            evaluation_id: open.evaluation_id,
            version_id: open.version_id,
            lineage_id: suite.version(open.version_id).await?.lineage_id,
            participant: open.participant,
            status: evaluation.status,
            scored: evaluation.scored,
            opened_block: log.block_number,
        });
    }
    let mut lineage_of = BTreeMap::new();
    for a in &audited {
        lineage_of.insert(a.version_id, suite.version(a.version_id).await?.lineage_id);
    }
    let mut per_lineage: BTreeMap<u64, usize> = BTreeMap::new();
    for u in &unfinished {
        *per_lineage.entry(u.lineage_id).or_default() += 1;
    }
    let grinding_check = per_lineage
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(lineage_id, unfinished)| GrindingSuspect {
            lineage_id,
            unfinished,
        })
        .collect();
    let ranking = ranking.iter().map(|a| a.evaluation_id).collect();
    Ok(AuditReport {
        task_id,
        evaluations: audited,
        leaderboard: board,
        unfinished,
        grinding_check,
        problems,
        routes: Vec::new(),
        ranking,
        revoked,
        lineage_of,
    })
}

/// Re-runs the public review of every architecture route the audited
/// evaluations used ([`crate::review::review`] on the circuit rebuilt from
/// the route's package, found at its URI when that is a local path), adding
/// each finding to [`AuditReport::problems`].
pub async fn check_routes(
    suite: &Suite,
    report: &mut AuditReport,
    prover: &crate::prover::Prover,
    note: &dyn Fn(&str),
) -> Result<(), AuditError> {
    use crate::architecture::{self, Package};
    let task = suite.task(report.task_id).await?.spec;
    let trusted = suite.trusted_srs().await?;
    let mut routes = BTreeSet::new();
    for evaluation in &report.evaluations {
        routes.insert(suite.version(evaluation.version_id).await?.route_id);
    }
    for route_id in routes {
        let route = suite.route(route_id).await?;
        let uri = suite.route_package_uri(route_id).await?;
        note(&format!("route {route_id}: rebuilding its key from {uri}"));
        let mut check = RouteCheck {
            route: route_id,
            package_hash: route.package_hash,
            package_uri: uri.clone(),
            rebuilt: false,
            findings: Vec::new(),
        };
        let package = architecture::local_dir(&uri)
            .ok_or_else(|| format!("its package at {uri} is not a local path: fetch it first"))
            .and_then(|dir| {
                Package::read_expecting(&dir, route.package_hash).map_err(|e| e.to_string())
            });
        match package
            .and_then(|p| architecture::rebuild(prover, &p, note).map_err(|e| e.to_string()))
        {
            Ok((circuit, bundle)) => {
                let vka = bundle.vka_words();
                check.rebuilt = vka_digest(&vka) == route.digest;
                let allowed = match bundle.runtime_code() {
                    Ok(code) => {
                        suite
                            .is_verifier_allowed(alloy::primitives::keccak256(&code))
                            .await?
                    }
                    Err(_) => false,
                };
                check.findings =
                    crate::review::review(&route, &circuit, &vka, &task, trusted, allowed);
            }
            Err(reason) => check.findings.push(reason),
        }
        report.problems.extend(
            check
                .findings
                .iter()
                .map(|f| format!("route {route_id}: {f}")),
        );
        report.routes.push(check);
    }
    Ok(())
}

/// A revealed row: dataset index, label, quantized features.
type Revealed = (u64, u32, Vec<Felt>);

/// Replays every reveal of hidden task `task_id` in chain order: each slot's
/// row must be the first candidate of the evaluation's seed not revealed
/// before on the task, and each reveal's rows must verify against the root
/// with the multi-proof its transaction carried. Returns the rows per
/// evaluation in slot order; mismatches go to `problems`.
async fn replay_reveals(
    suite: &Suite,
    task_id: u64,
    task: &crate::suite::TaskSpec,
    root: Felt,
    seeds: &BTreeMap<u64, U256>,
    problems: &mut Vec<String>,
) -> Result<BTreeMap<u64, Vec<Revealed>>, AuditError> {
    let provider = suite.chain().provider().clone();
    let rpc = |e: alloy::transports::TransportError| AuditError::Rpc(e.to_string());
    let filter = Filter::new()
        .address(task.randomness)
        .event_signature(IHiddenSet::RowsRevealed::SIGNATURE_HASH)
        .topic1(suite.deployment.controller.into_word())
        .from_block(suite.deployment.first_block);
    let mut used = BTreeSet::new();
    let mut rows: BTreeMap<u64, Vec<Revealed>> = BTreeMap::new();
    for log in suite.chain().logs("reading RowsRevealed", &filter).await? {
        let Ok(event) = IHiddenSet::RowsRevealed::decode_log(&log.inner) else {
            continue;
        };
        let e = event.data;
        let id = e.evaluation_id;
        // Reveals of the controller's other tasks draw from other rows.
        if suite.evaluation(id).await?.task_id != task_id {
            continue;
        }
        // The HiddenSet hands the controller the entropy it drew from: the
        // controller's seed is the one the reveal's draw used.
        let Some(&seed) = seeds.get(&id) else {
            problems.push(format!(
                "evaluation {id}: rows were revealed but it has no seed"
            ));
            continue;
        };
        let width = task.feature_count as usize;
        if e.labels.len() != e.indices.len() || e.features.len() != e.indices.len() * width {
            problems.push(format!(
                "evaluation {id}: a reveal's rows do not fit the task"
            ));
            continue;
        }
        let mut leaves = Vec::with_capacity(e.indices.len());
        let mut revealed = Vec::with_capacity(e.indices.len());
        for (j, (&index, &label)) in e.indices.iter().zip(&e.labels).enumerate() {
            let slot = e.first_slot + j as u32;
            let expected =
                crate::evaluation::draw_slot(seed, slot, task.dataset_size, |c| used.contains(&c));
            if expected != index {
                problems.push(format!(
                    "evaluation {id}: slot {slot} revealed row {index}, the draw picks row {expected}"
                ));
            }
            used.insert(index);
            let features: Option<Vec<Felt>> = e.features[j * width..(j + 1) * width]
                .iter()
                .map(felt)
                .collect();
            let Some(features) = features else {
                problems.push(format!(
                    "evaluation {id}: revealed row {index} is not field elements"
                ));
                continue;
            };
            leaves.push((
                index as usize,
                leaf_hash(&features, Felt::from_u64(label as u64)),
            ));
            revealed.push((index, label, features));
        }
        let call = match log.transaction_hash {
            Some(hash) => direct_call::<IHiddenSet::revealCall>(&provider, hash)
                .await
                .map_err(rpc)?,
            None => None,
        };
        let proof: Option<Vec<Felt>> = call.and_then(|c| {
            c.proofs
                .iter()
                .map(|w| Felt::from_be_bytes(&w.0).ok())
                .collect()
        });
        if !proof.is_some_and(|p| verify_multiproof(root, task.dataset_size as usize, &leaves, &p))
        {
            problems.push(format!(
                "evaluation {id}: revealed rows {:?} do not verify against the task's root",
                e.indices
            ));
        }
        rows.entry(id).or_default().extend(revealed);
    }
    Ok(rows)
}

/// What the audit says of a submission whose proof is not exactly as long as
/// its VKA's proofs (`None` when it is): a reusable verifier ignores bytes
/// past the proof, so without this check padded copies of one proof would
/// pass as different submissions (finding 3 of the devnet review; the router
/// refuses them too).
fn proof_length_problem(
    evaluation: u64,
    tx: B256,
    len: usize,
    expected: Option<usize>,
) -> Option<String> {
    (Some(len) != expected).then(|| {
        format!(
            "evaluation {evaluation}: the proof of transaction {tx} is {len} bytes, its VKA's \
             proofs are {}",
            expected.map_or("of no readable length".to_string(), |l| format!(
                "{l} bytes"
            ))
        )
    })
}

#[cfg(test)]
mod proof_length_tests {
    use super::*;

    #[test]
    fn only_proofs_of_exactly_the_vkas_length_pass() {
        let tx = B256::repeat_byte(7);
        assert_eq!(proof_length_problem(3, tx, 2_336, Some(2_336)), None);
        for (len, expected) in [(2_368, Some(2_336)), (2_335, Some(2_336)), (2_336, None)] {
            let problem = proof_length_problem(3, tx, len, expected).expect("a problem");
            assert!(
                problem.starts_with("evaluation 3: the proof of transaction 0x0707")
                    && problem.contains(&format!("is {len} bytes")),
                "{problem}"
            );
        }
        assert!(proof_length_problem(3, tx, 1, None)
            .unwrap()
            .ends_with("of no readable length"));
    }
}

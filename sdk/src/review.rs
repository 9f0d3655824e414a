//! The review of a verifier route before the suite owner approves it.
//!
//! Nothing on-chain knows which public instances of a VKA's circuit are the
//! model's inputs and which its outputs: a circuit could take its "outputs"
//! as free inputs and score 100% (docs/security.md, F1). So routes added by
//! anyone but the owner serve only after the owner approved them, and the
//! owner (or anyone) reviews a route from its public architecture package
//! alone ([`crate::architecture`]: the graph with random weights and the
//! settings; no trained weights change hands): [`crate::architecture::rebuild`]
//! rebuilds the circuit, and [`review`] checks it. EZKL's key generation is
//! deterministic, so the same graph, settings and SRS give the same VKA
//! digest whatever the weights.

use alloy::primitives::B256;

use crate::{
    prover::Circuit,
    suite::{vka_digest, vka_srs_words, Route, TaskSpec, KIND_PLAIN},
};

/// What the review of a route found wrong: empty when it may be approved.
///
/// * `route` - the route under review.
/// * `circuit`, `vka` - the circuit rebuilt from the route's package, and its VKA.
/// * `task` - the task the model is meant for.
/// * `trusted_srs` - the router's trusted SRS words.
/// * `verifier_allowed` - whether the route's verifier code is allow-listed.
pub fn review(
    route: &Route,
    circuit: &Circuit<'_>,
    vka: &[B256],
    task: &TaskSpec,
    trusted_srs: [B256; 8],
    verifier_allowed: bool,
) -> Vec<String> {
    let mut findings = Vec::new();
    if route.kind == KIND_PLAIN {
        findings.push("a plain route: review its verifier contract instead".to_string());
    }
    let digest = vka_digest(vka);
    if route.digest != digest {
        findings.push(format!(
            "the route verifies the key {}, but this model's circuit has {digest}: it is another circuit",
            route.digest
        ));
    }
    if vka_srs_words(vka) != Some(trusted_srs) {
        findings.push("the circuit was not set up with the suite's trusted SRS".into());
    }
    if !verifier_allowed {
        findings.push("its verifier's code is not allow-listed".into());
    }
    let settings = &circuit.settings;
    let shapes = &settings.instance_shapes;
    let size = |s: &Vec<usize>| s.iter().product::<usize>();
    let (features, classes) = (task.feature_count as usize, task.class_count as usize);
    let per_proof = shapes.first().map(size).unwrap_or(0) / features.max(1);
    if shapes.len() != 2
        || per_proof == 0
        || size(&shapes[0]) != per_proof * features
        || size(&shapes[1]) != per_proof * classes
    {
        findings.push(format!(
            "its public instances are {shapes:?}, not one input of n x {features} features and \
             one output of n x {classes} class scores: the controller would score values that \
             are not the model's outputs"
        ));
    }
    if !settings.hashed_params {
        findings.push(
            "its parameters are not hashed: its proofs carry no weight hash, so versions of it \
             could not be told apart (param_visibility must be \"hashed\")"
                .into(),
        );
    }
    if settings.input_scales.iter().any(|&s| s != task.scale) {
        findings.push(format!(
            "its input scale {:?} is not the task's {}",
            settings.input_scales, task.scale
        ));
    }
    findings
}

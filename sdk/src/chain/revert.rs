//! Revert data in words: every custom error of the suite, its HiddenSet and VrfProvider,
//! of Chainlink's VRF coordinator, of the StylusDeployer and of ArbWasm, plus Solidity's `Error(string)` and `Panic(uint256)`.

use alloy::{
    primitives::{hex, Address, B256},
    sol_types::{Panic, Revert, SolError, SolInterface},
};

use super::bindings::{
    IArbWasm::IArbWasmErrors, IBondVault::IBondVaultErrors, IHiddenSet::IHiddenSetErrors,
    IModelRegistry::IModelRegistryErrors, IStylusDeployer::IStylusDeployerErrors,
    ITaskController::ITaskControllerErrors, IVRFSubscriptionV2Plus::IVRFSubscriptionV2PlusErrors,
    IVerifierRouter::IVerifierRouterErrors, IVrfProvider::IVrfProviderErrors,
};

/// Describes revert data in one sentence, naming the error and its fields.
/// Unknown data is shown as hex.
pub fn describe(data: &[u8]) -> String {
    if data.is_empty() {
        return "reverted without a reason (out of gas, a trap in a Stylus program, or a failed assertion)".into();
    }
    if let Ok(e) = ITaskControllerErrors::abi_decode(data) {
        return controller(e);
    }
    if let Ok(e) = IModelRegistryErrors::abi_decode(data) {
        return registry(e);
    }
    if let Ok(e) = IVerifierRouterErrors::abi_decode(data) {
        return router(e);
    }
    if let Ok(e) = IBondVaultErrors::abi_decode(data) {
        return bond_vault(e);
    }
    if let Ok(e) = IVrfProviderErrors::abi_decode(data) {
        return vrf_provider(e);
    }
    if let Ok(e) = IHiddenSetErrors::abi_decode(data) {
        return hidden_set(e);
    }
    if let Ok(e) = IVRFSubscriptionV2PlusErrors::abi_decode(data) {
        return vrf_coordinator(e);
    }
    if let Ok(e) = IStylusDeployerErrors::abi_decode(data) {
        return deployer(e);
    }
    if let Ok(e) = IArbWasmErrors::abi_decode(data) {
        return arb_wasm(e);
    }
    if let Ok(r) = Revert::abi_decode(data) {
        return format!("reverted: {}", r.reason);
    }
    if let Ok(p) = Panic::abi_decode(data) {
        return format!("panicked: {p}");
    }
    format!("reverted with unrecognised data 0x{}", hex::encode(data))
}

/// The error's name (`UnknownTask`, ...) when the data starts with a known selector.
pub fn error_name(data: &[u8]) -> Option<&'static str> {
    let selector: [u8; 4] = data.get(..4)?.try_into().ok()?;
    ITaskControllerErrors::name_by_selector(selector)
        .or_else(|| IModelRegistryErrors::name_by_selector(selector))
        .or_else(|| IVerifierRouterErrors::name_by_selector(selector))
        .or_else(|| IBondVaultErrors::name_by_selector(selector))
        .or_else(|| IVrfProviderErrors::name_by_selector(selector))
        .or_else(|| IHiddenSetErrors::name_by_selector(selector))
        .or_else(|| IVRFSubscriptionV2PlusErrors::name_by_selector(selector))
        .or_else(|| IStylusDeployerErrors::name_by_selector(selector))
        .or_else(|| IArbWasmErrors::name_by_selector(selector))
}

fn short(b: &B256) -> String {
    format!("0x{}…", hex::encode(&b[..6]))
}

fn who(a: &Address) -> String {
    a.to_checksum(None)
}

fn bond_vault(e: IBondVaultErrors) -> String {
    use IBondVaultErrors as E;
    match e {
        E::UnknownTask(e) => format!("task {} does not exist", e.0),
        E::NotTaskOwner(e) => format!(
            "{} does not own the task (its owner {} sets its bond)",
            who(&e._0),
            who(&e._1)
        ),
        E::TermsAlreadySet(e) => format!("task {}'s bond terms are set already", e.0),
        E::InvalidTerms(e) => format!(
            "bond terms out of range: bond {} wei (at least 1), window {} blocks (1 to {})",
            e._0, e._1, e._2
        ),
        E::BondMismatch(e) => format!(
            "task {} requires a bond of exactly {} wei with each opening, {} were sent",
            e._0, e._1, e._2
        ),
        E::BondAlreadyHeld(e) => format!("evaluation {} holds a bond already", e.0),
        E::NoBond(e) => format!("no bond is held for evaluation {} of {}", e._1, who(&e._0)),
        E::BondNotDue(e) => format!(
            "evaluation {} is still running: its bond is due at finalization or after block {}",
            e._0, e._1
        ),
        E::KeeperUnavailable(e) => format!("{} does not answer as a TaskController", who(&e.0)),
        E::PaymentFailed(e) => format!("{} refused the payment", who(&e.0)),
    }
}

fn controller(e: ITaskControllerErrors) -> String {
    use ITaskControllerErrors as E;
    match e {
        E::UnknownTask(e) => format!("task {} does not exist", e.0),
        E::TaskIsClosed(e) => format!("task {} is closed", e.0),
        E::UnknownEvaluation(e) => format!("evaluation {} does not exist", e.0),
        E::VersionUnavailable(e) => format!("model version {} is not registered", e.0),
        E::VersionIsRevoked(e) => format!("model version {} was revoked", e.0),
        E::NotAuthorized(e) => format!(
            "{} is not authorized: only {} may do this",
            who(&e._0),
            who(&e._1)
        ),
        E::AlreadyEvaluated(e) => format!(
            "this model (weight hash {}) was already evaluated on task {} (evaluation {}); each model is evaluated once per task",
            short(&e._1),
            e._0,
            e._2
        ),
        E::WrongEvaluationStatus(e) => format!(
            "evaluation {} is {}, which does not allow this step",
            e._0,
            match e._1 {
                0 => "none",
                code => zkmltrack_protocol::evaluation::EvaluationStatus::from_code(code)
                    .map_or("in an unknown state", |s| s.name()),
            }
        ),
        E::DrawTooEarly(e) => format!(
            "evaluation {}: its samples can be drawn once L2 block {} is mined and ArbSys serves its hash",
            e._0, e._1
        ),
        E::RandomnessRequestFailed(e) => {
            format!("the task's randomness provider {} refused the request", who(&e.0))
        }
        E::BadSampleCount(e) => format!(
            "evaluation {}: a submission must cover 1 to {} remaining samples",
            e._0, e._1
        ),
        E::InstanceCountMismatch(e) => format!(
            "the proof carries {} public instances where the task expects {} (features + classes per sample): does the model match the task's input shape?",
            e._1, e._0
        ),
        E::InstanceNotAFieldElement(e) => {
            format!("public instance {} is not a BN254 field element", e.0)
        }
        E::InvalidLabel(e) => format!("label {} is not below the task's class count", e.0),
        E::InvalidMerkleProof(e) => format!(
            "the features or label at dataset index {} do not match the task's Merkle root (the proof's inputs must be that row, quantized at the task's scale)",
            e.0
        ),
        E::MalformedMerkleProofs(e) => format!(
            "the {} Merkle path hashes given are more than the submitted rows' paths use",
            e.0
        ),
        E::VerificationUnavailable(e) => format!(
            "the verifier router could not verify on route {} and gave no reason",
            e.0
        ),
        E::ProofRejected(e) => format!("evaluation {}: the verifier rejected the proof", e.0),
        E::WeightHashMismatch(e) => format!(
            "the proof's weight hash {} is not model version {}'s weight commitment {}: it proves other weights",
            short(&e._2),
            e._0,
            short(&e._1)
        ),
        E::EnforcedPause(_) => {
            "the suite is paused by its owner (or its registry did not answer paused())".into()
        }
    }
}

fn registry(e: IModelRegistryErrors) -> String {
    use IModelRegistryErrors as E;
    match e {
        E::UnknownLineage(e) => format!("lineage {} does not exist", e.0),
        E::UnknownVersion(e) => format!("model version {} does not exist", e.0),
        E::NotLineageOwner(e) => format!(
            "{} does not own this lineage (its owner is {})",
            who(&e._0),
            who(&e._1)
        ),
        E::NotVersionAdmin(e) => format!(
            "{} may not revoke this version (only its submitter or the registry owner)",
            who(&e.0)
        ),
        E::VersionAlreadyRevoked(e) => format!("model version {} is already revoked", e.0),
        E::EmptyCommitment(_) => "the ONNX hash and the weight hash must not be zero".into(),
        E::EmptyName(_) => "the lineage name is empty".into(),
        E::RouteUnavailable(e) => format!(
            "verifier route {} is unknown, awaits the suite owner's approval, or is disabled",
            e.0
        ),
        E::WeightHashNotAFieldElement(e) => format!(
            "the weight hash {} is not a BN254 field element (no proof could carry it)",
            e.0
        ),
        E::WeightsAlreadyRegistered(e) => format!(
            "model version {} already registered the weight commitment {}; one version per set of weights",
            e._1,
            short(&e._0)
        ),
        E::InvalidRouter(e) => format!("{} is not a router contract", who(&e.0)),
        E::InvalidTaskParameter(e) => format!(
            "invalid task parameter: {}",
            zkmltrack_protocol::registry::parameter::describe(e.0)
        ),
        E::UnknownTask(e) => format!("task {} does not exist", e.0),
        E::TaskIsClosed(e) => format!("task {} is closed", e.0),
        E::NotTaskAdmin(e) => format!(
            "{} may not administer this task (only its creator or the registry owner)",
            who(&e.0)
        ),
        E::OwnableUnauthorizedAccount(e) => {
            format!("{} is not the contract's owner", who(&e.0))
        }
        E::OwnableInvalidOwner(e) => format!("{} cannot be the owner", who(&e.0)),
        E::EnforcedPause(_) => "the suite is paused by its owner".into(),
        E::ExpectedPause(_) => "the contract is not paused".into(),
    }
}

fn router(e: IVerifierRouterErrors) -> String {
    use IVerifierRouterErrors as E;
    match e {
        E::VerifierNotAllowed(e) => format!(
            "verifier {} (code hash {}) is not allow-listed by the router's owner",
            who(&e._0),
            short(&e._1)
        ),
        E::UnknownRoute(e) => format!("verifier route {} does not exist", e.0),
        E::MissingPackage(_) => {
            "a verifier route must name its architecture package (a non-zero keccak256)".into()
        }
        E::RouteDisabled(e) => format!("verifier route {} is disabled", e.0),
        E::RouteNotApproved(e) => format!(
            "verifier route {} awaits the suite owner's approval (`zkmltrack route review`, then `zkmltrack route approve`)",
            e.0
        ),
        E::UntrustedSrs(e) if e._0.is_zero() => {
            "the router has no trusted SRS pinned yet (`zkmltrack route trust-srs`)".into()
        }
        E::UntrustedSrs(e) => format!(
            "the VKA was not made with the suite's trusted SRS (its G2 words hash to {}, the trusted ones to {}); run setup with the suite's SRS",
            short(&e._1),
            short(&e._0)
        ),
        E::VkaDigestMismatch(e) => format!(
            "the VKA hashes to {}, not the declared {}",
            short(&e._1),
            short(&e._0)
        ),
        E::RouteDigestMismatch(e) => format!(
            "route {} verifies VK digest {}, not {}",
            e._0,
            short(&e._2),
            short(&e._1)
        ),
        E::InvalidVkaStore(e) => format!("{} does not hold a VKA (0x00 ++ words)", who(&e.0)),
        E::UnexpectedVka(e) => format!("route {} takes no VKA in calldata", e.0),
        E::ProofLengthMismatch(e) if e._1.is_zero() => format!(
            "route {}'s VKA does not say how long its proofs are (an unreadable header)",
            e._0
        ),
        E::ProofLengthMismatch(e) => format!(
            "the proof is {} bytes; route {}'s VKA makes every proof exactly {} bytes",
            e._2, e._0, e._1
        ),
        E::NotAContract(e) => format!("{} holds no code", who(&e.0)),
        E::VkaRegistrationFailed(e) => {
            format!("verifier {} refused to register the VKA", who(&e.0))
        }
        E::OwnableUnauthorizedAccount(e) => {
            format!("{} is not the contract's owner", who(&e.0))
        }
        E::OwnableInvalidOwner(e) => format!("{} cannot be the owner", who(&e.0)),
        E::EnforcedPause(_) => "the router is paused by its owner".into(),
        E::ExpectedPause(_) => "the contract is not paused".into(),
    }
}

fn deployer(e: IStylusDeployerErrors) -> String {
    use IStylusDeployerErrors as E;
    match e {
        E::ContractDeploymentError(_) => "the StylusDeployer could not create the program".into(),
        E::ContractInitializationError(e) => format!(
            "the program's constructor reverted at {}: {}",
            who(&e.newContract),
            describe(&e.data)
        ),
        E::RefundExcessValueError(e) => format!("could not refund {} wei", e.excessValue),
        E::EmptyBytecode(_) => "empty program bytecode".into(),
        E::InitValueButNotInitData(_) => {
            "a constructor value was given without constructor data".into()
        }
    }
}

fn vrf_provider(e: IVrfProviderErrors) -> String {
    use IVrfProviderErrors as E;
    match e {
        E::NotController(e) => format!(
            "{} is not the controller the VrfProvider serves ({})",
            who(&e._0),
            who(&e._1)
        ),
        E::RequestRefused(e) => format!(
            "the VRF coordinator {} refused the request: is the provider a consumer of \
             subscription {}, and is the subscription funded?",
            who(&e._0),
            e._1
        ),
        E::OnlyCoordinatorCanFulfill(e) => format!(
            "{} is not the VRF coordinator ({}): only it fulfils",
            who(&e._0),
            who(&e._1)
        ),
        E::UnknownRequest(e) => format!("no pending VRF request has id {}", e.0),
    }
}

fn hidden_set(e: IHiddenSetErrors) -> String {
    use IHiddenSetErrors as E;
    match e {
        E::NotHidden(e) => format!(
            "evaluation {} of controller {} is not one of a hidden task served by this HiddenSet",
            e._1,
            who(&e._0)
        ),
        E::NotAwaitingRows(e) => format!(
            "evaluation {} is not waiting for its draw or rows (status {}: expired, or its \
             draw is fixed, or all its rows are revealed)",
            e._0, e._1
        ),
        E::DrawTooEarly(e) => format!(
            "evaluation {}'s beacon block {} is not mined yet",
            e._0, e._1
        ),
        E::DrawWindowMissed(e) => format!(
            "nobody fixed evaluation {}'s draw while beacon block {}'s hash was readable: it \
             can only expire at the provider timeout (bond refunded)",
            e._0, e._1
        ),
        E::TaskExhausted(e) => format!(
            "hidden task {} has {} unused rows left and an evaluation draws {}: it can take no \
             more evaluations",
            e._0, e._1, e._2
        ),
        E::DrawNotFixed(e) => format!(
            "evaluation {}'s draw is not fixed yet (call draw first)",
            e.0
        ),
        E::OnlyTaskOwnerReveals(e) => format!(
            "{} is not the task's owner ({}): only the owner reveals its rows",
            who(&e._0),
            who(&e._1)
        ),
        E::BadRevealCount(e) => format!(
            "a reveal of evaluation {} must carry 1 to {} rows",
            e._0, e._1
        ),
        E::RevealRejected(e) => {
            let why = match e._1 {
                1 => format!("feature value {} is not a field element", e._2),
                2 => format!(
                    "the rows are not the drawn leaves of the task's tree (first dataset index {})",
                    e._2
                ),
                3 => "the rows, labels and Merkle hashes do not fit together".into(),
                4 => format!("label {} is not below the task's class count", e._2),
                255 => "the DatasetVerifier did not answer".into(),
                other => format!("code {other}, detail {}", e._2),
            };
            format!("the reveal of evaluation {} was refused: {why}", e._0)
        }
        E::NotExpired(e) => format!(
            "evaluation {} has not expired, or its rows were given back already",
            e.0
        ),
        E::NotAdmin(e) => format!(
            "{} may not set this HiddenSet's upstream provider (only its admin, once)",
            who(&e.0)
        ),
        E::DrawnUpstream(e) => format!(
            "this HiddenSet draws from its upstream provider {}, not from the beacon: wait for \
             the provider's answer",
            who(&e.0)
        ),
        E::NotServed(e) => format!("{} may not call this: only {} may", who(&e._0), who(&e._1)),
        E::UpstreamRefused(e) => format!(
            "the HiddenSet's upstream provider {} refused the request (is it a consumer of its \
             VRF subscription?)",
            who(&e.0)
        ),
    }
}

fn vrf_coordinator(e: IVRFSubscriptionV2PlusErrors) -> String {
    use IVRFSubscriptionV2PlusErrors as E;
    match e {
        E::InvalidSubscription(_) => "the VRF coordinator knows no such subscription".into(),
        E::InvalidConsumer(e) => format!(
            "{} is not a consumer of VRF subscription {}",
            who(&e.consumer),
            e.subId
        ),
        E::MustBeSubOwner(e) => format!(
            "only the subscription's owner {} may do this",
            who(&e.owner)
        ),
        E::TooManyConsumers(_) => "the VRF subscription has its maximum of consumers".into(),
        E::InsufficientBalance(_) => "the VRF subscription's balance cannot pay".into(),
    }
}

fn arb_wasm(e: IArbWasmErrors) -> String {
    use IArbWasmErrors as E;
    match e {
        E::ProgramNotWasm(_) => "the code is not a Stylus program".into(),
        E::ProgramNotActivated(_) => "the Stylus program is not activated".into(),
        E::ProgramNeedsUpgrade(e) => format!(
            "the program was activated for Stylus v{}; the chain runs v{}",
            e.version, e.stylusVersion
        ),
        E::ProgramExpired(e) => format!("the program expired ({} s old)", e.ageInSeconds),
        E::ProgramUpToDate(_) => "the program is already activated".into(),
        E::ProgramKeepaliveTooSoon(e) => {
            format!("keepalive too soon ({} s since the last)", e.ageInSeconds)
        }
        E::ProgramInsufficientValue(e) => format!(
            "activation needs a data fee of {} wei; {} was sent",
            e.want, e.have
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Revert data of every error the decoder knows: its selector and zero
    /// words (a dynamic argument's offset 0 reads as empty).
    fn every_error() -> Vec<Vec<u8>> {
        let selectors = [
            ITaskControllerErrors::SELECTORS,
            IModelRegistryErrors::SELECTORS,
            IVerifierRouterErrors::SELECTORS,
            IBondVaultErrors::SELECTORS,
            IVrfProviderErrors::SELECTORS,
            IHiddenSetErrors::SELECTORS,
            IVRFSubscriptionV2PlusErrors::SELECTORS,
            IStylusDeployerErrors::SELECTORS,
            IArbWasmErrors::SELECTORS,
        ];
        selectors
            .iter()
            .flat_map(|s| s.iter())
            .map(|selector| [&selector[..], &[0u8; 32 * 8]].concat())
            .collect()
    }

    #[test]
    fn every_suite_error_is_named_and_described_in_words() {
        let errors = every_error();
        assert!(errors.len() > 60, "{} errors", errors.len());
        for data in errors {
            let name = error_name(&data).expect("a known selector has a name");
            let text = describe(&data);
            assert!(
                !text.starts_with("reverted with unrecognised data"),
                "{name}: {text}"
            );
            assert!(!text.is_empty(), "{name}");
        }
    }

    #[test]
    fn unknown_and_empty_revert_data_are_said_so() {
        assert!(describe(&[]).starts_with("reverted without a reason"));
        let unknown = [0xde, 0xad, 0xbe, 0xef, 1, 2];
        assert_eq!(error_name(&unknown), None);
        assert_eq!(
            describe(&unknown),
            "reverted with unrecognised data 0xdeadbeef0102"
        );
    }
}

//! The zkMLTrack contract suite on a chain: deployment, tasks, model versions,
//! evaluations, leaderboards and governance, as typed async calls.
//!
//! A [`Suite`] is a [`Chain`] plus the suite's addresses ([`Deployment`],
//! which [`Deployment::write`] keeps in a JSON file for later commands). Each
//! method is one user action and returns what the user needs next (ids read
//! from the emitted events), or a [`ChainError`] in words.

use std::{
    fs,
    path::{Path, PathBuf},
};

use alloy::{
    primitives::{keccak256, Address, Bytes, B256, U256},
    sol_types::SolValue,
};
use serde::{Deserialize, Serialize};

use crate::chain::{
    bindings::{
        IBondVault as Vault, ILeaderboard as Board, IModelRegistry as Registry, IReusableVerifier,
        ITaskController as Controller, IVerifierRouter as Router,
    },
    event, Chain, ChainError,
};

pub use zkmltrack_protocol::{
    bond::{Settlement, MAX_WINDOW_BLOCKS},
    evaluation::{EvaluationStatus, PROVIDER_TIMEOUT_BLOCKS},
    router::{
        vka_srs_words, RouteKind, KIND_PLAIN, KIND_REUSABLE_CALLDATA, KIND_REUSABLE_STORED,
        SRS_WORDS,
    },
};

/// Calldata that runs a stylus-sdk constructor with these encoded arguments.
fn constructor_calldata(args: Vec<u8>) -> Bytes {
    zkmltrack_protocol::stylus::constructor_calldata(&args).into()
}

mod bond;
mod controller;
mod files;
mod governance;
mod hidden;
mod leaderboard;
mod registry;
mod router;
mod task_spec;
mod vrf;

pub use bond::{BondTerms, HeldBond, SettledBond};
pub use controller::{submit_call, Evaluation, Submission};
pub use files::{Deployment, FileError, SuitePrograms};
pub use hidden::{HiddenEvaluation, RevealRound, RevealedRow, Revealer};
pub use leaderboard::LeaderboardEntry;
pub use registry::{RegisteredVersion, Task, Version};
pub use router::{vka_digest, PackageRef, ReusableVerifier, Route};
pub use task_spec::{task_limits, TaskSpec, TaskSpecError};
pub use vrf::{VrfProvider, VrfTerms, MIN_CALLBACK_GAS, MIN_HIDDEN_CALLBACK_GAS};

/// The contract suite on a chain.
#[derive(Clone, Debug)]
pub struct Suite {
    chain: Chain,
    /// The suite's addresses.
    pub deployment: Deployment,
}
impl Suite {
    /// Deploys the seven programs (owned by the signing account) and, given
    /// EZKL's reusable verifier, deploys it, allow-lists its code and pins
    /// its trusted SRS on the router. `progress` hears each step's name.
    pub async fn deploy(
        chain: Chain,
        programs: &SuitePrograms,
        reusable_verifier: Option<ReusableVerifier<'_>>,
        progress: &dyn Fn(&str),
    ) -> Result<Suite, ChainError> {
        let owner = chain.account("deploying the suite")?;
        let first_block = chain.block_number().await?;
        progress("DatasetVerifier");
        let dataset_verifier = chain
            .deploy_stylus("DatasetVerifier", &programs.dataset_verifier, Bytes::new())
            .await?;
        progress("VerifierRouter");
        let router = chain
            .deploy_stylus(
                "VerifierRouter",
                &programs.router,
                constructor_calldata(owner.abi_encode()),
            )
            .await?;
        progress("ModelRegistry");
        let registry = chain
            .deploy_stylus(
                "ModelRegistry",
                &programs.registry,
                constructor_calldata((owner, router).abi_encode_params()),
            )
            .await?;
        progress("Leaderboard");
        let leaderboard = chain
            .deploy_stylus(
                "Leaderboard",
                &programs.leaderboard,
                constructor_calldata(registry.abi_encode()),
            )
            .await?;
        progress("BondVault");
        let bond_vault = chain
            .deploy_stylus(
                "BondVault",
                &programs.bond_vault,
                constructor_calldata(registry.abi_encode()),
            )
            .await?;
        progress("TaskController");
        let controller = chain
            .deploy_stylus(
                "TaskController",
                &programs.controller,
                constructor_calldata(
                    (registry, router, dataset_verifier, leaderboard, bond_vault)
                        .abi_encode_params(),
                ),
            )
            .await?;
        progress("HiddenSet");
        // No admin: the suite's HiddenSet draws from the beacon for good.
        let hidden_set = chain
            .deploy_stylus(
                "HiddenSet",
                &programs.hidden_set,
                constructor_calldata((Address::ZERO,).abi_encode_params()),
            )
            .await?;
        let mut suite = Suite {
            deployment: Deployment {
                chain_id: chain.chain_id(),
                registry,
                router,
                controller,
                dataset_verifier,
                leaderboard,
                bond_vault,
                hidden_set,
                reusable_verifier: None,
                owner,
                first_block,
            },
            chain,
        };
        if let Some(reusable) = reusable_verifier {
            progress("EZKL reusable verifier");
            let verifier = suite
                .chain
                .deploy_evm(
                    "deploying EZKL's reusable verifier",
                    Bytes::copy_from_slice(reusable.init_code),
                )
                .await?;
            suite.allow_verifier_at(verifier, true).await?;
            suite.set_trusted_srs(reusable.trusted_srs).await?;
            suite.deployment.reusable_verifier = Some(verifier);
        }
        Ok(suite)
    }

    /// Attaches to a deployed suite, checking the chain id, that every
    /// contract has code, and that they are wired as one suite (the
    /// controller's registry, router, dataset verifier, leaderboard and bond
    /// vault, the registry's router, the leaderboard's and the vault's
    /// registry are the deployment's), so a tampered deployment file cannot
    /// point at a look-alike controller.
    pub async fn attach(chain: Chain, deployment: Deployment) -> Result<Suite, ChainError> {
        chain.expect_chain_id(deployment.chain_id)?;
        for (what, address) in [
            ("ModelRegistry", deployment.registry),
            ("VerifierRouter", deployment.router),
            ("TaskController", deployment.controller),
            ("DatasetVerifier", deployment.dataset_verifier),
            ("Leaderboard", deployment.leaderboard),
            ("BondVault", deployment.bond_vault),
        ] {
            chain.require_code(what, address).await?;
        }
        if let Some(verifier) = deployment.reusable_verifier {
            chain
                .require_code("EZKL reusable verifier", verifier)
                .await?;
        }
        // The HiddenSet has no wiring to check: it keeps its books per
        // controller and reads the registry through the controller.
        if !deployment.hidden_set.is_zero() {
            chain
                .require_code("HiddenSet", deployment.hidden_set)
                .await?;
        }
        // A contract that does not answer a wiring view (a revert, or an
        // answer of another shape) is not the one the file names: e.g. the
        // controller's and the registry's addresses swapped.
        let not_it = |what: &str, address: Address| {
            let what = what.to_string();
            move |e: ChainError| match e {
                ChainError::Reverted { reason, .. }
                | ChainError::Undecodable { reason, .. }
                | ChainError::Rpc {
                    message: reason, ..
                } if !reason.contains("error sending request for url") => {
                    ChainError::NotTheContract {
                        what,
                        address,
                        reason,
                    }
                }
                other => other,
            }
        };
        let wired = chain
            .view(
                "reading the TaskController's contracts",
                deployment.controller,
                &Controller::contractsCall {},
            )
            .await
            .map_err(not_it("TaskController", deployment.controller))?;
        let miswired = |what: &str, expected: Address, actual: Address| {
            (expected != actual).then(|| ChainError::Miswired {
                what: what.into(),
                expected,
                actual,
            })
        };
        for (what, expected, actual) in [
            (
                "the TaskController's registry",
                deployment.registry,
                wired._0,
            ),
            ("the TaskController's router", deployment.router, wired._1),
            (
                "the TaskController's dataset verifier",
                deployment.dataset_verifier,
                wired._2,
            ),
            (
                "the TaskController's leaderboard",
                deployment.leaderboard,
                wired._3,
            ),
            (
                "the TaskController's bond vault",
                deployment.bond_vault,
                wired._4,
            ),
        ] {
            if let Some(e) = miswired(what, expected, actual) {
                return Err(e);
            }
        }
        // Only now is the registry known to be the controller's.
        let registry_router = chain
            .view(
                "reading the ModelRegistry's router",
                deployment.registry,
                &Registry::routerCall {},
            )
            .await
            .map_err(not_it("ModelRegistry", deployment.registry))?;
        if let Some(e) = miswired(
            "the ModelRegistry's router",
            deployment.router,
            registry_router,
        ) {
            return Err(e);
        }
        let board_registry = chain
            .view(
                "reading the Leaderboard's registry",
                deployment.leaderboard,
                &Board::registryCall {},
            )
            .await
            .map_err(not_it("Leaderboard", deployment.leaderboard))?;
        if let Some(e) = miswired(
            "the Leaderboard's registry",
            deployment.registry,
            board_registry,
        ) {
            return Err(e);
        }
        let vault_registry = chain
            .view(
                "reading the BondVault's registry",
                deployment.bond_vault,
                &Vault::registryCall {},
            )
            .await
            .map_err(not_it("BondVault", deployment.bond_vault))?;
        if let Some(e) = miswired(
            "the BondVault's registry",
            deployment.registry,
            vault_registry,
        ) {
            return Err(e);
        }
        Ok(Suite { chain, deployment })
    }

    /// The chain connection.
    pub fn chain(&self) -> &Chain {
        &self.chain
    }
}

fn required_event<E: alloy::sol_types::SolEvent>(
    receipt: &alloy::rpc::types::TransactionReceipt,
    action: &str,
) -> Result<E, ChainError> {
    event(receipt).ok_or_else(|| ChainError::Rpc {
        action: action.into(),
        message: format!(
            "the transaction {} emitted no {} event; is the address the zkMLTrack contract?",
            receipt.transaction_hash,
            E::SIGNATURE
        ),
    })
}

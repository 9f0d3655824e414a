//! Governance: the suite's pause switch and the two-step ownership of
//! the registry and the router.

use super::*;

impl Suite {
    /// Pauses (or unpauses) the suite: the registry's pause stops
    /// registrations and evaluations. Owner only.
    pub async fn set_paused(&self, paused: bool) -> Result<(), ChainError> {
        let registry = self.deployment.registry;
        if paused {
            self.chain
                .transact(
                    "pausing the suite",
                    registry,
                    &Registry::pauseCall {},
                    U256::ZERO,
                )
                .await?;
        } else {
            self.chain
                .transact(
                    "unpausing the suite",
                    registry,
                    &Registry::unpauseCall {},
                    U256::ZERO,
                )
                .await?;
        }
        Ok(())
    }

    /// Whether the suite is paused.
    pub async fn paused(&self) -> Result<bool, ChainError> {
        self.chain
            .view(
                "ModelRegistry.paused",
                self.deployment.registry,
                &Registry::pausedCall {},
            )
            .await
    }

    /// Starts a two-step ownership transfer of the registry and the router
    /// (the controller is ownerless). The new owner must call
    /// [`Suite::accept_ownership`]. Contracts already pending for `new_owner`
    /// are skipped, so a run that failed half-way can simply be repeated.
    pub async fn transfer_ownership(&self, new_owner: Address) -> Result<(), ChainError> {
        for (what, to) in [
            ("ModelRegistry", self.deployment.registry),
            ("VerifierRouter", self.deployment.router),
        ] {
            // A re-run after a partial failure skips what is already done.
            let pending = self
                .chain
                .view(
                    &format!("reading the {what}'s pending owner"),
                    to,
                    &Registry::pendingOwnerCall {},
                )
                .await?;
            if pending == new_owner {
                continue;
            }
            self.chain
                .transact(
                    &format!("transferring ownership of the {what}"),
                    to,
                    &Registry::transferOwnershipCall { new_owner },
                    U256::ZERO,
                )
                .await?;
        }
        Ok(())
    }

    /// Accepts a pending ownership transfer of the registry and the router;
    /// contracts the signer already owns are skipped (a repeated run finishes
    /// a half-done acceptance).
    pub async fn accept_ownership(&self) -> Result<(), ChainError> {
        let me = self.chain.account("accepting ownership")?;
        for (what, to) in [
            ("ModelRegistry", self.deployment.registry),
            ("VerifierRouter", self.deployment.router),
        ] {
            // A re-run after a partial failure skips what is already done.
            let owner = self
                .chain
                .view(
                    &format!("reading the {what}'s owner"),
                    to,
                    &Registry::ownerCall {},
                )
                .await?;
            if owner == me {
                continue;
            }
            self.chain
                .transact(
                    &format!("accepting ownership of the {what}"),
                    to,
                    &Registry::acceptOwnershipCall {},
                    U256::ZERO,
                )
                .await?;
        }
        Ok(())
    }

    /// The registry's and the router's owners.
    pub async fn owners(&self) -> Result<(Address, Address), ChainError> {
        let registry = self
            .chain
            .view(
                "ModelRegistry.owner",
                self.deployment.registry,
                &Registry::ownerCall {},
            )
            .await?;
        let router = self
            .chain
            .view(
                "VerifierRouter.owner",
                self.deployment.router,
                &Router::ownerCall {},
            )
            .await?;
        Ok((registry, router))
    }
}

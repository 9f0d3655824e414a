//! Chainlink VRF v2.5 as a task's randomness: deploying a VrfProvider for
//! this suite's controller (public tasks) or for a HiddenSet of its own
//! (hidden tasks, the HiddenSet forwarding the controller's requests), and
//! reading one back (the programs' rules are in their crate docs,
//! `contracts/vrf-provider` and `contracts/hidden-set`).

use super::*;
use crate::chain::bindings::{
    IHiddenSet, IVRFSubscriptionV2Plus as Subscription, IVrfProvider as Provider,
};

/// The VRF request terms a VrfProvider is deployed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct VrfTerms {
    /// The chain's VRF v2.5 coordinator.
    pub coordinator: Address,
    /// The VRF key (gas lane) to request with.
    pub key_hash: B256,
    /// The subscription that pays; the provider must be one of its consumers.
    pub subscription_id: U256,
    /// Blocks the coordinator waits before it answers.
    pub request_confirmations: u16,
    /// Gas the coordinator gives the fulfilment (provider, controller and
    /// the registry read behind it).
    pub callback_gas_limit: u32,
    /// Pay in the chain's native coin (else LINK).
    pub native_payment: bool,
}

/// The smallest callback gas a provider is deployed with: the fulfilment
/// enters the provider, the controller and the registry (measured in
/// `docs/benchmarks.md`; Nitro charges each uncached program's entry).
pub const MIN_CALLBACK_GAS: u32 = 100_000;

/// The smallest callback gas a hidden task's provider is deployed with:
/// its fulfilment also enters the HiddenSet, which reads the evaluation and
/// the task and holds the drawn rows: the whole fulfilment transaction
/// measured 329,660 gas on the devnet, coordinator mock included
/// (`tests/tests/vrf.rs`).
pub const MIN_HIDDEN_CALLBACK_GAS: u32 = 400_000;

/// A deployed VrfProvider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct VrfProvider {
    /// Its address: what a task names as its randomness.
    pub address: Address,
    /// The contract it answers: this suite's controller, or for hidden
    /// tasks a HiddenSet serving that controller.
    pub controller: Address,
    /// Its request terms.
    pub terms: VrfTerms,
    /// Whether the subscription lists it as a consumer (it cannot request
    /// before it does).
    pub is_consumer: bool,
}

impl Suite {
    /// Deploys a VrfProvider serving this suite's controller with `terms`.
    /// Checks first that the coordinator is a contract that knows the
    /// subscription, and the callback gas; then, when the signing account
    /// owns the subscription, adds the provider as a consumer (otherwise the
    /// subscription's owner must: [`VrfProvider::is_consumer`] says so).
    pub async fn deploy_vrf_provider(
        &self,
        program: &[u8],
        terms: &VrfTerms,
    ) -> Result<VrfProvider, ChainError> {
        let owner = self
            .check_vrf_terms("deploying a VrfProvider", terms, MIN_CALLBACK_GAS)
            .await?;
        self.deploy_provider_for(self.deployment.controller, owner, program, terms)
            .await
    }

    /// Deploys, for hidden tasks drawing from VRF, a HiddenSet of its own
    /// and a VrfProvider answering it: the HiddenSet serves this suite's
    /// controller and forwards its requests to the provider, whose answer
    /// fixes each draw. Checks the terms first, as [`Self::deploy_vrf_provider`]
    /// does (with [`MIN_HIDDEN_CALLBACK_GAS`]). Returns the provider, whose
    /// `controller` is the new HiddenSet: a hidden task names the HiddenSet
    /// as its randomness ([`Self::check_hidden_vrf_provider`] finds it).
    pub async fn deploy_hidden_vrf_provider(
        &self,
        hidden_set_program: &[u8],
        vrf_program: &[u8],
        terms: &VrfTerms,
    ) -> Result<VrfProvider, ChainError> {
        let action = "deploying a HiddenSet drawing from VRF";
        let owner = self
            .check_vrf_terms(action, terms, MIN_HIDDEN_CALLBACK_GAS)
            .await?;
        let me = self.chain.account(action)?;
        let hidden_set = self
            .chain
            .deploy_stylus(
                "HiddenSet",
                hidden_set_program,
                constructor_calldata((me,).abi_encode_params()),
            )
            .await?;
        let provider = self
            .deploy_provider_for(hidden_set, owner, vrf_program, terms)
            .await?;
        self.chain
            .transact(
                &format!(
                    "making VrfProvider {} HiddenSet {hidden_set}'s upstream",
                    provider.address
                ),
                hidden_set,
                &IHiddenSet::setUpstreamCall {
                    controller: self.deployment.controller,
                    provider: provider.address,
                },
                U256::ZERO,
            )
            .await?;
        Ok(provider)
    }

    /// Checks VRF terms before anything is deployed; returns the
    /// subscription's owner.
    async fn check_vrf_terms(
        &self,
        action: &str,
        terms: &VrfTerms,
        min_callback_gas: u32,
    ) -> Result<Address, ChainError> {
        if terms.callback_gas_limit < min_callback_gas {
            return Err(ChainError::InvalidArgument {
                action: action.into(),
                reason: format!(
                    "callback gas limit {} is below {min_callback_gas}: the fulfilment would run \
                     out of gas",
                    terms.callback_gas_limit
                ),
            });
        }
        self.chain
            .require_code("VRF coordinator", terms.coordinator)
            .await?;
        Ok(self.subscription(terms).await?.subOwner)
    }

    /// Deploys a VrfProvider answering `served`, and adds it as a consumer
    /// when the signing account owns the subscription.
    async fn deploy_provider_for(
        &self,
        served: Address,
        owner: Address,
        program: &[u8],
        terms: &VrfTerms,
    ) -> Result<VrfProvider, ChainError> {
        let me = self.chain.account("deploying a VrfProvider")?;
        let address = self
            .chain
            .deploy_stylus(
                "VrfProvider",
                program,
                constructor_calldata(
                    (
                        served,
                        terms.coordinator,
                        terms.key_hash,
                        terms.subscription_id,
                        terms.request_confirmations,
                        terms.callback_gas_limit,
                        terms.native_payment,
                    )
                        .abi_encode_params(),
                ),
            )
            .await?;
        if owner == me {
            self.chain
                .transact(
                    &format!(
                        "adding VrfProvider {address} as a consumer of subscription {}",
                        terms.subscription_id
                    ),
                    terms.coordinator,
                    &Subscription::addConsumerCall {
                        subId: terms.subscription_id,
                        consumer: address,
                    },
                    U256::ZERO,
                )
                .await?;
        }
        self.vrf_provider(address).await
    }

    /// The VrfProvider at `address`: its terms, and whether its subscription
    /// lists it as a consumer.
    pub async fn vrf_provider(&self, address: Address) -> Result<VrfProvider, ChainError> {
        self.chain.require_code("VrfProvider", address).await?;
        let c = self
            .chain
            .view(
                "reading a VrfProvider's configuration",
                address,
                &Provider::configCall {},
            )
            .await
            .map_err(|e| ChainError::NotTheContract {
                what: "VrfProvider".into(),
                address,
                reason: e.to_string(),
            })?;
        let terms = VrfTerms {
            coordinator: c._1,
            key_hash: c._2,
            subscription_id: c._3,
            request_confirmations: c._4,
            callback_gas_limit: c._5,
            native_payment: c._6,
        };
        let consumers = self.subscription(&terms).await?.consumers;
        Ok(VrfProvider {
            address,
            controller: c._0,
            terms,
            is_consumer: consumers.contains(&address),
        })
    }

    /// Checks that `address` is a VrfProvider serving this suite's controller
    /// and listed by its subscription: what a task must name as its
    /// randomness before it is created.
    pub async fn check_vrf_provider(&self, address: Address) -> Result<VrfProvider, ChainError> {
        let action = format!("using {address} as a task's randomness provider");
        let provider = self.listed_vrf_provider(address, &action).await?;
        if provider.controller != self.deployment.controller {
            let hidden = self.hidden_upstream(provider.controller).await.ok()
                == Some((self.deployment.controller, address));
            return Err(ChainError::InvalidArgument {
                action,
                reason: format!(
                    "it serves {}, not this suite's controller {}{}",
                    provider.controller,
                    self.deployment.controller,
                    if hidden {
                        " (a HiddenSet drawing from it: pass --hidden for a hidden task)"
                    } else {
                        ""
                    }
                ),
            });
        }
        Ok(provider)
    }

    /// Checks that `address` is a VrfProvider answering a HiddenSet that
    /// serves this suite's controller with it as upstream, and listed by its
    /// subscription (made by [`Self::deploy_hidden_vrf_provider`]); returns
    /// the HiddenSet, what a hidden task names as its randomness.
    pub async fn check_hidden_vrf_provider(&self, address: Address) -> Result<Address, ChainError> {
        let action = format!("using {address} as a hidden task's randomness provider");
        let provider = self.listed_vrf_provider(address, &action).await?;
        let upstream = self.hidden_upstream(provider.controller).await.ok();
        if upstream != Some((self.deployment.controller, address)) {
            return Err(ChainError::InvalidArgument {
                action,
                reason: format!(
                    "it answers {}, which is not a HiddenSet serving this suite's controller {} \
                     with it as upstream; deploy one with `zkmltrack deploy-vrf-provider --hidden`",
                    provider.controller, self.deployment.controller
                ),
            });
        }
        Ok(provider.controller)
    }

    /// What a new task names as its randomness, and whether it is hidden,
    /// checked before the task exists: a public task draws from the beacon
    /// (zero) or from `provider`, a VrfProvider of this suite
    /// ([`Self::check_vrf_provider`]); a hidden task names the suite's
    /// HiddenSet (the beacon), or the HiddenSet that `provider` answers
    /// ([`Self::check_hidden_vrf_provider`]).
    pub async fn task_randomness(
        &self,
        hidden: bool,
        provider: Option<Address>,
    ) -> Result<(Address, bool), ChainError> {
        match (hidden, provider) {
            (false, None) => Ok((Address::ZERO, false)),
            (false, Some(provider)) => {
                self.check_vrf_provider(provider).await?;
                Ok((provider, false))
            }
            (true, Some(provider)) => Ok((self.check_hidden_vrf_provider(provider).await?, true)),
            (true, None) => {
                let hidden_set = self.deployment.hidden_set;
                if hidden_set.is_zero() {
                    return Err(ChainError::InvalidArgument {
                        action: "creating a hidden task".into(),
                        reason: "this deployment has no HiddenSet (it was deployed before hidden \
                                 tasks): redeploy the suite with `zkmltrack deploy`"
                            .into(),
                    });
                }
                self.chain.require_code("HiddenSet", hidden_set).await?;
                Ok((hidden_set, true))
            }
        }
    }

    /// The VrfProvider a task draws from, if any: a public task's provider,
    /// or a hidden task's HiddenSet's upstream when it serves this suite's
    /// controller (`None`: the block-hash beacon, or a provider that does
    /// not answer as a VrfProvider).
    pub async fn task_vrf_provider(&self, spec: &TaskSpec) -> Option<VrfProvider> {
        let address = if spec.hidden {
            match self.hidden_upstream(spec.randomness).await.ok()? {
                (served, provider) if served == self.deployment.controller => provider,
                _ => return None,
            }
        } else {
            spec.randomness
        };
        if address.is_zero() {
            return None;
        }
        self.vrf_provider(address).await.ok()
    }

    /// A HiddenSet's served controller and upstream provider (zeros: it
    /// draws from the beacon).
    pub async fn hidden_upstream(
        &self,
        hidden_set: Address,
    ) -> Result<(Address, Address), ChainError> {
        let u = self
            .chain
            .view(
                &format!("reading HiddenSet {hidden_set}'s upstream"),
                hidden_set,
                &IHiddenSet::upstreamCall {},
            )
            .await?;
        Ok((u._0, u._1))
    }

    /// The VrfProvider at `address`, refused unless its subscription lists it.
    async fn listed_vrf_provider(
        &self,
        address: Address,
        action: &str,
    ) -> Result<VrfProvider, ChainError> {
        let provider = self.vrf_provider(address).await.map_err(|e| match e {
            ChainError::NotDeployed { .. } | ChainError::NotTheContract { .. } => {
                ChainError::InvalidArgument {
                    action: action.into(),
                    reason: "it is not a VrfProvider (no code there, or no answer to config()); \
                             deploy one with `zkmltrack deploy-vrf-provider`"
                        .into(),
                }
            }
            e => e,
        })?;
        if !provider.is_consumer {
            return Err(ChainError::InvalidArgument {
                action: action.into(),
                reason: format!(
                    "subscription {} of coordinator {} does not list it as a consumer: its owner \
                     must add it (addConsumer) or every opening would fail",
                    provider.terms.subscription_id, provider.terms.coordinator
                ),
            });
        }
        Ok(provider)
    }

    async fn subscription(
        &self,
        terms: &VrfTerms,
    ) -> Result<Subscription::getSubscriptionReturn, ChainError> {
        self.chain
            .view(
                &format!(
                    "reading VRF subscription {} of coordinator {}",
                    terms.subscription_id, terms.coordinator
                ),
                terms.coordinator,
                &Subscription::getSubscriptionCall {
                    subId: terms.subscription_id,
                },
            )
            .await
    }
}

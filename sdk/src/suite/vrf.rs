//! Chainlink VRF v2.5 as a task's randomness: deploying a VrfProvider for
//! this suite's controller and reading one back (the program's rules are in
//! its crate docs, `contracts/vrf-provider`).

use super::*;
use crate::chain::bindings::{IVRFSubscriptionV2Plus as Subscription, IVrfProvider as Provider};

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

/// A deployed VrfProvider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct VrfProvider {
    /// Its address: what a task names as its randomness.
    pub address: Address,
    /// The controller it serves.
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
        let action = "deploying a VrfProvider";
        let me = self.chain.account(action)?;
        if terms.callback_gas_limit < MIN_CALLBACK_GAS {
            return Err(ChainError::InvalidArgument {
                action: action.into(),
                reason: format!(
                    "callback gas limit {} is below {MIN_CALLBACK_GAS}: the fulfilment would run \
                     out of gas in the controller",
                    terms.callback_gas_limit
                ),
            });
        }
        self.chain
            .require_code("VRF coordinator", terms.coordinator)
            .await?;
        let owner = self.subscription(terms).await?.subOwner;
        let address = self
            .chain
            .deploy_stylus(
                "VrfProvider",
                program,
                constructor_calldata(
                    (
                        self.deployment.controller,
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
        let provider = self.vrf_provider(address).await.map_err(|e| match e {
            ChainError::NotDeployed { .. } | ChainError::NotTheContract { .. } => {
                ChainError::InvalidArgument {
                    action: action.clone(),
                    reason: "it is not a VrfProvider (no code there, or no answer to config()); \
                             deploy one with `zkmltrack deploy-vrf-provider`"
                        .into(),
                }
            }
            e => e,
        })?;
        if provider.controller != self.deployment.controller {
            return Err(ChainError::InvalidArgument {
                action,
                reason: format!(
                    "it serves the controller {}, not this suite's {}",
                    provider.controller, self.deployment.controller
                ),
            });
        }
        if !provider.is_consumer {
            return Err(ChainError::InvalidArgument {
                action,
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

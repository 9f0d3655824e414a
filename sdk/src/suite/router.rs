//! The VerifierRouter: allowed verifier code, the trusted SRS, routes.

use super::*;

/// EZKL's reusable verifier as the suite deploys it.
#[derive(Clone, Copy, Debug)]
pub struct ReusableVerifier<'a> {
    /// Its init code.
    pub init_code: &'a [u8],
    /// G2 words of the SRS the suite trusts (see [`vka_srs_words`]).
    pub trusted_srs: [B256; 8],
}

/// A verifier route of the router.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Route {
    /// Its id.
    pub id: u64,
    /// Kind: [`KIND_REUSABLE_STORED`], [`KIND_REUSABLE_CALLDATA`] or [`KIND_PLAIN`].
    pub kind: u8,
    /// Verifier contract.
    pub verifier: Address,
    /// Data contract holding the VKA (zero unless kind 1).
    pub vka_store: Address,
    /// Verifying-key digest it verifies against.
    pub digest: B256,
    /// False once the owner disabled it.
    pub active: bool,
    /// True once the owner approved it.
    pub approved: bool,
    /// Account that added it.
    pub proposer: Address,
    /// keccak256 of its architecture package.
    pub package_hash: B256,
}

/// Where a route's architecture package is, as the route names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PackageRef {
    /// keccak256 of the package ([`crate::architecture::package_hash`]).
    pub hash: B256,
    /// Where it is published (`file://` or any URI).
    pub uri: String,
}

/// EZKL's VKA digest: keccak256 of the words end to end.
pub fn vka_digest(words: &[B256]) -> B256 {
    keccak256(words.iter().flat_map(|w| w.0).collect::<Vec<u8>>())
}

impl Suite {
    /// Allows or disallows verifier code (by code hash) on the router. Owner only.
    pub async fn allow_verifier_code(
        &self,
        code_hash: B256,
        allowed: bool,
    ) -> Result<(), ChainError> {
        let action = if allowed {
            "allow-listing verifier code"
        } else {
            "revoking verifier code"
        };
        self.chain
            .transact(
                action,
                self.deployment.router,
                &Router::setVerifierAllowedCall { code_hash, allowed },
                U256::ZERO,
            )
            .await?;
        Ok(())
    }

    /// Allows or disallows the code of the verifier deployed at `verifier`.
    pub async fn allow_verifier_at(
        &self,
        verifier: Address,
        allowed: bool,
    ) -> Result<B256, ChainError> {
        let code = self.chain.require_code("verifier", verifier).await?;
        let code_hash = keccak256(&code);
        self.allow_verifier_code(code_hash, allowed).await?;
        Ok(code_hash)
    }

    /// Pins the trusted SRS on the router: the G2 words ([`SRS_WORDS`]) every
    /// reusable route's VKA must carry. Owner only.
    pub async fn set_trusted_srs(&self, g2_words: [B256; 8]) -> Result<(), ChainError> {
        self.chain
            .transact(
                "pinning the trusted SRS",
                self.deployment.router,
                &Router::setTrustedSrsCall { g2_words },
                U256::ZERO,
            )
            .await?;
        Ok(())
    }

    /// The router's trusted SRS G2 words (all zero when none is pinned).
    pub async fn trusted_srs(&self) -> Result<[B256; 8], ChainError> {
        self.chain
            .view(
                "VerifierRouter.trustedSrs",
                self.deployment.router,
                &Router::trustedSrsCall {},
            )
            .await
    }

    /// Approves a verifier route after reviewing its circuit. Owner only.
    pub async fn approve_route(&self, route_id: u64) -> Result<(), ChainError> {
        self.chain
            .transact(
                "approving the verifier route",
                self.deployment.router,
                &Router::approveRouteCall { route_id },
                U256::ZERO,
            )
            .await?;
        Ok(())
    }

    /// A verifier route.
    pub async fn route(&self, route_id: u64) -> Result<Route, ChainError> {
        let r = self
            .chain
            .view(
                "VerifierRouter.route",
                self.deployment.router,
                &Router::routeCall { route_id },
            )
            .await?;
        Ok(Route {
            id: route_id,
            kind: r._0,
            verifier: r._1,
            vka_store: r._2,
            digest: r._3,
            active: r._4,
            approved: r._5,
            proposer: r._6,
            package_hash: r._7,
        })
    }

    /// Every route that verifies against `digest` (the router's indexed
    /// `RouteAdded` logs), oldest first, with the package URI each names.
    pub async fn routes_with_digest(
        &self,
        digest: B256,
    ) -> Result<Vec<(Route, String)>, ChainError> {
        let added = self
            .routes_added(|f| f.topic3(digest), "reading the verifier routes")
            .await?;
        let mut routes = Vec::with_capacity(added.len());
        for (route_id, uri) in added {
            routes.push((self.route(route_id).await?, uri));
        }
        Ok(routes)
    }

    /// The URI a route's `RouteAdded` event names for its architecture package.
    pub async fn route_package_uri(&self, route_id: u64) -> Result<String, ChainError> {
        let action = format!("reading route {route_id}'s architecture package");
        self.routes_added(|f| f.topic1(B256::from(U256::from(route_id))), &action)
            .await?
            .into_iter()
            .next()
            .map(|(_, uri)| uri)
            .ok_or_else(|| ChainError::Rpc {
                action,
                message: "the router logged no RouteAdded event for it".into(),
            })
    }

    /// The router's `RouteAdded` events matching `topic` (an indexed field),
    /// oldest first: each route's id and package URI.
    async fn routes_added(
        &self,
        topic: impl FnOnce(alloy::rpc::types::Filter) -> alloy::rpc::types::Filter,
        action: &str,
    ) -> Result<Vec<(u64, String)>, ChainError> {
        use alloy::sol_types::SolEvent;
        let filter = topic(
            alloy::rpc::types::Filter::new()
                .address(self.deployment.router)
                .event_signature(Router::RouteAdded::SIGNATURE_HASH)
                .from_block(self.deployment.first_block),
        );
        let logs = self.chain.logs(action, &filter).await?;
        Ok(logs
            .iter()
            .filter_map(|l| Router::RouteAdded::decode_log(&l.inner).ok())
            .map(|added| {
                (
                    added.route_id,
                    String::from_utf8_lossy(&added.package_uri).into_owned(),
                )
            })
            .collect())
    }

    /// Whether the router allows verifier code with this hash.
    pub async fn is_verifier_allowed(&self, code_hash: B256) -> Result<bool, ChainError> {
        self.chain
            .view(
                "VerifierRouter.isVerifierAllowed",
                self.deployment.router,
                &Router::isVerifierAllowedCall { code_hash },
            )
            .await
    }

    /// Stores an architecture's VKA as a data contract and adds a
    /// reusable-verifier route for it on the suite's verifier, naming its
    /// architecture package. The route serves once the suite owner approved
    /// it (at once for the owner); then any account registers versions on it.
    pub async fn add_model_route(
        &self,
        vka: &[B256],
        package: &PackageRef,
    ) -> Result<Route, ChainError> {
        let vka_store = self
            .chain
            .deploy_data("storing the architecture's VKA", vka)
            .await?;
        self.add_reusable_route(vka, vka_store, package).await
    }

    /// Adds a calldata-VKA route for a model's VKA on the suite's verifier,
    /// held by the signing account: nothing is stored but the digest, and each
    /// submission carries the VKA ([`Submission::vka`]). Registers the VKA with
    /// EZKL's verifier first, which rejects proofs against unregistered VKAs
    /// (the router registers only stored ones). The route serves once the
    /// suite owner approved it (at once for the owner).
    pub async fn add_calldata_route(
        &self,
        vka: &[B256],
        package: &PackageRef,
    ) -> Result<Route, ChainError> {
        let verifier = self.reusable_verifier()?;
        self.chain
            .transact(
                "registering the model's VKA with EZKL's verifier",
                verifier,
                &IReusableVerifier::registerVkaCall { vka: vka.to_vec() },
                U256::ZERO,
            )
            .await?;
        self.add_reusable_route(vka, Address::ZERO, package).await
    }

    /// The suite's reusable verifier, or an error naming its absence.
    fn reusable_verifier(&self) -> Result<Address, ChainError> {
        self.deployment
            .reusable_verifier
            .ok_or_else(|| ChainError::Rpc {
                action: "adding a verifier route".into(),
                message: "the deployment has no reusable verifier; deploy the suite with one"
                    .into(),
            })
    }

    /// `addReusableRoute` for `vka`, stored at `vka_store` (zero: calldata).
    async fn add_reusable_route(
        &self,
        vka: &[B256],
        vka_store: Address,
        package: &PackageRef,
    ) -> Result<Route, ChainError> {
        let verifier = self.reusable_verifier()?;
        let digest = vka_digest(vka);
        let receipt = self
            .chain
            .transact(
                "adding the architecture's verifier route",
                self.deployment.router,
                &Router::addReusableRouteCall {
                    verifier,
                    vka_store,
                    vka_digest: digest,
                    package_hash: package.hash,
                    package_uri: package.uri.clone().into_bytes().into(),
                },
                U256::ZERO,
            )
            .await?;
        let added: Router::RouteAdded = required_event(&receipt, "adding a route")?;
        Ok(Route {
            id: added.route_id,
            kind: added.kind,
            verifier,
            vka_store,
            digest,
            active: true,
            approved: added.approved,
            proposer: added.proposer,
            package_hash: package.hash,
        })
    }
}

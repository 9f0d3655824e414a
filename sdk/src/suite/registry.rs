//! The ModelRegistry: tasks, lineages, model versions.

use super::*;

/// A task as the registry reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Task {
    /// Task id.
    pub id: u64,
    /// Creator.
    pub creator: Address,
    /// Its parameters.
    pub spec: TaskSpec,
    /// Closed to new evaluations.
    pub closed: bool,
}

/// A model version as the registry reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Version {
    /// Version id (global).
    pub id: u64,
    /// Lineage.
    pub lineage_id: u64,
    /// Number within the lineage, from 1.
    pub number: u32,
    /// Submitter.
    pub submitter: Address,
    /// keccak256 of the ONNX file.
    pub onnx_hash: B256,
    /// Weight commitment: EZKL's Poseidon hash of the parameters.
    pub weight_hash: B256,
    /// Verifying-key digest of its architecture route.
    pub vk_digest: B256,
    /// Verifier route (the architecture).
    pub route_id: u64,
    /// Registration time (block timestamp).
    pub timestamp: u64,
    /// Revoked.
    pub revoked: bool,
}

/// What registering a model version created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RegisteredVersion {
    /// Lineage the version belongs to.
    pub lineage_id: u64,
    /// The new version's id.
    pub version_id: u64,
    /// Its number within the lineage.
    pub number: u32,
    /// The verifier route it verifies through.
    pub route_id: u64,
    /// Data contract holding its VKA.
    pub vka_store: Address,
}

impl Suite {
    /// Revokes a model version (its submitter or the registry owner).
    pub async fn revoke_version(&self, version_id: u64) -> Result<(), ChainError> {
        self.chain
            .transact(
                &format!("revoking model version {version_id}"),
                self.deployment.registry,
                &Registry::revokeVersionCall { version_id },
                U256::ZERO,
            )
            .await?;
        Ok(())
    }

    /// Creates an evaluation task and returns its id.
    pub async fn create_task(&self, spec: &TaskSpec) -> Result<u64, ChainError> {
        spec.check().map_err(|e| ChainError::InvalidArgument {
            action: "creating the task".into(),
            reason: e.to_string(),
        })?;
        let call = Registry::createTaskCall {
            root: spec.root,
            dataset_size: spec.dataset_size,
            feature_count: spec.feature_count,
            class_count: spec.class_count,
            scale: spec.scale,
            samples: spec.samples,
            draw_delay: spec.draw_delay,
            randomness: spec.randomness,
            hidden: spec.hidden,
            metadata: spec.metadata,
        };
        let receipt = self
            .chain
            .transact(
                "creating the task",
                self.deployment.registry,
                &call,
                U256::ZERO,
            )
            .await?;
        let created: Registry::TaskCreated = required_event(&receipt, "creating the task")?;
        Ok(created.task_id)
    }

    /// Closes task `task_id` to new evaluations (its board stays). The task's
    /// creator or the suite's owner only.
    pub async fn close_task(&self, task_id: u64) -> Result<(), ChainError> {
        self.chain
            .transact(
                &format!("closing task {task_id}"),
                self.deployment.registry,
                &Registry::closeTaskCall { task_id },
                U256::ZERO,
            )
            .await?;
        Ok(())
    }

    /// A task's parameters.
    pub async fn task(&self, task_id: u64) -> Result<Task, ChainError> {
        use zkmltrack_protocol::registry::task;
        let t = self
            .chain
            .view_words(
                &format!("reading task {task_id}"),
                self.deployment.registry,
                &Registry::taskCall { task_id },
                task::WORDS,
            )
            .await?;
        Ok(Task {
            id: task_id,
            creator: t.address(task::OWNER),
            spec: TaskSpec {
                root: t.b256(task::ROOT),
                dataset_size: t.u64(task::SIZE),
                feature_count: t.u32(task::FEATURES),
                class_count: t.u32(task::CLASSES),
                scale: t.u32(task::SCALE),
                samples: t.u32(task::SAMPLES),
                draw_delay: t.u32(task::DRAW_DELAY),
                randomness: t.address(task::RANDOMNESS),
                hidden: t.bool(task::HIDDEN),
                metadata: B256::ZERO,
            },
            closed: t.bool(task::CLOSED),
        })
    }

    /// Number of tasks.
    pub async fn task_count(&self) -> Result<u64, ChainError> {
        self.chain
            .view(
                "ModelRegistry.taskCount",
                self.deployment.registry,
                &Registry::taskCountCall {},
            )
            .await
    }

    /// Creates a lineage (a model's history) owned by the signing account.
    pub async fn create_lineage(&self, name: &str) -> Result<u64, ChainError> {
        let receipt = self
            .chain
            .transact(
                &format!("creating lineage {name:?}"),
                self.deployment.registry,
                &Registry::createLineageCall { name: name.into() },
                U256::ZERO,
            )
            .await?;
        let created: Registry::LineageCreated = required_event(&receipt, "creating a lineage")?;
        Ok(created.lineage_id)
    }

    /// Adds a route for an architecture's VKA ([`Suite::add_model_route`])
    /// and, once it is approved, registers a version in `lineage_id`
    /// committing to `onnx_hash` and `weight_hash`. When the signer is not the
    /// suite owner the route awaits approval: [`ChainError::AwaitingApproval`]
    /// names it, and [`Suite::register_version_on`] finishes after the
    /// approval.
    pub async fn register_version(
        &self,
        lineage_id: u64,
        onnx_hash: B256,
        weight_hash: B256,
        vka: &[B256],
        package: &PackageRef,
        uri: &str,
    ) -> Result<RegisteredVersion, ChainError> {
        let route = self.add_model_route(vka, package).await?;
        if !route.approved {
            return Err(ChainError::AwaitingApproval { route_id: route.id });
        }
        self.register_version_on(lineage_id, onnx_hash, weight_hash, route.id, uri)
            .await
    }

    /// Registers a version in `lineage_id` committing to `onnx_hash` and the
    /// weights `weight_hash`, on the approved architecture route `route_id`
    /// (anyone's).
    pub async fn register_version_on(
        &self,
        lineage_id: u64,
        onnx_hash: B256,
        weight_hash: B256,
        route_id: u64,
        uri: &str,
    ) -> Result<RegisteredVersion, ChainError> {
        let route = self.route(route_id).await?;
        let receipt = self
            .chain
            .transact(
                "registering the model version",
                self.deployment.registry,
                &Registry::registerVersionCall {
                    lineage_id,
                    onnx_hash,
                    weight_hash,
                    route_id,
                    uri: uri.into(),
                },
                U256::ZERO,
            )
            .await?;
        let v: Registry::VersionRegistered = required_event(&receipt, "registering a version")?;
        Ok(RegisteredVersion {
            lineage_id,
            version_id: v.version_id,
            number: v.number,
            route_id,
            vka_store: route.vka_store,
        })
    }

    /// The ids of every version the registry revoked (its `VersionRevoked`
    /// logs): one read of the chain, where asking each version is one call
    /// per version.
    pub async fn revoked_versions(&self) -> Result<std::collections::BTreeSet<u64>, ChainError> {
        use alloy::sol_types::SolEvent;
        let filter = alloy::rpc::types::Filter::new()
            .address(self.deployment.registry)
            .event_signature(Registry::VersionRevoked::SIGNATURE_HASH)
            .from_block(self.deployment.first_block);
        Ok(self
            .chain
            .logs("reading revoked versions", &filter)
            .await?
            .iter()
            .filter_map(|l| Registry::VersionRevoked::decode_log(&l.inner).ok())
            .map(|e| e.data.version_id)
            .collect())
    }

    /// A model version.
    pub async fn version(&self, version_id: u64) -> Result<Version, ChainError> {
        use zkmltrack_protocol::registry::version;
        let v = self
            .chain
            .view_words(
                &format!("reading model version {version_id}"),
                self.deployment.registry,
                &Registry::versionCall { version_id },
                version::WORDS,
            )
            .await?;
        Ok(Version {
            id: version_id,
            lineage_id: v.u64(version::LINEAGE),
            number: v.u32(version::NUMBER),
            submitter: v.address(version::SUBMITTER),
            onnx_hash: v.b256(version::ONNX_HASH),
            weight_hash: v.b256(version::WEIGHT_HASH),
            vk_digest: v.b256(version::VK_DIGEST),
            route_id: v.u64(version::ROUTE),
            timestamp: v.u64(version::REGISTERED_AT),
            revoked: v.bool(version::REVOKED),
        })
    }

    /// The owner of lineage `lineage_id` and its number of versions (the
    /// zero address for a lineage that does not exist).
    pub async fn lineage(&self, lineage_id: u64) -> Result<(Address, u32), ChainError> {
        let l = self
            .chain
            .view(
                &format!("reading lineage {lineage_id}"),
                self.deployment.registry,
                &Registry::lineageCall { lineage_id },
            )
            .await?;
        Ok((l._0, l._1))
    }

    /// Every version of a lineage, oldest first.
    pub async fn lineage_versions(&self, lineage_id: u64) -> Result<Vec<Version>, ChainError> {
        let (_, count) = self.lineage(lineage_id).await?;
        let mut versions = Vec::with_capacity(count as usize);
        for number in 1..=count {
            let id = self
                .chain
                .view(
                    "ModelRegistry.lineageVersion",
                    self.deployment.registry,
                    &Registry::lineageVersionCall { lineage_id, number },
                )
                .await?;
            versions.push(self.version(id).await?);
        }
        Ok(versions)
    }

    /// The version registered with the weight commitment `weight_hash`, if
    /// any (a commitment is registered once).
    pub async fn version_of_weights(&self, weight_hash: B256) -> Result<Option<u64>, ChainError> {
        let id = self
            .chain
            .view(
                "ModelRegistry.versionOfWeights",
                self.deployment.registry,
                &Registry::versionOfWeightsCall { weight_hash },
            )
            .await?;
        Ok((id != 0).then_some(id))
    }
}

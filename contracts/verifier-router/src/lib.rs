//! # VerifierRouter
//!
//! Maps route ids to EZKL verifiers, so that a proof is always checked by
//! verifier code the owner trusts and against the verifying key a model version
//! registered. It is how zkMLTrack gets around the 24 KB contract size limit:
//! one EZKL *reusable* verifier serves every model, and each model brings only
//! its verifying-key artifact (VKA, ~5 KB of words) as data.
//!
//! Route kinds:
//! - [`KIND_REUSABLE_STORED`]: reusable verifier + VKA kept as the code of a data
//!   contract (`0x00 ++ words`); the router reads it on each verification.
//! - [`KIND_REUSABLE_CALLDATA`]: reusable verifier + VKA passed with each call.
//! - [`KIND_PLAIN`]: a verifier with the key baked in (owner only).
//!
//! A route stands for an *architecture*: circuits are compiled with hashed
//! parameters, so the verifying key commits to the graph and settings and one
//! public instance (checked by the TaskController against the version) to the
//! weights; any number of versions share a route. A route's digest is
//! `keccak256` of the VKA words (EZKL's own VKA digest) for reusable routes,
//! the verifier's code hash for plain ones; it also names the keccak256 (and,
//! in its `RouteAdded` event, the URI) of the public *architecture package*
//! from which anyone rebuilds that key (`zkmltrack route review`).
//!
//! Who decides what may be verified:
//! - verifier code: only code whose hash the owner allow-listed backs a route;
//! - SRS: a reusable verifier takes the pairing's G2 points from the VKA
//!   (words [`SRS_WORDS`]), so a VKA made with an SRS whose trapdoor the model
//!   owner knows would let them forge proofs. Every VKA must carry the words of
//!   the trusted SRS the owner pinned ([`VerifierRouter::set_trusted_srs`]);
//! - circuits: nothing on-chain can tell which public instances of a VKA's
//!   circuit are inputs and which are outputs, so a circuit could take its
//!   "outputs" as free inputs. Anyone may add a reusable route, but it serves
//!   verifications only once the owner approved it after reviewing its
//!   architecture package, which holds no trained weights
//!   (`zkmltrack route review`); routes the owner adds are approved at once.
//!   Any account then registers versions on an approved route.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main, no_std)]
// `#[entrypoint]` generates undocumented items (the wasm32 `user_entrypoint`, the ABI export).
#![cfg_attr(
    any(target_arch = "wasm32", feature = "export-abi"),
    allow(missing_docs)
)]
extern crate alloc;

use alloc::{vec, vec::Vec};

use alloy_primitives::{Address, Bytes, B256, U256, U8};
use alloy_sol_types::SolCall;
use openzeppelin_stylus::{
    access::{
        ownable::{OwnableInvalidOwner, OwnableUnauthorizedAccount},
        ownable_two_step::{IOwnable2Step, Ownable2Step},
    },
    utils::pausable::{EnforcedPause, ExpectedPause, IPausable, Pausable},
};
use stylus_sdk::{
    call::RawCall,
    prelude::*,
    storage::{
        StorageAddress, StorageArray, StorageB256, StorageBool, StorageMap, StorageU8, StorageVec,
    },
};

pub use sol::*;
use zkmltrack_common::id_index;

use zkmltrack_common::protocol::router::vka_proof_len;
/// Route kinds and the pinned SRS words, shared with the SDK.
pub use zkmltrack_common::protocol::router::{
    KIND_PLAIN, KIND_REUSABLE_CALLDATA, KIND_REUSABLE_STORED, SRS_WORDS,
};

mod sol {
    use alloy_sol_types::sol;

    sol! {
        /// Emitted when the owner allows or disallows verifier code.
        ///
        /// * `code_hash` - keccak256 of the verifier's runtime code.
        /// * `allowed` - Whether routes may use it.
        #[derive(Debug)]
        event VerifierCodeAllowed(bytes32 indexed code_hash, bool allowed);

        /// Emitted when a route is added.
        ///
        /// * `route_id` - Id of the route.
        /// * `kind` - Route kind (1 stored VKA, 2 calldata VKA, 3 plain).
        /// * `verifier` - Verifier contract.
        /// * `vka_store` - Data contract holding the VKA (zero unless kind 1).
        /// * `digest` - Verifying-key digest the route verifies against.
        /// * `proposer` - Account that added it.
        /// * `approved` - Whether it serves at once (added by the owner).
        /// * `package_hash` - keccak256 of its architecture package.
        /// * `package_uri` - Where the package is published (UTF-8).
        #[derive(Debug)]
        event RouteAdded(uint64 indexed route_id, uint8 kind, address indexed verifier, address vka_store, bytes32 indexed digest, address proposer, bool approved, bytes32 package_hash, bytes package_uri);

        /// Emitted when the owner enables or disables a route.
        ///
        /// * `route_id` - The route.
        /// * `active` - Its new status.
        #[derive(Debug)]
        event RouteStatusChanged(uint64 indexed route_id, bool active);

        /// Emitted when the owner approves a route for verification.
        ///
        /// * `route_id` - The route.
        #[derive(Debug)]
        event RouteApproved(uint64 indexed route_id);

        /// Emitted when the owner pins the trusted SRS.
        ///
        /// * `srs_digest` - keccak256 of its eight G2 words.
        #[derive(Debug)]
        event TrustedSrsSet(bytes32 srs_digest);
    }

    sol! {
        /// The verifier's code hash is not allow-listed.
        ///
        /// * `verifier` - The verifier.
        /// * `code_hash` - Its code hash.
        #[derive(Debug)]
        error VerifierNotAllowed(address verifier, bytes32 code_hash);

        /// The route does not exist.
        ///
        /// * `route_id` - Requested id.
        #[derive(Debug)]
        error UnknownRoute(uint64 route_id);

        /// The route was disabled by the owner.
        ///
        /// * `route_id` - The route.
        #[derive(Debug)]
        error RouteDisabled(uint64 route_id);

        /// The VKA does not hash to the expected digest.
        ///
        /// * `expected` - Digest the route or caller expects.
        /// * `actual` - keccak256 of the VKA words given or stored.
        #[derive(Debug)]
        error VkaDigestMismatch(bytes32 expected, bytes32 actual);

        /// The caller expects another verifying key than the route's.
        ///
        /// * `route_id` - The route.
        /// * `expected` - Digest the caller expects (the model version's).
        /// * `routed` - Digest of the route.
        #[derive(Debug)]
        error RouteDigestMismatch(uint64 route_id, bytes32 expected, bytes32 routed);

        /// The VKA data contract holds no well-formed VKA (`0x00` then whole words).
        ///
        /// * `vka_store` - The data contract.
        #[derive(Debug)]
        error InvalidVkaStore(address vka_store);

        /// A VKA passed as calldata must be given for kind-2 routes only.
        ///
        /// * `route_id` - The route.
        #[derive(Debug)]
        error UnexpectedVka(uint64 route_id);

        /// The address holds no code.
        ///
        /// * `account` - The address.
        #[derive(Debug)]
        error NotAContract(address account);

        /// The verifier refused to register the VKA.
        ///
        /// * `verifier` - The verifier.
        #[derive(Debug)]
        error VkaRegistrationFailed(address verifier);

        /// A route must name its architecture package (a non-zero keccak256).
        #[derive(Debug)]
        error MissingPackage();

        /// The route awaits the owner's approval.
        ///
        /// * `route_id` - The route.
        #[derive(Debug)]
        error RouteNotApproved(uint64 route_id);

        /// The VKA was not made with the trusted SRS (or none is pinned yet).
        ///
        /// * `expected` - keccak256 of the trusted SRS's G2 words (zero: none pinned).
        /// * `actual` - keccak256 of the VKA's G2 words (zero: the VKA is too short).
        #[derive(Debug)]
        error UntrustedSrs(bytes32 expected, bytes32 actual);

        /// The proof is not exactly as long as the route's VKA says an EZKL
        /// proof is (the reusable verifier would ignore bytes past it).
        ///
        /// * `route_id` - The route.
        /// * `expected` - Bytes a proof has for this VKA (zero: its header is unreadable).
        /// * `actual` - Bytes given.
        #[derive(Debug)]
        error ProofLengthMismatch(uint64 route_id, uint256 expected, uint256 actual);
    }

    sol! {
        /// EZKL reusable verifier: register a VKA (digest = keccak256 of its words).
        function registerVka(bytes32[] vka) returns (bytes32);
        /// EZKL reusable verifier: verify a proof against a registered VKA.
        function verifyProof(bytes proof, uint256[] instances, bytes32[] vka) returns (bool);
    }

    /// The plain verifier's entrypoint, in a module of its own (same name).
    pub mod plain {
        alloy_sol_types::sol! {
            /// EZKL plain verifier: verify a proof against the baked-in key.
            function verifyProof(bytes proof, uint256[] instances) returns (bool);
        }
    }
}

/// Every way a router call can fail.
#[derive(SolidityError, Debug)]
pub enum Error {
    /// See [`VerifierNotAllowed`].
    VerifierNotAllowed(VerifierNotAllowed),
    /// See [`UnknownRoute`].
    UnknownRoute(UnknownRoute),
    /// See [`RouteDisabled`].
    RouteDisabled(RouteDisabled),
    /// See [`VkaDigestMismatch`].
    VkaDigestMismatch(VkaDigestMismatch),
    /// See [`RouteDigestMismatch`].
    RouteDigestMismatch(RouteDigestMismatch),
    /// See [`InvalidVkaStore`].
    InvalidVkaStore(InvalidVkaStore),
    /// See [`UnexpectedVka`].
    UnexpectedVka(UnexpectedVka),
    /// See [`NotAContract`].
    NotAContract(NotAContract),
    /// See [`VkaRegistrationFailed`].
    VkaRegistrationFailed(VkaRegistrationFailed),
    /// See [`MissingPackage`].
    MissingPackage(MissingPackage),
    /// See [`RouteNotApproved`].
    RouteNotApproved(RouteNotApproved),
    /// See [`UntrustedSrs`].
    UntrustedSrs(UntrustedSrs),
    /// See [`ProofLengthMismatch`].
    ProofLengthMismatch(ProofLengthMismatch),
    /// The caller is not the contract owner (OpenZeppelin `Ownable`).
    UnauthorizedAccount(OwnableUnauthorizedAccount),
    /// The new owner is the zero address (OpenZeppelin `Ownable`).
    InvalidOwner(OwnableInvalidOwner),
    /// The contract is paused (OpenZeppelin `Pausable`).
    EnforcedPause(EnforcedPause),
    /// The contract is not paused (OpenZeppelin `Pausable`).
    ExpectedPause(ExpectedPause),
}

/// One route.
#[storage]
pub struct Route {
    /// Route kind (see the `KIND_*` constants).
    kind: StorageU8,
    /// Verifier contract.
    verifier: StorageAddress,
    /// Data contract holding the VKA (kind 1 only).
    vka_store: StorageAddress,
    /// Verifying-key digest the route verifies against.
    digest: StorageB256,
    /// False once the owner disabled the route.
    disabled: StorageBool,
    /// True once the owner approved the route (at once for routes the owner adds).
    approved: StorageBool,
    /// Account that added the route.
    proposer: StorageAddress,
    /// keccak256 of the architecture package that rebuilds the route's key.
    package_hash: StorageB256,
}

/// State of the VerifierRouter.
#[entrypoint]
#[storage]
pub struct VerifierRouter {
    /// Two-step ownership (governance).
    ownable: Ownable2Step,
    /// Emergency stop for routing and verification.
    pausable: Pausable,
    /// Verifier code hashes the owner allows routes to use.
    allowed_code: StorageMap<B256, StorageBool>,
    /// Routes; id `n` is at index `n - 1`.
    routes: StorageVec<Route>,
    /// G2 words (see [`SRS_WORDS`]) every reusable route's VKA must carry.
    trusted_srs: StorageArray<StorageB256, 8>,
}

zkmltrack_common::governance!(VerifierRouter, Error);

/// What `route(id)` returns: kind, verifier, VKA store, digest, active
/// (not disabled), approved, proposer, architecture package hash.
pub type RouteInfo = (u8, Address, Address, B256, bool, bool, Address, B256);

#[public]
#[implements(IOwnable2Step<Error = Error>, IPausable)]
impl VerifierRouter {
    /// Sets the owner.
    ///
    /// # Errors
    /// * [`Error::InvalidOwner`] - `owner` is zero.
    #[constructor]
    pub fn constructor(&mut self, owner: Address) -> Result<(), Error> {
        Ok(self.ownable.constructor(owner)?)
    }

    /// Allows or disallows verifier code by its hash. Owner only. Disallowing
    /// also stops verification on every route backed by that code.
    ///
    /// # Errors
    /// * [`Error::UnauthorizedAccount`] - the caller is not the owner.
    ///
    /// # Events
    /// * [`VerifierCodeAllowed`].
    pub fn set_verifier_allowed(&mut self, code_hash: B256, allowed: bool) -> Result<(), Error> {
        self.ownable.ownable.only_owner()?;
        self.allowed_code.setter(code_hash).set(allowed);
        log(self.vm(), VerifierCodeAllowed { code_hash, allowed });
        Ok(())
    }

    /// Pins the trusted SRS: the eight G2 words (see [`SRS_WORDS`]) that every
    /// reusable route's VKA must carry. Owner only. Routes are checked when
    /// they are added (stored VKA) or used (calldata VKA); after a change,
    /// disable the stored-VKA routes made with the old SRS.
    ///
    /// # Errors
    /// * [`Error::UnauthorizedAccount`] - the caller is not the owner.
    ///
    /// # Events
    /// * [`TrustedSrsSet`].
    pub fn set_trusted_srs(&mut self, g2_words: [B256; 8]) -> Result<(), Error> {
        self.ownable.ownable.only_owner()?;
        for (i, word) in g2_words.iter().enumerate() {
            self.trusted_srs.setter(i).expect("eight slots").set(*word);
        }
        let srs_digest = self.vm().native_keccak256(&g2_words.concat());
        log(self.vm(), TrustedSrsSet { srs_digest });
        Ok(())
    }

    /// The trusted SRS's G2 words (all zero until the owner pins them).
    pub fn trusted_srs(&self) -> [B256; 8] {
        core::array::from_fn(|i| self.trusted_srs.get(i).expect("eight slots"))
    }

    /// Approves a route for verification and registration, after the owner
    /// reviewed its circuit (public instances: the task's features, then the
    /// model's outputs). Owner only.
    ///
    /// # Errors
    /// * [`Error::UnauthorizedAccount`] - the caller is not the owner.
    /// * [`Error::UnknownRoute`] - no such route.
    ///
    /// # Events
    /// * [`RouteApproved`].
    pub fn approve_route(&mut self, route_id: u64) -> Result<(), Error> {
        self.ownable.ownable.only_owner()?;
        let mut route = self
            .routes
            .setter(id_index(route_id))
            .ok_or(Error::UnknownRoute(UnknownRoute { route_id }))?;
        route.approved.set(true);
        log(self.vm(), RouteApproved { route_id });
        Ok(())
    }

    /// Adds a reusable-verifier route for an architecture and returns its id:
    /// `package_hash` and `package_uri` name the public architecture package
    /// that rebuilds the VKA. Open to anyone; the route serves once the owner
    /// approved it (at once when the owner adds it).
    ///
    /// With a `vka_store`, the VKA is read from that data contract's code,
    /// must hash to `vka_digest`, carry the trusted SRS, and is registered
    /// with the verifier. With a zero `vka_store`, callers pass the VKA with
    /// each verification and the route only remembers `vka_digest`; EZKL's
    /// verifier then rejects proofs until that VKA is registered with it
    /// (its `registerVka`, open to anyone), which the router cannot do from
    /// `verify` (a static call).
    ///
    /// # Errors
    /// * [`Error::VerifierNotAllowed`] - the verifier's code is not allow-listed.
    /// * [`Error::InvalidVkaStore`] - the store holds no well-formed VKA.
    /// * [`Error::VkaDigestMismatch`] - the stored VKA hashes to another digest.
    /// * [`Error::UntrustedSrs`] - the stored VKA was made with another SRS.
    /// * [`Error::VkaRegistrationFailed`] - the verifier refused the VKA.
    /// * [`Error::MissingPackage`] - `package_hash` is zero.
    /// * [`Error::EnforcedPause`] - the router is paused.
    ///
    /// # Events
    /// * [`RouteAdded`].
    pub fn add_reusable_route(
        &mut self,
        verifier: Address,
        vka_store: Address,
        vka_digest: B256,
        package_hash: B256,
        package_uri: stylus_sdk::abi::Bytes,
    ) -> Result<u64, Error> {
        self.pausable.when_not_paused()?;
        if package_hash.is_zero() {
            return Err(Error::MissingPackage(MissingPackage {}));
        }
        self.check_allowed(verifier)?;
        let kind = if vka_store.is_zero() {
            if vka_digest.is_zero() {
                return Err(Error::VkaDigestMismatch(VkaDigestMismatch {
                    expected: vka_digest,
                    actual: vka_digest,
                }));
            }
            KIND_REUSABLE_CALLDATA
        } else {
            let words = self.stored_vka(vka_store)?;
            let actual = self.vm().native_keccak256(&words);
            if actual != vka_digest {
                return Err(Error::VkaDigestMismatch(VkaDigestMismatch {
                    expected: vka_digest,
                    actual,
                }));
            }
            self.check_srs(&words)?;
            let calldata = registerVkaCall {
                vka: to_words(&words),
            }
            .abi_encode();
            unsafe { RawCall::new().call(verifier, &calldata) }
                .map_err(|_| Error::VkaRegistrationFailed(VkaRegistrationFailed { verifier }))?;
            KIND_REUSABLE_STORED
        };
        let sender = self.vm().msg_sender();
        let approved = sender == self.ownable.owner();
        let route = NewRoute {
            kind,
            verifier,
            vka_store,
            digest: vka_digest,
            proposer: sender,
            approved,
            package_hash,
        };
        Ok(self.push_route(route, package_uri))
    }

    /// Adds an approved route to a plain verifier of an architecture (its key
    /// baked into its code) and returns its id; the route's digest is the
    /// verifier's code hash. Owner only.
    ///
    /// # Errors
    /// * [`Error::UnauthorizedAccount`] - the caller is not the owner.
    /// * [`Error::NotAContract`] - `verifier` holds no code.
    /// * [`Error::MissingPackage`] - `package_hash` is zero.
    ///
    /// # Events
    /// * [`RouteAdded`].
    pub fn add_plain_route(
        &mut self,
        verifier: Address,
        package_hash: B256,
        package_uri: stylus_sdk::abi::Bytes,
    ) -> Result<u64, Error> {
        self.ownable.ownable.only_owner()?;
        let code_hash = self.vm().code_hash(verifier);
        if !zkmltrack_common::is_contract_codehash(code_hash.0) {
            return Err(Error::NotAContract(NotAContract { account: verifier }));
        }
        if package_hash.is_zero() {
            return Err(Error::MissingPackage(MissingPackage {}));
        }
        let route = NewRoute {
            kind: KIND_PLAIN,
            verifier,
            vka_store: Address::ZERO,
            digest: code_hash,
            proposer: self.vm().msg_sender(),
            approved: true,
            package_hash,
        };
        Ok(self.push_route(route, package_uri))
    }

    /// Enables or disables a route. Owner only.
    ///
    /// # Errors
    /// * [`Error::UnauthorizedAccount`] - the caller is not the owner.
    /// * [`Error::UnknownRoute`] - no such route.
    ///
    /// # Events
    /// * [`RouteStatusChanged`].
    pub fn set_route_active(&mut self, route_id: u64, active: bool) -> Result<(), Error> {
        self.ownable.ownable.only_owner()?;
        let mut route = self
            .routes
            .setter(id_index(route_id))
            .ok_or(Error::UnknownRoute(UnknownRoute { route_id }))?;
        route.disabled.set(!active);
        log(self.vm(), RouteStatusChanged { route_id, active });
        Ok(())
    }

    /// Verifies an EZKL proof through a route. Returns the verifier's verdict:
    /// `false` when the verifier rejects the proof (EZKL verifiers revert).
    ///
    /// `vk_digest` is the digest the caller expects (a model version's); `vka`
    /// must be empty except on calldata-VKA routes, where it carries the VKA.
    ///
    /// # Errors
    /// * [`Error::UnknownRoute`], [`Error::RouteDisabled`],
    ///   [`Error::RouteNotApproved`] - no usable route.
    /// * [`Error::RouteDigestMismatch`] - the route verifies another key.
    /// * [`Error::VerifierNotAllowed`] - the verifier's code is no longer allowed.
    /// * [`Error::VkaDigestMismatch`] - the calldata VKA is not the route's.
    /// * [`Error::UntrustedSrs`] - the calldata VKA was made with another SRS.
    /// * [`Error::UnexpectedVka`] - a VKA was passed to another kind of route.
    /// * [`Error::InvalidVkaStore`] - the VKA data contract changed or vanished.
    /// * [`Error::ProofLengthMismatch`] - a reusable route's proof is not
    ///   exactly as long as its VKA says.
    /// * [`Error::EnforcedPause`] - the router is paused.
    pub fn verify(
        &self,
        route_id: u64,
        vk_digest: B256,
        proof: stylus_sdk::abi::Bytes,
        instances: Vec<U256>,
        vka: Vec<B256>,
    ) -> Result<bool, Error> {
        let proof = Bytes::from(proof.0);
        self.pausable.when_not_paused()?;
        let routed = self.route_digest(route_id)?;
        if routed != vk_digest {
            return Err(Error::RouteDigestMismatch(RouteDigestMismatch {
                route_id,
                expected: vk_digest,
                routed,
            }));
        }
        let route = self
            .routes
            .get(id_index(route_id))
            .expect("route_digest checked it");
        let verifier = route.verifier.get();
        let kind = route.kind.get().to::<u8>();
        if kind != KIND_REUSABLE_CALLDATA && !vka.is_empty() {
            return Err(Error::UnexpectedVka(UnexpectedVka { route_id }));
        }
        let calldata = if kind == KIND_PLAIN {
            plain::verifyProofCall { proof, instances }.abi_encode()
        } else {
            self.check_allowed(verifier)?;
            let vka = if kind == KIND_REUSABLE_STORED {
                let words = self.stored_vka(route.vka_store.get())?;
                to_words(&words)
            } else {
                vka
            };
            let packed: Vec<u8> = vka.iter().flat_map(|w| w.0).collect();
            let actual = self.vm().native_keccak256(&packed);
            if actual != routed {
                return Err(Error::VkaDigestMismatch(VkaDigestMismatch {
                    expected: routed,
                    actual,
                }));
            }
            if kind == KIND_REUSABLE_CALLDATA {
                // Stored VKAs were checked when their route was added.
                self.check_srs(&packed)?;
            }
            // One proof, one byte string: EZKL's reusable verifier reads only
            // the bytes the VKA accounts for (the plain verifier checks its own).
            let expected = vka_proof_len(|i| vka.get(i).map(|w| w.0));
            if expected != Some(proof.len()) {
                return Err(Error::ProofLengthMismatch(ProofLengthMismatch {
                    route_id,
                    expected: U256::from(expected.unwrap_or(0)),
                    actual: U256::from(proof.len()),
                }));
            }
            verifyProofCall {
                proof,
                instances,
                vka,
            }
            .abi_encode()
        };
        // EZKL verifiers revert on a bad proof and answer with a first word of 1
        // on success (the reusable one returns raw words, not ABI-encoded data).
        // SAFETY: a static call cannot write this contract's storage.
        let verdict = unsafe { RawCall::new_static().call(verifier, &calldata) }
            .map(|out| out.len() >= 32 && U256::from_be_slice(&out[..32]) == U256::from(1u8))
            .unwrap_or(false);
        Ok(verdict)
    }

    /// The digest a usable route verifies against.
    ///
    /// # Errors
    /// * [`Error::UnknownRoute`] - no such route.
    /// * [`Error::RouteNotApproved`] - the route awaits the owner's approval.
    /// * [`Error::RouteDisabled`] - the route is disabled.
    pub fn route_digest(&self, route_id: u64) -> Result<B256, Error> {
        let route = self
            .routes
            .get(id_index(route_id))
            .ok_or(Error::UnknownRoute(UnknownRoute { route_id }))?;
        if !route.approved.get() {
            return Err(Error::RouteNotApproved(RouteNotApproved { route_id }));
        }
        if route.disabled.get() {
            return Err(Error::RouteDisabled(RouteDisabled { route_id }));
        }
        Ok(route.digest.get())
    }

    /// A route's kind, verifier, VKA store, digest, whether it is active and
    /// approved, its proposer and its architecture package's hash.
    ///
    /// # Errors
    /// * [`Error::UnknownRoute`] - no such route.
    pub fn route(&self, route_id: u64) -> Result<RouteInfo, Error> {
        let route = self
            .routes
            .get(id_index(route_id))
            .ok_or(Error::UnknownRoute(UnknownRoute { route_id }))?;
        Ok((
            route.kind.get().to(),
            route.verifier.get(),
            route.vka_store.get(),
            route.digest.get(),
            !route.disabled.get(),
            route.approved.get(),
            route.proposer.get(),
            route.package_hash.get(),
        ))
    }

    /// Number of routes (ids run from 1 to this).
    pub fn route_count(&self) -> u64 {
        self.routes.len() as u64
    }

    /// Whether verifier code with this hash may back routes.
    pub fn is_verifier_allowed(&self, code_hash: B256) -> bool {
        self.allowed_code.get(code_hash)
    }

    /// Stops route creation and verification. Owner only.
    ///
    /// # Errors
    /// * [`Error::UnauthorizedAccount`] - the caller is not the owner.
    /// * [`Error::EnforcedPause`] - already paused.
    ///
    /// # Events
    /// * `Paused`.
    pub fn pause(&mut self) -> Result<(), Error> {
        self.ownable.ownable.only_owner()?;
        Ok(self.pausable.pause()?)
    }

    /// Resumes route creation and verification. Owner only.
    ///
    /// # Errors
    /// * [`Error::UnauthorizedAccount`] - the caller is not the owner.
    /// * [`Error::ExpectedPause`] - not paused.
    ///
    /// # Events
    /// * `Unpaused`.
    pub fn unpause(&mut self) -> Result<(), Error> {
        self.ownable.ownable.only_owner()?;
        Ok(self.pausable.unpause()?)
    }
}

/// A route as it is added.
struct NewRoute {
    kind: u8,
    verifier: Address,
    vka_store: Address,
    digest: B256,
    proposer: Address,
    approved: bool,
    package_hash: B256,
}

/// Splits packed 32-byte words.
fn to_words(bytes: &[u8]) -> Vec<B256> {
    bytes.chunks_exact(32).map(B256::from_slice).collect()
}

impl VerifierRouter {
    fn check_allowed(&self, verifier: Address) -> Result<(), Error> {
        let code_hash = self.vm().code_hash(verifier);
        if !self.allowed_code.get(code_hash) {
            return Err(Error::VerifierNotAllowed(VerifierNotAllowed {
                verifier,
                code_hash,
            }));
        }
        Ok(())
    }

    /// Refuses a VKA (packed words) whose G2 words are not the trusted SRS's.
    fn check_srs(&self, vka: &[u8]) -> Result<(), Error> {
        let trusted = self.trusted_srs();
        let expected = if trusted[0].is_zero() {
            B256::ZERO
        } else {
            self.vm().native_keccak256(&trusted.concat())
        };
        let actual = vka
            .get(SRS_WORDS.start * 32..SRS_WORDS.end * 32)
            .map_or(B256::ZERO, |g2| self.vm().native_keccak256(g2));
        if expected.is_zero() || actual != expected {
            return Err(Error::UntrustedSrs(UntrustedSrs { expected, actual }));
        }
        Ok(())
    }

    /// The VKA words of a data contract whose code is `0x00 ++ words`.
    fn stored_vka(&self, vka_store: Address) -> Result<Vec<u8>, Error> {
        let code = self.vm().code(vka_store);
        match code.split_first() {
            Some((0, words)) if !words.is_empty() && words.len() % 32 == 0 => Ok(words.to_vec()),
            _ => Err(Error::InvalidVkaStore(InvalidVkaStore { vka_store })),
        }
    }

    fn push_route(&mut self, new: NewRoute, package_uri: stylus_sdk::abi::Bytes) -> u64 {
        let mut route = self.routes.grow();
        route.kind.set(U8::from(new.kind));
        route.verifier.set(new.verifier);
        route.vka_store.set(new.vka_store);
        route.digest.set(new.digest);
        route.proposer.set(new.proposer);
        route.approved.set(new.approved);
        route.package_hash.set(new.package_hash);
        let route_id = self.routes.len() as u64;
        log(
            self.vm(),
            RouteAdded {
                route_id,
                kind: new.kind,
                verifier: new.verifier,
                vka_store: new.vka_store,
                digest: new.digest,
                proposer: new.proposer,
                approved: new.approved,
                package_hash: new.package_hash,
                package_uri: package_uri.0.into(),
            },
        );
        route_id
    }
}

#[cfg(test)]
mod tests;

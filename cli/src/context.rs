//! What every command shares: the connection, the signing key, the suite's
//! deployment, and the prover configuration.

use std::{fs, path::PathBuf};

use clap::Args;

use alloy::signers::local::PrivateKeySigner;
use zkmltrack::{
    chain::Chain,
    prover::{Prover, ProverConfig, SrsSource},
    suite::{Deployment, Suite},
};
use zkmltrack_devnet::{CHAIN_ID as DEV_CHAIN_ID, DEV_KEY};

use crate::{
    output::{CliError, EXIT_FAILURE},
    GlobalArgs,
};

/// The signing key's options, which only the commands that send
/// transactions take (on a command group such as `admin`, every subcommand
/// takes them). Without either, the key is ZKMLTRACK_PRIVATE_KEY's.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct KeyArgs {
    /// File holding a hex private key (instead of ZKMLTRACK_PRIVATE_KEY).
    #[arg(long, global = true)]
    pub private_key_file: Option<PathBuf>,
    /// Encrypted JSON keystore; its password in ZKMLTRACK_KEYSTORE_PASSWORD.
    #[arg(long, global = true)]
    pub keystore: Option<PathBuf>,
}

/// The global options, resolved lazily.
pub(crate) struct Global {
    /// The options as given.
    pub args: GlobalArgs,
    /// The command's key options (none on a command that only reads).
    pub keys: KeyArgs,
}

impl Global {
    /// Wraps the parsed options, with the command's key options if it has any.
    pub(crate) fn new(args: GlobalArgs, keys: Option<&KeyArgs>) -> Global {
        Global {
            args,
            keys: keys.cloned().unwrap_or_default(),
        }
    }

    /// Whether results are printed as JSON.
    pub(crate) fn json(&self) -> bool {
        self.args.json
    }

    /// The signing key from ZKMLTRACK_PRIVATE_KEY, --private-key-file or
    /// --keystore, if one was given.
    pub(crate) fn signer(&self) -> Result<Option<PrivateKeySigner>, CliError> {
        let parse = |text: &str, from: &str| {
            text.trim().parse::<PrivateKeySigner>().map_err(|_| {
                CliError::input(format!("{from} does not hold a 32-byte hex private key"))
            })
        };
        if let Some(path) = &self.keys.keystore {
            let password = std::env::var("ZKMLTRACK_KEYSTORE_PASSWORD").map_err(|_| {
                CliError::input("--keystore needs its password in ZKMLTRACK_KEYSTORE_PASSWORD")
            })?;
            let signer = PrivateKeySigner::decrypt_keystore(path, password).map_err(|e| {
                CliError::input(format!("cannot open keystore {}: {e}", path.display()))
            })?;
            return Ok(Some(signer));
        }
        if let Some(path) = &self.keys.private_key_file {
            let text = fs::read_to_string(path).map_err(|e| {
                CliError::input(format!("cannot read key file {}: {e}", path.display()))
            })?;
            return parse(&text, &path.display().to_string()).map(Some);
        }
        match std::env::var("ZKMLTRACK_PRIVATE_KEY") {
            Ok(text) if !text.trim().is_empty() => parse(&text, "ZKMLTRACK_PRIVATE_KEY").map(Some),
            _ => Ok(None),
        }
    }

    /// Connects to the RPC endpoint with the configured key; on a dev chain
    /// (chain id 412346) without one, with the public Nitro dev key.
    pub(crate) async fn chain(&self) -> Result<Chain, CliError> {
        self.chain_at(&self.args.rpc_url).await
    }

    /// Like [`Global::chain`] for another URL (the demo's embedded devnet).
    pub(crate) async fn chain_at(&self, url: &str) -> Result<Chain, CliError> {
        let signer = self.signer()?;
        let given = signer.is_some();
        let chain = Chain::connect(url, signer).await?;
        if !given && chain.chain_id() == DEV_CHAIN_ID {
            let dev = PrivateKeySigner::from_bytes(&DEV_KEY).expect("the dev key is valid");
            return Ok(Chain::connect(url, Some(dev)).await?);
        }
        Ok(chain)
    }

    /// The suite named by the deployment file, checked on the chain.
    pub(crate) async fn suite(&self) -> Result<Suite, CliError> {
        let deployment = Deployment::read(&self.args.deployment)?;
        let chain = self.chain().await?;
        Ok(Suite::attach(chain, deployment).await?)
    }
}

/// The options of the commands that build EZKL circuits (and only theirs):
/// the workspace and the SRS.
#[derive(Args, Debug, Clone)]
pub(crate) struct ProverArgs {
    /// Directory for EZKL circuits, keys and proofs.
    #[arg(long, env = "ZKMLTRACK_WORKSPACE", default_value = "zkmltrack-work")]
    pub workspace: PathBuf,
    /// KZG SRS file from a trusted ceremony.
    #[arg(long, conflicts_with = "test_srs")]
    pub srs: Option<PathBuf>,
    /// Generate a local TEST-ONLY SRS (its secret is known: proofs are forgeable; never on a real chain).
    #[arg(long)]
    pub test_srs: bool,
    /// Set up and prove even when the circuit's predicted peak memory exceeds the memory available.
    #[arg(long)]
    pub ignore_memory_estimate: bool,
}

impl ProverArgs {
    /// The SRS source: --srs FILE or --test-srs.
    pub(crate) fn srs(&self) -> Result<SrsSource, CliError> {
        match (&self.srs, self.test_srs) {
            (Some(path), _) if !path.is_file() => Err(CliError::input(format!(
                "--srs {}: no such file (a KZG ceremony file, e.g. from `ezkl get-srs`)",
                path.display()
            ))),
            (Some(path), _) => Ok(SrsSource::File(path.clone())),
            (None, true) => Ok(SrsSource::TestOnly),
            (None, false) => Err(CliError::input(
                "proving needs an SRS: pass --srs FILE (a trusted KZG ceremony file) or --test-srs (local tests only)",
            )),
        }
    }

    /// A prover whose circuits quantize inputs at `scale` (a task's scale),
    /// with the SRS of --srs / --test-srs.
    pub(crate) fn prover(&self, scale: u32) -> Result<Prover, CliError> {
        self.prover_with(scale, self.srs()?)
    }

    /// A prover whose circuits quantize inputs at `scale`, with `srs`.
    pub(crate) fn prover_with(&self, scale: u32, srs: SrsSource) -> Result<Prover, CliError> {
        let mut config = ProverConfig::new(self.workspace.join("circuits"), srs);
        config.input_scale = Some(scale);
        config.memory_guard = !self.ignore_memory_estimate;
        Prover::new(config).map_err(CliError::from)
    }

    /// Directory for this run's generated files.
    pub(crate) fn work_dir(&self, name: &str) -> Result<PathBuf, CliError> {
        let dir = self.workspace.join(name);
        fs::create_dir_all(&dir).map_err(|e| CliError {
            code: EXIT_FAILURE,
            message: format!("cannot create {}: {e}", dir.display()),
        })?;
        Ok(dir)
    }
}

//! Writes the standard JSON ABI of each suite contract (and the VrfProvider and HiddenSet) (`<Name>.json`) into
//! a directory, from the Solidity interfaces in `contracts/abi/` as alloy's
//! `sol!` reads them. `scripts/export-abi` runs it (and `--check` compares
//! its output with the committed files) so that JavaScript users (ethers,
//! viem, web3) get the suite's ABIs as JSON.
//!
//! ```text
//! cargo run -p zkmltrack --example json_abi -- DIR
//! ```
//!
//! solc cannot compile these interfaces (stylus-sdk's exporter writes tuple
//! arrays such as `(uint64,uint64,uint32)[]` without a struct), alloy can.

// sol!'s generated call constructors mirror the contracts' argument lists.
#![allow(clippy::too_many_arguments)]

use std::{env, fs, path::PathBuf, process::ExitCode};

use alloy::json_abi::JsonAbi;

alloy::sol!(
    #[sol(abi)]
    "../contracts/abi/ModelRegistry.sol"
);
alloy::sol!(
    #[sol(abi)]
    "../contracts/abi/VerifierRouter.sol"
);
alloy::sol!(
    #[sol(abi)]
    "../contracts/abi/TaskController.sol"
);
alloy::sol!(
    #[sol(abi)]
    "../contracts/abi/DatasetVerifier.sol"
);
alloy::sol!(
    #[sol(abi)]
    "../contracts/abi/Leaderboard.sol"
);
alloy::sol!(
    #[sol(abi)]
    "../contracts/abi/BondVault.sol"
);
alloy::sol!(
    #[sol(abi)]
    "../contracts/abi/VrfProvider.sol"
);

alloy::sol!(
    #[sol(abi)]
    "../contracts/abi/HiddenSet.sol"
);

fn main() -> ExitCode {
    let Some(out) = env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: json_abi DIR");
        return ExitCode::from(2);
    };
    let abis: [(&str, JsonAbi); 8] = [
        ("ModelRegistry", IModelRegistry::abi::contract()),
        ("VerifierRouter", IVerifierRouter::abi::contract()),
        ("TaskController", ITaskController::abi::contract()),
        ("DatasetVerifier", IDatasetVerifier::abi::contract()),
        ("Leaderboard", ILeaderboard::abi::contract()),
        ("BondVault", IBondVault::abi::contract()),
        ("VrfProvider", IVrfProvider::abi::contract()),
        ("HiddenSet", IHiddenSet::abi::contract()),
    ];
    for (name, abi) in abis {
        let file = out.join(format!("{name}.json"));
        let text = serde_json::to_string_pretty(&abi).expect("an ABI serializes") + "\n";
        if let Err(e) = fs::write(&file, text) {
            eprintln!("error: cannot write {}: {e}", file.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

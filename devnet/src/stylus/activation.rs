//! Program activation records as ArbWasm keeps them in its storage, and the
//! check every call to a program passes first (activated, current Stylus
//! version, not expired). The ArbWasm precompile (`arbos.rs`) writes the
//! records; the host and the deployer read them through here.

use alloy_sol_types::{sol, SolError};
use revm::{
    context::{ContextTr, JournalTr},
    primitives::{Address, B256},
};

use super::program::{activation_slot, ActivationInfo, STYLUS_VERSION};
use crate::evm::DevContext;

/// ArbWasm precompile address.
pub const ARB_WASM: Address = Address::new(zkmltrack_protocol::system::ARB_WASM);
/// Days an activation stays valid (ArbWasm `expiryDays()`).
pub const EXPIRY_DAYS: u16 = 365;

sol!("../protocol/abi/IArbWasm.sol");

fn err(e: impl std::fmt::Debug) -> String {
    format!("database error: {e:?}")
}

/// The block's timestamp, the clock of activations.
pub(crate) fn now(ctx: &DevContext) -> u64 {
    ctx.block.timestamp.saturating_to()
}

/// Reads the raw activation record of `codehash` from ArbWasm's storage.
fn activation_record(
    ctx: &mut DevContext,
    codehash: B256,
) -> Result<Option<ActivationInfo>, String> {
    ctx.journal_mut().load_account(ARB_WASM).map_err(err)?;
    let word = ctx
        .journal_mut()
        .sload(ARB_WASM, activation_slot(codehash))
        .map_err(err)?
        .data;
    Ok(ActivationInfo::from_word(word))
}

/// The activation record of `codehash`, checked for version and expiry: the record, or the
/// ArbWasm error (`ProgramNotActivated`, `ProgramNeedsUpgrade`, `ProgramExpired`) as revert data.
pub(crate) fn active(
    ctx: &mut DevContext,
    codehash: B256,
) -> Result<Result<ActivationInfo, Vec<u8>>, String> {
    let Some(info) = activation_record(ctx, codehash)? else {
        return Ok(Err(IArbWasm::ProgramNotActivated {}.abi_encode()));
    };
    if info.version != STYLUS_VERSION {
        return Ok(Err(IArbWasm::ProgramNeedsUpgrade {
            version: info.version,
            stylusVersion: STYLUS_VERSION,
        }
        .abi_encode()));
    }
    let age = now(ctx).saturating_sub(info.activated_at);
    if age > u64::from(EXPIRY_DAYS) * 86_400 {
        return Ok(Err(
            IArbWasm::ProgramExpired { ageInSeconds: age }.abi_encode()
        ));
    }
    Ok(Ok(info))
}

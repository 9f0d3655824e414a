//! # OpenZeppelin Stylus ERC-20 (third-party contract example)
//!
//! A thin wrapper that exists to run a contract whose logic is *not* ours on
//! the devnet: every ERC-20 function, event (`Transfer`, `Approval`) and
//! custom error (ERC-6093, e.g. `ERC20InsufficientBalance`) comes from the
//! crates.io `openzeppelin-stylus` 0.3.0 crate. This crate only declares the
//! entrypoint storage (OZ's `Erc20` and `Erc20Metadata`), forwards the
//! interfaces to them, and adds a constructor that sets the name and symbol
//! and mints `initial_supply` to the deployer (the constructor's caller)
//! with OZ's `_mint`.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main, no_std)]
// `#[entrypoint]` generates undocumented items (the wasm32 `user_entrypoint`, the ABI export).
#![cfg_attr(
    any(target_arch = "wasm32", feature = "export-abi"),
    allow(missing_docs)
)]
extern crate alloc;

use alloc::{string::String, vec, vec::Vec};

use alloy_primitives::{aliases::B32, Address, U256, U8};
use openzeppelin_stylus::{
    token::erc20::{
        self,
        extensions::{Erc20Metadata, IErc20Metadata},
        Erc20, IErc20,
    },
    utils::introspection::erc165::IErc165,
};
use stylus_sdk::prelude::*;
// Linked for its wasm32 panic handler only.
use zkmltrack_common as _;

/// State of the token: OpenZeppelin's components, nothing else.
#[entrypoint]
#[storage]
pub struct OzToken {
    /// Balances, allowances, total supply.
    erc20: Erc20,
    /// Name and symbol (18 decimals).
    metadata: Erc20Metadata,
}

#[public]
#[implements(IErc20<Error = erc20::Error>, IErc20Metadata, IErc165)]
impl OzToken {
    /// Sets the name and symbol and mints `initial_supply` to the caller.
    ///
    /// # Errors
    /// * [`erc20::Error::InvalidReceiver`] - the caller is the zero address.
    #[constructor]
    pub fn constructor(
        &mut self,
        name: String,
        symbol: String,
        initial_supply: U256,
    ) -> Result<(), erc20::Error> {
        self.metadata.constructor(name, symbol);
        let deployer = self.vm().msg_sender();
        self.erc20._mint(deployer, initial_supply)
    }
}

#[public]
impl IErc20 for OzToken {
    type Error = erc20::Error;

    fn total_supply(&self) -> U256 {
        self.erc20.total_supply()
    }

    fn balance_of(&self, account: Address) -> U256 {
        self.erc20.balance_of(account)
    }

    fn transfer(&mut self, to: Address, value: U256) -> Result<bool, Self::Error> {
        self.erc20.transfer(to, value)
    }

    fn allowance(&self, owner: Address, spender: Address) -> U256 {
        self.erc20.allowance(owner, spender)
    }

    fn approve(&mut self, spender: Address, value: U256) -> Result<bool, Self::Error> {
        self.erc20.approve(spender, value)
    }

    fn transfer_from(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
    ) -> Result<bool, Self::Error> {
        self.erc20.transfer_from(from, to, value)
    }
}

#[public]
impl IErc20Metadata for OzToken {
    fn name(&self) -> String {
        self.metadata.name()
    }

    fn symbol(&self) -> String {
        self.metadata.symbol()
    }

    fn decimals(&self) -> U8 {
        self.metadata.decimals()
    }
}

#[public]
impl IErc165 for OzToken {
    fn supports_interface(&self, interface_id: B32) -> bool {
        self.erc20.supports_interface(interface_id)
            || self.metadata.supports_interface(interface_id)
    }
}

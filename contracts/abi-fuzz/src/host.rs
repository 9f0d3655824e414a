//! A host that records a call's state effects and otherwise behaves as the one motsu
//! installs (`WasmVM`, whose hostio functions motsu implements natively).
//!
//! The contract under test gets it through `router_entrypoint`, so every storage
//! write, log and mutating call its code makes through `self.vm()` (and through the
//! storage types, which hold the same host) is counted. Calls a contract makes with
//! `RawCall` go to the hostio functions directly and are not seen here; nested
//! contracts run on motsu's own host.

use std::{cell::RefCell, rc::Rc};

use alloy_primitives::{Address, B256, U256};
use stylus_sdk::{
    host::WasmVM,
    stylus_core::{
        calls::{errors::Error, CallAccess, MutatingCallContext, StaticCallContext, ValueTransfer},
        deploy::DeploymentAccess,
        host::{
            AccountAccess, BlockAccess, CalldataAccess, ChainAccess, CryptographyAccess, Host,
            LogAccess, MemoryAccess, MessageAccess, MeteringAccess, StorageAccess,
            UnsafeCallAccess, UnsafeDeploymentAccess,
        },
    },
};

/// What a call did to the chain through its host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// Storage slots written (in order, repeats included).
    pub storage_writes: Vec<(U256, B256)>,
    /// Logs emitted.
    pub logs: usize,
    /// Mutating calls, delegate calls, deployments and value transfers.
    pub mutating_calls: usize,
}

impl Effects {
    /// Whether the call changed nothing.
    pub fn is_empty(&self) -> bool {
        self.storage_writes.is_empty() && self.logs == 0 && self.mutating_calls == 0
    }
}

/// `WasmVM` plus a shared record of [`Effects`] (clones share it, as the storage
/// fields of a contract hold clones of its host).
#[derive(Clone, Default)]
pub struct RecordingHost {
    inner: WasmVM,
    effects: Rc<RefCell<Effects>>,
}

impl RecordingHost {
    /// A host with an empty record.
    pub fn new() -> Self {
        Self::default()
    }

    /// The effects recorded so far.
    pub fn effects(&self) -> Effects {
        self.effects.borrow().clone()
    }

    fn mutating(&self) {
        self.effects.borrow_mut().mutating_calls += 1;
    }
}

impl Host for RecordingHost {}

impl CryptographyAccess for RecordingHost {
    fn native_keccak256(&self, input: &[u8]) -> B256 {
        self.inner.native_keccak256(input)
    }
}

impl CalldataAccess for RecordingHost {
    fn read_args(&self, len: usize) -> Vec<u8> {
        self.inner.read_args(len)
    }
    fn read_return_data(&self, offset: usize, size: Option<usize>) -> Vec<u8> {
        self.inner.read_return_data(offset, size)
    }
    fn return_data_size(&self) -> usize {
        self.inner.return_data_size()
    }
    fn write_result(&self, data: &[u8]) {
        self.inner.write_result(data)
    }
}

unsafe impl UnsafeDeploymentAccess for RecordingHost {
    unsafe fn create1(
        &self,
        code: *const u8,
        code_len: usize,
        endowment: *const u8,
        contract: *mut u8,
        revert_data_len: *mut usize,
    ) {
        self.mutating();
        // SAFETY: forwarded as received.
        unsafe {
            self.inner
                .create1(code, code_len, endowment, contract, revert_data_len)
        }
    }
    unsafe fn create2(
        &self,
        code: *const u8,
        code_len: usize,
        endowment: *const u8,
        salt: *const u8,
        contract: *mut u8,
        revert_data_len: *mut usize,
    ) {
        self.mutating();
        // SAFETY: forwarded as received.
        unsafe {
            self.inner
                .create2(code, code_len, endowment, salt, contract, revert_data_len)
        }
    }
}

impl StorageAccess for RecordingHost {
    fn storage_load_bytes32(&self, key: U256) -> B256 {
        self.inner.storage_load_bytes32(key)
    }
    unsafe fn storage_cache_bytes32(&self, key: U256, value: B256) {
        self.effects.borrow_mut().storage_writes.push((key, value));
        // SAFETY: forwarded as received.
        unsafe { self.inner.storage_cache_bytes32(key, value) }
    }
    fn flush_cache(&self, clear: bool) {
        self.inner.flush_cache(clear)
    }
}

unsafe impl UnsafeCallAccess for RecordingHost {
    unsafe fn call_contract(
        &self,
        to: *const u8,
        data: *const u8,
        data_len: usize,
        value: *const u8,
        gas: u64,
        outs_len: &mut usize,
    ) -> u8 {
        self.mutating();
        // SAFETY: forwarded as received.
        unsafe {
            self.inner
                .call_contract(to, data, data_len, value, gas, outs_len)
        }
    }
    unsafe fn static_call_contract(
        &self,
        to: *const u8,
        data: *const u8,
        data_len: usize,
        gas: u64,
        outs_len: &mut usize,
    ) -> u8 {
        // SAFETY: forwarded as received.
        unsafe {
            self.inner
                .static_call_contract(to, data, data_len, gas, outs_len)
        }
    }
    unsafe fn delegate_call_contract(
        &self,
        to: *const u8,
        data: *const u8,
        data_len: usize,
        gas: u64,
        outs_len: &mut usize,
    ) -> u8 {
        self.mutating();
        // SAFETY: forwarded as received.
        unsafe {
            self.inner
                .delegate_call_contract(to, data, data_len, gas, outs_len)
        }
    }
}

impl BlockAccess for RecordingHost {
    fn block_basefee(&self) -> U256 {
        self.inner.block_basefee()
    }
    fn block_coinbase(&self) -> Address {
        self.inner.block_coinbase()
    }
    fn block_number(&self) -> u64 {
        self.inner.block_number()
    }
    fn block_timestamp(&self) -> u64 {
        self.inner.block_timestamp()
    }
    fn block_gas_limit(&self) -> u64 {
        self.inner.block_gas_limit()
    }
}

impl ChainAccess for RecordingHost {
    fn chain_id(&self) -> u64 {
        self.inner.chain_id()
    }
}

impl AccountAccess for RecordingHost {
    fn balance(&self, account: Address) -> U256 {
        self.inner.balance(account)
    }
    fn contract_address(&self) -> Address {
        self.inner.contract_address()
    }
    fn code(&self, account: Address) -> Vec<u8> {
        self.inner.code(account)
    }
    fn code_size(&self, account: Address) -> usize {
        self.inner.code_size(account)
    }
    fn code_hash(&self, account: Address) -> B256 {
        self.inner.code_hash(account)
    }
}

impl MemoryAccess for RecordingHost {
    fn pay_for_memory_grow(&self, pages: u16) {
        self.inner.pay_for_memory_grow(pages)
    }
}

impl MessageAccess for RecordingHost {
    fn msg_sender(&self) -> Address {
        self.inner.msg_sender()
    }
    fn msg_reentrant(&self) -> bool {
        self.inner.msg_reentrant()
    }
    fn msg_value(&self) -> U256 {
        self.inner.msg_value()
    }
    fn tx_origin(&self) -> Address {
        self.inner.tx_origin()
    }
}

impl MeteringAccess for RecordingHost {
    fn evm_gas_left(&self) -> u64 {
        self.inner.evm_gas_left()
    }
    fn evm_ink_left(&self) -> u64 {
        self.inner.evm_ink_left()
    }
    fn tx_gas_price(&self) -> U256 {
        self.inner.tx_gas_price()
    }
    fn tx_ink_price(&self) -> u32 {
        self.inner.tx_ink_price()
    }
}

impl CallAccess for RecordingHost {
    fn static_call(
        &self,
        context: &dyn StaticCallContext,
        to: Address,
        data: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.inner.static_call(context, to, data)
    }
    unsafe fn delegate_call(
        &self,
        context: &dyn MutatingCallContext,
        to: Address,
        data: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.mutating();
        // SAFETY: forwarded as received.
        unsafe { self.inner.delegate_call(context, to, data) }
    }
    fn call(
        &self,
        context: &dyn MutatingCallContext,
        to: Address,
        data: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.mutating();
        self.inner.call(context, to, data)
    }
}

impl DeploymentAccess for RecordingHost {
    unsafe fn deploy(
        &self,
        code: &[u8],
        endowment: U256,
        salt: Option<B256>,
    ) -> Result<Address, Vec<u8>> {
        self.mutating();
        // SAFETY: forwarded as received.
        unsafe { self.inner.deploy(code, endowment, salt) }
    }
}

impl LogAccess for RecordingHost {
    fn emit_log(&self, input: &[u8], num_topics: usize) {
        self.effects.borrow_mut().logs += 1;
        self.inner.emit_log(input, num_topics)
    }
    fn raw_log(&self, topics: &[B256], data: &[u8]) -> Result<(), &'static str> {
        self.effects.borrow_mut().logs += 1;
        self.inner.raw_log(topics, data)
    }
}

impl ValueTransfer for RecordingHost {
    fn transfer_eth(&self, to: Address, amount: U256) -> Result<(), Vec<u8>> {
        self.mutating();
        self.inner.transfer_eth(to, amount)
    }
}

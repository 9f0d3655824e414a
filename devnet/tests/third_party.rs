//! A third-party Stylus contract on the devnet: OpenZeppelin's ERC-20 from the crates.io
//! `openzeppelin-stylus` crate (contracts/examples/oz-token): deploy + activate, constructor,
//! calls, `Transfer`/`Approval` events, and reverts with OpenZeppelin's custom errors.

mod common;

use alloy_sol_types::{sol, SolCall, SolError, SolEvent, SolValue};
use revm::primitives::{Address, Bytes, FixedBytes, B256, U256};
use zkmltrack_devnet::{CallRequest, Devnet, DevnetError, Receipt, TxRequest, DEV_ACCOUNT};

sol! {
    function name() returns (string);
    function symbol() returns (string);
    function decimals() returns (uint8);
    function totalSupply() returns (uint256);
    function balanceOf(address account) returns (uint256);
    function transfer(address to, uint256 value) returns (bool);
    function allowance(address owner, address spender) returns (uint256);
    function approve(address spender, uint256 value) returns (bool);
    function transferFrom(address from, address to, uint256 value) returns (bool);
    function supportsInterface(bytes4 interface_id) returns (bool);
    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed);
    error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed);
}

/// Initial supply minted to the deployer: one million tokens with 18 decimals.
const SUPPLY: u128 = 1_000_000 * 10u128.pow(18);

/// Runs a view call on `token` and decodes its return value.
fn read<C: SolCall>(chain: &Devnet, token: Address, call: C) -> C::Return {
    let out = chain
        .call(&CallRequest {
            to: Some(token),
            data: call.abi_encode().into(),
            ..Default::default()
        })
        .expect("view call");
    C::abi_decode_returns(&out.output).expect("return data")
}

/// Sends `call` to `token` from `from` and returns the (successful) receipt.
fn send<C: SolCall>(chain: &mut Devnet, from: Address, token: Address, call: C) -> Receipt {
    let r = chain
        .send(TxRequest {
            from,
            to: Some(token),
            data: call.abi_encode().into(),
            ..Default::default()
        })
        .unwrap();
    assert!(r.success, "{:?} {:?}", r.output, r.console);
    r
}

fn balance(chain: &Devnet, token: Address, account: Address) -> U256 {
    read(chain, token, balanceOfCall { account })
}

fn allowance(chain: &Devnet, token: Address, owner: Address, spender: Address) -> U256 {
    read(chain, token, allowanceCall { owner, spender })
}

#[test]
fn openzeppelin_erc20_from_crates_io_runs_on_the_devnet() {
    let mut chain = Devnet::default();
    let (alice, bob) = (chain.accounts()[1], chain.accounts()[2]);
    let supply = U256::from(SUPPLY);

    // Deploy + activate, then run the constructor: it mints the supply to its caller.
    let (token, r) = common::deploy_and_construct(
        &mut chain,
        "oz_token",
        &("zkMLTrack Test Token", "ZMT", supply).abi_encode_params(),
    );
    assert_eq!(r.logs.len(), 1);
    let minted = Transfer::decode_log(&r.logs[0].log).unwrap();
    assert_eq!(
        (minted.from, minted.to, minted.value),
        (Address::ZERO, DEV_ACCOUNT, supply)
    );
    assert_eq!(read(&chain, token, nameCall {}), "zkMLTrack Test Token");
    assert_eq!(read(&chain, token, symbolCall {}), "ZMT");
    assert_eq!(read(&chain, token, decimalsCall {}), 18);
    assert_eq!(read(&chain, token, totalSupplyCall {}), supply);
    assert_eq!(balance(&chain, token, DEV_ACCOUNT), supply);
    assert_eq!(balance(&chain, token, alice), U256::ZERO);
    // ERC-165: the ERC-20 interface id (0x36372b07) is supported, 0xffffffff is not.
    let supports = |id: [u8; 4]| {
        let interface_id = FixedBytes(id);
        read(&chain, token, supportsInterfaceCall { interface_id })
    };
    assert!(supports([0x36, 0x37, 0x2b, 0x07]));
    assert!(!supports([0xff; 4]));

    // transfer: one `Transfer` log, checked raw (topics, data) and decoded.
    let amount = U256::from(1_000u64);
    let r = send(
        &mut chain,
        DEV_ACCOUNT,
        token,
        transferCall {
            to: alice,
            value: amount,
        },
    );
    assert_eq!(r.logs.len(), 1);
    let log = &r.logs[0].log;
    assert_eq!(log.address, token);
    assert_eq!(
        log.topics(),
        [
            Transfer::SIGNATURE_HASH,
            B256::left_padding_from(DEV_ACCOUNT.as_slice()),
            B256::left_padding_from(alice.as_slice()),
        ]
    );
    assert_eq!(log.data.data, Bytes::from(amount.abi_encode()));
    let sent = Transfer::decode_log(log).unwrap();
    assert_eq!(
        (sent.from, sent.to, sent.value),
        (DEV_ACCOUNT, alice, amount)
    );
    assert_eq!(balance(&chain, token, DEV_ACCOUNT), supply - amount);
    assert_eq!(balance(&chain, token, alice), amount);

    // approve + transferFrom: `Approval` from approve, only `Transfer` from transferFrom.
    let allowed = U256::from(400u64);
    let r = send(
        &mut chain,
        alice,
        token,
        approveCall {
            spender: bob,
            value: allowed,
        },
    );
    assert_eq!(r.logs.len(), 1);
    assert_eq!(r.logs[0].log.topics()[0], Approval::SIGNATURE_HASH);
    let approval = Approval::decode_log(&r.logs[0].log).unwrap();
    assert_eq!(
        (approval.owner, approval.spender, approval.value),
        (alice, bob, allowed)
    );
    assert_eq!(allowance(&chain, token, alice, bob), allowed);
    let moved = U256::from(300u64);
    let r = send(
        &mut chain,
        bob,
        token,
        transferFromCall {
            from: alice,
            to: DEV_ACCOUNT,
            value: moved,
        },
    );
    assert_eq!(r.logs.len(), 1);
    let sent = Transfer::decode_log(&r.logs[0].log).unwrap();
    assert_eq!(
        (sent.from, sent.to, sent.value),
        (alice, DEV_ACCOUNT, moved)
    );
    let alice_balance = amount - moved;
    let dev_balance = supply - amount + moved;
    assert_eq!(balance(&chain, token, alice), alice_balance);
    assert_eq!(balance(&chain, token, DEV_ACCOUNT), dev_balance);
    assert_eq!(balance(&chain, token, bob), U256::ZERO);
    assert_eq!(allowance(&chain, token, alice, bob), allowed - moved);

    // Transferring more than the balance reverts with OZ's ERC-6093 custom error.
    let too_much = transferCall {
        to: bob,
        value: alice_balance + U256::from(1),
    };
    let err = chain
        .call(&CallRequest {
            from: Some(alice),
            to: Some(token),
            data: too_much.abi_encode().into(),
            ..Default::default()
        })
        .unwrap_err();
    let DevnetError::Reverted(data) = err else {
        panic!("expected a revert, got {err:?}");
    };
    let decoded = ERC20InsufficientBalance::abi_decode(&data).unwrap();
    assert_eq!(
        (decoded.sender, decoded.balance, decoded.needed),
        (alice, alice_balance, alice_balance + U256::from(1))
    );
    // Sending it fails at gas estimation with the same revert data...
    let err = chain
        .send(TxRequest {
            from: alice,
            to: Some(token),
            data: too_much.abi_encode().into(),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err, DevnetError::Reverted(data.clone()));
    // ...and, mined with an explicit gas limit, fails with it and emits nothing.
    let r = chain
        .send(TxRequest {
            from: alice,
            to: Some(token),
            data: too_much.abi_encode().into(),
            gas: Some(1_000_000),
            ..Default::default()
        })
        .unwrap();
    assert!(!r.success);
    assert_eq!(r.output, data);
    assert!(r.logs.is_empty());

    // transferFrom beyond the remaining allowance reverts too.
    let err = chain
        .call(&CallRequest {
            from: Some(bob),
            to: Some(token),
            data: transferFromCall {
                from: alice,
                to: bob,
                value: allowed,
            }
            .abi_encode()
            .into(),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(
        err,
        DevnetError::Reverted(
            ERC20InsufficientAllowance {
                spender: bob,
                allowance: allowed - moved,
                needed: allowed,
            }
            .abi_encode()
            .into()
        )
    );

    // The reverts changed nothing.
    assert_eq!(balance(&chain, token, alice), alice_balance);
    assert_eq!(balance(&chain, token, bob), U256::ZERO);
    assert_eq!(balance(&chain, token, DEV_ACCOUNT), dev_balance);
    assert_eq!(read(&chain, token, totalSupplyCall {}), supply);
    assert_eq!(allowance(&chain, token, alice, bob), allowed - moved);
}

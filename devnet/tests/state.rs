//! The chain saved to a state file and loaded back: in-process (a Stylus
//! program's storage, blocks, receipts and logs survive, and the chain goes
//! on), foreign or damaged files refused with the reason, and the
//! `zkmltrack-devnet` binary killed with SIGKILL mid-run, then restarted from
//! its file: the blocks of its last periodic save are there, the file whole.

mod common;
mod http;

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Command, Stdio},
};

use alloy_sol_types::{sol, SolCall, SolValue};
use revm::primitives::U256;
use zkmltrack_devnet::{CallRequest, Devnet, DevnetConfig, StateError, TxRequest, DEV_ACCOUNT};

sol! {
    function createLineage(string name) returns (uint64);
    function lineageCount() returns (uint64);
}

fn lineages(chain: &mut Devnet, registry: revm::primitives::Address) -> U256 {
    let out = chain
        .call(&CallRequest {
            to: Some(registry),
            data: lineageCountCall {}.abi_encode().into(),
            ..Default::default()
        })
        .unwrap();
    U256::from_be_slice(&out.output)
}

fn create_lineage(
    chain: &mut Devnet,
    registry: revm::primitives::Address,
) -> zkmltrack_devnet::Receipt {
    let r = chain
        .send(TxRequest {
            from: DEV_ACCOUNT,
            to: Some(registry),
            data: createLineageCall { name: "m".into() }.abi_encode().into(),
            ..Default::default()
        })
        .unwrap();
    assert!(r.success);
    r
}

#[test]
fn a_saved_chain_loads_back_whole_and_goes_on() {
    let dir = std::env::temp_dir().join(format!("devnet-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("chain.json");
    let mut chain = Devnet::default();
    let (registry, _) = common::deploy_and_construct(
        &mut chain,
        "registry",
        &(DEV_ACCOUNT, zkmltrack_devnet::deployer::STYLUS_DEPLOYER).abi_encode_params(),
    );
    let receipt = create_lineage(&mut chain, registry);
    chain.mine(3);
    chain.save_state(&file).unwrap();

    let mut loaded = Devnet::load_state(&file, Some(chain.chain_id())).unwrap();
    assert_eq!(loaded.block_number(), chain.block_number());
    for n in 0..=chain.block_number() {
        assert_eq!(
            loaded.block(n).map(|b| b.hash),
            chain.block(n).map(|b| b.hash),
            "block {n}"
        );
    }
    let again = loaded
        .receipt(receipt.tx_hash)
        .expect("the receipt is kept");
    assert_eq!(
        (again.block_number, again.logs.len()),
        (receipt.block_number, 1)
    );
    assert_eq!(loaded.balance(DEV_ACCOUNT), chain.balance(DEV_ACCOUNT));
    // The Stylus program runs (compiled again) on its stored state, and the chain goes on.
    assert_eq!(lineages(&mut loaded, registry), U256::from(1));
    let next = create_lineage(&mut loaded, registry);
    assert_eq!(next.block_number, chain.block_number() + 1);
    assert_eq!(lineages(&mut loaded, registry), U256::from(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn foreign_and_damaged_state_files_are_refused_with_the_reason() {
    let dir = std::env::temp_dir().join(format!("devnet-bad-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let garbage = write("garbage.json", "not json at all");
    assert!(matches!(
        Devnet::load_state(&garbage, None),
        Err(StateError::NotAState { .. })
    ));
    let other = write(
        "other.json",
        r#"{"format":"anvil","version":1,"chain_id":1}"#,
    );
    let err = Devnet::load_state(&other, None).unwrap_err();
    assert!(err.to_string().contains("format `anvil`"), "{err}");
    let newer = write(
        "newer.json",
        r#"{"format":"zkmltrack-devnet-state","version":99,"chain_id":412346}"#,
    );
    let err = Devnet::load_state(&newer, None).unwrap_err();
    assert!(matches!(err, StateError::Foreign { .. }), "{err}");
    // A real state of another chain id than the one asked for.
    let file = dir.join("chain.json");
    Devnet::new(DevnetConfig {
        chain_id: 7,
        ..DevnetConfig::default()
    })
    .save_state(&file)
    .unwrap();
    let err = Devnet::open(DevnetConfig::default(), Some(&file)).unwrap_err();
    assert!(err.to_string().contains("chain 7"), "{err}");
    // Cut in the middle: refused, not half-loaded.
    let text = std::fs::read_to_string(&file).unwrap();
    let cut = write("cut.json", &text[..text.len() / 2]);
    assert!(matches!(
        Devnet::load_state(&cut, None),
        Err(StateError::NotAState { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn start(state: &Path) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zkmltrack-devnet"))
        .args(["--port", "0", "--state-interval", "2", "--state"])
        .arg(state)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let url = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("listening on ").map(str::to_string))
        .unwrap();
    (child, url)
}

#[test]
fn killed_mid_run_it_restarts_from_its_last_save() {
    let dir = std::env::temp_dir().join(format!("devnet-kill-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("chain.json");
    let (mut child, url) = start(&file);
    // Five requests of one block each: saves at blocks 2 and 4 (every 2).
    for _ in 0..5 {
        http::result(&url, "evm_mine", "[]");
    }
    assert_eq!(http::block_number(&url), 5);
    let hash4 = http::result(&url, "eth_getBlockByNumber", r#"["0x4", false]"#)["hash"].clone();
    child.kill().unwrap(); // SIGKILL: no chance to save
    child.wait().unwrap();
    // Only whole files: the state and nothing temporary beside it.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["chain.json".to_string()]);

    let (mut child, mut url) = start(&file);
    assert_eq!(
        http::block_number(&url),
        4,
        "the blocks of the last save are kept"
    );
    assert_eq!(
        http::result(&url, "eth_getBlockByNumber", r#"["0x4", false]"#)["hash"],
        hash4
    );
    // SIGTERM and SIGINT (Ctrl-C) save on the way out: one more block each.
    for (signal, block) in [("-TERM", 5), ("-INT", 6)] {
        http::result(&url, "evm_mine", "[]");
        assert_eq!(http::block_number(&url), block);
        Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        assert!(status.success(), "{signal}: {status}");
        (child, url) = start(&file);
        assert_eq!(http::block_number(&url), block, "{signal}");
    }
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn killed_in_the_middle_of_a_save_it_restarts_from_a_whole_file() {
    let dir = std::env::temp_dir().join(format!("devnet-kill-save-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("chain.json");
    let names = || -> Vec<String> {
        std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    // A state of 5,000 blocks, so that writing it takes a while; saved every 2 blocks.
    let (mut child, mut url) = start(&file);
    http::result(&url, "anvil_mine", r#"["0x1388"]"#);
    let mut saved = http::block_number(&url);
    let mut cut_mid_save = 0;
    for round in 0..3 {
        // A request whose save is killed as soon as its temporary file appears.
        let pending = {
            let url = url.clone();
            std::thread::spawn(move || {
                let _ = std::panic::catch_unwind(|| http::result(&url, "anvil_mine", r#"["0x2"]"#));
            })
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while names().len() < 2 && std::time::Instant::now() < deadline {
            std::hint::spin_loop();
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let _ = pending.join();
        if names().len() > 1 {
            cut_mid_save += 1; // the temporary file is there: the save was cut
        }
        // The state file is whole: it loads, with the blocks of the last
        // finished save (this round's, if its rename came first), and the cut
        // save's temporary file is cleared.
        (child, url) = start(&file);
        let at = http::block_number(&url);
        assert!(
            at == saved || at == saved + 2,
            "round {round}: restarted at block {at}, the saves were at {saved} and {}",
            saved + 2
        );
        saved = at;
        assert_eq!(names(), vec!["chain.json".to_string()], "round {round}");
    }
    child.kill().unwrap();
    child.wait().unwrap();
    eprintln!("{cut_mid_save} of 3 kills landed in the middle of a save");
    assert!(cut_mid_save > 0, "no kill landed in the middle of a save");
    std::fs::remove_dir_all(&dir).unwrap();
}

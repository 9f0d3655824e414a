//! Architecture packages for real (EZKL, test-only SRS): a package holds the
//! trained graph with other weights and rebuilds the trained model's key; an
//! all-zero tensor stays zero (EZKL compiles it differently); another training
//! compiled under the package's settings shares the key and has its own weight
//! hash; a package whose hash is not the expected one is refused.

mod common;

use common::{repo, write_with_zero_tensor};
use zkmltrack::{
    architecture::{self, ArchitectureError, Package},
    dataset::Dataset,
    model,
    prover::{Prover, ProverConfig, SrsSource},
};

fn prover() -> Prover {
    let config = ProverConfig::new(
        repo().join("target/zkmltrack-circuits"),
        SrsSource::TestOnly,
    );
    Prover::new(config).expect("the EZKL environment is ready")
}

/// The initializers of an ONNX file, by name, as raw bytes.
fn initializers(path: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let python = zkmltrack::python::PythonEnv::ensure(&prover().config().home)
        .unwrap()
        .python();
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import sys, json, onnx\nfrom onnx import numpy_helper\nm = onnx.load(sys.argv[1])\n\
             print(json.dumps([[t.name, numpy_helper.to_array(t).tobytes().hex()] for t in m.graph.initializer]))",
            path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: Vec<(String, String)> = serde_json::from_slice(&out.stdout).unwrap();
    list.into_iter()
        .map(|(name, hex)| (name, alloy::primitives::hex::decode(hex).unwrap()))
        .collect()
}

#[test]
fn a_package_rebuilds_the_key_without_the_weights_and_keeps_zero_tensors() {
    let prover = prover();
    let eval_path = repo().join("examples/iris/eval.csv");
    let eval = Dataset::from_csv(&eval_path).unwrap();
    // The Iris MLP with its first bias zero throughout.
    let dir = repo().join("target/zkmltrack-circuits/fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    let trained = dir.join("iris-zero-bias.onnx");
    write_with_zero_tensor(
        &prover.config().home,
        &repo().join("examples/iris/model.onnx"),
        "b1",
        &trained,
    );
    let prepared = model::prepare(&prover, &trained, &eval, &eval_path, &|_| {}).unwrap();
    let out = dir.join("iris-zero-bias-architecture");
    let package = architecture::build(
        &prepared.circuit,
        prepared.vk_digest(),
        &out,
        architecture::DEFAULT_SEED,
        &|_| {},
    )
    .expect("the package rebuilds the trained key");
    assert_eq!(Package::read(&out).unwrap(), package);

    // Every non-zero weight tensor replaced, the zero bias kept.
    let before = initializers(&trained);
    let after = initializers(&package.model());
    assert_eq!(before.len(), after.len());
    for ((name, old), (same_name, new)) in before.iter().zip(&after) {
        assert_eq!(name, same_name);
        assert_eq!(old.len(), new.len(), "{name}: same shape and type");
        if old.iter().all(|&b| b == 0) {
            assert_eq!(old, new, "{name}: an all-zero tensor stays zero");
        } else {
            assert_ne!(old, new, "{name}: trained weights are not published");
        }
    }

    // The package's settings are the trained circuit's; another training of
    // the graph (the weak model, whose bias is not zero) does not share the
    // key, the same graph with other non-zero weights does.
    let (rebuilt, bundle) = architecture::rebuild(&prover, &package, &|_| {}).unwrap();
    assert_eq!(architecture::bundle_digest(&bundle), prepared.vk_digest());
    assert_eq!(
        std::fs::read(&rebuilt.paths.settings).unwrap(),
        std::fs::read(&prepared.circuit.paths.settings).unwrap()
    );
    let weak = model::prepare_on(
        &prover,
        &repo().join("examples/iris/model_weak.onnx"),
        &package,
        &eval,
        &eval_path,
        &|_| {},
    )
    .unwrap();
    assert_ne!(
        weak.vk_digest(),
        prepared.vk_digest(),
        "a bias that is zero in the architecture and not in the model changes the key"
    );
    assert_ne!(weak.weight_hash, prepared.weight_hash);

    // A package that is not the one a route names is refused.
    let mut other = package.hash;
    other.0[31] ^= 1;
    let err = Package::read_expecting(&out, other).unwrap_err();
    assert!(
        matches!(err, ArchitectureError::HashMismatch { .. }),
        "{err}"
    );
}

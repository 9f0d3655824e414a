//! The EZKL pipeline for real: the bundled Iris model proves and verifies
//! through the SDK (test-only SRS), tampering is caught, the SDK's dataset
//! quantization equals the circuit's public inputs, and a batched model proves.
//! Artifacts persist in `target/zkmltrack-circuits`, so re-runs resume.

mod common;

use std::sync::OnceLock;

use common::{log, repo};
use zkmltrack::{
    dataset::Dataset,
    hashing::Felt,
    prover::{Circuit, Progress, Prover, ProverConfig, ProverError, SrsSource},
};

fn prover() -> &'static Prover {
    static PROVER: OnceLock<Prover> = OnceLock::new();
    PROVER.get_or_init(|| {
        let config = ProverConfig::new(
            repo().join("target/zkmltrack-circuits"),
            SrsSource::TestOnly,
        );
        Prover::new(config).expect("the EZKL environment is ready")
    })
}

fn eval_set() -> Dataset {
    Dataset::from_csv(&repo().join("examples/iris/eval.csv")).unwrap()
}

fn rows(data: &Dataset) -> Vec<Vec<f64>> {
    data.rows.iter().map(|r| r.features.clone()).collect()
}

fn iris() -> &'static Circuit<'static> {
    static CIRCUIT: OnceLock<Circuit<'static>> = OnceLock::new();
    CIRCUIT.get_or_init(|| {
        let calibration = rows(&eval_set());
        prover()
            .circuit(
                &repo().join("examples/iris/model.onnx"),
                &calibration[..8],
                &log,
            )
            .expect("the Iris circuit builds")
    })
}

#[test]
fn proves_and_verifies_iris_and_rejects_tampering() {
    let circuit = iris();
    assert_eq!(circuit.input_shape(), [1, 4]);
    assert_eq!(
        circuit.onnx_hash(),
        alloy::primitives::keccak256(
            std::fs::read(repo().join("examples/iris/model.onnx")).unwrap()
        ),
        "the hash a version records is the model file's"
    );
    let data = eval_set();
    let row = vec![data.rows[0].features.clone()];
    let proof = circuit.prove(&row, &log).unwrap();
    assert_eq!(
        proof.instances.len(),
        1 + 4 + 3,
        "the weight hash, 4 public inputs, 3 public outputs"
    );
    assert_eq!(proof.inputs().len(), 4);
    assert_eq!(proof.outputs().len(), 3);
    let weights = proof.weight_hash().copied().expect("a hashed circuit");
    assert_eq!(
        circuit.weight_hash(&row).unwrap(),
        Some(weights),
        "the witness's parameter hash is the proof's first instance"
    );
    assert!(circuit.verify(&proof).unwrap());

    // The decoded inputs are the row at the circuit's scale.
    for (decoded, x) in proof.decoded[proof.param_count..].iter().zip(&row[0]) {
        assert!(
            (decoded - x).abs() <= 1.0 / 2f64.powi(circuit.settings.input_scales[0] as i32),
            "{decoded} vs {x}"
        );
    }

    let mut tampered = proof.clone();
    let last = tampered.bytes.len() - 1;
    tampered.bytes[last / 2] ^= 1;
    assert!(
        !circuit.verify(&tampered).unwrap(),
        "a flipped proof bit must not verify"
    );
    let mut tampered = proof.clone();
    tampered.instances[5] = Felt::from_i64(1);
    assert!(
        !circuit.verify(&tampered).unwrap(),
        "altered outputs must not verify"
    );
    let mut truncated = proof.clone();
    truncated.bytes.truncate(64);
    assert!(
        !circuit.verify(&truncated).unwrap(),
        "a truncated proof must not verify"
    );
}

#[test]
fn quantized_features_equal_the_public_inputs_for_every_eval_row() {
    let circuit = iris();
    let data = eval_set();
    let quantized = data.quantize(circuit.settings.input_scales[0]).unwrap();
    for (i, row) in data.rows.iter().enumerate() {
        let inputs = circuit
            .witness_inputs(std::slice::from_ref(&row.features))
            .unwrap();
        assert_eq!(inputs, quantized.rows[i].0, "row {i} {:?}", row.features);
    }
}

#[test]
fn a_batched_model_proves_four_samples_at_once() {
    let data = eval_set();
    let batch = rows(&data)[..4].to_vec();
    let circuit = prover()
        .circuit(
            &repo().join("examples/iris/model_batch4.onnx"),
            &batch,
            &log,
        )
        .unwrap();
    assert_eq!(circuit.input_shape(), [4, 4]);
    let proof = circuit.prove(&batch, &log).unwrap();
    assert_eq!((proof.inputs().len(), proof.outputs().len()), (16, 12));
    assert!(circuit.verify(&proof).unwrap());
    let err = circuit.prove(&batch[..3], &log).err().unwrap();
    assert!(
        matches!(
            err,
            ProverError::InputShape {
                expected: 16,
                actual: 12,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn refuses_bad_models_shapes_and_srs_with_clear_errors() {
    let dir = repo().join("target/zkmltrack-bad-inputs");
    std::fs::create_dir_all(&dir).unwrap();
    let not_onnx = dir.join("not-a-model.onnx");
    std::fs::write(&not_onnx, b"this is not protobuf").unwrap();
    let err = prover()
        .circuit(&not_onnx, &[vec![1.0; 4]], &log)
        .err()
        .unwrap();
    assert!(
        matches!(&err, ProverError::InvalidModel { reason, .. } if reason.contains("not a valid ONNX model")),
        "{err}"
    );

    // A valid ONNX graph whose only operation (Det) EZKL cannot prove.
    let det = dir.join("determinant.onnx");
    common::write_determinant_model(&prover().config().home, &det);
    let err = prover().circuit(&det, &[vec![1.0; 4]], &log).err().unwrap();
    assert!(
        matches!(&err, ProverError::UnsupportedOperation { op, .. } if op == "Det"),
        "{err}"
    );

    let missing = dir.join("missing.onnx");
    let err = prover()
        .circuit(&missing, &[vec![1.0; 4]], &log)
        .err()
        .unwrap();
    assert!(matches!(err, ProverError::InvalidModel { .. }), "{err}");

    let model = repo().join("examples/iris/model.onnx");
    let err = prover()
        .circuit(&model, &[vec![1.0; 5]], &log)
        .err()
        .unwrap();
    assert!(
        matches!(
            err,
            ProverError::RowWidth {
                expected: 4,
                row: 0,
                found: 5,
                ..
            }
        ),
        "{err}"
    );
    // Rows of another width that flatten to whole proofs are refused too
    // (they used to calibrate the circuit on misaligned values).
    let err = prover()
        .circuit(&model, &[vec![1.0; 2], vec![1.0; 2]], &log)
        .err()
        .unwrap();
    assert!(
        matches!(
            err,
            ProverError::RowWidth {
                expected: 4,
                found: 2,
                ..
            }
        ),
        "{err}"
    );
    let err = prover().circuit(&model, &[], &log).err().unwrap();
    assert!(
        matches!(
            err,
            ProverError::InputShape {
                expected: 4,
                actual: 0,
                ..
            }
        ),
        "{err}"
    );
    let err = iris().prove(&[vec![1.0; 3]], &log).err().unwrap();
    assert!(
        matches!(
            err,
            ProverError::InputShape {
                expected: 4,
                actual: 3,
                ..
            }
        ),
        "{err}"
    );

    let mut config = ProverConfig::new(
        dir.join("circuits"),
        SrsSource::File(dir.join("no-such.srs")),
    );
    config.home = prover().config().home.clone();
    let with_missing_srs = Prover::new(config).unwrap();
    let err = with_missing_srs
        .circuit(&model, &[vec![5.0, 3.0, 1.5, 0.2]], &log)
        .err()
        .unwrap();
    assert!(matches!(err, ProverError::MissingSrs(_)), "{err}");
}

#[test]
fn a_rerun_skips_finished_steps_and_status_records_each_step() {
    let circuit = iris();
    let events = std::sync::Mutex::new(Vec::new());
    let calibration = rows(&eval_set());
    let again = prover()
        .circuit(
            &repo().join("examples/iris/model.onnx"),
            &calibration[..8],
            &|p| events.lock().unwrap().push(p),
        )
        .unwrap();
    assert_eq!(
        again.paths.dir, circuit.paths.dir,
        "same model and options, same workspace"
    );
    let events = events.into_inner().unwrap();
    assert!(!events.is_empty());
    // Every step found done; the memory estimate is shown all the same.
    assert!(
        events
            .iter()
            .all(|e| matches!(e, Progress::Skipped(_) | Progress::MemoryEstimate { .. })),
        "{events:?}"
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, Progress::MemoryEstimate { .. }))
            .count(),
        1,
        "{events:?}"
    );

    let status = zkmltrack::prover::Status::load(&circuit.paths.status).unwrap();
    for step in [
        "check_model",
        "gen_settings",
        "calibrate",
        "compile",
        "setup",
    ] {
        assert!(status.is_done(step), "{step} is recorded as done");
        assert!(status.steps[step].seconds >= 0.0);
    }
}

//! The SDK quantizes dataset values bit for bit as the pinned EZKL does
//! (EZKL's own `float_to_felt` as the oracle), on random values chosen where
//! the `f32` cast changes the result, at many scales, negatives included; and
//! the pre-flight check refuses a model whose circuit quantizes the task's
//! rows otherwise, naming the row, the feature and both values.

mod common;

use std::sync::OnceLock;

use common::{log, repo, write_with_double_input};
use proptest::{
    prelude::*,
    test_runner::{Config, TestRunner},
};
use zkmltrack::{
    dataset::Dataset,
    evaluation::{check_quantization, EvaluationError},
    prover::{Prover, ProverConfig, SrsSource},
    quantize::{quantize, quantize_int, InputType},
};

/// A prover whose circuits quantize inputs at scale 13 (the bundled tasks').
fn prover() -> &'static Prover {
    static PROVER: OnceLock<Prover> = OnceLock::new();
    PROVER.get_or_init(|| {
        let mut config = ProverConfig::new(
            repo().join("target/zkmltrack-circuits"),
            SrsSource::TestOnly,
        );
        config.input_scale = Some(13);
        Prover::new(config).expect("the EZKL environment is ready")
    })
}

/// A CSV-like decimal: up to 7 significant digits, 0 to 6 decimals, either
/// sign (the shape of real datasets' cells), parsed as a CSV cell is.
fn decimal() -> impl Strategy<Value = f64> {
    (1i64..10_000_000, 0u32..7, any::<bool>()).prop_map(|(digits, decimals, negative)| {
        let sign = if negative { "-" } else { "" };
        format!("{sign}{digits}e-{decimals}").parse().unwrap()
    })
}

/// EZKL and the SDK agree on every value at every scale, for `float` inputs
/// (the task's rule) and `double` and integer inputs; each batch holds
/// values where the old `f64` rule is off by one, so the test has teeth.
#[test]
fn the_sdk_quantizes_as_ezkl_does_where_f32_and_f64_round_differently() {
    let mut runner = TestRunner::new(Config {
        cases: 12,
        ..Config::default()
    });
    let f32_only_total = std::cell::Cell::new(0);
    runner
        .run(
            &(prop::collection::vec(decimal(), 4_000), 0u32..=24),
            |(values, scale)| {
                for input_type in [InputType::F32, InputType::F64, InputType::Int] {
                    let ezkl = prover()
                        .quantize(&values, scale, input_type)
                        .expect("EZKL quantizes");
                    for (x, e) in values.iter().zip(&ezkl) {
                        let sdk = quantize(*x, scale, input_type).expect("in range");
                        prop_assert_eq!(
                            sdk,
                            *e,
                            "{} at scale {} as {}: SDK {:?}, EZKL {:?}",
                            x,
                            scale,
                            input_type,
                            quantize_int(*x, scale, input_type),
                            e
                        );
                    }
                }
                let f32_only = values
                    .iter()
                    .filter(|x| {
                        quantize_int(**x, scale, InputType::F32)
                            != quantize_int(**x, scale, InputType::F64)
                    })
                    .count();
                // Where f32 has fewer fraction bits than the scale, the rules part.
                prop_assert!(
                    scale < 6 || f32_only > 0,
                    "scale {}: no value differs",
                    scale
                );
                f32_only_total.set(f32_only_total.get() + f32_only);
                Ok(())
            },
        )
        .unwrap();
    let total = f32_only_total.get();
    assert!(total > 100, "{total} values where f32 and f64 differ");
}

/// The value a new user met, and values around halves, through EZKL.
#[test]
fn known_values_where_the_f32_cast_matters() {
    let values = [690.2, -690.2, 567.7, 943.2, 559.2, 0.5, -0.5, 2.5, 1e-9];
    let ezkl = prover()
        .quantize(&values, 13, InputType::F32)
        .expect("EZKL quantizes");
    let sdk: Vec<_> = values
        .iter()
        .map(|x| quantize(*x, 13, InputType::F32).unwrap())
        .collect();
    assert_eq!(sdk, ezkl);
    assert_eq!(quantize_int(690.2, 13, InputType::F32), Ok(5_654_119));
    assert_eq!(quantize_int(690.2, 13, InputType::F64), Ok(5_654_118));
}

/// A model with a `double` input quantizes without the f32 cast: on the
/// bundled breast-cancer rows its circuit differs from the task's leaves, and
/// the pre-flight says where, before anything would be sent.
#[test]
fn the_preflight_refuses_a_circuit_that_quantizes_rows_otherwise() {
    let dir = repo().join("target/zkmltrack-circuits/fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("cancer-double-input.onnx");
    write_with_double_input(
        &prover().config().home,
        &repo().join("examples/cancer/model_batch4.onnx"),
        &model,
    );
    let data = Dataset::from_csv(&repo().join("examples/cancer/eval.csv")).unwrap();
    let rows: Vec<Vec<f64>> = data.rows[..4].iter().map(|r| r.features.clone()).collect();
    let circuit = prover()
        .circuit(&model, &rows, &log)
        .expect("the circuit builds");
    assert_eq!(circuit.input_type(), InputType::F64);
    let task = data.quantize(13).unwrap();
    let err = check_quantization(&circuit, &data, &task).unwrap_err();
    let EvaluationError::Quantization(m) = &err else {
        panic!("{err}")
    };
    // Row 1's worst_area, 567.7: 4,650,599 after the f32 cast, 4,650,598 without.
    assert_eq!(
        (m.row, m.column.as_str(), m.value),
        (1, "worst_area", 567.7),
        "{err}"
    );
    assert_eq!(
        (m.leaf.as_str(), m.circuit.as_str()),
        ("4650599", "4650598")
    );
    let text = err.to_string();
    assert!(
        text.contains("data row 2") && text.contains("nothing was sent"),
        "{text}"
    );
    // The same dataset quantized for a double input matches it.
    let as_f64 = data.quantize_as(13, InputType::F64).unwrap();
    assert_eq!(
        check_quantization(&circuit, &data, &as_f64).unwrap(),
        190 * 30
    );
}

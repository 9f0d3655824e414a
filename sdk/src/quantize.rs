//! EZKL's quantization of circuit inputs, bit for bit.
//!
//! A dataset leaf commits to a row's features as the circuit's public inputs
//! hold them, so the SDK must quantize exactly as the pinned EZKL (23.0.5)
//! does when it builds a witness from an input file (`GraphCircuit::
//! load_file_data`: `FileSourceInner::as_type`, then `to_field`):
//!
//! 1. The value arrives as an `f64` (EZKL parses its JSON input with
//!    `serde_json`'s `float_roundtrip`, correctly rounded, as Rust's
//!    `str::parse::<f64>` does: a CSV cell and EZKL's input agree).
//! 2. **Cast to the model's input type** (`InputType::roundtrip`): for an
//!    ONNX `float` input (`F32`, also `F16`, which EZKL treats as `F32`)
//!    `x as f32 as f64`, round to nearest, ties to even; `F64` leaves it;
//!    integer inputs (`Int`, `TDim`) truncate towards zero (`to_i64`), `Bool`
//!    also requires 0 or 1.
//! 3. `quantize_float(x, 0, scale)`: with `m = 2^scale`, refuse
//!    `|x| > round(i128::MAX / m)`, else `round(m * x)` in `f64` (halves away
//!    from zero) as an `i128` (EZKL's `IntegerRep`).
//! 4. The integer becomes a field element, negatives as `p - |v|`.
//!
//! Tasks quantize their rows for `float` (`F32`) inputs, the input type of
//! practically every ONNX classifier: [`TASK_INPUT_TYPE`]. Roots made before
//! the `f32` cast was followed used [`InputType::F64`] (the two agree on most
//! values: Iris's one-decimal rows are the same, `690.2` at scale 13 is not).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::hashing::Felt;

/// The input type EZKL casts a value to before it quantizes it (EZKL's
/// `InputType`, named as in a circuit's `settings.json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InputType {
    /// ONNX `bool`: 0 or 1.
    Bool,
    /// ONNX `float16` (EZKL 23 casts it as `F32`).
    F16,
    /// ONNX `float`: cast to `f32`.
    F32,
    /// ONNX `double`: no cast.
    F64,
    /// ONNX integer types: truncated towards zero.
    Int,
    /// A tract dimension (integer).
    TDim,
}

/// The input type task leaves are quantized for (ONNX `float` inputs).
pub const TASK_INPUT_TYPE: InputType = InputType::F32;

/// A value EZKL would refuse to quantize (its witness generation panics on it).
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum QuantizeError {
    /// The scaled value leaves EZKL's integer range (or the `f32` range).
    #[error("value {value} does not fit scale {scale} as {input_type} (|x| must stay at or below {limit:e})")]
    OutOfRange {
        /// The value.
        value: f64,
        /// The scale.
        scale: u32,
        /// The input type.
        input_type: InputType,
        /// The largest magnitude allowed.
        limit: f64,
    },
    /// A boolean input that is not 0 or 1.
    #[error("value {0} is not a boolean (0 or 1)")]
    NotBoolean(f64),
}

impl fmt::Display for InputType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputType::Bool => "bool",
            InputType::F16 => "f16",
            InputType::F32 => "f32",
            InputType::F64 => "f64",
            InputType::Int => "int",
            InputType::TDim => "tdim",
        })
    }
}

impl InputType {
    /// EZKL's name in `settings.json` (`"F32"`, ...), if it is one of ours.
    pub fn from_settings_name(name: &str) -> Option<InputType> {
        Some(match name {
            "Bool" => InputType::Bool,
            "F16" => InputType::F16,
            "F32" => InputType::F32,
            "F64" => InputType::F64,
            "Int" => InputType::Int,
            "TDim" => InputType::TDim,
            _ => return None,
        })
    }

    /// The value EZKL quantizes once it cast `x` to this type.
    pub fn cast(self, x: f64, scale: u32) -> Result<f64, QuantizeError> {
        let truncated = || {
            // num-traits' f64 -> i64: in range when above MIN - 1 and below MAX + 1.
            if x > -9_223_372_036_854_775_809.0 && x < 9_223_372_036_854_775_808.0 {
                Ok(x.trunc())
            } else {
                Err(QuantizeError::OutOfRange {
                    value: x,
                    scale,
                    input_type: self,
                    limit: i64::MAX as f64,
                })
            }
        };
        match self {
            InputType::F16 | InputType::F32 => Ok(x as f32 as f64),
            InputType::F64 => Ok(x),
            InputType::Int | InputType::TDim => truncated(),
            InputType::Bool => match truncated()? {
                v if v == 0.0 || v == 1.0 => Ok(v),
                _ => Err(QuantizeError::NotBoolean(x)),
            },
        }
    }
}

/// EZKL's fixed-point integer of `x` at `scale` for an input of type
/// `input_type` (steps 2 and 3 of the module docs).
pub fn quantize_int(x: f64, scale: u32, input_type: InputType) -> Result<i128, QuantizeError> {
    let cast = input_type.cast(x, scale)?;
    let mult = 2f64.powf(scale as f64);
    let limit = (i128::MAX as f64 / mult).round();
    // NaN compares false both ways in EZKL; a CSV cell is never NaN (refused when read).
    if cast > limit || cast < -limit || !cast.is_finite() {
        return Err(QuantizeError::OutOfRange {
            value: x,
            scale,
            input_type,
            limit,
        });
    }
    Ok((mult * cast).round() as i128)
}

/// EZKL's public input of `x` at `scale` for an input of type `input_type`.
pub fn quantize(x: f64, scale: u32, input_type: InputType) -> Result<Felt, QuantizeError> {
    quantize_int(x, scale, input_type).map(Felt::from_i128)
}

/// A field element read back as EZKL's signed integer (`p - |v|` is `-|v|`),
/// if it lies in the `i128` range.
pub fn felt_to_int(f: &Felt) -> Option<i128> {
    let small = |bytes: [u8; 32]| -> Option<u128> {
        bytes[..16]
            .iter()
            .all(|b| *b == 0)
            .then(|| u128::from_be_bytes(bytes[16..].try_into().expect("16 bytes")))
    };
    if let Some(v) = small(f.to_be_bytes()) {
        return i128::try_from(v).ok();
    }
    small(f.neg().to_be_bytes()).and_then(|v| i128::try_from(v).ok().map(|v| -v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_f32_cast_comes_first() {
        // The value a new user met: 690.2 at scale 13.
        assert_eq!(quantize_int(690.2, 13, InputType::F64), Ok(5_654_118));
        assert_eq!(quantize_int(690.2, 13, InputType::F32), Ok(5_654_119));
        assert_eq!(quantize_int(-690.2, 13, InputType::F32), Ok(-5_654_119));
    }

    #[test]
    fn felts_read_back_as_signed_integers() {
        for v in [0, 1, -1, 5_654_119, -5_654_119, i128::MAX, -i128::MAX] {
            assert_eq!(felt_to_int(&Felt::from_i128(v)), Some(v));
        }
        assert_eq!(felt_to_int(&Felt::from_i64(-7)), Some(-7));
        let mut big = [0u8; 32];
        big[8] = 1;
        assert_eq!(felt_to_int(&Felt::from_be_bytes(&big).unwrap()), None);
    }

    #[test]
    fn halves_round_away_from_zero() {
        assert_eq!(quantize_int(0.5, 0, InputType::F32), Ok(1));
        assert_eq!(quantize_int(-0.5, 0, InputType::F32), Ok(-1));
        assert_eq!(quantize_int(2.5, 0, InputType::F64), Ok(3));
        assert_eq!(quantize_int(0.5 / 128.0, 7, InputType::F32), Ok(1));
        assert_eq!(quantize_int(-1.0, 7, InputType::F32), Ok(-128));
    }

    #[test]
    fn integer_and_boolean_inputs_truncate() {
        assert_eq!(quantize_int(2.9, 3, InputType::Int), Ok(16));
        assert_eq!(quantize_int(-2.9, 0, InputType::TDim), Ok(-2));
        assert_eq!(quantize_int(1.0, 0, InputType::Bool), Ok(1));
        assert_eq!(
            quantize_int(2.0, 0, InputType::Bool),
            Err(QuantizeError::NotBoolean(2.0))
        );
    }

    #[test]
    fn refuses_what_ezkl_refuses_and_names_the_limit() {
        // f32 overflows to infinity: EZKL's range check refuses it.
        assert!(matches!(
            quantize_int(1e39, 0, InputType::F32),
            Err(QuantizeError::OutOfRange {
                scale: 0,
                input_type: InputType::F32,
                ..
            })
        ));
        assert!(quantize_int(1e37, 0, InputType::F64).is_ok());
        assert!(quantize_int(1e39, 0, InputType::F64).is_err());
        assert!(quantize_int(1e38, 100, InputType::F64).is_err());
        assert!(quantize_int(1e20, 0, InputType::Int).is_err());
        assert_eq!(
            quantize(-3.0, 2, InputType::F32).unwrap(),
            Felt::from_i64(-12)
        );
    }
}

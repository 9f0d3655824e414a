//! circom-compatible Poseidon over BN254 for one and two inputs.
//!
//! Same permutation as circomlib's reference `Poseidon(n)` and `poseidon-rs`:
//! the state starts as `[0, inputs..]`, each of `8 + R_P` rounds adds the round
//! constants, applies `x^5` (to every element in the 4 first and 4 last rounds,
//! to the first element only in the partial rounds in between) and multiplies by
//! the MDS matrix; the hash is the first state element.
//!
//! The two-input hash, the one the contracts use, runs on
//! [`limb29`] elements with its constants prepared at
//! compile time from the generated tables:
//! - in a partial round only the first element goes through the S-box, so the
//!   round constants of the two others are moved through the MDS matrix into the
//!   next round's ("optimized round constants" of the Poseidon paper): a partial
//!   round adds one constant, and 81 constants remain of 195 (2.6 KB of code
//!   instead of 6.2 KB);
//! - the MDS matrix is pre-scaled by `R = 2^261` and built into the code as
//!   immediates; a matrix-state product is 27 limb-vector products reduced three
//!   times, with the state read once;
//! - on Stylus (`wasm32`) the S-box is three calls of the `math_mul_mod` host
//!   function, which costs less ink than a Montgomery product in WASM.

mod constants;

use constants::{
    T2_MDS, T2_PARTIAL_ROUNDS, T2_ROUND_CONSTANTS, T3_MDS, T3_PARTIAL_ROUNDS, T3_ROUND_CONSTANTS,
};

use crate::field::{
    limb29::{self, column, dot3, each_column, reduce, Fe29, Words, N},
    Fe,
};

/// Number of full rounds (half before, half after the partial rounds).
const FULL_ROUNDS: usize = 8;

/// Poseidon of one element (circomlib `Poseidon(1)`).
pub fn hash1(a: &Fe) -> Fe {
    let mut state = [Fe::ZERO, *a];
    permute(&mut state, &T2_ROUND_CONSTANTS, &T2_MDS, T2_PARTIAL_ROUNDS);
    state[0]
}

/// Poseidon of two elements (circomlib `Poseidon(2)`), the Merkle node hash.
pub fn hash2(a: &Fe, b: &Fe) -> Fe {
    hash2_29(&Fe29::from_fe(a), &Fe29::from_fe(b)).to_fe()
}

fn permute<const T: usize>(state: &mut [Fe; T], constants: &[Fe], mds: &[Fe], partial: usize) {
    for round in 0..FULL_ROUNDS + partial {
        for (i, x) in state.iter_mut().enumerate() {
            *x = x.add(&constants[round * T + i]);
        }
        if round < FULL_ROUNDS / 2 || round >= FULL_ROUNDS / 2 + partial {
            for x in state.iter_mut() {
                *x = x.pow5();
            }
        } else {
            state[0] = state[0].pow5();
        }
        let mut mixed = [Fe::ZERO; T];
        for (i, out) in mixed.iter_mut().enumerate() {
            for (j, x) in state.iter().enumerate() {
                *out = out.add(&mds[i * T + j].mul(x));
            }
        }
        *state = mixed;
    }
}

/// The width-3 MDS matrix by rows, each entry pre-scaled by `R` ([`limb29::scaled`]).
const MDS: [[Fe29; 3]; 3] = {
    let mut out = [[Fe29::ZERO; 3]; 3];
    let mut i = 0;
    while i < 9 {
        out[i / 3][i % 3] = limb29::scaled(&T3_MDS[i]);
        i += 1;
    }
    out
};

/// The limbs of [`MDS`].
const MDS_LIMBS: [[[u64; N]; 3]; 3] = {
    let mut out = [[[0u64; N]; 3]; 3];
    let mut i = 0;
    while i < 9 {
        out[i / 3][i % 3] = MDS[i / 3][i % 3].0;
        i += 1;
    }
    out
};

/// `a + b mod p` of canonical words (compile time).
const fn add_mod(a: &Words, b: &Words) -> Words {
    // Below 2p < 2^255: one subtraction at most.
    limb29::canonical(&Fe29::from_words(&limb29::add_words(a, b)))
}

/// Whether round `round` is a full round.
const fn is_full(round: usize) -> bool {
    round < FULL_ROUNDS / 2 || round >= FULL_ROUNDS / 2 + T3_PARTIAL_ROUNDS
}

/// The round constants, canonical, with the partial rounds' second and third
/// constants moved forward through the MDS matrix: the full rounds' (three
/// each), then the partial rounds' (one each).
#[allow(clippy::type_complexity)]
const FOLDED: ([[Words; 3]; FULL_ROUNDS], [Words; T3_PARTIAL_ROUNDS]) = {
    let mut full = [[[0u64; 4]; 3]; FULL_ROUNDS];
    let mut partial = [[0u64; 4]; T3_PARTIAL_ROUNDS];
    let mut carried = [[0u64; 4]; 3];
    let mut round = 0;
    while round < FULL_ROUNDS + T3_PARTIAL_ROUNDS {
        let mut c = [[0u64; 4]; 3];
        let mut i = 0;
        while i < 3 {
            c[i] = add_mod(
                &limb29::words_of_fe(&T3_ROUND_CONSTANTS[round * 3 + i]),
                &carried[i],
            );
            i += 1;
        }
        if is_full(round) {
            let at = if round < FULL_ROUNDS / 2 {
                round
            } else {
                round - T3_PARTIAL_ROUNDS
            };
            full[at] = c;
            carried = [[0u64; 4]; 3];
        } else {
            // M (S(x0 + c0), x1 + c1, x2 + c2) = M (S(x0 + c0), x1, x2) + M (0, c1, c2).
            partial[round - FULL_ROUNDS / 2] = c[0];
            let moved = [Fe29::ZERO, Fe29::from_words(&c[1]), Fe29::from_words(&c[2])];
            let mut row = 0;
            while row < 3 {
                carried[row] = limb29::canonical(&dot3(&MDS[row], &moved));
                row += 1;
            }
        }
        round += 1;
    }
    (full, partial)
};

/// Round constants of the full rounds.
static FULL_CONSTANTS: [[Words; 3]; FULL_ROUNDS] = FOLDED.0;
/// Round constants of the partial rounds (first element only).
static PARTIAL_CONSTANTS: [Words; T3_PARTIAL_ROUNDS] = FOLDED.1;

/// The MDS matrix times the state (normalized elements); normalized.
#[inline(never)]
fn mix(state: &[Fe29; 3]) -> [Fe29; 3] {
    let (x0, x1, x2) = (state[0].0, state[1].0, state[2].0);
    let (mut t0, mut t1, mut t2) = ([0u64; 2 * N - 1], [0u64; 2 * N - 1], [0u64; 2 * N - 1]);
    macro_rules! col {
        ($k:literal) => {
            t0[$k] = column!(MDS_LIMBS[0][0], x0, $k)
                + column!(MDS_LIMBS[0][1], x1, $k)
                + column!(MDS_LIMBS[0][2], x2, $k);
            t1[$k] = column!(MDS_LIMBS[1][0], x0, $k)
                + column!(MDS_LIMBS[1][1], x1, $k)
                + column!(MDS_LIMBS[1][2], x2, $k);
            t2[$k] = column!(MDS_LIMBS[2][0], x0, $k)
                + column!(MDS_LIMBS[2][1], x1, $k)
                + column!(MDS_LIMBS[2][2], x2, $k);
        };
    }
    each_column!(col);
    [reduce(t0), reduce(t1), reduce(t2)]
}

/// `(x + c)^5` for a normalized `x` and canonical words `c`; canonical.
///
/// Three calls of Stylus' `math_mul_mod` host function on big-endian 32-byte
/// values (52,660 ink each on Nitro, less than a Montgomery product in WASM);
/// the conversions to and from big-endian words take ~60 instructions each way.
#[inline(never)]
fn sbox(x: &Fe29, c: &Words) -> Fe29 {
    // x + c < (p + 2^251) + p < 2^256: no reduction needed before the host call.
    let w = limb29::join(&x.0);
    let (s0, k0) = w[0].overflowing_add(c[0]);
    let (s1, k1) = carrying_add(w[1], c[1], k0);
    let (s2, k2) = carrying_add(w[2], c[2], k1);
    let s3 = w[3].wrapping_add(c[3]).wrapping_add(k2 as u64);
    // Big-endian bytes: the most significant word first, each byte-swapped.
    let y = [
        s3.swap_bytes(),
        s2.swap_bytes(),
        s1.swap_bytes(),
        s0.swap_bytes(),
    ];
    let mut t = y;
    let (t_ptr, y_ptr) = (t.as_mut_ptr().cast::<u8>(), y.as_ptr().cast::<u8>());
    let p = crate::field::MODULUS_BE.as_ptr();
    // SAFETY: both buffers are 32 live bytes; the host function reads its
    // operands before it writes the first.
    unsafe {
        math_mul_mod(t_ptr, t_ptr, p); // y^2
        math_mul_mod(t_ptr, t_ptr, p); // y^4
        math_mul_mod(t_ptr, y_ptr, p); // y^5
    }
    Fe29::from_words(&[
        t[3].swap_bytes(),
        t[2].swap_bytes(),
        t[1].swap_bytes(),
        t[0].swap_bytes(),
    ])
}

/// `a + b + carry` with the carry out.
#[inline(always)]
fn carrying_add(a: u64, b: u64, carry: bool) -> (u64, bool) {
    let (s, k1) = a.overflowing_add(b);
    let (s, k2) = s.overflowing_add(carry as u64);
    (s, k1 | k2)
}

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "vm_hooks")]
extern "C" {
    /// Stylus host function: `value = value * multiplier mod modulus` on 32-byte
    /// big-endian numbers (EVM `MULMOD` semantics).
    fn math_mul_mod(value: *mut u8, multiplier: *const u8, modulus: *const u8);
}

/// The same computation natively (tests, off-chain use), with the host's
/// semantics: the operands are read before the result is written.
///
/// # Safety
/// Each pointer must point to 32 readable bytes, `value` to writable ones.
#[cfg(not(target_arch = "wasm32"))]
unsafe fn math_mul_mod(value: *mut u8, multiplier: *const u8, modulus: *const u8) {
    use alloy_primitives::U256;
    // SAFETY: as the caller promises.
    let read =
        |ptr: *const u8| U256::from_be_bytes(unsafe { core::ptr::read(ptr.cast::<[u8; 32]>()) });
    let (a, b, m) = (read(value), read(multiplier), read(modulus));
    // SAFETY: as the caller promises.
    unsafe { core::ptr::write(value.cast::<[u8; 32]>(), a.mul_mod(b, m).to_be_bytes()) };
}

/// [`hash2`] on [`limb29`] elements (normalized inputs, normalized output).
pub(crate) fn hash2_29(a: &Fe29, b: &Fe29) -> Fe29 {
    let mut state = [Fe29::ZERO, *a, *b];
    for c in &FULL_CONSTANTS[..FULL_ROUNDS / 2] {
        state = mix(&[
            sbox(&state[0], &c[0]),
            sbox(&state[1], &c[1]),
            sbox(&state[2], &c[2]),
        ]);
    }
    for c in &PARTIAL_CONSTANTS {
        state[0] = sbox(&state[0], c);
        state = mix(&state);
    }
    for c in &FULL_CONSTANTS[FULL_ROUNDS / 2..] {
        state = mix(&[
            sbox(&state[0], &c[0]),
            sbox(&state[1], &c[1]),
            sbox(&state[2], &c[2]),
        ]);
    }
    state[0]
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::U256;

    fn p() -> U256 {
        U256::from_be_bytes(crate::field::MODULUS_BE)
    }

    /// The value of a limb vector.
    fn value(x: &Fe29) -> U256 {
        x.0.iter()
            .rev()
            .fold(U256::ZERO, |v, &limb| (v << 29) + U256::from(limb))
    }

    /// The top limb of the largest normalized element.
    fn max_top() -> u64 {
        let bound: U256 = p() + (U256::from(1u8) << 251);
        (bound >> 232usize).to::<u64>() - 1
    }

    #[test]
    fn mix_of_extreme_inputs_agrees_with_big_integer_arithmetic() {
        // The largest normalized element: every limb at 2^29 - 1 below p + 2^251.
        let top = max_top();
        let mut max = Fe29([(1 << 29) - 1; N]);
        max.0[N - 1] = top;
        let one = Fe29::from_words(&[1, 0, 0, 0]);
        for state in [[max; 3], [max, one, max], [Fe29::ZERO, max, one]] {
            let got = mix(&state);
            for (row, out) in got.iter().enumerate() {
                assert!(out.0.iter().all(|&l| l < 1 << 29));
                let mut want = U256::ZERO;
                for (col, x) in state.iter().enumerate() {
                    let m = U256::from_limbs(limb29::words_of_fe(&T3_MDS[row * 3 + col]));
                    want = want.add_mod(m.mul_mod(value(x), p()), p());
                }
                assert_eq!(value(out) % p(), want, "row {row}");
                assert!(value(out) < p() + (U256::from(1u8) << 251));
            }
        }
    }

    #[test]
    fn sbox_of_extreme_inputs_agrees_with_big_integer_arithmetic() {
        let top = max_top();
        let mut max = Fe29([(1 << 29) - 1; N]);
        max.0[N - 1] = top;
        let c = (p() - U256::from(1u8)).into_limbs();
        let y = (value(&max) + U256::from_limbs(c)) % p();
        let got = sbox(&max, &c);
        assert_eq!(value(&got), y.pow_mod(U256::from(5u8), p()));
    }
}

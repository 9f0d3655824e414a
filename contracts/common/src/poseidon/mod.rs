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
//! - the first 40 partial rounds (`SPARSE_ROUNDS_COUNT`) multiply by sparse
//!   matrices instead (`SPARSE_WORDS`): 5 element products instead of 9, with
//!   four constants a round read from a table (144 bytes a round). On Nitro's
//!   prices an immediate costs 1 ink and a load 680, so a sparse round saves
//!   only ~6 gas of ~40, and every byte of the table adds ~0.75 gas to each
//!   call of the program (its init cost): 40 rounds cut a hash by ~230 gas
//!   (4.5%) and add ~6.9k gas to an entry, which pays from ~30 hashes a call
//!   (a submission hashes 5 to 8 per sample) and is as many as fit the
//!   DatasetVerifier's 24 KB (`docs/benchmarks.md`);
//! - every step works on the state in place;
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

/// The canonical MDS matrix, by rows.
const M: [[Words; 3]; 3] = {
    let mut out = [[[0u64; 4]; 3]; 3];
    let mut i = 0;
    while i < 9 {
        out[i / 3][i % 3] = limb29::words_of_fe(&T3_MDS[i]);
        i += 1;
    }
    out
};

/// `m v` for a 2x2 matrix `m` (compile time).
const fn mat_vec2(m: &[[Words; 2]; 2], v: &[Words; 2]) -> [Words; 2] {
    [
        add_mod(
            &limb29::mul_mod(&m[0][0], &v[0]),
            &limb29::mul_mod(&m[0][1], &v[1]),
        ),
        add_mod(
            &limb29::mul_mod(&m[1][0], &v[0]),
            &limb29::mul_mod(&m[1][1], &v[1]),
        ),
    ]
}

/// How many partial rounds run in sparse form (the first ones; the rest
/// multiply by the full matrix): each costs 144 bytes of constants, and 40 is
/// what fits the DatasetVerifier with ~500 bytes to spare.
const SPARSE_ROUNDS_COUNT: usize = 40;

/// The partial rounds' matrices in sparse form (appendix B of the Poseidon paper).
///
/// Write the MDS matrix `M = [[m00, a^T], [b, Â]]` (`a`, `b` of two elements,
/// `Â` 2x2). Any matrix of that shape factors as `S D` with the sparse
/// `S = [[m00, ŵ^T], [b, I]]`, `ŵ = Â^{-T} a`, and `D = diag(1, Â)`. `D` leaves the
/// first element alone, so it commutes with a partial round's constant and S-box
/// (both act on the first element only) and moves into the round before. Going
/// from the last partial round backwards, round `r` multiplies by
/// `S_r = [[m00, ŵ_r^T], [u_r, I]]` with `ŵ_r = Â^{-T (R - r)} a` and
/// `u_r = Â^{R - 1 - r} b`, and the last full round before them by
/// `diag(1, Â^R) M` (`R` partial rounds). A sparse product is 5 element
/// products instead of 9.
///
/// Returns that first matrix by rows and, per partial round, `[ŵ_r, u_r]`.
#[allow(clippy::type_complexity)]
const SPARSE_WORDS: ([[Words; 3]; 3], [[Words; 4]; SPARSE_ROUNDS_COUNT]) = {
    let ah = [[M[1][1], M[1][2]], [M[2][1], M[2][2]]];
    let det = limb29::sub_mod(
        &limb29::mul_mod(&ah[0][0], &ah[1][1]),
        &limb29::mul_mod(&ah[0][1], &ah[1][0]),
    );
    let dinv = limb29::inverse(&det);
    // Â^{-T} = [[ah11, -ah10], [-ah01, ah00]] / det.
    let q = [
        [
            limb29::mul_mod(&dinv, &ah[1][1]),
            limb29::mul_mod(&dinv, &limb29::sub_mod(&[0; 4], &ah[1][0])),
        ],
        [
            limb29::mul_mod(&dinv, &limb29::sub_mod(&[0; 4], &ah[0][1])),
            limb29::mul_mod(&dinv, &ah[0][0]),
        ],
    ];
    let mut rounds = [[[0u64; 4]; 4]; SPARSE_ROUNDS_COUNT];
    let mut w = [M[0][1], M[0][2]];
    let mut u = [M[1][0], M[2][0]];
    // Â^R, one factor per round.
    let mut power = [[[1, 0, 0, 0], [0; 4]], [[0; 4], [1, 0, 0, 0]]];
    let mut r = SPARSE_ROUNDS_COUNT;
    while r > 0 {
        r -= 1;
        w = mat_vec2(&q, &w);
        rounds[r] = [w[0], w[1], u[0], u[1]];
        u = mat_vec2(&ah, &u);
        let columns = [
            mat_vec2(&power, &[ah[0][0], ah[1][0]]),
            mat_vec2(&power, &[ah[0][1], ah[1][1]]),
        ];
        power = [
            [columns[0][0], columns[1][0]],
            [columns[0][1], columns[1][1]],
        ];
    }
    let mut first = [M[0], [[0u64; 4]; 3], [[0u64; 4]; 3]];
    let mut j = 0;
    while j < 3 {
        let column = mat_vec2(&power, &[M[1][j], M[2][j]]);
        first[1][j] = column[0];
        first[2][j] = column[1];
        j += 1;
    }
    (first, rounds)
};

/// The last full round's matrix before the partial rounds, `diag(1, Â^R) M`,
/// by rows, pre-scaled ([`SPARSE_WORDS`]).
static FIRST_MIX: [[Fe29; 3]; 3] = {
    let mut out = [[Fe29::ZERO; 3]; 3];
    let mut i = 0;
    while i < 9 {
        out[i / 3][i % 3] = limb29::scaled_words(&SPARSE_WORDS.0[i / 3][i % 3]);
        i += 1;
    }
    out
};

/// Per partial round, pre-scaled, as 32-bit limbs (half the size of
/// [`Fe29`]'s, 8.2 KB in all): `[ŵ_r, u_r]` ([`SPARSE_WORDS`]).
static SPARSE_ROUNDS: [[[u32; N]; 4]; SPARSE_ROUNDS_COUNT] = {
    let mut out = [[[0u32; N]; 4]; SPARSE_ROUNDS_COUNT];
    let mut r = 0;
    while r < SPARSE_ROUNDS_COUNT {
        let mut i = 0;
        while i < 4 {
            let limbs = limb29::scaled_words(&SPARSE_WORDS.1[r][i]).0;
            let mut k = 0;
            while k < N {
                out[r][i][k] = limbs[k] as u32;
                k += 1;
            }
            i += 1;
        }
        r += 1;
    }
    out
};

/// The limbs of `m00`, pre-scaled: the first entry of every sparse matrix.
const M00_LIMBS: [u64; N] = limb29::scaled_words(&M[0][0]).0;

/// 32-bit limbs as 64-bit ones.
#[inline(always)]
fn widen(l: &[u32; N]) -> [u64; N] {
    [
        l[0] as u64,
        l[1] as u64,
        l[2] as u64,
        l[3] as u64,
        l[4] as u64,
        l[5] as u64,
        l[6] as u64,
        l[7] as u64,
        l[8] as u64,
    ]
}

/// A partial round's sparse matrix times the state, in place: `x0 = state[0]`
/// becomes `m00 x0 + ŵ (state[1], state[2])`, `state[i]` becomes
/// `state[i] + u_i x0` ([`SPARSE_WORDS`]; `m` is the round's `[ŵ, u]`).
/// `state[0]` normalized; the two others as [`limb29::add_product`] takes and
/// returns them.
#[inline(never)]
fn sparse_mix(state: &mut [Fe29; 3], m: &[[u32; N]; 4]) {
    let (x0, x1, x2) = (state[0].0, state[1].0, state[2].0);
    // Each constant's limbs are read once, as 32-bit words.
    let (w0, w1, u0, u1) = (widen(&m[0]), widen(&m[1]), widen(&m[2]), widen(&m[3]));
    let (mut t0, mut t1, mut t2) = ([0u64; 2 * N - 1], [0u64; 2 * N - 1], [0u64; 2 * N - 1]);
    macro_rules! col {
        ($k:literal) => {
            t0[$k] = column!(M00_LIMBS, x0, $k) + column!(w0, x1, $k) + column!(w1, x2, $k);
            t1[$k] = column!(u0, x0, $k);
            t2[$k] = column!(u1, x0, $k);
        };
    }
    each_column!(col);
    state[0] = reduce(t0);
    state[1] = limb29::add_product(t1, &state[1]);
    state[2] = limb29::add_product(t2, &state[2]);
}

/// The MDS matrix times the state (normalized elements), in place; normalized.
#[inline(never)]
fn mix(state: &mut [Fe29; 3]) {
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
    *state = [reduce(t0), reduce(t1), reduce(t2)];
}

/// `(x + c)^5` for a normalized `x` and canonical words `c`; canonical.
///
/// Three calls of Stylus' `math_mul_mod` host function on big-endian 32-byte
/// values (52,660 ink each on Nitro, less than a Montgomery product in WASM);
/// the conversions to and from big-endian words take ~60 instructions each way.
#[inline(never)]
fn sbox(x: &mut Fe29, c: &Words) {
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
    *x = Fe29::from_words(&[
        t[3].swap_bytes(),
        t[2].swap_bytes(),
        t[1].swap_bytes(),
        t[0].swap_bytes(),
    ]);
}

/// A full round's S-boxes, in place.
#[inline(always)]
fn sboxes(state: &mut [Fe29; 3], c: &[Words; 3]) {
    sbox(&mut state[0], &c[0]);
    sbox(&mut state[1], &c[1]);
    sbox(&mut state[2], &c[2]);
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
    // Every step works on the state in place: a copy of an element through
    // `memory.copy` costs 100 ink a byte on Stylus.
    let mut state = [Fe29::ZERO, *a, *b];
    let (before, after) = FULL_CONSTANTS.split_at(FULL_ROUNDS / 2);
    let (last_before, before) = before.split_last().expect("four full rounds");
    for c in before {
        sboxes(&mut state, c);
        mix(&mut state);
    }
    sboxes(&mut state, last_before);
    let s = state;
    state = [
        dot3(&FIRST_MIX[0], &s),
        dot3(&FIRST_MIX[1], &s),
        dot3(&FIRST_MIX[2], &s),
    ];
    // Sparse partial rounds: the second and third elements stay below
    // p + 2^251 + R 2^247 < 2^255 (limb29::add_product), as it and the next
    // S-box need.
    let (sparse, dense) = PARTIAL_CONSTANTS.split_at(SPARSE_ROUNDS_COUNT);
    for (c, m) in sparse.iter().zip(&SPARSE_ROUNDS) {
        sbox(&mut state[0], c);
        sparse_mix(&mut state, m);
    }
    for c in dense {
        sbox(&mut state[0], c);
        mix(&mut state);
    }
    for c in after {
        sboxes(&mut state, c);
        mix(&mut state);
    }
    state[0]
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)] // rounds and matrix entries index several arrays
mod tests {
    extern crate std;

    use super::*;
    use alloy_primitives::U256;
    use std::vec;

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
            let mut got = state;
            mix(&mut got);
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

    fn words(w: &Words) -> U256 {
        U256::from_limbs(*w)
    }

    /// `a b + c d mod p`.
    fn dot(a: U256, b: U256, c: U256, d: U256) -> U256 {
        a.mul_mod(b, p()).add_mod(c.mul_mod(d, p()), p())
    }

    #[test]
    fn the_sparse_matrices_factor_the_partial_rounds() {
        // Each round's S_r D_r is D_{r+1} M (M for the last), with D_r = diag(1, Â^(R - r)),
        // so the rounds' product equals R multiplications by M.
        let m = |i: usize, j: usize| words(&M[i][j]);
        let count = SPARSE_ROUNDS_COUNT;
        // Powers of Â, as 2x2 matrices of U256.
        let ah = [[m(1, 1), m(1, 2)], [m(2, 1), m(2, 2)]];
        let mat = |x: [[U256; 2]; 2], y: [[U256; 2]; 2]| {
            let e = |i: usize, j: usize| dot(x[i][0], y[0][j], x[i][1], y[1][j]);
            [[e(0, 0), e(0, 1)], [e(1, 0), e(1, 1)]]
        };
        let mut powers = vec![[[U256::from(1u8), U256::ZERO], [U256::ZERO, U256::from(1u8)]]];
        for k in 1..=count {
            powers.push(mat(powers[k - 1], ah));
        }
        for r in 0..count {
            let [w0, w1, u0, u1] = SPARSE_WORDS.1[r].map(|w| words(&w));
            // S_r D_r = [[m00, ŵ^T Â^k], [u, Â^k]], k = R - r.
            let d = powers[count - r];
            let row0 = [
                m(0, 0),
                dot(w0, d[0][0], w1, d[1][0]),
                dot(w0, d[0][1], w1, d[1][1]),
            ];
            // D_{r+1} M = [[m00, a^T], [Â^j b, Â^j Â]], j = R - r - 1.
            let j = powers[count - r - 1];
            let b = [
                dot(j[0][0], m(1, 0), j[0][1], m(2, 0)),
                dot(j[1][0], m(1, 0), j[1][1], m(2, 0)),
            ];
            assert_eq!(row0, [m(0, 0), m(0, 1), m(0, 2)], "round {r}: first row");
            assert_eq!([u0, u1], b, "round {r}: first column");
            assert_eq!(d, mat(j, ah), "round {r}: Â block");
        }
        // The last full round before them: diag(1, Â^R) M.
        let first = SPARSE_WORDS.0;
        let d = powers[count];
        for col in 0..3 {
            assert_eq!(words(&first[0][col]), m(0, col));
            for row in 0..2 {
                assert_eq!(
                    words(&first[row + 1][col]),
                    dot(d[row][0], m(1, col), d[row][1], m(2, col))
                );
            }
        }
    }

    /// The scaled constants of round `r`, as plain values.
    fn round_constants(r: usize) -> [U256; 4] {
        let scale_inverse = {
            let half: U256 = (p() + U256::from(1u8)) >> 1;
            half.pow_mod(U256::from(261u32), p())
        };
        SPARSE_ROUNDS[r].map(|l| value(&Fe29(l.map(u64::from))).mul_mod(scale_inverse, p()))
    }

    #[test]
    fn sparse_rounds_of_extreme_inputs_agree_with_big_integer_arithmetic_and_stay_bounded() {
        let top = max_top();
        let mut max = Fe29([(1 << 29) - 1; N]);
        max.0[N - 1] = top;
        let one = Fe29::from_words(&[1, 0, 0, 0]);
        for start in [[max; 3], [max, one, max], [Fe29::ZERO, max, max]] {
            let mut state = start;
            let mut want: [U256; 3] = start.map(|x| value(&x) % p());
            for r in 0..SPARSE_ROUNDS_COUNT {
                // Whatever the S-box returned: keep the first element at its largest.
                state[0] = max;
                want[0] = value(&max) % p();
                sparse_mix(&mut state, &SPARSE_ROUNDS[r]);
                let [w0, w1, u0, u1] = round_constants(r);
                let m00 = words(&M[0][0]);
                want = [
                    m00.mul_mod(want[0], p())
                        .add_mod(dot(w0, want[1], w1, want[2]), p()),
                    want[1].add_mod(u0.mul_mod(want[0], p()), p()),
                    want[2].add_mod(u1.mul_mod(want[0], p()), p()),
                ];
                for (i, x) in state.iter().enumerate() {
                    assert!(x.0.iter().all(|&l| l < 1 << 29), "round {r} element {i}");
                    assert_eq!(value(x) % p(), want[i], "round {r} element {i}");
                }
                assert!(value(&state[0]) < p() + (U256::from(1u8) << 251));
                // The bound of limb29::add_product after r + 1 steps.
                let bound = p()
                    + (U256::from(1u8) << 251)
                    + U256::from(r as u64 + 1) * (U256::from(1u8) << 247);
                assert!(
                    value(&state[1]) < bound && value(&state[2]) < bound,
                    "round {r}"
                );
            }
        }
    }

    #[test]
    fn add_product_subtracts_p_only_as_far_as_the_value_allows() {
        // y near each threshold of the top limb, c x = 0: the result is y, y - p or y - 2p.
        let p = p();
        for y in [
            p - U256::from(1u8),
            p,
            (U256::from(0x30644fu64) << 232) - U256::from(1u8),
            U256::from(0x30644fu64) << 232,
            (U256::from(0x70644fu64) << 232) - U256::from(1u8),
            U256::from(0x70644fu64) << 232,
            (U256::from(1u8) << 255) - U256::from(1u8),
        ] {
            let limbs = Fe29(core::array::from_fn(|i| {
                ((y >> (29 * i)) & U256::from((1u64 << 29) - 1)).to::<u64>()
            }));
            let got = value(&limb29::add_product([0; 2 * N - 1], &limbs));
            assert_eq!(got % p, y % p);
            assert!(
                got < p + (U256::from(1u8) << 232) || got <= y - p,
                "y = {y:#x}: {got:#x}"
            );
        }
    }

    #[test]
    fn sbox_of_extreme_inputs_agrees_with_big_integer_arithmetic() {
        let top = max_top();
        let mut max = Fe29([(1 << 29) - 1; N]);
        max.0[N - 1] = top;
        let c = (p() - U256::from(1u8)).into_limbs();
        let y = (value(&max) + U256::from_limbs(c)) % p();
        let mut got = max;
        sbox(&mut got, &c);
        assert_eq!(value(&got), y.pow_mod(U256::from(5u8), p()));
    }
}

//! circom-compatible Poseidon over BN254 for one and two inputs.
//!
//! Same permutation as circomlib's reference `Poseidon(n)` and `poseidon-rs`:
//! the state starts as `[0, inputs..]`, each of `8 + R_P` rounds adds the round
//! constants, applies `x^5` (to every element in the 4 first and 4 last rounds,
//! to the first element only in the partial rounds in between) and multiplies by
//! the MDS matrix; the hash is the first state element.

mod constants;

use constants::{
    T2_MDS, T2_PARTIAL_ROUNDS, T2_ROUND_CONSTANTS, T3_MDS, T3_PARTIAL_ROUNDS, T3_ROUND_CONSTANTS,
};

use crate::field::Fe;

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
    let mut state = [Fe::ZERO, *a, *b];
    permute(&mut state, &T3_ROUND_CONSTANTS, &T3_MDS, T3_PARTIAL_ROUNDS);
    state[0]
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

// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

import "poseidon-solidity/PoseidonT3.sol";

/// @title PoseidonMerkleT3
/// @notice Solidity reference of zkMLTrack's Stylus DatasetVerifier, for the gas
/// benchmark `sdk/examples/bench_poseidon_merkle.rs`: the same ABI
/// (`contracts/abi/DatasetVerifier.sol`), the same checks in the same order, the
/// same answers. Poseidon is `poseidon-solidity`'s `PoseidonT3` (circom's
/// two-input Poseidon), a library with a `public` function: it is deployed once
/// and linked, so every hash is a DELEGATECALL to it (its assembly ends in
/// `return`, so it cannot be inlined as an internal function). The benchmark
/// builds the library without the optimizer, which makes its hand-written
/// assembly 60% more expensive, and this contract with it.
///
/// Conventions (see `zkmltrack::hashing`): field elements are 32 big-endian
/// bytes below the BN254 scalar modulus, non-canonical values are rejected;
/// a row's leaf is `acc = H(LEAF_DOMAIN, n + 1); acc = H(acc, x_i); leaf = H(acc, label)`;
/// the tree is `rs_merkle`'s (odd last node promoted, proofs bottom-up without an
/// entry for promoted layers, the index bits choose left or right).
///
/// The arrays are decoded into memory (as the Stylus program decodes them into
/// vectors): with calldata arrays the legacy code generator runs out of stack
/// slots, and solc-js runs out of memory compiling PoseidonT3 with `viaIR`.
contract PoseidonMerkleT3 {
    /// The BN254 scalar field modulus.
    uint256 internal constant P =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// ASCII `zkmltrack.leaf.v1` as a big-endian integer.
    uint256 internal constant LEAF_DOMAIN = 0x7a6b6d6c747261636b2e6c6561662e7631;

    /// Status code: every row is in the tree.
    uint256 internal constant ROWS_VALID = 0;
    /// Status code: a feature is not a field element (detail: its position).
    uint256 internal constant FEATURE_NOT_A_FIELD_ELEMENT = 1;
    /// Status code: a row's path does not lead to the root (detail: dataset index).
    uint256 internal constant ROW_NOT_IN_TREE = 2;
    /// Status code: the argument lengths disagree (detail: 0).
    uint256 internal constant MALFORMED_ROWS = 3;

    /// @notice Checks that rows are leaves of the `datasetSize`-leaf tree with
    /// root `root`: row `j` is at `indices[j]`, its features are
    /// `features[j * featureCount..][..featureCount]`, its label `labels[j]`,
    /// and the rows' paths are packed back to back in `proofs`.
    /// @return A status word `code << 64 | detail`, as DatasetVerifier answers.
    function verifyRows(
        bytes32 root,
        uint64 datasetSize,
        uint32 featureCount,
        uint64[] memory indices,
        uint32[] memory labels,
        uint256[] memory features,
        bytes32[] memory proofs
    ) external view returns (uint256) {
        if (indices.length != labels.length || features.length != indices.length * featureCount) {
            return _status(MALFORMED_ROWS, 0);
        }
        uint256 cursor;
        for (uint256 j; j < indices.length; ) {
            uint256 status;
            (status, cursor) =
                _checkRow(root, datasetSize, indices[j], labels[j], features, j * featureCount, featureCount, proofs, cursor);
            if (status != ROWS_VALID) {
                return status;
            }
            unchecked {
                ++j;
            }
        }
        if (cursor != proofs.length) {
            return _status(MALFORMED_ROWS, 0);
        }
        return _status(ROWS_VALID, 0);
    }

    /// @notice The dataset leaf of a row (zero if a feature is not a field element).
    function leafHash(uint256[] memory features, uint32 label) external view returns (bytes32) {
        if (_firstNonCanonical(features, 0, features.length) != type(uint256).max) {
            return bytes32(0);
        }
        return bytes32(_leaf(features, 0, features.length, label));
    }

    /// @notice circom Poseidon of two field elements, the Merkle node hash (zero
    /// if an input is not a field element).
    function poseidon2(bytes32 left, bytes32 right) external view returns (bytes32) {
        if (uint256(left) >= P || uint256(right) >= P) {
            return bytes32(0);
        }
        return bytes32(_hash(uint256(left), uint256(right)));
    }

    /// Checks the row `features[first..first + count]` with `label` at `index` of
    /// the `leaves`-leaf tree with root `root`, its path starting at
    /// `proofs[cursor]`; returns the row's status and where the next path starts.
    function _checkRow(
        bytes32 root,
        uint256 leaves,
        uint256 index,
        uint256 label,
        uint256[] memory features,
        uint256 first,
        uint256 count,
        bytes32[] memory proofs,
        uint256 cursor
    ) internal view returns (uint256 status, uint256 next) {
        uint256 bad = _firstNonCanonical(features, first, count);
        if (bad != type(uint256).max) {
            return (_status(FEATURE_NOT_A_FIELD_ELEMENT, bad), cursor);
        }
        (uint256 node, uint256 end) = _rootFromProof(_leaf(features, first, count, label), index, leaves, proofs, cursor);
        if (end == type(uint256).max || bytes32(node) != root) {
            return (_status(ROW_NOT_IN_TREE, index), cursor);
        }
        return (ROWS_VALID, end);
    }

    function _hash(uint256 left, uint256 right) internal view returns (uint256) {
        return PoseidonT3.hash([left, right]);
    }

    /// Position of the first of `values[first..first + count]` not below the
    /// modulus, or `type(uint256).max`.
    function _firstNonCanonical(uint256[] memory values, uint256 first, uint256 count)
        internal
        pure
        returns (uint256)
    {
        for (uint256 k = first; k < first + count; ) {
            if (values[k] >= P) {
                return k;
            }
            unchecked {
                ++k;
            }
        }
        return type(uint256).max;
    }

    /// The leaf of the row `values[first..first + count]` with `label`.
    function _leaf(uint256[] memory values, uint256 first, uint256 count, uint256 label)
        internal
        view
        returns (uint256 acc)
    {
        acc = _hash(LEAF_DOMAIN, count + 1);
        for (uint256 k = first; k < first + count; ) {
            acc = _hash(acc, values[k]);
            unchecked {
                ++k;
            }
        }
        acc = _hash(acc, label);
    }

    /// Walks the path `proof[cursor..]` from `leaf` at `index` of a `leaves`-leaf
    /// tree to the root; returns the root and the position after the path, or
    /// `type(uint256).max` as that position if the path cannot be walked (index
    /// out of range, too few hashes, a hash not a field element).
    function _rootFromProof(uint256 leaf, uint256 index, uint256 leaves, bytes32[] memory proof, uint256 cursor)
        internal
        view
        returns (uint256 node, uint256 end)
    {
        if (index >= leaves) {
            return (0, type(uint256).max);
        }
        node = leaf;
        end = cursor;
        uint256 len = leaves;
        while (len > 1) {
            bool isRight = index & 1 == 1;
            if (isRight || index + 1 < len) {
                if (end >= proof.length) {
                    return (0, type(uint256).max);
                }
                uint256 sibling = uint256(proof[end]);
                if (sibling >= P) {
                    return (0, type(uint256).max);
                }
                unchecked {
                    ++end;
                }
                node = isRight ? _hash(sibling, node) : _hash(node, sibling);
            }
            index >>= 1;
            len = (len + 1) >> 1;
        }
    }

    function _status(uint256 code, uint256 detail) internal pure returns (uint256) {
        return code << 64 | detail;
    }
}

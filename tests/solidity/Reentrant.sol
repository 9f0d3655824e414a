// SPDX-License-Identifier: MIT
// Hostile contracts of the reentrancy attack tests (attack-tests/tests/reentrancy.rs).
pragma solidity ^0.8.20;

interface ITaskController {
    function fulfillRandomness(uint64 evaluationId, uint256 randomness) external;
    function openEvaluation(uint64 taskId, uint64 versionId) external returns (uint64);
    function draw(uint64 evaluationId) external;
}

/// A randomness provider that calls back into the controller from inside
/// `requestRandomness` (the controller's `openEvaluation` is still running),
/// records whether that worked, and fulfils properly later on request.
contract ReentrantProvider {
    ITaskController public immutable controller;
    uint64 public requested;
    bool public fulfilledInside;
    bool public reopenedInside;
    bytes public fulfilError;

    constructor(ITaskController controller_) {
        controller = controller_;
    }

    function requestRandomness(uint64 evaluationId) external {
        requested = evaluationId;
        (bool ok, bytes memory ret) = address(controller).call(
            abi.encodeCall(ITaskController.fulfillRandomness, (evaluationId, 42))
        );
        fulfilledInside = ok;
        fulfilError = ret;
        (ok, ) = address(controller).call(abi.encodeCall(ITaskController.openEvaluation, (1, 1)));
        reopenedInside = ok;
    }

    function fulfil(uint64 evaluationId, uint256 randomness) external {
        controller.fulfillRandomness(evaluationId, randomness);
    }
}

/// A plain "verifier" that tries to change the controller's state while
/// verifying (a draw), and accepts the proof only if that worked.
contract ReentrantVerifier {
    ITaskController public immutable controller;
    uint64 public immutable victim;

    constructor(ITaskController controller_, uint64 victim_) {
        controller = controller_;
        victim = victim_;
    }

    function verifyProof(bytes calldata, uint256[] calldata) external returns (bool) {
        (bool ok, ) = address(controller).call(abi.encodeCall(ITaskController.draw, (victim)));
        return ok;
    }
}

interface IVerifierRouter {
    function addReusableRoute(address verifier, address vkaStore, bytes32 vkaDigest, bytes32 packageHash, bytes calldata packageUri) external returns (uint64);
}

/// A "reusable verifier" whose `registerVka` (which the router calls, a
/// mutable call, when a stored-VKA route is added) tries to add another route
/// from inside that call, and records whether that worked.
contract ReentrantVkaVerifier {
    IVerifierRouter public immutable router;
    bool public registered;
    bool public reenteredInside;

    constructor(IVerifierRouter router_) {
        router = router_;
    }

    function registerVka(bytes32[] calldata) external returns (bytes32) {
        registered = true;
        (bool ok, ) = address(router).call(
            abi.encodeCall(IVerifierRouter.addReusableRoute, (address(this), address(0), bytes32(uint256(1)), bytes32(uint256(2)), bytes("reentrant")))
        );
        reenteredInside = ok;
        return bytes32(0);
    }

    function verifyProof(bytes calldata, uint256[] calldata, bytes32[] calldata) external pure returns (bool) {
        return false;
    }
}

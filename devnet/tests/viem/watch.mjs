// viem's watchers against the devnet over WebSocket (viem, pinned in tools/package.json).
// Run by devnet/tests/transport.rs:
//
//   node devnet/tests/viem/watch.mjs <ws-url> <contract> <blocks> <logs>
//
// Watches new blocks (`watchBlocks`: eth_subscribe newHeads) and the contract's logs
// (`watchEvent`: eth_subscribe logs), prints "ready" once both subscriptions are made,
// then, when it has seen <blocks> blocks and <logs> logs, one JSON line
// {"blocks": [{number, hash}], "logs": [{address, blockNumber, transactionHash}]} and
// exits. Exits non-zero after 60 s without them.
import { createRequire } from "node:module";

const require = createRequire(new URL("../../../tools/package.json", import.meta.url));
const { createPublicClient, webSocket } = require("viem");

const [url, contract, wantBlocks, wantLogs] = process.argv.slice(2);
const client = createPublicClient({ transport: webSocket(url) });
const blocks = [];
const logs = [];
const finish = () => {
  if (blocks.length >= Number(wantBlocks) && logs.length >= Number(wantLogs)) {
    console.log(JSON.stringify({ blocks, logs }));
    process.exit(0);
  }
};
const fail = (what) => (error) => {
  console.error(`${what}: ${error}`);
  process.exit(1);
};
client.watchBlocks({
  onBlock: (b) => {
    blocks.push({ number: Number(b.number), hash: b.hash });
    finish();
  },
  onError: fail("watchBlocks"),
});
client.watchEvent({
  address: contract,
  onLogs: (ls) => {
    for (const l of ls) {
      logs.push({ address: l.address, blockNumber: Number(l.blockNumber), transactionHash: l.transactionHash });
    }
    finish();
  },
  onError: fail("watchEvent"),
});
// viem subscribes asynchronously, on the one socket every request of this client uses,
// and the devnet answers a session's messages in order: once requests sent after the
// watchers' eth_subscribe calls are answered, so are those.
await client.getBlockNumber();
await new Promise((resolve) => setTimeout(resolve, 300));
await client.getBlockNumber();
console.log("ready");
setTimeout(() => fail("timeout")(`saw ${blocks.length} blocks and ${logs.length} logs in 60 s`), 60_000);

// The L4 load balancer on the model (the same checks run on the kernel in
// test/harness/dcos/dcos-lb-kernel.test.ts).
import { describe, it } from 'vitest';
import { walkDcos } from '../../../model/dcos/dcos-walk.ts';
import {
  type LbTarget,
  checkDrain,
  checkHairpin,
  checkLeastConnection,
  checkRemoteReply,
  checkUnreachable,
  freshCluster,
} from './dcos-lb-checks.ts';

function model(): LbTarget {
  const cp = freshCluster();
  return { cp, walk: (from, frame) => walkDcos(cp, from, frame) };
}

describe('L4 load balancer on the model', () => {
  it('drain: weight 0 takes no new connections, established ones continue', () => checkDrain(model()));
  it('weighted least connection, ties by slot, FIN/RST free a connection', () => checkLeastConnection(model()));
  it('hairpin: masqueraded as the bridge gateway 9.0.X.1, replies un-NATed', () => checkHairpin(model()));
  it('a remote backend sees the client; its reply is un-NATed on the client agent', () => checkRemoteReply(model()));
  it('unreachable agents: their backends left out unless all are', () => checkUnreachable(model()));
});

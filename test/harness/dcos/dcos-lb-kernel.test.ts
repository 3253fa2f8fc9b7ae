// The L4 load balancer on the kernel: the checks of test/model/dcos/dcos-lb-checks.ts, each
// hop run by dcos.o (one loaded instance per agent), control-plane changes synced to the
// kernel's maps before every walk, learnt state the kernel's own.
import { afterEach, it } from 'vitest';
import { DcosKernelCluster } from '../../../harness/dataplane/dcos-cluster.ts';
import { describeBpf } from '../../support/bpf-gate.ts';
import {
  type LbTarget,
  checkDrain,
  checkHairpin,
  checkLeastConnection,
  checkRemoteReply,
  checkUnreachable,
  freshCluster,
} from '../../model/dcos/dcos-lb-checks.ts';

describeBpf('L4 load balancer on the kernel', () => {
  let k: DcosKernelCluster | undefined;
  afterEach(() => {
    k?.close();
    k = undefined;
  });
  function kernel(): LbTarget {
    const cp = freshCluster();
    k = new DcosKernelCluster(cp);
    const kc = k;
    return { cp, walk: (from, frame) => kc.walk(from, frame) };
  }

  it('drain: weight 0 takes no new connections, established ones continue', () => checkDrain(kernel()));
  it('weighted least connection, ties by slot, FIN/RST free a connection', () => checkLeastConnection(kernel()));
  it('hairpin: masqueraded as the bridge gateway 9.0.X.1, replies un-NATed', () => checkHairpin(kernel()));
  it('a remote backend sees the client; its reply is un-NATed on the client agent', () => checkRemoteReply(kernel()));
  it('unreachable agents: their backends left out unless all are', () => checkUnreachable(kernel()));
});

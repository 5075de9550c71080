import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BACKGROUND, INTERACTIVE, JobQueue, NORMAL, type Priority } from '../../../src/host/jobQueue';
import { prng } from '../../fuzz/mutate';

interface Item { job: { uri?: string; n: number }; priority: Priority }

describe('the host\'s job queue', () => {
  it('takes interactive jobs first, then normal, then background, first come first served within each', () => {
    const q = new JobQueue<Item>();
    const item = (n: number, priority: Priority, uri?: string): Item => ({ job: { n, ...(uri ? { uri } : {}) }, priority });
    q.push(item(1, BACKGROUND));
    q.push(item(2, NORMAL, 'a'));
    q.push(item(3, NORMAL, 'b'));
    q.push(item(4, INTERACTIVE));
    q.push(item(5, NORMAL, 'c'));
    // An interactive job for b raises b's earlier job with it, ahead of a's and c's.
    q.push(item(6, INTERACTIVE, 'b'));
    const order: number[] = [];
    for (let next = q.shift(); next; next = q.shift()) order.push(next.job.n);
    assert.deepEqual(order, [4, 3, 6, 2, 5, 1]);
    assert.equal(q.length, 0);
  });

  it('random pushes, raises and removals: each document\'s jobs come out in order, always the most urgent first', () => {
    const random = prng(20261206);
    const q = new JobQueue<Item>();
    const live = new Set<Item>();
    const lastTaken = new Map<string, number>();
    for (let step = 0, n = 0; step < 20_000; step++) {
      const roll = random();
      if (roll < 0.5) {
        const uri = random() < 0.8 ? `u${Math.floor(random() * 30)}` : undefined;
        const it: Item = { job: { n: n++, ...(uri ? { uri } : {}) }, priority: Math.floor(random() * 3) as Priority };
        q.push(it);
        live.add(it);
      } else if (roll < 0.6) {
        q.raise(`u${Math.floor(random() * 30)}`, Math.floor(random() * 3) as Priority);
      } else if (roll < 0.7 && live.size) {
        const victim = [...live][Math.floor(random() * live.size)];
        assert.equal(q.remove(victim), true);
        assert.equal(q.remove(victim), false);
        live.delete(victim);
      } else {
        const taken = q.shift();
        if (!taken) { assert.equal(live.size, 0); continue; }
        assert.ok(live.delete(taken), 'a job taken once');
        for (const other of live) assert.ok(other.priority >= taken.priority, 'nothing more urgent was waiting');
        const uri = taken.job.uri;
        if (uri) {
          assert.ok((lastTaken.get(uri) ?? -1) < taken.job.n, `${uri}'s jobs in order`);
          lastTaken.set(uri, taken.job.n);
        }
      }
      assert.equal(q.length, live.size);
    }
  });
});

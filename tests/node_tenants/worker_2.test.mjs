import { test } from 'node:test';
import { tenantCase } from './tenant_case.mjs';

test('worker 2: its own tenant sees only its own traffic', { concurrency: true }, async (t) => {
  await Promise.all([
    t.test('a', () => tenantCase('w2-a', 4)),
    t.test('b', () => tenantCase('w2-b', 6)),
  ]);
});

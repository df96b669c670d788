import { test } from 'node:test';
import { tenantCase } from './tenant_case.mjs';

test('worker 4: its own tenant sees only its own traffic', { concurrency: true }, async (t) => {
  await Promise.all([
    t.test('a', () => tenantCase('w4-a', 6)),
    t.test('b', () => tenantCase('w4-b', 8)),
  ]);
});

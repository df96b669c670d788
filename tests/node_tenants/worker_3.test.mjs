import { test } from 'node:test';
import { tenantCase } from './tenant_case.mjs';

test('worker 3: its own tenant sees only its own traffic', { concurrency: true }, async (t) => {
  await Promise.all([
    t.test('a', () => tenantCase('w3-a', 5)),
    t.test('b', () => tenantCase('w3-b', 7)),
  ]);
});

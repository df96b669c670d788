import { test } from 'node:test';
import { tenantCase } from './tenant_case.mjs';

test('worker 1: its own tenant sees only its own traffic', { concurrency: true }, async (t) => {
  await Promise.all([
    t.test('a', () => tenantCase('w1-a', 3)),
    t.test('b', () => tenantCase('w1-b', 5)),
  ]);
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as incubating from '@opentelemetry/semantic-conventions/incubating';
import * as ours from '../../src/telemetry/semconv.js';

describe('semantic-convention names', () => {
  it('every constant is the @opentelemetry/semantic-conventions constant of the same name', () => {
    const published = incubating as unknown as Record<string, unknown>;
    const names = Object.keys(ours);
    assert.ok(names.length >= 20);
    for (const name of names) {
      assert.ok(name in published, `${name} is published`);
      assert.equal((ours as Record<string, unknown>)[name], published[name], name);
    }
  });
});

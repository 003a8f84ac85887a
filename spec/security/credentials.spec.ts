import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import type { MQClientError } from '../../src/errors.js';
import { CredentialsProvider, resolveCredentialsOption, type Credentials } from '../../src/security/credentials.js';
import { Redacted } from '../../src/security/redacted.js';
import { resolveTlsOption } from '../../src/security/tls-options.js';

const SECRET = 'pr1vate-Secret-Value';

function printouts(value: unknown): string[] {
  return [inspect(value, { depth: 10, showHidden: true }), JSON.stringify(value) ?? '', String(value), JSON.stringify({ ...(value as object) })];
}

describe('Redacted', () => {
  it('never prints its value: inspect (showHidden), JSON, String, spread', () => {
    const holder = new Redacted({ secretKey: SECRET }, 'accessKey=ak');
    for (const text of printouts(holder)) assert.ok(!text.includes(SECRET), text);
    assert.equal(holder.reveal().secretKey, SECRET);
  });
});

describe('resolveCredentialsOption', () => {
  it('keeps a frozen copy, shows only the AccessKey, refuses incomplete credentials without naming the secret', () => {
    const given = { accessKey: 'ak1234567', secretKey: SECRET };
    const resolved = resolveCredentialsOption(given);
    given.secretKey = 'changed';
    assert.equal((resolved.reveal() as Credentials).secretKey, SECRET);
    assert.ok(inspect(resolved).includes('ak1234567'));
    for (const bad of [{ accessKey: 'ak' }, { secretKey: SECRET }, { accessKey: '', secretKey: SECRET }, 'x', { accessKey: 'a', secretKey: 's', securityToken: 5 }]) {
      assert.throws(
        () => resolveCredentialsOption(bad),
        (error: Error & { code?: string; option?: string }) => error.code === 'RMQ_ERR_INVALID_OPTION' && error.option === 'credentials' && !error.message.includes(SECRET),
      );
    }
  });
});

describe('resolveTlsOption', () => {
  it('true → system CAs; options pass through; a client key never prints', () => {
    assert.equal(resolveTlsOption(false), null);
    assert.deepEqual(resolveTlsOption(true)!.reveal(), {});
    const tls = resolveTlsOption({ ca: 'CA-PEM', key: SECRET, servername: 'broker.example', rejectUnauthorized: false })!;
    assert.equal(tls.reveal().key, SECRET);
    assert.equal(tls.reveal().servername, 'broker.example');
    for (const text of printouts(tls)) assert.ok(!text.includes(SECRET), text);
    assert.throws(() => resolveTlsOption('yes'), (error: Error & { option?: string }) => error.option === 'tls');
  });
});

describe('CredentialsProvider', () => {
  it('calls a function at start, then at most every interval in the background; a failing refresh keeps the last good', async () => {
    let calls = 0;
    let fail = false;
    const errors: MQClientError[] = [];
    const provider = new CredentialsProvider(
      resolveCredentialsOption(async () => {
        calls += 1;
        if (fail) throw new Error('STS down');
        return { accessKey: `ak-${calls}`, secretKey: `sk-${calls}` };
      }),
      { refreshIntervalMillis: 40, onRefreshError: (error) => errors.push(error) },
    );
    assert.throws(() => provider.current(), (error: Error & { code?: string }) => error.code === 'RMQ_ERR_CREDENTIALS');
    const startedAt = performance.now();
    await provider.start();
    assert.equal(calls, 1);
    assert.equal(provider.current().accessKey, 'ak-1');
    while (calls < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setImmediate(resolve));
    const afterWait = calls;
    // At most one call per 40 ms interval after the first (timers may run late on a busy machine, never early).
    assert.ok(afterWait <= 2 + Math.floor((performance.now() - startedAt) / 40), String(afterWait));
    assert.equal(provider.current().accessKey, `ak-${afterWait}`);
    fail = true;
    assert.equal(await provider.refresh(), false);
    assert.equal(provider.current().accessKey, `ak-${afterWait}`);
    assert.ok(errors.length >= 1);
    assert.equal(errors[0]!.code, 'RMQ_ERR_CREDENTIALS');
    assert.equal((errors[0]!.cause as Error).message, 'STS down');
    provider.stop();
    const stoppedAt = calls;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(calls, stoppedAt);
  });

  it('fails start() when the function fails or returns invalid credentials', async () => {
    const failing = new CredentialsProvider(resolveCredentialsOption(() => Promise.reject(new Error('no'))), {
      refreshIntervalMillis: 1000,
      onRefreshError: () => undefined,
    });
    await assert.rejects(failing.start(), (error: Error & { code?: string }) => error.code === 'RMQ_ERR_CREDENTIALS');
    const invalid = new CredentialsProvider(resolveCredentialsOption(() => ({ accessKey: 'a' }) as unknown as Credentials), {
      refreshIntervalMillis: 1000,
      onRefreshError: () => undefined,
    });
    await assert.rejects(invalid.start(), (error: Error & { code?: string }) => error.code === 'RMQ_ERR_CREDENTIALS');
  });
});

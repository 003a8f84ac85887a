import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeFrame, encodeFrame } from '../../src/remoting/frame-codec.js';
import { createRequest } from '../../src/remoting/remoting-command.js';
import { AclSigningHook, aclSignature } from '../../src/security/acl-signer.js';
import { GOLDEN_DIR, goldenFile } from '../helpers/golden.js';

interface Meta {
  accessKey: string | null;
  secretKeyUsed: string | null;
  signatureOnWire: string | null;
  signedFieldOrder: string[] | null;
  signedContentPrefixUtf8: string | null;
  bodyLength: number;
}

const cases = readdirSync(join(GOLDEN_DIR, 'acl'))
  .filter((name) => name.endsWith('.meta.json'))
  .map((name) => name.slice(0, -'.meta.json'.length))
  .sort();

function golden(name: string): { meta: Meta; request: ReturnType<typeof decodeFrame> } {
  const meta = JSON.parse(goldenFile(`acl/${name}.meta.json`).toString('utf8')) as Meta;
  const frame = goldenFile(`acl/${name}.request.frame.bin`);
  return { meta, request: decodeFrame(frame) };
}

describe('ACL signing (AclClientRPCHook)', () => {
  it('has every golden case', () => {
    assert.equal(cases.length, 7);
  });

  for (const name of cases) {
    const { meta, request } = golden(name);
    if (meta.secretKeyUsed === null || meta.signatureOnWire === null) continue;
    it(`reproduces the Java signature of ${name} byte for byte`, () => {
      const ext = request.extFields!;
      assert.equal(ext.Signature, meta.signatureOnWire);
      assert.equal(aclSignature(ext, request.body, meta.secretKeyUsed!), meta.signatureOnWire);
      // The body is part of the signed content: the captured body file is the frame's body.
      assert.deepEqual(request.body, goldenFile(`acl/${name}.request.body.bin`));
      assert.equal(request.body!.length, meta.bodyLength);
    });

    it(`signs the fields of ${name} again, through the RPC hook, to the same bytes`, () => {
      const ext = { ...request.extFields! };
      delete ext.Signature;
      delete ext.AccessKey;
      const fresh = createRequest(request.code, ext, { body: request.body, opaque: request.opaque });
      const hook = new AclSigningHook({ current: () => ({ accessKey: meta.accessKey!, secretKey: meta.secretKeyUsed! }) });
      const body = fresh.body;
      hook.doBeforeRequest('127.0.0.1:10911', fresh);
      // The body is fed to the HMAC as it is: the request keeps the very same buffer.
      assert.equal(fresh.body, body);
      assert.equal(fresh.extFields!.AccessKey, meta.accessKey);
      assert.equal(fresh.extFields!.Signature, meta.signatureOnWire);
      // Signed field order: the TreeMap order of the meta file.
      assert.deepEqual(
        Object.keys(fresh.extFields!).filter((key) => key !== 'Signature').sort(),
        meta.signedFieldOrder,
      );
      const content = meta.signedFieldOrder!.map((key) => fresh.extFields![key]).join('');
      assert.ok(content.startsWith(meta.signedContentPrefixUtf8!));
    });
  }

  it('re-encodes a signed golden request to the captured frame (same header length and body)', () => {
    const { request } = golden('acl_send_v2_rxUser1');
    const frame = goldenFile('acl/acl_send_v2_rxUser1.request.frame.bin');
    const encoded = encodeFrame(request);
    assert.equal(encoded.length, frame.length);
    assert.deepEqual(decodeFrame(encoded).extFields, request.extFields);
  });

  it('adds SecurityToken to the signed content when set and removes a stale one', () => {
    const request = createRequest(310, { a: 'PG', b: 'T' }, { body: Buffer.from('x') });
    let token: string | undefined = 'tok-1';
    const hook = new AclSigningHook({ current: () => ({ accessKey: 'ak', secretKey: 'sk', ...(token === undefined ? {} : { securityToken: token }) }) });
    hook.doBeforeRequest('a:1', request);
    assert.equal(request.extFields!.SecurityToken, 'tok-1');
    assert.equal(request.extFields!.Signature, aclSignature({ AccessKey: 'ak', SecurityToken: 'tok-1', a: 'PG', b: 'T' }, Buffer.from('x'), 'sk'));
    token = undefined;
    hook.doBeforeRequest('a:1', request);
    assert.equal(request.extFields!.SecurityToken, undefined);
    assert.equal(request.extFields!.Signature, aclSignature({ AccessKey: 'ak', a: 'PG', b: 'T' }, Buffer.from('x'), 'sk'));
  });

  it('signs a request without extFields or body (heartbeat-like) over the AccessKey alone', () => {
    const request = createRequest(34, null);
    new AclSigningHook({ current: () => ({ accessKey: 'rxUser1', secretKey: 'rxUserSecret123' }) }).doBeforeRequest('a:1', request);
    assert.equal(request.extFields!.Signature, aclSignature({ AccessKey: 'rxUser1' }, null, 'rxUserSecret123'));
  });
});

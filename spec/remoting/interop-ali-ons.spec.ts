/**
 * Interop with an independent implementation: ali-ons 3.12.0's `RemotingCommand` (JSON headers only, version 121,
 * numbers unquoted in extFields).
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { decodeFrame, encodeFrame } from '../../src/remoting/frame-codec.js';
import { FrameDecoder } from '../../src/remoting/frame-decoder.js';
import { createRequest, createResponse, isOneway, isResponse, SerializeType } from '../../src/remoting/remoting-command.js';

interface AliCommand {
  code: number;
  flag: number;
  opaque: number;
  remark?: string;
  extFields: Record<string, unknown>;
  body: Buffer | null | undefined;
  readonly language: string;
  readonly version: number;
  readonly isResponseType: boolean;
  readonly isOnewayRPC: boolean;
  markOnewayRPC(): void;
  encode(): Buffer;
}
interface AliCommandClass {
  new (options: { code: number; customHeader?: Record<string, unknown>; opaque?: number; flag?: number; remark?: string }): AliCommand;
  createRequestCommand(code: number, customHeader: Record<string, unknown>): AliCommand;
  createResponseCommand(code: number, opaque: number, remark?: string): AliCommand;
  decode(packet: Buffer): AliCommand;
}

const require = createRequire(import.meta.url);
const AliRemotingCommand = require('ali-ons/lib/protocol/command/remoting_command.js') as AliCommandClass;

describe('interop with ali-ons RemotingCommand', () => {
  it('ali-ons decodes a request we encode', () => {
    const body = Buffer.from('Hello ünïcödé');
    const ours = createRequest(
      310,
      { a: 'PG', b: 'TopicTest', i: 'KEYS\u0001k1\u0002TAGS\u0001Grüße' },
      { opaque: 4711, body, remark: 'Bemerkung 😀' },
    );
    const theirs = AliRemotingCommand.decode(encodeFrame(ours));
    assert.equal(theirs.code, 310);
    assert.equal(theirs.opaque, 4711);
    assert.equal(theirs.flag, 0);
    assert.equal(theirs.remark, 'Bemerkung 😀');
    assert.deepEqual(theirs.extFields, ours.extFields);
    assert.deepEqual(theirs.body, body);
    assert.equal(theirs.isResponseType, false);
  });

  it('ali-ons decodes a response and a oneway request we encode', () => {
    const response = AliRemotingCommand.decode(
      encodeFrame(createResponse({ opaque: -5, serializeType: SerializeType.JSON }, 17, { remark: 'No topic route info' })),
    );
    assert.equal(response.isResponseType, true);
    assert.equal(response.opaque, -5);
    assert.equal(response.code, 17);
    assert.equal(response.remark, 'No topic route info');
    assert.equal(response.body, undefined);

    const oneway = AliRemotingCommand.decode(encodeFrame(createRequest(37, { commitOrRollback: '8' }, { oneway: true, opaque: 9 })));
    assert.equal(oneway.isOnewayRPC, true);
    assert.equal(oneway.isResponseType, false);
  });

  it('we decode a request ali-ons encodes (numbers and booleans in extFields become strings)', () => {
    const theirs = AliRemotingCommand.createRequestCommand(310, {
      producerGroup: 'PG',
      topic: 'TopicTest',
      queueId: 2,
      bornTimestamp: 1700000000000,
      unitMode: false,
      properties: 'TAGS\u0001Grüße',
    });
    theirs.body = Buffer.from('Hello');
    const frame = theirs.encode();
    const ours = decodeFrame(frame);
    assert.equal(ours.code, 310);
    assert.equal(ours.opaque, theirs.opaque);
    assert.equal(ours.language, 'JAVA');
    assert.equal(ours.version, 121);
    assert.equal(ours.flag, 0);
    assert.equal(isResponse(ours), false);
    assert.deepEqual(ours.extFields, {
      producerGroup: 'PG',
      topic: 'TopicTest',
      queueId: '2',
      bornTimestamp: '1700000000000',
      unitMode: 'false',
      properties: 'TAGS\u0001Grüße',
    });
    assert.deepEqual(ours.body, Buffer.from('Hello'));
  });

  it('we decode a response and a oneway request ali-ons encodes, also through the streaming decoder', () => {
    const response = AliRemotingCommand.createResponseCommand(0, 77, 'fine');
    response.extFields = { msgId: '7F00000100002A9F0000000000001234', queueOffset: 7 };
    const oneway = AliRemotingCommand.createRequestCommand(37, { commitOrRollback: 8 });
    oneway.markOnewayRPC();
    const stream = Buffer.concat([response.encode(), oneway.encode()]);
    const out: ReturnType<typeof decodeFrame>[] = [];
    const decoder = new FrameDecoder();
    for (let i = 0; i < stream.length; i += 3) decoder.push(stream.subarray(i, i + 3), (command) => out.push(command));
    assert.equal(out.length, 2);
    const [ourResponse, ourOneway] = out;
    assert.equal(isResponse(ourResponse!), true);
    assert.equal(ourResponse!.opaque, 77);
    assert.equal(ourResponse!.remark, 'fine');
    assert.deepEqual(ourResponse!.extFields, { msgId: '7F00000100002A9F0000000000001234', queueOffset: '7' });
    assert.equal(isOneway(ourOneway!), true);
    assert.deepEqual(ourOneway!.extFields, { commitOrRollback: '8' });
  });
});

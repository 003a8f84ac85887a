import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BrokerProcessor, type BrokerVersion } from '../../src/embedded/broker-processor.js';
import { MessageStore } from '../../src/embedded/message-store.js';
import { SendOkBinaryFrames, SendOkFrames, type SendOkFields } from '../../src/embedded/send-response.js';
import { encodeBatchBody } from '../../src/message/batch.js';
import { decodeFrame, encodeFrameHead } from '../../src/remoting/frame-codec.js';
import { createRequest, createResponse, SerializeType, type RemotingCommand } from '../../src/remoting/remoting-command.js';
import { RequestCode } from '../../src/remoting/request-code.js';
import { goldenFile } from '../helpers/golden.js';

/** The answer as the processor builds it (field order of each version), for the general encoder. */
function sendOkCommand(version: BrokerVersion, region: string, traceOn: boolean, fields: SendOkFields): RemotingCommand {
  const { queueId, queueOffset, msgId, transactionId, opaque } = fields;
  const trace = String(traceOn);
  const extFields: Record<string, string> =
    version === '5.x'
      ? {
          queueId: String(queueId),
          ...(transactionId === undefined ? {} : { transactionId }),
          msgId,
          TRACE_ON: trace,
          MSG_REGION: region,
          queueOffset: String(queueOffset),
        }
      : { queueId: String(queueId), TRACE_ON: trace, MSG_REGION: region, msgId, queueOffset: String(queueOffset) };
  return createResponse({ opaque, serializeType: SerializeType.JSON }, 0, { extFields, version: version === '5.x' ? 479 : 409 });
}

const hexId = fc.stringMatching(/^[0-9A-F]{32}$/);
const fieldsArbitrary = fc.record({
  queueId: fc.oneof(fc.nat({ max: 15 }), fc.nat()),
  queueOffset: fc.oneof(fc.nat({ max: 1000 }), fc.maxSafeNat()),
  msgId: fc.oneof({ weight: 4, arbitrary: hexId }, { weight: 1, arbitrary: fc.array(hexId, { minLength: 2, maxLength: 80 }).map((ids) => ids.join(',')) }),
  transactionId: fc.option(fc.oneof(hexId, fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })), { nil: undefined }),
  opaque: fc.integer({ min: -2147483648, max: 2147483647 }),
});

describe('send answers from a template', () => {
  it('are byte for byte what encodeFrameHead writes, answer after answer (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<BrokerVersion>('4.9', '5.x'),
        fc.oneof(fc.constant('DefaultRegion'), fc.string({ unit: 'binary' })),
        fc.boolean(),
        fc.array(fieldsArbitrary, { minLength: 1, maxLength: 12 }),
        (version, region, traceOn, answers) => {
          const frames = new SendOkFrames(version, version === '5.x' ? 479 : 409, region, traceOn);
          for (const fields of answers) {
            // Twice: the first may lay out a new template, the second reuses it.
            for (let round = 0; round < 2; round++) {
              const frame = frames.encode(fields);
              const plainTransactionId = fields.transactionId === undefined || version === '4.9' || /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(fields.transactionId);
              if (!plainTransactionId) {
                assert.equal(frame, null);
                continue;
              }
              assert.ok(frame !== null);
              assert.deepEqual(frame, encodeFrameHead(sendOkCommand(version, region, traceOn, fields)));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a shape change (more digits, a longer id list) lays out a new frame, then the old shape works again', () => {
    const frames = new SendOkFrames('4.9', 409, 'DefaultRegion', true);
    const base: SendOkFields = { queueId: 3, queueOffset: 9, msgId: '7F00000100002A9F0000000000000000', transactionId: undefined, opaque: 7 };
    for (const fields of [base, { ...base, queueOffset: 10 }, { ...base, opaque: -1 }, { ...base, msgId: `${base.msgId},${base.msgId}` }, { ...base, queueId: 12 }, base]) {
      assert.deepEqual(frames.encode(fields), encodeFrameHead(sendOkCommand('4.9', 'DefaultRegion', true, fields)));
    }
  });

  it('the captured 4.9.8 answer comes out of the template as captured (offset and id aside)', () => {
    const golden = decodeFrame(goldenFile('send_v2_BenchTopic.response.frame.bin'));
    const frames = new SendOkFrames('4.9', 409, 'DefaultRegion', true);
    const fields: SendOkFields = {
      queueId: Number(golden.extFields!.queueId),
      queueOffset: Number(golden.extFields!.queueOffset),
      msgId: golden.extFields!.msgId!,
      transactionId: undefined,
      opaque: golden.opaque,
    };
    assert.deepEqual(frames.encode(fields), goldenFile('send_v2_BenchTopic.response.frame.bin'));
  });
});

describe('4.9 ROCKETMQ send answers from a template', () => {
  /** 4.9's answer to a ROCKETMQ request: FastCodesHeader fields first, then TRACE_ON and MSG_REGION. */
  function binaryOkCommand(region: string, traceOn: boolean, fields: SendOkFields): RemotingCommand {
    const extFields = { msgId: fields.msgId, queueId: String(fields.queueId), queueOffset: String(fields.queueOffset), TRACE_ON: String(traceOn), MSG_REGION: region };
    return createResponse({ opaque: fields.opaque, serializeType: SerializeType.ROCKETMQ }, 0, { extFields, version: 409 });
  }

  it('are byte for byte what encodeFrameHead writes (fast-check)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant('DefaultRegion'), fc.string({ unit: 'grapheme' })), fc.boolean(), fc.array(fieldsArbitrary, { minLength: 1, maxLength: 6 }), (region, traceOn, answers) => {
        const frames = new SendOkBinaryFrames(409, region, traceOn);
        for (const fields of answers) assert.deepEqual(frames.encode(fields), encodeFrameHead(binaryOkCommand(region, traceOn, fields)));
      }),
      { numRuns: 300 },
    );
  });

  it('writes the Java layout: int16 code, language, int16 version, opaque, flag, no remark, then the entries', () => {
    const frame = new SendOkBinaryFrames(409, 'R', true).encode({ queueId: 2, queueOffset: 7, msgId: 'AB', transactionId: undefined, opaque: 5 })!;
    const entry = (k: string, v: string): string => k.length.toString(16).padStart(4, '0') + Buffer.from(k).toString('hex') + v.length.toString(16).padStart(8, '0') + Buffer.from(v).toString('hex');
    const entries = entry('msgId', 'AB') + entry('queueId', '2') + entry('queueOffset', '7') + entry('TRACE_ON', 'true') + entry('MSG_REGION', 'R');
    const header = '0000' + '00' + '0199' + '00000005' + '00000001' + '00000000' + (entries.length / 2).toString(16).padStart(8, '0') + entries;
    const length = header.length / 2;
    assert.equal(frame.toString('hex'), (4 + length).toString(16).padStart(8, '0') + '01' + length.toString(16).padStart(6, '0') + header);
  });
});

describe('BrokerProcessor.encodeResponse', () => {
  function processor(version: BrokerVersion): BrokerProcessor {
    return new BrokerProcessor({
      brokerName: 'broker-a',
      clusterName: 'DefaultCluster',
      address: '127.0.0.1:10911',
      version,
      autoCreateTopic: true,
      queuesPerTopic: 4,
      maxMessageSize: 4 * 1024 * 1024,
      regionId: 'DefaultRegion',
      traceOn: true,
      rejectTransactionMessage: false,
      store: new MessageStore('127.0.0.1:10911', 100),
    });
  }
  const header = (fields: Record<string, string> = {}): Record<string, string> => ({
    a: 'G',
    b: 'TopicTest',
    c: 'TBW102',
    d: '4',
    e: '1',
    f: '0',
    g: '1700000000000',
    h: '0',
    i: 'UNIQ_KEY\x01C0A8000230391B6D358647B760000000\x02WAIT\x01true',
    j: '0',
    k: 'false',
    m: 'false',
    ...fields,
  });

  for (const version of ['4.9', '5.x'] as const) {
    it(`${version}: the frame of a send or batch answer is encodeFrameHead's, once; other answers are left to it`, () => {
      const broker = processor(version);
      const single = broker.process(createRequest(RequestCode.SEND_MESSAGE_V2, header(), { body: Buffer.from('x') }), { remoteAddress: '127.0.0.1:5000' }) as RemotingCommand;
      assert.equal(single.code, 0);
      assert.deepEqual(broker.encodeResponse(single), encodeFrameHead(single));
      // Only right after process returned it.
      assert.equal(broker.encodeResponse(single), null);
      const body = encodeBatchBody([
        { body: Buffer.from('a'), flag: 0, properties: 'UNIQ_KEY\x01A' },
        { body: Buffer.from('b'), flag: 3, properties: 'UNIQ_KEY\x01B\x02' },
      ]);
      const batch = broker.process(createRequest(RequestCode.SEND_BATCH_MESSAGE, header({ i: 'WAIT\x01true', m: 'true' }), { body }), {
        remoteAddress: '127.0.0.1:5000',
      }) as RemotingCommand;
      assert.equal(batch.code, 0);
      assert.deepEqual(broker.encodeResponse(batch), encodeFrameHead(batch));
      const refused = broker.process(createRequest(RequestCode.SEND_MESSAGE_V2, header({ b: 'SCHEDULE_TOPIC_XXXX' })), { remoteAddress: '127.0.0.1:5000' }) as RemotingCommand;
      assert.notEqual(refused.code, 0);
      assert.equal(broker.encodeResponse(refused), null);
    });
  }

  it('4.9 answers a ROCKETMQ request in ROCKETMQ, from the binary template: encodeFrameHead\'s bytes', () => {
    const broker = processor('4.9');
    const request = createRequest(RequestCode.SEND_MESSAGE_V2, header(), { body: Buffer.from('x'), serializeType: SerializeType.ROCKETMQ });
    const response = broker.process(request, { remoteAddress: '127.0.0.1:5000' }) as RemotingCommand;
    assert.equal(response.code, 0);
    assert.equal(response.serializeType, SerializeType.ROCKETMQ);
    const frame = broker.encodeResponse(response);
    assert.ok(frame !== null);
    assert.deepEqual(frame, encodeFrameHead(response));
    assert.equal(frame[4], SerializeType.ROCKETMQ);
    // Once: the next answer (an error) is left to the general encoder.
    const refused = broker.process({ ...request, extFields: header({ b: 'SCHEDULE_TOPIC_XXXX' }) }, { remoteAddress: '127.0.0.1:5000' }) as RemotingCommand;
    assert.equal(refused.serializeType, SerializeType.ROCKETMQ);
    assert.equal(broker.encodeResponse(refused), null);
  });

  it('5.x answers a ROCKETMQ request in JSON (its server default), from the JSON template', () => {
    const broker = processor('5.x');
    const request = createRequest(RequestCode.SEND_MESSAGE_V2, header(), { body: Buffer.from('x'), serializeType: SerializeType.ROCKETMQ });
    const response = broker.process(request, { remoteAddress: '127.0.0.1:5000' }) as RemotingCommand;
    assert.equal(response.serializeType, SerializeType.JSON);
    assert.deepEqual(broker.encodeResponse(response), encodeFrameHead(response));
  });
});

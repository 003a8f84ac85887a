import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeFrame, encodeFrame } from '../../src/remoting/frame-codec.js';
import { FrameDecoder } from '../../src/remoting/frame-decoder.js';
import { jsonHeaderText } from '../../src/remoting/header-codec.js';
import {
  createRequest,
  createResponse,
  SerializeType,
  type RemotingCommand,
  type SerializeTypeValue,
} from '../../src/remoting/remoting-command.js';
import { RequestCode } from '../../src/remoting/request-code.js';
import { ResponseCode } from '../../src/remoting/response-code.js';
import { goldenFile, goldenFrames } from '../helpers/golden.js';

describe('frame codec: golden captures from Apache RocketMQ 4.9.8', () => {
  const names = goldenFrames();

  it('finds the captures', () => {
    assert.ok(names.length >= 12, `expected the golden frames, found ${names.length}`);
  });

  for (const name of names) {
    it(`${name} decodes and re-encodes to the same bytes`, () => {
      const frame = goldenFile(name);
      const command = decodeFrame(frame);
      const headerJson = goldenFile(name.replace('.frame.bin', '.header.json')).toString('utf8').trim();
      const expected = JSON.parse(headerJson) as { code: number; opaque: number };
      assert.equal(command.code, expected.code);
      assert.equal(command.opaque, expected.opaque);
      assert.deepEqual(encodeFrame(command), frame);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Worked examples of the protocol spec, §16 (exact bytes produced by the Java classes).

const ROUTE_JSON_409 =
  '00000087000000837b22636f6465223a3130352c226578744669656c6473223a7b22746f706963223a22546f70696354657374227d2c22666c6167223a302c226c616e6775616765223a224a415641222c226f7061717565223a312c2273657269616c697a655479706543757272656e74525043223a224a534f4e222c2276657273696f6e223a3430397d';
const ROUTE_ROCKETMQ_409 =
  '0000002d010000290069000199000000010000000000000000000000140005746f70696300000009546f70696354657374';
const SEND_V2_ROCKETMQ =
  '000000fb010000f20136000199000000020000000000000000000000dd00016100000002504700016200000009546f70696354657374000163000000065442573130320001640000000134000165000000013200016600000001300001670000000d3137303030303030303030303000016800000001300001690000004d4b455953014f72646572494431383802554e49515f4b4559014330413830303032333033393142364433353836343742373630303030303030025741495401747275650254414753015461674100016a000000013000016b0000000566616c736500016d0000000566616c736500016e0000000862726f6b65722d6148656c6c6f';
const SEND_V2_RESPONSE =
  '000000eb000000e77b22636f6465223a302c226578744669656c6473223a7b2271756575654964223a2232222c2254524143455f4f4e223a2274727565222c224d53475f524547494f4e223a2244656661756c74526567696f6e222c226d73674964223a223746303030303031303030303241394630303030303030303030303031323334222c2271756575654f6666736574223a2237227d2c22666c6167223a312c226c616e6775616765223a224a415641222c226f7061717565223a322c2273657269616c697a655479706543757272656e74525043223a224a534f4e222c2276657273696f6e223a3430397d';
const SEND_V2_JSON_HEADER = String.raw`{"code":310,"extFields":{"a":"PG","b":"TopicTest","c":"TBW102","d":"4","e":"2","f":"0","g":"1700000000000","h":"0","i":"KEYS\u0001OrderID188\u0002UNIQ_KEY\u0001C0A8000230391B6D358647B760000000\u0002WAIT\u0001true\u0002TAGS\u0001TagA","j":"0","k":"false","m":"false","n":"broker-a"},"flag":0,"language":"JAVA","opaque":2,"serializeTypeCurrentRPC":"JSON","version":409}`;
const UNKNOWN_TOPIC_RESPONSE_HEADER = String.raw`{"code":17,"flag":1,"language":"JAVA","opaque":1,"remark":"No topic route info in name server for the topic: TopicTest\nSee http://rocketmq.apache.org/docs/faq/ for further details.","serializeTypeCurrentRPC":"JSON","version":409}`;

const SEND_V2_PROPERTIES = 'KEYS\u0001OrderID188\u0002UNIQ_KEY\u0001C0A8000230391B6D358647B760000000\u0002WAIT\u0001true\u0002TAGS\u0001TagA';

function sendV2Request(serializeType: SerializeTypeValue, version = 409): RemotingCommand {
  return createRequest(
    RequestCode.SEND_MESSAGE_V2,
    {
      a: 'PG',
      b: 'TopicTest',
      c: 'TBW102',
      d: '4',
      e: '2',
      f: '0',
      g: '1700000000000',
      h: '0',
      i: SEND_V2_PROPERTIES,
      j: '0',
      k: 'false',
      m: 'false',
      n: 'broker-a',
    },
    { opaque: 2, serializeType, version, body: Buffer.from('Hello') },
  );
}

describe('frame codec: protocol spec §16 worked examples', () => {
  const route = (serializeType: SerializeTypeValue, version: number): RemotingCommand =>
    createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicTest' }, { opaque: 1, serializeType, version });

  it('(a) GET_ROUTEINFO_BY_TOPIC, JSON, version 409: exactly the 139 bytes', () => {
    const frame = encodeFrame(route(SerializeType.JSON, 409));
    assert.equal(frame.toString('hex'), ROUTE_JSON_409);
    assert.equal(frame.length, 139);
  });

  it('(a) with version 479 only the version digits change', () => {
    const expected = Buffer.from(ROUTE_JSON_409, 'hex');
    expected.write('479', expected.length - 4, 'latin1');
    assert.deepEqual(encodeFrame(route(SerializeType.JSON, 479)), expected);
  });

  it('(a) ROCKETMQ serialization: exactly the 49 bytes (version 409 = 0x0199, 479 = 0x01DF)', () => {
    assert.equal(encodeFrame(route(SerializeType.ROCKETMQ, 409)).toString('hex'), ROUTE_ROCKETMQ_409);
    const expected = Buffer.from(ROUTE_ROCKETMQ_409, 'hex');
    expected.writeInt16BE(0x01df, 11);
    assert.deepEqual(encodeFrame(route(SerializeType.ROCKETMQ, 479)), expected);
  });

  it('(a) both frames decode to the request', () => {
    for (const hex of [ROUTE_JSON_409, ROUTE_ROCKETMQ_409]) {
      const command = decodeFrame(Buffer.from(hex, 'hex'));
      assert.equal(command.code, 105);
      assert.equal(command.language, 'JAVA');
      assert.equal(command.version, 409);
      assert.equal(command.opaque, 1);
      assert.equal(command.flag, 0);
      assert.equal(command.remark, null);
      assert.deepEqual(command.extFields, { topic: 'TopicTest' });
      assert.equal(command.body, null);
    }
  });

  it('(a) the unknown-topic response header text decodes and re-encodes exactly', () => {
    const header = Buffer.from(UNKNOWN_TOPIC_RESPONSE_HEADER);
    const frame = Buffer.alloc(8 + header.length);
    frame.writeInt32BE(4 + header.length, 0);
    frame.writeInt32BE(header.length, 4);
    header.copy(frame, 8);
    const command = decodeFrame(frame);
    assert.equal(command.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(command.flag, 1);
    assert.equal(command.opaque, 1);
    assert.equal(
      command.remark,
      'No topic route info in name server for the topic: TopicTest\nSee http://rocketmq.apache.org/docs/faq/ for further details.',
    );
    assert.equal(command.extFields, null);
    const built = createResponse({ opaque: 1, serializeType: SerializeType.JSON }, ResponseCode.TOPIC_NOT_EXIST, {
      remark: command.remark,
    });
    assert.equal(jsonHeaderText(built), UNKNOWN_TOPIC_RESPONSE_HEADER);
    assert.deepEqual(encodeFrame(built), frame);
  });

  it('(b) SEND_MESSAGE_V2 JSON header text and its 380-byte frame', () => {
    const request = sendV2Request(SerializeType.JSON);
    assert.equal(jsonHeaderText(request), SEND_V2_JSON_HEADER);
    assert.equal(Buffer.byteLength(SEND_V2_JSON_HEADER), 367);
    const frame = encodeFrame(request);
    assert.equal(frame.length, 380);
    assert.equal(frame.subarray(0, 8).toString('hex'), '000001780000016f');
    assert.equal(frame.subarray(8, 8 + 367).toString('utf8'), SEND_V2_JSON_HEADER);
    assert.equal(frame.subarray(375).toString(), 'Hello');
    const decoded = decodeFrame(frame);
    assert.deepEqual(decoded.extFields, request.extFields);
    assert.equal(decoded.extFields!.i, SEND_V2_PROPERTIES);
    assert.deepEqual(decoded.body, Buffer.from('Hello'));
  });

  it('(b) SEND_MESSAGE_V2 ROCKETMQ frame: exactly the 255 bytes, and it decodes back', () => {
    const request = sendV2Request(SerializeType.ROCKETMQ);
    const frame = encodeFrame(request);
    assert.equal(frame.toString('hex'), SEND_V2_ROCKETMQ);
    const decoded = decodeFrame(frame);
    assert.equal(decoded.code, 310);
    assert.equal(decoded.opaque, 2);
    assert.equal(decoded.serializeType, SerializeType.ROCKETMQ);
    assert.deepEqual(decoded.extFields, request.extFields);
    assert.deepEqual(Object.keys(decoded.extFields!), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'm', 'n']);
    assert.deepEqual(decoded.body, Buffer.from('Hello'));
  });

  it('(b) the broker response decodes to the listed fields and re-encodes to the same 239 bytes', () => {
    const frame = Buffer.from(SEND_V2_RESPONSE, 'hex');
    const response = decodeFrame(frame);
    assert.equal(response.code, ResponseCode.SUCCESS);
    assert.equal(response.flag, 1);
    assert.equal(response.opaque, 2);
    assert.equal(response.version, 409);
    assert.equal(response.remark, null);
    assert.deepEqual(response.extFields, {
      queueId: '2',
      TRACE_ON: 'true',
      MSG_REGION: 'DefaultRegion',
      msgId: '7F00000100002A9F0000000000001234',
      queueOffset: '7',
    });
    assert.equal(response.body, null);
    assert.deepEqual(encodeFrame(response), frame);
  });

  it('every §16 frame decodes through the streaming decoder, fed byte by byte', () => {
    const stream = Buffer.concat([ROUTE_JSON_409, ROUTE_ROCKETMQ_409, SEND_V2_ROCKETMQ, SEND_V2_RESPONSE].map((hex) => Buffer.from(hex, 'hex')));
    const decoder = new FrameDecoder();
    const out: RemotingCommand[] = [];
    for (let i = 0; i < stream.length; i++) decoder.push(stream.subarray(i, i + 1), (command) => out.push(command));
    assert.deepEqual(
      out.map((command) => [command.code, command.opaque, command.serializeType]),
      [
        [105, 1, 0],
        [105, 1, 1],
        [310, 2, 1],
        [0, 2, 0],
      ],
    );
  });
});

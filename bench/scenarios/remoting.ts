/**
 * The layer between the ceiling and the producer: `RemotingClient.invoke$` with a new SEND_MESSAGE_V2 request per
 * message (header built, encoded, correlated and decoded as the producer's would be), but no producer pipeline:
 * no validation, route, queue selection, compression, hooks or retry.
 */
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { createRequest, SerializeType, type SerializeTypeValue } from '../../src/remoting/remoting-command.js';
import { RequestCode } from '../../src/remoting/request-code.js';
import { compressBody, COMPRESSED_ZLIB_SYSFLAG } from '../../src/message/compression.js';
import { createUniqueId } from '../../src/message/message-id.js';
import type { Issue } from '../lib/measure.js';
import { benchSendHeader } from '../lib/fixtures.js';

/** A remoting client and an {@link Issue} that sends one request per message through `invoke$`. */
export interface RemotingDriver {
  issue(body: Buffer): Issue;
  close(): Promise<void>;
}

/** Connects a {@link RemotingClient} to the broker at `brokerAddr`, sending `serializeType` headers. */
export function startRemoting(brokerAddr: string, brokerName: string, queues = 4, serializeType: SerializeTypeValue = SerializeType.JSON): RemotingDriver {
  const client = new RemotingClient({ serializeType });
  return {
    issue(body) {
      // Compressed once here: compression is producer work, not remoting work.
      const compressed = body.length >= 4096;
      const wireBody = compressed ? compressBody(body) : body;
      const sysFlag = compressed ? COMPRESSED_ZLIB_SYSFLAG : 0;
      return (index, done) => {
        const request = createRequest(
          RequestCode.SEND_MESSAGE_V2,
          benchSendHeader(index % queues, sysFlag, brokerName, createUniqueId()),
          { body: wireBody },
        );
        client.invoke$(brokerAddr, request, 3000, { async: true }).subscribe({
          next: (response) => done(index, response.code === 0 ? undefined : new Error(`response code ${response.code}`)),
          error: (error: unknown) => done(index, error),
        });
      };
    },
    close: () => client.close(),
  };
}

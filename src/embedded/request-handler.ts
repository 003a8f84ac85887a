/**
 * Turns a transport-free processor into a `RemotingServer` request handler, with the server's fault script and
 * request accounting in front of it.
 * @internal
 */
import { createResponse, isOneway, SerializeType, type RemotingCommand } from '../remoting/remoting-command.js';
import type { RequestHandler, ServerConnection } from '../remoting/remoting-server.js';
import type { RequestOrigin } from './broker-processor.js';
import type { FaultInjector } from './fault-injector.js';
import type { RequestStats } from './request-stats.js';

/** Something that answers requests (`BrokerProcessor`, `NameServerProcessor`). */
export interface RequestProcessor {
  process(request: RemotingCommand, origin: RequestOrigin): RemotingCommand | null | Promise<RemotingCommand | null>;
  /**
   * The frame of a response {@link process} just returned, if the processor writes it faster itself (byte for byte
   * what the server's encoder would write), else `null`.
   */
  encodeResponse?(response: RemotingCommand): Buffer | null;
}

/** A request handler plus the means to release its pending delays when the server stops. */
export interface FaultyHandler {
  handler: RequestHandler;
  /** Ends every pending delay and pause wait at once (their responses then go nowhere: the server is closing). */
  releaseAll(): void;
}

/** Topic a request is about, for the request log. */
function topicOf(request: RemotingCommand): string | null {
  const ext = request.extFields;
  if (ext === null) return null;
  return ext.b ?? ext.topic ?? null;
}

/**
 * @param processor - answers the requests that no fault intercepts
 * @param faults - the server's fault script
 * @param stats - the server's request counters
 * @param versionOrdinal - `version` of injected responses
 */
export function createFaultyHandler(
  processor: () => RequestProcessor,
  faults: FaultInjector,
  stats: RequestStats,
  versionOrdinal: number,
): FaultyHandler {
  const waits = new Set<() => void>();
  /** Connections a close fault has condemned: requests already read from them are dropped. */
  const closing = new WeakSet<ServerConnection>();

  const sleep = (millis: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        waits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, millis);
      waits.add(done);
    });

  const whilePaused = async (connection: ServerConnection): Promise<void> => {
    let wait = faults.whenReadable();
    while (wait !== null) {
      connection.pause();
      await new Promise<void>((resolve) => {
        waits.add(resolve);
        void wait!.then(() => {
          waits.delete(resolve);
          resolve();
        });
      });
      if (connection.closed) return;
      wait = faults.whenReadable();
    }
  };

  /** A request the fault script acts on (a delay or an action): the slow, asynchronous path. */
  const withFault = async (
    request: RemotingCommand,
    connection: ServerConnection,
    entry: ReturnType<RequestStats['begin']>,
    decision: ReturnType<FaultInjector['decide']>,
  ): Promise<RemotingCommand | null> => {
    let response: RemotingCommand | null = null;
    try {
      if (decision.delayMillis > 0) await sleep(decision.delayMillis);
      if (connection.closed) return null;
      const action = decision.action;
      if (action === null) {
        response = await processor().process(request, { remoteAddress: connection.remoteAddress, connection });
      } else if (action.kind === 'respond') {
        if (!isOneway(request) || action.answerOneway) {
          response = createResponse(request, action.code, {
            remark: action.remark,
            serializeType: SerializeType.JSON,
            version: versionOrdinal,
          });
          // The server itself never answers oneway requests, so an injected answer to one is written directly.
          if (isOneway(request)) {
            connection.write(response);
            return null;
          }
        }
      } else if (action.kind === 'close') {
        // Let the responses to earlier requests go out first: the close is "after N requests", not instead of them.
        closing.add(connection);
        await new Promise((resolve) => setImmediate(resolve));
        connection.destroy();
      } else if (action.kind === 'garbage') {
        connection.writeRaw(action.bytes);
      }
      return response;
    } finally {
      stats.end(request.code, entry, response?.code ?? null);
    }
  };

  const handle = (request: RemotingCommand, connection: ServerConnection): RemotingCommand | null | Promise<RemotingCommand | null> => {
    const entry = stats.begin(
      request.code,
      request.opaque,
      isOneway(request),
      request.version,
      connection.remoteAddress,
      topicOf(request),
      request.serializeType,
    );
    let decision: ReturnType<FaultInjector['decide']>;
    try {
      decision = faults.decide(request.code);
    } catch (error) {
      stats.end(request.code, entry, null);
      throw error;
    }
    if (decision.delayMillis > 0 || decision.action !== null) return withFault(request, connection, entry, decision);
    if (connection.closed) {
      stats.end(request.code, entry, null);
      return null;
    }
    // No fault for this request (nearly always): answered synchronously, without a promise and a microtask per
    // request; a processor that answers later (a reply, a transaction check) still returns a promise.
    let result: RemotingCommand | null | Promise<RemotingCommand | null>;
    const target = processor();
    try {
      result = target.process(request, { remoteAddress: connection.remoteAddress, connection });
    } catch (error) {
      stats.end(request.code, entry, null);
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (response) => {
          stats.end(request.code, entry, response?.code ?? null);
          return response;
        },
        (error: unknown) => {
          stats.end(request.code, entry, null);
          throw error;
        },
      );
    }
    stats.end(request.code, entry, result?.code ?? null);
    if (result !== null && target.encodeResponse !== undefined) {
      // Queued as the server would queue the encoded command (the same bytes, in the same place of the stream).
      const frame = target.encodeResponse(result);
      if (frame !== null) {
        connection.writeRaw(frame);
        return null;
      }
    }
    return result;
  };

  const handler: RequestHandler = (request, connection) => {
    if (closing.has(connection)) return null;
    if (!faults.paused) return handle(request, connection);
    return whilePaused(connection).then(() => {
      if (connection.closed) return null;
      connection.resume();
      return handle(request, connection);
    });
  };

  return {
    handler,
    releaseAll: () => {
      for (const release of [...waits]) release();
      waits.clear();
    },
  };
}

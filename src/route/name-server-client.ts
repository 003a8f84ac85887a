/**
 * Route look-ups at the NameServers: GET_ROUTEINFO_BY_TOPIC, tried on each configured NameServer in turn.
 */
import pRetry from 'p-retry';
import { MQClientError, RemotingError } from '../errors.js';
import { createRequest, type RemotingCommand } from '../remoting/remoting-command.js';
import { RequestCode } from '../remoting/request-code.js';
import { ResponseCode } from '../remoting/response-code.js';
import { RouteErrorCode, invalidArgumentError, topicNotExistError } from './route-errors.js';
import { parseTopicRouteData, type TopicRouteData } from './topic-route.js';

/**
 * What the NameServer client needs from the transport; the remoting layer's `RemotingClient` provides it.
 */
export interface RouteTransport {
  /** Sends `request` to `addr` and resolves its response (or rejects with a remoting error). */
  invoke(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<RemotingCommand>;
}

/** Back-off between NameServers (passed to p-retry). */
export interface NameServerRetryOptions {
  /**
   * Wait before trying the second NameServer, in milliseconds.
   * @defaultValue 10
   */
  minTimeout?: number;
  /**
   * Longest wait between two NameServers, in milliseconds.
   * @defaultValue 100
   */
  maxTimeout?: number;
  /**
   * Growth of the wait per NameServer tried.
   * @defaultValue 2
   */
  factor?: number;
}

/** Options of {@link NameServerClient}. */
export interface NameServerClientOptions {
  /** The transport, normally a `RemotingClient`. */
  transport: RouteTransport;
  /** NameServer addresses: `'host:9876;host2:9876'` or an array of `host:port`. */
  namesrvAddr: string | readonly string[];
  /** Back-off between NameServers. */
  retry?: NameServerRetryOptions;
}

/**
 * Splits a `namesrvAddr` option into addresses.
 *
 * @param namesrvAddr - `'a:9876;b:9876'` (Java style) or an array.
 * @returns The trimmed, non-empty addresses, in order.
 * @example
 * ```ts
 * parseNamesrvAddr('10.0.0.1:9876; 10.0.0.2:9876'); // ['10.0.0.1:9876', '10.0.0.2:9876']
 * ```
 */
export function parseNamesrvAddr(namesrvAddr: string | readonly string[]): string[] {
  const items = typeof namesrvAddr === 'string' ? namesrvAddr.split(';') : namesrvAddr;
  return items.map((item) => item.trim()).filter((item) => item.length > 0);
}

function isTopicNotExist(error: unknown): boolean {
  return error instanceof MQClientError && error.code === RouteErrorCode.TOPIC_NOT_EXIST;
}

/**
 * Fetches topic routes from the NameServers. Each look-up starts at the NameServer that answered last (the first one
 * initially) and moves on to the next on transport errors or error responses, once per NameServer, with a short
 * p-retry back-off. TOPIC_NOT_EXIST is an answer, not a failure: it is not tried on the other NameServers.
 *
 * @example
 * ```ts
 * const names = new NameServerClient({ transport: remotingClient, namesrvAddr: '127.0.0.1:9876' });
 * const route = await names.getTopicRoute('TopicTest', 3000);
 * ```
 */
export class NameServerClient {
  private addresses: string[];
  private readonly transport: RouteTransport;
  private readonly retry: Required<NameServerRetryOptions>;
  private lastGood: string | null = null;

  /**
   * @param options - Transport, addresses and back-off.
   * @throws MQClientError `RMQ_ERR_INVALID_ARGUMENT` on negative back-off values.
   */
  constructor(options: NameServerClientOptions) {
    this.transport = options.transport;
    this.addresses = parseNamesrvAddr(options.namesrvAddr);
    this.retry = {
      minTimeout: options.retry?.minTimeout ?? 10,
      maxTimeout: options.retry?.maxTimeout ?? 100,
      factor: options.retry?.factor ?? 2,
    };
    if (this.retry.minTimeout < 0 || this.retry.maxTimeout < 0 || this.retry.factor < 1) {
      throw invalidArgumentError('retry.minTimeout/maxTimeout must be ≥ 0 and retry.factor ≥ 1');
    }
  }

  /** The configured NameServer addresses. */
  get nameServerAddresses(): readonly string[] {
    return this.addresses;
  }

  /** The NameServer that answered last, or `null` before the first answer. */
  get lastGoodAddress(): string | null {
    return this.lastGood;
  }

  /**
   * Replaces the NameServer list (Java `updateNameServerAddressList`).
   *
   * @param namesrvAddr - `'a:9876;b:9876'` or an array.
   */
  updateNameServerAddresses(namesrvAddr: string | readonly string[]): void {
    this.addresses = parseNamesrvAddr(namesrvAddr);
    if (this.lastGood !== null && !this.addresses.includes(this.lastGood)) this.lastGood = null;
  }

  /**
   * Looks up a topic's route (GET_ROUTEINFO_BY_TOPIC with `extFields {topic}`; the request version makes 4.9.4+
   * NameServers answer standard JSON, and the legacy form is parsed too).
   *
   * @param topic - Topic name, with namespace prefix if any.
   * @param timeoutMillis - Timeout of each request.
   * @returns The route.
   * @throws MQClientError `RMQ_ERR_ROUTE_TOPIC_NOT_EXIST` (responseCode 17) when the NameServer does not know the
   *   topic; `RMQ_ERR_NO_NAME_SERVER` (10004) when no NameServer is configured or none could be reached (the last
   *   remoting error is the `cause`); `RMQ_ERR_NAME_SERVER_RESPONSE` (the response code) when the last NameServer
   *   tried answered with an error; `RMQ_ERR_ROUTE_PARSE` when its body was not a route.
   */
  async getTopicRoute(topic: string, timeoutMillis: number): Promise<TopicRouteData> {
    const addresses = this.addresses;
    if (addresses.length === 0) {
      throw new MQClientError('No name server address: set namesrvAddr', ResponseCode.NO_NAME_SERVER_EXCEPTION, {
        code: RouteErrorCode.NO_NAME_SERVER,
      });
    }
    const start = this.lastGood === null ? 0 : Math.max(0, addresses.indexOf(this.lastGood));
    try {
      return await pRetry(
        (attempt) => this.askOne(addresses[(start + attempt - 1) % addresses.length]!, topic, timeoutMillis),
        {
          retries: addresses.length - 1,
          minTimeout: this.retry.minTimeout,
          maxTimeout: this.retry.maxTimeout,
          factor: this.retry.factor,
          unref: true,
          shouldRetry: ({ error }) => !isTopicNotExist(error),
        },
      );
    } catch (error) {
      // A TLS failure (untrusted certificate, no TLS on the server) says more than "unreachable": pass it on as it is.
      if (error instanceof RemotingError && error.code !== 'RMQ_ERR_TLS') {
        throw new MQClientError(
          `No name server reachable for topic "${topic}" (tried ${addresses.join(', ')}): check namesrvAddr and that ` +
            'the NameServers are running',
          ResponseCode.NO_NAME_SERVER_EXCEPTION,
          { code: RouteErrorCode.NO_NAME_SERVER, cause: error, address: error.address, retriable: true },
        );
      }
      throw error;
    }
  }

  private async askOne(address: string, topic: string, timeoutMillis: number): Promise<TopicRouteData> {
    const request = createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic });
    const response = await this.transport.invoke(address, request, timeoutMillis);
    if (response.code === ResponseCode.TOPIC_NOT_EXIST) {
      this.lastGood = address;
      throw topicNotExistError(topic, response.remark, address);
    }
    if (response.code !== ResponseCode.SUCCESS || response.body === null) {
      throw new MQClientError(
        `The name server ${address} answered the route look-up of "${topic}" with code ${response.code}` +
          (response.remark === null ? '' : `: ${response.remark}`),
        response.code,
        { code: RouteErrorCode.NAME_SERVER_RESPONSE, address, retriable: true },
      );
    }
    const route = parseTopicRouteData(response.body);
    this.lastGood = address;
    return route;
  }
}

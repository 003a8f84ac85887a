/**
 * The request processing of the embedded NameServer, transport-free: the Java `RouteInfoManager` tables (clusters,
 * brokers, topic queues, live brokers) and the requests a broker or producer sends (REGISTER_BROKER,
 * UNREGISTER_BROKER, GET_ROUTEINFO_BY_TOPIC, GET_BROKER_CLUSTER_INFO). `EmbeddedNameServer` wires it to TCP.
 * @internal
 */
import { crc32 } from 'node:zlib';
import { isOneway, SerializeType, type RemotingCommand } from '../remoting/remoting-command.js';
import { RequestCode } from '../remoting/request-code.js';
import { ResponseCode } from '../remoting/response-code.js';
import { serializeTopicRouteData, type BrokerData, type QueueData, type TopicRouteData } from './codec.js';
import {
  JavaException,
  javaServerResponse,
  nullPointer,
  parseJavaBoolean,
  parseJavaInt,
  parseJavaLong,
  type JavaServerResponseOptions,
} from './java-header.js';
import { VERSION_ORDINAL, type BrokerVersion, type RequestOrigin } from './broker-processor.js';
import { FAQ_SUGGESTION } from './topic-config.js';

/** Request version from which the NameServer writes standard JSON (`V4_9_4`). */
const STANDARD_JSON_MIN_VERSION = 401;

/** Settings of a {@link NameServerProcessor}. */
export interface NameServerProcessorOptions {
  version: BrokerVersion;
  /** A broker whose last registration is older than this is dropped (Java: 120 s). */
  brokerExpireMillis: number;
}

/** A broker registration as the NameServer keeps it. */
export interface RegisteredBroker {
  /** Cluster it registered in. */
  clusterName: string;
  /** Its name, e.g. `broker-a`. */
  brokerName: string;
  /** 0 for a master, above 0 for a slave. */
  brokerId: number;
  /** `ip:port` clients send to. */
  brokerAddr: string;
  /** `ip:port` of its HA service, or `null`. */
  haServerAddr: string | null;
  /** `Date.now()` of its last REGISTER_BROKER. */
  lastUpdateTimestamp: number;
  /** The topic-config data version of its last registration (`counter` and `timestamp`, as Java's `DataVersion`). */
  dataVersion: { counter: number; timestamp: number };
}

interface LiveBroker {
  lastUpdateTimestamp: number;
  dataVersion: { counter: number; timestamp: number };
  connection: unknown;
  haServerAddr: string | null;
}

interface BrokerAddrs {
  cluster: string;
  brokerName: string;
  brokerAddrs: Map<number, string>;
}

interface TopicConfigBody {
  topicName?: unknown;
  readQueueNums?: unknown;
  writeQueueNums?: unknown;
  perm?: unknown;
  topicSysFlag?: unknown;
}

/** @internal */
export class NameServerProcessor {
  readonly options: NameServerProcessorOptions;
  private readonly versionOrdinal: number;
  private readonly clusterAddrTable = new Map<string, Set<string>>();
  private readonly brokerAddrTable = new Map<string, BrokerAddrs>();
  private readonly topicQueueTable = new Map<string, Map<string, QueueData>>();
  private readonly brokerLiveTable = new Map<string, LiveBroker>();

  constructor(options: NameServerProcessorOptions) {
    this.options = options;
    this.versionOrdinal = VERSION_ORDINAL[options.version];
  }

  /** Processes one request; `null` = no response (oneway requests, and unknown codes, as the Java NameServer does). */
  process(request: RemotingCommand, origin: RequestOrigin, now = Date.now()): RemotingCommand | null {
    let response: RemotingCommand | null;
    try {
      response = this.dispatch(request, origin, now);
    } catch (error) {
      const remark = error instanceof JavaException ? error.javaDescription : `java.lang.RuntimeException: ${String(error)}`;
      response = this.response(request, ResponseCode.SYSTEM_ERROR, { remark, serializeType: SerializeType.JSON });
    }
    return isOneway(request) ? null : response;
  }

  /** Every live broker registration. */
  brokers(): RegisteredBroker[] {
    const result: RegisteredBroker[] = [];
    for (const data of this.brokerAddrTable.values()) {
      for (const [brokerId, brokerAddr] of data.brokerAddrs) {
        const live = this.brokerLiveTable.get(brokerAddr);
        result.push({
          clusterName: data.cluster,
          brokerName: data.brokerName,
          brokerId,
          brokerAddr,
          haServerAddr: live?.haServerAddr ?? null,
          lastUpdateTimestamp: live?.lastUpdateTimestamp ?? 0,
          dataVersion: live?.dataVersion ?? { counter: 0, timestamp: 0 },
        });
      }
    }
    return result;
  }

  /** Topics with queues, sorted. */
  topics(): string[] {
    return [...this.topicQueueTable.keys()].sort();
  }

  /** Java `pickupTopicRouteData`: the route of a topic, or `null` when it has no queues or no live broker. */
  topicRoute(topic: string): TopicRouteData | null {
    const queueDataMap = this.topicQueueTable.get(topic);
    if (queueDataMap === undefined) return null;
    const brokerNames = [...queueDataMap.keys()].sort();
    const brokerDatas: BrokerData[] = [];
    for (const brokerName of brokerNames) {
      const data = this.brokerAddrTable.get(brokerName);
      if (data === undefined) continue;
      const brokerAddrs: Record<string, string> = {};
      for (const id of [...data.brokerAddrs.keys()].sort((a, b) => a - b)) brokerAddrs[String(id)] = data.brokerAddrs.get(id)!;
      const brokerData: BrokerData = { cluster: data.cluster, brokerName, brokerAddrs };
      if (this.options.version === '5.x') brokerData.enableActingMaster = false;
      brokerDatas.push(brokerData);
    }
    if (brokerDatas.length === 0) return null;
    return {
      queueDatas: brokerNames.map((name) => ({ ...queueDataMap.get(name)! })),
      brokerDatas,
      filterServerTable: {},
    };
  }

  /**
   * Java `scanNotActiveBroker`: drops every broker whose last registration is older than `brokerExpireMillis`.
   * Returns the connections they registered over (the Java NameServer closes them).
   */
  scanNotActiveBrokers(now = Date.now()): unknown[] {
    const closed: unknown[] = [];
    for (const [brokerAddr, live] of [...this.brokerLiveTable]) {
      if (live.lastUpdateTimestamp + this.options.brokerExpireMillis < now) {
        closed.push(live.connection);
        this.removeBrokerAddress(brokerAddr);
      }
    }
    return closed;
  }

  /** Java `onChannelDestroy`: forgets every broker registered over a connection that closed. */
  connectionClosed(connection: unknown): void {
    for (const [brokerAddr, live] of [...this.brokerLiveTable]) {
      if (live.connection === connection) this.removeBrokerAddress(brokerAddr);
    }
  }

  /** Forgets every registration and route (a NameServer process that restarted: its tables live in memory only). */
  reset(): void {
    this.clusterAddrTable.clear();
    this.brokerAddrTable.clear();
    this.topicQueueTable.clear();
    this.brokerLiveTable.clear();
  }

  /** Forgets brokers whose registration connection is not among `open` (closed connections). */
  forgetConnectionsNotIn(open: ReadonlySet<unknown>): void {
    for (const [brokerAddr, live] of [...this.brokerLiveTable]) {
      if (live.connection !== undefined && !open.has(live.connection)) this.removeBrokerAddress(brokerAddr);
    }
  }

  private dispatch(request: RemotingCommand, origin: RequestOrigin, now: number): RemotingCommand | null {
    switch (request.code) {
      case RequestCode.REGISTER_BROKER:
        return this.registerBroker(request, origin, now);
      case RequestCode.UNREGISTER_BROKER:
        return this.unregisterBroker(request);
      case RequestCode.GET_ROUTEINFO_BY_TOPIC:
        return this.getRouteInfoByTopic(request);
      case RequestCode.GET_BROKER_CLUSTER_INFO:
        return this.getBrokerClusterInfo(request);
      default:
        // The Java NameServer's DefaultRequestProcessor returns null for codes it does not know: no response at all.
        return null;
    }
  }

  private response(request: RemotingCommand, code: number, options: JavaServerResponseOptions = {}): RemotingCommand {
    return javaServerResponse(request, code, this.options.version, this.versionOrdinal, options);
  }

  private registerBroker(request: RemotingCommand, origin: RequestOrigin, now: number): RemotingCommand {
    const ext = request.extFields ?? {};
    const bodyCrc32 = ext.bodyCrc32 === undefined ? 0 : parseJavaInt(ext.bodyCrc32);
    if (bodyCrc32 !== 0) {
      const actual = request.body === null ? 0 : crc32(request.body) & 0x7fffffff;
      if (actual !== bodyCrc32) return this.response(request, ResponseCode.SYSTEM_ERROR, { remark: 'crc32 not match' });
    }
    const clusterName = ext.clusterName;
    const brokerAddr = ext.brokerAddr;
    const brokerName = ext.brokerName;
    if (ext.brokerId === undefined || clusterName === undefined || brokerAddr === undefined || brokerName === undefined) {
      throw nullPointer();
    }
    const brokerId = parseJavaLong(ext.brokerId);
    if (parseJavaBoolean(ext.compressed)) {
      throw new JavaException('org.apache.rocketmq.remoting.exception.RemotingCommandException: Failed to decode RegisterBrokerBody');
    }
    let dataVersion = { counter: 0, timestamp: 0 };
    let topicConfigTable: Record<string, TopicConfigBody> = {};
    if (request.body !== null && request.body.length > 0) {
      try {
        const body = JSON.parse(request.body.toString('utf8')) as {
          topicConfigSerializeWrapper?: { dataVersion?: { counter?: unknown; timestamp?: unknown }; topicConfigTable?: unknown };
        };
        const wrapper = body.topicConfigSerializeWrapper ?? {};
        dataVersion = { counter: Number(wrapper.dataVersion?.counter ?? 0), timestamp: Number(wrapper.dataVersion?.timestamp ?? 0) };
        if (typeof wrapper.topicConfigTable === 'object' && wrapper.topicConfigTable !== null) {
          topicConfigTable = wrapper.topicConfigTable as Record<string, TopicConfigBody>;
        }
      } catch {
        throw new JavaException('org.apache.rocketmq.remoting.exception.RemotingCommandException: Failed to decode RegisterBrokerBody');
      }
    }

    let names = this.clusterAddrTable.get(clusterName);
    if (names === undefined) this.clusterAddrTable.set(clusterName, (names = new Set()));
    names.add(brokerName);
    let registerFirst = false;
    let brokerData = this.brokerAddrTable.get(brokerName);
    if (brokerData === undefined) {
      registerFirst = true;
      brokerData = { cluster: clusterName, brokerName, brokerAddrs: new Map() };
      this.brokerAddrTable.set(brokerName, brokerData);
    }
    // The same address may hold only one role: a slave switching to master drops its old id first.
    for (const [id, addr] of [...brokerData.brokerAddrs]) if (addr === brokerAddr && id !== brokerId) brokerData.brokerAddrs.delete(id);
    const oldAddr = brokerData.brokerAddrs.get(brokerId);
    brokerData.brokerAddrs.set(brokerId, brokerAddr);
    registerFirst = registerFirst || oldAddr === undefined;

    const previous = this.brokerLiveTable.get(brokerAddr);
    const changed =
      previous === undefined ||
      previous.dataVersion.counter !== dataVersion.counter ||
      previous.dataVersion.timestamp !== dataVersion.timestamp;
    if (brokerId === 0 && (changed || registerFirst)) {
      for (const config of Object.values(topicConfigTable)) this.createAndUpdateQueueData(brokerName, config);
    }
    this.brokerLiveTable.set(brokerAddr, {
      lastUpdateTimestamp: now,
      dataVersion,
      connection: origin.connection,
      haServerAddr: ext.haServerAddr ?? null,
    });

    const extFields: Record<string, string> = {};
    if (brokerId !== 0) {
      const masterAddr = brokerData.brokerAddrs.get(0);
      const master = masterAddr === undefined ? undefined : this.brokerLiveTable.get(masterAddr);
      if (masterAddr !== undefined && master !== undefined) {
        if (master.haServerAddr !== null) extFields.haServerAddr = master.haServerAddr;
        extFields.masterAddr = masterAddr;
      }
    }
    return this.response(request, ResponseCode.SUCCESS, { extFields });
  }

  private createAndUpdateQueueData(brokerName: string, config: TopicConfigBody): void {
    if (typeof config.topicName !== 'string') return;
    const queueData: QueueData = {
      brokerName,
      perm: Number(config.perm ?? 6),
      readQueueNums: Number(config.readQueueNums ?? 0),
      topicSysFlag: Number(config.topicSysFlag ?? 0),
      writeQueueNums: Number(config.writeQueueNums ?? 0),
    };
    let map = this.topicQueueTable.get(config.topicName);
    if (map === undefined) this.topicQueueTable.set(config.topicName, (map = new Map()));
    map.set(brokerName, queueData);
  }

  private unregisterBroker(request: RemotingCommand): RemotingCommand {
    const ext = request.extFields ?? {};
    const brokerAddr = ext.brokerAddr;
    const brokerName = ext.brokerName;
    if (brokerAddr === undefined || brokerName === undefined || ext.brokerId === undefined) throw nullPointer();
    const brokerId = parseJavaLong(ext.brokerId);
    this.brokerLiveTable.delete(brokerAddr);
    const brokerData = this.brokerAddrTable.get(brokerName);
    if (brokerData !== undefined) {
      brokerData.brokerAddrs.delete(brokerId);
      if (brokerData.brokerAddrs.size === 0) this.removeBrokerName(brokerName, ext.clusterName);
    }
    return this.response(request, ResponseCode.SUCCESS);
  }

  private getRouteInfoByTopic(request: RemotingCommand): RemotingCommand {
    const ext = request.extFields ?? {};
    const topic = ext.topic ?? null;
    const route = topic === null ? null : this.topicRoute(topic);
    if (route === null) {
      return this.response(request, ResponseCode.TOPIC_NOT_EXIST, {
        remark: `No topic route info in name server for the topic: ${topic}${FAQ_SUGGESTION}`,
      });
    }
    const standard = request.version >= STANDARD_JSON_MIN_VERSION || parseJavaBoolean(ext.acceptStandardJsonOnly);
    const body = Buffer.from(serializeTopicRouteData(route, { legacy: !standard }), 'utf8');
    return this.response(request, ResponseCode.SUCCESS, { body });
  }

  private getBrokerClusterInfo(request: RemotingCommand): RemotingCommand {
    const brokerAddrTable: Record<string, unknown> = {};
    for (const [name, data] of [...this.brokerAddrTable].sort(([a], [b]) => a.localeCompare(b))) {
      const addrs: Record<string, string> = {};
      for (const id of [...data.brokerAddrs.keys()].sort((a, b) => a - b)) addrs[String(id)] = data.brokerAddrs.get(id)!;
      brokerAddrTable[name] = { brokerAddrs: addrs, brokerName: name, cluster: data.cluster };
    }
    const clusterAddrTable: Record<string, string[]> = {};
    for (const [cluster, names] of this.clusterAddrTable) clusterAddrTable[cluster] = [...names].sort();
    const body = Buffer.from(JSON.stringify({ brokerAddrTable, clusterAddrTable }), 'utf8');
    return this.response(request, ResponseCode.SUCCESS, { body });
  }

  private removeBrokerAddress(brokerAddr: string): void {
    this.brokerLiveTable.delete(brokerAddr);
    for (const [brokerName, data] of [...this.brokerAddrTable]) {
      for (const [id, addr] of [...data.brokerAddrs]) if (addr === brokerAddr) data.brokerAddrs.delete(id);
      if (data.brokerAddrs.size === 0) this.removeBrokerName(brokerName, data.cluster);
    }
  }

  private removeBrokerName(brokerName: string, clusterName: string | undefined): void {
    this.brokerAddrTable.delete(brokerName);
    for (const [cluster, names] of [...this.clusterAddrTable]) {
      if (clusterName !== undefined && cluster !== clusterName) continue;
      names.delete(brokerName);
      if (names.size === 0) this.clusterAddrTable.delete(cluster);
    }
    for (const [topic, map] of [...this.topicQueueTable]) {
      map.delete(brokerName);
      if (map.size === 0) this.topicQueueTable.delete(topic);
    }
  }
}

/**
 * The REGISTER_BROKER / UNREGISTER_BROKER requests a Java broker sends to its NameServers
 * (`BrokerOuterAPI.registerBrokerAll`, body `RegisterBrokerBody`).
 * @internal
 */
import { crc32 } from 'node:zlib';
import { createRequest, type RemotingCommand } from '../remoting/remoting-command.js';
import { RequestCode } from '../remoting/request-code.js';
import type { TopicConfig } from './topic-config.js';

/** Who is registering. */
export interface BrokerIdentity {
  clusterName: string;
  brokerName: string;
  brokerAddr: string;
  haServerAddr: string;
  /** 0 = master. */
  brokerId: number;
  /** Request version ordinal (409 / 479). */
  version: number;
}

/** The RegisterBrokerBody JSON: `{"filterServerList":[],"topicConfigSerializeWrapper":{...}}`. */
export function registerBrokerBody(
  topics: Iterable<TopicConfig>,
  dataVersion: { counter: number; timestamp: number },
): Buffer {
  const table: Record<string, unknown> = {};
  for (const t of topics) {
    // fastjson writes bean properties in alphabetical order.
    table[t.topicName] = {
      order: t.order,
      perm: t.perm,
      readQueueNums: t.readQueueNums,
      topicFilterType: t.topicFilterType,
      topicName: t.topicName,
      topicSysFlag: t.topicSysFlag,
      writeQueueNums: t.writeQueueNums,
    };
  }
  const body = {
    filterServerList: [],
    topicConfigSerializeWrapper: { dataVersion: { counter: dataVersion.counter, timestamp: dataVersion.timestamp }, topicConfigTable: table },
  };
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/** A REGISTER_BROKER request (oneway when the broker re-registers right after auto-creating a topic). */
export function registerBrokerRequest(identity: BrokerIdentity, body: Buffer, oneway: boolean): RemotingCommand {
  return createRequest(
    RequestCode.REGISTER_BROKER,
    {
      brokerId: String(identity.brokerId),
      bodyCrc32: String(crc32(body) & 0x7fffffff),
      clusterName: identity.clusterName,
      brokerAddr: identity.brokerAddr,
      haServerAddr: identity.haServerAddr,
      compressed: 'false',
      brokerName: identity.brokerName,
    },
    { body, oneway, version: identity.version },
  );
}

/** The UNREGISTER_BROKER request a broker sends on a clean shutdown. */
export function unregisterBrokerRequest(identity: BrokerIdentity): RemotingCommand {
  return createRequest(
    RequestCode.UNREGISTER_BROKER,
    {
      brokerName: identity.brokerName,
      brokerAddr: identity.brokerAddr,
      clusterName: identity.clusterName,
      brokerId: String(identity.brokerId),
    },
    { version: identity.version },
  );
}

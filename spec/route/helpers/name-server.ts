import { createResponse, type RemotingCommand } from '../../../src/remoting/remoting-command.js';
import { RequestCode } from '../../../src/remoting/request-code.js';
import { ResponseCode } from '../../../src/remoting/response-code.js';
import { serializeTopicRouteData, type TopicRouteData } from '../../../src/route/topic-route.js';

/** A route with one QueueData/BrokerData per broker name, masters at `host:<10911 + i>`. */
export function makeRoute(brokers: string[], queues = 4, perm = 6): TopicRouteData {
  return {
    queueDatas: brokers.map((brokerName) => ({ brokerName, readQueueNums: queues, writeQueueNums: queues, perm, topicSysFlag: 0 })),
    brokerDatas: brokers.map((brokerName, i) => ({
      cluster: 'DefaultCluster',
      brokerName,
      brokerAddrs: { '0': `127.0.0.1:${10911 + i * 10}`, '1': `127.0.0.1:${10912 + i * 10}` },
    })),
    filterServerTable: {},
  };
}

/**
 * A GET_ROUTEINFO_BY_TOPIC handler answering from `routes` (mutable), like the Java NameServer: the legacy form for
 * `version < 401`, TOPIC_NOT_EXIST with the Java remark otherwise.
 */
export function routeHandler(routes: Map<string, TopicRouteData>, delayMillis = 0) {
  return async (request: RemotingCommand): Promise<RemotingCommand> => {
    if (delayMillis > 0) await new Promise((resolve) => setTimeout(resolve, delayMillis));
    if (request.code !== RequestCode.GET_ROUTEINFO_BY_TOPIC) {
      return createResponse(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, { remark: ' request type not supported' });
    }
    const topic = request.extFields?.['topic'] ?? '';
    const route = routes.get(topic);
    if (route === undefined) {
      return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, {
        remark: `No topic route info in name server for the topic: ${topic}\nSee http://rocketmq.apache.org/docs/faq/ for further details.`,
      });
    }
    const body = Buffer.from(serializeTopicRouteData(route, { legacy: request.version < 401 }), 'utf8');
    return createResponse(request, ResponseCode.SUCCESS, { body });
  };
}

/**
 * `npx tsx examples/secured-cluster.ts`: an embedded cluster with ACL and TLS, a producer with credentials that trusts
 * the cluster's CA, one accepted send and one ACL refusal; prints both, shuts everything down and exits 0.
 */
import { EmbeddedCluster } from '../src/embedded/index.js';
import { MQAclError, Producer } from '../src/index.js';

const cluster = await EmbeddedCluster.start({
  tls: true,
  acl: {
    accounts: [
      { accessKey: 'rxUser1', secretKey: 'rxUserSecret123', defaultTopicPerm: 'PUB|SUB', defaultGroupPerm: 'PUB|SUB', topicPerms: ['RxDenied=DENY'] },
    ],
  },
});
const producer = new Producer({
  producerGroup: 'SecuredGroup',
  namesrvAddr: cluster.namesrvAddr,
  tls: { ca: cluster.tls!.ca },
  credentials: { accessKey: 'rxUser1', secretKey: 'rxUserSecret123' },
});
await producer.start();
try {
  const result = await producer.send({ topic: 'SecuredTopic', body: 'Hello over TLS, signed' });
  console.log('accepted →', result.sendStatus, result.msgId);
  try {
    await producer.send({ topic: 'RxDenied', body: 'not allowed' });
  } catch (error) {
    if (!(error instanceof MQAclError)) throw error;
    console.log('refused  →', error.code, error.reason);
  }
  console.log('options  →', producer.options.credentials, producer.options.tls); // secrets stay redacted
} finally {
  await producer.shutdown();
  await cluster.stop();
}

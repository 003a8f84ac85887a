import { EmbeddedCluster } from '../src/embedded/index.js';
const cluster = await EmbeddedCluster.start({ brokers: 1, queuesPerTopic: 4, autoCreateTopic: true, maxStoredMessages: 10_000 });
console.log(cluster.namesrvAddr);
process.on('SIGINT', () => { void cluster.stop().then(() => process.exit(0)); });

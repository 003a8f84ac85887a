/**
 * rocketmq-rx/embedded: an in-process NameServer + Broker speaking the real RocketMQ remoting protocol, for tests,
 * examples and local development.
 */
export {};

import type { EmbeddedAclOptions } from '../../src/embedded/index.js';

/** The accounts of the capture broker's plain_acl.yml (spec/fixtures/rocketmq-4.9.8/acl/README.md). */
export const CAPTURE_ACL: EmbeddedAclOptions = {
  accounts: [
    { accessKey: 'rxAdmin', secretKey: 'rxAdminSecret123', admin: true },
    {
      accessKey: 'rxUser1',
      secretKey: 'rxUserSecret123',
      defaultTopicPerm: 'PUB|SUB',
      defaultGroupPerm: 'PUB|SUB',
      topicPerms: ['RxDenied=DENY'],
    },
  ],
};

/** rxUser1's credentials. */
export const USER = { accessKey: 'rxUser1', secretKey: 'rxUserSecret123' } as const;

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firstValueFrom, of } from 'rxjs';
import { MQClientError } from '../../../src/errors.js';
import { RouteErrorCode } from '../../../src/route/route-errors.js';
import { resolveRoute } from '../../../src/producer/operators/resolve-route.js';
import type { TopicPublishInfo } from '../../../src/route/topic-publish-info.js';
import { prepared, twoBrokerRoute } from '../context-fixture.js';

describe('resolveRoute', () => {
  it('takes a cached route synchronously, without a look-up', () => {
    const route = twoBrokerRoute();
    const lookups: string[] = [];
    const operator = resolveRoute({
      lookup: (topic) => (lookups.push(topic), Promise.resolve(route)),
      cached: () => route,
      createTopicKey: 'TBW102',
    });
    let seen: TopicPublishInfo | null = null;
    of(prepared()).pipe(operator).subscribe((c) => (seen = c.route));
    assert.equal(seen, route, 'emitted during subscribe');
    assert.deepEqual(lookups, []);
  });

  it('looks the topic up when the cache has no usable route', async () => {
    const route = twoBrokerRoute();
    const lookups: string[] = [];
    const operator = resolveRoute({
      lookup: (topic) => (lookups.push(topic), Promise.resolve(route)),
      cached: () => undefined,
      createTopicKey: 'TBW102',
    });
    const c = await firstValueFrom(of(prepared()).pipe(operator));
    assert.equal(c.route, route);
    assert.deepEqual(lookups, ['TopicTest']);
  });

  it('fails with RouteErrorCode.NOT_FOUND when the looked-up route has no send queue', async () => {
    const empty = { ...twoBrokerRoute(), messageQueues: [] } as TopicPublishInfo;
    const operator = resolveRoute({ lookup: () => Promise.resolve(empty), createTopicKey: 'TBW102' });
    await assert.rejects(firstValueFrom(of(prepared()).pipe(operator)), (error: unknown) => {
      assert.ok(error instanceof MQClientError);
      assert.equal(error.code, RouteErrorCode.NOT_FOUND);
      return true;
    });
  });
});

import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { firstValueFrom } from 'rxjs';
import { generateSelfSignedCertificate, type EmbeddedTlsMaterial } from '../../src/embedded/tls-material.js';
import { Connection } from '../../src/remoting/connection.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { createRequest, createResponse } from '../../src/remoting/remoting-command.js';
import { RemotingServer, type RequestHandler } from '../../src/remoting/remoting-server.js';

const echo: RequestHandler = (request) => createResponse(request, 0, { remark: `echo ${request.code}`, body: request.body });

describe('RemotingServer / RemotingClient over TLS', () => {
  let material: EmbeddedTlsMaterial;
  let other: EmbeddedTlsMaterial;
  const servers: RemotingServer[] = [];
  const clients: RemotingClient[] = [];
  before(async () => {
    [material, other] = await Promise.all([generateSelfSignedCertificate(), generateSelfSignedCertificate()]);
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(servers.map((server) => server.close()));
  });
  async function serve(mode: 'enforcing' | 'permissive', requireClientCertificate = false): Promise<RemotingServer> {
    const server = new RemotingServer(echo, { tls: { key: material.key, cert: material.cert, ca: material.ca, mode, requireClientCertificate } });
    await server.listen(0);
    servers.push(server);
    return server;
  }
  function client(tls: ConnectionOptions | null): RemotingClient {
    const made = new RemotingClient({ tls, connectTimeoutMillis: 2000 });
    clients.push(made);
    return made;
  }

  it('permissive: frames inside TLS and plain frames on the same port (first byte 0x16 or not)', async () => {
    const server = await serve('permissive');
    const secure = await client({ ca: material.ca }).invoke(server.address, createRequest(105, { topic: 'T' }, { body: Buffer.from('tls') }), 2000);
    assert.equal(secure.remark, 'echo 105');
    assert.equal(secure.body!.toString(), 'tls');
    const plain = await client(null).invoke(server.address, createRequest(106, null, { body: Buffer.from('plain') }), 2000);
    assert.equal(plain.remark, 'echo 106');
    assert.equal(plain.body!.toString(), 'plain');
  });

  it('a certificate signed by another CA fails the connect with RMQ_ERR_TLS and its cause', async () => {
    const server = await serve('enforcing');
    const connection = Connection.connect(server.address, { tls: { ca: other.ca } });
    const closed = await firstValueFrom(connection.closed$);
    assert.equal(closed.wasOpen, false);
    assert.equal(closed.error?.code, 'RMQ_ERR_TLS');
    assert.ok(closed.error?.cause instanceof Error);
  });

  it('a TLS client to a plaintext server fails with RMQ_ERR_TLS, not a hang', async () => {
    const plainServer = new RemotingServer(echo);
    await plainServer.listen(0);
    servers.push(plainServer);
    const started = Date.now();
    await assert.rejects(client({ ca: material.ca }).invoke(plainServer.address, createRequest(105, null), 3000), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'RMQ_ERR_TLS');
      return true;
    });
    assert.ok(Date.now() - started < 2500);
  });

  it('enforcing: plaintext bytes end that connection only; the server goes on serving TLS', async () => {
    const server = await serve('enforcing');
    await new Promise<void>((resolve) => {
      const socket = netConnect(server.port, '127.0.0.1', () => socket.write(Buffer.from('00000010000000000000000000000000', 'hex')));
      socket.on('close', () => resolve());
      socket.on('error', () => undefined);
    });
    const response = await client({ ca: material.ca }).invoke(server.address, createRequest(105, null), 2000);
    assert.equal(response.code, 0);
  });

  it('close() does not wait for sockets still being peeked at or shaking hands', async () => {
    for (const mode of ['permissive', 'enforcing'] as const) {
      const server = new RemotingServer(echo, { tls: { key: material.key, cert: material.cert, mode } });
      await server.listen(0);
      const socket = netConnect(server.port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('connect', resolve));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const started = Date.now();
      await server.close();
      assert.ok(Date.now() - started < 1000, `${mode}: ${Date.now() - started} ms`);
      socket.destroy();
    }
  });

  it('passes client certificates through (mutual TLS)', async () => {
    const server = await serve('enforcing', true);
    const response = await client({ ca: material.ca, cert: material.cert, key: material.key }).invoke(server.address, createRequest(105, null), 2000);
    assert.equal(response.code, 0);
  });
});

/**
 * A WebSocket as a byte stream (protocol/websocket-byte-stream.ts), on a real ws server and client on
 * loopback: bytes both ways as binary messages, a close frame is the stream's end, an RST on the
 * TCP socket under it is an error with ECONNRESET.
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { WebSocketByteStream } from '../../protocol/websocket-byte-stream.js';
import { useTeardown, waitFor } from '../reflector/helpers.js';

describe('WebSocketByteStream', () => {
  const defer = useTeardown();

  /** A ws server on loopback and one client; the server side's WebSocket and TCP socket. */
  async function pair(): Promise<{ client: WebSocketByteStream; server: WebSocket; serverSocket: Socket }> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
    const accepted = new Promise<{ server: WebSocket; serverSocket: Socket }>((resolve) =>
      wss.on('connection', (ws, request) => resolve({ server: ws, serverSocket: request.socket as Socket })),
    );
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    defer(() => new Promise<void>((resolve) => http.close(() => resolve())));
    defer(() => wss.close());
    const { port } = http.address() as AddressInfo;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    defer(() => ws.terminate());
    // 'open' follows 'upgrade' in the same tick: both are listened for before either comes.
    const upgraded = new Promise<Socket>((resolve) =>
      ws.once('upgrade', (response) => resolve(response.socket as Socket)),
    );
    const opened = new Promise((resolve) => ws.once('open', resolve));
    const socket = await upgraded;
    await opened;
    const { server, serverSocket } = await accepted;
    defer(() => server.terminate());
    return { client: new WebSocketByteStream(ws, socket), server, serverSocket };
  }

  it('carries bytes both ways as binary messages', async () => {
    const { client, server } = await pair();
    const atServer: Buffer[] = [];
    server.on('message', (data, isBinary) =>
      atServer.push(isBinary ? (data as Buffer) : Buffer.from('text')),
    );
    const atClient: number[] = [];
    client.on('data', (chunk: Buffer) => atClient.push(...chunk));
    client.write(Buffer.of(0x45));
    server.send(Buffer.of(0x65), { binary: true });
    await waitFor('a message each way', () => atServer.length === 1 && atClient.length === 1);
    expect(atServer[0], 'one binary message of one byte').toEqual(Buffer.of(0x45));
    expect(atClient, 'its byte').toEqual([0x65]);
  });

  it('ends on a close frame from the peer', async () => {
    const { client, server } = await pair();
    const seen: string[] = [];
    client.on('end', () => seen.push('end'));
    client.on('error', (error: NodeJS.ErrnoException) => seen.push(`error ${error.code}`));
    client.resume();
    server.close(1000);
    await waitFor('the stream to end', () => seen.length > 0);
    expect(seen, 'a close frame is an end, not an error').toEqual(['end']);
  });

  it('errors with ECONNRESET on an RST', async () => {
    const { client, serverSocket } = await pair();
    const seen: string[] = [];
    client.on('end', () => seen.push('end'));
    client.on('error', (error: NodeJS.ErrnoException) => seen.push(`error ${error.code}`));
    client.resume();
    serverSocket.resetAndDestroy();
    await waitFor('the stream to fail', () => seen.length > 0);
    expect(seen, 'an RST is an error with its code').toEqual(['error ECONNRESET']);
  });
});

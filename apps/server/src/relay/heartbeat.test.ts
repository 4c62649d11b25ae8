import { afterEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat } from './heartbeat.js';
import { TestSocket } from './test-socket.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('Heartbeat', () => {
  it('pings every period and terminates a socket that did not answer the previous ping', () => {
    vi.useFakeTimers();
    const timedOut: unknown[] = [];
    const hb = new Heartbeat(100, (ws) => timedOut.push(ws));
    const answers = new TestSocket();
    const silent = new TestSocket();
    hb.watch(answers.socket);
    hb.watch(silent.socket);
    vi.advanceTimersByTime(100);
    expect([answers.pings, silent.pings]).toEqual([1, 1]);
    answers.emit('pong');
    vi.advanceTimersByTime(100);
    expect(silent.terminated).toBe(true);
    expect(timedOut).toEqual([silent]);
    expect(answers.terminated).toBe(false);
    expect(answers.pings).toBe(2);
    expect(hb.size).toBe(1);
    hb.stop();
  });

  it('forgets a socket once it closes, and stops pinging when stopped', () => {
    vi.useFakeTimers();
    const hb = new Heartbeat(100);
    const ws = new TestSocket();
    hb.watch(ws.socket);
    ws.terminate();
    expect(hb.size).toBe(0);
    const other = new TestSocket();
    hb.watch(other.socket);
    hb.stop();
    vi.advanceTimersByTime(1000);
    expect(other.pings).toBe(0);
  });
});

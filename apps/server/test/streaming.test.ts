import { decodeViewerFrameHeader, VIEWER_HEADER_BYTES } from '@booxstream/protocol';
import { describe, expect, it } from 'vitest';
import {
  ADMIN, appFrame, approvedDevice, makeJpeg, streamingDevice, viewer, serversPerTest,
} from './helpers.js';

const server = serversPerTest();

describe('device to viewer streaming', () => {
  it('relays the Android app frames to a viewer as the exact JPEG bytes behind a v1 header', async () => {
    const s = await server();
    const dev = await approvedDevice(s);
    const device = await streamingDevice(s, dev.token);
    expect(device.texts[0]).toEqual({ type: 'authenticated', uuid: dev.uuid, protocols: ['json-base64/1', 'binary/1'] });

    const v = await viewer(s, dev.uuid, ADMIN);
    await v.until(() => v.texts.length > 0, 'status event');
    expect(v.texts[0]).toEqual({ type: 'status', uuid: dev.uuid, status: 'approved', streaming: true });

    const jpegs = [await makeJpeg(1), await makeJpeg(2)];
    device.ws.send(appFrame(jpegs[0]!, 1_700_000_000_123));
    await v.until(() => v.binaries.length === 1, 'first frame');
    device.ws.send(appFrame(jpegs[1]!, 1_700_000_000_223));
    await v.until(() => v.binaries.length === 2, 'second frame');

    for (const [i, msg] of v.binaries.entries()) {
      const h = decodeViewerFrameHeader(msg);
      expect(h.seq).toBe(i + 1);
      expect(h.hostTs).toBe(1_700_000_000_123 + i * 100);
      expect(Buffer.compare(msg.subarray(VIEWER_HEADER_BYTES), jpegs[i]!)).toBe(0);
    }
    device.close();
    v.close();
  });
});

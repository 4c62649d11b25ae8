/**
 * Node side of the decode lab: an HTTP server on 127.0.0.1 that serves a page
 * running the app's decoder module (decode-lab-page.ts, bundled on start) and
 * N distinct 936×702 JPEGs from the demo device's synthetic e-ink generator.
 * Used by the decoder browser test and by scripts/measure-decode.ts.
 */
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { renderEinkFrame } from '@booxstream/host-client';
import { build } from 'esbuild';

export interface DecodeLab {
  /** Page URL; it defines `globalThis.decodeLab`. */
  readonly url: string;
  readonly frameBytes: readonly number[];
  close(): Promise<void>;
}

/** Renders `count` distinct frames and starts serving them. */
export async function startDecodeLab(count: number): Promise<DecodeLab> {
  const frames = await Promise.all(Array.from({ length: count }, (_, i) => renderEinkFrame(i)));
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./decode-lab-page.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'warning',
  });
  const script = bundle.outputFiles[0]?.contents ?? new Uint8Array();
  const html = '<!doctype html><meta charset="utf-8"><title>decode lab</title><script type="module" src="lab.js"></script>';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const frame = /^\/frame\/(\d+)$/.exec(path);
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } else if (path === '/lab.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (frame && frames[Number(frame[1])]) {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'cache-control': 'no-store' }).end(frames[Number(frame[1])]);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    // 127.0.0.1 is a secure context, which WebCodecs' ImageDecoder requires.
    url: `http://127.0.0.1:${port}/`,
    frameBytes: frames.map((f) => f.length),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * A device's history of distinct frames, with the live stream's visibility
 * rules: the list (oldest first, paged), one frame's JPEG bytes exactly as
 * received, and a time range as a ZIP of JPEGs or one PDF.
 */
import express, { type Router } from 'express';
import { zipSync, type Zippable } from 'fflate';
import { PDFDocument } from 'pdf-lib';
import { HttpError } from '../errors.js';
import type { HostActions } from '../host-actions.js';
import type { HistoryStore } from '../history/history-store.js';
import { visibleHost } from '../device-access.js';
import { identityOf } from './api-hosts.js';

export interface HistoryApiDeps {
  readonly actions: HostActions;
  readonly history: HistoryStore;
}

export const HISTORY_PAGE_DEFAULT = 200;
export const HISTORY_PAGE_MAX = 1000;
/** An export is built in memory: bounded in frames and bytes. */
export const EXPORT_MAX_FRAMES = 2000;
export const EXPORT_MAX_BYTES = 128 * 1024 * 1024;

function intParam(value: unknown, field: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new HttpError(400, 'HTTP_ERR_INVALID_FIELD', `"${field}" must be a whole number from ${min} to ${max}.`, field);
  }
  return Number(value);
}

export function historyApi(deps: HistoryApiDeps): Router {
  const router = express.Router();
  const { actions, history } = deps;

  router.get('/api/hosts/:uuid/history', (req, res) => {
    const row = visibleHost(actions.devices, identityOf(res), req.params.uuid);
    const limit = intParam(req.query.limit, 'limit', HISTORY_PAGE_DEFAULT, 1, HISTORY_PAGE_MAX);
    const entries = history.list(row.uuid, {
      after: intParam(req.query.after, 'after', 0, 0, Number.MAX_SAFE_INTEGER),
      from: intParam(req.query.from, 'from', 0, 0, Number.MAX_SAFE_INTEGER),
      to: intParam(req.query.to, 'to', Number.MAX_SAFE_INTEGER, 0, Number.MAX_SAFE_INTEGER),
      limit,
    });
    const next = entries.length === limit ? entries[entries.length - 1]!.id : null;
    res.set('Cache-Control', 'no-store').json({ entries, next });
  });

  router.get('/api/hosts/:uuid/history/export', async (req, res) => {
    const row = visibleHost(actions.devices, identityOf(res), req.params.uuid);
    const format = req.query.format ?? 'zip';
    if (format !== 'zip' && format !== 'pdf') throw new HttpError(400, 'HTTP_ERR_INVALID_FIELD', '"format" must be "zip" or "pdf".', 'format');
    const from = intParam(req.query.from, 'from', 0, 0, Number.MAX_SAFE_INTEGER);
    const to = intParam(req.query.to, 'to', Number.MAX_SAFE_INTEGER, 0, Number.MAX_SAFE_INTEGER);
    const entries = history.list(row.uuid, { from, to, limit: EXPORT_MAX_FRAMES + 1 });
    const bytes = entries.reduce((n, e) => n + e.bytes, 0);
    if (entries.length > EXPORT_MAX_FRAMES || bytes > EXPORT_MAX_BYTES) {
      throw new HttpError(413, 'HISTORY_ERR_TOO_LARGE', `That range holds more than ${EXPORT_MAX_FRAMES} frames or ${EXPORT_MAX_BYTES / 1048576} MiB; choose a shorter range ("from", "to").`);
    }
    if (entries.length === 0) throw new HttpError(404, 'HISTORY_ERR_NOT_FOUND', 'No frames were kept in that range.');
    const frames: { at: number; id: number; jpeg: Buffer }[] = [];
    for (const e of entries) {
      const jpeg = await history.read(row.uuid, e.id);
      if (jpeg) frames.push({ at: e.at, id: e.id, jpeg }); // a frame pruned meanwhile is simply left out
    }
    const stem = `booxstream-${row.uuid.slice(0, 8)}-${new Date(entries[0]!.at).toISOString().replace(/[:.]/g, '-')}`;
    let body: Uint8Array;
    if (format === 'zip') {
      const files: Zippable = {};
      // JPEG does not compress further: store, don't deflate.
      for (const f of frames) files[`${new Date(f.at).toISOString().replace(/[:.]/g, '-')}-${f.id}.jpg`] = [f.jpeg, { level: 0, mtime: f.at }];
      body = zipSync(files);
      res.type('application/zip');
    } else {
      const pdf = await PDFDocument.create();
      for (const f of frames) {
        const image = await pdf.embedJpg(f.jpeg);
        pdf.addPage([image.width, image.height]).drawImage(image, { x: 0, y: 0, width: image.width, height: image.height });
      }
      body = await pdf.save();
      res.type('application/pdf');
    }
    res.set({ 'Cache-Control': 'no-store', 'Content-Disposition': `attachment; filename="${stem}.${format}"` }).send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  });

  router.get('/api/hosts/:uuid/history/:id', async (req, res) => {
    const row = visibleHost(actions.devices, identityOf(res), req.params.uuid);
    const id = intParam(req.params.id, 'id', 0, 1, Number.MAX_SAFE_INTEGER);
    const jpeg = await history.read(row.uuid, id);
    if (!jpeg) throw new HttpError(404, 'HISTORY_ERR_NOT_FOUND', 'That frame is not (or no longer) in this device\'s history.', 'id');
    // A kept frame never changes: cache it privately.
    res.set('Cache-Control', 'private, max-age=86400, immutable').type('image/jpeg').send(jpeg);
  });

  return router;
}

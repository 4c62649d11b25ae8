/**
 * Who may see or watch a device, for the HTTP routes and the viewer WebSocket
 * alike: one uuid rule, one lookup (404), one visibility rule (403).
 */
import type { DeviceRow } from './db/devices.js';
import { HttpError } from './errors.js';
import type { Identity } from './identity/identity.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The app sends `UUID.randomUUID().toString()`: 8-4-4-4-12 hex, any case; stored lowercase. */
export function normalizeUuid(value: unknown): string | null {
  return typeof value === 'string' && UUID_RE.test(value) ? value.toLowerCase() : null;
}

/** Owner or admin; pending devices have no owner, so only admins see them. */
export function canSee(identity: Identity, row: DeviceRow): boolean {
  return identity.admin || (row.owner !== null && row.owner === identity.username);
}

/** What the checks need from the device store. */
export interface DeviceLookup {
  get(uuid: string): DeviceRow | undefined;
}

/** The device with this (normalised) uuid, or 404. */
export function findDevice(devices: DeviceLookup, uuid: string): DeviceRow {
  const row = devices.get(uuid);
  if (!row) throw new HttpError(404, 'HOST_ERR_NOT_FOUND', 'No device with this uuid is registered.', 'uuid');
  return row;
}

/** Finds a device the identity may see: 400 bad uuid, 404 unknown, 403 someone else's. */
export function visibleHost(devices: DeviceLookup, identity: Identity, rawUuid: unknown): DeviceRow {
  const uuid = normalizeUuid(rawUuid);
  if (uuid === null) throw new HttpError(400, 'HTTP_ERR_INVALID_FIELD', 'The uuid in the path is not a UUID.', 'uuid');
  const row = findDevice(devices, uuid);
  if (!canSee(identity, row)) throw new HttpError(403, 'HOST_ERR_FORBIDDEN', 'This device belongs to someone else.', 'uuid');
  return row;
}

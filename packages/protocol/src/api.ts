/**
 * HTTP API shapes shared by the server and the viewer web app.
 * Device routes keep the legacy app's snake_case; viewer routes are ours.
 */

export type HostStatus = 'pending' | 'approved' | 'revoked';

/** `POST /api/hosts/register` body, as the Android app sends it. */
export interface RegisterRequest {
  readonly uuid: string;
  readonly public_ip?: string | null;
  readonly name?: string | null;
}

/** `POST /api/hosts/register` answer; the app parses exactly these fields with Gson. */
export interface RegisterResponse {
  readonly success: true;
  readonly token: string;
  readonly host: { readonly uuid: string; readonly public_ip: string | null; readonly name: string | null };
}

/** One entry of `GET /api/hosts`. */
export interface HostView {
  /** Full uuid for the owner and admins; it is the device's secret, so nobody else sees a host at all. */
  readonly uuid: string;
  readonly name: string | null;
  readonly status: HostStatus;
  /** Username of the approver, or null while pending. */
  readonly owner: string | null;
  readonly streaming: boolean;
  readonly viewers: number;
  readonly fps: number;
  /** Epoch ms of the latest frame, or null. */
  readonly lastFrameAt: number | null;
  readonly bytesIn: number;
  /**
   * The device registered again from a client network (IPv4 /24, IPv6 /64) other than
   * its last accepted registration's: that token waits until the owner or an admin
   * confirms it (`POST /api/hosts/:uuid/confirm-network`) or dismisses it. Set by
   * `GET /api/hosts` and the host actions; null when nothing waits.
   */
  readonly reregistration?: { readonly network: string; readonly at: number } | null;
}

/** `GET /api/me`. */
export interface MeView {
  readonly username: string;
  readonly email: string | null;
  readonly name: string | null;
  readonly uid: string | null;
  readonly groups: readonly string[];
  readonly admin: boolean;
  /**
   * How the identity was established: the trusted proxy's headers, the loopback-only
   * DEV_USER, or a share link (a read-only viewer of one device, never an API caller).
   */
  readonly source: 'proxy' | 'dev' | 'share';
}

/** Every JSON error body: `{ error: { code, message, field? } }`. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string };
}

/**
 * What a demo device streams: something that yields the screen as a JPEG for a
 * given moment, like the Android app's capture + `Bitmap.compress(JPEG, 60)`.
 */
export interface FrameSource {
  /** Frame width in pixels (the tablet's screen at half resolution: 936 for a Note Air). */
  readonly width: number;
  /** Frame height in pixels (702 for a Note Air). */
  readonly height: number;
  /**
   * The screen at `nowMs` (epoch ms), as JPEG bytes. A source whose content has not
   * changed returns byte-identical bytes (ideally the same Buffer), as a deterministic
   * encoder on an unchanged e-ink screen does; callers must not mutate the result.
   */
  frameAt(nowMs: number): Promise<Buffer>;
  /** Releases what the source holds (caches, file handles). Optional. */
  close?(): void;
}

// Registration (HTTP)
export { registerDevice, updateIp, DEFAULT_HTTP_TIMEOUT_MS } from './register.js';
export type { RegisterOptions, Registration } from './register.js';

// WebSocket URL rule
export { deviceWebSocketUrl, isDottedIpv4, LEGACY_LAN_PORT } from './ws-url.js';

// Streaming device
export { startDevice, BINARY_PROTOCOL } from './device.js';
export type {
  DeviceOptions,
  DeviceHandle,
  DeviceEvent,
  DeviceStats,
  DeviceClose,
  DeviceEncodingOption,
  AuthenticatedInfo,
} from './device.js';

// Frame sources
export type { FrameSource } from './sources/frame-source.js';
export {
  createSyntheticEinkSource,
  renderEinkFrame,
  renderEinkRaster,
  encodeRasterJpeg,
  STROKES_PER_PAGE,
} from './sources/synthetic-eink.js';
export type { EinkPageOptions, SyntheticEinkOptions } from './sources/synthetic-eink.js';
export { mulberry32 } from './sources/prng.js';
export { createFolderSource, createImageSource, loadScreenJpeg } from './sources/folder.js';
export type { FolderSourceOptions, ImageSourceOptions } from './sources/folder.js';
export type { GreyRaster } from './sources/raster.js';

// Errors
export {
  HostClientError,
  InvalidOptionError,
  RegistrationError,
  NetworkError,
  BadResponseError,
  AuthRejectedError,
  SocketClosedError,
  FrameSourceError,
} from './errors.js';
export type { HostClientErrorCode } from './errors.js';

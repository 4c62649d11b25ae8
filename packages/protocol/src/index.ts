// Request/response shapes
export type { HostStatus, RegisterRequest, RegisterResponse, HostView, MeView, ApiErrorBody } from './api.js';

// Device wire
export {
  parseDeviceMessage,
  decodeBase64Jpeg,
  encodeDeviceFrame,
  encodeLegacyFrame,
  isJpeg,
  DEVICE_BINARY_VERSION,
  DEVICE_ENCODINGS,
  DEVICE_HEADER_BYTES,
  DeviceFrameKind,
} from './device.js';
export type {
  AuthMessage,
  Base64FrameMessage,
  BinaryFrameMessage,
  UnchangedMessage,
  DeviceMessage,
  AuthenticatedReply,
  DeviceErrorReply,
  DeviceEncoding,
} from './device.js';

// Viewer wire
export {
  encodeViewerFrame,
  writeViewerFrameHeader,
  encodeViewerAck,
  parseViewerClientMessage,
  parseViewerAckBytes,
  ViewerAcker,
  VIEWER_ACK_EVERY,
  VIEWER_ACK_WINDOW,
  decodeViewerFrameHeader,
  viewerFrameSeq,
  VIEWER_HEADER_BYTES,
  VIEWER_PROTOCOL_VERSION,
  ViewerFrameKind,
} from './viewer.js';
export type { ViewerFrameHeader, ViewerEvent, ViewerClientMessage, StreamStats } from './viewer.js';

// Errors and close codes
export { ProtocolError } from './errors.js';
export type { ProtocolErrorCode } from './errors.js';
export { CloseCode } from './close-codes.js';
export { encodePatchMessage, decodePatch, PatchFormat, patchFormatMime, PATCH_KEYFRAME_EVERY, PATCH_FIXED_BYTES, PATCH_RECT_BYTES } from './patch.js';
export type { Patch, PatchRect } from './patch.js';

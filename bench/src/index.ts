/**
 * @booxstream/bench as a library: the floor relay and the measuring helpers,
 * for anyone who wants the same figures outside `pnpm bench`.
 */
export { startFloorRelay, type FloorRelay, type FloorOptions } from './floor-relay.js';
export { parseProcStat, parseStatusKb, readCpuMs, readCpuSplit, readMemory, RssSampler, slope } from './proc-stat.js';
export { percentileSorted, summarize, spread, Sample, type LatencySummary, type Spread } from './percentiles.js';
export { jpegShaped, withMarker, writeMarker, readMarker, FrameMessage, shapedPool, type Marker, type MarkedJpeg } from './payloads.js';
export { summarizeProfile, formatProfileSummary, type CpuProfile, type ProfileSummary } from './profile-summary.js';

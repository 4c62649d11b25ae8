/**
 * `pnpm preview`: the gateway package's offline preview, with the checklist coverage (which
 * this package owns, next to the program and `pnpm verify` it cites) added to SUMMARY.md.
 */
import { previewCli } from '@booxstream/gateway';
import { seed002CoverageSection } from '../checklist/seed-002-bookstack.js';
import { checklistCoverageSection } from '../checklist/summary.js';
import { observabilityPreviewFiles } from './observability-files.js';

process.exitCode = previewCli(process.argv.slice(2), {
  summarySections: [checklistCoverageSection(), seed002CoverageSection()],
  extraFiles: observabilityPreviewFiles,
});

/**
 * `pnpm preview`: the gateway package's offline preview, with the checklist coverage (which
 * this package owns, next to the program and `pnpm verify` it cites) added to SUMMARY.md.
 */
import { previewCli } from '@booxstream/gateway';
import { checklistCoverageSection } from '../checklist/summary.js';

process.exitCode = previewCli(process.argv.slice(2), { summarySections: [checklistCoverageSection()] });

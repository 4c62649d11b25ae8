/** The checklist coverage as a section of the preview's SUMMARY.md. */
import type { SummarySection } from '@booxstream/gateway';
import { checklistCoverage } from './coverage.js';

/** Text in a Markdown table cell: pipes escaped, on one line. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function checklistCoverageSection(): SummarySection {
  return {
    heading: 'Checklist coverage',
    lines: [
      'Every line of the seed\'s "Checklist de Configuration" and "Test Final", and what takes care of it.',
      '',
      '| section | line | covered by |',
      '|---|---|---|',
      ...checklistCoverage.map((item) => {
        const by = item.coveredBy.map((c) => `${c.kind} \`${c.ref}\`${c.note ? ` (${c.note})` : ''}`).join('<br>');
        return `| ${item.section} | ${cell(item.line)} | ${cell(by)} |`;
      }),
    ],
  };
}

// The impact in Markdown: bounded to a length with a pointer to the rest, escaped; and the
// scheduled check's list of what would not be admitted again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildImpact } from '../../src/report/impact.ts';
import { formatImpactMarkdown, formatNotAdmittedAgain } from '../../src/report/format-impact.ts';
import type { WorkloadVerdict } from '../../src/policy/decision.ts';
import type { WorkloadResult } from '../../src/policy/evaluate.ts';
import { workloadResult } from '../helpers/workload-result.ts';
import { buildReport } from '../../src/report/report.ts';

const policy = { source: 'projects/p/policy', etag: null, name: null, defaultRule: null, notes: [] };

const result = (name: string, verdict: WorkloadVerdict): WorkloadResult => workloadResult(name, verdict, `projects/p/locations/r/services/${name}`);

describe('formatImpactMarkdown', () => {
  it('stays within the limit, cut at a line, and says where the rest is', () => {
    const names = Array.from({ length: 500 }, (_, i) => `svc-${i}`);
    const before = buildReport(
      policy,
      names.map((n) => result(n, 'pass')),
      [],
      [],
    );
    const after = buildReport(
      policy,
      names.map((n) => result(n, 'fail')),
      [],
      [],
    );
    const impact = buildImpact(before, after, [], { failOnWeaken: false });
    const whole = formatImpactMarkdown(impact, '<!-- m -->');
    assert.equal(whole.split('\n').filter((l) => l.startsWith('| ❌ newly-blocked')).length, 500);
    const cut = formatImpactMarkdown(impact, '<!-- m -->', 4000, 'the full report is in the job summary');
    assert.ok(cut.length <= 4000, String(cut.length));
    assert.ok(cut.startsWith('<!-- m -->\n### ❌'), 'the marker and title survive the cut');
    assert.match(cut, /\n… cut here: the full report is in the job summary\n$/);
    assert.ok(cut.split('\n').filter((l) => l.startsWith('| ❌ newly-blocked')).length > 10);
  });
});

describe('formatNotAdmittedAgain', () => {
  it('lists what would be refused or could not be decided, escaped, and nothing that is admitted', () => {
    const report = buildReport(policy, [result('ok', 'pass'), result('de<b>nied_', 'fail'), result('unknown', 'error')], [], []);
    const text = formatNotAdmittedAgain(report, 'DETAILS\n');
    assert.match(text, /^### ❌ binauthz-gate: what is deployed that would not be admitted again$/m);
    assert.match(text, /^2 of 3 deployed workload\(s\):$/m);
    assert.match(text, /^- ❌ Service de&lt;b&gt;nied&#95; \(projects\/p\/locations\/r\/services\/de&lt;b&gt;nied&#95;\): /m);
    assert.match(text, /^- ⛔ Service unknown /m);
    assert.ok(!/Service ok/.test(text));
    assert.ok(text.endsWith('\n\nDETAILS\n'));
  });

  it('says when everything would be admitted again', () => {
    const text = formatNotAdmittedAgain(buildReport(policy, [result('ok', 'pass')], [], []), '');
    assert.match(text, /^### ✅ .*\n\nAll 1 deployed workload\(s\) would be admitted again under the live policy\.$/m);
  });

  it('lists the first 50 refused workloads, then counts the rest on one line', () => {
    const workloads = Array.from({ length: 60 }, (_, i) => result(`svc-${i}`, 'fail'));
    const text = formatNotAdmittedAgain(buildReport(policy, workloads, [], []), 'DETAILS\n');
    assert.match(text, /^60 of 60 deployed workload\(s\):$/m);
    assert.equal(text.match(/^- ❌ /gm)?.length, 50);
    assert.match(text, /^- ❌ Service svc-49 /m);
    assert.ok(!/Service svc-50 /.test(text));
    assert.match(text, /^- … and 10 more$/m);
  });
});

import {
  convertWorkflowTemplate,
  NoOperationTraceWriter,
  parseWorkflow,
} from '@actions/workflow-parser';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTIONS } from '../../../src/ci/actions.js';
import {
  ARCHIVE,
  ciOutputs,
  renderCi,
  renderWorkflow,
  SARIF,
  workflowPath,
} from '../../../src/ci/github.js';
import { makePlan } from '../../../src/plan/plan.js';
import { loadPreset } from '../../../src/spec/load.js';

const preset = loadPreset('py-kube').spec;
const plan = makePlan({
  ...preset,
  image: { ...preset.image, repository: 'ghcr.io/acme/py-kube' },
});
const text = renderWorkflow(plan, { specPath: 'kubox.yaml', kuboxVersion: '0.1.0' });

interface Step {
  name: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
}
const doc = parse(text) as {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { if: string; permissions?: Record<string, string>; steps: Step[] }>;
};
const steps = doc.jobs.build!.steps;

async function validate(content: string): Promise<string[]> {
  const result = parseWorkflow({ name: 'build.yml', content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((e) => e.message);
  if (result.value) {
    const template = await convertWorkflowTemplate(result.context, result.value);
    errors.push(...(template.errors ?? []).map((e) => e.Message));
  }
  return errors;
}

describe('kubox ci github', () => {
  it("writes a workflow that GitHub's own workflow parser accepts", async () => {
    expect(await validate(text)).toEqual([]);
    // The validator is not a rubber stamp: a broken workflow is reported.
    expect(
      await validate(text.replace('runs-on: ubuntu-latest', 'runs-onn: ubuntu-latest')),
    ).not.toEqual([]);
  });

  it('checks out, sets up node, QEMU and buildx, logs in, builds, scans, uploads SARIF and pushes, in that order', () => {
    expect(steps.map((s) => s.name)).toEqual([
      'Check out',
      'Set up Node.js',
      'Set up QEMU (RUN steps of foreign platforms)',
      'Set up Docker Buildx',
      'Read the registry from kubox.yaml',
      'Log in to the registry',
      'Build to an OCI archive',
      'Scan the archive (the gate)',
      'Upload the scan to code scanning',
      'Push the scanned archive',
    ]);
    expect(steps[6]!.run).toBe(`$KUBOX build --output oci:${ARCHIVE} --progress plain`);
    expect(steps[7]!.run).toBe(`$KUBOX scan oci:${ARCHIVE} --format sarif --output ${SARIF}`);
    expect(steps[9]!.run).toBe(`$KUBOX push oci:${ARCHIVE}`);
  });

  it('gates the push on the scan, and uploads the SARIF whatever the gate said', () => {
    // No `if` on the push: it runs only when every step before it, the scan included, succeeded.
    expect(steps[9]!.if).toBeUndefined();
    expect(steps[8]!.if).toBe(`always() && hashFiles('${SARIF}') != ''`);
    expect(steps[8]!.with).toMatchObject({ sarif_file: SARIF });
    // The seed put ignore-unfixed on the upload step, which has no such input.
    expect(Object.keys(steps[8]!.with!)).toEqual(['sarif_file', 'category']);
    expect(doc.jobs.build!.permissions).toEqual({ contents: 'read', 'security-events': 'write' });
    expect(doc.permissions).toEqual({ contents: 'read' });
  });

  it('pins every action by full commit SHA with its release as a comment', () => {
    const uses = [...text.matchAll(/uses: (\S+)@(\S+) # (\S+)/g)];
    expect(uses.length).toBe(text.match(/uses:/g)!.length);
    for (const [, name, sha, version] of uses) {
      expect(sha).toMatch(/^[a-f0-9]{40}$/);
      expect(Object.values(ACTIONS).find((a) => a.uses === name)).toMatchObject({ sha, version });
    }
  });

  it('repeats no value that lives in kubox.yaml', () => {
    const forbidden = [
      plan.spec.version,
      plan.base.digest,
      plan.spec.args.KUBECTL_VERSION!,
      ...plan.spec.platforms,
      plan.spec.image.repository!,
      ...plan.tags,
    ];
    for (const value of forbidden) expect(text).not.toContain(value);
    expect(ciOutputs(plan, 'ghcr.io')).toBe(
      `registry=ghcr.io\nname=py-kube\nversion=0.9.0\ntags=ghcr.io/acme/py-kube:0.9.0,ghcr.io/acme/py-kube:latest\n`,
    );
  });

  it('builds when the spec or the workflow changes on main, on demand, and checks the pin on a schedule', () => {
    expect(doc.on).toEqual({
      push: {
        branches: ['main'],
        paths: ['kubox.yaml', 'Dockerfile', '.dockerignore', workflowPath(plan)],
      },
      workflow_dispatch: null,
      schedule: [{ cron: '17 5 * * 1' }],
    });
    expect(doc.jobs.build!.if).toBe("github.event_name != 'schedule'");
    expect(doc.jobs['pin-check']!.steps.at(-1)!.run).toBe('$KUBOX pin --check');
  });

  it('uses the secret names, branch and spec path it is given', () => {
    const custom = makePlan({
      ...plan.spec,
      ci: {
        github: {
          ...plan.spec.ci.github,
          branch: 'release',
          secrets: { username: 'GHCR_USER', password: 'GHCR_TOKEN' },
        },
      },
    });
    const t = renderWorkflow(custom, {
      specPath: 'images/debug/kubox.yaml',
      kuboxVersion: '0.1.0',
    });
    expect(t).toContain('${{ secrets.GHCR_USER }}');
    expect(t).toContain('${{ secrets.GHCR_TOKEN }}');
    expect(t).toContain('branches: [release]');
    expect(t).toContain('$KUBOX build -f images/debug/kubox.yaml --output');
    expect(t).toContain('- images/debug/Dockerfile');
  });

  it('writes dependabot.yml for github-actions, and the workflow is byte-stable', async () => {
    const files = renderCi(plan, { specPath: 'kubox.yaml', kuboxVersion: '0.1.0' });
    expect(Object.keys(files)).toEqual([
      '.github/workflows/build-py-kube.yml',
      '.github/dependabot.yml',
    ]);
    expect(parse(files['.github/dependabot.yml']!)).toEqual({
      version: 2,
      updates: [
        { 'package-ecosystem': 'github-actions', directory: '/', schedule: { interval: 'weekly' } },
      ],
    });
    expect(renderCi(plan, { specPath: 'kubox.yaml', kuboxVersion: '0.1.0' })).toEqual(files);
  });
});

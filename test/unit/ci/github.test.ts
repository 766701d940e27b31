import {
  convertWorkflowTemplate,
  NoOperationTraceWriter,
  parseWorkflow,
} from '@actions/workflow-parser';
import { execa } from 'execa';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTIONS } from '../../../src/ci/actions.js';
import {
  ARCHIVE,
  BUILD_JSON,
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

  it('checks out, sets up node, QEMU and buildx, logs in, builds-scans-pushes, reports, signs, in that order', () => {
    expect(steps.map((s) => s.name)).toEqual([
      'Check out',
      'Set up Node.js',
      'Set up QEMU (RUN steps of foreign platforms)',
      'Set up Docker Buildx',
      'Read the registry from kubox.yaml',
      'Log in to the registry',
      'Build, scan (the gate), push what passed with its SBOMs, provenance and scan report',
      'Scan report for code scanning',
      'Upload the scan to code scanning',
      'Install cosign',
      'Sign the pushed image, keyless (GitHub OIDC, Fulcio, Rekor)',
    ]);
    expect(steps[6]!.run).toBe(
      `$KUBOX build --scan --push --sbom --provenance --output oci:${ARCHIVE} --progress plain --json > ${BUILD_JSON}`,
    );
    expect(steps[7]!.run).toBe(`$KUBOX scan oci:${ARCHIVE} --format sarif --output ${SARIF}`);
  });

  it('pushes only what passed the gate, in the same kubox run, and uploads the SARIF whatever the gate said', () => {
    // The gate is inside the build step: `kubox build --scan --push` pushes only a passing image.
    expect(steps[6]!.if).toBeUndefined();
    expect(steps[7]!.if).toBe(`always() && hashFiles('${ARCHIVE}') != ''`);
    expect(steps[8]!.if).toBe(`always() && hashFiles('${SARIF}') != ''`);
    expect(steps[8]!.with).toMatchObject({ sarif_file: SARIF });
    // The seed put ignore-unfixed on the upload step, which has no such input.
    expect(Object.keys(steps[8]!.with!)).toEqual(['sarif_file', 'category']);
    // Signing runs only when everything before it (the build, so the gate) succeeded.
    expect(steps[10]!.if).toBeUndefined();
    expect(doc.jobs.build!.permissions).toEqual({
      contents: 'read',
      'security-events': 'write',
      'id-token': 'write',
    });
    expect(doc.permissions).toEqual({ contents: 'read' });
  });

  it("signs by the digest kubox pushed, read from the build's JSON, index and platforms (--recursive)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubox-ci-sign-'));
    await writeFile(
      join(dir, BUILD_JSON),
      JSON.stringify({
        pushed: {
          digest: `sha256:${'ab'.repeat(32)}`,
          refs: ['127.0.0.1:5000/acme/py-kube:0.9.0', '127.0.0.1:5000/acme/py-kube:latest'],
        },
      }),
    );
    // cosign's STAND-IN prints its arguments, one per line; jq is the real one.
    const out = await execa(
      'bash',
      ['-c', `cosign() { printf '%s\\n' "$@"; }; ${steps[10]!.run!}`],
      {
        cwd: dir,
      },
    );
    expect(out.stdout.split('\n')).toEqual([
      'sign',
      '--yes',
      '--recursive',
      `127.0.0.1:5000/acme/py-kube@sha256:${'ab'.repeat(32)}`,
    ]);
  });

  it('signs nothing and asks for no OIDC token with sign: none', () => {
    const unsigned = renderWorkflow(
      makePlan({
        ...preset,
        image: { ...preset.image, repository: 'ghcr.io/acme/py-kube' },
        ci: { github: { ...preset.ci.github, sign: 'none' } },
      }),
      { specPath: 'kubox.yaml', kuboxVersion: '0.1.0' },
    );
    expect(unsigned).not.toContain('cosign');
    expect(unsigned).not.toContain('id-token');
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
    expect(t).toContain('$KUBOX build -f images/debug/kubox.yaml --scan --push');
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

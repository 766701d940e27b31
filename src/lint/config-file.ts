/**
 * A lint configuration file: `.kubox-lint.yaml`, or hadolint's `.hadolint.yaml`
 * for teams that switch (ignored, trustedRegistries, override,
 * failure-threshold, label-schema are honoured; hadolint's other keys are
 * accepted and unused). Parsing is pure; finding and reading the file is in
 * discover.ts.
 */
import { z } from 'zod';
import { KuboxError, type Problem } from '../errors.js';
import { parseYaml } from '../spec/yaml.js';
import { DEFAULT_CONFIG, type LintConfig } from './config.js';
import { SEVERITIES } from './types.js';

const codes = z.array(z.string().regex(/^[A-Z]+[0-9]+$/, 'a rule code such as DL3008 or KBX001'));
const threshold = z.enum([...SEVERITIES, 'none', 'ignore']);
const override = z
  .object({ error: codes, warning: codes, info: codes, style: codes })
  .partial()
  .strict();

const shared = {
  ignored: codes.optional(),
  trustedRegistries: z.array(z.string()).optional(),
  override: override.optional(),
  'failure-threshold': threshold.optional(),
  'label-schema': z.record(z.string(), z.unknown()).optional(),
  'disable-ignore-pragma': z.boolean().optional(),
};

const KuboxFile = z
  .object({
    ...shared,
    failureThreshold: threshold.optional(),
    enable: codes.optional(),
    requiredLabels: z.array(z.string()).optional(),
  })
  .strict();

// hadolint's own keys that kubox does not use; accepted so a .hadolint.yaml works unchanged.
const HadolintFile = z
  .object({
    ...shared,
    'strict-labels': z.boolean().optional(),
    'no-fail': z.boolean().optional(),
    'no-color': z.boolean().optional(),
    format: z.string().optional(),
    verbose: z.boolean().optional(),
  })
  .strict();

/** Parses a config file's text. `kind` picks the accepted keys. Throws KuboxError (exit 2). */
export function parseConfig(text: string, file: string, kind: 'kubox' | 'hadolint'): LintConfig {
  const { doc, counter, data: parsed } = parseYaml(text, file);
  const data: unknown = parsed ?? {};
  const result = (kind === 'kubox' ? KuboxFile : HadolintFile).safeParse(data);
  if (!result.success) {
    const problems: Problem[] = result.error.issues.map((i) => {
      const node = doc.getIn(i.path as unknown[], true) as
        { range?: [number, number, number] } | undefined;
      const pos = node?.range ? counter.linePos(node.range[0]) : { line: 1, col: 1 };
      return {
        message: `${i.path.join('.') || '(top)'}: ${i.message}`,
        location: { file, line: pos.line, column: pos.col },
      };
    });
    throw new KuboxError('spec', `${file} is not a valid lint configuration`, {
      problems,
      hint: 'keys: ignored, enable, override {error,warning,info,style}, trustedRegistries, requiredLabels, failure-threshold',
    });
  }
  const c = result.data as z.infer<typeof KuboxFile>;
  const t = c.failureThreshold ?? c['failure-threshold'];
  return {
    ignored: c.ignored ?? [],
    enable: c.enable ?? [],
    override: c.override ?? {},
    trustedRegistries: c.trustedRegistries ?? [],
    requiredLabels: [...(c.requiredLabels ?? []), ...Object.keys(c['label-schema'] ?? {})],
    failureThreshold:
      t === undefined ? DEFAULT_CONFIG.failureThreshold : t === 'ignore' ? 'none' : t,
    disableIgnorePragma: c['disable-ignore-pragma'] ?? false,
  };
}

/**
 * kubox's own templates: `{{version}}` and `{{name}}` in tags and labels,
 * expanded when the plan is made. `${NAME}` is left alone: those are build
 * args that BuildKit expands inside the Dockerfile.
 */
export type TemplateVars = Readonly<Record<string, string>>;

export class TemplateError extends Error {}

export function expandTemplate(text: string, vars: TemplateVars): string {
  return text.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, key: string) => {
    const value = Object.hasOwn(vars, key) ? vars[key] : undefined;
    if (value === undefined) {
      throw new TemplateError(
        `unknown template variable {{${key}}}; use one of ${Object.keys(vars)
          .map((k) => `{{${k}}}`)
          .join(', ')}`,
      );
    }
    return value;
  });
}

/**
 * `${NAME}` in spec URLs, expanded the way the Dockerfile's shell would with
 * the build args (and TARGETARCH per platform). The spec schema already
 * refuses a reference to an undeclared arg, so a miss here is a kubox bug.
 */
export function expandArgs(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`\${${name}} has no value (not a build arg)`);
    return value;
  });
}

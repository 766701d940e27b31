/**
 * `${NAME}` in spec URLs, expanded the way the Dockerfile's shell would with
 * the build args, and per platform the TARGET* values BuildKit sets. The
 * schema already refuses undeclared names; what can still miss here is an
 * automatic arg in a place the native engine resolves once for all platforms
 * (a repository URL), or a BUILD* arg, which has no meaning without a builder.
 */
import { KuboxError } from '../../errors.js';
import { parsePlatform } from '../../oci/platform.js';

/** The TARGET* args for one platform, as BuildKit defines them. */
export function targetArgs(platform: string): Record<string, string> {
  const p = parsePlatform(platform);
  return {
    TARGETPLATFORM: platform,
    TARGETOS: p.os,
    TARGETARCH: p.architecture,
    TARGETVARIANT: p.variant ?? '',
  };
}

export function expandArgs(
  template: string,
  vars: Readonly<Record<string, string>>,
  where = 'this URL',
): string {
  return template.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined)
      throw new KuboxError(
        'spec',
        `\${${name}} has no value in ${where} with the native engine (${template})`,
        {
          hint: name.startsWith('TARGET')
            ? 'only binaries[].url and .checksumUrl are per platform; other URLs are the same for every platform'
            : 'BUILD* args exist only inside a buildx build; use a declared arg instead',
        },
      );
    return value;
  });
}

/** The SARIF 2.1.0 envelope both kubox lint and kubox scan write their findings in. */

export interface SarifRun {
  version: string;
  rules: unknown[];
  results: unknown[];
  informationUri?: string;
  properties?: Record<string, unknown>;
}

export function sarifLog(run: SarifRun): Record<string, unknown> {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kubox',
            version: run.version,
            semanticVersion: run.version,
            ...(run.informationUri ? { informationUri: run.informationUri } : {}),
            rules: run.rules,
          },
        },
        columnKind: 'utf16CodeUnits',
        results: run.results,
        ...(run.properties ? { properties: run.properties } : {}),
      },
    ],
  };
}

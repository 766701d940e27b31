/**
 * A package as a Packages index lists it, with its relations parsed only when
 * asked for. bookworm's indexes list 63k packages with 340k relation atoms
 * per architecture; a resolution reads the relations of a few hundred. Parsing
 * them all up front cost seconds and hundreds of MB for every platform.
 */
import { KuboxError } from '../errors.js';
import {
  ControlError,
  type Dependency,
  type DependencyGroup,
  type RelationParser,
} from './control.js';
import type { PackageRecord } from './resolve.js';

/** A paragraph's fields as package-list.ts reads them: relations as written (Provides parsed: lookups need it). */
export interface StoredPackage {
  name: string;
  version: string;
  architecture: string;
  essential?: true;
  multiArch?: PackageRecord['multiArch'];
  relations?: Partial<Record<RelationField, string>>;
  provides?: Dependency[];
  filename?: string;
  sha256?: string;
  size?: number;
}

export type RelationField = 'preDepends' | 'depends' | 'recommends' | 'conflicts' | 'breaks';

export class IndexedPackage implements PackageRecord {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  readonly essential: boolean;
  readonly multiArch?: PackageRecord['multiArch'];
  readonly provides: Dependency[];
  readonly filename?: string;
  readonly sha256?: string;
  readonly size?: number;
  readonly url?: string;
  readonly source: string;
  readonly #raw: Partial<Record<RelationField, string>>;
  readonly #parsed: Partial<Record<RelationField, DependencyGroup[]>> = {};
  readonly #parser: RelationParser;
  /** The index, for an error about a relation that does not parse. */
  readonly #where: string;

  constructor(
    stored: StoredPackage,
    at: { source: string; url?: string; where: string; parser: RelationParser },
  ) {
    this.name = stored.name;
    this.version = stored.version;
    this.architecture = stored.architecture;
    this.essential = stored.essential === true;
    if (stored.multiArch) this.multiArch = stored.multiArch;
    this.provides = stored.provides ?? [];
    if (stored.filename !== undefined) this.filename = stored.filename;
    if (stored.sha256 !== undefined) this.sha256 = stored.sha256;
    if (stored.size !== undefined) this.size = stored.size;
    if (at.url !== undefined) this.url = at.url;
    this.source = at.source;
    this.#raw = stored.relations ?? {};
    this.#parser = at.parser;
    this.#where = at.where;
  }

  get preDepends(): DependencyGroup[] {
    return this.#relation('preDepends');
  }
  get depends(): DependencyGroup[] {
    return this.#relation('depends');
  }
  get recommends(): DependencyGroup[] {
    return this.#relation('recommends');
  }
  get conflicts(): DependencyGroup[] {
    return this.#relation('conflicts');
  }
  get breaks(): DependencyGroup[] {
    return this.#relation('breaks');
  }

  #relation(field: RelationField): DependencyGroup[] {
    let parsed = this.#parsed[field];
    if (!parsed) {
      try {
        parsed = this.#parser.parse(this.#raw[field]);
      } catch (e) {
        if (!(e instanceof ControlError)) throw e;
        throw new KuboxError(
          'integrity',
          `${this.#where}: package ${this.name} ${this.version}: ${e.message}`,
          { cause: e },
        );
      }
      this.#parsed[field] = parsed;
    }
    return parsed;
  }
}

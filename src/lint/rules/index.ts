/** Every rule kubox lint knows, in code order. */
import type { Rule } from '../types.js';
import { dl1000 } from './dl1000-syntax.js';
import { dl3000 } from './dl3000-workdir-absolute.js';
import { dl3002 } from './dl3002-last-user-root.js';
import { dl3003 } from './dl3003-cd.js';
import { dl3004 } from './dl3004-sudo.js';
import { dl3006 } from './dl3006-image-tag.js';
import { dl3007 } from './dl3007-latest-tag.js';
import { dl3008 } from './dl3008-apt-pin.js';
import { dl3009 } from './dl3009-apt-lists.js';
import { dl3013 } from './dl3013-pip-pin.js';
import { dl3014 } from './dl3014-apt-yes.js';
import { dl3015 } from './dl3015-apt-no-recommends.js';
import { dl3020 } from './dl3020-copy-not-add.js';
import { dl3021 } from './dl3021-copy-dest-slash.js';
import { dl3022 } from './dl3022-copy-from-stage.js';
import { dl3023 } from './dl3023-copy-from-self.js';
import { dl3024 } from './dl3024-unique-stage-names.js';
import { dl3025 } from './dl3025-json-cmd.js';
import { dl3026 } from './dl3026-trusted-registries.js';
import { dl3027 } from './dl3027-no-apt.js';
import { dl3042 } from './dl3042-pip-no-cache.js';
import { dl3044 } from './dl3044-env-self-reference.js';
import { dl3045 } from './dl3045-copy-relative-dest.js';
import { dl3046 } from './dl3046-useradd-high-uid.js';
import { dl3047 } from './dl3047-wget-progress.js';
import { dl3049 } from './dl3049-required-labels.js';
import { dl3059 } from './dl3059-consecutive-runs.js';
import { dl3061 } from './dl3061-instruction-order.js';
import { dl3064 } from './dl3064-secrets-in-arg-env.js';
import { dl4001 } from './dl4001-wget-and-curl.js';
import { dl4003 } from './dl4003-multiple-cmd.js';
import { dl4004 } from './dl4004-multiple-entrypoint.js';
import { dl4005 } from './dl4005-ln-bin-sh.js';
import { dl4006 } from './dl4006-pipefail.js';
import { kbx001 } from './kbx001-base-digest.js';
import { kbx002 } from './kbx002-user-missing.js';
import { kbx003 } from './kbx003-user-numeric.js';
import { kbx004 } from './kbx004-user-exists.js';
import { kbx005 } from './kbx005-apt-clean.js';
import { kbx006 } from './kbx006-unverified-download.js';
import { kbx007 } from './kbx007-add-checksum.js';
import { kbx008 } from './kbx008-syntax-pinned.js';

export const RULES: readonly Rule[] = [
  dl1000,
  dl3000,
  dl3002,
  dl3003,
  dl3004,
  dl3006,
  dl3007,
  dl3008,
  dl3009,
  dl3013,
  dl3014,
  dl3015,
  dl3020,
  dl3021,
  dl3022,
  dl3023,
  dl3024,
  dl3025,
  dl3026,
  dl3027,
  dl3042,
  dl3044,
  dl3045,
  dl3046,
  dl3047,
  dl3049,
  dl3059,
  dl3061,
  dl3064,
  dl4001,
  dl4003,
  dl4004,
  dl4005,
  dl4006,
  kbx001,
  kbx002,
  kbx003,
  kbx004,
  kbx005,
  kbx006,
  kbx007,
  kbx008,
];

export function ruleByCode(code: string): Rule | undefined {
  return RULES.find((r) => r.code === code);
}

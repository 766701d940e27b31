import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3023', [
  { name: 'own name', text: `${BASE} AS app\nCOPY --from=app /a /b`, lines: [2] },
  { name: 'own name, other case', text: `${BASE} AS App\nCOPY --from=app /a /b`, lines: [2] },
  { name: 'own index', text: `${BASE}\n${BASE}\nCOPY --from=1 /a /b`, lines: [3] },
  { name: 'earlier stage', text: `${BASE} AS b\n${BASE} AS app\nCOPY --from=b /a /b`, lines: [] },
  { name: 'no --from', text: `${BASE} AS app\nCOPY a /b`, lines: [] },
]);

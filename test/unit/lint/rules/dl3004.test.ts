import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3004', [
  { name: 'sudo', text: `${BASE}\nRUN sudo apt-get update`, lines: [2] },
  { name: 'sudo behind env', text: `${BASE}\nRUN env A=1 sudo -u x id`, lines: [2] },
  { name: 'ONBUILD sudo', text: `${BASE}\nONBUILD RUN sudo id`, lines: [2] },
  { name: 'the word sudo in a string', text: `${BASE}\nRUN echo "no sudo here"`, lines: [] },
]);

import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3014', [
  {
    name: 'no -y',
    text: `${BASE}\nRUN apt-get install --no-install-recommends curl`,
    lines: [2],
  },
  {
    name: '-y after the packages',
    text: `${BASE}\nRUN apt-get install --no-install-recommends curl -y`,
    lines: [],
  },
  {
    name: '-qq implies -y',
    text: `${BASE}\nRUN apt-get -qq install --no-install-recommends curl`,
    lines: [],
  },
  {
    name: 'combined -qy',
    text: `${BASE}\nRUN apt-get install -qy --no-install-recommends curl`,
    lines: [],
  },
  {
    name: 'flags through a variable',
    text: `${BASE}\nARG APT_FLAGS="-y --no-install-recommends"\nRUN apt-get install $APT_FLAGS curl`,
    lines: [],
  },
  {
    name: '-q=2 implies -y',
    text: `${BASE}\nRUN apt-get -q=2 install --no-install-recommends curl`,
    lines: [],
  },
  {
    name: '--quiet --quiet implies -y',
    text: `${BASE}\nRUN apt-get --quiet --quiet install --no-install-recommends curl`,
    lines: [],
  },
  {
    name: '-q -q implies -y',
    text: `${BASE}\nRUN apt-get -q -q install --no-install-recommends curl`,
    lines: [],
  },
  {
    name: 'a single -q does not',
    text: `${BASE}\nRUN apt-get -q install --no-install-recommends curl`,
    lines: [2],
  },
  {
    name: '-q=1 does not',
    text: `${BASE}\nRUN apt-get -q=1 install --no-install-recommends curl`,
    lines: [2],
  },
  {
    name: 'aptitude without -y',
    text: `${BASE}\nRUN aptitude install --without-recommends curl`,
    lines: [2],
  },
  {
    name: 'aptitude -y',
    text: `${BASE}\nRUN aptitude install -y --without-recommends curl`,
    lines: [],
  },
]);

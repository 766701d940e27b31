import { ruleCases } from './cases.js';
import { BASE } from '../support.js';

ruleCases('DL3015', [
  {
    name: 'missing, multi-line with comment',
    text: `${BASE}\nRUN apt-get update && \\\n  # tools\n  apt-get install -y \\\n  curl`,
    lines: [4],
  },
  {
    name: 'given',
    text: `${BASE}\nRUN apt-get install -y --no-install-recommends curl`,
    lines: [],
  },
  {
    name: 'apt config option',
    text: `${BASE}\nRUN apt-get install -y -o APT::Install-Recommends=false curl`,
    lines: [],
  },
  {
    name: 'configured in an earlier RUN',
    text: `${BASE}\nRUN echo 'APT::Install-Recommends "false";' > /etc/apt/apt.conf.d/no-rec\nRUN apt-get install -y curl`,
    lines: [],
  },
  { name: 'exec form', text: `${BASE}\nRUN ["apt-get", "install", "-y", "curl"]`, lines: [2] },
  { name: 'aptitude without -R', text: `${BASE}\nRUN aptitude install -y curl`, lines: [2] },
  { name: 'aptitude -R', text: `${BASE}\nRUN aptitude install -y -R curl`, lines: [] },
  {
    name: 'aptitude --without-recommends',
    text: `${BASE}\nRUN aptitude install -y --without-recommends curl`,
    lines: [],
  },
]);

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROLE_DESCRIPTIONS, ROLES } from '../../src/app/access/roles.js';
import { serviceRoutes } from '../../src/app/http/route-catalog.js';

const START = '<!-- roles:start -->';
const END = '<!-- roles:end -->';

/** The roles table as the code defines it: each role, what it allows, and its routes. */
const rolesTable = (): string => {
  const routes = serviceRoutes();
  const rows = ROLES.map((role) => {
    const served = routes
      .filter((route) => route.role === role)
      .map((route) => `\`${route.method.toUpperCase()} ${route.path}\``)
      .join(', ');
    return `| \`${role}\` | ${ROLE_DESCRIPTIONS[role]} | ${served} |`;
  });
  return ['| role | allows | routes |', '|---|---|---|', ...rows].join('\n');
};

describe('docs/security.md', () => {
  it('lists the roles and their routes exactly as the code names them', () => {
    const doc = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    expect(start, `docs/security.md needs a ${START} … ${END} block`).toBeGreaterThan(-1);
    const documented = doc.slice(start + START.length, end).trim();
    // On a mismatch the expected side is the table to paste into the doc.
    expect(documented).toBe(rolesTable());
  });
});

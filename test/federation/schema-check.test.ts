/**
 * The committed subgraph SDL and the breaking-change check behind `npm run schema:check`: the
 * rules (graphql-inspector's plus removed entity keys), the history walk with its approval
 * trailer, and the CLI itself run against throwaway git repositories.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  breakingChanges,
  currentSubgraphSdl,
  isApprovedBreak,
  SUBGRAPH_SDL_FILE,
  unapprovedBreaks,
  type SdlRevision,
} from '../../scripts/subgraph-sdl';

const ROOT = path.resolve(__dirname, '..', '..');
const SDL = currentSubgraphSdl();

/** SDL with one edit; the test fails loudly if the edit did not apply (so no test passes vacuously). */
function edited(from: string | RegExp, to: string): string {
  const next = SDL.replace(from, to);
  expect(next).not.toBe(SDL);
  return next;
}

const typesOf = async (next: string) => (await breakingChanges(SDL, next)).map((c) => `${c.type} ${c.path}`);

describe('the committed subgraph.graphql', () => {
  it('is the SDL the subgraph serves, with the contract entities keyed by id', () => {
    expect(SUBGRAPH_SDL_FILE).toBe(path.join(ROOT, 'subgraph.graphql'));
    expect(readFileSync(SUBGRAPH_SDL_FILE, 'utf8')).toBe(SDL);
    for (const entity of ['PaymentMethod', 'PaymentMethodSession', 'Customer']) {
      expect(SDL).toContain(`type ${entity} @key(fields: "id") {`);
    }
    expect(SDL).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/);
  });
});

describe('breakingChanges', () => {
  it('finds nothing between a schema and itself', async () => {
    expect(await breakingChanges(SDL, SDL)).toEqual([]);
  });

  it('fails a renamed field (a removal to clients) and a removed field', async () => {
    const renamed = edited('  last4: String!\n  "The month', '  lastFour: String!\n  "The month');
    expect(await typesOf(renamed)).toEqual(['FIELD_REMOVED CardDetails.last4']);
    const removed = edited(/\n\s+"The customer's email address[^\n]*\n\s+email: String/, '');
    expect(await typesOf(removed)).toEqual(['FIELD_REMOVED Customer.email']);
  });

  it('fails a removed enum value, a required argument or input field, and a nullable output', async () => {
    expect(await typesOf(edited(/\n\s+"Deleted; it cannot be used again."\n\s+DELETED/, ''))).toEqual([
      'ENUM_VALUE_REMOVED PaymentMethodStatus.DELETED',
    ]);
    expect(await typesOf(edited('paymentMethod(\n', 'paymentMethod(\n    region: String!\n'))).toEqual([
      'FIELD_ARGUMENT_ADDED Query.paymentMethod.region',
    ]);
    expect(await typesOf(edited('input DeletePaymentMethodInput {', 'input DeletePaymentMethodInput {\n  reason: String!'))).toEqual([
      'INPUT_FIELD_ADDED DeletePaymentMethodInput.reason',
    ]);
    expect(await typesOf(edited('  status: PaymentMethodStatus!', '  status: PaymentMethodStatus'))).toEqual([
      'FIELD_TYPE_CHANGED PaymentMethod.status',
    ]);
  });

  it('fails a removed entity key, which graphql-inspector alone does not see', async () => {
    const changes = await breakingChanges(SDL, edited('type Customer @key(fields: "id") {', 'type Customer {'));
    expect(changes).toEqual([
      expect.objectContaining({ type: 'ENTITY_KEY_REMOVED', path: 'Customer', message: expect.stringContaining('@key(fields: "id")') }),
    ]);
  });

  it('passes additions: an optional field, argument and input field, a new type, an enum value, a description', async () => {
    const edits: Array<[string, string]> = [
      ['type Customer @key(fields: "id") {', 'type Customer @key(fields: "id") {\n  "A nickname."\n  nickname: String'],
      ['paymentMethod(\n', 'paymentMethod(\n    region: String\n'],
      ['input DeletePaymentMethodInput {', 'input DeletePaymentMethodInput {\n  reason: String'],
      ['\n  UNKNOWN\n}', '\n  UNKNOWN\n  PAUSED\n}'],
      ['"Whether a payment method can be used."', '"Whether, and why not, a payment method can be used."'],
    ];
    let additions = SDL;
    for (const [from, to] of edits) {
      const next = additions.replace(from, to);
      expect(next).not.toBe(additions);
      additions = next;
    }
    additions += '\n"A new type."\ntype Wallet {\n  "Its id."\n  id: ID!\n}\n';
    expect(await breakingChanges(SDL, additions)).toEqual([]);
  });
});

describe('unapprovedBreaks over a history', () => {
  const withNickname = SDL.replace('type Customer @key(fields: "id") {', 'type Customer @key(fields: "id") {\n  nickname: String');
  const rev = (name: string, sdl: string, approved = false): SdlRevision => ({ name, sdl, approved });

  it('reports the step that broke, against the revision before it', async () => {
    const breaks = await unapprovedBreaks([rev('a', SDL), rev('b', withNickname), rev('c', SDL), rev('d', SDL)]);
    expect(breaks).toEqual([
      { revision: 'c', previous: 'b', changes: [expect.objectContaining({ type: 'FIELD_REMOVED', path: 'Customer.nickname' })] },
    ]);
  });

  it('lets an approved break through, and judges later revisions against it', async () => {
    expect(await unapprovedBreaks([rev('a', withNickname), rev('b', SDL, true), rev('c', SDL)])).toEqual([]);
    expect(await unapprovedBreaks([rev('a', withNickname), rev('b', SDL, true), rev('c', withNickname), rev('d', SDL)])).toEqual([
      expect.objectContaining({ revision: 'd', previous: 'c' }),
    ]);
  });

  it('reads the approval only as a trailer with a reason', () => {
    expect(isApprovedBreak('Drop Customer.nickname\n\nBreaking-Schema-Change: nobody read it (checked in Studio)')).toBe(true);
    expect(isApprovedBreak('Drop Customer.nickname\n\nBreaking-Schema-Change:')).toBe(false);
    expect(isApprovedBreak('Mention Breaking-Schema-Change: in prose')).toBe(false);
  });
});

describe('npm run schema:check (the CLI) in a git repository', () => {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const script = path.join(ROOT, 'scripts', 'schema.ts');
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], { cwd: repo, stdio: 'pipe' });
  const commit = (sdl: string, message: string) => {
    writeFileSync(path.join(repo, 'subgraph.graphql'), sdl);
    git('add', 'subgraph.graphql');
    git('commit', '-q', '-m', message);
  };
  const check = (command = 'check') => {
    const run = spawnSync(tsx, [script, command], {
      cwd: ROOT,
      // Both printed files in the scratch repository: `print` never rewrites this checkout's, which
      // another test file may be reading meanwhile.
      env: { ...process.env, SUBGRAPH_SDL_FILE: path.join(repo, 'subgraph.graphql'), CLIENT_SCHEMA_FILE: path.join(repo, 'client.graphql') },
      encoding: 'utf8',
    });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  };

  beforeEach(() => {
    repo = mkdtempSync(path.join(tmpdir(), 'schema-check-'));
    git('init', '-q');
    writeFileSync(path.join(repo, 'client.graphql'), readFileSync(path.join(ROOT, 'client', 'schema.graphql'), 'utf8'));
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  it('passes an additive history and fails a stale file', () => {
    commit(SDL.replace(/\n\s+"The customer's email address[^\n]*\n\s+email: String/, ''), 'Before email');
    commit(SDL, 'Add Customer.email');
    expect(check()).toEqual({ status: 0, output: expect.stringContaining('2 revision(s) checked') });

    writeFileSync(path.join(repo, 'subgraph.graphql'), `${SDL}\n# hand edit\n`);
    expect(check()).toEqual({ status: 1, output: expect.stringContaining('is stale') });
  }, 30000);

  it('fails a committed removal unless its commit approves it; print rewrites the file', () => {
    const withNickname = SDL.replace('type Customer @key(fields: "id") {', 'type Customer @key(fields: "id") {\n  nickname: String');
    commit(withNickname, 'Add Customer.nickname');
    commit(SDL, 'Drop Customer.nickname');
    const failed = check();
    expect(failed.status).toBe(1);
    expect(failed.output).toContain('FIELD_REMOVED Customer.nickname');

    git('commit', '-q', '--amend', '-m', 'Drop Customer.nickname\n\nBreaking-Schema-Change: never shipped to a client');
    expect(check().status).toBe(0);

    writeFileSync(path.join(repo, 'subgraph.graphql'), 'stale');
    writeFileSync(path.join(repo, 'client.graphql'), 'stale');
    expect(check('print').status).toBe(0);
    expect(readFileSync(path.join(repo, 'subgraph.graphql'), 'utf8')).toBe(SDL);
    expect(readFileSync(path.join(repo, 'client.graphql'), 'utf8')).toBe(readFileSync(path.join(ROOT, 'client', 'schema.graphql'), 'utf8'));
  }, 30000);
});

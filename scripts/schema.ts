/**
 * `npm run schema:print`: writes subgraph.graphql and client/schema.graphql (the same API without
 * federation, scripts/client-schema.ts) from schema/ and the resolvers.
 * `npm run schema:check` (part of `npm test`): fails when either file is stale, or when any
 * committed revision of subgraph.graphql (or the working copy) breaks the one before it, unless
 * that commit approves the break with a `Breaking-Schema-Change: <why>` trailer in its message.
 * (client/schema.graphql is the same API, so subgraph.graphql's history guards it too.)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema } from '../src/schema';
import { CLIENT_SCHEMA_FILE, currentClientSchemaSdl } from './client-schema';
import {
  currentSubgraphSdl,
  isApprovedBreak,
  SUBGRAPH_SDL_FILE,
  unapprovedBreaks,
  type SdlRevision,
} from './subgraph-sdl';

const ROOT = path.dirname(SUBGRAPH_SDL_FILE);
const FILE = path.relative(ROOT, SUBGRAPH_SDL_FILE);
const CLIENT_FILE = path.relative(ROOT, CLIENT_SCHEMA_FILE);

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
}

/** Every committed revision of subgraph.graphql, oldest first, then the working copy if it differs. */
function history(): SdlRevision[] | undefined {
  try {
    if (git(['rev-parse', '--is-inside-work-tree']).trim() !== 'true') return undefined;
  } catch {
    return undefined;
  }
  const revisions: SdlRevision[] = [];
  for (const entry of git(['log', '--reverse', '--format=%H%x00%B%x1e', '--', FILE]).split('\x1e')) {
    const [hash = '', message = ''] = entry.trim().split('\x00');
    if (!hash) continue;
    try {
      revisions.push({ name: hash.slice(0, 10), sdl: git(['show', `${hash}:${FILE}`]), approved: isApprovedBreak(message) });
    } catch {
      // This commit deleted the file: nothing to compare.
    }
  }
  const workingCopy = readFileSync(SUBGRAPH_SDL_FILE, 'utf8');
  if (revisions.at(-1)?.sdl !== workingCopy) revisions.push({ name: 'working copy', sdl: workingCopy, approved: false });
  return revisions;
}

async function check(): Promise<number> {
  // One build of the running schema for both printed files; both are checked before failing.
  const schema = buildSchema();
  let stale = false;
  if (!existsSync(SUBGRAPH_SDL_FILE)) {
    console.error(`${FILE} is missing: run \`npm run schema:print\` and commit it.`);
    stale = true;
  } else if (readFileSync(SUBGRAPH_SDL_FILE, 'utf8') !== currentSubgraphSdl(schema)) {
    console.error(`${FILE} is stale: it differs from what schema/ and the resolvers serve. Run \`npm run schema:print\` and commit it.`);
    stale = true;
  }
  if (!existsSync(CLIENT_SCHEMA_FILE) || readFileSync(CLIENT_SCHEMA_FILE, 'utf8') !== currentClientSchemaSdl(schema)) {
    console.error(
      `${CLIENT_FILE} is missing or stale: it differs from the API the gateway serves. Run \`npm run schema:print\`, then \`npm run client:codegen\`, and commit both.`,
    );
    stale = true;
  }
  if (stale) return 1;
  const revisions = history();
  if (!revisions) {
    console.log(`${FILE} and ${CLIENT_FILE} are up to date (not a git work tree, so no history to check for breaking changes).`);
    return 0;
  }
  const breaks = await unapprovedBreaks(revisions);
  for (const { revision, previous, changes } of breaks) {
    console.error(`${FILE} at ${revision} breaks clients (against ${previous}):`);
    for (const change of changes) console.error(`  ${change.type} ${change.path ?? ''}: ${change.message}`);
  }
  if (breaks.length > 0) {
    console.error(
      'The contract is add-only: add a field instead of renaming or removing one. A deliberate break needs a ' +
        '`Breaking-Schema-Change: <why>` trailer on the commit that makes it.',
    );
    return 1;
  }
  console.log(`${FILE} and ${CLIENT_FILE} are up to date; ${revisions.length} revision(s) checked, no unapproved breaking change.`);
  return 0;
}

async function main(command: string | undefined): Promise<number> {
  if (command === 'print') {
    const schema = buildSchema();
    writeFileSync(SUBGRAPH_SDL_FILE, currentSubgraphSdl(schema));
    writeFileSync(CLIENT_SCHEMA_FILE, currentClientSchemaSdl(schema));
    console.log(`Wrote ${FILE} and ${CLIENT_FILE}; run \`npm run client:codegen\` for the client's typed documents.`);
    return 0;
  }
  if (command === 'check') return check();
  console.error('Usage: tsx scripts/schema.ts print|check');
  return 2;
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);

/**
 * The subgraph's published SDL and its breaking-change check.
 *
 * `subgraph.graphql` (committed, at the project root) is exactly what the running subgraph answers
 * to `{ _service { sdl } }`: what `rover subgraph introspect` reads and what `rover subgraph
 * publish` / `rover subgraph check` take. `npm run schema:print` writes it; `npm run schema:check`
 * (part of `npm test`) fails when it is stale or when a committed change to it breaks clients.
 */
import path from 'node:path';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import {
  buildSchema as buildSchemaFromSdl,
  graphqlSync,
  isObjectType,
  print,
  type GraphQLSchema,
} from 'graphql';
import { buildSchema } from '../src/schema';

/** Where the SDL is committed: subgraph.graphql at the project root, or `$SUBGRAPH_SDL_FILE`. */
export const SUBGRAPH_SDL_FILE = path.resolve(process.env.SUBGRAPH_SDL_FILE ?? path.join(__dirname, '..', 'subgraph.graphql'));

/** The subgraph SDL as the running gateway serves it at `_service { sdl }`. */
export function currentSubgraphSdl(schema: GraphQLSchema = buildSchema()): string {
  const result = graphqlSync({ schema, source: '{ _service { sdl } }' });
  const sdl = (result.data?._service as { sdl?: unknown } | undefined)?.sdl;
  if (result.errors?.length || typeof sdl !== 'string') {
    throw new Error(`The subgraph did not answer _service { sdl }: ${result.errors?.map((e) => e.message).join('; ')}`);
  }
  return sdl.endsWith('\n') ? sdl : `${sdl}\n`;
}

/** A change clients would notice: a field, type, argument or enum value removed, renamed or narrowed. */
export interface BreakingChange {
  /** graphql-inspector's change type, e.g. FIELD_REMOVED. */
  type: string;
  /** Where in the schema, e.g. `PaymentMethod.status`. */
  path: string | undefined;
  message: string;
}

/**
 * The breaking changes from `previousSdl` to `nextSdl` (both printed subgraph SDL): what
 * @graphql-inspector/core calls breaking, plus a removed `@key`, which graphql-inspector does not
 * see but which breaks every subgraph and router that joins on it. Adding a type, an optional
 * field, argument or input field, or a description is not breaking; adding an enum value is
 * "dangerous" but allowed (the contract's UNKNOWN handling).
 */
export async function breakingChanges(previousSdl: string, nextSdl: string): Promise<BreakingChange[]> {
  const previous = buildSchemaFromSdl(previousSdl);
  const next = buildSchemaFromSdl(nextSdl);
  const changes: Change[] = await diff(previous, next);
  return [
    ...changes
      .filter((change) => change.criticality.level === CriticalityLevel.Breaking)
      .map((change) => ({ type: change.type, path: change.path, message: change.message })),
    ...removedEntityKeys(previous, next),
  ];
}

/** The `@key` directives, printed, of every object type: `{ PaymentMethod: ['@key(fields: "id")'] }`. */
function entityKeys(schema: GraphQLSchema): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || !type.astNode) continue;
    const printed = (type.astNode.directives ?? []).filter((d) => d.name.value === 'key').map((d) => print(d));
    if (printed.length > 0) keys.set(type.name, printed);
  }
  return keys;
}

function removedEntityKeys(previous: GraphQLSchema, next: GraphQLSchema): BreakingChange[] {
  const nextKeys = entityKeys(next);
  const removed: BreakingChange[] = [];
  for (const [typeName, keys] of entityKeys(previous)) {
    for (const key of keys) {
      if (nextKeys.get(typeName)?.includes(key)) continue;
      removed.push({
        type: 'ENTITY_KEY_REMOVED',
        path: typeName,
        message: `Entity key ${key} was removed from type '${typeName}': routers and subgraphs that join on it break`,
      });
    }
  }
  return removed;
}

/** One revision of subgraph.graphql in its history. */
export interface SdlRevision {
  /** A short commit hash, or "working copy". */
  name: string;
  sdl: string;
  /** Its commit message approves a breaking change (a `Breaking-Schema-Change: <why>` trailer). */
  approved: boolean;
}

/** A `Breaking-Schema-Change: <why>` trailer in a commit message. */
export const isApprovedBreak = (commitMessage: string): boolean => /^Breaking-Schema-Change:[ \t]*\S/m.test(commitMessage);

/** A revision that broke the one before it without approval. */
export interface UnapprovedBreak {
  revision: string;
  previous: string;
  changes: BreakingChange[];
}

/**
 * Walks the history oldest first and returns every step that breaks clients without approval.
 * An approved break becomes the new baseline, so later revisions are compared with it.
 */
export async function unapprovedBreaks(history: readonly SdlRevision[]): Promise<UnapprovedBreak[]> {
  const found: UnapprovedBreak[] = [];
  for (let i = 1; i < history.length; i += 1) {
    const previous = history[i - 1] as SdlRevision;
    const next = history[i] as SdlRevision;
    const changes = await breakingChanges(previous.sdl, next.sdl);
    if (changes.length > 0 && !next.approved) found.push({ revision: next.name, previous: previous.name, changes });
  }
  return found;
}

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
import { buildSchema as buildSchemaFromSdl, graphqlSync, type GraphQLSchema } from 'graphql';
import { buildSchema } from '../src/schema';

export const SUBGRAPH_SDL_FILE = path.resolve(__dirname, '..', 'subgraph.graphql');

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
 * The breaking changes from `previousSdl` to `nextSdl` (both printed subgraph SDL), by
 * @graphql-inspector/core. Adding a type, an optional field or argument, or a description is not
 * breaking; adding an enum value is "dangerous" but allowed (the contract's UNKNOWN handling).
 */
export async function breakingChanges(previousSdl: string, nextSdl: string): Promise<BreakingChange[]> {
  const changes: Change[] = await diff(buildSchemaFromSdl(previousSdl), buildSchemaFromSdl(nextSdl));
  return changes
    .filter((change) => change.criticality.level === CriticalityLevel.Breaking)
    .map((change) => ({ type: change.type, path: change.path, message: change.message }));
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

/**
 * The executable subgraph schema: the SDL in schema/ (the source of truth) with the resolvers,
 * built by @apollo/subgraph so the federation entities (`@key`) and `_service` work.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { GatewayContext } from './context';
import { resolvers } from './resolvers';

/** schema/ at the project root: one level up from src/ (tsx, jest), two from dist/src/ (node). */
const fromSource = path.resolve(__dirname, '..', 'schema');
const fromBuild = path.resolve(__dirname, '..', '..', 'schema');
export const SCHEMA_DIR = existsSync(path.join(fromSource, 'schema.graphql')) ? fromSource : fromBuild;

/** The SDL files of schema/, joined in a stable order. */
export function loadTypeDefs(dir: string = SCHEMA_DIR): DocumentNode {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort();
  return parse(files.map((file) => readFileSync(path.join(dir, file), 'utf8')).join('\n'));
}

export function buildSchema(): GraphQLSchema {
  return buildSubgraphSchema([
    {
      typeDefs: loadTypeDefs(),
      // Codegen's Resolvers type is stricter than the map buildSubgraphSchema accepts; same object.
      resolvers: resolvers as GraphQLResolverMap<GatewayContext>,
    },
  ]);
}

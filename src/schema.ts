/**
 * The executable subgraph schema: the SDL in schema/ (the source of truth) with the resolvers,
 * built by @apollo/subgraph so the federation entities (`@key`) and `_service` work.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { isUnionType, parse, type DocumentNode, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { GatewayContext } from './context';
import { badUserInput } from './errors';
import { resolvers } from './resolvers';

/** dist/schema/ beside the built dist/main.js (`npm run build`), else schema/ one level up from src/ (tsx, jest). */
const fromBuild = path.resolve(__dirname, 'schema');
const fromSource = path.resolve(__dirname, '..', 'schema');
export const SCHEMA_DIR = existsSync(path.join(fromBuild, 'schema.graphql')) ? fromBuild : fromSource;

/** The SDL files of schema/, joined in a stable order. */
export function loadTypeDefs(dir: string = SCHEMA_DIR): DocumentNode {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort();
  return parse(files.map((file) => readFileSync(path.join(dir, file), 'utf8')).join('\n'));
}

export function buildSchema(): GraphQLSchema {
  const schema = buildSubgraphSchema([
    {
      typeDefs: loadTypeDefs(),
      // Codegen's Resolvers type is stricter than the map buildSubgraphSchema accepts; same object.
      resolvers: resolvers as GraphQLResolverMap<GatewayContext>,
    },
  ]);
  checkRepresentationsFirst(schema);
  return schema;
}

/**
 * How an error names a representation's `__typename`: echoed only when it looks like a type name,
 * never as arbitrary caller text (which could hold anything, even a card number).
 */
function whatItNames(typename: unknown): string {
  if (typeof typename !== 'string') return 'does not name';
  const looksLikeTypeName = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/.test(typename) && !/\d{12}/.test(typename);
  return looksLikeTypeName ? `names "${typename}", which is not` : 'names a type that is not';
}

/**
 * `_entities` checks every representation before resolving any. @apollo/subgraph throws on a
 * `__typename` it does not know only when it reaches it, after the representations before it have
 * started their Zoho calls: those calls' failures would then reject with no one listening (an
 * unhandled rejection ends a Node process). A representation that is not an object naming one of
 * this subgraph's entities fails the field with BAD_USER_INPUT before any call starts.
 */
function checkRepresentationsFirst(schema: GraphQLSchema): void {
  const entities = schema.getQueryType()?.getFields()._entities;
  const entityUnion = schema.getType('_Entity');
  if (!entities?.resolve || !isUnionType(entityUnion)) return;
  const entityNames = new Set(entityUnion.getTypes().map((type) => type.name));
  const resolveEntities: GraphQLFieldResolver<unknown, unknown> = entities.resolve;
  entities.resolve = (source, args: { representations?: unknown }, context, info) => {
    const representations = Array.isArray(args.representations) ? args.representations : [];
    representations.forEach((representation: unknown, index) => {
      const typename = (representation as { __typename?: unknown } | null)?.__typename;
      if (typeof typename !== 'string' || !entityNames.has(typename)) {
        throw badUserInput(
          `Representation ${index} ${whatItNames(typename)} an entity of this subgraph (${[...entityNames].join(', ')}).`,
        );
      }
    });
    return resolveEntities(source, args, context, info);
  };
}

/**
 * The API schema as clients see it: `client/schema.graphql`, for client codegen, editors and
 * Relay's compiler (which refuses `extend schema @link`). It is printed from the running schema
 * (the one src/schema.ts builds and the gateway serves) with the federation machinery removed:
 * the router-only root fields (`_entities`, `_service`), their types (`_Any`, `_Entity`,
 * `_Service`), the `link__*` and `federation__*` types (`FieldSet`), and every directive that is
 * not graphql-js's own. Descriptions are kept. `npm run schema:print` writes it beside
 * subgraph.graphql; `npm run schema:check` fails when it is stale.
 */
import path from 'node:path';
import {
  GraphQLObjectType,
  GraphQLSchema,
  isSpecifiedDirective,
  printSchema,
  type GraphQLNamedType,
} from 'graphql';
import { buildSchema } from '../src/schema';

/** Where it is committed: client/schema.graphql, or `$CLIENT_SCHEMA_FILE`. */
export const CLIENT_SCHEMA_FILE = path.resolve(
  process.env.CLIENT_SCHEMA_FILE ?? path.join(__dirname, '..', 'client', 'schema.graphql'),
);

/** Root fields only a federation router calls. */
export const FEDERATION_ROOT_FIELDS: readonly string[] = ['_entities', '_service'];

/** Types @apollo/subgraph adds for the router and the `@link` spec, never part of the client API. */
export function isFederationType(name: string): boolean {
  return (
    ['_Any', '_Entity', '_Service', 'FieldSet'].includes(name) ||
    name.startsWith('link__') ||
    name.startsWith('federation__')
  );
}

/** The running schema without federation: same type objects, so resolvers and descriptions are the served ones. */
export function clientSchema(schema: GraphQLSchema = buildSchema()): GraphQLSchema {
  const query = schema.getQueryType();
  if (!query) throw new Error('The schema has no Query type');
  const queryConfig = query.toConfig();
  const apiQuery = new GraphQLObjectType({
    ...queryConfig,
    // The AST node carries federation directives; printSchema does not print it, but leave nothing behind.
    astNode: undefined,
    fields: Object.fromEntries(Object.entries(queryConfig.fields).filter(([name]) => !FEDERATION_ROOT_FIELDS.includes(name))),
  });
  const keep = (type: GraphQLNamedType) => type !== query && !isFederationType(type.name);
  const config = schema.toConfig();
  return new GraphQLSchema({
    description: config.description,
    query: apiQuery,
    mutation: config.mutation,
    subscription: config.subscription,
    types: config.types.filter(keep),
    directives: config.directives.filter(isSpecifiedDirective),
    // No astNode / extensionASTNodes: they are `extend schema @link(...)`.
  });
}

const HEADER =
  '# The API schema as clients see it (no federation machinery), printed from the running schema by\n' +
  '# `npm run schema:print` (scripts/client-schema.ts); `npm run schema:check` fails when it is stale. Do not edit.\n\n';

/** The text of client/schema.graphql. */
export function currentClientSchemaSdl(schema: GraphQLSchema = buildSchema()): string {
  return `${HEADER}${printSchema(clientSchema(schema))}\n`;
}

/**
 * client/schema.graphql, the schema frontend teams generate code from (contract.md, "For frontend
 * teams"). It proves that the committed file:
 * - has no federation directive or type at all: no directive definition, no applied directive but
 *   graphql-js's own (`@deprecated`, `@specifiedBy`), no `_entities`, `_service`, `_Any`,
 *   `_Entity`, `_Service`, `FieldSet`, `link__*`, `federation__*`, and no `schema` extension;
 * - builds with graphql-js's `buildSchema` into a valid schema;
 * - is exactly the API the running gateway serves (introspected over HTTP) minus the federation
 *   machinery: every type, field, argument, enum value and description, nothing more;
 * - is what `npm run schema:check` guards: a stale copy fails the check.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { diff } from '@graphql-inspector/core';
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  GraphQLObjectType,
  GraphQLSchema,
  isObjectType,
  Kind,
  parse,
  printSchema,
  specifiedDirectives,
  validateSchema,
  visit,
  type IntrospectionQuery,
} from 'graphql';
import nock from 'nock';
import { createLogger } from '../../src/observability/logger';
import type { Gateway } from '../../src/server';
import { startTestServer, testConfig } from '../helpers';
import { jsonOf, postGraphQL } from '../http-client';
import { LOOPBACK } from '../support/processes';

const ROOT = path.resolve(__dirname, '..', '..');
const FILE = path.join(ROOT, 'client', 'schema.graphql');
const SDL = readFileSync(FILE, 'utf8');

/** The federation machinery the contract names, written out here, not taken from the script under test. */
const FEDERATION_ROOT_FIELDS = ['_entities', '_service'];
const FEDERATION_TYPES = ['_Any', '_Entity', '_Service', 'FieldSet'];
const isFederationName = (name: string) =>
  FEDERATION_ROOT_FIELDS.includes(name) || FEDERATION_TYPES.includes(name) || /^(link|federation)__/.test(name);

describe('client/schema.graphql', () => {
  test('has no federation directive, type or field, and no directive but graphql-js\'s own', () => {
    const document = parse(SDL);
    const names: string[] = [];
    const applied: string[] = [];
    const kinds = new Set<string>();
    visit(document, {
      enter(node) {
        kinds.add(node.kind);
        if (node.kind === Kind.NAME) names.push(node.value);
        if (node.kind === Kind.DIRECTIVE) applied.push(node.name.value);
      },
    });
    expect(names.filter(isFederationName)).toEqual([]);
    expect(names.filter((name) => ['link', 'key', 'shareable', 'external', 'requires', 'provides', 'inaccessible', 'tag'].includes(name)))
      .toEqual([]);
    expect([...new Set(applied)].filter((name) => !['deprecated', 'specifiedBy'].includes(name))).toEqual([]);
    expect([...kinds].filter((kind) => [Kind.DIRECTIVE_DEFINITION, Kind.SCHEMA_EXTENSION, Kind.SCHEMA_DEFINITION].includes(kind as Kind)))
      .toEqual([]);
  });

  test('builds with graphql-js buildSchema into a valid schema with a description on every type and field', () => {
    const schema = buildSchema(SDL);
    expect(validateSchema(schema)).toEqual([]);
    expect(schema.getDirectives().map((d) => d.name).sort()).toEqual(specifiedDirectives.map((d) => d.name).sort());
    const undescribed = Object.values(schema.getTypeMap())
      .filter((type) => !type.name.startsWith('__') && !['String', 'Int', 'Boolean', 'ID', 'Float'].includes(type.name))
      .flatMap((type) => [
        ...(type.description ? [] : [type.name]),
        ...(isObjectType(type) ? Object.values(type.getFields()).filter((f) => !f.description).map((f) => `${type.name}.${f.name}`) : []),
      ]);
    expect(undescribed).toEqual([]);
  });

  describe('against the running gateway', () => {
    let gateway: Gateway | undefined;
    let served: GraphQLSchema;

    beforeAll(async () => {
      nock.enableNetConnect(LOOPBACK);
      // Introspection reaches no Zoho: the default (nock'd) upstream is never called.
      gateway = await startTestServer(testConfig(), { logger: createLogger({ level: 'silent' }) });
      const reply = await postGraphQL(gateway.url, { query: getIntrospectionQuery({ descriptions: true, specifiedByUrl: true }) });
      expect(reply.status).toBe(200);
      served = buildClientSchema(jsonOf<{ data: IntrospectionQuery }>(reply).data);
    });

    afterAll(async () => {
      await gateway?.stop();
      nock.disableNetConnect();
    });

    /** The served schema with exactly the contract's federation names removed. */
    function servedApi(): GraphQLSchema {
      const config = served.toConfig();
      const query = served.getQueryType() as GraphQLObjectType;
      const queryConfig = query.toConfig();
      return new GraphQLSchema({
        ...config,
        query: new GraphQLObjectType({
          ...queryConfig,
          fields: Object.fromEntries(Object.entries(queryConfig.fields).filter(([name]) => !FEDERATION_ROOT_FIELDS.includes(name))),
        }),
        types: config.types.filter((type) => type !== query && !isFederationName(type.name)),
        directives: specifiedDirectives,
      });
    }

    test('the gateway serves federation machinery, so there is something to remove', () => {
      expect(Object.keys(served.getQueryType()?.getFields() ?? {})).toEqual(expect.arrayContaining(FEDERATION_ROOT_FIELDS));
      expect(Object.keys(served.getTypeMap()).filter(isFederationName)).toEqual(expect.arrayContaining(['_Any', '_Entity', '_Service']));
    });

    test('is the served API minus federation: no change at all, descriptions included', async () => {
      const client = buildSchema(SDL);
      // Printed and built again, so both sides carry SDL nodes (graphql-inspector compares applied directives through them).
      const api = buildSchema(printSchema(servedApi()));
      const changes = await diff(api, client);
      expect(changes.map((change) => `${change.type} ${change.path ?? ''}: ${change.message}`)).toEqual([]);
      // The same types, printed the same way, in both directions (diff is about what a client notices).
      const typeNames = (schema: GraphQLSchema) => Object.keys(schema.getTypeMap()).filter((name) => !name.startsWith('__')).sort();
      expect(typeNames(client)).toEqual(typeNames(api));
      expect(printSchema(client)).toEqual(printSchema(api));
    });

    test('every root field the gateway serves to clients is there', () => {
      const client = buildSchema(SDL);
      for (const [root, clientRoot] of [
        [served.getQueryType(), client.getQueryType()],
        [served.getMutationType(), client.getMutationType()],
      ] as const) {
        const servedFields = Object.keys(root?.getFields() ?? {}).filter((name) => !FEDERATION_ROOT_FIELDS.includes(name));
        expect(servedFields.length).toBeGreaterThan(0);
        expect(Object.keys(clientRoot?.getFields() ?? {}).sort()).toEqual(servedFields.sort());
      }
    });
  });

  test('npm run schema:check fails on a stale copy, naming the file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'client-schema-'));
    try {
      const stale = path.join(dir, 'schema.graphql');
      writeFileSync(stale, SDL.replace(/^type Customer \{/m, 'type Customer {\n  loyaltyTier: String'));
      const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'scripts', 'schema.ts'), 'check'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, CLIENT_SCHEMA_FILE: stale },
        timeout: 60_000,
      });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 1, stderr: expect.stringContaining('is missing or stale') });
      expect(SDL).toMatch(/^type Customer \{/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

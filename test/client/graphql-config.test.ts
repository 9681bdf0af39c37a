/**
 * client/graphql.config.yml, as editors and IDE plugins load it: through `graphql-config` (what
 * the VS Code and JetBrains plugins and the codegen CLI use). It proves that its schema resolves
 * to client/schema.graphql (the same types), its documents to every example operation, and that
 * each document validates against that schema, as an editor would report it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, printSchema, validate } from 'graphql';
import { loadConfig } from 'graphql-config';

const CLIENT_DIR = path.resolve(__dirname, '..', '..', 'client');
const OPERATIONS_DIR = path.resolve(__dirname, '..', '..', 'examples', 'operations');

test('graphql.config.yml resolves the client schema and every example operation, each valid', async () => {
  const config = await loadConfig({ rootDir: CLIENT_DIR, throwOnMissing: true, throwOnEmpty: true });
  expect(config?.filepath).toBe(path.join(CLIENT_DIR, 'graphql.config.yml'));
  const project = config?.getDefault();
  if (!project) throw new Error('no default project');

  const schema = await project.getSchema();
  expect(printSchema(schema)).toBe(printSchema(buildSchema(readFileSync(path.join(CLIENT_DIR, 'schema.graphql'), 'utf8'))));

  const documents = await project.getDocuments();
  const expected = readdirSync(OPERATIONS_DIR).filter((file) => file.endsWith('.graphql')).map((file) => path.join(OPERATIONS_DIR, file));
  expect(documents.map((source) => source.location).sort()).toEqual(expected.sort());
  for (const source of documents) {
    if (!source.document) throw new Error(`${source.location} did not parse`);
    expect({ file: source.location, errors: validate(schema, source.document).map((error) => error.message) }).toEqual({
      file: source.location,
      errors: [],
    });
  }
});

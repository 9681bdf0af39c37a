/**
 * Relay's own compiler (relay-compiler, the Rust binary Relay apps run) against the schema files:
 * it compiles every example operation against client/schema.graphql, with the scalar mappings
 * docs/frontend.md gives, and it refuses subgraph.graphql (federation's `extend schema @link`),
 * which is why client/schema.graphql exists. Each run is in a scratch project, as a Relay app.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const OPERATIONS_DIR = path.join(ROOT, 'examples', 'operations');
const RELAY_COMPILER = path.join(path.dirname(require.resolve('relay-compiler/package.json')), 'cli.js');

/** The example operations, renamed as Relay requires: `<module name>Query` or `<module name>Mutation`. */
function relayModules(): Array<{ name: string; source: string }> {
  return readdirSync(OPERATIONS_DIR)
    .filter((file) => file.endsWith('.graphql'))
    .map((file) => {
      const name = path.basename(file, '.graphql');
      // Comments dropped: their backticks would end the template literal.
      const document = readFileSync(path.join(OPERATIONS_DIR, file), 'utf8')
        .replace(/^\s*#.*\n/gm, '')
        .replace(
        new RegExp(`\\b(query|mutation) ${name}\\b`),
        (_, kind: string) => `${kind} ${name}${kind === 'query' ? 'Query' : 'Mutation'}`,
      );
      return { name, source: `import { graphql } from 'relay-runtime';\n\nexport const document = graphql\`\n${document}\`;\n` };
    });
}

/** Runs relay-compiler in a new Relay project whose schema is `schemaFile`. */
function compileWith(schemaFile: string): { status: number | null; output: string; generated: string[] } {
  const project = mkdtempSync(path.join(tmpdir(), 'relay-'));
  try {
    mkdirSync(path.join(project, 'src'));
    for (const { name, source } of relayModules()) writeFileSync(path.join(project, 'src', `${name}.ts`), source);
    writeFileSync(
      path.join(project, 'relay.config.json'),
      JSON.stringify({
        src: './src',
        schema: schemaFile,
        language: 'typescript',
        customScalarTypes: { DateTime: 'string', CountryCode: 'string', Currency: 'string' },
      }),
    );
    const run = spawnSync(process.execPath, [RELAY_COMPILER], { cwd: project, encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } });
    const generatedDir = path.join(project, 'src', '__generated__');
    return {
      status: run.status,
      output: `${run.stdout}${run.stderr}`,
      generated: existsSync(generatedDir) ? readdirSync(generatedDir).sort() : [],
    };
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}

test('relay-compiler compiles every example operation against client/schema.graphql', () => {
  const run = compileWith(path.join(ROOT, 'client', 'schema.graphql'));
  expect({ status: run.status, output: run.output }).toEqual({ status: 0, output: expect.stringContaining('Compilation completed') });
  const expected = relayModules().map(({ name }) => `${name}${/^(Create|Update|Delete)/.test(name) ? 'Mutation' : 'Query'}.graphql.ts`);
  expect(run.generated).toEqual(expected.sort());
});

test('relay-compiler refuses subgraph.graphql (federation machinery): the reason client/schema.graphql exists', () => {
  const run = compileWith(path.join(ROOT, 'subgraph.graphql'));
  expect(run.status).not.toBe(0);
  // Refused for the reason named, not a crash of its own or a timeout (a null status): its schema
  // builder has no schema extensions, and subgraph.graphql opens with federation's `extend schema @link`.
  expect(run.status).not.toBeNull();
  expect(run.output).toMatch(/SchemaExtension not implemented: extend schema @link\(/);
  expect(run.generated).toEqual([]);
});

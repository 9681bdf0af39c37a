/**
 * GraphQL Code Generator for frontend teams: client/schema.graphql (the API without federation)
 * and the example operations -> client/generated/, with every operation as a TypedDocumentNode
 * (its result and variables types travel with the document, so Apollo Client, urql and
 * graphql-request infer them). `npm run client:codegen` writes it; `npm run client:check` (part of
 * `npm test`) fails when the committed output drifts. To use it in your own app, copy it and set
 * `schema` to where you put schema.graphql, `documents` to your operations and `generates` to
 * your output folder: every path is from the folder you run graphql-codegen in (here the
 * repository root, where the npm scripts run `graphql-codegen --config client/codegen.ts`).
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  overwrite: true,
  schema: 'client/schema.graphql',
  documents: 'examples/operations/*.graphql',
  // No document found, or one that no longer validates against the schema, fails generation (and so `npm test`).
  ignoreNoDocuments: false,
  generates: {
    'client/generated/': {
      preset: 'client',
      presetConfig: {
        // The examples use no fragments; masking would only add an unmask step for readers.
        fragmentMasking: false,
      },
      config: {
        // The custom scalars travel as JSON strings (graphql-scalars): ISO 8601, ISO 3166-1 alpha-2, ISO 4217.
        scalars: {
          DateTime: 'string',
          CountryCode: 'string',
          Currency: 'string',
        },
        // A scalar not mapped above (one the schema adds later, or a copy without the mapping)
        // comes out `unknown`, not codegen's default `any`, so using it unchecked fails to compile.
        defaultScalarType: 'unknown',
        // Enums as string unions, not TS enums: results are JSON strings anyway, unions cost no
        // runtime code, work under isolatedModules/erasableSyntaxOnly, and the API's enums grow
        // (UNKNOWN, new values), which a `default:` branch handles the same either way.
        enumsAsTypes: true,
        useTypeImports: true,
        // `T | null` as the JSON reply has it, not optional keys.
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
        // `__typename` is in a result type only as `__typename?`, unless the document selects it:
        // select `__typename` on unions to narrow them (the examples do).
        nonOptionalTypename: false,
      },
    },
  },
};

export default config;

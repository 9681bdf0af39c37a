/**
 * GraphQL Code Generator for frontend teams: client/schema.graphql (the API without federation)
 * and the example operations -> client/generated/, with every operation as a TypedDocumentNode
 * (its result and variables types travel with the document, so Apollo Client, urql and
 * graphql-request infer them). `npm run client:codegen` writes it; `npm run client:check` (part of
 * `npm test`) fails when the committed output drifts. Copy this file next to your own documents
 * and point `documents` at them. Paths are from the repository root, where the npm scripts run
 * `graphql-codegen --config client/codegen.ts`.
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
        // Enums as string unions, not TS enums: results are JSON strings anyway, unions cost no
        // runtime code, work under isolatedModules/erasableSyntaxOnly, and the API's enums grow
        // (UNKNOWN, new values), which a `default:` branch handles the same either way.
        enumsAsTypes: true,
        useTypeImports: true,
        // `T | null` as the JSON reply has it, not optional keys.
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
        // Every union member and object carries `__typename` in its type (the examples select it on unions).
        nonOptionalTypename: false,
      },
    },
  },
};

export default config;

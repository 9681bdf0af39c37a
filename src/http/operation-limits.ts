/**
 * What one GraphQL operation may ask for, enforced before anything executes: depth, cost, aliases
 * and directives by GraphQL Armor's validation rules, the token count by graphql-js's own parser
 * (`maxTokens`). A rejected operation is an HTTP 400 (`GRAPHQL_VALIDATION_FAILED`, or
 * `GRAPHQL_PARSE_FAILED` for tokens) with a message naming the limit; no resolver runs and Zoho is
 * not called.
 *
 * The numbers leave room for every operation of the contract (the deepest,
 * `paymentMethodSession { paymentMethod { details { ... on CardDetails { checks { cvc } } } } }`,
 * is 5 levels deep) and for the router's `_entities` fetches, and refuse the shapes that only
 * attacks need: deep nesting, alias floods (each alias can be a Zoho call), directive floods and
 * documents too long to parse cheaply. README.md, Limits, lists them.
 */
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ApolloServerPlugin } from '@apollo/server';
import type { ValidationRule } from 'graphql';
import { MAX_IDS_PER_QUERY } from '../errors/validation';

export const OPERATION_LIMITS = {
  /** Selection depth, fragments flattened (introspection is exempt). */
  maxDepth: 10,
  /** GraphQL Armor's cost: 2 per object, 1 per scalar, times 1.5 per level of depth. */
  maxCost: 5000,
  /** Aliases in one operation. */
  maxAliases: 30,
  /** Directives in one operation. */
  maxDirectives: 20,
  /** Lexical tokens in one document (the introspection query has about 200). */
  maxTokens: 2000,
  /** Ids in one `paymentMethods(ids:)` call (the contract's limit; validation.ts enforces it). */
  maxPaymentMethodIds: MAX_IDS_PER_QUERY,
  /** Bytes of one request body. */
  maxBodyBytes: 100 * 1024,
} as const;

/** GraphQL Armor's plugins and validation rules for the limits above. */
export function operationLimits(options: { production: boolean }): {
  plugins: ApolloServerPlugin[];
  validationRules: ValidationRule[];
  parseOptions: { maxTokens: number };
} {
  const { plugins, validationRules } = new ApolloArmor({
    maxDepth: { n: OPERATION_LIMITS.maxDepth, flattenFragments: true, ignoreIntrospection: true },
    // Fragments flattened: a Relay-style operation of many small fragments costs what its fields cost.
    costLimit: { maxCost: OPERATION_LIMITS.maxCost, flattenFragments: true, ignoreIntrospection: true },
    maxAliases: { n: OPERATION_LIMITS.maxAliases },
    maxDirectives: { n: OPERATION_LIMITS.maxDirectives },
    // Armor's token plugin throws from a hook Apollo answers with HTTP 500; the parser's own
    // limit (below) rejects the same documents as a 400 GRAPHQL_PARSE_FAILED, before parsing them whole.
    maxTokens: { enabled: false },
    // "Did you mean …?" maps the schema for an attacker; Apollo's own plugin also runs in production.
    blockFieldSuggestion: { enabled: options.production },
  }).protect();
  return { plugins, validationRules, parseOptions: { maxTokens: OPERATION_LIMITS.maxTokens } };
}

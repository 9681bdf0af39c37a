/**
 * Refuses, before any Zoho call, an operation whose document and variables already show more
 * upstream calls than ZOHO_MAX_CALLS_PER_OPERATION allows (docs/api.md, "Limits"): the sum over
 * its root fields, every alias and fragment included, of what each one calls by itself. What only
 * execution shows (a session's payment method, a reply that needs a second read) is left to the
 * OperationGuard at run time; this check only spares Zoho and the caller an operation that could
 * never be answered whole.
 *
 * It runs on every operation, so it walks only the operation's root selections (through the
 * fragments spread there), once, and reads list lengths from the AST or the variables as sent.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/** Root fields that make a fixed number of calls, whatever their arguments. */
const FIXED_CALLS = new Map<string, number>([
  ['paymentMethod', 1],
  ['paymentMethodSession', 1],
  ['createPaymentMethodSession', 1],
  // A GET to learn the method's type, then the PUT.
  ['updatePaymentMethod', 2],
  ['deletePaymentMethod', 1],
]);

/** Entity types whose reference is a Zoho read; a `Customer` reference calls no one. */
const ZOHO_ENTITY_TYPES = new Set(['PaymentMethod', 'PaymentMethodSession']);

type Variables = Readonly<Record<string, unknown>> | undefined;

/** The calls one item of a list argument makes, given as a literal or as a variable's value. */
interface ItemCalls {
  ast: (node: ValueNode) => number;
  value: (item: unknown) => number;
}

/** An id of `paymentMethods(ids:)`: one GET (a null one is refused at execution). */
const AN_ID: ItemCalls = {
  ast: (node) => (node.kind === Kind.NULL ? 0 : 1),
  value: (item) => (item === null || item === undefined ? 0 : 1),
};

/** A representation of `_entities`: one GET when its type is read from Zoho. */
const A_ZOHO_ENTITY: ItemCalls = {
  ast: (node) => {
    if (node.kind !== Kind.OBJECT) return 0;
    const typename = node.fields.find((f) => f.name.value === '__typename')?.value;
    return typename?.kind === Kind.STRING && ZOHO_ENTITY_TYPES.has(typename.value) ? 1 : 0;
  },
  value: (item) => {
    if (typeof item !== 'object' || item === null) return 0;
    const typename = (item as { __typename?: unknown }).__typename;
    return typeof typename === 'string' && ZOHO_ENTITY_TYPES.has(typename) ? 1 : 0;
  },
};

/** What the estimate needs to know of one request. */
export interface EstimateInput {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Variables;
}

/**
 * The upstream calls the operation's root fields make by themselves. Fields that share a response
 * name are merged by GraphQL execution into one (so counted once), as are repeated spreads of one
 * fragment; fields skipped by a literal or variable `@skip`/`@include` count nothing.
 */
export function estimateUpstreamCalls({ document, operation, variables }: EstimateInput): number {
  const defaults = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) defaults.set(definition.variable.name.value, definition.defaultValue);
  }
  // A variable as sent, else its default; `undefined` when neither (an AST default stays an AST).
  const variable = (name: string): { value: unknown } | { ast: ValueNode } | undefined => {
    if (variables && Object.prototype.hasOwnProperty.call(variables, name)) return { value: variables[name] };
    const ast = defaults.get(name);
    return ast ? { ast } : undefined;
  };

  const booleanOf = (node: ValueNode | undefined): boolean | undefined => {
    if (!node) return undefined;
    if (node.kind === Kind.BOOLEAN) return node.value;
    if (node.kind !== Kind.VARIABLE) return undefined;
    const found = variable(node.name.value);
    if (!found) return undefined;
    if ('ast' in found) return found.ast.kind === Kind.BOOLEAN ? found.ast.value : undefined;
    return typeof found.value === 'boolean' ? found.value : undefined;
  };

  const included = (directives: readonly DirectiveNode[] | undefined): boolean => {
    if (!directives || directives.length === 0) return true;
    for (const directive of directives) {
      const name = directive.name.value;
      if (name !== 'skip' && name !== 'include') continue;
      const condition = booleanOf(directive.arguments?.find((a) => a.name.value === 'if')?.value);
      // Unknown (a variable left unset fails at execution anyway): counted, never under-counted.
      if (condition === undefined) continue;
      if (name === 'skip' ? condition : !condition) return false;
    }
    return true;
  };

  /** The calls a list argument's items make, read as input coercion reads it (a lone value is a list of one). */
  const listCalls = (node: ValueNode | undefined, item: ItemCalls): number => {
    if (!node || node.kind === Kind.NULL) return 0;
    if (node.kind === Kind.VARIABLE) {
      const found = variable(node.name.value);
      if (!found) return 0;
      if ('ast' in found) return listCalls(found.ast, item);
      const { value } = found;
      if (value === null || value === undefined) return 0;
      if (!Array.isArray(value)) return item.value(value);
      let sum = 0;
      for (const element of value) sum += item.value(element);
      return sum;
    }
    if (node.kind !== Kind.LIST) return item.ast(node);
    let sum = 0;
    for (const element of node.values) {
      if (element.kind === Kind.VARIABLE) {
        const found = variable(element.name.value);
        if (found) sum += 'ast' in found ? item.ast(found.ast) : item.value(found.value);
      } else sum += item.ast(element);
    }
    return sum;
  };

  let fragments: Map<string, FragmentDefinitionNode> | undefined;
  const fragment = (name: string): FragmentDefinitionNode | undefined => {
    if (!fragments) {
      fragments = new Map();
      for (const definition of document.definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
      }
    }
    return fragments.get(name);
  };

  const counted = new Set<string>();
  const visitedFragments = new Set<string>();
  let total = 0;
  const walk = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (!included(selection.directives)) continue;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        // As graphql-js's collectFields: a fragment spread twice at one level runs once.
        if (visitedFragments.has(name)) continue;
        visitedFragments.add(name);
        const definition = fragment(name);
        if (definition) walk(definition.selectionSet);
      } else {
        const responseName = selection.alias?.value ?? selection.name.value;
        if (counted.has(responseName)) continue;
        counted.add(responseName);
        const field = selection.name.value;
        const fixed = FIXED_CALLS.get(field);
        if (fixed !== undefined) total += fixed;
        else if (field === 'paymentMethods') total += listCalls(argument(selection.arguments, 'ids'), AN_ID);
        else if (field === '_entities') total += listCalls(argument(selection.arguments, 'representations'), A_ZOHO_ENTITY);
      }
    }
  };
  walk(operation.selectionSet);
  return total;
}

function argument(args: readonly { name: { value: string }; value: ValueNode }[] | undefined, name: string): ValueNode | undefined {
  return args?.find((a) => a.name.value === name)?.value;
}

/** The plugin: refuses (HTTP 400, GRAPHQL_VALIDATION_FAILED) an operation estimated over `maxCalls`. */
export function upstreamCallEstimatePlugin(options: { maxCalls: number }): ApolloServerPlugin {
  const { maxCalls } = options;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (!operation) return;
          const calls = estimateUpstreamCalls({ document, operation, variables: request.variables });
          if (calls <= maxCalls) return;
          // Thrown from didResolveOperation, a GraphQLError's `http.status` is the reply's status
          // (Apollo answers 500 without one) and its code is kept as it is.
          throw new GraphQLError(
            `This operation would make ${calls} calls to Zoho Payments; at most ${maxCalls} are allowed per operation (ZOHO_MAX_CALLS_PER_OPERATION).`,
            { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } } },
          );
        },
      };
    },
  };
}

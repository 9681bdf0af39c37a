/**
 * What an operation is, for metric labels: its type and its root field, both bounded by the
 * schema, never by what the caller chose (its operation name, aliases, fragment names). The
 * operation name stays in the log line (operation-report.ts).
 *
 * - `rootField` is the one root field the operation selects (by field name, aliases and fragments
 *   looked through; `__typename` beside others does not count), `multiple` when it selects
 *   several, and `none` when no operation was resolved (a request that did not parse, failed
 *   validation or named no operation of its document).
 * - A name that is not a field of the schema's root type (never, once validated) is `unknown`.
 *
 * Apollo Server's document cache hands out the same parsed document for the same query, so the
 * shape is computed once per operation node and kept (weakly: a document evicted from the cache
 * takes its entry with it).
 */
import { Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

export interface OperationShape {
  readonly type: 'query' | 'mutation' | 'subscription' | 'none';
  readonly rootField: string;
}

export const NO_OPERATION: OperationShape = { type: 'none', rootField: 'none' };

/** Meta fields every root type answers (introspection and `__typename`). */
const META_FIELDS = new Set(['__typename', '__schema', '__type']);

const shapes = new WeakMap<OperationDefinitionNode, OperationShape>();

export function operationShape(
  operation: OperationDefinitionNode | undefined,
  document: DocumentNode | undefined,
  schema: GraphQLSchema,
): OperationShape {
  if (!operation) return NO_OPERATION;
  let shape = shapes.get(operation);
  if (!shape) {
    shape = computeShape(operation, document, schema);
    shapes.set(operation, shape);
  }
  return shape;
}

function computeShape(operation: OperationDefinitionNode, document: DocumentNode | undefined, schema: GraphQLSchema): OperationShape {
  const type = operation.operation;
  const rootType = schema.getRootType(type as Parameters<GraphQLSchema['getRootType']>[0]);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document?.definitions ?? []) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const names = new Set<string>();
  const visited = new Set<string>();
  const collect = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet);
      else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) collect(fragment.selectionSet);
      }
    }
  };
  collect(operation.selectionSet);
  if (names.size > 1) names.delete('__typename');
  if (names.size > 1) return { type, rootField: 'multiple' };
  const [name] = names;
  if (name === undefined) return { type, rootField: 'none' };
  const known = META_FIELDS.has(name) || rootType?.getFields()[name] !== undefined;
  return { type, rootField: known ? name : 'unknown' };
}

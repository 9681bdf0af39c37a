/**
 * A validation rule graphql-js 16 lacks (version 17 has it as KnownOperationTypesRule): an
 * operation whose root type the schema does not define, here any subscription, is refused at
 * validation (HTTP 400, GRAPHQL_VALIDATION_FAILED). Without it the operation passes validation and
 * fails at execution with an error the gateway can only mask as an internal one.
 */
import { GraphQLError, type ValidationRule } from 'graphql';

export const KnownOperationTypesRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    const schema = context.getSchema();
    const rootType =
      node.operation === 'query'
        ? schema.getQueryType()
        : node.operation === 'mutation'
          ? schema.getMutationType()
          : schema.getSubscriptionType();
    if (!rootType) {
      context.reportError(
        new GraphQLError(`This schema has no ${node.operation} operations: the gateway serves queries and mutations.`, {
          nodes: node,
        }),
      );
    }
  },
});

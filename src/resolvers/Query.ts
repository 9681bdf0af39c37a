import type { QueryResolvers } from '../generated/graphql';
import { parseIdArgument, parseIdListArgument } from '../errors/validation';

export const Query: QueryResolvers = {
  paymentMethodSession: (_, { id }, { loaders }) =>
    loaders.paymentMethodSession.load(parseIdArgument(id, 'id')),

  paymentMethod: (_, { id }, { loaders }) => loaders.paymentMethod.load(parseIdArgument(id, 'id')),

  paymentMethods: async (_, { ids }, { loaders }) => {
    const parsed = parseIdListArgument(ids, 'ids');
    const results = await loaders.paymentMethod.loadMany(parsed.filter((id): id is string => typeof id === 'string'));
    // A malformed or failed id becomes an error at its own index (its item is null), not the whole
    // list's; a malformed one is never sent to Zoho.
    let next = 0;
    return parsed.map((id) => {
      const result = typeof id === 'string' ? results[next++] : id;
      return result instanceof Error ? settledRejection(result) : (result ?? null);
    });
  },
};

/** A rejected promise that graphql-js reports at its list index (marked handled meanwhile). */
function settledRejection(error: Error): Promise<never> {
  const rejection = Promise.reject(error);
  rejection.catch(() => undefined);
  return rejection;
}

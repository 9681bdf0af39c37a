import type { QueryResolvers } from '../generated/graphql';
import { parseIdArgument, parseIdListArgument } from '../errors/validation';

export const Query: QueryResolvers = {
  paymentMethodSession: (_, { id }, { loaders }) =>
    loaders.paymentMethodSession.load(parseIdArgument(id, 'id')),

  paymentMethod: (_, { id }, { loaders }) => loaders.paymentMethod.load(parseIdArgument(id, 'id')),

  paymentMethods: async (_, { ids }, { loaders }) => {
    const results = await loaders.paymentMethod.loadMany(parseIdListArgument(ids, 'ids'));
    // A failed id becomes an error at its own index (its item is null), not the whole list's.
    return results.map((result) => (result instanceof Error ? settledRejection(result) : result));
  },
};

/** A rejected promise that graphql-js reports at its list index (marked handled meanwhile). */
function settledRejection(error: Error): Promise<never> {
  const rejection = Promise.reject(error);
  rejection.catch(() => undefined);
  return rejection;
}

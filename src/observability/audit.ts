/**
 * Every mutation is audited in its operation's log line (operation-report.ts): who (the caller's
 * key, a hash of token and account, never the token; and the account), what (the mutation and
 * the ids it names), its idempotency key and what came of it. No input value beyond ids, no
 * token, card or account number.
 */
import type { GatewayContext } from '../context';
import { isZohoId } from '../errors/validation';
import { isIdempotencyKey, isReplay, type IdempotentMutationName } from '../idempotency/idempotency';

/** What came of one mutation. */
export type MutationOutcome =
  | 'created'
  | 'updated'
  | 'deleted'
  /** The first call's outcome, given again for its idempotency key: no write at Zoho. */
  | 'replayed'
  /** The idempotency key was used with another input: no write at Zoho. */
  | 'conflict'
  | 'user_errors'
  /** A GraphQL error (credentials, Zoho failing, the idempotency store...): see the line's errorCodes. */
  | 'failed';

export interface MutationAuditEntry {
  mutation: AuditedMutation;
  /** The idempotency key as the client sent it (only a well-formed one). */
  idempotencyKey?: string;
  /** The Zoho ids the mutation names or produced (only well-formed ones). */
  ids: { customerId?: string; paymentMethodId?: string; paymentMethodSessionId?: string };
  outcome: MutationOutcome;
  /** The user errors' codes, when the outcome has some. */
  userErrorCodes?: string[];
}

/** The audit of one operation. */
export interface OperationAudit {
  /** Who: undefined when the request has no valid credentials. */
  readonly caller: { readonly callerKey: string; readonly accountId: string } | undefined;
  readonly mutations: MutationAuditEntry[];
}

const SUCCESS: Record<AuditedMutation, MutationOutcome> = {
  createPaymentMethodSession: 'created',
  updatePaymentMethod: 'updated',
  deletePaymentMethod: 'deleted',
};
export type AuditedMutation = IdempotentMutationName;

interface AuditedInput {
  id?: string | null;
  customerId?: string | null;
  idempotencyKey?: string | null;
}

interface AuditedPayload {
  userErrors: ReadonlyArray<{ code: string }>;
  paymentMethodSession?: { payment_method_session_id?: string } | null;
}

/** Wraps a mutation's resolver so that its outcome is written to the operation's audit, whatever happens. */
export function audited<TParent, TArgs extends { input: AuditedInput }, TResult extends AuditedPayload, TInfo>(
  mutation: AuditedMutation,
  resolve: (parent: TParent, args: TArgs, context: GatewayContext, info: TInfo) => Promise<TResult>,
): (parent: TParent, args: TArgs, context: GatewayContext, info: TInfo) => Promise<TResult> {
  return async (parent, args, context, info) => {
    const { input } = args;
    const entry: MutationAuditEntry = {
      mutation,
      ...(isIdempotencyKey(input.idempotencyKey) && { idempotencyKey: input.idempotencyKey }),
      ids: {
        ...(isZohoId(input.customerId) && { customerId: input.customerId }),
        ...(isZohoId(input.id) && { paymentMethodId: input.id }),
      },
      outcome: 'failed',
    };
    context.audit.mutations.push(entry);
    const payload = await resolve(parent, args, context, info);
    const sessionId = payload.paymentMethodSession?.payment_method_session_id;
    if (isZohoId(sessionId)) entry.ids.paymentMethodSessionId = sessionId;
    const codes = payload.userErrors.map((error) => error.code);
    if (codes.length > 0) entry.userErrorCodes = codes;
    entry.outcome = isReplay(payload)
      ? 'replayed'
      : codes.includes('IDEMPOTENCY_CONFLICT')
        ? 'conflict'
        : codes.length > 0
          ? 'user_errors'
          : SUCCESS[mutation];
    return payload;
  };
}

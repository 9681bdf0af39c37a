/* eslint-disable */
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null | undefined;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A country code as defined by ISO 3166-1 alpha-2 */
  CountryCode: { input: string; output: string; }
  /** A field whose value is a Currency: https://en.wikipedia.org/wiki/ISO_4217. */
  Currency: { input: string; output: string; }
  /** A date-time string at UTC, such as 2007-12-03T10:15:30Z, compliant with the `date-time` format outlined in section 5.6 of the RFC 3339 profile of the ISO 8601 standard for representation of dates and times using the Gregorian calendar. */
  DateTime: { input: string; output: string; }
};

/** Who holds a bank account. */
export type AccountHolderType =
  /** A company. */
  | 'COMPANY'
  /** A person. */
  | 'INDIVIDUAL'
  /**
   * A holder type Zoho sent that this gateway does not know yet (it is logged). Only ever an
   * answer: as input (`AchDebitUpdateInput.accountHolderType`) it is an INVALID user error.
   */
  | 'UNKNOWN';

/** A US bank account debited through ACH, as far as it may be shown: never its full number. */
export type AchDebitDetails = {
  __typename?: 'AchDebitDetails';
  /** The name of the account's holder, or null when not given. */
  accountHolderName: Maybe<Scalars['String']['output']>;
  /**
   * Whether the account belongs to a person or a company; UNKNOWN for a holder type this gateway
   * does not know yet; null when Zoho does not say.
   */
  accountHolderType: Maybe<AccountHolderType>;
  /** The kind of account as Zoho names it, e.g. `savings` or `checking`; null when not given. */
  accountType: Maybe<Scalars['String']['output']>;
  /** The bank's name, or null when not given. */
  bankName: Maybe<Scalars['String']['output']>;
  /** The last four digits of the account number. */
  last4: Scalars['String']['output'];
  /** The bank's nine-digit ABA routing number (it names the bank, not the account); null when not given. */
  routingNumber: Maybe<Scalars['String']['output']>;
};

/** An ACH account's new holder type. */
export type AchDebitUpdateInput = {
  /** Whether the account belongs to a person or a company: INDIVIDUAL or COMPANY (UNKNOWN is refused as INVALID). */
  accountHolderType: AccountHolderType;
};

/** The billing address of a payment method. */
export type BillingAddress = {
  __typename?: 'BillingAddress';
  /** The first line of the street address. */
  addressLine1: Maybe<Scalars['String']['output']>;
  /** The second line of the street address (apartment, suite). */
  addressLine2: Maybe<Scalars['String']['output']>;
  /** The city. */
  city: Maybe<Scalars['String']['output']>;
  /** The country. */
  country: Scalars['CountryCode']['output'];
  /** The name on the billing address. */
  name: Maybe<Scalars['String']['output']>;
  /** The postal or ZIP code. */
  postalCode: Maybe<Scalars['String']['output']>;
  /** The state, province or region. */
  state: Maybe<Scalars['String']['output']>;
};

/** A billing address to store on a payment method. */
export type BillingAddressInput = {
  /** The first line of the street address. */
  addressLine1?: InputMaybe<Scalars['String']['input']>;
  /** The second line of the street address (apartment, suite). */
  addressLine2?: InputMaybe<Scalars['String']['input']>;
  /** The city. */
  city?: InputMaybe<Scalars['String']['input']>;
  /** The country (required by Zoho). */
  country: Scalars['CountryCode']['input'];
  /** The name on the billing address. */
  name?: InputMaybe<Scalars['String']['input']>;
  /** The postal or ZIP code. */
  postalCode?: InputMaybe<Scalars['String']['input']>;
  /** The state, province or region. */
  state?: InputMaybe<Scalars['String']['input']>;
};

/** The outcome of one card check. */
export type CardCheckResult =
  /** The issuer said the value does not match. */
  | 'FAIL'
  /** The issuer confirmed the value. */
  | 'PASS'
  /** The issuer could not check the value. */
  | 'UNAVAILABLE'
  /** Zoho says the value was not checked. */
  | 'UNCHECKED'
  /**
   * Zoho did not say, or sent a result this gateway does not know yet (that one is logged). Not the
   * same as UNCHECKED: the check may well have run.
   */
  | 'UNKNOWN';

/** What the card's issuer said about the details entered with the card. */
export type CardChecks = {
  __typename?: 'CardChecks';
  /** The check of the billing address's first line; UNKNOWN when Zoho does not say. */
  addressLine: CardCheckResult;
  /** The check of the card's security code; UNKNOWN when Zoho does not say. */
  cvc: CardCheckResult;
  /** The check of the billing postal code; UNKNOWN when Zoho does not say. */
  postalCode: CardCheckResult;
};

/** A card, as far as it may be shown: never its full number or CVC. */
export type CardDetails = {
  __typename?: 'CardDetails';
  /** The name on the card, or null when not given. */
  cardholderName: Maybe<Scalars['String']['output']>;
  /** What the card's issuer said about the address, postal code and CVC; null when Zoho does not say. */
  checks: Maybe<CardChecks>;
  /** The month the card expires, from 1 (January) to 12. */
  expiryMonth: Scalars['Int']['output'];
  /** The year the card expires, in four digits (Zoho's `26` is 2026). */
  expiryYear: Scalars['Int']['output'];
  /** The last four digits of the card number. */
  last4: Scalars['String']['output'];
};

/** A card's new expiry, which must not be in the past. */
export type CardUpdateInput = {
  /** The month, from 1 (January) to 12. */
  expiryMonth: Scalars['Int']['input'];
  /** The year in four digits, e.g. 2027. */
  expiryYear: Scalars['Int']['input'];
};

/** Who a new payment method session is for. */
export type CreatePaymentMethodSessionInput = {
  /** The Zoho id of the customer: a decimal string of 1 to 19 digits. */
  customerId: Scalars['ID']['input'];
  /** A free-text description shown back on the session, e.g. what it is for; at most 1000 characters. */
  description?: InputMaybe<Scalars['String']['input']>;
  /**
   * Makes the create safe to retry (after a time-out, say): a key of your choosing, 1 to 255
   * printable ASCII characters (e.g. a UUID), scoped to your Zoho account. The same key with the
   * same input within 24 hours creates no second session and answers with the first call's
   * outcome: the same session, as Zoho shows it now (read with your own token), or the same
   * `userErrors`. The same key with another input is an `IDEMPOTENCY_CONFLICT` user error. Omit it
   * (or null) for no idempotency. See the README, "Idempotent mutations".
   */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
};

/** The result of `createPaymentMethodSession`. */
export type CreatePaymentMethodSessionPayload = {
  __typename?: 'CreatePaymentMethodSessionPayload';
  /** The new session, with status `CREATED`; null when `userErrors` is not empty. */
  paymentMethodSession: Maybe<PaymentMethodSession>;
  /** What was wrong with the input; empty on success. */
  userErrors: Array<UserError>;
};

/**
 * The Zoho Payments customer a payment method or session belongs to. Other subgraphs may
 * extend it by its `id`.
 */
export type Customer = {
  __typename?: 'Customer';
  /** The customer's email address, when Zoho sent it (payment methods carry it; sessions do not). */
  email: Maybe<Scalars['String']['output']>;
  /** The customer's Zoho id: a decimal string of up to 19 digits. */
  id: Scalars['ID']['output'];
  /** The customer's name, when Zoho sent it (payment methods carry it; sessions do not). */
  name: Maybe<Scalars['String']['output']>;
};

/** Which payment method to delete. */
export type DeletePaymentMethodInput = {
  /** The Zoho id of the payment method: a decimal string of 1 to 19 digits. */
  id: Scalars['ID']['input'];
  /**
   * Makes the delete safe to retry: a key of your choosing, 1 to 255 printable ASCII characters
   * (e.g. a UUID), scoped to your Zoho account. The same key with the same input within 24 hours
   * sends Zoho no second delete and answers with the first call's outcome: the same
   * `deletedPaymentMethodId` (once Zoho has checked your token with a read of the method, which
   * needs the READ scope) or the same `userErrors`. The same key with another input is an
   * `IDEMPOTENCY_CONFLICT` user error. Omit it (or null) for no idempotency. See the README,
   * "Idempotent mutations".
   */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
};

/** The result of `deletePaymentMethod`. */
export type DeletePaymentMethodPayload = {
  __typename?: 'DeletePaymentMethodPayload';
  /** The id of the payment method that was deleted; null when `userErrors` is not empty. */
  deletedPaymentMethodId: Maybe<Scalars['ID']['output']>;
  /** What was wrong with the input; empty on success. */
  userErrors: Array<UserError>;
};

/**
 * The changes a caller can make. Mistakes the caller can fix come back as `userErrors` in the
 * payload; failures of the system (authentication, Zoho being down) come back as GraphQL errors
 * with `extensions.code`.
 */
export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Opens a session in which the customer enters a payment method (in Zoho's payment widget).
   * The session never charges. Needs the `ZohoPay.paymentmethods.CREATE` scope.
   */
  createPaymentMethodSession: CreatePaymentMethodSessionPayload;
  /**
   * Deletes a payment method, so that it can no longer be charged.
   * Needs the `ZohoPay.paymentmethods.DELETE` scope.
   */
  deletePaymentMethod: DeletePaymentMethodPayload;
  /**
   * Changes a card's expiry or an ACH account's holder type, the billing address, or both (a
   * billing address alone is an update). Reads the method first, since Zoho needs its type: needs
   * the `ZohoPay.paymentmethods.READ` and `ZohoPay.paymentmethods.UPDATE` scopes.
   */
  updatePaymentMethod: UpdatePaymentMethodPayload;
};


/**
 * The changes a caller can make. Mistakes the caller can fix come back as `userErrors` in the
 * payload; failures of the system (authentication, Zoho being down) come back as GraphQL errors
 * with `extensions.code`.
 */
export type MutationCreatePaymentMethodSessionArgs = {
  input: CreatePaymentMethodSessionInput;
};


/**
 * The changes a caller can make. Mistakes the caller can fix come back as `userErrors` in the
 * payload; failures of the system (authentication, Zoho being down) come back as GraphQL errors
 * with `extensions.code`.
 */
export type MutationDeletePaymentMethodArgs = {
  input: DeletePaymentMethodInput;
};


/**
 * The changes a caller can make. Mistakes the caller can fix come back as `userErrors` in the
 * payload; failures of the system (authentication, Zoho being down) come back as GraphQL errors
 * with `extensions.code`.
 */
export type MutationUpdatePaymentMethodArgs = {
  input: UpdatePaymentMethodInput;
};

/**
 * A customer's saved, tokenized means of payment: a card or an ACH debit (US bank) account.
 * Only the last four digits of a card or account number are ever known to this API.
 */
export type PaymentMethod = {
  __typename?: 'PaymentMethod';
  /** The billing address on file, or null when none was given. */
  billingAddress: Maybe<BillingAddress>;
  /** When the payment method was saved. */
  createdAt: Scalars['DateTime']['output'];
  /**
   * The currency the payment method operates in, as an upper-case ISO 4217 code; null when Zoho
   * does not say, sends an empty value, or sends a code that is not ISO 4217 (that one is logged).
   */
  currency: Maybe<Scalars['Currency']['output']>;
  /** The customer the payment method belongs to. */
  customer: Customer;
  /**
   * The card or ACH account itself: `CardDetails` when `type` is CARD, `AchDebitDetails` when
   * ACH_DEBIT, `UnknownPaymentMethodDetails` when UNKNOWN. Select every member with
   * `... on <Type>`: more members may be added as Zoho adds kinds of payment method.
   */
  details: PaymentMethodDetails;
  /** The payment method's Zoho id: a decimal string of up to 19 digits. */
  id: Scalars['ID']['output'];
  /** Whether the payment method can be used. */
  status: PaymentMethodStatus;
  /**
   * Whether this is a card or an ACH debit account; `details` holds the matching type. UNKNOWN for
   * a kind of payment method Zoho added after this gateway was built: handle it (e.g. show it as
   * "other payment method") rather than failing.
   */
  type: PaymentMethodType;
  /** When the payment method last changed, or null when Zoho does not say. */
  updatedAt: Maybe<Scalars['DateTime']['output']>;
};

/**
 * The card or ACH account behind a payment method. Members may be added as Zoho adds kinds of
 * payment method; a client should select each member it shows and treat any other `__typename`
 * (today `UnknownPaymentMethodDetails`) as "another kind of payment method".
 */
export type PaymentMethodDetails = AchDebitDetails | CardDetails | UnknownPaymentMethodDetails;

/**
 * A temporary, secure session in which a customer enters a payment method (in Zoho's payment
 * widget). It never charges: once it succeeds, it holds the tokenized payment method it collected.
 */
export type PaymentMethodSession = {
  __typename?: 'PaymentMethodSession';
  /** When the session was created; null when Zoho does not say. */
  createdAt: Maybe<Scalars['DateTime']['output']>;
  /** The customer the session collects a payment method for. */
  customer: Customer;
  /** The description given when the session was created, or null. */
  description: Maybe<Scalars['String']['output']>;
  /** The session's Zoho id: a decimal string of up to 19 digits. */
  id: Scalars['ID']['output'];
  /** The payment method the session collected, once it has one; null before that. */
  paymentMethod: Maybe<PaymentMethod>;
  /** Where the session is in its life. */
  status: PaymentMethodSessionStatus;
};

/** Where a payment method session is in its life. */
export type PaymentMethodSessionStatus =
  /** Created and waiting for the customer to enter a payment method. */
  | 'CREATED'
  /** The session ran out of time before a payment method was saved. */
  | 'EXPIRED'
  /** The customer's payment method could not be saved. */
  | 'FAILED'
  /** The customer entered a payment method and it was saved: see `paymentMethod`. */
  | 'SUCCEEDED'
  /** A status Zoho sent that this gateway does not know yet (it is logged). */
  | 'UNKNOWN';

/** Whether a payment method can be used. */
export type PaymentMethodStatus =
  /** Usable. */
  | 'ACTIVE'
  /** Blocked, by Zoho or the bank; it cannot be used. */
  | 'BLOCKED'
  /** Deleted; it cannot be used again. */
  | 'DELETED'
  /** A card past its expiry date. */
  | 'EXPIRED'
  /** Still being verified (e.g. an ACH account awaiting verification). */
  | 'PROCESSING'
  /** A status Zoho sent that this gateway does not know yet (it is logged). */
  | 'UNKNOWN';

/** The kinds of payment method. */
export type PaymentMethodType =
  /** A US bank account debited through ACH. */
  | 'ACH_DEBIT'
  /** A credit or debit card. */
  | 'CARD'
  /**
   * A kind of payment method Zoho added that this gateway does not know yet (it is logged): its
   * `details` are `UnknownPaymentMethodDetails`, which carry Zoho's own name for the kind.
   */
  | 'UNKNOWN';

/**
 * The entry points for reading payment methods and the sessions that collect them.
 *
 * Every field below calls Zoho Payments with the caller's own credentials, sent as the
 * `Authorization: Zoho-oauthtoken <token>` and `X-Zoho-Account-Id: <digits>` HTTP headers.
 */
export type Query = {
  __typename?: 'Query';
  /**
   * A payment method (a card or an ACH debit account) by its Zoho id, or null when no such
   * method exists in the caller's account. Needs the `ZohoPay.paymentmethods.READ` scope.
   */
  paymentMethod: Maybe<PaymentMethod>;
  /**
   * A payment method session by its Zoho id, or null when no such session exists in the
   * caller's account. Needs the `ZohoPay.paymentmethods.READ` scope.
   */
  paymentMethodSession: Maybe<PaymentMethodSession>;
  /**
   * Several payment methods at once, in the order of `ids`, with null at the position of an id
   * that does not exist. A malformed id is null too, with a BAD_USER_INPUT error whose `path` ends
   * at its index; the other ids are answered. More than 100 ids fail the whole field with
   * BAD_USER_INPUT. Repeated ids are fetched once. Needs the `ZohoPay.paymentmethods.READ` scope.
   */
  paymentMethods: Array<Maybe<PaymentMethod>>;
};


/**
 * The entry points for reading payment methods and the sessions that collect them.
 *
 * Every field below calls Zoho Payments with the caller's own credentials, sent as the
 * `Authorization: Zoho-oauthtoken <token>` and `X-Zoho-Account-Id: <digits>` HTTP headers.
 */
export type QueryPaymentMethodArgs = {
  id: Scalars['ID']['input'];
};


/**
 * The entry points for reading payment methods and the sessions that collect them.
 *
 * Every field below calls Zoho Payments with the caller's own credentials, sent as the
 * `Authorization: Zoho-oauthtoken <token>` and `X-Zoho-Account-Id: <digits>` HTTP headers.
 */
export type QueryPaymentMethodSessionArgs = {
  id: Scalars['ID']['input'];
};


/**
 * The entry points for reading payment methods and the sessions that collect them.
 *
 * Every field below calls Zoho Payments with the caller's own credentials, sent as the
 * `Authorization: Zoho-oauthtoken <token>` and `X-Zoho-Account-Id: <digits>` HTTP headers.
 */
export type QueryPaymentMethodsArgs = {
  ids: Array<Scalars['ID']['input']>;
};

/**
 * A payment method of a kind Zoho added after this gateway was built (neither a card nor an ACH
 * debit account). Only Zoho's name for the kind is passed on; its other fields are not, until the
 * gateway learns the kind.
 */
export type UnknownPaymentMethodDetails = {
  __typename?: 'UnknownPaymentMethodDetails';
  /**
   * Zoho's own `type` string for this payment method, e.g. `upi`: as Zoho sent it, cut to 64
   * characters, with anything shaped like a card, account or routing number or a token masked
   * (as `extensions.upstreamCode` is).
   */
  upstreamType: Scalars['String']['output'];
};

/**
 * A change to a payment method: at least one of `card`, `achDebit` and `billingAddress`, and at
 * most one of `card` and `achDebit` (the one matching its type). A billing address alone is an
 * update, on a payment method of any type. No change at all is a REQUIRED user error on
 * `["input"]`; both `card` and `achDebit` is INVALID on `["input", "achDebit"]`.
 */
export type UpdatePaymentMethodInput = {
  /** The ACH account's new holder type; only for a payment method of type ACH_DEBIT (otherwise TYPE_MISMATCH). */
  achDebit?: InputMaybe<AchDebitUpdateInput>;
  /**
   * A new billing address, replacing the one on file; omit it to keep the current one. It may be
   * the only change, on a payment method of any type (UNKNOWN included).
   */
  billingAddress?: InputMaybe<BillingAddressInput>;
  /** The card's new expiry; only for a payment method of type CARD (otherwise TYPE_MISMATCH). */
  card?: InputMaybe<CardUpdateInput>;
  /** The Zoho id of the payment method to change: a decimal string of 1 to 19 digits. */
  id: Scalars['ID']['input'];
  /**
   * Makes the update safe to retry: a key of your choosing, 1 to 255 printable ASCII characters
   * (e.g. a UUID), scoped to your Zoho account. The same key with the same input within 24 hours
   * sends Zoho no second update and answers with the first call's outcome: the payment method as
   * Zoho shows it now (read with your own token) or the same `userErrors`. The same key with
   * another input is an `IDEMPOTENCY_CONFLICT` user error. Omit it (or null) for no idempotency.
   * See the README, "Idempotent mutations".
   */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
};

/** The result of `updatePaymentMethod`. */
export type UpdatePaymentMethodPayload = {
  __typename?: 'UpdatePaymentMethodPayload';
  /** The payment method as it is after the change; null when `userErrors` is not empty. */
  paymentMethod: Maybe<PaymentMethod>;
  /** What was wrong with the input; empty on success. */
  userErrors: Array<UserError>;
};

/** A mistake in a mutation's input that the caller can fix, and where it is. */
export type UserError = {
  __typename?: 'UserError';
  /** What kind of mistake it is. */
  code: UserErrorCode;
  /**
   * The path to the offending input field, e.g. `["input", "card", "expiryMonth"]`; `["input"]`
   * when the error is about the input as a whole (e.g. an update that changes nothing, or Zoho
   * refusing the input without saying which field).
   */
  field: Maybe<Array<Scalars['String']['output']>>;
  /** A sentence for a developer that says what is wrong and how to fix it. Never holds secrets. */
  message: Scalars['String']['output'];
};

/** The kinds of mistakes a mutation's input can hold. */
export type UserErrorCode =
  /**
   * The `idempotencyKey` was already used in this Zoho account within the last 24 hours with a
   * different input (or by another mutation), or is in use right now by a call with a different
   * input: nothing was sent to Zoho. Send a new key for a new request; reuse a key only to retry
   * exactly the same request.
   */
  | 'IDEMPOTENCY_CONFLICT'
  /** A value is malformed or out of range (e.g. an id that is not all digits, an expiry already past). */
  | 'INVALID'
  /** The id names nothing in the caller's Zoho account. */
  | 'NOT_FOUND'
  /** A value that must be given is missing. */
  | 'REQUIRED'
  /** The change does not fit the payment method's type (card fields for an ACH account, or the reverse). */
  | 'TYPE_MISMATCH'
  /** Zoho rejected the input for a reason this gateway does not know yet; the message says what Zoho said. */
  | 'UNKNOWN';

export type CreatePaymentMethodSessionMutationVariables = Exact<{
  input: CreatePaymentMethodSessionInput;
}>;


export type CreatePaymentMethodSessionMutation = { __typename?: 'Mutation', createPaymentMethodSession: { __typename?: 'CreatePaymentMethodSessionPayload', paymentMethodSession: { __typename?: 'PaymentMethodSession', id: string, status: PaymentMethodSessionStatus, description: string | null, createdAt: string | null, customer: { __typename?: 'Customer', id: string } } | null, userErrors: Array<{ __typename?: 'UserError', field: Array<string> | null, code: UserErrorCode, message: string }> } };

export type DeletePaymentMethodMutationVariables = Exact<{
  input: DeletePaymentMethodInput;
}>;


export type DeletePaymentMethodMutation = { __typename?: 'Mutation', deletePaymentMethod: { __typename?: 'DeletePaymentMethodPayload', deletedPaymentMethodId: string | null, userErrors: Array<{ __typename?: 'UserError', field: Array<string> | null, code: UserErrorCode, message: string }> } };

export type PaymentMethodQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type PaymentMethodQuery = { __typename?: 'Query', paymentMethod: { __typename?: 'PaymentMethod', id: string, type: PaymentMethodType, status: PaymentMethodStatus, currency: string | null, createdAt: string, updatedAt: string | null, customer: { __typename?: 'Customer', id: string, name: string | null, email: string | null }, details:
      | { __typename: 'AchDebitDetails', accountHolderName: string | null, accountHolderType: AccountHolderType | null, bankName: string | null, accountType: string | null, routingNumber: string | null, last4: string }
      | { __typename: 'CardDetails', cardholderName: string | null, last4: string, expiryMonth: number, expiryYear: number, checks: { __typename?: 'CardChecks', cvc: CardCheckResult, postalCode: CardCheckResult, addressLine: CardCheckResult } | null }
      | { __typename: 'UnknownPaymentMethodDetails', upstreamType: string }
    , billingAddress: { __typename?: 'BillingAddress', name: string | null, addressLine1: string | null, addressLine2: string | null, city: string | null, state: string | null, country: string, postalCode: string | null } | null } | null };

export type PaymentMethodSessionQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type PaymentMethodSessionQuery = { __typename?: 'Query', paymentMethodSession: { __typename?: 'PaymentMethodSession', id: string, status: PaymentMethodSessionStatus, description: string | null, createdAt: string | null, customer: { __typename?: 'Customer', id: string }, paymentMethod: { __typename?: 'PaymentMethod', id: string, type: PaymentMethodType, status: PaymentMethodStatus, details:
        | { __typename: 'AchDebitDetails', accountHolderName: string | null, bankName: string | null, accountType: string | null, last4: string }
        | { __typename: 'CardDetails', cardholderName: string | null, last4: string, expiryMonth: number, expiryYear: number }
        | { __typename: 'UnknownPaymentMethodDetails', upstreamType: string }
       } | null } | null };

export type PaymentMethodsQueryVariables = Exact<{
  ids: Array<Scalars['ID']['input']> | Scalars['ID']['input'];
}>;


export type PaymentMethodsQuery = { __typename?: 'Query', paymentMethods: Array<{ __typename?: 'PaymentMethod', id: string, type: PaymentMethodType, status: PaymentMethodStatus, customer: { __typename?: 'Customer', id: string, name: string | null }, details:
      | { __typename: 'AchDebitDetails', accountHolderName: string | null, bankName: string | null, accountType: string | null, last4: string }
      | { __typename: 'CardDetails', cardholderName: string | null, last4: string, expiryMonth: number, expiryYear: number }
      | { __typename: 'UnknownPaymentMethodDetails', upstreamType: string }
     } | null> };

export type UpdatePaymentMethodMutationVariables = Exact<{
  input: UpdatePaymentMethodInput;
}>;


export type UpdatePaymentMethodMutation = { __typename?: 'Mutation', updatePaymentMethod: { __typename?: 'UpdatePaymentMethodPayload', paymentMethod: { __typename?: 'PaymentMethod', id: string, type: PaymentMethodType, status: PaymentMethodStatus, updatedAt: string | null, details:
        | { __typename: 'AchDebitDetails', accountHolderType: AccountHolderType | null, last4: string }
        | { __typename: 'CardDetails', last4: string, expiryMonth: number, expiryYear: number }
        | { __typename: 'UnknownPaymentMethodDetails', upstreamType: string }
      , billingAddress: { __typename?: 'BillingAddress', name: string | null, addressLine1: string | null, addressLine2: string | null, city: string | null, state: string | null, country: string, postalCode: string | null } | null } | null, userErrors: Array<{ __typename?: 'UserError', field: Array<string> | null, code: UserErrorCode, message: string }> } };


export const CreatePaymentMethodSessionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreatePaymentMethodSession"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreatePaymentMethodSessionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createPaymentMethodSession"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paymentMethodSession"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"customer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<CreatePaymentMethodSessionMutation, CreatePaymentMethodSessionMutationVariables>;
export const DeletePaymentMethodDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeletePaymentMethod"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DeletePaymentMethodInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deletePaymentMethod"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deletedPaymentMethodId"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<DeletePaymentMethodMutation, DeletePaymentMethodMutationVariables>;
export const PaymentMethodDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PaymentMethod"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paymentMethod"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"customer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"email"}}]}},{"kind":"Field","name":{"kind":"Name","value":"details"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CardDetails"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cardholderName"}},{"kind":"Field","name":{"kind":"Name","value":"last4"}},{"kind":"Field","name":{"kind":"Name","value":"expiryMonth"}},{"kind":"Field","name":{"kind":"Name","value":"expiryYear"}},{"kind":"Field","name":{"kind":"Name","value":"checks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cvc"}},{"kind":"Field","name":{"kind":"Name","value":"postalCode"}},{"kind":"Field","name":{"kind":"Name","value":"addressLine"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AchDebitDetails"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accountHolderName"}},{"kind":"Field","name":{"kind":"Name","value":"accountHolderType"}},{"kind":"Field","name":{"kind":"Name","value":"bankName"}},{"kind":"Field","name":{"kind":"Name","value":"accountType"}},{"kind":"Field","name":{"kind":"Name","value":"routingNumber"}},{"kind":"Field","name":{"kind":"Name","value":"last4"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UnknownPaymentMethodDetails"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"upstreamType"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"billingAddress"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"addressLine1"}},{"kind":"Field","name":{"kind":"Name","value":"addressLine2"}},{"kind":"Field","name":{"kind":"Name","value":"city"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"country"}},{"kind":"Field","name":{"kind":"Name","value":"postalCode"}}]}}]}}]}}]} as unknown as DocumentNode<PaymentMethodQuery, PaymentMethodQueryVariables>;
export const PaymentMethodSessionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PaymentMethodSession"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paymentMethodSession"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"customer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"Field","name":{"kind":"Name","value":"paymentMethod"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"details"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CardDetails"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cardholderName"}},{"kind":"Field","name":{"kind":"Name","value":"last4"}},{"kind":"Field","name":{"kind":"Name","value":"expiryMonth"}},{"kind":"Field","name":{"kind":"Name","value":"expiryYear"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AchDebitDetails"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accountHolderName"}},{"kind":"Field","name":{"kind":"Name","value":"bankName"}},{"kind":"Field","name":{"kind":"Name","value":"accountType"}},{"kind":"Field","name":{"kind":"Name","value":"last4"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UnknownPaymentMethodDetails"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"upstreamType"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<PaymentMethodSessionQuery, PaymentMethodSessionQueryVariables>;
export const PaymentMethodsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PaymentMethods"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"ids"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paymentMethods"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"ids"},"value":{"kind":"Variable","name":{"kind":"Name","value":"ids"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"customer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"details"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CardDetails"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cardholderName"}},{"kind":"Field","name":{"kind":"Name","value":"last4"}},{"kind":"Field","name":{"kind":"Name","value":"expiryMonth"}},{"kind":"Field","name":{"kind":"Name","value":"expiryYear"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AchDebitDetails"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accountHolderName"}},{"kind":"Field","name":{"kind":"Name","value":"bankName"}},{"kind":"Field","name":{"kind":"Name","value":"accountType"}},{"kind":"Field","name":{"kind":"Name","value":"last4"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UnknownPaymentMethodDetails"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"upstreamType"}}]}}]}}]}}]}}]} as unknown as DocumentNode<PaymentMethodsQuery, PaymentMethodsQueryVariables>;
export const UpdatePaymentMethodDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdatePaymentMethod"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdatePaymentMethodInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updatePaymentMethod"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paymentMethod"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"details"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CardDetails"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"last4"}},{"kind":"Field","name":{"kind":"Name","value":"expiryMonth"}},{"kind":"Field","name":{"kind":"Name","value":"expiryYear"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AchDebitDetails"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accountHolderType"}},{"kind":"Field","name":{"kind":"Name","value":"last4"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UnknownPaymentMethodDetails"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"upstreamType"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"billingAddress"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"addressLine1"}},{"kind":"Field","name":{"kind":"Name","value":"addressLine2"}},{"kind":"Field","name":{"kind":"Name","value":"city"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"country"}},{"kind":"Field","name":{"kind":"Name","value":"postalCode"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<UpdatePaymentMethodMutation, UpdatePaymentMethodMutationVariables>;
/**
 * The Zoho Payments endpoints the gateway calls, declared once (the seeds' names, methods, paths
 * and OAuth scopes): the datasource builds its calls from this table, and logs and metrics name
 * each call by its `endpoint` key.
 */

export type ZohoMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ZohoEndpointSpec {
  readonly method: ZohoMethod;
  /** Relative to the API base URL (`…/api/v1/`); `{id}` is the resource's id. */
  readonly path: 'paymentmethodsessions' | 'paymentmethodsessions/{id}' | 'paymentmethods/{id}';
  /** The OAuth scope Zoho requires for it. */
  readonly scope: `ZohoPay.paymentmethods.${'CREATE' | 'READ' | 'UPDATE' | 'DELETE'}`;
  /** What a 404 on it means when Zoho's code says "no such id" (see errors/upstream.ts). */
  readonly resource: 'paymentMethodSession' | 'paymentMethod';
  /** What it does, for messages: "… an unexpected reply to retrieve a payment method". */
  readonly what: string;
}

export const ZOHO_ENDPOINTS = {
  createPaymentMethodSession: {
    method: 'POST',
    path: 'paymentmethodsessions',
    scope: 'ZohoPay.paymentmethods.CREATE',
    resource: 'paymentMethodSession',
    what: 'create a payment method session',
  },
  retrievePaymentMethodSession: {
    method: 'GET',
    path: 'paymentmethodsessions/{id}',
    scope: 'ZohoPay.paymentmethods.READ',
    resource: 'paymentMethodSession',
    what: 'retrieve a payment method session',
  },
  retrievePaymentMethod: {
    method: 'GET',
    path: 'paymentmethods/{id}',
    scope: 'ZohoPay.paymentmethods.READ',
    resource: 'paymentMethod',
    what: 'retrieve a payment method',
  },
  updatePaymentMethod: {
    method: 'PUT',
    path: 'paymentmethods/{id}',
    scope: 'ZohoPay.paymentmethods.UPDATE',
    resource: 'paymentMethod',
    what: 'update a payment method',
  },
  deletePaymentMethod: {
    method: 'DELETE',
    path: 'paymentmethods/{id}',
    scope: 'ZohoPay.paymentmethods.DELETE',
    resource: 'paymentMethod',
    what: 'delete a payment method',
  },
} as const satisfies Record<string, ZohoEndpointSpec>;

/** The Zoho endpoints this gateway calls, named as the seeds name them. */
export type ZohoEndpoint = keyof typeof ZOHO_ENDPOINTS;

/** Every endpoint name (the metrics' `endpoint` label values). */
export const ZOHO_ENDPOINT_NAMES = Object.keys(ZOHO_ENDPOINTS) as ZohoEndpoint[];

/** The endpoint's path relative to the base URL, with its id filled in (URL-encoded). */
export function endpointPath(endpoint: ZohoEndpoint, id?: string): string {
  const { path } = ZOHO_ENDPOINTS[endpoint];
  return id === undefined ? path : path.replace('{id}', encodeURIComponent(id));
}

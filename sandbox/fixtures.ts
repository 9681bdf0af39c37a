/**
 * The sandbox's default credentials and data (README.md, Credentials and Fixtures): what a
 * newcomer can query right after `npm start`.
 */
import type { SeedInput } from './control-api';
import { SCOPES, type Scope } from './store';

export const SANDBOX_ACCOUNT_ID = '1000000001';

export const SANDBOX_TOKENS: Readonly<Record<string, readonly Scope[]>> = {
  sandbox_full: SCOPES,
  sandbox_read: ['READ'],
};

/** The seeds' card (with an expiry still ahead), an ACH account, a completed and an open session. */
export const DEFAULT_FIXTURES: SeedInput = {
  account_id: SANDBOX_ACCOUNT_ID,
  customers: [
    { customer_id: '1987000000724207', customer_name: 'Charles', customer_email: 'charles@example.com' },
    { customer_id: '1987000000724300', customer_name: 'Ada', customer_email: 'ada@example.com' },
  ],
  payment_methods: [
    {
      payment_method_id: '1987000000724211',
      customer_id: '1987000000724207',
      type: 'card',
      card: {
        card_holder_name: 'Charles',
        last_four_digits: '3212',
        expiry_month: '01',
        expiry_year: '30',
        card_checks: { address_line_check: 'pass', postal_code_check: 'pass', cvc_check: 'pass' },
      },
      status: 'active',
      currency: 'USD',
      billing_address: {
        name: 'Charles',
        address_line1: '123 Main St',
        address_line2: 'Apt 4B',
        city: 'Detroit',
        state: 'Michigan',
        country: 'US',
        postal_code: '12345',
      },
      created_time: 1708950672,
      last_modified_time: 1708950672,
    },
    {
      payment_method_id: '1987000000724212',
      customer_id: '1987000000724300',
      type: 'ach_debit',
      ach_debit: {
        account_holder_name: 'Ada',
        routing_number: '110000000',
        account_holder_type: 'individual',
        bank_name: 'Sandbox Test Bank',
        account_type: 'checking',
        last_four_digits: '6789',
      },
      status: 'active',
      currency: 'USD',
      created_time: 1708950700,
      last_modified_time: 1708950700,
    },
  ],
  payment_method_sessions: [
    {
      payment_method_session_id: '1987000000724209',
      customer_id: '1987000000724207',
      description: 'Payment method session for customer 1987000000724207',
      status: 'succeeded',
      created_time: 1708950672,
      payment_method_id: '1987000000724211',
    },
    {
      payment_method_session_id: '1987000000724210',
      customer_id: '1987000000724300',
      description: 'Payment method session for customer 1987000000724300',
      status: 'created',
    },
  ],
};

import { upstreamError } from '../errors';
import type { CardDetailsResolvers } from '../generated/graphql';
import { expiryMonthFromZoho, expiryYearFromZoho } from '../mapping/card-expiry';

export const CardDetails: CardDetailsResolvers = {
  cardholderName: (card) => card.card_holder_name ?? null,
  last4: (card) => card.last_four_digits,
  expiryMonth: (card) => {
    const month = expiryMonthFromZoho(card.expiry_month);
    if (month === undefined) throw upstreamError('Zoho sent a card expiry month that is not 01-12.');
    return month;
  },
  expiryYear: (card) => {
    const year = expiryYearFromZoho(card.expiry_year);
    if (year === undefined) throw upstreamError('Zoho sent a card expiry year that is not YY or YYYY.');
    return year;
  },
  checks: (card) => card.card_checks ?? null,
};

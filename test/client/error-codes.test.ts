/**
 * client/error-codes.ts, the typed list of codes for clients, cannot drift from what the gateway
 * sends. It proves that:
 * - its gateway codes are exactly src/errors/codes.ts's `ErrorCode`, and its protocol codes
 *   exactly Apollo Server's `ApolloServerErrorCode` beyond those;
 * - every listed code reaches a client as itself (the gateway's masking lets it through), and a
 *   code not listed does not (it is masked as INTERNAL_SERVER_ERROR);
 * - its user error codes are exactly the `UserErrorCode` enum of client/schema.graphql and of the
 *   running schema;
 * - docs/api.md's error tables list exactly these codes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { buildSchema as buildSchemaFromSdl, GraphQLError, isEnumType, type GraphQLSchema } from 'graphql';
import {
  ERROR_CODES,
  GATEWAY_ERROR_CODES,
  isErrorCode,
  PROTOCOL_ERROR_CODES,
  RETRYABLE_ERROR_CODES,
  USER_ERROR_CODES,
} from '../../client/error-codes';
import { ErrorCode } from '../../src/errors/codes';
import { formatGatewayError } from '../../src/errors/masking';
import { createLogger } from '../../src/observability/logger';
import { buildSchema } from '../../src/schema';

const ROOT = path.resolve(__dirname, '..', '..');
const sorted = (values: Iterable<string>) => [...values].sort();

function userErrorCodesOf(schema: GraphQLSchema): string[] {
  const type = schema.getType('UserErrorCode');
  if (!isEnumType(type)) throw new Error('UserErrorCode is not an enum');
  return sorted(type.getValues().map((value) => value.name));
}

test("the gateway codes are src/errors/codes.ts's ErrorCode, the protocol codes Apollo Server's others", () => {
  expect(sorted(Object.keys(GATEWAY_ERROR_CODES))).toEqual(sorted(Object.values(ErrorCode)));
  const gateway = new Set<string>(Object.values(ErrorCode));
  expect(sorted(Object.keys(PROTOCOL_ERROR_CODES))).toEqual(sorted(Object.values(ApolloServerErrorCode).filter((code) => !gateway.has(code))));
  expect(sorted(Object.keys(ERROR_CODES))).toEqual(sorted([...Object.keys(GATEWAY_ERROR_CODES), ...Object.keys(PROTOCOL_ERROR_CODES)]));
  for (const code of RETRYABLE_ERROR_CODES) expect(isErrorCode(code)).toBe(true);
});

test.each(Object.keys(ERROR_CODES))('%s reaches a client as itself', (code) => {
  const logger = createLogger({ level: 'silent' });
  for (const production of [false, true]) {
    const error = new GraphQLError('A message.', { extensions: { code } });
    expect(formatGatewayError(error.toJSON(), error, logger, production).extensions?.['code']).toBe(code);
  }
});

test('a code not in the list is masked, so the list is every code a client can meet', () => {
  const error = new GraphQLError('A message.', { extensions: { code: 'SOMETHING_ELSE' } });
  expect(isErrorCode('SOMETHING_ELSE')).toBe(false);
  expect(formatGatewayError(error.toJSON(), error, createLogger({ level: 'silent' }), true).extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
});

test("the user error codes are the schema's UserErrorCode, in client/schema.graphql and in the running schema", () => {
  const clientSchema = buildSchemaFromSdl(readFileSync(path.join(ROOT, 'client', 'schema.graphql'), 'utf8'));
  expect(sorted(Object.keys(USER_ERROR_CODES))).toEqual(userErrorCodesOf(clientSchema));
  expect(sorted(Object.keys(USER_ERROR_CODES))).toEqual(userErrorCodesOf(buildSchema()));
});

test("docs/api.md's error tables list exactly these codes", () => {
  const docs = readFileSync(path.join(ROOT, 'docs', 'api.md'), 'utf8');
  const section = (heading: string) => {
    const start = docs.indexOf(`\n## ${heading}\n`);
    if (start < 0) throw new Error(`docs/api.md has no "## ${heading}"`);
    const end = docs.indexOf('\n## ', start + 1);
    return docs.slice(start, end < 0 ? undefined : end);
  };
  const rowCodes = (text: string) => sorted([...text.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1] as string));
  expect(rowCodes(section('Error codes'))).toEqual(sorted(Object.keys(ERROR_CODES)));
  expect(rowCodes(section('User errors'))).toEqual(sorted(Object.keys(USER_ERROR_CODES)));
});

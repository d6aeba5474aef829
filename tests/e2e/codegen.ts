// GraphQL Code Generator (client preset): typed documents for TypeScript front ends, from the
// published schema and the example operations (the e-book fragment is one of them).
//
//   npx graphql-codegen --config tests/e2e/codegen.ts            # writes ./gql/
//   CODEGEN_OUT=web/src/gql/ npx graphql-codegen --config tests/e2e/codegen.ts
import { resolve } from 'node:path';

import type { CodegenConfig } from '@graphql-codegen/cli';
import { preset as client } from '@graphql-codegen/client-preset';

const root = resolve(__dirname, '..', '..');
const out = process.env.CODEGEN_OUT ?? 'gql/';

const config: CodegenConfig = {
  schema: resolve(root, 'schema.graphql'),
  documents: [resolve(root, 'examples/operations/*.graphql')],
  ignoreNoDocuments: false,
  generates: {
    [out.endsWith('/') ? out : `${out}/`]: {
      preset: client, // the object, so the config works from any directory
      config: {
        // Every custom scalar maps to what it is on the wire; an unmapped one is an error.
        strictScalars: true,
        scalars: {
          Date: 'string',
          DateTime: 'string',
          YearMonth: 'string',
          Vnd: 'number',
          FieldValues: 'Record<string, unknown>',
          _Any: 'Record<string, unknown>',
        },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;

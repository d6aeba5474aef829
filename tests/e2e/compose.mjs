#!/usr/bin/env node
// Composes federation subgraphs into a supergraph with BOTH composers a router may use:
// The Guild's @theguild/federation-composition (Hive) and Apollo's @apollo/composition.
//
//   node tests/e2e/compose.mjs --out DIR --subgraph NAME,URL,SDL_FILE [--subgraph …]
//
// Writes DIR/supergraph.graphql (The Guild's, what Hive Gateway runs) and
// DIR/supergraph.apollo.graphql, and prints a JSON report:
//   {"guild": {"errors": [...]}, "apollo": {"errors": [...], "hints": [...]}}
// Exits 1 when either composer reports an error, 2 on bad arguments.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import apollo from '@apollo/composition';
import { composeServices as guildCompose } from '@theguild/federation-composition';
import { parse } from 'graphql';

function usage(message) {
  process.stderr.write(`${message}\nusage: compose.mjs --out DIR --subgraph NAME,URL,SDL_FILE…\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    subgraph: { type: 'string', multiple: true },
  },
});
if (!values.out) usage('--out is required');
if (!values.subgraph?.length) usage('at least one --subgraph is required');

const services = values.subgraph.map((spec) => {
  const [name, url, file] = spec.split(',');
  if (!name || !url || !file) usage(`bad --subgraph ${spec}`);
  return { name, url, typeDefs: parse(readFileSync(file, 'utf8')) };
});

const messages = (errors) => (errors ?? []).map((e) => e.message);

const guild = guildCompose(services);
const apolloResult = apollo.composeServices(services);
const report = {
  guild: { errors: messages(guild.errors) },
  apollo: {
    errors: messages(apolloResult.errors),
    hints: (apolloResult.hints ?? []).map((h) => h.toString()),
  },
};

mkdirSync(values.out, { recursive: true });
if (guild.supergraphSdl) writeFileSync(join(values.out, 'supergraph.graphql'), guild.supergraphSdl);
if (apolloResult.supergraphSdl) {
  writeFileSync(join(values.out, 'supergraph.apollo.graphql'), apolloResult.supergraphSdl);
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exit(report.guild.errors.length || report.apollo.errors.length ? 1 : 0);

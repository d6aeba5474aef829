// PostGraphile v5 (Grafast) as the benchmark serves it: the amber preset on schema `public`,
// GraphiQL and explain off. PgIndexBehaviorsPlugin is disabled so that conditions exist on every
// column, as in v4 (its `ignoreIndexes` default): the e-book's unemployment contribution periods
// are the rows `condition: {scheme: UNEMPLOYMENT}` selects, and one document then serves both
// peers. Inflection is the preset's (v4's names: personByIdentificationNumber,
// contributionPeriodsByPersonId); the document never selects `id`, the one column v5 renames.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

const connectionString = process.env.PEER_DATABASE_URL;
if (!connectionString) throw new Error("PEER_DATABASE_URL is required");

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ["public"],
      poolConfig: { max: Number(process.env.PEER_POOL_SIZE || 10) },
    }),
  ],
  grafserv: { graphiql: false, watch: false, maxRequestLength: 1 << 20 },
  grafast: { explain: false },
};

export default preset;

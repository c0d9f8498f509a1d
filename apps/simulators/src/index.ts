// Faithful local 管易云 and 金蝶云星空 API servers (dev, demo, tests, benchmarks).
// They implement ../shared/protocols from the server's side and share no code with the connectors.
import { createGuanyiSimulator, guanyiOptionsFromEnv } from "./guanyi";
import { createKingdeeSimulator, kingdeeOptionsFromEnv } from "./kingdee";

export * from "./guanyi";
export * from "./kingdee";
export { seededRandom } from "./random";

export interface RunningSimulator {
  name: string;
  /** The base URL a connection uses (Guanyi: …/rest/erp_open, Kingdee: …/k3cloud/). */
  url: string;
  close(): Promise<void>;
}

export async function startSimulatorsFromEnv(env: NodeJS.ProcessEnv): Promise<RunningSimulator[]> {
  const host = env.SIMULATOR_HOST ?? "127.0.0.1";
  const guanyi = createGuanyiSimulator(guanyiOptionsFromEnv(env));
  const kingdee = createKingdeeSimulator(kingdeeOptionsFromEnv(env));
  const guanyiUrl = await guanyi.listen(Number(env.GUANYI_SIM_PORT ?? 4010), host);
  const kingdeeUrl = await kingdee.listen(Number(env.KINGDEE_SIM_PORT ?? 4020), host);
  return [
    { name: "管易云 (Guanyi)", url: guanyiUrl, close: () => guanyi.close() },
    { name: "金蝶云星空 (Kingdee)", url: kingdeeUrl, close: () => kingdee.close() },
  ];
}

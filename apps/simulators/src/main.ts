// `npm run simulators`: the 管易云 and 金蝶 simulators on their ports, until Ctrl-C.
import { startSimulatorsFromEnv } from "./index";

const running = await startSimulatorsFromEnv(process.env);
for (const s of running) console.log(`${s.name} simulator listening on ${s.url}`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(running.map((s) => s.close()));
  process.exit(0);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());

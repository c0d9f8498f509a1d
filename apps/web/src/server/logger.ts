import { config } from "@qiao/db";
import pino from "pino";

/** Structured logs of the web process. Never log credentials: connection secrets stay sealed. */
export const logger = pino({
  name: "web",
  level: config().LOG_LEVEL,
  redact: { paths: ["*.password", "*.secret", "*.appSecret", "*.sessionkey", "*.authorization"], censor: "[redacted]" },
});

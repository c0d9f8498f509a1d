// The connector registry: every platform Qiao speaks, discovered by the engine and the UI.
import { guanyi } from "./guanyi";
import { kingdee } from "./kingdee";
import type { Connector } from "./types";

export * from "./types";
export * from "./errors";
export * from "./error-class";
export { splitCredentials } from "./credentials";
export { BaseUrlUserinfoError, hasUserinfo, withoutUserinfo } from "./base-url";
export { createProcessSlots, limitNow, MAX_CONCURRENT_CALLS, type SlotLimit } from "./call-slots";
export { httpPost, type HttpAnswer } from "./http";
export type { CallObservation, CallObserver } from "./observer";
export { AddressRefusedError, checkTarget, DEFAULT_MAX_RESPONSE_BYTES, isLoopbackAddress, refusalOf, systemResolve, targetOf, type OutboundPolicy, type RefusalRule, type Resolve } from "./outbound";
export { guanyi, kingdee };

export const connectors: Record<string, Connector> = {
  [guanyi.meta.platform]: guanyi,
  [kingdee.meta.platform]: kingdee,
};

export function getConnector(platform: string): Connector | undefined {
  return connectors[platform];
}

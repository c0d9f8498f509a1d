export { config, redactUrl, type Config } from "./config";
export { createPrisma, prisma, type Db } from "./client";
export { seal, unseal, keyring, parseKeyring, SecretKeyError, type SealedSecret, type Keyring } from "./secrets";
export * from "../generated/prisma/enums";
export { Prisma } from "../generated/prisma/client";
export type * from "../generated/prisma/models";
export * from "./accounts";
export * from "./connections";
export * from "./repositories";

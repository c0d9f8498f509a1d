import { message } from "@qiao/core";
import { LastAdminError, Prisma, type UserModel } from "@qiao/db";
import type { UserDto } from "@/lib/api/schemas";
import { ApiError } from "./errors";

export function userDto(row: UserModel): UserDto {
  return { id: row.id, email: row.email, name: row.name, role: row.role, createdAt: row.createdAt.toISOString() };
}

/** The user-management refusals a person can act on, as API errors (409). */
export async function userChange<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof LastAdminError) throw new ApiError("conflict", message("api.lastAdmin"));
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") throw new ApiError("conflict", message("api.emailTaken"));
    throw error;
  }
}

/** The roles a member of a workspace may have (server/auth/access.ts says what each may do). */
export const ROLES = ['owner', 'editor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Who a valid session belongs to. */
export interface SignedInUser {
  id: string;
  name: string;
  email: string;
}

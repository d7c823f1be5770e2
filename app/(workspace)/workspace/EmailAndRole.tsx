'use client';
import { ROLES, type Role } from '../../../server/auth/roles';
import { ROLE_LABEL } from '../../account/role';

/** Who and as what: the Email and Role fields of the Members page's forms (add a member, invite someone). */
export function EmailAndRole({ email, onEmail, role, onRole }: { email: string; onEmail(email: string): void; role: Role; onRole(role: Role): void }) {
  return (
    <>
      <label className="flex flex-1 flex-col gap-1">
        <span className="text-xs font-medium text-slate-700">Email</span>
        <input type="email" autoComplete="off" required className="rounded border border-slate-300 px-3 py-2" value={email} onChange={(e) => onEmail(e.target.value)} />
      </label>
      <label className="flex flex-col gap-1">
        <span className="text-xs font-medium text-slate-700">Role</span>
        <select className="rounded border border-slate-300 px-2 py-2" value={role} onChange={(e) => onRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {ROLE_LABEL[r]}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}

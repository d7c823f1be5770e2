import type { Metadata } from 'next';
import { MIN_PASSWORD_LENGTH } from '../../../server/auth/auth';
import { describeInvite } from '../../../server/auth/invites';
import { RequestError } from '../../../server/http/guard';
import { LinkRefused } from '../../LinkRefused';
import { signedInUser } from '../../session';
import { InviteAnswer } from './InviteAnswer';

export const metadata: Metadata = { title: 'An invitation · Pipeloom' };

/**
 * An invite link, opened by anyone who holds it: who invites them where, with which role; then the
 * way to accept it (sign up or sign in as the invited email, or Accept when signed in as it). An
 * invite that cannot be used (expired, revoked, used, not valid) is the whole page, saying why.
 */
export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  let invite: ReturnType<typeof describeInvite>;
  try {
    invite = describeInvite(token);
  } catch (error) {
    if (error instanceof RequestError) return <LinkRefused title="This invite cannot be used" message={error.message} />;
    throw error;
  }
  const user = await signedInUser();
  return (
    <div className="mx-auto max-w-md p-8">
      <h1 className="text-2xl font-semibold">Join {invite.workspaceName}</h1>
      <p className="mt-2 text-sm text-slate-700" data-testid="invite-summary">
        {invite.invitedBy ?? 'An owner'} invited you to join <b>{invite.workspaceName}</b> as {invite.role}.
      </p>
      <p className="mt-1 text-xs text-slate-500">The invite is for {invite.email} and can be used until {new Date(invite.expiresAt).toISOString().slice(0, 10)}.</p>
      <InviteAnswer token={token} email={invite.email} signedInAs={user?.email ?? null} minPasswordLength={MIN_PASSWORD_LENGTH} />
    </div>
  );
}

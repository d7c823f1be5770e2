import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { describeShareLink } from '../../../server/auth/sharing';
import { RequestError } from '../../../server/http/guard';
import { signInToReturn } from '../../(auth)/next-path';
import { LinkRefused } from '../../LinkRefused';
import { signedInUser } from '../../session';
import { OpenShare } from './OpenShare';

export const metadata: Metadata = { title: 'A shared pipeline · Pipeloom' };

/**
 * A share link: signed in, a view link opens the pipeline read-only, a copy link offers a copy in the
 * workspace the user works in. Signed out, sign in first and come back here. A link that no longer
 * works (revoked, expired, not valid) is the whole page, saying why.
 */
export default async function SharePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  if (!(await signedInUser())) redirect(signInToReturn(`/share/${token}`));
  let link: ReturnType<typeof describeShareLink>;
  try {
    link = describeShareLink(token);
  } catch (error) {
    if (error instanceof RequestError) return <LinkRefused title="This share link does not work" message={error.message} />;
    throw error;
  }
  return (
    <div className="mx-auto max-w-xl p-8">
      <h1 className="text-2xl font-semibold">{link.pipelineName}</h1>
      <p className="mt-2 text-sm text-slate-700" data-testid="share-summary">
        {link.sharedBy ?? 'Someone'} shared the pipeline “{link.pipelineName}” {link.mode === 'view' ? 'for you to look at' : 'for you to copy into a workspace of yours'}.
      </p>
      <OpenShare token={token} mode={link.mode} />
    </div>
  );
}

import Link from 'next/link';

/** The whole page when an invite or a share link cannot be used: why, in the server's words, and the way home. */
export function LinkRefused({ title, message }: { title: string; message: string }) {
  return (
    <div className="mx-auto max-w-xl p-8" data-testid="link-refused">
      <h1 className="text-2xl font-semibold">{title}</h1>
      <p role="alert" className="mt-3 rounded bg-amber-50 p-3 text-sm text-amber-950">
        {message}
      </p>
      <Link href="/" className="mt-4 inline-block text-sm font-medium text-indigo-700 hover:underline">
        Go to your pipelines
      </Link>
    </div>
  );
}

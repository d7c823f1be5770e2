import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="mx-auto max-w-xl p-8" data-testid="not-found">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="mt-2 text-sm text-slate-600">
        There is nothing here, or it belongs to a workspace you are not a member of. If someone sent you this link, ask an owner of their workspace
        to add you.
      </p>
      <Link href="/" className="mt-4 inline-block text-sm font-medium text-indigo-700 hover:underline">
        Back to your pipelines
      </Link>
    </div>
  );
}

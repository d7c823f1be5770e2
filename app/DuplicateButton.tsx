'use client';
import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useTRPC } from './trpc';

/** Makes a copy of a pipeline beside it ("Copy of …", with a history of its own) and opens it; a refusal is told in the server's words. */
export function DuplicateButton({ graphId, label, className }: { graphId: string; label: string; className: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const duplicate = useMutation(trpc.graphs.duplicate.mutationOptions({ onSuccess: ({ id }) => router.push(`/graphs/${id}`) }));
  return (
    <>
      <button type="button" aria-label={label} className={className} disabled={duplicate.isPending} onClick={() => duplicate.mutate({ id: graphId })}>
        Duplicate
      </button>
      {duplicate.error && (
        <span role="alert" className="text-xs text-red-700">
          {duplicate.error.message}
        </span>
      )}
    </>
  );
}

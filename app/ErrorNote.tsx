/** The server's plain words for what was refused or failed, read out as an alert; nothing when there is none. */
export function ErrorNote({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p role="alert" className="mt-3 rounded bg-red-50 p-2 text-sm text-red-800">
      {message}
    </p>
  );
}

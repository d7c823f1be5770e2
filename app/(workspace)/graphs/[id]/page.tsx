import { Editor } from '../../../editor/Editor';

export default async function GraphPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <Editor graphId={id} />;
}

import { SchemeEditor } from "@/components/editor/scheme-editor";

export default async function EditSchemePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <SchemeEditor key={id} schemeId={id} />;
}

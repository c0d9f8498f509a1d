import { ValueMapEditor } from "./value-map-editor";

export default async function ValueMapPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ValueMapEditor key={id} id={id} />;
}

import { RunView } from "@/components/runs/run-view";

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <RunView key={id} runId={id} />;
}

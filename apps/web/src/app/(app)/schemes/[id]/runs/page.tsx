import { SchemeRunsView } from "@/components/runs/runs-table";
import { runRetention } from "@qiao/db";

export default async function SchemeRunsPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <SchemeRunsView schemeId={id} retention={runRetention()} />;
}

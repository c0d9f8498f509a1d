import { SchemeEditor } from "@/components/editor/scheme-editor";

export default function NewSchemePage() {
  return <SchemeEditor />;
}

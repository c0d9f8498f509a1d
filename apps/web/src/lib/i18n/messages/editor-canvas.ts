// UI texts React Flow reads to screen readers on the editor's canvas (its defaults are English
// only): the keyboard help of nodes and edges, an edge's name, the controls and the mini map.
// Merged into ../messages.ts.

export const editorCanvasZh = {
  "canvas.nodeHelp": "按 Enter 或空格选中节点，按 Delete 删除，按 Esc 取消。",
  "canvas.nodeMoveHelp": "按 Enter 或空格选中节点，然后可用方向键移动它，按 Delete 删除，按 Esc 取消。",
  "canvas.nodeMoved": "已移动选中的节点，新位置：x {x}，y {y}",
  "canvas.edgeHelp": "按 Enter 或空格选中连线，然后按 Delete 删除，按 Esc 取消。",
  "canvas.edge": "连线：{source} → {target}",
  "canvas.controls": "画布控制",
  "canvas.zoomIn": "放大",
  "canvas.zoomOut": "缩小",
  "canvas.fitView": "适应画布",
  "canvas.interactive": "切换交互",
  "canvas.miniMap": "缩略图",
  "canvas.handle": "连接点",
};

export const editorCanvasEn: Record<keyof typeof editorCanvasZh, string> = {
  "canvas.nodeHelp": "Press Enter or Space to select a node, Delete to remove it, Escape to cancel.",
  "canvas.nodeMoveHelp": "Press Enter or Space to select a node, then the arrow keys to move it, Delete to remove it, Escape to cancel.",
  "canvas.nodeMoved": "Moved the selected node, new position: x {x}, y {y}",
  "canvas.edgeHelp": "Press Enter or Space to select an edge, then Delete to remove it or Escape to cancel.",
  "canvas.edge": "Edge: {source} → {target}",
  "canvas.controls": "Canvas controls",
  "canvas.zoomIn": "Zoom in",
  "canvas.zoomOut": "Zoom out",
  "canvas.fitView": "Fit view",
  "canvas.interactive": "Toggle interactivity",
  "canvas.miniMap": "Mini map",
  "canvas.handle": "Connection point",
};

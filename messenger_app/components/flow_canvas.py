"""The scenario canvas (B1): React Flow (`@xyflow/react`, pinned) wrapped as a Reflex component.

Why our own wrapper and not PyPI's `reflex-xyflow` 0.1.0: that package is an alpha with one
release, pins an older React Flow (12.8.6) and is fully *controlled* from the server, so every
pixel of a drag would be a websocket round trip. Here the canvas keeps the positions while a
step is dragged and tells the server only what matters: a step was selected, dropped at a
position, an exit was connected, steps or edges were deleted (Delete key). Everything the
server changes (a new step, an edited text, an exit pointed elsewhere from the side panel)
arrives as new `nodes`/`edges` props and replaces the canvas's copy.

Each node shows its exits as React Flow source Handles whose ids are the exit ids
(`next`, `btn:<id>`, `answer`, `invalid`, `timeout`, `cond:<id>`, `else`), so an edge dragged
from one is stored with `sourceHandle` = the exit, exactly as the runtime reads it.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import Var

XYFLOW = "@xyflow/react@12.12.1"

_CODE = r"""
import "@xyflow/react/dist/style.css";

function ScenarioStepNode({ id, data, selected }) {
  const cls = "msg-flow-node" + (selected ? " is-selected" : "") +
    (data.problem ? " has-problem" : "") + (data.start ? " is-start" : "");
  return (
    <div className={cls} data-testid="flow-node" data-id={id} data-kind={data.kind}
         data-problem={data.problem ? "true" : "false"}>
      <Handle type="target" position={Position.Top} id="in" className="msg-flow-in" />
      <div className="msg-flow-head">
        <span className="msg-flow-kind">{data.title}</span>
        {data.start ? <span className="msg-flow-start">{data.startLabel}</span> : null}
      </div>
      {data.summary ? <div className="msg-flow-summary">{data.summary}</div> : null}
      {(data.exits || []).length ? (
        <div className="msg-flow-exits">
          {data.exits.map((e) => (
            <div key={e.id} className="msg-flow-exit" data-testid="flow-exit" data-exit={e.id}>
              <span className="msg-flow-exit-label">{e.label}</span>
              <Handle type="source" position={Position.Right} id={e.id}
                      className="msg-flow-out" data-testid="flow-handle" data-exit={e.id} />
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}

const SCENARIO_NODE_TYPES = {
  send: ScenarioStepNode, ask: ScenarioStepNode, branch: ScenarioStepNode, act: ScenarioStepNode,
  wait: ScenarioStepNode, handover: ScenarioStepNode, goto: ScenarioStepNode, end: ScenarioStepNode,
};

function ScenarioCanvas({ nodes, edges, focusId, colorMode, ariaLabel, labels, onSelectNode,
                          onMoveNode, onConnectExit, onDeleteItems, onPaneClick }) {
  const [ns, setNs] = useState(nodes || []);
  const [es, setEs] = useState(edges || []);
  const flow = useRef(null);
  const reported = useRef(null);
  useEffect(() => { setNs(nodes || []); }, [nodes]);
  useEffect(() => { setEs(edges || []); }, [edges]);
  useEffect(() => {
    // a step chosen from the side panel or the problem list: bring it into view
    if (!focusId || !flow.current) return;
    const n = (nodes || []).find((x) => x.id === focusId);
    if (n) flow.current.setCenter(n.position.x + 110, n.position.y + 60,
                                  { zoom: flow.current.getZoom(), duration: 200 });
  }, [focusId]);
  const onNodesChange = useCallback((ch) => setNs((cur) => applyNodeChanges(
    ch.filter((c) => c.type !== "remove"), cur)), []);
  const onEdgesChange = useCallback((ch) => setEs((cur) => applyEdgeChanges(
    ch.filter((c) => c.type !== "remove"), cur)), []);
  const onSelectionChange = useCallback(({ nodes: sel }) => {
    const id = sel && sel.length === 1 ? sel[0].id : null;
    if (id && id !== reported.current) {
      reported.current = id;
      if (onSelectNode) onSelectNode(id);
    }
    if (!id) reported.current = null;
  }, [onSelectNode]);
  return (
    <ReactFlow nodes={ns} edges={es} nodeTypes={SCENARIO_NODE_TYPES}
      onInit={(inst) => { flow.current = inst; }}
      onNodesChange={onNodesChange} onEdgesChange={onEdgesChange}
      onSelectionChange={onSelectionChange}
      onNodeDragStop={(ev, n) => onMoveNode && onMoveNode(n.id, n.position.x, n.position.y)}
      onConnect={(c) => onConnectExit && onConnectExit(c.source, c.sourceHandle || "", c.target)}
      onDelete={({ nodes: dn, edges: de }) => onDeleteItems &&
        onDeleteItems((dn || []).map((n) => n.id), (de || []).map((e) => e.id))}
      onPaneClick={() => onPaneClick && onPaneClick()}
      deleteKeyCode={["Delete", "Backspace"]} fitView fitViewOptions={{ maxZoom: 1 }}
      minZoom={0.2} maxZoom={1.5} colorMode={colorMode || "light"}
      defaultEdgeOptions={{ type: "smoothstep", markerEnd: { type: MarkerType.ArrowClosed } }}
      proOptions={{ hideAttribution: true }} aria-label={ariaLabel}
      ariaLabelConfig={labels || {}}>
      <Background gap={20} size={1} />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}
"""


def _one(value: Var[str]) -> tuple[Var[str]]:
    return (value,)


def _move(node_id: Var[str], x: Var[float], y: Var[float]) -> tuple[Var[str], Var[float], Var[float]]:
    return (node_id, x, y)


def _connect(source: Var[str], handle: Var[str], target: Var[str]) -> tuple[Var[str], Var[str], Var[str]]:
    return (source, handle, target)


def _delete(node_ids: Var[list], edge_ids: Var[list]) -> tuple[Var[list], Var[list]]:
    return (node_ids, edge_ids)


def _none() -> tuple:
    return ()


class ScenarioCanvas(rx.Component):
    """`<ScenarioCanvas>` defined in this module's custom code around `<ReactFlow>`."""

    tag = "ScenarioCanvas"
    library = None
    lib_dependencies: list[str] = [XYFLOW]

    nodes: Var[list[dict[str, Any]]]
    edges: Var[list[dict[str, Any]]]
    focus_id: Var[str]
    color_mode: Var[str]
    aria_label: Var[str]
    labels: Var[dict[str, str]]  # React Flow's own texts (ariaLabelConfig), translated

    on_select_node: rx.EventHandler[_one]
    on_move_node: rx.EventHandler[_move]
    on_connect_exit: rx.EventHandler[_connect]
    on_delete_items: rx.EventHandler[_delete]
    on_pane_click: rx.EventHandler[_none]

    def add_imports(self) -> dict:
        return {"react": ["useState", "useEffect", "useCallback", "useRef"],
                XYFLOW: ["ReactFlow", "Background", "Controls", "Handle", "Position", "MarkerType",
                         "applyNodeChanges", "applyEdgeChanges"]}

    def add_custom_code(self) -> list[str]:
        return [_CODE]


scenario_canvas = ScenarioCanvas.create

"""Chat-bot scenarios (B1): the draft, its triggers, validation and immutable published versions.

The graph JSON (React Flow's nodes and edges, /work/notes/scenario-format.md) is stored as-is.
`save_draft` checks its shape only (a draft may be unfinished); `problems` lists what keeps it
from being published, each problem naming its step; `publish` copies the draft into the next
version. A run in progress keeps the version it started on (services/bot/).

Where each part lives: `shape` (what a graph and triggers may hold, a step's exits and the
edges), `publishing` (what keeps a draft from being published) and `records` (the stored
scenarios and their versions).
"""

from messenger_app.services.scenarios.publishing import MAX_WAIT_MINUTES, Problem, problems
from messenger_app.services.scenarios.records import (ScenarioDetail, ScenarioSummary, VersionView, create,
                                                      delete, get, latest_version, list_all, publish,
                                                      published, rename, save_draft, set_triggers,
                                                      triggers_text)
from messenger_app.services.scenarios.shape import (OPTIONAL_EXITS, ScenarioError, check_shape, clean_triggers,
                                                    edge_map, empty_graph, node_exits, placeholders)

__all__ = ["MAX_WAIT_MINUTES", "OPTIONAL_EXITS", "Problem", "ScenarioDetail", "ScenarioError", "ScenarioSummary",
           "VersionView", "check_shape", "clean_triggers", "create", "delete", "edge_map", "empty_graph", "get",
           "latest_version", "list_all", "node_exits", "placeholders", "problems", "publish", "published",
           "rename", "save_draft", "set_triggers", "triggers_text"]

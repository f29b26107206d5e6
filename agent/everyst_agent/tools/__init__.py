"""Network and host tools the hub can run on this agent: scope-checked, bounded, cancellable.

`ToolRunner` receives ToolCommands and reports ToolEvents; each tool is a module with a `Params`
dataclass (parsed from params_json) and `run(params, ctx)`; `scope.Scope` decides what may be touched.
"""

"""Runs tool input schemas (JSON on stdin: a tools/list result) through the strict conversion of
the framework whose venv runs this file, printing one line per tool: `NAME strict|not-strict
[why]`. openai-agents: `ensure_strict_json_schema`, as its MCP adapter calls it with
convert_schemas_to_strict; pydantic-ai: `OpenAIJsonSchemaTransformer` in its automatic mode,
which decides whether a tool may be sent with strict: true."""

import copy
import json
import sys


def has_key(node, key):
    if isinstance(node, dict):
        return key in node or any(has_key(v, key) for v in node.values())
    if isinstance(node, list):
        return any(has_key(v, key) for v in node)
    return False


def openai_agents(schema):
    from agents.strict_schema import ensure_strict_json_schema

    try:
        out = ensure_strict_json_schema(copy.deepcopy(schema), _reject_open_objects=True)
    except Exception as e:  # the adapter then serves the tool non-strict
        return False, f"conversion failed: {e}"
    for bad in ("default", "oneOf"):
        if has_key(out, bad):
            return False, f"{bad} kept (OpenAI strict mode rejects it)"
    return True, ""


def pydantic_ai(schema):
    from pydantic_ai.profiles.openai import OpenAIJsonSchemaTransformer

    t = OpenAIJsonSchemaTransformer(copy.deepcopy(schema), strict=None)
    t.walk()
    return bool(t.is_strict_compatible), "" if t.is_strict_compatible else "the transformer turned strict off"


def main():
    which = sys.argv[1]
    check = {"openai_agents": openai_agents, "pydantic_ai": pydantic_ai}[which]
    for tool in json.load(sys.stdin)["tools"]:
        ok, why = check(tool["inputSchema"])
        print(tool["name"], "strict" if ok else "not-strict", why)


main()

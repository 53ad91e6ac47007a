"""server.json, the entry for the official MCP registry (issue 19): the fields that registry
requires (its server.schema.json and the official registry's own rules), and what this server
needs there: the PyPI package run by uvx over stdio with --mcp, AITOEARN_API_KEY a secret.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import jsonschema

REPO = Path(__file__).resolve().parents[2]
VERSION = (REPO / "VERSION").read_text().strip()
SERVER = json.loads((REPO / "server.json").read_text())

# The registry's required fields and their rules (server.schema.json of 2025-12-11: Server,
# Package, StdioTransport, Argument, KeyValueInput), written out for what this entry uses.
REQUIRED = {
    "type": "object",
    "required": ["$schema", "name", "description", "version", "packages"],
    "properties": {
        "$schema": {"type": "string", "pattern": r"^https://static\.modelcontextprotocol\.io/schemas/[0-9-]+/server\.schema\.json$"},
        "name": {"type": "string", "pattern": r"^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$", "minLength": 3, "maxLength": 200},
        "description": {"type": "string", "minLength": 1, "maxLength": 100},
        "version": {"type": "string", "maxLength": 255, "not": {"pattern": r"^[\^~<>=]|[x*]$"}},
        "packages": {
            "type": "array", "minItems": 1,
            "items": {
                "type": "object",
                "required": ["registryType", "identifier", "version", "transport"],
                "additionalProperties": False,
                "properties": {
                    "registryType": {"type": "string"},
                    "registryBaseUrl": {"type": "string", "format": "uri"},
                    "identifier": {"type": "string"},
                    "version": {"type": "string", "minLength": 1, "not": {"const": "latest"}},
                    "runtimeHint": {"type": "string"},
                    "transport": {"type": "object", "required": ["type"],
                                  "properties": {"type": {"enum": ["stdio", "streamable-http", "sse"]}}},
                    "packageArguments": {"type": "array", "items": {
                        "type": "object", "required": ["type"],
                        "properties": {"type": {"enum": ["positional", "named"]}},
                        "anyOf": [{"properties": {"type": {"const": "named"}}, "required": ["name"]},
                                  {"required": ["valueHint"]}, {"required": ["value"]}]}},
                    "environmentVariables": {"type": "array", "items": {
                        "type": "object", "required": ["name"],
                        "properties": {"name": {"type": "string"}, "description": {"type": "string"},
                                       "isRequired": {"type": "boolean"}, "isSecret": {"type": "boolean"},
                                       "format": {"enum": ["string", "number", "boolean", "filepath"]}}}},
                },
            },
        },
    },
}


def test_server_json_has_the_fields_the_registry_requires():
    jsonschema.Draft7Validator(REQUIRED, format_checker=jsonschema.FormatChecker()).validate(SERVER)
    # The official registry: PyPI packages only from pypi.org, _meta only under its publisher key.
    for package in SERVER["packages"]:
        if package["registryType"] == "pypi":
            assert package.get("registryBaseUrl", "https://pypi.org") == "https://pypi.org"
    assert set(SERVER.get("_meta", {})) <= {"io.modelcontextprotocol.registry/publisher-provided"}


def test_server_json_runs_the_pypi_package_over_stdio_with_mcp_and_a_secret_key():
    assert SERVER["version"] == VERSION
    (package,) = SERVER["packages"]
    project = tomllib.loads((REPO / "packaging/python/pyproject.toml").read_text())["project"]
    assert package["registryType"] == "pypi" and package["identifier"] == project["name"] == "aitoearn-rpc"
    assert package["version"] == VERSION
    assert package["transport"] == {"type": "stdio"}
    assert package["runtimeHint"] == "uvx"
    assert [a.get("value") for a in package["packageArguments"]] == ["--mcp"]
    (key,) = [e for e in package["environmentVariables"] if e["name"] == "AITOEARN_API_KEY"]
    assert key["isSecret"] is True and key.get("description")


def test_the_pypi_readme_names_the_server_for_the_registrys_ownership_check():
    """The registry accepts a PyPI package only when its description says `mcp-name: NAME`;
    the wheel's description is the README (packaging/python/pyproject.toml)."""
    assert f"mcp-name: {SERVER['name']}" in (REPO / "README.md").read_text()

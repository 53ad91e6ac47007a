"""Pydantic AI's MCPToolset calls generate_image with use_task=True over MCP 2026-07-28 (the
Tasks extension, through fastmcp-tasks). Prints what it saw (checked by Tests/EndToEnd/test_mcp_modern.py)."""

import asyncio
import os

from fastmcp.client.transports import StdioTransport
from pydantic_ai.mcp import MCPToolset


async def main() -> None:
    toolset = MCPToolset(StdioTransport(command=os.environ["AITOEARN_RPC_BIN"],
                                        args=["--simulate", "--simulate-delay-ms", "600", "--image-dir", "images"]))
    async with toolset:
        print("version:", toolset.client.session.protocol_version)
        result = await toolset.direct_call_tool("generate_image", {"prompt": "a red fox", "model": "sim-image"},
                                                use_task=True)
        job = result[0] if isinstance(result, list) else result
        print("use_task:", job["status"], job["logId"])


asyncio.run(main())

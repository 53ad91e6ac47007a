"""fastmcp 4 with fastmcp-tasks installed (which declares the 2026-07-28 Tasks extension on every
client): a plain call_tool with a progress handler must still be followed in place, with progress.
Prints what it saw, one fact a line (checked by Tests/EndToEnd/test_conformance.py)."""

import asyncio
import os

import fastmcp_tasks  # noqa: F401  (registers the Tasks extension on fastmcp clients)
from fastmcp import Client
from fastmcp.client.transports import StdioTransport


async def main() -> None:
    transport = StdioTransport(command=os.environ["AITOEARN_RPC_BIN"],
                               args=["--simulate", "--simulate-delay-ms", "1500", "--image-dir", "images"])
    seen: list[str] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append(message or "")

    async with Client(transport) as client:
        print("version:", client.session.protocol_version)
        result = await client.call_tool("generate_image", {"prompt": "a red fox", "model": "sim-image"},
                                        progress_handler=on_progress)
        print("status:", result.structured_content["status"])
        print("progress:", len(seen))


asyncio.run(main())

"""fastmcp 4's client runs generate_image as a task of the 2026-07-28 Tasks extension: submit
(a task handle comes back), status, result; then a plain call_tool, which drives a task
transparently. Prints what it saw, one fact a line (checked by Tests/EndToEnd/test_mcp_modern.py)."""

import asyncio
import os

from fastmcp import Client
from fastmcp.client.transports import StdioTransport
from fastmcp_tasks.client import call_tool_task


async def main() -> None:
    transport = StdioTransport(command=os.environ["AITOEARN_RPC_BIN"],
                               args=["--simulate", "--simulate-delay-ms", "600", "--image-dir", "images"])
    async with Client(transport) as client:
        print("version:", client.session.protocol_version)
        task = await call_tool_task(client, "generate_image", {"prompt": "a red fox", "model": "sim-image"})
        print("task:", task.task_id, task.create_result.status)
        status = await task.status()
        print("status:", status.status)
        result = await task.result()
        print("result:", result.structured_content["status"], result.structured_content["logId"])
        plain = await client.call_tool("generate_image", {"prompt": "a blue fox", "model": "sim-image"})
        print("call_tool:", plain.structured_content["status"])


asyncio.run(main())

"""fastmcp 4's client runs generate_video as a task of the 2026-07-28 Tasks extension, then submits
another without waiting and follows it with get_task_status and its taskId. Prints one fact a line
(checked by Tests/EndToEnd/test_mcp_video.py)."""

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
        task = await call_tool_task(client, "generate_video", {"prompt": "a red fox running", "model": "sim-video"})
        print("task:", task.task_id, task.create_result.status)
        result = await task.result()
        print("result:", result.structured_content["status"], result.structured_content["taskId"])
        pending = await client.call_tool("generate_video", {"prompt": "a blue fox", "model": "sim-video", "wait_seconds": 0})
        task_id = pending.structured_content["taskId"]
        print("status:", pending.structured_content["status"], task_id)
        done = await client.call_tool("get_task_status", {"taskId": task_id, "wait_seconds": 20})
        print("followed:", done.structured_content["status"], done.structured_content["taskId"])


asyncio.run(main())

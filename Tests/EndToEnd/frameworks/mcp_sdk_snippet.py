# The official MCP Python SDK (pip install "mcp>=2").
import asyncio
import os

from mcp import Client, StdioServerParameters

# The adapter on the offline simulator, keeping images in ./images; for the real service
# drop "--simulate" and set AITOEARN_API_KEY in env.
server = StdioServerParameters(
    command=os.environ.get("AITOEARN_RPC_BIN", "aitoearn-rpc"),
    args=["--mcp", "--simulate", "--image-dir", "images"],
)


async def main() -> None:
    async with Client(server) as client:
        tools = await client.list_tools()
        print("tools:", ", ".join(t.name for t in tools.tools))

        result = await client.call_tool("generate_image", {"prompt": "a red fox", "model": "sim-image"})
        job = result.structured_content
        print("generate_image:", job["status"], job["logId"], job["images"][0]["url"])

        # Same session: the job is known to this process.
        status = await client.call_tool("get_task_status", {"logId": job["logId"]})
        print("get_task_status:", status.structured_content["status"])


asyncio.run(main())

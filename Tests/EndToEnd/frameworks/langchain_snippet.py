# LangChain (pip install langchain-mcp-adapters). One persistent session for all tool calls:
# client.get_tools() would start a new adapter process for every call, and a job submitted
# in one process is unknown to the next (get_task_status on the simulator fails).
import asyncio
import os

from langchain_mcp_adapters.client import MultiServerMCPClient
from langchain_mcp_adapters.tools import load_mcp_tools

# The adapter on the offline simulator, keeping images in ./images; for the real service
# drop "--simulate" and add "env": {"AITOEARN_API_KEY": "..."}.
client = MultiServerMCPClient(
    {
        "aitoearn": {
            "transport": "stdio",
            "command": os.environ.get("AITOEARN_RPC_BIN", "aitoearn-rpc"),
            "args": ["--mcp", "--simulate", "--image-dir", "images"],
        }
    }
)


async def main() -> None:
    async with client.session("aitoearn") as session:
        tools = {t.name: t for t in await load_mcp_tools(session)}
        print("tools:", ", ".join(tools))

        # Invoked as an agent would (a tool call); the structured result is the artifact.
        call = {"type": "tool_call", "id": "1", "name": "generate_image",
                "args": {"prompt": "a red fox", "model": "sim-image"}}
        job = (await tools["generate_image"].ainvoke(call)).artifact["structured_content"]
        print("generate_image:", job["status"], job["logId"], job["images"][0]["url"])

        call = {"type": "tool_call", "id": "2", "name": "get_task_status", "args": {"logId": job["logId"]}}
        status = (await tools["get_task_status"].ainvoke(call)).artifact["structured_content"]
        print("get_task_status:", status["status"])


asyncio.run(main())

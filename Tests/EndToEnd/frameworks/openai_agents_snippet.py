# OpenAI Agents SDK (pip install openai-agents). Its MCP client gives up on a request after
# client_session_timeout_seconds (5 by default), while generate_image waits for the image up to
# wait_seconds (45 by default): give the session more time than the tool waits.
import asyncio
import os

from agents import Agent, RunContextWrapper
from agents.mcp import MCPServerStdio


async def main() -> None:
    # The adapter on the offline simulator, keeping images in ./images; for the real service drop
    # "--simulate" and add "env": {"AITOEARN_API_KEY": "..."} to params.
    async with MCPServerStdio(
        name="aitoearn",
        params={
            "command": os.environ.get("AITOEARN_RPC_BIN", "aitoearn-rpc"),
            "args": ["--mcp", "--simulate", "--image-dir", "images"],
        },
        client_session_timeout_seconds=60,
    ) as server:
        agent = Agent(name="Illustrator", instructions="Draw what you are asked for.", mcp_servers=[server])
        tools = await agent.get_mcp_tools(RunContextWrapper(context=None))
        print("tools:", ", ".join(t.name for t in tools))

        # What the agent does when the model picks a tool (Runner.run(agent, ...) needs a model).
        # The schemas are strict-mode ready: every argument is required, the optional ones take
        # null, and this client checks that each is there, so a direct call passes them all.
        schemas = {t.name: t.input_schema for t in await server.list_tools()}

        def arguments(tool: str, **given):
            return {name: given.get(name) for name in schemas[tool]["properties"]}

        result = await server.call_tool("generate_image", arguments("generate_image", prompt="a red fox", model="sim-image"))
        job = result.structured_content
        print("generate_image:", job["status"], job["logId"], job["images"][0]["url"])

        status = await server.call_tool("get_task_status", arguments("get_task_status", logId=job["logId"]))
        print("get_task_status:", status.structured_content["status"])


asyncio.run(main())

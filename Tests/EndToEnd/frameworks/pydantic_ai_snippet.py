# Pydantic AI (pip install "pydantic-ai-slim[mcp]"): MCPToolset, on FastMCP's stdio transport.
import asyncio
import os

from fastmcp.client.transports import StdioTransport
from pydantic_ai import Agent
from pydantic_ai.mcp import MCPToolset
from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart
from pydantic_ai.models.function import FunctionModel

# The adapter on the offline simulator, keeping images in ./images; for the real service
# drop "--simulate" and pass env={"AITOEARN_API_KEY": "..."}.
toolset = MCPToolset(
    StdioTransport(
        command=os.environ.get("AITOEARN_RPC_BIN", "aitoearn-rpc"),
        args=["--mcp", "--simulate", "--image-dir", "images"],
    )
)


def scripted_model(messages, info):
    """Stands in for a real model (Agent("openai:gpt-5", toolsets=[toolset])): asks for an
    image, then for its status, then answers with the tool results it got."""
    returns = [p.content for m in messages for p in m.parts if p.part_kind == "tool-return"]
    if not returns:
        return ModelResponse(parts=[ToolCallPart("generate_image", {"prompt": "a red fox", "model": "sim-image"})])
    job = returns[0][0]  # the structured result; [1] is the image link
    if len(returns) == 1:
        return ModelResponse(parts=[ToolCallPart("get_task_status", {"logId": job["logId"]})])
    return ModelResponse(parts=[TextPart(
        f"generate_image: {job['status']} {job['logId']} {job['images'][0]['url']}\n"
        f"get_task_status: {returns[1][0]['status']}"
    )])


agent = Agent(FunctionModel(scripted_model), toolsets=[toolset])


async def main() -> None:
    async with toolset:  # one adapter process for all the runs inside
        print("tools:", ", ".join(t.name for t in await toolset.list_tools()))
        result = await agent.run("Draw a red fox.")
        print(result.output)


asyncio.run(main())

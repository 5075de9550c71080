"""A web API whose report route blocks the event loop: while one request sleeps, every other request waits.

Run:  pip install fastapi uvicorn; python3 server_blocking_route.py
Then: for i in $(seq 10); do curl -s localhost:8000/report & done; wait   (10 requests: about 3 s, not 0.3 s)
"""
import asyncio
import time

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/report")
async def report():
    time.sleep(0.3)  # "building the report": holds the event loop for every request
    return {"ok": True}


@app.get("/health")
async def health():
    await asyncio.sleep(0.01)
    return {"ok": True}


if __name__ == "__main__":
    uvicorn.run(app, port=8000)

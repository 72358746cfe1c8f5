"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.api.deps import RuntimeDep
from db.migrate import is_current
from db.session import ping

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Not ready (reasons listed)"}})
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    """Ready to take traffic: the database answers and its schema is current."""

    def check() -> list[str]:
        problems = []
        try:
            ping(runtime.engine)
            if not is_current(runtime.engine):
                problems.append("database migrations are not current: run `bot db upgrade`")
        except Exception as exc:  # noqa: BLE001 (any database failure means "not ready")
            problems.append(f"database unreachable: {type(exc).__name__}")
        return problems

    problems = await anyio.to_thread.run_sync(check)
    if problems:
        return JSONResponse({"status": "not ready", "problems": problems}, status_code=503)
    return JSONResponse({"status": "ready"})


@router.get("/metrics")
async def metrics(runtime: RuntimeDep) -> Response:
    """Prometheus text format."""
    return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)

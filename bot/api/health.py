"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import hmac
import shutil
from pathlib import Path

import anyio.to_thread
from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.api.admin.auth import bearer_from
from bot.api.deps import RuntimeDep
from bot.config import Settings
from db.migrate import is_current
from db.session import ping

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Not ready (reasons listed)"}})
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    """Ready to take traffic: the database answers, its schema is current and the disk
    holding the data has room (READYZ_MIN_FREE_MB)."""

    def check() -> list[str]:
        problems = []
        try:
            ping(runtime.engine)
            if not is_current(runtime.engine):
                problems.append("database migrations are not current: run `bot db upgrade`")
        except Exception as exc:  # noqa: BLE001 (any database failure means "not ready")
            problems.append(f"database unreachable: {type(exc).__name__}")
        low = low_disk(runtime.settings)
        if low is not None:
            problems.append(low)
        return problems

    problems = await anyio.to_thread.run_sync(check)
    if problems:
        return JSONResponse({"status": "not ready", "problems": problems}, status_code=503)
    return JSONResponse({"status": "ready"})


def low_disk(settings: Settings) -> str | None:
    """Why the data's disk is too full to take traffic, or None."""
    floor = settings.readyz_min_free_mb
    if floor <= 0:
        return None
    path = Path(settings.data_dir).resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    free_mb = shutil.disk_usage(path).free // (1024 * 1024)
    if free_mb >= floor:
        return None
    return f"free disk space for the data is {free_mb} MB, below READYZ_MIN_FREE_MB={floor}"


def metrics_allowed(request: Request, settings: Settings) -> bool:
    """Demo mode, METRICS_PUBLIC, or the bearer METRICS_TOKEN."""
    if settings.is_demo or settings.metrics_public:
        return True
    given = bearer_from(request) or ""
    expected = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    return bool(given and expected) and hmac.compare_digest(given.encode(), expected.encode())


@router.get(
    "/metrics",
    responses={401: {"description": "Production: `Authorization: Bearer <METRICS_TOKEN>`"}},
)
async def metrics(request: Request, runtime: RuntimeDep) -> Response:
    """Prometheus text format."""
    if not metrics_allowed(request, runtime.settings):
        raise HTTPException(
            401, "metrics need the METRICS_TOKEN", headers={"WWW-Authenticate": "Bearer"}
        )
    return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)

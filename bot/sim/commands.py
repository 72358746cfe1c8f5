"""`bot sim`: run the Zalo OA simulator on its own."""

from __future__ import annotations

import argparse

from bot.config import get_settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sim", help="run the Zalo OA simulator alone")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8090)
    p.add_argument("--webhook-url", default=None, help="where to deliver events (the bot)")
    p.add_argument("--retry-speedup", type=float, default=1.0)
    p.set_defaults(func=cmd_sim)


def cmd_sim(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.sim.app import SimConfig, create_sim_app

    settings = get_settings()
    if settings.bot_mode == "production":
        print("The simulator is for demo and tests; unset BOT_MODE=production to run it.")
        return 2
    config = SimConfig(
        app_id=settings.zalo_app_id,
        app_secret=settings.zalo_app_secret.get_secret_value(),
        oa_id=settings.zalo_oa_id,
        oa_secret_key=settings.zalo_oa_secret_key.get_secret_value(),
        webhook_url=args.webhook_url or settings.webhook_url,
        retry_speedup=args.retry_speedup,
    )
    print(f"Zalo OA simulator on http://{args.host}:{args.port} (control API: /_sim/…)")
    print(f"Delivering webhooks to {config.webhook_url}")
    uvicorn.run(create_sim_app(config), host=args.host, port=args.port, log_level="warning")
    return 0

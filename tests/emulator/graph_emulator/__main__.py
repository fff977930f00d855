"""Run the emulator standalone: python -m graph_emulator --state-dir DIR [--seed FILE|demo] [--port N]
[--latency-ms MS]."""

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

from .seeds import CONTOSO_APP_ID, CONTOSO_DOMAIN, CONTOSO_TENANT_ID, demo_seed
from .server import Emulator, write_state


def main(argv=None):
    parser = argparse.ArgumentParser(prog="graph_emulator", description=__doc__)
    parser.add_argument("--state-dir", required=True, help="where ca.pem and state.json are written")
    parser.add_argument("--seed", default="demo", help="a seed JSON file, or 'demo' for the built-in tenants")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address to listen on")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="delay every answer this long, as a round trip to Graph would"
    )
    args = parser.parse_args(argv)

    state_dir = Path(args.state_dir)
    state = {}
    seed = args.seed
    if seed == "demo":
        seed = demo_seed()
        contoso = seed["tenants"][0]
        state["demo"] = {
            "tenant_id": CONTOSO_TENANT_ID,
            "domain": CONTOSO_DOMAIN,
            "client_id": CONTOSO_APP_ID,
            "client_secret": contoso["apps"][0]["secrets"][0],
        }

    emulator = Emulator(
        seed=seed, host=args.host, port=args.port, state_dir=state_dir, latency=max(0.0, args.latency_ms) / 1000.0
    ).start()
    state.update(emulator.describe())
    state["pid"] = os.getpid()
    write_state(state_dir / "state.json", state)
    print(json.dumps({"url": emulator.url, "ca_path": emulator.ca_path, "state": str(state_dir / "state.json")}))
    sys.stdout.flush()

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

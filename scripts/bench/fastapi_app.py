"""The seed design's FastAPI gateway check, for comparison in make bench:
one route behind an X-API-Key header compared in constant time."""
import hmac
import os

from fastapi import Depends, FastAPI, Header, HTTPException

API_KEY = os.environ.get("BENCH_API_KEY", "bench-key")
app = FastAPI()


def require_key(x_api_key: str = Header(default="")) -> None:
    if not hmac.compare_digest(x_api_key.encode(), API_KEY.encode()):
        raise HTTPException(status_code=401, detail="invalid API key")


@app.get("/api/v1/me", dependencies=[Depends(require_key)])
def me() -> dict:
    return {"id": "bench", "email": "bench@example.com"}

"""Serves the chat page at "/", the admin page at "/admin" (its assistants at "/admin/assistants"), their static
files under /web/, and the section labels the answers use (prompts.schema.SECTION_LABELS) so the page and the other
front doors name sections alike."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from prompts.schema import SECTION_LABELS
from services.web.page_config import router as page_config_router

STATIC = Path(__file__).resolve().parent / "static"
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8", ".svg": "image/svg+xml",
         ".png": "image/png"}
# Third-party browser code, copied from npm by services/web/assets/vendor.sh (never a CDN).
VENDOR = STATIC / "vendor"
# No caching of the page itself, so a deploy shows at once; the static files are small.
NO_CACHE = {"Cache-Control": "no-cache"}

router = APIRouter(tags=["web"], include_in_schema=False)
router.include_router(page_config_router)


def _file(name: str, folder: Path = STATIC) -> FileResponse:
    path = folder / name
    # Only plain files directly in static/ with a known type: no path tricks, no directory listing.
    if "/" in name or "\\" in name or name.startswith(".") or path.suffix not in TYPES or not path.is_file():
        raise HTTPException(404, "not found")
    return FileResponse(path, media_type=TYPES[path.suffix], headers=NO_CACHE)


@router.get("/", response_class=FileResponse)
def chat_page() -> FileResponse:
    return _file("index.html")


@router.get("/admin", response_class=FileResponse)
def admin_page() -> FileResponse:
    return _file("admin.html")


@router.get("/admin/analytics", response_class=FileResponse)
def analytics_page() -> FileResponse:
    return _file("analytics.html")


@router.get("/admin/assistants", response_class=FileResponse)
def assistants_admin_page() -> FileResponse:
    return _file("admin-assistants.html")


@router.get("/web/labels.json", response_model=dict[str, dict[str, str]])
def labels() -> dict[str, dict[str, str]]:
    return SECTION_LABELS


@router.get("/web/{name}", response_class=FileResponse)
def static_file(name: str) -> FileResponse:
    return _file(name)


@router.get("/web/vendor/{name}", response_class=FileResponse)
def vendor_file(name: str) -> FileResponse:
    return _file(name, VENDOR)


@router.get("/favicon.ico", response_class=FileResponse)
def favicon() -> FileResponse:  # browsers ask for it even where the page names its icon
    return _file("favicon.svg")
